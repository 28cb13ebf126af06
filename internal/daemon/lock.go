package daemon

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"

	"golang.org/x/sys/unix"
)

// The lock is an open-file-description lock (fcntl F_OFD_SETLK) on the
// whole lock file: it belongs to the open file, not to a process, so the
// start can take it and hand the open file to the daemon it spawns (the
// daemon inherits the same open file), and it is released only when the
// last descriptor of it closes, which a kill -9 does too. Unlike a
// flock(2) probe, F_OFD_GETLK tests the lock without taking it, so
// `status` never makes a concurrent start fail.

// LockPath is the lock file of the pid file.
func (p PidFile) LockPath() string { return p.Path + ".lock" }

func wholeFile(typ int16) *unix.Flock_t {
	return &unix.Flock_t{Type: typ, Whence: io.SeekStart}
}

// Lock takes the lock: ErrRunning if a daemon (or another start) holds
// it. The returned file holds it until it is closed, and its descendants
// while they keep it open (Settings.Lock hands it to the daemon).
func (p PidFile) Lock() (*os.File, error) {
	f, err := os.OpenFile(p.LockPath(), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("lock file: %w", err)
	}
	if err := lockFile(f); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// lockFile takes the lock on f (done already if f's open file holds it).
func lockFile(f *os.File) error {
	err := unix.FcntlFlock(f.Fd(), unix.F_OFD_SETLK, wholeFile(unix.F_WRLCK))
	switch {
	case errors.Is(err, unix.EAGAIN), errors.Is(err, unix.EACCES):
		return ErrRunning
	case err != nil:
		return fmt.Errorf("lock %s: %w", f.Name(), err)
	}
	return nil
}

// SetLockPID writes the daemon's pid into the lock file it holds, so that
// its pid is known before the pid file is written, and its pid file told
// from one another program wrote.
func SetLockPID(f *os.File, pid int) error {
	if err := f.Truncate(0); err != nil {
		return fmt.Errorf("lock file: %w", err)
	}
	if _, err := f.WriteAt([]byte(strconv.Itoa(pid)+"\n"), 0); err != nil {
		return fmt.Errorf("lock file: %w", err)
	}
	return nil
}

// lockHolder reads the lock file: the pid written in it (0 if none) and
// whether the lock is held.
func (p PidFile) lockHolder() (pid int, held bool) {
	f, err := os.Open(p.LockPath())
	if err != nil {
		return 0, false
	}
	defer f.Close()
	if b, err := io.ReadAll(io.LimitReader(f, 32)); err == nil {
		pid, _ = strconv.Atoi(string(bytes.TrimSpace(b)))
	}
	lk := wholeFile(unix.F_WRLCK)
	if err := unix.FcntlFlock(f.Fd(), unix.F_OFD_GETLK, lk); err != nil {
		return pid, false
	}
	return pid, lk.Type != unix.F_UNLCK
}

// userHZ is the unit of /proc/PID/stat's times (USER_HZ, 100 on every
// Linux architecture).
const userHZ = 100

// startedBy reports whether process pid exists and started no later than
// t (it can have written a file at t).
func startedBy(pid int, t time.Time) bool {
	start, ok := processStart(pid)
	return ok && !start.After(t)
}

// processStart is when process pid started, on the wall clock.
func processStart(pid int) (time.Time, bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return time.Time{}, false
	}
	// The command name (field 2) may hold blanks and parentheses: the
	// fields after it start after its last ')'.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return time.Time{}, false
	}
	fields := bytes.Fields(b[i+1:])
	const startField = 22 - 3 // field 22, counted from field 3
	if len(fields) <= startField {
		return time.Time{}, false
	}
	if s := string(fields[0]); s == "Z" || s == "X" {
		return time.Time{}, false // a zombie has ended: it runs nothing
	}
	ticks, err := strconv.ParseInt(string(fields[startField]), 10, 64)
	if err != nil {
		return time.Time{}, false
	}
	var boot, wall unix.Timespec
	if unix.ClockGettime(unix.CLOCK_BOOTTIME, &boot) != nil || unix.ClockGettime(unix.CLOCK_REALTIME, &wall) != nil {
		return time.Time{}, false
	}
	booted := time.Unix(wall.Unix()).Add(-time.Duration(boot.Nano()))
	return booted.Add(time.Duration(ticks) * time.Second / userHZ), true
}
