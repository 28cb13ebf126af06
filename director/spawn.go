package director

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

// readyFD is the descriptor on which the daemon process reports to the
// process that started it (the first of exec.Cmd.ExtraFiles).
const readyFD = 3

// IsDaemonChild reports whether this process is the daemon started by
// SpawnDaemon.
func IsDaemonChild() bool { return os.Getenv(DaemonEnv) != "" }

// SpawnDaemon starts this executable again as the daemon, with exactly
// argv as its command line (the OCF agent finds the daemon with
// `pgrep -f "$LDIRECTORD $LDIRCONF start"`), in a new session, with its
// standard streams on /dev/null. Go cannot fork; re-executing is its
// daemonisation. It returns once the daemon reports ready (its pid file
// is written and the table synced), or with the daemon's error.
func SpawnDaemon(argv []string, timeout time.Duration) error {
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("find own executable: %w", err)
	}
	r, w, err := os.Pipe()
	if err != nil {
		return fmt.Errorf("pipe: %w", err)
	}
	defer r.Close()
	null, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err != nil {
		w.Close()
		return fmt.Errorf("open %s: %w", os.DevNull, err)
	}
	defer null.Close()
	wd, _ := os.Getwd()
	cmd := &exec.Cmd{
		Path: exe, Args: argv, Dir: wd,
		Env:   append(childEnv(), DaemonEnv+"=1"),
		Stdin: null, Stdout: null, Stderr: null,
		ExtraFiles:  []*os.File{w},
		SysProcAttr: &syscall.SysProcAttr{Setsid: true},
	}
	err = cmd.Start()
	w.Close()
	if err != nil {
		return fmt.Errorf("start daemon: %w", err)
	}
	// The daemon outlives us; nobody waits for it but init.
	_ = cmd.Process.Release()
	type answer struct {
		line string
		err  error
	}
	ch := make(chan answer, 1)
	go func() {
		line, err := bufio.NewReader(r).ReadString('\n')
		ch <- answer{line, err}
	}()
	select {
	case a := <-ch:
		switch {
		case a.line == "ready\n":
			return nil
		case strings.HasPrefix(a.line, "error: "):
			return errors.New(strings.TrimSuffix(strings.TrimPrefix(a.line, "error: "), "\n"))
		}
		return errors.New("the daemon exited before it was ready")
	case <-time.After(timeout):
		// Closing r makes the reader goroutine return.
		r.Close()
		<-ch
		return fmt.Errorf("the daemon was not ready after %s", timeout)
	}
}

// ReadyPipe is the daemon's end of the readiness report.
type ReadyPipe struct {
	once sync.Once
	f    *os.File
}

// TakeReadyPipe returns the readiness pipe when this process is a daemon
// started by SpawnDaemon, nil otherwise, and removes the marker from the
// environment so that children never see it. Call it before opening any
// file, while descriptor 3 is still the pipe.
func TakeReadyPipe() *ReadyPipe {
	if !IsDaemonChild() {
		return nil
	}
	os.Unsetenv(DaemonEnv)
	f := os.NewFile(readyFD, "ready")
	if f == nil {
		return nil
	}
	return &ReadyPipe{f: f}
}

// Report tells the starting process that the daemon runs (err nil) or
// could not start; only the first report counts. A nil pipe does nothing.
func (p *ReadyPipe) Report(err error) {
	if p == nil {
		return
	}
	p.once.Do(func() {
		defer p.f.Close()
		if err != nil {
			fmt.Fprintf(p.f, "error: %s\n", strings.ReplaceAll(err.Error(), "\n", " "))
			return
		}
		fmt.Fprint(p.f, "ready\n")
	})
}

// SetProcessName sets the kernel's name of this process, the one ps's
// comm column, pgrep and killall (without -f) match, to name's last path
// component. The ldirectord script's daemon is named "ldirectord"; ours
// would be named after the lvsctl binary the symlink resolves to.
func SetProcessName(name string) error {
	n := filepath.Base(name)
	if len(n) > 15 { // TASK_COMM_LEN - 1
		n = n[:15]
	}
	if err := os.WriteFile("/proc/self/comm", []byte(n), 0); err != nil {
		return fmt.Errorf("set process name: %w", err)
	}
	return nil
}
