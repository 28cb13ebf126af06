package ldconf

import (
	"net/netip"
	"time"

	"github.com/lvsctl/lvsctl/checks"
)

// Config is one parsed, resolved and validated ldirectord.cf.
type Config struct {
	// File is the name errors and warnings carry.
	File     string
	Global   Global
	Virtuals []*Virtual
	// Warnings are what ldirectord prints as warnings, plus lvsctl's own
	// (deviations and what ipvsadm or the kernel would refuse), in order.
	Warnings []Diagnostic
}

// Global holds the directives outside virtual blocks, with ldirectord's
// defaults (set_defaults). Per-virtual effective values live in Virtual.
type Global struct {
	// CheckTimeout and NegotiateTimeout are 0 when not given; see
	// Virtual.CheckTimeout for the fallback chain.
	CheckTimeout     time.Duration
	NegotiateTimeout time.Duration
	CheckInterval    time.Duration // default 10s
	CheckCount       int           // default 1 (deprecated directive)
	FailureCount     int           // default 1
	// Fallback and Fallback6 are the global fallback servers, nil if not
	// given.
	Fallback        *GlobalFallback
	Fallback6       *GlobalFallback
	FallbackCommand string // verbatim, quotes kept
	AutoReload      bool
	Callback        string
	// LogFile is a path (starts with /) or a syslog facility.
	LogFile        string // default /var/log/ldirectord.log
	Execute        []string
	Fork           bool
	Supervised     bool
	Quiescent      bool // default no (the man page says yes; the code says no)
	ReaddQuiescent bool
	// Resync (lvsctl's resync=yes) makes the director put back whatever
	// someone else changed in its part of the table; by default such
	// drift is only reported, as ldirectord leaves a manual change be.
	Resync           bool
	EmailAlert       string
	EmailAlertFreq   time.Duration
	EmailAlertStatus AlertStatus // default AlertAll
	EmailAlertFrom   string
	CleanStop        bool // default yes
	// Security is the tls* and pgsqlcleartext directives (lvsctl's), the
	// zero value when none is given.
	Security       checks.Security `json:",omitzero"`
	SMTP           string
	MaintenanceDir string
	// BGP is lvsctl's BGP speaker configuration, nil when BGP is off.
	BGP *BGP
}

// GlobalFallback is a global fallback= line. Its port, when given, is
// resolved once per protocol because service names can differ.
type GlobalFallback struct {
	Line    int
	Address netip.Addr
	HasPort bool
	PortTCP uint16
	PortUDP uint16
	Forward Forward
}

// Virtual is one virtual= or virtual6= block with every setting effective
// (virtual ▸ global ▸ default already applied).
type Virtual struct {
	Line    int // the virtual= line
	EndLine int // the line that ended the block (the last line at EOF)
	Family  Family
	// Protocol is TCP, UDP or FWM (firewall mark).
	Protocol Protocol
	// Host and PortText are the address as written; PortText is empty for
	// firewall marks.
	Host     string
	PortText string
	Address  netip.Addr // invalid for firewall marks
	Port     uint16
	// FWMark holds the mark of a firewall-mark virtual (FWMarkText as
	// written, e.g. "007").
	FWMark     uint64
	FWMarkText string

	Reals []*Real
	// Fallback is the effective fallback server (the virtual's own, else
	// the global one of its family), nil if none applies.
	Fallback *Fallback

	// Health check settings, consumed by package checks.
	CheckType   CheckType
	NumConnects int // checktype=N: connect checks between negotiate checks
	Service     Service
	// CheckCommand is the external / external-perl program.
	CheckCommand string // default /bin/true
	// Request always starts with "/"; Receive is a Perl regexp, raw.
	Request        string // default "/"
	Receive        string
	HTTPMethod     HTTPMethod
	VirtualHost    string
	HasVirtualHost bool // virtualhost= given (Host header), even if empty
	Login          string
	Passwd         string
	Database       string
	Secret         string
	Load           string
	// Security is the effective tls* and pgsqlcleartext settings
	// (lvsctl's): the virtual's own ▸ the global ones.
	Security checks.Security `json:",omitzero"`
	// CheckPort is the checkport directive, 0 if not given; Real.CheckPort
	// is the port each check really uses.
	CheckPort uint16
	// CheckTimeout = virtual checktimeout ▸ virtual negotiatetimeout ▸
	// global checktimeout ▸ global negotiatetimeout ▸ 5s; NegotiateTimeout
	// the same with the two swapped ▸ 30s.
	CheckTimeout     time.Duration
	NegotiateTimeout time.Duration
	CheckCount       int
	FailureCount     int
	// CheckInterval is the virtual's own only with fork=yes (ldirectord
	// ignores it otherwise), else the global one.
	CheckInterval time.Duration

	// IPVS settings.
	Scheduler  string // default wrr; any [a-z]+ (the kernel decides)
	Persistent bool
	// PersistentTimeout is meaningful only if Persistent.
	PersistentTimeout time.Duration
	// Netmask is the netmask directive as written ("" if none): a dotted
	// quad for IPv4, a prefix length for IPv6.
	Netmask    string
	SchedFlags string // as written, "" if none
	OPS        bool   // one-packet scheduling; used only for udp

	Quiescent        bool
	CleanStop        bool
	FallbackCommand  string
	EmailAlert       string
	EmailAlertFreq   time.Duration
	EmailAlertStatus AlertStatus
	SMTP             string
	MonitorFile      string
	ServiceName      string
	Comment          string

	// Rejected says why ipvsadm or the kernel would refuse to create this
	// service ("" if it would not); such services are left out of Table.
	Rejected string

	// Announce is the virtual's BGP announcement, nil when it is not
	// announced (no announce directive, or announce=no).
	Announce *Announce
}

// Real is one real server (a real= line yields several for a range).
type Real struct {
	Line    int
	Host    string // as written (the start of a range for ranges)
	Address netip.Addr
	// Port as written, 0 if not given; see Table for the port the kernel
	// stores.
	Port    uint16
	Forward Forward
	Weight  int64 // default 1
	// LowerThreshold and UpperThreshold are l:N and u:N (0 = none).
	LowerThreshold uint64
	UpperThreshold uint64
	// OwnCheck is true when the real line had its own "request", "receive"
	// pair; Request and Receive are the effective ones either way.
	OwnCheck bool
	Request  string
	Receive  string
	// CheckPort is checkport ▸ the real's port if > 0 ▸ the service's
	// well-known port (0 if none).
	CheckPort uint16
	// URL is the check URL ldirectord builds for http-like services:
	// SCHEME://IP:CHECKPORT/REQUEST, a per-real absolute URL verbatim, or
	// for http_proxy the virtual's request verbatim.
	URL string
	// Rejected says why ipvsadm or the kernel would refuse this server ("" if
	// not); such servers are left out of Table.
	Rejected string
}

// Fallback is a fallback server: weight 1, no thresholds.
type Fallback struct {
	Line    int
	Address netip.Addr
	// Port is 0 for firewall-mark virtuals.
	Port    uint16
	Forward Forward
	Global  bool // inherited from the global fallback
}
