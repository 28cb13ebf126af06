package bgp

import (
	"context"
	"errors"
	"net/netip"
	"time"

	"github.com/lvsctl/lvsctl/internal/bgpwire"
)

// Reconfigure applies cfg. Peers that did not change keep their sessions;
// a changed peer's session is restarted; removed peers are dropped. A new
// local AS or router id, or a change of listening (the first passive peer,
// the last one gone, another ListenPort), restarts the whole speaker:
// every session drops and comes back, the announcements are sent again.
func (s *Speaker) Reconfigure(ctx context.Context, cfg Config) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.inst == nil {
		return errors.New("bgp: reconfigure: speaker stopped")
	}
	defer s.book.forgetWithdrawn()
	if needsRestart(&s.cfg, &cfg) {
		return s.restart(ctx, cfg)
	}
	s.addSecrets(&cfg)
	return s.reconfigurePeers(ctx, cfg)
}

// reconfigurePeers brings GoBGP's peers to cfg's. On an error the speaker
// keeps the peers GoBGP holds as its configuration, so that the same
// Reconfigure again finishes the work.
func (s *Speaker) reconfigurePeers(ctx context.Context, cfg Config) error {
	held := map[netip.Addr]Peer{}
	for _, p := range s.cfg.Peers {
		held[p.Address] = p
	}
	defer func() {
		s.cfg.ListenPort = cfg.ListenPort
		s.cfg.Peers = s.cfg.Peers[:0:0]
		for _, p := range cfg.Peers {
			if q, ok := held[p.Address]; ok {
				s.cfg.Peers = append(s.cfg.Peers, q)
				delete(held, p.Address)
			}
		}
		for _, q := range held {
			s.cfg.Peers = append(s.cfg.Peers, q)
		}
	}()
	next := map[netip.Addr]bool{}
	for _, p := range cfg.Peers {
		next[p.Address] = true
	}
	var reset []netip.Addr
	for a, p := range held {
		if !next[a] || !bgpwire.SamePeer(p, peerByAddr(cfg.Peers, a)) {
			reset = append(reset, a)
		}
	}
	// The book follows cfg at once: a removed peer's last events are of no
	// interest, a reset one's drop is no flap.
	s.book.markResetting(reset)
	s.book.setPeers(&cfg, time.Now())
	for _, a := range reset {
		if err := s.deletePeer(ctx, a); err != nil {
			return err
		}
		delete(held, a)
	}
	for _, p := range cfg.Peers {
		if _, ok := held[p.Address]; ok {
			continue
		}
		if err := s.addPeer(ctx, p); err != nil {
			return err
		}
		held[p.Address] = p
	}
	return nil
}

func peerByAddr(ps []Peer, a netip.Addr) Peer {
	for _, p := range ps {
		if p.Address == a {
			return p
		}
	}
	return Peer{}
}

// restart replaces the GoBGP instance by one with cfg and announces the
// same routes through it.
func (s *Speaker) restart(ctx context.Context, cfg Config) error {
	want := map[netip.Prefix]Attrs{}
	for p, r := range s.routes {
		want[p] = r.attrs
	}
	err := errors.Join(s.withdrawAll(ctx), s.inst.stop(ctx))
	s.inst = nil
	s.routes = map[netip.Prefix]route{}
	s.book.stopped(time.Now())
	if err != nil {
		return err
	}
	if err := s.startInstance(ctx, cfg); err != nil {
		return err
	}
	return s.apply(ctx, want)
}
