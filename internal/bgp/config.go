package bgp

import (
	"github.com/lvsctl/lvsctl/internal/bgpwire"
)

// The speaker's configuration and routes are package bgpwire's, which the
// director shares without linking GoBGP.
type (
	// Config is what the speaker is: its identity and its peers.
	Config = bgpwire.Config
	// Peer is one BGP neighbour.
	Peer = bgpwire.Peer
	// Attrs are the path attributes of an announced prefix.
	Attrs = bgpwire.Attrs
	// Community is a standard community, AS:N.
	Community = bgpwire.Community
)

// DefaultPort is BGP's TCP port.
const DefaultPort = bgpwire.DefaultPort

// needsRestart: what GoBGP takes only when it starts (its identity and
// its listeners).
func needsRestart(old, new *Config) bool {
	ol, op := old.Listens()
	nl, np := new.Listens()
	return old.LocalAS != new.LocalAS || old.RouterID != new.RouterID || ol != nl || ol && op != np
}
