// Package bgpwire is what the director and the BGP speaker program
// (lvsctl-bgp) say to each other: the speaker's configuration, the routes
// to announce, the speaker's status, and the line protocol that carries
// them over the program's standard input and output (protocol.go).
//
// It links no BGP implementation: the director imports it and stays free
// of GoBGP, which only the speaker program links (package bgp).
package bgpwire

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"time"

	"github.com/lvsctl/lvsctl/internal/secret"
)

// DefaultPort is BGP's TCP port.
const DefaultPort = 179

// Config is what the speaker is: its identity and its peers.
type Config struct {
	LocalAS uint32
	// RouterID must be an IPv4 address (see announce.HostRouterID for a
	// default).
	RouterID netip.Addr
	Peers    []Peer
	// ListenPort is where passive peers connect (0: 179). The speaker
	// listens only while some peer is passive: an active session needs no
	// listener, and the director host may run a router of its own on 179.
	ListenPort uint16
}

// Peer is one BGP neighbour. Its family (IPv4 or IPv6 unicast) is its
// address's: a prefix goes to the peers of its family.
type Peer struct {
	Address netip.Addr
	AS      uint32
	// HoldTime is 0 for the default, 90 s; the session uses the lower of
	// both sides' hold times.
	HoldTime time.Duration
	// Port is the peer's port, 0 for 179.
	Port uint16
	// Multihop is the TTL of an eBGP session, 0 for a directly connected
	// peer (TTL 1).
	Multihop int
	// Passive waits for the peer to connect (on Config.ListenPort).
	Passive bool
	// Password turns on TCP MD5 signatures (RFC 2385).
	Password secret.String
}

// Attrs are the path attributes of an announced prefix.
type Attrs struct {
	MED         uint32
	Communities []Community
	// NextHop is invalid for "self": each session's own local address.
	NextHop netip.Addr
}

// Community is a standard community, AS:N.
type Community struct {
	AS    uint16
	Value uint16
}

func (c Community) String() string { return fmt.Sprintf("%d:%d", c.AS, c.Value) }

// Uint32 is the community as BGP carries it.
func (c Community) Uint32() uint32 { return uint32(c.AS)<<16 | uint32(c.Value) }

// Equal compares two attribute sets.
func (a Attrs) Equal(b Attrs) bool {
	return a.MED == b.MED && a.NextHop == b.NextHop && slices.Equal(a.Communities, b.Communities)
}

// Clone copies a: the caller may change its Communities afterwards.
func (a Attrs) Clone() Attrs {
	a.Communities = slices.Clone(a.Communities)
	return a
}

// Clone copies c: the caller may change its Peers afterwards.
func (c Config) Clone() Config {
	c.Peers = slices.Clone(c.Peers)
	return c
}

// Equal compares two configurations, passwords included.
func (c Config) Equal(o Config) bool {
	return c.LocalAS == o.LocalAS && c.RouterID == o.RouterID && c.ListenPort == o.ListenPort &&
		slices.EqualFunc(c.Peers, o.Peers, SamePeer)
}

// Validate checks what the speaker needs of a configuration.
func (c *Config) Validate() error {
	if c.LocalAS == 0 {
		return errors.New("bgp: no local AS")
	}
	if !c.RouterID.Is4() || c.RouterID.IsUnspecified() {
		return fmt.Errorf("bgp: router id %v is not an IPv4 address", c.RouterID)
	}
	seen := map[netip.Addr]bool{}
	for _, p := range c.Peers {
		switch {
		case !p.Address.IsValid() || p.Address.Zone() != "" || p.Address.Is4In6():
			return fmt.Errorf("bgp: bad peer address %v", p.Address)
		case p.AS == 0:
			return fmt.Errorf("bgp: peer %s has no AS", p.Address)
		case seen[p.Address]:
			return fmt.Errorf("bgp: peer %s given twice", p.Address)
		case p.HoldTime != 0 && (p.HoldTime < 3*time.Second || p.HoldTime > 65535*time.Second):
			return fmt.Errorf("bgp: peer %s: hold time %v out of 3s..65535s", p.Address, p.HoldTime)
		case p.Multihop < 0 || p.Multihop > 255:
			return fmt.Errorf("bgp: peer %s: multihop %d out of 0..255", p.Address, p.Multihop)
		}
		seen[p.Address] = true
	}
	return nil
}

// Listens reports whether the speaker needs a listener, and on which
// port.
func (c *Config) Listens() (bool, uint16) {
	port := c.ListenPort
	if port == 0 {
		port = DefaultPort
	}
	return slices.ContainsFunc(c.Peers, func(p Peer) bool { return p.Passive }), port
}

// SamePeer: a peer whose settings are unchanged keeps its session.
func SamePeer(a, b Peer) bool {
	return a.Address == b.Address && a.AS == b.AS && a.HoldTime == b.HoldTime && a.Port == b.Port &&
		a.Multihop == b.Multihop && a.Passive == b.Passive && a.Password.Equal(b.Password)
}

// ValidRoute checks an announcement: a masked prefix, a next hop of its
// family.
func ValidRoute(p netip.Prefix, a Attrs) error {
	if !p.IsValid() || p != p.Masked() || p.Addr().Zone() != "" || p.Addr().Is4In6() {
		return fmt.Errorf("bgp: bad prefix %v", p)
	}
	if a.NextHop.IsValid() && (a.NextHop.Is4() != p.Addr().Is4() || a.NextHop.IsUnspecified()) {
		return fmt.Errorf("bgp: next hop %s does not suit %s", a.NextHop, p)
	}
	return nil
}

// ComparePrefix orders prefixes by address, then length.
func ComparePrefix(x, y netip.Prefix) int {
	if c := x.Addr().Compare(y.Addr()); c != 0 {
		return c
	}
	return x.Bits() - y.Bits()
}
