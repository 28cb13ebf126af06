package daemon

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

	"golang.org/x/sys/unix"
)

// readyFD is the descriptor on which the daemon process reports to the
// process that started it (the first of exec.Cmd.ExtraFiles).
const readyFD = 3

// The daemon's environment variables: childEnv marks the process Spawn
// started, the others carry Settings. The child takes them out of its
// environment at once (TakeChild), so the commands it runs never see
// them: an `ldirectord NAME start` run by execute= must not think it is a
// daemon already.
const (
	childEnv         = "LVSCTL_LDIRECTORD_DAEMON"
	metricsListenEnv = "LVSCTL_METRICS_LISTEN"
	lockEnv          = "LVSCTL_LDIRECTORD_LOCK"
)

// lockFD is the descriptor of the pid file's lock in the daemon, when
// the start hands it over (the second of exec.Cmd.ExtraFiles).
const lockFD = 4

// Settings are what the starting process tells the daemon besides its
// command line, which must stay exactly `<argv0> <config> start` (the OCF
// agent finds the daemon with `pgrep -f "$LDIRECTORD $LDIRCONF start"`).
type Settings struct {
	// MetricsListen is lvsctl's --metrics-listen address ("" none).
	MetricsListen string
	// Lock is the pid file's lock the start holds (PidFile.Lock), handed
	// to the daemon so that it is never free between the two; nil none.
	Lock *os.File
}

// environ is the daemon's environment: base without any of the daemon's
// variables, then the marker and s.
func (s Settings) environ(base []string) []string {
	env := make([]string, 0, len(base)+2)
	for _, kv := range base {
		name, _, _ := strings.Cut(kv, "=")
		if name != childEnv && name != metricsListenEnv && name != lockEnv {
			env = append(env, kv)
		}
	}
	env = append(env, childEnv+"=1")
	if s.MetricsListen != "" {
		env = append(env, metricsListenEnv+"="+s.MetricsListen)
	}
	if s.Lock != nil {
		env = append(env, lockEnv+"=1")
	}
	return env
}

// SpawnFunc starts the daemon with command line argv and settings s, and
// returns once it runs (Spawn, or a test's recorder).
type SpawnFunc func(argv []string, s Settings) error

// Spawn starts this executable again as the daemon, with exactly argv as
// its command line, s in its environment, in a new session, with its
// standard streams on /dev/null. Go cannot fork; re-executing is its
// daemonisation. It returns once the daemon reports ready (its pid file
// is written and the table synced), or with the daemon's error, or after
// timeout.
func Spawn(argv []string, s Settings, timeout time.Duration) error {
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
	extra := []*os.File{w}
	if s.Lock != nil {
		extra = append(extra, s.Lock) // lockFD
	}
	cmd := &exec.Cmd{
		Path: exe, Args: argv, Dir: wd,
		Env:   s.environ(os.Environ()),
		Stdin: null, Stdout: null, Stderr: null,
		ExtraFiles:  extra,
		SysProcAttr: &syscall.SysProcAttr{Setsid: true},
	}
	err = cmd.Start()
	w.Close()
	if err != nil {
		return fmt.Errorf("start daemon: %w", err)
	}
	// The daemon outlives us; nobody waits for it but init.
	_ = cmd.Process.Release()
	return awaitReady(r, timeout)
}

// awaitReady reads the daemon's report from r.
func awaitReady(r *os.File, timeout time.Duration) error {
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

// Child is the daemon's side of Spawn: the settings it was given and the
// pipe on which it reports to the process that started it.
type Child struct {
	Settings Settings

	once sync.Once
	f    *os.File
	// lock is the pid file's lock, held for the daemon's life (never
	// closed: its end releases it).
	lock *os.File
}

// TakeChild returns this process's Child when Spawn started it, nil
// otherwise, and takes the daemon's variables out of the environment.
// Call it before opening any file, while descriptor 3 is still the pipe.
func TakeChild() *Child {
	if os.Getenv(childEnv) == "" {
		return nil
	}
	s := Settings{MetricsListen: os.Getenv(metricsListenEnv)}
	handed := os.Getenv(lockEnv) != ""
	os.Unsetenv(childEnv)
	os.Unsetenv(metricsListenEnv)
	os.Unsetenv(lockEnv)
	f := os.NewFile(readyFD, "ready")
	if f == nil {
		return nil
	}
	c := &Child{Settings: s, f: f}
	if handed {
		// The commands the daemon runs must not inherit it: a fallback
		// command outliving a killed daemon would hold it.
		unix.CloseOnExec(lockFD)
		c.lock = os.NewFile(lockFD, "lock")
	}
	return c
}

// Report tells the starting process that the daemon runs (err nil) or
// could not start; only the first report counts. A nil Child (a process
// in the foreground) does nothing.
func (c *Child) Report(err error) {
	if c == nil {
		return
	}
	c.once.Do(func() {
		defer c.f.Close()
		if err != nil {
			fmt.Fprintf(c.f, "error: %s\n", strings.ReplaceAll(err.Error(), "\n", " "))
			return
		}
		fmt.Fprint(c.f, "ready\n")
	})
}

// Detach is what the daemon does before it serves: it resolves
// configPath (reloads must find the file after the chdir; ldirectord's
// relative paths break there), moves to /, holds the pid file's lock
// (handed over by the start, or taken now), and writes its pid into the
// lock file and then pidFile. It returns the absolute configPath; a pid
// file it cannot write, or a lock another daemon holds, is also reported
// to the starting process.
func (c *Child) Detach(pidFile PidFile, configPath string) (string, error) {
	if abs, err := filepath.Abs(configPath); err == nil {
		configPath = abs
	}
	_ = os.Chdir("/")
	if err := c.holdLock(pidFile); err != nil {
		c.Report(err)
		return configPath, &StartError{Step: StepPidFile, Err: err}
	}
	if err := pidFile.Write(os.Getpid()); err != nil {
		c.Report(err)
		return configPath, &StartError{Step: StepPidFile, Err: err}
	}
	return configPath, nil
}

// holdLock makes sure the daemon holds pidFile's lock, and writes its pid
// in it.
func (c *Child) holdLock(pidFile PidFile) error {
	if c.lock == nil {
		lock, err := pidFile.Lock()
		if errors.Is(err, ErrRunning) {
			return fmt.Errorf("%s is locked: another daemon runs", pidFile.LockPath())
		}
		if err != nil {
			return err
		}
		c.lock = lock
	} else if err := lockFile(c.lock); err != nil {
		return fmt.Errorf("the start's lock: %w", err)
	}
	return SetLockPID(c.lock, os.Getpid())
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
