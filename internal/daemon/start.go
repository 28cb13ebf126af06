package daemon

import (
	"errors"
	"fmt"
	"syscall"
	"time"
)

// Step is a step of a daemon's start.
type Step int

// The steps whose failure ends a start, each with its own message in
// ldirectord's words (package cli).
const (
	StepPidFile Step = iota // create or write the pid file
	StepSpawn               // start the daemon process
	StepIPVS                // open IPVS
	StepMetrics             // listen for metrics scrapes
	StepBGP                 // find the BGP speaker program
)

func (s Step) String() string {
	switch s {
	case StepPidFile:
		return "pid file"
	case StepSpawn:
		return "spawn"
	case StepIPVS:
		return "open IPVS"
	case StepMetrics:
		return "metrics"
	case StepBGP:
		return "BGP speaker"
	}
	return fmt.Sprintf("Step(%d)", int(s))
}

// StartError is a start that failed at Step.
type StartError struct {
	Step Step
	Err  error
}

func (e *StartError) Error() string { return e.Err.Error() }

func (e *StartError) Unwrap() error { return e.Err }

// Start starts the daemon as ldirectord's start does: it creates the pid
// file first, so that an unwritable run directory fails at once, then
// spawns argv with s and waits for the daemon's report. On a failure the
// pid file is removed again.
//
// It holds the pid file's lock from before it looks until the daemon has
// it (the daemon inherits it): of two starts at once, one starts the
// daemon and the other returns ErrRunning, as it does when a daemon runs.
func Start(pidFile PidFile, argv []string, s Settings, spawn SpawnFunc) error {
	lock, err := pidFile.Lock()
	if errors.Is(err, ErrRunning) {
		return ErrRunning
	}
	if err != nil {
		return &StartError{Step: StepPidFile, Err: err}
	}
	// The daemon has its own descriptor of the lock once spawn returns.
	defer lock.Close()
	if pidFile.read(true).Running {
		return ErrRunning // a daemon the lock does not cover (Debian's ldirectord)
	}
	if err := pidFile.Create(); err != nil {
		return &StartError{Step: StepPidFile, Err: err}
	}
	s.Lock = lock
	if err := spawn(argv, s); err != nil {
		pidFile.Remove()
		return &StartError{Step: StepSpawn, Err: err}
	}
	return nil
}

// StopWait is how long stop and restart wait for a daemon to end after
// TERM: its checks are cancelled, cleanstop is a write per virtual, its
// queued commands get at most 10 s.
const StopWait = 30 * time.Second

// Stop asks the daemon with pid to stop (TERM); PidFile.AwaitStop waits
// for its end.
func Stop(pid int) error { return kill(pid, syscall.SIGTERM) }

// Reload asks the daemon with pid to reread its configuration (HUP).
func Reload(pid int) error { return kill(pid, syscall.SIGHUP) }

func kill(pid int, sig syscall.Signal) error {
	if err := syscall.Kill(pid, sig); err != nil {
		return fmt.Errorf("signal %d: %w", pid, err)
	}
	return nil
}
