package cli

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/lvsctl/lvsctl/checks"
	"github.com/lvsctl/lvsctl/director"
	"github.com/lvsctl/lvsctl/ldconf"
)

// Exit statuses of lvsctl check.
const (
	checkUp    = 0
	checkDown  = 1
	checkUsage = 2
)

type checkOptions struct {
	io  *IOStreams
	ctx context.Context
	// resolver names hosts and ports as ldconf does for real= lines;
	// configOptions are ldconf's options for -c.
	resolver      ldconf.Resolver
	configOptions []ldconf.Option
	flags         *pflag.FlagSet

	config string
	args   []string

	checkType, service, real, virtual, protocol string
	serviceSet                                  bool // --service was given
	checkPort                                   uint16
	request, receive, virtualHost               string
	login, database                             string
	passwdFile, secretFile                      string
	passwdArg, secretArg                        string // refused: argv is public
	httpMethod, checkCommand                    string
	checkCount                                  int
	timeout, checkTimeout, negotiateTimeout     time.Duration

	tlsVerifyHost                                           bool
	tlsServerName, tlsCAFile, tlsMinVersion, pgsqlCleartext string
}

// newCmdCheck is `lvsctl check`: run one health check, print the result,
// exit 0 if up, 1 if down, 2 on a usage or config error. The check comes
// from flags, or with -c from a real of an ldirectord.cf. runF, if not
// nil, runs instead of the check.
func newCmdCheck(f *Factory, runF func(*checkOptions) error) *cobra.Command {
	o := &checkOptions{io: f.IOStreams, configOptions: f.configOptions(true)}
	cmd := &cobra.Command{
		Use:   "check --real ADDRESS[:PORT] [flags] | -c CONFIG VIRTUAL REAL",
		Short: "Run one ldirectord health check and report up or down",
		Long: `Run one health check the way ldirectord would and print the result: UP or
DOWN, the check that ran, the address checked, the reason and the time.
A check that checks nothing (service none, checktype on or off) is
refused. A check that runs out of time is DOWN, as in the daemon.
Exit status: 0 up, 1 down, 2 usage or configuration error.

From flags (a host name is resolved as a real= line's would be):
  lvsctl check --service http --real 10.0.0.2:80 --request /health --receive ok
  LVSCTL_PASSWD=... lvsctl check --service mysql --real db1:3306 --login mon
From a configuration (VIRTUAL as in virtual=, or a fwmark; REAL as IP or IP:PORT):
  lvsctl check -c /etc/ha.d/ldirectord.cf 192.168.1.10:80 10.0.0.2:80

Passwords and RADIUS secrets are read from a file (--passwd-file,
--secret-file; "-" is standard input) or the environment (LVSCTL_PASSWD,
LVSCTL_SECRET), never from the command line, which every user can read.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.ctx, o.args, o.serviceSet, o.flags = cmd.Context(), args, cmd.Flags().Changed("service"), cmd.Flags()
			o.resolver = ldconf.ResolverOf(o.configOptions...)
			return orRun(runF, runCheck)(o)
		},
	}
	cmd.SetFlagErrorFunc(usageErrors(checkUsage))
	fl := cmd.Flags()
	fl.StringVarP(&o.config, "config", "c", "", "ldirectord.cf to take the check from (with VIRTUAL REAL)")
	fl.StringVar(&o.checkType, "type", "negotiate", "checktype: connect, negotiate, ping, external, external-perl or N")
	fl.StringVar(&o.service, "service", "", "negotiate service (default from the virtual or real port)")
	fl.StringVar(&o.real, "real", "", "real server IP[:PORT], [IPv6]:PORT or HOST[:PORT]")
	fl.StringVar(&o.virtual, "virtual", "", "virtual service IP:PORT, HOST:PORT or firewall mark (external checks, default service)")
	fl.StringVar(&o.protocol, "protocol", "tcp", "tcp or udp")
	fl.Uint16Var(&o.checkPort, "checkport", 0, "port to check instead of the real's")
	fl.StringVar(&o.request, "request", "/", "request (URL path, query, search base, DNS name...)")
	fl.StringVar(&o.receive, "receive", "", "Perl regexp the answer must match")
	fl.StringVar(&o.virtualHost, "virtualhost", "", "HTTP Host header and TLS SNI")
	fl.StringVar(&o.login, "login", "", "login")
	fl.StringVar(&o.passwdFile, "passwd-file", "", "read the password from `FILE` (- for standard input; default $LVSCTL_PASSWD)")
	fl.StringVar(&o.database, "database", "", "database (mysql, pgsql)")
	fl.StringVar(&o.secretFile, "secret-file", "", "read the RADIUS shared secret from `FILE` (- for standard input; default $LVSCTL_SECRET)")
	fl.StringVar(&o.httpMethod, "httpmethod", "GET", "GET or HEAD")
	fl.StringVar(&o.checkCommand, "checkcommand", "", "program (external) or Perl file (external-perl)")
	fl.IntVar(&o.checkCount, "checkcount", 1, "ping attempts")
	fl.DurationVar(&o.timeout, "timeout", 0, "sets both checktimeout and negotiatetimeout")
	fl.DurationVar(&o.checkTimeout, "checktimeout", checks.DefaultCheckTimeout, "timeout of connect, ping and external checks")
	fl.DurationVar(&o.negotiateTimeout, "negotiatetimeout", checks.DefaultNegotiateTimeout, "timeout of negotiate checks")
	fl.BoolVar(&o.tlsVerifyHost, "tlsverifyhost", false, "verify the certificate's chain and that it names the server (https, imaps, ldaps, pgsql, pops, smtps)")
	fl.StringVar(&o.tlsServerName, "tlsservername", "", "the name the real's certificate carries; sent as SNI")
	fl.StringVar(&o.tlsCAFile, "tlscafile", "", "PEM file of the CAs a certificate chain must lead to")
	fl.StringVar(&o.tlsMinVersion, "tlsminversion", "", "lowest TLS version accepted: 1.0 (default), 1.1, 1.2 or 1.3")
	fl.StringVar(&o.pgsqlCleartext, "pgsqlcleartext", "yes", "no: refuse a PostgreSQL server that asks for the password in clear text")
	// Once flags; their values were visible to every user (ps).
	fl.StringVar(&o.passwdArg, "passwd", "", "")
	fl.StringVar(&o.secretArg, "secret", "", "")
	_ = fl.MarkHidden("passwd")
	_ = fl.MarkHidden("secret")
	return cmd
}

func runCheck(o *checkOptions) error {
	ctx := o.ctx
	if ctx == nil {
		ctx = context.Background()
	}
	var t checks.Target
	var err error
	if o.config != "" {
		if len(o.args) != 2 {
			return shapeError("-c CONFIG needs VIRTUAL and REAL, got %s", count(len(o.args), "argument"))
		}
		if others := o.changedBesides("config"); len(others) > 0 {
			return usageError("-c takes the whole check from the configuration: %s cannot be given with it", strings.Join(others, ", "))
		}
		t, err = o.targetFromConfig(o.config, o.args[0], o.args[1])
	} else {
		if len(o.args) != 0 {
			return shapeError("unexpected arguments %q (VIRTUAL and REAL go with -c CONFIG)", o.args)
		}
		t, err = o.target(ctx)
	}
	if err != nil {
		return err
	}
	c, err := checks.New(t)
	if err != nil {
		return usageError("%w", err)
	}
	r := c.Check(ctx, t)
	state := "DOWN"
	if r.Up {
		state = "UP"
	}
	reason := r.Reason
	if r.Timeout && !strings.HasPrefix(reason, "timeout") {
		reason = "timeout: " + reason
	}
	fmt.Fprintf(o.io.Out, "%s %s %s: %s (%s)\n", state, t.Label(), t.Addr(), reason, r.Latency.Round(time.Millisecond))
	if r.Up {
		return nil
	}
	// A one-shot check starts down, so a timeout (which leaves ldirectord's
	// HTTP state unchanged) answers down, as the daemon counts it.
	return &ExitError{Code: checkDown}
}

// changedBesides are the flags given other than those named.
func (o *checkOptions) changedBesides(names ...string) []string {
	var out []string
	o.flags.Visit(func(f *pflag.Flag) {
		if !slices.Contains(names, f.Name) {
			out = append(out, "--"+f.Name)
		}
	})
	return out
}

// nothingToCheck says why t's check would check nothing ("" if it does):
// an answer that checked nothing is no answer.
func nothingToCheck(t checks.Target) string {
	switch t.CheckType {
	case checks.TypeOn:
		return "checktype on counts the real up without checking it"
	case checks.TypeOff:
		return "checktype off never checks the real"
	case checks.TypeNegotiate, checks.TypeCombined:
		if t.Service == "" || t.Service == "none" {
			return "service none is always up"
		}
	}
	return ""
}

// targetFromConfig finds VIRTUAL and REAL in an ldirectord.cf. VIRTUAL is
// the address as written in virtual= or as resolved, or a firewall mark;
// REAL is IP or IP:PORT (as written).
func (o *checkOptions) targetFromConfig(path, virtual, real string) (checks.Target, error) {
	resolved, err := ldconf.Resolve(path, o.configOptions...)
	if err != nil {
		return checks.Target{}, &ExitError{Code: checkUsage, Err: err}
	}
	cfg, err := ldconf.Load(resolved, o.configOptions...)
	if err != nil {
		var ce *ldconf.Error
		if errors.As(err, &ce) {
			err = explained{ce}
		}
		return checks.Target{}, &ExitError{Code: checkUsage, Err: err}
	}
	var names []string
	for _, v := range cfg.Virtuals {
		id := virtualID(v)
		names = append(names, id)
		if virtual != id && virtual != v.Host+":"+v.PortText && virtual != v.FWMarkText {
			continue
		}
		var reals []string
		for _, r := range v.Reals {
			rid := realID(r)
			reals = append(reals, rid)
			if real == rid || real == strings.Trim(hostOnly(rid), "[]") || real == hostOnly(rid) {
				t := director.CheckTarget(v, r)
				if why := nothingToCheck(t); why != "" {
					return t, usageError("nothing to check: virtual %s checks its reals with %s, and %s", id, t.Label(), why)
				}
				return t, nil
			}
		}
		return checks.Target{}, usageError("real %s not in virtual %s (reals: %s)", real, id, strings.Join(reals, " "))
	}
	return checks.Target{}, usageError("virtual %s not in %s (virtuals: %s)", virtual, resolved, strings.Join(names, " "))
}

// explained is a configuration error in lvsctl's words.
type explained struct{ e *ldconf.Error }

func (e explained) Error() string { return e.e.Explain() }

func (e explained) Unwrap() error { return e.e }

func virtualID(v *ldconf.Virtual) string {
	if v.Protocol == ldconf.FWM {
		return strconv.FormatUint(v.FWMark, 10)
	}
	return net.JoinHostPort(v.Address.String(), strconv.Itoa(int(v.Port)))
}

func realID(r *ldconf.Real) string {
	return net.JoinHostPort(r.Address.String(), strconv.Itoa(int(r.Port)))
}

func hostOnly(hp string) string {
	h, _, err := net.SplitHostPort(hp)
	if err != nil {
		return hp
	}
	if strings.Contains(h, ":") {
		return "[" + h + "]"
	}
	return h
}
