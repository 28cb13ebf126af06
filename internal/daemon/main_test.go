package daemon

import (
	"encoding/json"
	"errors"
	"os"
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
		if strings.HasPrefix(kv, childEnv+"=") || strings.HasPrefix(kv, metricsListenEnv+"=") {
			s.Env = append(s.Env, kv)
		}
	}
	s.Dir, _ = os.Getwd()
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
