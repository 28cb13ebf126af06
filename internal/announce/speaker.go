package announce

import (
	"net/netip"

	"github.com/lvsctl/lvsctl/internal/bgpwire"
	"github.com/lvsctl/lvsctl/ldconf"
)

// SpeakerConfig is the speaker's configuration from the BGP directives;
// without bgprouterid the router id is hostRouterID's (HostRouterID
// on a director).
func SpeakerConfig(b *ldconf.BGP, hostRouterID func() (netip.Addr, error)) (bgpwire.Config, error) {
	c := bgpwire.Config{LocalAS: b.LocalAS, RouterID: b.RouterID}
	if !c.RouterID.IsValid() {
		id, err := hostRouterID()
		if err != nil {
			return bgpwire.Config{}, err
		}
		c.RouterID = id
	}
	for _, p := range b.Peers {
		c.Peers = append(c.Peers, bgpwire.Peer{
			Address: p.Address, AS: p.AS, HoldTime: p.HoldTime, Port: p.Port,
			Multihop: p.Multihop, Passive: p.Passive, Password: p.Password,
		})
	}
	return c, nil
}
