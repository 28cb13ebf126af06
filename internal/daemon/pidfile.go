package daemon

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// PidFile is a daemon's pid file and the lock beside it. Every use of
// either goes through it.
//
// The pid file is ldirectord's: its path and its "PID\n" are what
// Debian's unit and pacemaker's agent read, and it is replaced by a
// rename. So the daemon's liveness is not read from it but from the lock
// file beside it (Path + ".lock"), which the start takes before it
// spawns, hands to the daemon, and the daemon holds until it ends: held,
// a daemon runs (or is starting); not held, none of ours does, whatever
// process has the pid now. A pid file the lock does not cover (written
// by Debian's ldirectord) counts as running when its process started no
// later than the file was written; a command line is never trusted.
type PidFile struct {
	// Path is the file; "" is no pid file (a daemon in the foreground),
	// on which every method does nothing.
	Path string
}

// PidState is what the pid file and its lock say.
type PidState struct {
	// Defined: the file exists and has a first line (ldirectord's
	// "defined $filepid"; an empty file is not stale, a garbage one is).
	Defined bool
	// PID is the running daemon's pid when Running (0 while a start has
	// the lock and no daemon has written its pid yet).
	PID int
	// Running: a daemon runs, or is being started.
	Running bool
}

// ErrRunning is a start refused because a daemon runs or is starting.
var ErrRunning = errors.New("a daemon is running")

// foreignSlack is how much later than its pid file a process may have
// started and still be the daemon that wrote it, for pid files the lock
// does not cover: it absorbs the granularity of the two clocks (the
// kernel's 10 ms ticks, the file system's coarse time stamps) and small
// steps of the wall clock.
const foreignSlack = 5 * time.Second

// Read says whether a daemon runs for this pid file.
func (p PidFile) Read() PidState { return p.read(false) }

// read is Read; withLock: this process holds the lock (a start), so only
// a daemon the lock does not cover counts.
func (p PidFile) read(withLock bool) PidState {
	if p.Path == "" {
		return PidState{}
	}
	st, pid, mtime := p.readFile()
	holder, held := p.lockHolder()
	held = held && !withLock
	switch {
	case held:
		st.Running, st.PID = true, pid
		if pid <= 0 {
			st.PID = holder
		}
	case pid <= 0:
	case holder == pid:
		// Written by a daemon of ours that no longer holds its lock: it
		// is gone (killed), and the pid may be anyone's now.
	case startedBy(pid, mtime.Add(foreignSlack)):
		st.Running, st.PID = true, pid
	}
	return st
}

// readFile reads the pid file the way ldirectord's ld_init does: its
// first line, the pid in it (0 if none) and when it was written.
func (p PidFile) readFile() (st PidState, pid int, mtime time.Time) {
	f, err := os.Open(p.Path)
	if err != nil {
		return st, 0, mtime
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil {
		mtime = fi.ModTime()
	}
	line, err := bufio.NewReader(f).ReadString('\n')
	if err != nil && line == "" {
		return st, 0, mtime
	}
	st.Defined = true
	if n, err := strconv.Atoi(strings.TrimSuffix(line, "\n")); err == nil && n > 0 {
		pid = n
	}
	return st, pid, mtime
}

// Create creates (or truncates) the pid file before the daemon starts,
// so that an unwritable run directory fails the start at once.
func (p PidFile) Create() error {
	f, err := os.OpenFile(p.Path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return fmt.Errorf("create pid file: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("create pid file: %w", err)
	}
	return nil
}

// Write writes "PID\n" through a temporary file and a rename, so that a
// reader never sees a half-written pid.
func (p PidFile) Write(pid int) error {
	tmp := p.Path + ".tmp"
	if err := os.WriteFile(tmp, []byte(strconv.Itoa(pid)+"\n"), 0o644); err != nil {
		return fmt.Errorf("write pid file: %w", err)
	}
	if err := os.Rename(tmp, p.Path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write pid file: %w", err)
	}
	return nil
}

// Remove is ld_rm_file: directories and missing files are left. The lock
// file stays: removing it could let a second start lock a new file while
// a daemon still holds the old one.
func (p PidFile) Remove() {
	if p.Path == "" {
		return
	}
	if st, err := os.Stat(p.Path); err == nil && !st.IsDir() {
		os.Remove(p.Path)
	}
}

// AwaitStop waits, up to limit, until no daemon runs (its process has
// ended, so its lock is free), looking every 100 ms; it reports whether
// none runs.
func (p PidFile) AwaitStop(limit time.Duration) bool {
	deadline := time.Now().Add(limit)
	for p.Read().Running {
		if !time.Now().Before(deadline) {
			return false
		}
		time.Sleep(100 * time.Millisecond)
	}
	return true
}

// AwaitPID waits, up to limit, for a starting daemon to write its pid;
// it returns the daemon's state then.
func (p PidFile) AwaitPID(limit time.Duration) PidState {
	deadline := time.Now().Add(limit)
	for {
		st := p.Read()
		if !st.Running || st.PID > 0 || !time.Now().Before(deadline) {
			return st
		}
		time.Sleep(50 * time.Millisecond)
	}
}
