package daemon

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/lvsctl/lvsctl/director"
	"github.com/lvsctl/lvsctl/internal/bgpproc"
	"github.com/lvsctl/lvsctl/internal/proc"
	"github.com/lvsctl/lvsctl/ipvsctl"
	"github.com/lvsctl/lvsctl/ldconf"
)

// Process is one run of the director as a process: in the foreground
// (ldirectord -d, supervised=yes) or as the daemon Spawn started.
type Process struct {
	// Argv0 is the program name execute= instances are run with.
	Argv0 string
	// Config is the loaded configuration; Load rereads it for a reload.
	Config *ldconf.Config
	Load   func() (*ldconf.Config, error)
	// ConfigPath is the configuration file, as messages name it.
	ConfigPath string
	// PidFile is removed when the director stops, or fails to start; its
	// zero value is none (the foreground).
	PidFile PidFile
	// StatusSocket is where `lvsctl status` asks ("" none).
	StatusSocket string
	// MetricsListen is the address of /metrics ("" none).
	MetricsListen string
	// OpenIPVS opens a client of the kernel's table; the metrics listener
	// opens one of its own.
	OpenIPVS func() (ipvsctl.Client, error)
	Log      *director.Logger
	// Signals delivers the stop and reload signals (Signals).
	Signals SignalsFunc
	// Child is the link to the process that spawned this one; nil in the
	// foreground.
	Child *Child
	// NewChecker builds the checks (nil: director.Checker).
	NewChecker director.CheckerFunc
	// FindSpeaker finds the BGP speaker program (default bgpproc.Find).
	FindSpeaker func() (string, error)
}

// Serve runs the director until a stop signal; a reload signal makes it
// reread the configuration. It returns the name of the signal that
// stopped it, or why it could not start (a *StartError, also reported to
// the starting process and with the pid file removed) or had to stop.
func Serve(p Process) (stoppedBy string, err error) {
	client, err := p.OpenIPVS()
	if err != nil {
		return "", p.failStart(StepIPVS, err)
	}
	defer client.Close()
	for _, w := range p.Config.Warnings {
		if !director.IsLdirectordWarning(w) {
			p.Log.Log(director.ConfigWarningText(w, p.ConfigPath, os.Getpid()))
		}
	}
	ctx, cancel := context.WithCancelCause(context.Background())
	stop, reload, cleanup := p.Signals(ctx)
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		select {
		case s := <-stop:
			cancel(director.StopSignal(s))
		case <-ctx.Done():
		}
	}()
	// The signals' goroutines end with ctx: cancel before waiting.
	defer func() {
		cancel(nil)
		<-stopped
		cleanup()
	}()
	opts := director.Options{
		Client: client, Log: p.Log, NewChecker: p.NewChecker,
		Load: p.Load, ConfigPath: p.ConfigPath, ConfigName: p.ConfigPath, Reload: reload,
		Ready: func() { p.Child.Report(nil) }, Execute: executeInstance(p.Argv0),
	}
	var stopStatus func()
	if p.StatusSocket != "" {
		opts.Status = func(f director.StatusFunc) {
			stop, err := ServeStatus(p.StatusSocket, f)
			if err != nil {
				p.Log.Printf("Status socket %s: %v", p.StatusSocket, err)
				return
			}
			stopStatus = stop
		}
	}
	if p.MetricsListen != "" {
		opts.Metrics = director.NewMetrics()
		stop, err := serveMetrics(p.MetricsListen, p.OpenIPVS, opts.Metrics)
		if err != nil {
			return "", p.failStart(StepMetrics, err)
		}
		defer stop()
	}
	if opts.NewChecker == nil {
		opts.NewChecker = director.Checker
	}
	if err := p.speaker(&opts); err != nil {
		return "", p.failStart(StepBGP, err)
	}
	Tune()
	err = director.Run(ctx, p.Config, opts)
	if stopStatus != nil {
		stopStatus()
	}
	p.PidFile.Remove()
	if err != nil {
		p.Child.Report(err)
		return "", err
	}
	sig := "TERM"
	var s director.StopSignal
	if errors.As(context.Cause(ctx), &s) {
		sig = string(s)
	}
	return sig, nil
}

// speaker sets up the BGP speaker: the program lvsctl-bgp, started by
// the director while the configuration sets bgplocalas. A start with BGP
// fails when the program is missing (a reload that turns BGP on finds it
// later, or logs that it cannot and keeps looking).
func (p *Process) speaker(opts *director.Options) error {
	find := p.FindSpeaker
	if find == nil {
		find = bgpproc.Find
	}
	if p.Config.Global.BGP != nil {
		if _, err := find(); err != nil {
			return err
		}
	}
	opts.StartSpeaker = func() director.Speaker {
		return bgpproc.Start(bgpproc.Options{Log: p.Log.Log})
	}
	return nil
}

// failStart reports a failed step to the starting process and removes
// the pid file.
func (p *Process) failStart(step Step, err error) error {
	p.Child.Report(err)
	p.PidFile.Remove()
	return &StartError{Step: step, Err: err}
}

// executeInstance is execute=NAME: `ldirectord NAME ACTION` with the same
// program, named argv0.
func executeInstance(argv0 string) func(ctx context.Context, name, action string) error {
	return func(ctx context.Context, name, action string) error {
		exe, err := os.Executable()
		if err != nil {
			return fmt.Errorf("find own executable: %w", err)
		}
		// A process group of its own, killed with it at commandtimeout;
		// the daemon a start spawns leaves it (a new session).
		cmd := proc.Command(ctx, time.Second, exe)
		cmd.Args = []string{argv0, name, action}
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("ldirectord %s %s: %w", name, action, err)
		}
		return nil
	}
}
