package ldconf

import (
	"net/netip"
	"regexp"
	"strings"

	"github.com/lvsctl/lvsctl/checks"
)

// lvsctl's directives that make checks stricter than ldirectord's (none
// is ldirectord's; without them a file reads as before). Each is global
// (the default) and per virtual (the override):
//
//	tlsverifyhost = yes|no   verify the chain and the certificate's name
//	tlsservername = NAME     the name the certificate carries; SNI
//	tlscafile = PATH         the CAs chains must lead to
//	tlsminversion = 1.0|1.1|1.2|1.3
//	pgsqlcleartext = yes|no  no: never send the pgsql password in clear
//
// checks.Security says what each does.

// pendingSecurity is what a virtual block set itself (nil: the global
// value).
type pendingSecurity struct {
	verifyHost, refuseCleartext *bool
	serverName, caFile          *string
	minTLS                      *uint16
	// tls and pgsql are the first tls* and pgsqlcleartext directives of
	// the block, for the warning when its check does not use them.
	tls, pgsql *token
	tlsName    string
}

// resolve is the virtual's effective settings.
func (s *pendingSecurity) resolve(g checks.Security) checks.Security {
	return checks.Security{
		VerifyHost:      pick(s.verifyHost, g.VerifyHost),
		ServerName:      pick(s.serverName, g.ServerName),
		CAFile:          pick(s.caFile, g.CAFile),
		MinTLS:          pick(s.minTLS, g.MinTLS),
		RefuseCleartext: pick(s.refuseCleartext, g.RefuseCleartext),
	}
}

// tlsServices are the services that speak TLS.
var tlsServices = map[Service]bool{
	ServiceHTTPS: true, ServiceIMAPS: true, ServiceLDAPS: true,
	ServicePgSQL: true, ServicePOPS: true, ServiceSMTPS: true,
}

// applySecurity sets v.Security and warns about settings its check
// cannot use.
func (p *parser) applySecurity(pv *pendingVirtual) {
	v, s := pv.v, &pv.sec
	v.Security = s.resolve(p.cfg.Global.Security)
	negotiates := v.CheckType == CheckNegotiate || v.CheckType == CheckCombined
	if s.tls != nil && !(negotiates && tlsServices[v.Service]) {
		p.warn(s.tls.line, false, "%s does nothing for this virtual's check (checktype %s, service %s): only the https, imaps, ldaps, pgsql, pops and smtps checks use TLS", s.tlsName, v.CheckType, v.Service)
	}
	if s.pgsql != nil && !(negotiates && v.Service == ServicePgSQL) {
		p.warn(s.pgsql.line, false, "pgsqlcleartext does nothing for this virtual's check (checktype %s, service %s): only the pgsql check uses it", v.CheckType, v.Service)
	}
}

// reServerName is a DNS name (an IP address is accepted apart).
var reServerName = regexp.MustCompile(`^[A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9_])?\.?$`)

func (p *parser) tlsVerifyHost(t token, v string) (bool, error) {
	b, ok := yesNo(strings.TrimSpace(v))
	if !ok {
		return false, p.errorValue(t.line, v, "", "tlsverifyhost must be 'yes' or 'no'")
	}
	return b, nil
}

func (p *parser) pgsqlCleartext(t token, v string) (refuse bool, err error) {
	b, ok := yesNo(strings.TrimSpace(v))
	if !ok {
		return false, p.errorValue(t.line, v, "", "pgsqlcleartext must be 'yes' or 'no'")
	}
	return !b, nil
}

func (p *parser) tlsServerName(t token, v string) (string, error) {
	n := strings.TrimSpace(optionallyQuoted(strings.TrimSpace(v)))
	if _, err := netip.ParseAddr(n); err != nil && (len(n) > 253 || !reServerName.MatchString(n)) {
		return "", p.errorValue(t.line, v, "", "invalid tlsservername: a host name or an IP address is required")
	}
	return n, nil
}

func (p *parser) tlsCAFile(t token, v string) (string, error) {
	f := strings.TrimSpace(optionallyQuoted(strings.TrimSpace(v)))
	if f == "" {
		return "", p.errorf(t.line, "tlscafile not specified")
	}
	b, err := p.o.FS.ReadFile(f)
	if err != nil {
		return "", p.errorWrap(t.line, err, "unable to read tlscafile %s: %s", f, errnoText(err))
	}
	if _, err := checks.ParseCAPEM(b); err != nil {
		return "", p.errorWrap(t.line, err, "tlscafile %s: %v", f, err)
	}
	return f, nil
}

func (p *parser) tlsMinVersion(t token, v string) (uint16, error) {
	ver, ok := checks.ParseTLSVersion(strings.TrimSpace(v))
	if !ok {
		return 0, p.errorValue(t.line, v, "", "tlsminversion must be 1.0, 1.1, 1.2 or 1.3")
	}
	return ver, nil
}

// Global handlers.

func (p *parser) globalTLSVerifyHost(t token, v string) (err error) {
	p.cfg.Global.Security.VerifyHost, err = p.tlsVerifyHost(t, v)
	return err
}

func (p *parser) globalTLSServerName(t token, v string) (err error) {
	p.cfg.Global.Security.ServerName, err = p.tlsServerName(t, v)
	return err
}

func (p *parser) globalTLSCAFile(t token, v string) (err error) {
	p.cfg.Global.Security.CAFile, err = p.tlsCAFile(t, v)
	return err
}

func (p *parser) globalTLSMinVersion(t token, v string) (err error) {
	p.cfg.Global.Security.MinTLS, err = p.tlsMinVersion(t, v)
	return err
}

func (p *parser) globalPgSQLCleartext(t token, v string) (err error) {
	p.cfg.Global.Security.RefuseCleartext, err = p.pgsqlCleartext(t, v)
	return err
}

// Block handlers.

// blockSecurity sets one of the block's own settings.
func blockSecurity[T any](parse func(*parser, token, string) (T, error), field func(*pendingSecurity) **T) blockHandler {
	return func(p *parser, pv *pendingVirtual, t token, name, v string) error {
		x, err := parse(p, t, v)
		if err != nil {
			return err
		}
		*field(&pv.sec) = &x
		switch {
		case name == "pgsqlcleartext":
			if pv.sec.pgsql == nil {
				pv.sec.pgsql = &t
			}
		case pv.sec.tls == nil:
			pv.sec.tls, pv.sec.tlsName = &t, name
		}
		return nil
	}
}

var (
	blockTLSVerifyHost = blockSecurity((*parser).tlsVerifyHost, func(s *pendingSecurity) **bool { return &s.verifyHost })
	blockTLSServerName = blockSecurity((*parser).tlsServerName, func(s *pendingSecurity) **string { return &s.serverName })
	blockTLSCAFile     = blockSecurity((*parser).tlsCAFile, func(s *pendingSecurity) **string { return &s.caFile })
	blockTLSMinVersion = blockSecurity((*parser).tlsMinVersion, func(s *pendingSecurity) **uint16 { return &s.minTLS })
	blockPgSQLCleartxt = blockSecurity((*parser).pgsqlCleartext, func(s *pendingSecurity) **bool { return &s.refuseCleartext })
)
