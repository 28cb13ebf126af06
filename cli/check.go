package cli

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

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

	config string
	args   []string

	checkType, service, real, virtual, protocol string
	serviceSet                                  bool // --service was given
	checkPort                                   uint16
	request, receive, virtualHost               string
	login, passwd, database, secret             string
	httpMethod, checkCommand                    string
	checkCount                                  int
	timeout, checkTimeout, negotiateTimeout     time.Duration
}

// newCmdCheck is `lvsctl check`: run one health check, print the result,
// exit 0 if up, 1 if down, 2 on a usage or config error. The check comes
// from flags, or with -c from a real of an ldirectord.cf. runF, if not
// nil, runs instead of the check.
func newCmdCheck(f *Factory, runF func(*checkOptions) error) *cobra.Command {
	o := &checkOptions{io: f.IOStreams}
	cmd := &cobra.Command{
		Use:   "check [flags] | check -c ldirectord.cf VIRTUAL REAL",
		Short: "Run one ldirectord health check and report up or down",
		Long: `Run one health check the way ldirectord would and print the result.
Exit status: 0 up, 1 down, 2 usage or configuration error.

From flags:
  lvsctl check --service http --real 10.0.0.2:80 --request /health --receive ok
From a configuration (VIRTUAL as in virtual=, or a fwmark; REAL as IP or IP:PORT):
  lvsctl check -c /etc/ha.d/ldirectord.cf 192.168.1.10:80 10.0.0.2:80`,
		SilenceUsage:  true,
		SilenceErrors: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.ctx, o.args, o.serviceSet = cmd.Context(), args, cmd.Flags().Changed("service")
			return orRun(runF, runCheck)(o)
		},
	}
	cmd.SetFlagErrorFunc(usageErrors(checkUsage))
	fl := cmd.Flags()
	fl.StringVarP(&o.config, "config", "c", "", "ldirectord.cf to take the check from (with VIRTUAL REAL)")
	fl.StringVar(&o.checkType, "type", "negotiate", "checktype: connect, negotiate, ping, external, external-perl, on, off or N")
	fl.StringVar(&o.service, "service", "", "negotiate service (default from the virtual or real port)")
	fl.StringVar(&o.real, "real", "", "real server IP[:PORT] ([IPv6]:PORT)")
	fl.StringVar(&o.virtual, "virtual", "", "virtual service IP:PORT or firewall mark (external checks, default service)")
	fl.StringVar(&o.protocol, "protocol", "tcp", "tcp or udp")
	fl.Uint16Var(&o.checkPort, "checkport", 0, "port to check instead of the real's")
	fl.StringVar(&o.request, "request", "/", "request (URL path, query, search base, DNS name...)")
	fl.StringVar(&o.receive, "receive", "", "Perl regexp the answer must match")
	fl.StringVar(&o.virtualHost, "virtualhost", "", "HTTP Host header and TLS SNI")
	fl.StringVar(&o.login, "login", "", "login")
	fl.StringVar(&o.passwd, "passwd", "", "password")
	fl.StringVar(&o.database, "database", "", "database (mysql, pgsql)")
	fl.StringVar(&o.secret, "secret", "", "RADIUS shared secret")
	fl.StringVar(&o.httpMethod, "httpmethod", "GET", "GET or HEAD")
	fl.StringVar(&o.checkCommand, "checkcommand", "", "program (external) or Perl file (external-perl)")
	fl.IntVar(&o.checkCount, "checkcount", 1, "ping attempts")
	fl.DurationVar(&o.timeout, "timeout", 0, "sets both checktimeout and negotiatetimeout")
	fl.DurationVar(&o.checkTimeout, "checktimeout", checks.DefaultCheckTimeout, "timeout of connect, ping and external checks")
	fl.DurationVar(&o.negotiateTimeout, "negotiatetimeout", checks.DefaultNegotiateTimeout, "timeout of negotiate checks")
	return cmd
}

func runCheck(o *checkOptions) error {
	var t checks.Target
	var err error
	if o.config != "" {
		if len(o.args) != 2 {
			return usageError("check -c CONFIG needs VIRTUAL and REAL")
		}
		t, err = targetFromConfig(o.config, o.args[0], o.args[1])
	} else {
		if len(o.args) != 0 {
			return usageError("unexpected arguments %q (use -c CONFIG VIRTUAL REAL)", o.args)
		}
		t, err = o.target()
	}
	if err != nil {
		return err
	}
	c, err := checks.New(t)
	if err != nil {
		return usageError("%w", err)
	}
	ctx := o.ctx
	if ctx == nil {
		ctx = context.Background()
	}
	r := c.Check(ctx, t)
	state := "DOWN"
	if r.Up {
		state = "UP"
	}
	fmt.Fprintf(o.io.Out, "%s %s %s: %s (%s)\n", state, c, t.Addr(), r.Reason, r.Latency.Round(time.Millisecond))
	if r.Up {
		return nil
	}
	// A one-shot check starts down, so "unchanged" (HTTP timeout,
	// checktype=off) answers down.
	return &ExitError{Code: checkDown}
}

// target builds the Target from flags.
func (o *checkOptions) target() (checks.Target, error) {
	t := checks.Target{
		Request: o.request, Receive: o.receive, VirtualHost: o.virtualHost,
		Login: o.login, Passwd: o.passwd, Database: o.database, Secret: o.secret,
		HTTPMethod: strings.ToUpper(o.httpMethod), CheckCommand: o.checkCommand,
		CheckCount: o.checkCount, CheckPort: o.checkPort, Protocol: o.protocol,
		CheckTimeout: o.checkTimeout, NegotiateTimeout: o.negotiateTimeout,
	}
	if o.timeout > 0 {
		t.CheckTimeout, t.NegotiateTimeout = o.timeout, o.timeout
	}
	if !strings.HasPrefix(t.Request, "/") {
		t.Request = "/" + t.Request
	}
	if t.Protocol != "tcp" && t.Protocol != "udp" {
		return t, usageError("--protocol must be tcp or udp")
	}
	if t.HTTPMethod != "GET" && t.HTTPMethod != "HEAD" {
		return t, usageError("--httpmethod must be GET or HEAD")
	}
	if o.real == "" {
		return t, usageError("--real is required")
	}
	var err error
	if t.RealAddr, t.RealPort, err = parseHostPort(o.real); err != nil {
		return t, usageError("--real: %w", err)
	}
	if o.virtual != "" {
		if mark, err := strconv.ParseUint(o.virtual, 10, 32); err == nil {
			t.FWMark, t.Protocol = uint32(mark), "fwm"
		} else if t.VirtualAddr, t.VirtualPort, err = parseHostPort(o.virtual); err != nil {
			return t, usageError("--virtual: %w", err)
		}
	}
	t.CheckType = o.checkType
	if n, err := strconv.Atoi(o.checkType); err == nil {
		t.CheckType, t.NumConnects = checks.TypeCombined, n
	}
	t.Service = o.service
	if t.Service == "" {
		port := t.VirtualPort
		if port == 0 {
			port = t.RealPort
		}
		t.Service = checks.DefaultService(port)
	}
	if !o.serviceSet && t.Service == "none" && t.CheckType == checks.TypeNegotiate {
		fmt.Fprintf(o.io.ErrOut, "warning: no --service and no well-known port: service none is always up\n")
	}
	return t, nil
}

// parseHostPort reads IP, IP:PORT, [IPv6] or [IPv6]:PORT.
func parseHostPort(s string) (netip.Addr, uint16, error) {
	if a, err := netip.ParseAddr(strings.Trim(s, "[]")); err == nil {
		return a, 0, nil
	}
	h, p, err := net.SplitHostPort(s)
	if err != nil {
		return netip.Addr{}, 0, err
	}
	a, err := netip.ParseAddr(h)
	if err != nil {
		return netip.Addr{}, 0, err
	}
	port, err := strconv.ParseUint(p, 10, 16)
	if err != nil {
		return netip.Addr{}, 0, fmt.Errorf("bad port %q", p)
	}
	return a, uint16(port), nil
}

// targetFromConfig finds VIRTUAL and REAL in an ldirectord.cf. VIRTUAL is
// the address as written in virtual= or as resolved, or a firewall mark;
// REAL is IP or IP:PORT (as written).
func targetFromConfig(path, virtual, real string) (checks.Target, error) {
	resolved, err := ldconf.Resolve(path)
	if err != nil {
		return checks.Target{}, &ExitError{Code: checkUsage, Err: err}
	}
	cfg, err := ldconf.Load(resolved, ldconf.WithDebug(true))
	if err != nil {
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
				return director.CheckTarget(v, r), nil
			}
		}
		return checks.Target{}, usageError("real %s not in virtual %s (reals: %s)", real, id, strings.Join(reals, " "))
	}
	return checks.Target{}, usageError("virtual %s not in %s (virtuals: %s)", virtual, resolved, strings.Join(names, " "))
}

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
