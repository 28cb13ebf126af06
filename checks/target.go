package checks

import (
	"net"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// Target is everything a check needs to know about one real server of one
// virtual service. ldconf resolves the config (defaults, per-real
// request/receive, inherited timeouts) into these plain fields.
type Target struct {
	CheckType   string // connect, negotiate, ping, external, external-perl, on, off, combined
	NumConnects int    // N of checktype=N (CheckType combined)
	Service     string // negotiate service; "" = none
	Protocol    string // tcp, udp or fwm

	VirtualAddr netip.Addr // invalid for a fwmark virtual
	VirtualPort uint16
	FWMark      uint32

	RealAddr  netip.Addr
	RealPort  uint16 // 0 when written without a port
	CheckPort uint16 // checkport=; 0 = unset

	// Request and Receive are the real's effective pair (per-real or the
	// virtual's). Request is stored as ldirectord stores it, with a
	// leading "/"; one is tolerated missing.
	Request     string
	Receive     string // Perl regexp, see TranslateRegexp
	VirtualHost string // "" = unset
	Login       string
	Passwd      string
	Database    string
	Secret      string
	HTTPMethod  string // GET or HEAD; "" = GET

	CheckCommand string // external: program; external-perl: Perl file
	CheckCount   int    // ping attempts; 0 = 1

	CheckTimeout     time.Duration // 0 = DefaultCheckTimeout
	NegotiateTimeout time.Duration // 0 = DefaultNegotiateTimeout

	// Security is lvsctl's stricter TLS and password settings; the zero
	// value is ldirectord's behaviour.
	Security Security
}

// servicePorts are ldirectord's well-known ports (ld_service_to_port, L1860).
var servicePorts = map[string]uint16{
	"ftp": 21, "smtp": 25, "dns": 53, "http": 80, "pop": 110, "nntp": 119,
	"imap": 143, "ldap": 389, "https": 443, "submission": 587, "ldaps": 636,
	"imaps": 993, "pops": 995, "oracle": 1521, "radius": 1812,
	"http_proxy": 3128, "mysql": 3306, "sip": 5060, "pgsql": 5432,
}

// extensionPorts are the ports of lvsctl's own services. They are not
// defaults of a virtual's port (DefaultService): ldirectord checks a
// virtual on one of them with service none.
var extensionPorts = map[string]uint16{"smtps": 465}

// ServicePort returns the well-known port of a negotiate service, 0 if none.
func ServicePort(service string) uint16 {
	if p, ok := extensionPorts[service]; ok {
		return p
	}
	return servicePorts[service]
}

// DefaultService returns the service ldirectord assumes for a virtual port
// when no service= is given ("none" for unknown ports).
func DefaultService(port uint16) string {
	for s, p := range servicePorts {
		if p == port {
			return s
		}
	}
	return "none"
}

// Label names the check that runs for t: its type, with the negotiate
// service ("negotiate:https"; "combined:3:https" for checktype=3).
// Checker.String cannot: one checker serves several services.
func (t *Target) Label() string {
	svc := t.Service
	if svc == "" {
		svc = "none"
	}
	switch t.CheckType {
	case TypeNegotiate:
		return TypeNegotiate + ":" + svc
	case TypeCombined:
		return TypeCombined + ":" + strconv.Itoa(t.NumConnects) + ":" + svc
	}
	return t.CheckType
}

// Port is the port checks connect to: checkport, else the real's port,
// else the service's well-known port (ld_checkport, L1927).
func (t *Target) Port() uint16 {
	if t.CheckPort != 0 {
		return t.CheckPort
	}
	if t.RealPort != 0 {
		return t.RealPort
	}
	return ServicePort(t.Service)
}

// Addr is "RIP:PORT" for dialing, with IPv6 in brackets.
func (t *Target) Addr() string {
	return net.JoinHostPort(t.RealAddr.Unmap().String(), strconv.Itoa(int(t.Port())))
}

// realHost is the real's address as ldirectord writes it: IPv6 bracketed.
func (t *Target) realHost() string { return hostString(t.RealAddr) }

func hostString(a netip.Addr) string {
	a = a.Unmap()
	if a.Is6() {
		return "[" + a.String() + "]"
	}
	return a.String()
}

func (t *Target) protocol() string {
	if t.Protocol == "udp" {
		return "udp"
	}
	return "tcp"
}

// request is the request without ldirectord's leading "/".
func (t *Target) request() string { return strings.TrimPrefix(t.Request, "/") }

func (t *Target) checkTimeout() time.Duration {
	if t.CheckTimeout > 0 {
		return t.CheckTimeout
	}
	return DefaultCheckTimeout
}

func (t *Target) negotiateTimeout() time.Duration {
	if t.NegotiateTimeout > 0 {
		return t.NegotiateTimeout
	}
	return DefaultNegotiateTimeout
}

func (t *Target) checkCount() int {
	if t.CheckCount > 0 {
		return t.CheckCount
	}
	return 1
}

// Timeout is how long one check of this target may take: checktimeout for
// connect/external (ping: per attempt, times checkcount), negotiatetimeout
// for negotiate, and the smaller of both for ldap and radius, which
// ldirectord bounds by an alarm of checktimeout around a negotiatetimeout
// socket timeout. For combined it is the longer of its two steps.
func (t *Target) Timeout() time.Duration {
	switch t.CheckType {
	case TypeConnect, TypeExternal, TypeExternalPerl:
		if t.CheckType == TypeConnect && t.Protocol == "udp" {
			return t.checkTimeout() * time.Duration(t.checkCount())
		}
		return t.checkTimeout()
	case TypePing:
		return t.checkTimeout() * time.Duration(t.checkCount())
	case TypeCombined:
		return max(t.checkTimeout(), t.negotiateTimeout())
	}
	return t.serviceTimeout()
}

func (t *Target) serviceTimeout() time.Duration {
	switch t.Service {
	case "ldap", "ldaps", "radius":
		return min(t.checkTimeout(), t.negotiateTimeout())
	}
	return t.negotiateTimeout()
}
