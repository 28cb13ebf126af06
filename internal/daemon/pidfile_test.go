package daemon

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// startChild starts a process that lives until the test ends.
func startChild(t *testing.T, extra ...*os.File) int {
	t.Helper()
	cmd := exec.Command("sleep", "60")
	cmd.ExtraFiles = extra
	if err := cmd.Start(); err != nil {
		t.Skip(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	return cmd.Process.Pid
}

func writeAged(t *testing.T, path, text string, age time.Duration) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	at := time.Now().Add(-age)
	if err := os.Chtimes(path, at, at); err != nil {
		t.Fatal(err)
	}
}

// The lock decides: held, a daemon runs (even if the pid file's pid
// looks reused); free, the daemon that wrote its pid into the lock file
// is gone, even if a process has that pid now.
func TestPidFileLockIsLiveness(t *testing.T) {
	p := PidFile{Path: filepath.Join(t.TempDir(), "ldirectord.site.cf.pid")}
	if st := p.Read(); st != (PidState{}) {
		t.Fatalf("no files: %+v", st)
	}
	lock, err := p.Lock()
	if err != nil {
		t.Fatal(err)
	}
	// A start under way: the lock, no pid yet.
	if st := p.Read(); st != (PidState{Running: true}) {
		t.Fatalf("start under way: %+v", st)
	}
	mustNil(t, SetLockPID(lock, 4242))
	if st := p.Read(); st != (PidState{Running: true, PID: 4242}) {
		t.Fatalf("lock with a pid: %+v", st)
	}
	// A pid file an hour old naming a process started a moment ago: the
	// lock says it runs all the same.
	pid := startChild(t)
	writeAged(t, p.Path, fmt.Sprintf("%d\n", pid), time.Hour)
	if st := p.Read(); st != (PidState{Defined: true, Running: true, PID: pid}) {
		t.Fatalf("locked: %+v", st)
	}
	if _, err := p.Lock(); !errors.Is(err, ErrRunning) {
		t.Fatalf("second lock: %v, want ErrRunning", err)
	}
	// The daemon of this pid and lock is killed: the lock is free, and a
	// live process with its pid is not it.
	mustNil(t, SetLockPID(lock, pid))
	lock.Close()
	writeAged(t, p.Path, fmt.Sprintf("%d\n", pid), 0)
	if st := p.Read(); st != (PidState{Defined: true}) {
		t.Fatalf("killed daemon: %+v, want stale", st)
	}
	lock, err = p.Lock()
	if err != nil {
		t.Fatalf("lock after the daemon's end: %v", err)
	}
	lock.Close()
}

// A pid file the lock does not cover (Debian's ldirectord writes no lock
// of ours) runs when its process started no later than the file was
// written; a command line is never looked at.
func TestPidFileForeign(t *testing.T) {
	p := PidFile{Path: filepath.Join(t.TempDir(), "ldirectord.site.cf.pid")}
	pid := startChild(t) // "sleep": no "ldirectord" in its command line
	time.Sleep(20 * time.Millisecond)
	writeAged(t, p.Path, fmt.Sprintf("%d\n", pid), 0)
	if st := p.Read(); st != (PidState{Defined: true, Running: true, PID: pid}) {
		t.Errorf("foreign daemon: %+v", st)
	}
	writeAged(t, p.Path, fmt.Sprintf("%d\n", pid), time.Hour)
	if st := p.Read(); st != (PidState{Defined: true}) {
		t.Errorf("reused pid (the process is younger than the file): %+v", st)
	}
	for _, text := range []string{"999999999\n", "garbage\n", "-1\n"} {
		writeAged(t, p.Path, text, 0)
		if st := p.Read(); st != (PidState{Defined: true}) {
			t.Errorf("%q: %+v", text, st)
		}
	}
}

func TestProcessStart(t *testing.T) {
	before := time.Now()
	pid := startChild(t)
	start, ok := processStart(pid)
	if !ok || start.Before(before.Add(-time.Second)) || start.After(time.Now().Add(time.Second)) {
		t.Fatalf("a child started at %v: processStart says %v, %v", before, start, ok)
	}
	self, ok := processStart(os.Getpid())
	if !ok || !self.Before(start.Add(20*time.Millisecond)) {
		t.Fatalf("this process started at %v, after its child (%v)", self, start)
	}
	if _, ok := processStart(999999999); ok {
		t.Fatal("a process that does not exist started")
	}
}

// Of many starts at once, one spawns a daemon; the others find it
// running. The daemon holds the lock after the start has let go.
func TestConcurrentStartsSpawnOne(t *testing.T) {
	p := PidFile{Path: filepath.Join(t.TempDir(), "ldirectord.site.cf.pid")}
	var mu sync.Mutex
	spawns := 0
	spawn := func(argv []string, s Settings) error {
		if s.Lock == nil {
			return errors.New("no lock handed over")
		}
		mu.Lock()
		spawns++
		mu.Unlock()
		pid := startChild(t, s.Lock) // the daemon: it inherits the lock
		time.Sleep(50 * time.Millisecond)
		return p.Write(pid)
	}
	var wg sync.WaitGroup
	errs := make([]error, 10)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = Start(p, []string{"ldirectord", "start"}, Settings{}, spawn)
		}()
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case !errors.Is(err, ErrRunning):
			t.Errorf("start: %v", err)
		}
	}
	if ok != 1 || spawns != 1 {
		t.Fatalf("%d starts succeeded, %d spawned: want 1 and 1", ok, spawns)
	}
	if st := p.Read(); !st.Running || st.PID == 0 {
		t.Fatalf("after the start: %+v", st)
	}
	if err := Start(p, []string{"ldirectord", "start"}, Settings{}, spawn); !errors.Is(err, ErrRunning) {
		t.Fatalf("a later start: %v", err)
	}
}

// A daemon started without the start's lock takes it itself, and one
// that cannot (another holds it) refuses to run.
func TestChildHoldsLock(t *testing.T) {
	p := PidFile{Path: filepath.Join(t.TempDir(), "ldirectord.site.cf.pid")}
	c := &Child{}
	mustNil(t, c.holdLock(p))
	defer c.lock.Close()
	if st := p.Read(); !st.Running || st.PID != os.Getpid() {
		t.Fatalf("after holdLock: %+v", st)
	}
	other := &Child{}
	if err := other.holdLock(p); err == nil || err.Error() != p.LockPath()+" is locked: another daemon runs" {
		t.Fatalf("second daemon: %v", err)
	}
	// The lock handed over by the start is kept, not taken again.
	q := PidFile{Path: filepath.Join(t.TempDir(), "ldirectord.other.cf.pid")}
	lock, err := q.Lock()
	mustNil(t, err)
	handed := &Child{lock: lock}
	mustNil(t, handed.holdLock(q))
	if handed.lock != lock {
		t.Fatal("the handed lock was replaced")
	}
	lock.Close()
}

// Spawn hands the lock to the daemon as a descriptor its own commands do
// not inherit.
func TestSpawnHandsLock(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "seen")
	t.Setenv(childEnv, "")
	p := PidFile{Path: filepath.Join(dir, "ldirectord.site.cf.pid")}
	lock, err := p.Lock()
	mustNil(t, err)
	defer lock.Close()
	if err := Spawn([]string{"ldirectord", out, "ready"}, Settings{Lock: lock}, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	if s := readSpawned(t, out); !s.Lock || !s.LockCloseOnExec || !s.LockHeld || len(s.Env) != 0 {
		t.Errorf("the daemon saw %+v", s)
	}
	if err := Spawn([]string{"ldirectord", out, "ready"}, Settings{}, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	if s := readSpawned(t, out); s.Lock {
		t.Errorf("without a lock, the daemon saw %+v", s)
	}
}

func mustNil(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
