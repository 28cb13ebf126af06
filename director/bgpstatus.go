package director

import (
	"net/netip"
	"time"

	"github.com/lvsctl/lvsctl/internal/bgpproc"
)

// BGPSnapshot is the BGP side of a Snapshot: the speaker program and its
// sessions, and each prefix's announcement and why.
type BGPSnapshot struct {
	Speaker  bgpproc.Status `json:"speaker"`
	Prefixes []BGPPrefix    `json:"prefixes"`
	// WithdrawFile is bgpwithdrawfile ("" none); WithdrawFileExists says
	// it was there at the last pass.
	WithdrawFile       string `json:"withdraw_file,omitempty"`
	WithdrawFileExists bool   `json:"withdraw_file_exists,omitempty"`
	Stopping           bool   `json:"stopping,omitempty"`
	// Error is why BGP does not run ("" when it does).
	Error string `json:"error,omitempty"`
}

// BGPPrefix is one prefix: what the director decided, and whether the
// speaker announces it.
type BGPPrefix struct {
	Prefix netip.Prefix `json:"prefix"`
	// Announced is the decision; Reason why not ("threshold", "withdraw
	// file", "stopping").
	Announced bool   `json:"announced"`
	Reason    string `json:"reason,omitempty"`
	// Held: the speaker reports it announced; Since is when that last
	// changed (zero if the speaker never had it).
	Held        bool       `json:"held"`
	Since       time.Time  `json:"since"`
	MED         uint32     `json:"med"`
	Communities []string   `json:"communities"`
	NextHop     netip.Addr `json:"next_hop"`
	Virtuals    []string   `json:"virtuals"`
	Qualifying  []string   `json:"qualifying"`
}

// snapshot is the board as status shows it, nil while BGP is off.
func (b *bgpBoard) snapshot() *BGPSnapshot {
	b.mu.Lock()
	on, sp, dec := b.on, b.sp, b.dec
	s := &BGPSnapshot{WithdrawFile: b.file, WithdrawFileExists: b.fileExists, Stopping: b.stopping, Error: b.err}
	b.mu.Unlock()
	if !on {
		return nil
	}
	var st bgpStatus
	if sp != nil {
		st = bgpStatus(sp.Status())
	} else {
		st.State = bgpproc.Stopped
	}
	s.Speaker = bgpproc.Status(st)
	for _, p := range dec.Prefixes {
		bp := BGPPrefix{Prefix: p.Prefix, Announced: p.Announced, Reason: p.Reason.String(), MED: p.Attrs.MED,
			NextHop: p.Attrs.NextHop, Virtuals: p.Virtuals, Qualifying: p.Qualifying, Communities: []string{}}
		for _, c := range p.Attrs.Communities {
			bp.Communities = append(bp.Communities, c.String())
		}
		for _, ps := range st.Prefixes {
			if ps.Prefix == p.Prefix {
				bp.Held, bp.Since = ps.Announced, ps.Since
			}
		}
		s.Prefixes = append(s.Prefixes, bp)
	}
	return s
}
