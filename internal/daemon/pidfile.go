package daemon

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// PidFile is a daemon's pid file. Every use of the file goes through it,
// so that what guards the file (a lock) has one place to live.
type PidFile struct {
	// Path is the file; "" is no pid file (a daemon in the foreground),
	// on which every method does nothing.
	Path string
}

// PidState is what ldirectord learns from a pid file.
type PidState struct {
	// Defined: the file exists and has a first line (ldirectord's
	// "defined $filepid"; an empty file is not stale, a garbage one is).
	Defined bool
	// PID is the running daemon's pid when Running.
	PID int
	// Running: the first line is a pid whose /proc/PID/cmdline contains
	// "ldirectord".
	Running bool
}

// Read reads the pid file the way ldirectord's ld_init does.
func (p PidFile) Read() PidState {
	if p.Path == "" {
		return PidState{}
	}
	f, err := os.Open(p.Path)
	if err != nil {
		return PidState{}
	}
	defer f.Close()
	line, err := bufio.NewReader(f).ReadString('\n')
	if err != nil && line == "" {
		return PidState{}
	}
	line = strings.TrimSuffix(line, "\n")
	st := PidState{Defined: true}
	cmdline, err := os.ReadFile("/proc/" + line + "/cmdline")
	if err != nil || !strings.Contains(string(cmdline), "ldirectord") {
		return st
	}
	pid, err := strconv.Atoi(line)
	if err != nil || pid <= 0 {
		return st
	}
	st.PID, st.Running = pid, true
	return st
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

// Remove is ld_rm_file: directories and missing files are left.
func (p PidFile) Remove() {
	if p.Path == "" {
		return
	}
	if st, err := os.Stat(p.Path); err == nil && !st.IsDir() {
		os.Remove(p.Path)
	}
}

// AwaitRemoval returns once the pid file is gone: restart's wait for the
// daemon it stopped, which removes its pid file last.
func (p PidFile) AwaitRemoval() {
	for {
		if _, err := os.Stat(p.Path); err != nil {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
}
