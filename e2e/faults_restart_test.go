//go:build e2e

package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// flapWatch polls the table every 50 ms while a test disturbs the daemon
// and records what check finds wrong in each poll.
type flapWatch struct {
	k      *kernel
	before func() // called before each read of the table
	check  func(have map[string]int32) []string
	stop   chan struct{}
	done   chan struct{}

	mu       sync.Mutex
	polls    int
	problems []string
}

func watchTable(k *kernel, check func(have map[string]int32) []string) *flapWatch {
	return watchTableFrom(k, func() {}, check)
}

// watchTableFrom is watchTable calling before ahead of each read.
func watchTableFrom(k *kernel, before func(), check func(have map[string]int32) []string) *flapWatch {
	w := &flapWatch{k: k, before: before, check: check, stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(w.done)
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for {
			w.poll()
			select {
			case <-w.stop:
				return
			case <-tick.C:
			}
		}
	}()
	return w
}

// noFlap is what a client would notice: a healthy real (want > 0) absent
// or at another weight, a dead one (want 0) given a weight again after it
// was at 0.
func noFlap(want map[string]int32) func(map[string]int32) []string {
	zeroed := map[string]bool{}
	return func(have map[string]int32) []string {
		var out []string
		for r, v := range want {
			got, ok := have[r]
			switch {
			case v > 0 && (!ok || got != v):
				out = append(out, fmt.Sprintf("%s at %d (present %v), want %d", r, got, ok, v))
			case v == 0 && ok && got == 0:
				zeroed[r] = true
			case v == 0 && ok && got > 0 && zeroed[r]:
				out = append(out, fmt.Sprintf("%s back at %d after 0", r, got))
			}
		}
		return out
	}
}

func (w *flapWatch) poll() {
	w.before()
	svcs, err := w.k.c.Services()
	if err != nil {
		return
	}
	have := map[string]int32{}
	for i := range svcs {
		ds, err := w.k.c.Destinations(&svcs[i])
		if err != nil {
			continue
		}
		for _, d := range ds {
			have[weightKey(&svcs[i], &d)] = d.Weight
		}
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.polls++
	for _, p := range w.check(have) {
		if len(w.problems) < 20 {
			w.problems = append(w.problems, fmt.Sprintf("poll %d: %s", w.polls, p))
		}
	}
}

// sameWeights says whether have has every real of want at its weight.
func sameWeights(have, want map[string]int32) bool {
	for key, v := range want {
		if got, ok := have[key]; !ok || got != v {
			return false
		}
	}
	return true
}

// end stops the polling and fails t for every problem seen.
func (w *flapWatch) end(t *testing.T) {
	t.Helper()
	close(w.stop)
	<-w.done
	w.mu.Lock()
	defer w.mu.Unlock()
	t.Logf("%d polls of the table", w.polls)
	for _, p := range w.problems {
		t.Error(p)
	}
}

// restartSetup is 400 reals in 4 virtuals, quiescent, checked every
// second, all up; it returns the daemon, the farm, the reals and the
// weights key of each.
func restartSetup(t *testing.T, name string) (*faultDaemon, *farm, []string, []string) {
	reals := farmReals(400)
	f := newFarm(t)
	f.up(reals...)
	d := newFaultDaemon(t, name, farmConfig("checkinterval=1\nchecktimeout=1\nquiescent=yes\n", 4, reals, 5))
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("the daemon's log, last 40 lines:\n%s", tail(d.logText(), 40))
		}
	})
	d.start()
	keys := make([]string, len(reals))
	for i, a := range reals {
		keys[i] = vipReal(virtualOf(i, len(reals), 4), a)
	}
	k := openKernel(t)
	waitTable(t, "every real up", 30*time.Second, func() bool {
		w := k.weights()
		for _, key := range keys {
			if w[key] != 5 {
				return false
			}
		}
		return true
	})
	return d, f, reals, keys
}

// kill -9 of the daemon in the middle of a pass (half the dead reals
// quiesced), then start: no healthy real leaves its weight, no quiesced
// one gets a weight back, and the table is the configuration's within a
// check round of the new daemon. The round is counted in the daemon's
// own checks of the healthy reals, not in seconds: on a loaded host the
// checks and the passes stretch alike.
func TestFaultKill9MidPassNoFlap(t *testing.T) {
	d, f, reals, keys := restartSetup(t, "faults-kill.cf")
	k := openKernel(t)
	want := map[string]int32{}
	var healthy []string
	for i, key := range keys {
		want[key] = 5
		if i%2 == 1 {
			want[key] = 0
		} else {
			healthy = append(healthy, reals[i])
		}
	}
	// One poller both watches for flaps and finds the convergence: a
	// second reader of the 400 reals every 50 ms would take the guest's
	// CPU from the daemon it measures.
	flap := noFlap(want)
	var armed atomic.Bool
	type mark struct {
		at      time.Time
		accepts []int64
	}
	converged := make(chan mark, 1)
	// The checks are counted before each read of the table: a read of
	// 400 reals takes the loaded guest's CPU long enough for checks of
	// the next round to run meanwhile.
	var counted mark
	watch := watchTableFrom(k, func() {
		counted = mark{time.Now(), f.accepts(healthy)}
	}, func(have map[string]int32) []string {
		if armed.Load() && sameWeights(have, want) {
			select {
			case converged <- counted:
			default:
			}
		}
		return flap(have)
	})
	for i := 1; i < len(reals); i += 2 {
		f.down(reals[i])
	}
	// Mid-pass: some of the dead reals quiesced, not all.
	deadline := time.Now().Add(10 * time.Second)
	for {
		zero := 0
		for key, w := range k.weights() {
			if w == 0 && want[key] == 0 {
				zero++
			}
		}
		if zero > 0 && zero < len(reals)/2 {
			t.Logf("kill -9 with %d of %d dead reals quiesced", zero, len(reals)/2)
			break
		}
		if zero == len(reals)/2 || time.Now().After(deadline) {
			t.Fatalf("never caught the daemon mid-pass (%d quiesced)", zero)
		}
		time.Sleep(5 * time.Millisecond)
	}
	old := livePid(d.pidFile)
	syscall.Kill(old, syscall.SIGKILL)
	for syscall.Kill(old, 0) == nil {
		time.Sleep(10 * time.Millisecond)
	}
	// From here every accepted connection is a check of the new daemon.
	before := f.accepts(healthy)
	started := time.Now()
	armed.Store(true)
	pid := d.start()
	if pid == old {
		t.Fatalf("the pid file still names the killed daemon")
	}
	ready := time.Now()
	var m mark
	select {
	case m = <-converged:
	case <-time.After(20 * time.Second):
		t.Fatalf("not converged 20 s after the daemon started:\n%s", ipvsTable())
	}
	// Every real is checked once per checkinterval (a dead one ends at
	// once: a reset). Converged within the first round, the healthy reals
	// were checked at most twice by then (one check of the next round
	// may precede the pass that applies the last verdict); the poller's
	// own lag (the table may have converged during its previous read)
	// may add one. With a second lab VM on the host (CI) the passes that
	// write the verdicts share the guest's one CPU with the checks, and
	// the last of them lands up to a round later: 2-3 checks alone, 3-4
	// in CI. Five would mean the first round's verdicts waited two
	// rounds, which no load seen here explains.
	most := int64(0)
	for i := range healthy {
		most = max(most, m.accepts[i]-before[i])
	}
	t.Logf("start-up %s, converged %s after start; by then each healthy real was checked at most %d times",
		ready.Sub(started).Round(10*time.Millisecond), m.at.Sub(started).Round(10*time.Millisecond), most)
	if most > 4 {
		t.Errorf("a healthy real was checked %d times before the table converged: want the first round's verdicts in the table within one more round (at most 4, the poller's lag included)", most)
	}
	time.Sleep(2 * time.Second)
	watch.end(t)
}

// kill -9 just after a reload was asked for (new weights), then start:
// the table converges to the new configuration, no healthy real leaves
// it on the way.
func TestFaultKill9MidReloadNoFlap(t *testing.T) {
	d, _, reals, keys := restartSetup(t, "faults-killhup.cf")
	k := openKernel(t)
	// Healthy reals stay up throughout: at 5 or 7, never 0 or gone.
	watch := watchTable(k, func(have map[string]int32) []string {
		var out []string
		for _, key := range keys {
			if v, ok := have[key]; !ok || v != 5 && v != 7 {
				out = append(out, fmt.Sprintf("%s at %d (present %v)", key, v, ok))
			}
		}
		return out
	})
	d.write(farmConfig("checkinterval=1\nchecktimeout=1\nquiescent=yes\n", 4, reals, 7))
	pid := livePid(d.pidFile)
	syscall.Kill(pid, syscall.SIGHUP)
	time.Sleep(30 * time.Millisecond)
	syscall.Kill(pid, syscall.SIGKILL)
	for syscall.Kill(pid, 0) == nil {
		time.Sleep(10 * time.Millisecond)
	}
	started := time.Now()
	d.start()
	waitTable(t, "the new weights", 10*time.Second, func() bool {
		w := k.weights()
		for _, key := range keys {
			if w[key] != 7 {
				return false
			}
		}
		return true
	})
	t.Logf("converged %s after the start", time.Since(started).Round(10*time.Millisecond))
	watch.end(t)
}

// After a kill -9 the pid file stays and its pid may be reused by any
// process, even one named ldirectord: start starts a daemon, stop stops
// it and signals nothing else.
func TestFaultStalePidReused(t *testing.T) {
	reals := farmReals(2)
	f := newFarm(t)
	f.up(reals...)
	d := newFaultDaemon(t, "faults-stale.cf", farmConfig("checkinterval=1\nchecktimeout=1\n", 1, reals, 1))
	old := d.start()
	st, err := os.Stat(d.pidFile)
	if err != nil {
		t.Fatal(err)
	}
	written := st.ModTime()
	syscall.Kill(old, syscall.SIGKILL)
	for syscall.Kill(old, 0) == nil {
		time.Sleep(10 * time.Millisecond)
	}
	// The pid now belongs to a process named ldirectord (pid reuse,
	// simulated: the pid file is given its pid and keeps its time).
	other := exec.Command("bash", "-c", "exec -a ldirectord sleep 600")
	if err := other.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { other.Process.Kill(); other.Wait() })
	for _, reuse := range []string{"of our daemon", "of a pid file without our lock"} {
		t.Logf("the pid %s reused", reuse)
		reused := strconv.Itoa(other.Process.Pid) + "\n"
		if err := os.WriteFile(d.pidFile, []byte(reused), 0o644); err != nil {
			t.Fatal(err)
		}
		if reuse == "of our daemon" {
			// The daemon's pid, in its pid and lock files, is another
			// process's now; the pid file keeps its time.
			if err := os.WriteFile(d.pidFile+".lock", []byte(reused), 0o644); err != nil {
				t.Fatal(err)
			}
			os.Chtimes(d.pidFile, written, written)
		} else {
			// Debian's ldirectord's pid file (no lock of ours), written an
			// hour before the process that has its pid now started.
			os.Remove(d.pidFile + ".lock")
			old := time.Now().Add(-time.Hour)
			os.Chtimes(d.pidFile, old, old)
		}
		if _, errOut, code := d.run("status"); code != 1 || !strings.Contains(errOut, "stale pid file") {
			t.Errorf("status with a reused pid: exit %d %q", code, errOut)
		}
		if _, _, code := d.run("stop"); code != 0 {
			t.Errorf("stop with a reused pid: exit %d", code)
		}
		pid := d.start()
		if pid == other.Process.Pid || pid == old {
			t.Fatalf("start left the pid file at %d", pid)
		}
		waitTable(t, "the new daemon's table", 10*time.Second, func() bool { return strings.Contains(ipvsTable(), "127.1.0.2:18080 -g -w 1") })
		const ended = "Linux Director Daemon terminated on signal: TERM"
		endedBefore := d.count(ended)
		if _, errOut, code := d.run("stop"); code != 0 || errOut != "" {
			t.Errorf("stop: exit %d %q", code, errOut)
		}
		if syscall.Kill(pid, 0) == nil {
			t.Errorf("stop returned with the daemon %d still there", pid)
		}
		if syscall.Kill(other.Process.Pid, 0) != nil {
			t.Fatal("the process with the reused pid was signalled")
		}
		if out := ipvsTable(); out != "" {
			t.Errorf("cleanstop left:\n%s", out)
		}
		// stop returns once the daemon has ended: its last line is there.
		if n := d.count(ended); n != endedBefore+1 {
			t.Errorf("the stopped daemon logged %q %d times, want once", ended, n-endedBefore)
		}
	}
}

// Ten starts at once: all exit 0, one daemon runs, the table is synced
// once.
func TestFaultConcurrentStarts(t *testing.T) {
	reals := farmReals(2)
	f := newFarm(t)
	f.up(reals...)
	d := newFaultDaemon(t, "faults-starts.cf", farmConfig("checkinterval=1\nchecktimeout=1\n", 1, reals, 1))
	var wg sync.WaitGroup
	codes := make([]int, 10)
	for i := range codes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _, codes[i] = d.run("start")
		}()
	}
	wg.Wait()
	for i, c := range codes {
		if c != 0 {
			t.Errorf("start %d: exit %d", i, c)
		}
	}
	out, _ := exec.Command("pgrep", "-f", "ldirectord "+d.cfg+" start$").Output()
	pids := strings.Fields(string(out))
	if len(pids) != 1 || pids[0] != strconv.Itoa(livePid(d.pidFile)) {
		t.Fatalf("daemons %v, pid file %d: want one", pids, livePid(d.pidFile))
	}
	if n := d.count("Added virtual server: 192.168.100.1:18080"); n != 1 {
		t.Errorf("the table was synced %d times", n)
	}
	if _, _, code := d.run("stop"); code != 0 {
		t.Errorf("stop: exit %d", code)
	}
}

// A hundred SIGHUPs within a second: the daemon reloads (the signals
// coalesce), stays up, and no real leaves its weight at any poll.
func TestFaultHUPStorm(t *testing.T) {
	d, f, reals, keys := restartSetup(t, "faults-hup.cf")
	k := openKernel(t)
	f.down(reals[0])
	waitTable(t, "real 1 quiesced", 5*time.Second, func() bool { return k.weights()[keys[0]] == 0 })
	want := map[string]int32{}
	for i, key := range keys {
		want[key] = 5
		if i == 0 {
			want[key] = 0
		}
	}
	watch := watchTable(k, noFlap(want))
	pid := livePid(d.pidFile)
	for range 100 {
		syscall.Kill(pid, syscall.SIGHUP)
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(3 * time.Second)
	watch.end(t)
	if syscall.Kill(pid, 0) != nil || livePid(d.pidFile) != pid {
		t.Fatal("the daemon did not survive the storm")
	}
	w := k.weights()
	for key, v := range want {
		if got, ok := w[key]; !ok || got != v {
			t.Errorf("%s at %d (present %v), want %d", key, got, ok, v)
		}
	}
	n := d.count("Reloading Linux Director Daemon config on signal")
	t.Logf("%d reloads for 100 signals", n)
	if n < 1 || n > 100 {
		t.Errorf("%d reloads", n)
	}
}
