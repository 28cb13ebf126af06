package director

import (
	"strconv"

	"github.com/lvsctl/lvsctl/internal/bgpproc"
	"github.com/lvsctl/lvsctl/internal/bgpwire"
	"github.com/lvsctl/lvsctl/metrics"
)

// setBGP makes the scrapes show the BGP side (nothing while BGP is off,
// so a configuration without it scrapes as before).
func (m *Metrics) setBGP(b *bgpBoard) {
	if m == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.bgp = b
}

// gather adds the BGP families: each configured session's state and
// flaps, each prefix's announcement (made: decided and held by the
// speaker), and the speaker program's life.
func (b *bgpBoard) gather(s *metrics.Set) {
	b.mu.Lock()
	on, sp, dec := b.on, b.sp, b.dec
	b.mu.Unlock()
	if !on {
		return
	}
	up := s.Family("lvs_bgp_peer_up", metrics.Gauge, "BGP session with a router established (1) or not (0).")
	flaps := s.Family("lvs_bgp_session_flaps_total", metrics.Counter, "Times a BGP session left Established other than by a reload or a stop (a death of the speaker counts).")
	ann := s.Family("lvs_bgp_prefix_announced", metrics.Gauge, "Prefix announced over BGP (1) or withdrawn (0).")
	spUp := s.Family("lvs_bgp_speaker_up", metrics.Gauge, "The BGP speaker program (lvsctl-bgp) runs and answers (1) or not (0).")
	restarts := s.Family("lvs_bgp_speaker_restarts_total", metrics.Counter, "Starts of the BGP speaker program after its first.")
	var st bgpStatus
	if sp != nil {
		st = bgpStatus(sp.Status())
	}
	for _, p := range st.Peers {
		l := metrics.L("peer", p.Address.String(), "peer_as", strconv.FormatUint(uint64(p.AS), 10))
		v := 0.0
		if p.State == bgpwire.Established {
			v = 1
		}
		up.Add(v, l)
		flaps.AddUint(uint64(p.Flaps), l)
	}
	for _, p := range dec.Prefixes {
		v := 0.0
		if p.Announced && st.holds(p.Prefix) {
			v = 1
		}
		ann.Add(v, metrics.L("prefix", p.Prefix.String()))
	}
	v := 0.0
	if st.State == bgpproc.Running {
		v = 1
	}
	spUp.Add(v, nil)
	restarts.AddUint(uint64(st.Restarts), nil)
}
