package daemon

import (
	"encoding/json"
	"errors"
	"os"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// TestMain makes the test binary the daemon when Spawn starts it again:
// fakeDaemon reports what it was given and ends.
func TestMain(m *testing.M) {
	if os.Getenv(childEnv) != "" {
		os.Exit(fakeDaemon())
	}
	os.Exit(m.Run())
}

// spawned is what a spawned daemon saw.
type spawned struct {
	Args     []string
	Settings Settings
	// Env are the daemon's variables left in its environment after
	// TakeChild.
	Env       []string
	Dir       string
	SessionID bool // it leads a session of its own
	// Lock: it was handed the start's lock, on a descriptor closed on
	// exec, and the lock is held.
	Lock, LockCloseOnExec, LockHeld bool
}

// fakeDaemon is the daemon of the spawn tests: argv is [NAME, FILE,
// MODE]; it writes what it saw to FILE, then reports ready (MODE
// "ready"), an error (MODE "fail") or nothing (MODE "exit").
func fakeDaemon() int {
	c := TakeChild()
	if c == nil || len(os.Args) != 3 {
		return 3
	}
	s := spawned{Args: os.Args, Settings: c.Settings}
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, childEnv+"=") || strings.HasPrefix(kv, metricsListenEnv+"=") || strings.HasPrefix(kv, lockEnv+"=") {
			s.Env = append(s.Env, kv)
		}
	}
	s.Dir, _ = os.Getwd()
	if c.lock != nil {
		s.Lock = true
		flags, err := unix.FcntlInt(c.lock.Fd(), unix.F_GETFD, 0)
		s.LockCloseOnExec = err == nil && flags&unix.FD_CLOEXEC != 0
		// Another open file of the same lock file sees it held.
		if f, err := os.Open("/proc/self/fd/" + strconv.Itoa(lockFD)); err == nil {
			lk := wholeFile(unix.F_WRLCK)
			s.LockHeld = unix.FcntlFlock(f.Fd(), unix.F_OFD_GETLK, lk) == nil && lk.Type != unix.F_UNLCK
			f.Close()
		}
	}
	sid, _ := unix.Getsid(0)
	s.SessionID = sid == os.Getpid()
	b, _ := json.Marshal(s)
	if err := os.WriteFile(os.Args[1], b, 0o644); err != nil {
		c.Report(err)
		return 1
	}
	switch os.Args[2] {
	case "ready":
		c.Report(nil)
	case "fail":
		c.Report(errors.New("no\nway"))
	}
	return 0
}
