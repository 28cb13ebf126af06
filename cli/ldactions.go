package cli

import (
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"

	"github.com/lvsctl/lvsctl/director"
	"github.com/lvsctl/lvsctl/internal/daemon"
	"github.com/lvsctl/lvsctl/ldconf"
)

// act is ldirectord 4.12's action table: what start, stop, restart,
// try-restart, reload, force-reload and status do, say and exit with,
// whether or not a daemon runs (daemon.PidFile says, from the lock the
// daemon holds, never from a command line).
func (r *ldRun) act(action string) int {
	st := r.pidFile.Read()
	done := "Exiting from ldirectord " + action
	if st.Running && action != "start" && action != "status" && st.PID == 0 {
		// A start holds the lock and its daemon has not written its pid.
		st = r.pidFile.AwaitPID(r.f.StopWait)
	}
	if st.Running {
		switch action {
		case "start":
			return r.exit(0, done)
		case "stop":
			if !r.stopDaemon(st) {
				return r.exit(1, done)
			}
			return r.exit(0, done)
		case "reload", "force-reload":
			_ = daemon.Reload(st.PID)
			return r.exit(0, done)
		case "status":
			msg := fmt.Sprintf("ldirectord for %s is running with pid: %d", r.path, st.PID)
			fmt.Fprintln(r.ios.ErrOut, msg)
			r.statusTable()
			r.log.Log(msg)
			r.log.Log(done)
			return r.exit(0, done)
		}
		// restart, try-restart: stop it, wait for its end, then start.
		if !r.stopDaemon(st) {
			return r.exit(1, done)
		}
	} else {
		switch action {
		case "stop", "try-restart":
			r.logStale(st)
			return r.exit(0, done)
		case "status":
			code := 3
			if st.Defined {
				r.logStale(st)
				fmt.Fprintln(r.ios.ErrOut, r.staleText())
				code = 1
			}
			fmt.Fprintf(r.ios.Out, "ldirectord is stopped for %s\n", r.path)
			return r.exit(code, done)
		case "reload", "force-reload":
			r.log.Printf("ldirectord is stopped for %s", r.path)
			return r.exit(1, done)
		}
	}
	return r.start()
}

func (r *ldRun) staleText() string {
	return fmt.Sprintf("ldirectord stale pid file %s for %s", r.pidFile.Path, r.path)
}

// logStale logs a stale pid file (its pid is not signalled: it may be
// anyone's now).
func (r *ldRun) logStale(st daemon.PidState) {
	if st.Defined {
		r.log.Log(r.staleText())
	}
}

// stopDaemon sends the daemon TERM and waits, up to the factory's
// StopWait, for it to end (ldirectord's stop does not wait; its restart
// waits without end). A failure is logged and said on stderr; a stop
// that worked adds nothing to the daemon's own last line, as with
// ldirectord.
func (r *ldRun) stopDaemon(st daemon.PidState) bool {
	if err := daemon.Stop(st.PID); err != nil && !errors.Is(err, syscall.ESRCH) {
		msg := fmt.Sprintf("Can not stop ldirectord for %s with pid: %d: %v", r.path, st.PID, err)
		r.log.Log(msg)
		fmt.Fprintln(r.ios.ErrOut, msg)
		return false
	}
	if !r.pidFile.AwaitStop(r.f.StopWait) {
		msg := fmt.Sprintf("ldirectord for %s is running with pid: %d (still, %s after SIGTERM)", r.path, st.PID, r.f.StopWait)
		r.log.Log(msg)
		fmt.Fprintln(r.ios.ErrOut, msg)
		return false
	}
	return true
}

// start validates every check, then runs in the foreground (-d,
// supervised=yes: no pid file) or starts the daemon and returns once it
// is running.
func (r *ldRun) start() int {
	if err := director.Validate(r.cfg, r.f.checker()); err != nil {
		fmt.Fprint(r.ios.ErrOut, director.ConfigErrorText(err, r.path, os.Getpid()))
		return r.exit(ldconf.ExitConfigError, "config_error: Configuration Error")
	}
	if r.debug || r.cfg.Global.Supervised {
		r.log.Printf("Starting %s with pid: %d", ldVersionString, os.Getpid())
		return r.serve(daemon.PidFile{})
	}
	r.log.Printf("Starting %s as daemon", ldVersionString)
	// The daemon's command line is exactly "<argv0> <config> start".
	argv := []string{r.argv0, r.config, "start"}
	if r.config == ldconf.DefaultConfig && r.cfgName == "ldirectord" {
		argv = []string{r.argv0, "start"}
	}
	err := daemon.Start(r.pidFile, argv, daemon.Settings{MetricsListen: r.metricsListen}, r.f.Spawn)
	var se *daemon.StartError
	switch {
	case errors.Is(err, daemon.ErrRunning):
		// Another start got there first: as starting a running daemon.
		return r.exit(0, "Exiting from ldirectord start")
	case errors.As(err, &se) && se.Step == daemon.StepPidFile:
		return r.initError("Can not open " + r.pidFile.Path)
	case err != nil:
		msg := "Can not start the daemon: " + err.Error()
		r.log.Log(msg)
		fmt.Fprintln(r.ios.ErrOut, msg)
		return r.exit(ldExitInit, "Initialisation Error")
	}
	return 0
}

// daemon is the spawned daemon process: pid file, then serve.
func (r *ldRun) daemon() int {
	path, err := r.child.Detach(r.pidFile, r.path)
	r.path = path
	if err != nil {
		return r.initError("Can not open " + r.pidFile.Path)
	}
	return r.serve(r.pidFile)
}

// serve runs the director until TERM/INT/QUIT; HUP reloads. The daemon
// (a pid file) also answers on its status socket.
func (r *ldRun) serve(pidFile daemon.PidFile) int {
	// The running director, spawned or in the foreground, creates its
	// files (log, monitor, state) without access for others.
	daemon.RestrictUmask()
	p := daemon.Process{
		Argv0: r.argv0, Config: r.cfg,
		Load:       func() (*ldconf.Config, error) { return ldconf.Load(r.path, r.ldconfOptions()...) },
		ConfigPath: r.path, PidFile: pidFile, MetricsListen: r.metricsListen,
		OpenIPVS: r.f.OpenIPVS, Log: r.log, Signals: r.f.Signals, Child: r.child, NewChecker: r.f.checker(),
	}
	if pidFile.Path != "" {
		p.StatusSocket = daemon.SocketPath(r.f.RunDir, r.cfgName)
	}
	sig, err := daemon.Serve(p)
	var se *daemon.StartError
	switch {
	case errors.As(err, &se) && se.Step == daemon.StepIPVS:
		return r.initError("Can not open IPVS: " + se.Err.Error())
	case errors.As(err, &se) && se.Step == daemon.StepMetrics:
		return r.initError("Can not serve metrics: " + se.Err.Error())
	case errors.As(err, &se) && se.Step == daemon.StepBGP:
		return r.initError("Can not start the BGP speaker: " + se.Err.Error())
	case err != nil:
		r.log.Printf("%v", err)
		return r.exit(1, err.Error())
	}
	return r.exit(0, "Linux Director Daemon terminated on signal: "+sig)
}

// statusTable prints the running daemon's table for a person at a
// terminal. ldirectord prints nothing on stdout when it runs, and scripts
// capture stdout, so the table only appears on a terminal.
func (r *ldRun) statusTable() {
	if !r.ios.OutTTY {
		return
	}
	snap, err := daemon.QueryStatus(daemon.SocketPath(r.f.RunDir, r.cfgName), 2*time.Second)
	if err != nil {
		return
	}
	director.WriteStatusTable(r.ios.Out, snap)
}
