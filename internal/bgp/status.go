package bgp

import (
	"net/netip"
	"slices"
	"sync"
	"time"

	"github.com/lvsctl/lvsctl/internal/bgpwire"
	gobgp "github.com/osrg/gobgp/v4/pkg/packet/bgp"
)

// The speaker's status is package bgpwire's.
type (
	// SessionState is a BGP session's FSM state.
	SessionState = bgpwire.SessionState
	// Status is the speaker's state for `status` and metrics.
	Status = bgpwire.Status
	// PeerStatus is one session.
	PeerStatus = bgpwire.PeerStatus
	// PrefixStatus is one prefix handed to SetAnnounced since the last
	// Reconfigure.
	PrefixStatus = bgpwire.PrefixStatus
)

// Session states.
const (
	Idle        = bgpwire.Idle
	Connect     = bgpwire.Connect
	Active      = bgpwire.Active
	OpenSent    = bgpwire.OpenSent
	OpenConfirm = bgpwire.OpenConfirm
	Established = bgpwire.Established
)

func fromFSM(s gobgp.FSMState) SessionState {
	switch s {
	case gobgp.BGP_FSM_CONNECT:
		return Connect
	case gobgp.BGP_FSM_ACTIVE:
		return Active
	case gobgp.BGP_FSM_OPENSENT:
		return OpenSent
	case gobgp.BGP_FSM_OPENCONFIRM:
		return OpenConfirm
	case gobgp.BGP_FSM_ESTABLISHED:
		return Established
	}
	return Idle
}

// book keeps the status: peers from GoBGP's events, prefixes from
// SetAnnounced. Its own lock lets Status run while an operation waits on
// GoBGP.
type book struct {
	mu       sync.Mutex
	running  bool
	localAS  uint32
	routerID netip.Addr
	// gen numbers the GoBGP instances: events of an instance that is
	// gone are ignored.
	gen      uint64
	peers    map[netip.Addr]*peerBook
	prefixes map[netip.Prefix]*PrefixStatus
	// notify, if set, is called after every change (WithNotify).
	notify func()
}

type peerBook struct {
	PeerStatus
	// resetting is set while Reconfigure takes the session down on
	// purpose: GoBGP reports a deleted peer as going idle, and that drop
	// is not a flap.
	resetting bool
}

func newBook() *book {
	return &book{peers: map[netip.Addr]*peerBook{}, prefixes: map[netip.Prefix]*PrefixStatus{}}
}

// begin starts a new GoBGP instance's book: every session from idle, the
// flap counts of the peers that stay kept. It returns the instance's
// generation.
func (b *book) begin(cfg *Config, now time.Time) uint64 {
	b.setPeers(cfg, now)
	defer b.changed()
	b.mu.Lock()
	defer b.mu.Unlock()
	b.gen++
	b.running = true
	for _, p := range b.peers {
		p.State, p.Since, p.resetting = Idle, now, false
	}
	return b.gen
}

// stopped: the instance is gone, its late events are ignored.
func (b *book) stopped(now time.Time) {
	defer b.changed()
	b.mu.Lock()
	defer b.mu.Unlock()
	b.gen++
	b.running = false
	for _, p := range b.peers {
		if p.State != Idle {
			p.State, p.Since = Idle, now
		}
		p.resetting = false
	}
}

// peerEvent records a state change GoBGP reports; events of another
// instance or of peers no longer configured are ignored.
func (b *book) peerEvent(gen uint64, addr netip.Addr, st SessionState, at time.Time) {
	defer b.changed()
	b.mu.Lock()
	defer b.mu.Unlock()
	p := b.peers[addr.Unmap()]
	if p == nil || gen != b.gen {
		return
	}
	if p.State == Established && st != Established && !p.resetting {
		p.Flaps++
	}
	if st == Idle {
		p.resetting = false
	}
	if st != p.State {
		p.State, p.Since = st, at
	}
}

// setPeers makes the book's peers those of cfg, keeping the state of the
// peers that stay.
func (b *book) setPeers(cfg *Config, now time.Time) {
	defer b.changed()
	b.mu.Lock()
	defer b.mu.Unlock()
	b.localAS, b.routerID = cfg.LocalAS, cfg.RouterID
	keep := map[netip.Addr]*peerBook{}
	for _, p := range cfg.Peers {
		old := b.peers[p.Address]
		if old == nil {
			old = &peerBook{PeerStatus: PeerStatus{Address: p.Address, State: Idle, Since: now}}
		}
		old.AS = p.AS
		keep[p.Address] = old
	}
	b.peers = keep
}

// markResetting marks the sessions about to be deleted on purpose; the
// mark lasts until GoBGP reports them idle.
func (b *book) markResetting(addrs []netip.Addr) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, a := range addrs {
		if p := b.peers[a]; p != nil {
			p.resetting = true
		}
	}
}

// announced records the prefixes GoBGP now holds.
func (b *book) announced(held map[netip.Prefix]Attrs, now time.Time) {
	defer b.changed()
	b.mu.Lock()
	defer b.mu.Unlock()
	for p, ps := range b.prefixes {
		if _, ok := held[p]; !ok && ps.Announced {
			ps.Announced, ps.Since = false, now
		}
	}
	for p, a := range held {
		ps := b.prefixes[p]
		if ps == nil {
			ps = &PrefixStatus{Prefix: p}
			b.prefixes[p] = ps
		}
		if !ps.Announced {
			ps.Announced, ps.Since = true, now
		}
		ps.Attrs = a
	}
}

// forgetWithdrawn drops the withdrawn prefixes (after a reload the caller
// announces from the new configuration).
func (b *book) forgetWithdrawn() {
	defer b.changed()
	b.mu.Lock()
	defer b.mu.Unlock()
	for p, ps := range b.prefixes {
		if !ps.Announced {
			delete(b.prefixes, p)
		}
	}
}

// changed tells the notify function, outside the lock.
func (b *book) changed() {
	if b.notify != nil {
		b.notify()
	}
}

func (b *book) status() Status {
	b.mu.Lock()
	defer b.mu.Unlock()
	s := Status{Running: b.running, LocalAS: b.localAS, RouterID: b.routerID}
	for _, p := range b.peers {
		s.Peers = append(s.Peers, p.PeerStatus)
	}
	slices.SortFunc(s.Peers, func(x, y PeerStatus) int { return x.Address.Compare(y.Address) })
	for _, p := range b.prefixes {
		c := *p
		c.Attrs.Communities = slices.Clone(p.Attrs.Communities)
		s.Prefixes = append(s.Prefixes, c)
	}
	slices.SortFunc(s.Prefixes, func(x, y PrefixStatus) int { return bgpwire.ComparePrefix(x.Prefix, y.Prefix) })
	return s
}
