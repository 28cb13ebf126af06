package ldconf

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/lvsctl/lvsctl/internal/secret"
)

// DefaultBGPWithdrawDelay is bgpwithdrawdelay when not given: how long a
// stopping director waits after withdrawing its prefixes, for the routers
// to move the flows, before it stops its checks.
const DefaultBGPWithdrawDelay = 2 * time.Second

// BGP holds lvsctl's BGP directives (bgp*). It is nil when the file has
// none: bgplocalas turns BGP on and every other bgp* directive needs it.
type BGP struct {
	Line    int // the bgplocalas line
	LocalAS uint32
	// RouterID is invalid when not given: the speaker then takes the
	// host's first global IPv4 address when it starts.
	RouterID netip.Addr
	Peers    []*BGPPeer
	// MED is the default MULTI_EXIT_DISC (Announce.MED has the effective
	// one of each virtual).
	MED uint32
	// NextHop is invalid for "self" (the default): each session's own
	// local address. An address applies to the prefixes of its family;
	// those of the other family keep "self".
	NextHop     netip.Addr
	Communities []Community
	// WithdrawFile withdraws every prefix while it exists ("" if none).
	WithdrawFile  string
	WithdrawDelay time.Duration
}

// BGPPeer is one bgppeer line.
type BGPPeer struct {
	Line    int
	Address netip.Addr
	AS      uint32
	// HoldTime is 0 when not given (the speaker's default, 90 s).
	HoldTime time.Duration
	// Port is the peer's TCP port, 0 when not given (179).
	Port uint16
	// Multihop is the TTL of an eBGP session to a peer that is not
	// directly connected, 0 when not given (TTL 1).
	Multihop int
	// Passive waits for the peer to connect.
	Passive bool
	// Password turns TCP MD5 signatures on; it prints as <redacted>.
	Password secret.String
}

// String is the bgppeer line's value in canonical form, the password
// redacted.
func (p *BGPPeer) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %d", p.Address, p.AS)
	if p.HoldTime != 0 {
		fmt.Fprintf(&b, " holdtime=%d", int64(p.HoldTime/time.Second))
	}
	if p.Port != 0 {
		fmt.Fprintf(&b, " port=%d", p.Port)
	}
	if p.Multihop != 0 {
		fmt.Fprintf(&b, " multihop=%d", p.Multihop)
	}
	if p.Passive {
		b.WriteString(" passive")
	}
	if p.Password.IsSet() {
		b.WriteString(" password=" + secret.Redacted)
	}
	return b.String()
}

// Community is a standard BGP community, AS:N.
type Community struct {
	AS    uint16
	Value uint16
}

func (c Community) String() string { return fmt.Sprintf("%d:%d", c.AS, c.Value) }

// MarshalText writes AS:N.
func (c Community) MarshalText() ([]byte, error) { return []byte(c.String()), nil }

// Announce is a virtual's BGP announcement (announce=yes or a prefix).
type Announce struct {
	Line int // the announce line
	// Prefix is the virtual's address as a /32 or /128 for announce=yes,
	// else the prefix as written.
	Prefix netip.Prefix
	// Threshold is announcethreshold (default 1 real server).
	Threshold Threshold
	// MED is announcemed ▸ bgpmed ▸ 0.
	MED uint32
}

// Threshold is announcethreshold: a count of real servers, or a
// percentage of the virtual's real servers.
type Threshold struct {
	N       int
	Percent bool
}

func (t Threshold) String() string {
	if t.Percent {
		return strconv.Itoa(t.N) + "%"
	}
	return strconv.Itoa(t.N)
}

// MarshalText writes N or N%.
func (t Threshold) MarshalText() ([]byte, error) { return []byte(t.String()), nil }
