package director

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// RunDir is where ldirectord keeps its pid files.
const RunDir = "/var/run"

// PidPath is ldirectord's pid file for a configuration base name:
// /var/run/ldirectord.CFGNAME.pid.
func PidPath(runDir, cfgName string) string {
	return runDir + "/ldirectord." + cfgName + ".pid"
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

// ReadPidFile reads a pid file the way ldirectord's ld_init does.
func ReadPidFile(path string) PidState {
	f, err := os.Open(path)
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

// CreatePidFile creates (or truncates) the pid file before the daemon
// starts, so that an unwritable run directory fails the start at once.
func CreatePidFile(path string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return fmt.Errorf("create pid file: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("create pid file: %w", err)
	}
	return nil
}

// WritePidFile writes "PID\n" through a temporary file and a rename, so
// that a reader never sees a half-written pid.
func WritePidFile(path string, pid int) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(strconv.Itoa(pid)+"\n"), 0o644); err != nil {
		return fmt.Errorf("write pid file: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write pid file: %w", err)
	}
	return nil
}

// RemovePidFile is ld_rm_file: directories and missing files are left.
func RemovePidFile(path string) {
	if st, err := os.Stat(path); err == nil && !st.IsDir() {
		os.Remove(path)
	}
}
