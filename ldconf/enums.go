package ldconf

import "fmt"

// Family is the address family of a virtual service or server.
type Family int

// Address families.
const (
	IPv4 Family = iota
	IPv6
)

var familyNames = []string{"ipv4", "ipv6"}

func (f Family) String() string { return enumName(familyNames, int(f)) }

// MarshalText makes goldens and --json output readable.
func (f Family) MarshalText() ([]byte, error) { return []byte(f.String()), nil }

// Protocol is a virtual service's protocol; FWM is a firewall-mark service.
type Protocol int

// Protocols.
const (
	TCP Protocol = iota
	UDP
	FWM
)

var protocolNames = []string{"tcp", "udp", "fwm"}

func (p Protocol) String() string { return enumName(protocolNames, int(p)) }

// MarshalText implements encoding.TextMarshaler.
func (p Protocol) MarshalText() ([]byte, error) { return []byte(p.String()), nil }

// CheckType is a virtual's checktype. CheckCombined is checktype=N
// (Virtual.NumConnects holds N).
type CheckType int

// Check types.
const (
	CheckNegotiate CheckType = iota
	CheckConnect
	CheckPing
	CheckOff
	CheckOn
	CheckExternal
	CheckExternalPerl
	CheckCombined
)

var checkTypeNames = []string{"negotiate", "connect", "ping", "off", "on", "external", "external-perl", "combined"}

func (c CheckType) String() string { return enumName(checkTypeNames, int(c)) }

// MarshalText implements encoding.TextMarshaler.
func (c CheckType) MarshalText() ([]byte, error) { return []byte(c.String()), nil }

// Service is what a negotiate check speaks.
type Service int

// Services, in ldirectord's spelling.
const (
	ServiceNone Service = iota
	ServiceDNS
	ServiceFTP
	ServiceHTTP
	ServiceHTTPS
	ServiceHTTPProxy
	ServiceIMAP
	ServiceIMAPS
	ServiceLDAP
	ServiceLDAPS
	ServiceNNTP
	ServiceMySQL
	ServiceOracle
	ServicePOP
	ServicePOPS
	ServiceRadius
	ServicePgSQL
	ServiceSIP
	ServiceSMTP
	ServiceSubmission
	ServiceSimpleTCP
	// ServiceSMTPS is lvsctl's: SMTP over TLS (port 465).
	ServiceSMTPS
)

var serviceNames = []string{"none", "dns", "ftp", "http", "https", "http_proxy",
	"imap", "imaps", "ldap", "ldaps", "nntp", "mysql", "oracle", "pop", "pops",
	"radius", "pgsql", "sip", "smtp", "submission", "simpletcp",
	"smtps"}

func (s Service) String() string { return enumName(serviceNames, int(s)) }

// MarshalText implements encoding.TextMarshaler.
func (s Service) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// servicePorts is ldirectord's ld_service_to_port / ld_port_to_service
// table: the default service of a virtual port and the check port of a
// service when neither checkport nor a real port gives one.
var servicePorts = map[Service]uint16{
	ServiceFTP: 21, ServiceSMTP: 25, ServiceDNS: 53, ServiceHTTP: 80,
	ServicePOP: 110, ServiceNNTP: 119, ServiceIMAP: 143, ServiceLDAP: 389,
	ServiceHTTPS: 443, ServiceSubmission: 587, ServiceLDAPS: 636,
	ServiceIMAPS: 993, ServicePOPS: 995, ServiceOracle: 1521,
	ServiceRadius: 1812, ServiceHTTPProxy: 3128, ServiceMySQL: 3306,
	ServiceSIP: 5060, ServicePgSQL: 5432,
}

// extensionPorts are the ports of lvsctl's own services; they are never a
// virtual's default service (ldirectord checks such a virtual with none).
var extensionPorts = map[Service]uint16{ServiceSMTPS: 465}

// Port is the well-known port ldirectord associates with the service (or
// lvsctl with its own), or 0 (none, simpletcp).
func (s Service) Port() uint16 {
	if p, ok := extensionPorts[s]; ok {
		return p
	}
	return servicePorts[s]
}

// Forward is a real server's forwarding method.
type Forward int

// Forwarding methods: gate (-g, direct routing), masq (-m, NAT), ipip (-i).
const (
	Gate Forward = iota
	Masq
	IPIP
)

var forwardNames = []string{"gate", "masq", "ipip"}

func (f Forward) String() string { return enumName(forwardNames, int(f)) }

// MarshalText implements encoding.TextMarshaler.
func (f Forward) MarshalText() ([]byte, error) { return []byte(f.String()), nil }

// HTTPMethod is the method of http/https checks.
type HTTPMethod int

// HTTP methods ldirectord accepts.
const (
	MethodGET HTTPMethod = iota
	MethodHEAD
)

var methodNames = []string{"GET", "HEAD"}

func (m HTTPMethod) String() string { return enumName(methodNames, int(m)) }

// MarshalText implements encoding.TextMarshaler.
func (m HTTPMethod) MarshalText() ([]byte, error) { return []byte(m.String()), nil }

// AlertStatus is a set of daemon states in which email alerts are sent
// (emailalertstatus); the bits are ldirectord's.
type AlertStatus uint8

// Daemon states.
const (
	AlertStarting  AlertStatus = 0x1
	AlertRunning   AlertStatus = 0x2
	AlertStopping  AlertStatus = 0x4
	AlertReloading AlertStatus = 0x8
	AlertAll                   = AlertStarting | AlertRunning | AlertStopping | AlertReloading
)

func enumName(names []string, i int) string {
	if i >= 0 && i < len(names) {
		return names[i]
	}
	return fmt.Sprintf("invalid(%d)", i)
}

func lookupName(names []string, s string) (int, bool) {
	for i, n := range names {
		if n == s {
			return i, true
		}
	}
	return 0, false
}
