package bgp

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"sync"
	"time"

	"github.com/lvsctl/lvsctl/internal/bgpwire"
	"github.com/osrg/gobgp/v4/api"
	"github.com/osrg/gobgp/v4/pkg/apiutil"
)

// SetAnnounced makes routes the announced set: new prefixes are
// announced, changed attributes sent again, missing prefixes withdrawn.
// Calling it again with the same set sends nothing.
func (s *Speaker) SetAnnounced(ctx context.Context, routes map[netip.Prefix]Attrs) error {
	for p, a := range routes {
		if err := bgpwire.ValidRoute(p, a); err != nil {
			return err
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.inst == nil {
		return errors.New("bgp: announce: speaker stopped")
	}
	return s.apply(ctx, routes)
}

// apply brings GoBGP's routes to want.
func (s *Speaker) apply(ctx context.Context, want map[netip.Prefix]Attrs) error {
	defer s.recordRoutes()
	var gone []netip.Prefix
	for p := range s.routes {
		if _, ok := want[p]; !ok {
			gone = append(gone, p)
		}
	}
	if err := s.withdraw(ctx, gone); err != nil {
		return err
	}
	var add []netip.Prefix
	for p, a := range want {
		if r, ok := s.routes[p]; !ok || !r.known || !r.attrs.Equal(a) {
			add = append(add, p)
		}
	}
	if len(add) == 0 {
		return nil
	}
	slices.SortFunc(add, bgpwire.ComparePrefix)
	paths := make([]*apiutil.Path, len(add))
	for i, p := range add {
		var err error
		if paths[i], err = path(p, want[p]); err != nil {
			return err
		}
		a := want[p]
		a.Communities = slices.Clone(a.Communities)
		s.routes[p] = route{attrs: a} // unknown until GoBGP answers
	}
	var resps []apiutil.AddPathResponse
	s.pathCalls.Add(1)
	err := call(ctx, func() error {
		var err error
		resps, err = s.inst.srv.AddPath(apiutil.AddPathRequest{Paths: paths})
		return err
	})
	for i, p := range add {
		if i < len(resps) && resps[i].Error == nil {
			r := s.routes[p]
			r.known = true
			s.routes[p] = r
		}
	}
	if err != nil {
		return fmt.Errorf("bgp: announce: %w", err)
	}
	return nil
}

// withdraw takes the prefixes back.
func (s *Speaker) withdraw(ctx context.Context, prefixes []netip.Prefix) error {
	if len(prefixes) == 0 {
		return nil
	}
	paths := make([]*apiutil.Path, len(prefixes))
	for i, p := range prefixes {
		var err error
		if paths[i], err = withdrawal(p); err != nil {
			return err
		}
		r := s.routes[p]
		r.known = false
		s.routes[p] = r
	}
	s.pathCalls.Add(1)
	err := call(ctx, func() error { return s.inst.srv.DeletePath(apiutil.DeletePathRequest{Paths: paths}) })
	if err != nil {
		return fmt.Errorf("bgp: withdraw: %w", err)
	}
	for _, p := range prefixes {
		delete(s.routes, p)
	}
	return nil
}

// recordRoutes shows in Status what GoBGP holds for sure.
func (s *Speaker) recordRoutes() {
	held := map[netip.Prefix]Attrs{}
	for p, r := range s.routes {
		if r.known {
			held[p] = r.attrs
		}
	}
	s.book.announced(held, time.Now())
}

// withdrawAll withdraws every prefix and waits, up to withdrawFlushMax,
// until each established session that carried one has written an update
// since: the peer then reads the withdrawal before the session closes.
func (s *Speaker) withdrawAll(ctx context.Context) error {
	if len(s.routes) == 0 {
		return nil
	}
	fams := map[bool]bool{} // is IPv4
	for p := range s.routes {
		fams[p.Addr().Is4()] = true
	}
	before, err := s.sentUpdates(ctx)
	if err != nil {
		return err
	}
	for a := range before {
		if !fams[a.Is4()] {
			delete(before, a)
		}
	}
	if err := s.withdraw(ctx, slices.Collect(maps.Keys(s.routes))); err != nil {
		return err
	}
	s.recordRoutes()
	fctx, cancel := context.WithTimeout(ctx, withdrawFlushMax)
	defer cancel()
	tick := time.NewTicker(flushPoll)
	defer tick.Stop()
	for len(before) > 0 {
		now, err := s.sentUpdates(fctx)
		if err != nil {
			return nil // the wait is a courtesy: the sessions close anyway
		}
		for a, n := range before {
			if now[a] > n || now[a] == 0 {
				delete(before, a)
			}
		}
		select {
		case <-fctx.Done():
			return nil
		case <-tick.C:
		}
	}
	return nil
}

// sentUpdates is the count of updates each established session has
// written.
func (s *Speaker) sentUpdates(ctx context.Context) (map[netip.Addr]uint64, error) {
	out := map[netip.Addr]uint64{}
	var mu sync.Mutex
	err := call(ctx, func() error {
		return s.inst.srv.ListPeer(ctx, &api.ListPeerRequest{}, func(p *api.Peer) {
			st := p.GetState()
			if st.GetSessionState() != api.PeerState_SESSION_STATE_ESTABLISHED {
				return
			}
			a, err := netip.ParseAddr(st.GetNeighborAddress())
			if err != nil {
				return
			}
			mu.Lock()
			out[a.Unmap()] = st.GetMessages().GetSent().GetUpdate()
			mu.Unlock()
		})
	})
	return out, err
}
