package cli

import (
	"context"
	"io"
	"net"
	"net/netip"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/lvsctl/lvsctl/checks"
	"github.com/lvsctl/lvsctl/ldconf"
)

// resolveTimeout bounds the look-up of a host or port name of lvsctl
// check's flags.
const resolveTimeout = 5 * time.Second

// target builds the Target from flags.
func (o *checkOptions) target(ctx context.Context) (checks.Target, error) {
	t := checks.Target{
		Request: o.request, Receive: o.receive, VirtualHost: o.virtualHost,
		Login: o.login, Database: o.database,
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
	if err := o.secrets(&t); err != nil {
		return t, err
	}
	if o.real == "" {
		return t, shapeError("--real is required (or -c CONFIG VIRTUAL REAL)")
	}
	var err error
	if t.RealAddr, t.RealPort, err = o.resolve(ctx, "--real", o.real); err != nil {
		return t, err
	}
	if o.virtual != "" {
		if mark, err := strconv.ParseUint(o.virtual, 10, 32); err == nil {
			t.FWMark, t.Protocol = uint32(mark), "fwm"
		} else if t.VirtualAddr, t.VirtualPort, err = o.resolve(ctx, "--virtual", o.virtual); err != nil {
			return t, err
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
	if why := nothingToCheck(t); why != "" {
		if !o.serviceSet && t.Service == "none" {
			return t, usageError("nothing to check: port %d has no well-known service and --service is not given; give --service (http, https, smtp, mysql...) or --type connect", t.Port())
		}
		return t, usageError("nothing to check: %s; give --type connect, ping or negotiate with a --service", why)
	}
	return t, o.security(&t)
}

// resolve reads IP, IP:PORT, [IPv6], [IPv6]:PORT, HOST or HOST:PORT (PORT
// a number or a service name) as a real= line's would be read: a host
// name gets its first IPv4 address, else its first IPv6 one. Its errors
// say what was wrong in a sentence.
func (o *checkOptions) resolve(ctx context.Context, flag, s string) (netip.Addr, uint16, error) {
	if a, err := netip.ParseAddr(strings.Trim(s, "[]")); err == nil {
		return a, 0, nil
	}
	host, port := s, ""
	if h, p, err := net.SplitHostPort(s); err == nil {
		host, port = h, p
	} else if strings.Count(s, ":") > 1 || strings.ContainsAny(s, "[]") {
		return netip.Addr{}, 0, usageError("%s %q: not an address: IP[:PORT], [IPv6][:PORT] or HOST[:PORT] is wanted", flag, s)
	}
	if host == "" {
		return netip.Addr{}, 0, usageError("%s %q: no host before the port", flag, s)
	}
	ctx, cancel := context.WithTimeout(ctx, resolveTimeout)
	defer cancel()
	var p uint16
	if port != "" {
		n, err := strconv.ParseUint(port, 10, 16)
		if err != nil {
			if _, numeric := strconv.Atoi(port); numeric == nil {
				return netip.Addr{}, 0, usageError("%s %q: port %s is not between 0 and 65535", flag, s, port)
			}
			m, err := o.resolver.LookupPort(ctx, port, o.protocol)
			if ctx.Err() != nil {
				return netip.Addr{}, 0, usageError("%s %q: the service name %s could not be resolved within %s", flag, s, port, resolveTimeout)
			}
			if err != nil || m < 0 || m > 65535 {
				return netip.Addr{}, 0, usageError("%s %q: %q is neither a port number nor a service name of /etc/services", flag, s, port)
			}
			n = uint64(m)
		}
		p = uint16(n)
	}
	a, err := netip.ParseAddr(host)
	if err == nil {
		return a, p, nil
	}
	for _, fam := range []ldconf.Family{ldconf.IPv4, ldconf.IPv6} {
		if a, err = o.resolver.LookupHost(ctx, host, fam); err == nil {
			return a, p, nil
		}
	}
	if ctx.Err() != nil {
		return netip.Addr{}, 0, usageError("%s %q: the host name %s could not be resolved within %s", flag, s, host, resolveTimeout)
	}
	return netip.Addr{}, 0, usageError("%s %q: the host name %s has no address (not in /etc/hosts, not in DNS)", flag, s, host)
}

// maxSecretFile bounds what --passwd-file and --secret-file read.
const maxSecretFile = 64 << 10

// secrets reads the password and the RADIUS secret: from --passwd-file
// and --secret-file, else LVSCTL_PASSWD and LVSCTL_SECRET. The command
// line would show them to every user (ps, /proc/PID/cmdline), so the
// flags that took them there are refused, their values never repeated.
func (o *checkOptions) secrets(t *checks.Target) error {
	for _, f := range []struct{ flag, file, env string }{{"passwd", "passwd-file", "LVSCTL_PASSWD"}, {"secret", "secret-file", "LVSCTL_SECRET"}} {
		if o.flags != nil && o.flags.Changed(f.flag) {
			return usageError("--%s would show its value to every user of this machine (ps, /proc/PID/cmdline): use --%s FILE or the environment variable %s", f.flag, f.file, f.env)
		}
	}
	if o.passwdFile == "-" && o.secretFile == "-" {
		return usageError("--passwd-file and --secret-file cannot both read standard input")
	}
	var err error
	if t.Passwd, err = o.secret(o.passwdFile, "LVSCTL_PASSWD", "--passwd-file"); err != nil {
		return err
	}
	t.Secret, err = o.secret(o.secretFile, "LVSCTL_SECRET", "--secret-file")
	return err
}

// secret is the content of file ("-": standard input) without its final
// newline, or when file is "" the environment variable env.
func (o *checkOptions) secret(file, env, flag string) (string, error) {
	if file == "" {
		return os.Getenv(env), nil
	}
	r := o.io.In
	if file != "-" {
		f, err := os.Open(file)
		if err != nil {
			return "", usageError("%s: %w", flag, err)
		}
		defer f.Close()
		r = f
	}
	b, err := io.ReadAll(io.LimitReader(r, maxSecretFile+1))
	switch {
	case err != nil:
		return "", usageError("%s %s: %w", flag, file, err)
	case len(b) > maxSecretFile:
		return "", usageError("%s %s: larger than %d KiB: not a password", flag, file, maxSecretFile>>10)
	}
	s := strings.TrimSuffix(string(b), "\n")
	return strings.TrimSuffix(s, "\r"), nil
}

// tlsServices are the services whose checks speak TLS.
var tlsServices = []string{"https", "imaps", "ldaps", "pgsql", "pops", "smtps"}

// security reads the TLS and pgsqlcleartext flags into t.Security,
// refusing those the check would not use (they would verify nothing).
func (o *checkOptions) security(t *checks.Target) error {
	s := &t.Security
	s.VerifyHost, s.ServerName, s.CAFile = o.tlsVerifyHost, o.tlsServerName, o.tlsCAFile
	if o.tlsMinVersion != "" {
		v, ok := checks.ParseTLSVersion(o.tlsMinVersion)
		if !ok {
			return usageError("--tlsminversion must be 1.0, 1.1, 1.2 or 1.3, not %q", o.tlsMinVersion)
		}
		s.MinTLS = v
	}
	switch o.pgsqlCleartext {
	case "yes":
	case "no":
		s.RefuseCleartext = true
	default:
		return usageError("--pgsqlcleartext must be yes or no, not %q", o.pgsqlCleartext)
	}
	negotiates := t.CheckType == checks.TypeNegotiate || t.CheckType == checks.TypeCombined
	for _, f := range []string{"tlsverifyhost", "tlsservername", "tlscafile", "tlsminversion"} {
		if o.flags != nil && o.flags.Changed(f) && !(negotiates && slices.Contains(tlsServices, t.Service)) {
			return usageError("--%s does nothing for %s: only the %s checks use TLS", f, t.Label(), orList(tlsServices))
		}
	}
	if o.flags != nil && o.flags.Changed("pgsqlcleartext") && !(negotiates && t.Service == "pgsql") {
		return usageError("--pgsqlcleartext does nothing for %s: only the pgsql check uses it", t.Label())
	}
	return nil
}
