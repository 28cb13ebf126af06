package cli

import (
	"fmt"
	"os"
	"strings"

	"github.com/lvsctl/lvsctl/director"
	"github.com/lvsctl/lvsctl/internal/daemon"
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

// LdirectordMain is the ldirectord personality (argv[0] is the program
// name as invoked): ldirectord 4.12's command line, exit statuses and
// messages, the process itself being package daemon's.
func LdirectordMain(argv []string, f *Factory) int {
	// Take the daemon's link to its starter before anything opens a file.
	child := daemon.TakeChild()
	if child != nil {
		// pgrep ldirectord, killall -HUP ldirectord find the daemon.
		_ = daemon.SetProcessName(argv[0])
	}
	ios := f.IOStreams
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
		return ldCheckConfig(o.args, f)
	}
	if child != nil {
		o.metricsListen = child.Settings.MetricsListen
	}
	r := &ldRun{argv0: argv[0], f: f, ios: ios, debug: o.debug, child: child, metricsListen: o.metricsListen}
	return r.main(o.args)
}

// ldRun is one invocation of the ldirectord personality.
type ldRun struct {
	argv0   string
	f       *Factory
	ios     *IOStreams
	debug   bool
	child   *daemon.Child // nil unless this is the spawned daemon
	log     *director.Logger
	config  string // as typed
	cfgName string
	path    string // resolved, as messages show it
	pidFile daemon.PidFile
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
	r.log.Configure(r.debug, false, r.f.LogFile)
	r.pidFile = daemon.PidFile{Path: daemon.PidPath(r.f.RunDir, r.cfgName)}

	path, err := ldconf.Resolve(r.config, r.ldconfOptions()...)
	if err != nil {
		return r.initError(err.Error())
	}
	r.path = path
	if code, ok := r.load(); !ok {
		return code
	}
	if r.child != nil {
		// The spawned daemon: the invoking process did the rest.
		return r.daemon()
	}
	r.log.Log("Invoking ldirectord invoked as: " + r.argv0 + " " + strings.Join(args, " ") + " ")
	return r.act(action)
}

func (r *ldRun) ldconfOptions() []ldconf.Option {
	return r.f.configOptions(r.debug)
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
		r.pidFile.Remove()
		return r.exit(ExitCode(err), "config_error: Configuration Error"), false
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
