package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/lvsctl/lvsctl/checks"
	"github.com/lvsctl/lvsctl/director"
	"github.com/lvsctl/lvsctl/ipvsctl"
	"github.com/lvsctl/lvsctl/ipvsctl/ipvsadm"
	"github.com/lvsctl/lvsctl/ldconf"
)

// ldVersion is ldirectord's -v text.
const ldVersion = "Linux Director v1.186-ha\n" +
	"1999-2006 Jacob Rief, Horms and others\n" +
	"<http://www.vergenet.net/linux/ldirectord/>\n" +
	"\n" +
	"ldirectord comes with ABSOLUTELY NO WARRANTY.\n" +
	"This is free software, and you are welcome to redistribute it\n" +
	"under certain conditions. See the GNU General Public Licence for details.\n"

const ldVersionString = "Linux Director v1.186-ha"

// ldUsage is what ldirectord's pod2usage prints (stdout, exit 255).
const ldUsage = `Usage:
    ldirectord [-d|--debug] [--] [configfile] start | stop | restart |
    try-restart | reload | force-reload | status

    ldirectord [-h|-?|--help|-v|--version]

Options:
    configuration: This is the name for the configuration as specified in
    the file /etc/ha.d/conf/configuration

    -d|--debug Don't start as daemon and log verbosely.

    -h|--help Print user manual and exit.

    -v|--version Print version and exit.

    start the daemon for the specified configuration.

    stop the daemon for the specified configuration. This is the same as
    sending a TERM signal to the running daemon.

    restart the daemon for the specified configuration. The same as stopping
    and starting.

    reload the configuration file. This is only useful for modifications
    inside a virtual server entry. It will have no effect on adding or
    removing a virtual server block. This is the same as sending a HUP
    signal to the running daemon.

    status of the running daemon for the specified configuration.

`

// Exit statuses of the ldirectord personality.
const (
	ldExitUsage = 255
	ldExitInit  = 1
)

// ldEnv is what the ldirectord personality depends on outside its
// arguments; tests replace it.
type ldEnv struct {
	runDir   string
	logFile  string // ldirectord's default logfile
	haDir    string
	openIPVS func() (ipvsctl.Client, error)
	spawn    func(argv []string) error
	signals  func(ctx context.Context) (stop <-chan string, hup <-chan struct{}, cleanup func())
	isTTY    func(w any) bool
	// ldconfOpts come after the defaults (tests: a static resolver).
	ldconfOpts []ldconf.Option
}

// configOptions are ldconf's options for this environment.
func (e *ldEnv) configOptions(debug bool) []ldconf.Option {
	opts := []ldconf.Option{ldconf.WithDebug(debug)}
	if e.haDir != "" {
		opts = append(opts, ldconf.WithHADir(e.haDir))
	}
	return append(opts, e.ldconfOpts...)
}

func defaultLdEnv() *ldEnv {
	return &ldEnv{
		runDir:   director.RunDir,
		logFile:  "/var/log/ldirectord.log",
		openIPVS: OpenKernel,
		spawn:    func(argv []string) error { return director.SpawnDaemon(argv, time.Minute) },
		signals:  osSignals,
		isTTY:    isTerminal,
	}
}

// LdirectordMain is the ldirectord personality (argv[0] is the program
// name as invoked): ldirectord 4.12's command line, exit statuses and
// messages (SPEC §1), driving package director.
func LdirectordMain(argv []string, ios *IOStreams) int {
	return ldirectordMain(argv, ios, defaultLdEnv())
}

// ldOptions is the command line after getopt.
type ldOptions struct {
	debug, help, version, check bool
	args                        []string
	metricsListen               string // lvsctl's --metrics-listen (ldmetrics.go)
}

// parseLdArgs is Getopt::Long with bundling, no abbreviations and
// require_order: options stop at the first argument or "--".
// --check is lvsctl's addition.
func parseLdArgs(args []string) (ldOptions, error) {
	var o ldOptions
	for i := 0; i < len(args); i++ {
		if addr, n, err := parseMetricsListen(args, i); err != nil {
			return o, err
		} else if n > 0 {
			o.metricsListen, i = addr, i+n-1
			continue
		}
		a := args[i]
		switch {
		case a == "--":
			o.args = args[i+1:]
			return o, nil
		case strings.HasPrefix(a, "--"):
			switch a[2:] {
			case "debug":
				o.debug = true
			case "help":
				o.help = true
			case "version":
				o.version = true
			case "check":
				o.check = true
			default:
				return o, unknownOptionError(strings.ToLower(strings.SplitN(a[2:], "=", 2)[0]))
			}
		case strings.HasPrefix(a, "-") && len(a) > 1:
			for _, c := range a[1:] {
				switch c {
				case 'd':
					o.debug = true
				case 'h', '?':
					o.help = true
				case 'v':
					o.version = true
				default:
					return o, unknownOptionError(string(c))
				}
			}
		default:
			o.args = args[i:]
			return o, nil
		}
	}
	return o, nil
}

// unknownOptionError is Getopt::Long's complaint, printed as is.
type unknownOptionError string

func (e unknownOptionError) Error() string { return "Unknown option: " + string(e) }

var ldActions = map[string]bool{
	"start": true, "stop": true, "restart": true, "try-restart": true,
	"reload": true, "force-reload": true, "status": true,
}

func ldirectordMain(argv []string, ios *IOStreams, env *ldEnv) int {
	// Take the readiness pipe before anything opens a file.
	ready := director.TakeReadyPipe()
	if ready != nil {
		// pgrep ldirectord, killall -HUP ldirectord find the daemon.
		_ = director.SetProcessName(argv[0])
	}
	o, err := parseLdArgs(argv[1:])
	if err != nil {
		fmt.Fprintln(ios.ErrOut, err)
		fmt.Fprint(ios.Out, ldUsage)
		return ldExitUsage
	}
	switch {
	case o.help:
		// ldirectord runs perldoc on itself; the manual is ldirectord(8).
		fmt.Fprint(ios.Out, ldUsage)
		fmt.Fprintln(ios.Out, "See ldirectord(8) for the manual.")
		return 0
	case o.version:
		fmt.Fprint(ios.Out, ldVersion)
		return 0
	case o.check:
		return ldCheckConfig(o.args, ios, env)
	}
	if ready != nil {
		o.metricsListen = takeMetricsListen()
	}
	r := &ldRun{argv0: argv[0], ios: ios, env: env, debug: o.debug, ready: ready, metricsListen: o.metricsListen}
	return r.main(o.args)
}

// ldRun is one invocation of the ldirectord personality.
type ldRun struct {
	argv0   string
	ios     *IOStreams
	env     *ldEnv
	debug   bool
	ready   *director.ReadyPipe
	log     *director.Logger
	config  string // as typed
	cfgName string
	path    string // resolved, as messages show it
	pidPath string
	cfg     *ldconf.Config

	metricsListen string
}

func (r *ldRun) main(args []string) int {
	var action string
	switch {
	case len(args) == 0:
		fmt.Fprint(r.ios.Out, ldUsage)
		return ldExitUsage
	case len(args) == 1:
		r.config, r.cfgName, action = ldconf.DefaultConfig, "ldirectord", args[0]
	default:
		r.config, r.cfgName, action = args[0], lastPathPart(args[0]), args[1]
	}
	if !ldActions[action] {
		fmt.Fprint(r.ios.Out, ldUsage)
		return ldExitUsage
	}
	r.log = director.NewLogger(r.ios.Out, r.ios.ErrOut, r.cfgName)
	r.log.Configure(r.debug, false, r.env.logFile)
	r.pidPath = director.PidPath(r.env.runDir, r.cfgName)

	path, err := ldconf.Resolve(r.config, r.ldconfOptions()...)
	if err != nil {
		return r.initError(err.Error())
	}
	r.path = path
	if code, ok := r.load(); !ok {
		return code
	}
	if r.ready != nil {
		// The spawned daemon: the invoking process did the rest.
		return r.daemon()
	}
	r.log.Log("Invoking ldirectord invoked as: " + r.argv0 + " " + strings.Join(args, " ") + " ")
	return r.act(action, args)
}

func (r *ldRun) ldconfOptions() []ldconf.Option {
	return r.env.configOptions(r.debug)
}

// lastPathPart is ldirectord's /([^\/]+)$/ on the config argument.
func lastPathPart(s string) string {
	if i := strings.LastIndexByte(s, '/'); i >= 0 && i < len(s)-1 {
		return s[i+1:]
	}
	if strings.HasSuffix(s, "/") {
		return ldconf.DefaultConfig
	}
	return s
}

// load reads the configuration as every action does; an error is
// config_error: message on stderr, pid file removed, exit 2.
func (r *ldRun) load() (int, bool) {
	cfg, err := ldconf.Load(r.path, r.ldconfOptions()...)
	if err != nil {
		fmt.Fprint(r.ios.ErrOut, director.ConfigErrorText(err, r.path, os.Getpid()))
		director.RemovePidFile(r.pidPath)
		return r.exit(ldconf.ExitStatus(err), "config_error: Configuration Error"), false
	}
	for _, w := range cfg.Warnings {
		if director.IsLdirectordWarning(w) {
			fmt.Fprint(r.ios.ErrOut, director.ConfigWarningText(w, r.path, os.Getpid()))
		}
	}
	r.cfg = cfg
	r.log.Configure(r.debug, cfg.Global.Supervised, cfg.Global.LogFile)
	return 0, true
}

// exit is ld_exit: a non-zero status (or any with -d) is logged.
func (r *ldRun) exit(code int, msg string) int {
	if code != 0 || r.debug {
		r.log.Printf("Exiting with exit_status %d: %s", code, msg)
	}
	return code
}

// initError is init_error.
func (r *ldRun) initError(msg string) int {
	r.log.Log(msg)
	if !r.debug {
		fmt.Fprintln(r.ios.ErrOut, msg)
	}
	return r.exit(ldExitInit, "Initialisation Error")
}

// act is the action table of SPEC §1.2.
func (r *ldRun) act(action string, args []string) int {
	st := director.ReadPidFile(r.pidPath)
	done := "Exiting from ldirectord " + action
	if st.Running {
		switch action {
		case "start":
			return r.exit(0, done)
		case "stop":
			_ = syscall.Kill(st.PID, syscall.SIGTERM)
			return r.exit(0, done)
		case "reload", "force-reload":
			_ = syscall.Kill(st.PID, syscall.SIGHUP)
			return r.exit(0, done)
		case "status":
			msg := fmt.Sprintf("ldirectord for %s is running with pid: %d", r.path, st.PID)
			fmt.Fprintln(r.ios.ErrOut, msg)
			r.statusTable(st.PID)
			r.log.Log(msg)
			r.log.Log(done)
			return r.exit(0, done)
		}
		// restart, try-restart: stop it, wait for its pid file to go,
		// then start.
		_ = syscall.Kill(st.PID, syscall.SIGTERM)
		for fileExists(r.pidPath) {
			time.Sleep(100 * time.Millisecond)
		}
	} else {
		switch action {
		case "stop", "try-restart":
			return r.exit(0, done)
		case "status":
			code := 3
			if st.Defined {
				msg := fmt.Sprintf("ldirectord stale pid file %s for %s", r.pidPath, r.path)
				fmt.Fprintln(r.ios.ErrOut, msg)
				r.log.Log(msg)
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

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// start validates every check, then runs in the foreground (-d,
// supervised=yes: no pid file) or starts the daemon and returns once it
// is running.
func (r *ldRun) start() int {
	if err := director.Validate(r.cfg, ldChecker); err != nil {
		fmt.Fprint(r.ios.ErrOut, director.ConfigErrorText(err, r.path, os.Getpid()))
		return r.exit(ldconf.ExitConfigError, "config_error: Configuration Error")
	}
	if r.debug || r.cfg.Global.Supervised {
		r.log.Printf("Starting %s with pid: %d", ldVersionString, os.Getpid())
		return r.serve("")
	}
	r.log.Printf("Starting %s as daemon", ldVersionString)
	if err := director.CreatePidFile(r.pidPath); err != nil {
		return r.initError("Can not open " + r.pidPath)
	}
	// The daemon's command line is exactly "<argv0> <config> start".
	argv := []string{r.argv0, r.config, "start"}
	if r.config == ldconf.DefaultConfig && r.cfgName == "ldirectord" {
		argv = []string{r.argv0, "start"}
	}
	passMetricsListen(r.metricsListen)
	err := r.env.spawn(argv)
	passMetricsListen("")
	if err != nil {
		director.RemovePidFile(r.pidPath)
		msg := "Can not start the daemon: " + err.Error()
		r.log.Log(msg)
		fmt.Fprintln(r.ios.ErrOut, msg)
		return r.exit(ldExitInit, "Initialisation Error")
	}
	return 0
}

// daemon is the spawned daemon process: pid file, then serve.
func (r *ldRun) daemon() int {
	abs, err := filepath.Abs(r.path)
	if err == nil {
		// Reloads must find the file after the chdir (ldirectord's
		// relative paths break there).
		r.path = abs
	}
	_ = os.Chdir("/")
	if err := director.WritePidFile(r.pidPath, os.Getpid()); err != nil {
		r.ready.Report(err)
		return r.initError("Can not open " + r.pidPath)
	}
	return r.serve(r.pidPath)
}

// serve runs the director until TERM/INT/QUIT; HUP reloads.
func (r *ldRun) serve(pidPath string) int {
	client, err := r.env.openIPVS()
	if err != nil {
		r.ready.Report(err)
		director.RemovePidFile(pidPath)
		return r.initError("Can not open IPVS: " + err.Error())
	}
	defer client.Close()
	for _, w := range r.cfg.Warnings {
		if !director.IsLdirectordWarning(w) {
			r.log.Log(director.ConfigWarningText(w, r.path, os.Getpid()))
		}
	}
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	stopSig, hup, cleanup := r.env.signals(ctx)
	defer cleanup()
	go func() {
		select {
		case s := <-stopSig:
			cancel(director.StopSignal(s))
		case <-ctx.Done():
		}
	}()
	statusSock := ""
	if pidPath != "" {
		statusSock = director.SocketPath(r.env.runDir, r.cfgName)
	}
	opts := director.Options{
		Client: client, Log: r.log, NewChecker: ldChecker,
		Load:       func() (*ldconf.Config, error) { return ldconf.Load(r.path, r.ldconfOptions()...) },
		ConfigPath: r.path, ConfigName: r.path, Reload: hup,
		Ready:   func() { r.ready.Report(nil) },
		Execute: r.executeInstance,
	}
	var stopStatus func()
	if statusSock != "" {
		opts.Status = func(f director.StatusFunc) {
			stop, err := director.ServeStatus(statusSock, f)
			if err != nil {
				r.log.Printf("Status socket %s: %v", statusSock, err)
				return
			}
			stopStatus = stop
		}
	}
	if r.metricsListen != "" {
		opts.Metrics = director.NewMetrics()
		stop, err := startDaemonMetrics(r.metricsListen, r.env.openIPVS, opts.Metrics)
		if err != nil {
			r.ready.Report(err)
			director.RemovePidFile(pidPath)
			return r.initError("Can not serve metrics: " + err.Error())
		}
		defer stop()
	}
	tuneDaemon()
	err = director.Run(ctx, r.cfg, opts)
	if stopStatus != nil {
		stopStatus()
	}
	director.RemovePidFile(pidPath)
	if err != nil {
		r.ready.Report(err)
		r.log.Printf("%v", err)
		return r.exit(1, err.Error())
	}
	sig := "TERM"
	var s director.StopSignal
	if errors.As(context.Cause(ctx), &s) {
		sig = string(s)
	}
	return r.exit(0, "Linux Director Daemon terminated on signal: "+sig)
}

// executeInstance is execute=NAME: `ldirectord NAME ACTION` with the same
// program.
func (r *ldRun) executeInstance(ctx context.Context, name, action string) error {
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("find own executable: %w", err)
	}
	cmd := exec.CommandContext(ctx, exe)
	cmd.Args = []string{r.argv0, name, action}
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("ldirectord %s %s: %w", name, action, err)
	}
	return nil
}

// ldChecker maps a real of the configuration onto its check (the same
// mapping `lvsctl check -c` uses).
func ldChecker(v *ldconf.Virtual, r *ldconf.Real) (checks.Checker, checks.Target, error) {
	t := configTarget(v, r)
	c, err := checks.New(t)
	if err != nil {
		return nil, t, fmt.Errorf("real server %s of %s: %w", r.Address, v.ID(), err)
	}
	return c, t, nil
}

// stopSignals are the signals on which ldirectord stops cleanly (its
// ld_handler_term list), by the name it logs.
var stopSignals = map[os.Signal]string{
	syscall.SIGTERM: "TERM", syscall.SIGINT: "INT", syscall.SIGQUIT: "QUIT",
	syscall.SIGILL: "ILL", syscall.SIGABRT: "ABRT", syscall.SIGFPE: "FPE",
	syscall.SIGSEGV: "SEGV", syscall.SIGBUS: "BUS", syscall.SIGSYS: "SYS",
	syscall.SIGXCPU: "XCPU", syscall.SIGXFSZ: "XFSZ",
}

// osSignals turns ldirectord's stop signals into a stop and HUP into a
// reload. (A real fault is synchronous and still crashes; only these
// signals sent by kill are caught.)
func osSignals(ctx context.Context) (<-chan string, <-chan struct{}, func()) {
	sigs := make(chan os.Signal, 4)
	notify := []os.Signal{syscall.SIGHUP}
	for s := range stopSignals {
		notify = append(notify, s)
	}
	signal.Notify(sigs, notify...)
	signal.Ignore(syscall.SIGPIPE)
	stop := make(chan string, 1)
	hup := make(chan struct{}, 1)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-ctx.Done():
				return
			case s := <-sigs:
				if s == syscall.SIGHUP {
					select {
					case hup <- struct{}{}:
					default: // a reload is already pending
					}
					continue
				}
				select {
				case stop <- signalName(s):
				default: // already stopping
				}
			}
		}
	}()
	return stop, hup, func() {
		signal.Stop(sigs)
		<-done
	}
}

func signalName(s os.Signal) string {
	if n, ok := stopSignals[s]; ok {
		return n
	}
	return "TERM"
}

func isTerminal(w any) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// statusTable prints the running daemon's table for a person at a
// terminal. ldirectord prints nothing on stdout when it runs, and scripts
// capture stdout, so the table only appears on a terminal.
func (r *ldRun) statusTable(pid int) {
	if !r.env.isTTY(r.ios.Out) {
		return
	}
	snap, err := director.QueryStatus(director.SocketPath(r.env.runDir, r.cfgName), 2*time.Second)
	if err != nil {
		return
	}
	director.WriteStatusTable(r.ios.Out, snap)
}

// ldCheckConfig is `lvsctl ldirectord --check [CONFIG]`: parse and
// validate, print the table every real being healthy would give in
// `ipvsadm -S -n` form. Exit 0, or 2 on any error; needs neither root nor
// IPVS.
func ldCheckConfig(args []string, ios *IOStreams, env *ldEnv) int {
	name := ldconf.DefaultConfig
	if len(args) > 0 {
		name = args[0]
	}
	// Files are probed, not created; logfile= is judged as the daemon
	// (not -d) would open it.
	opts := append([]ldconf.Option{ldconf.WithFS(ldconf.ProbeFS{})}, env.configOptions(false)...)
	path, err := ldconf.Resolve(name, opts...)
	if err != nil {
		fmt.Fprintln(ios.ErrOut, err)
		return ldconf.ExitConfigError
	}
	cfg, err := ldconf.Load(path, opts...)
	if err != nil {
		fmt.Fprint(ios.ErrOut, director.ConfigErrorText(err, path, os.Getpid()))
		return ldconf.ExitConfigError
	}
	for _, w := range cfg.Warnings {
		fmt.Fprintf(ios.ErrOut, "warning: %s\n", w)
	}
	if err := director.Validate(cfg, ldChecker); err != nil {
		fmt.Fprint(ios.ErrOut, director.ConfigErrorText(err, path, os.Getpid()))
		return ldconf.ExitConfigError
	}
	table := cfg.Table()
	dests := map[ipvsctl.ServiceKey][]ipvsctl.Destination{}
	svcs := make([]ipvsctl.Service, 0, len(table))
	for _, vs := range table {
		svcs = append(svcs, vs.Service)
		dests[vs.Service.Key()] = vs.Destinations
	}
	ipvsctl.SortServices(svcs)
	p := &ipvsadm.Printer{W: ios.Out, Format: ipvsadm.FmtRule | ipvsadm.FmtNumeric}
	for i := range svcs {
		p.Service(&svcs[i], dests[svcs[i].Key()])
	}
	return 0
}
