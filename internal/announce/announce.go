// Package announce decides what a director announces over BGP: from each
// virtual service's announce settings and the health of its real
// servers, the prefixes to announce with their attributes, and for each
// prefix withdrawn, why. It is pure: the director gathers the state, the
// speaker (package bgp) carries the result out.
package announce

import (
	"net/netip"
	"slices"

	"github.com/lvsctl/lvsctl/internal/bgpwire"
	"github.com/lvsctl/lvsctl/ldconf"
)

// Reason says why a prefix is not announced.
type Reason int

// Reasons, by precedence: stopping wins over the withdraw file, which
// wins over the first checks, which win over the threshold.
const (
	None           Reason = iota // announced
	BelowThreshold               // no virtual of the prefix qualifies
	WithdrawFile                 // bgpwithdrawfile exists
	Stopping                     // the director is stopping
	FirstChecks                  // a virtual of the prefix awaits its reals' first checks
)

var reasonNames = []string{"", "threshold", "withdraw file", "stopping", "first checks"}

func (r Reason) String() string { return reasonNames[r] }

// MarshalText writes the reason as status shows it.
func (r Reason) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// Virtual is one virtual service's part in the decision.
type Virtual struct {
	// ID names the virtual in the result (the director's id for it).
	ID string
	// Announce is the virtual's announcement, nil if it has none.
	Announce *ldconf.Announce
	// Serving counts its real servers that are up and not quiesced;
	// Reals counts its configured real servers, up or down, that the
	// kernel takes (what a percentage threshold is a percentage of: not
	// the table's, from which quiescent=no deletes the failed ones).
	Serving, Reals int
	// FallbackServing is true while its fallback server is in the table.
	FallbackServing bool
	// Checking: some of its real servers have not had their first check
	// since the director started (or the virtual was added). It does not
	// qualify yet: a director announcing before its table is whole
	// would send flows that other directors hash to a real it does not
	// hold yet to another real, and reset them.
	Checking bool
}

// FromConfig is v's part in the decision, given the director's view of
// its health: serving real servers (up, weight above 0) and whether its
// fallback server is in the table.
func FromConfig(id string, v *ldconf.Virtual, serving int, fallbackServing bool) Virtual {
	n := 0
	for _, r := range v.Reals {
		if r.Rejected == "" {
			n++
		}
	}
	return Virtual{ID: id, Announce: v.Announce, Serving: serving, Reals: n, FallbackServing: fallbackServing}
}

// Input is everything the decision depends on.
type Input struct {
	// BGP gives the attributes every prefix shares (communities, next
	// hop); nil means BGP is off and nothing is announced.
	BGP      *ldconf.BGP
	Virtuals []Virtual
	// WithdrawFileExists: bgpwithdrawfile is there.
	WithdrawFileExists bool
	// Stopping: the director is stopping (withdraw, then the delay).
	Stopping bool
}

// Prefix is the decision for one prefix.
type Prefix struct {
	Prefix    netip.Prefix
	Announced bool
	Reason    Reason // None when announced
	// Attrs are what is, or would be, announced. The MED is the lowest
	// of the qualifying virtuals' (a router prefers the lowest, and each
	// of them wants the traffic); with none qualifying, the lowest of all.
	Attrs bgpwire.Attrs
	// Virtuals are the virtuals sharing the prefix, Qualifying those that
	// meet their threshold (or whose fallback serves), in input order.
	Virtuals   []string
	Qualifying []string
}

// Decision is the outcome, one entry per prefix, in prefix order.
type Decision struct {
	Prefixes []Prefix
}

// Routes is what to hand to the speaker: the announced prefixes.
func (d Decision) Routes() map[netip.Prefix]bgpwire.Attrs {
	out := map[netip.Prefix]bgpwire.Attrs{}
	for _, p := range d.Prefixes {
		if p.Announced {
			out[p.Prefix] = p.Attrs
		}
	}
	return out
}

// Decide computes the decision. Several virtuals on one prefix share one
// announcement, made while any of them qualifies.
func Decide(in Input) Decision {
	if in.BGP == nil {
		return Decision{}
	}
	byPrefix := map[netip.Prefix]*Prefix{}
	var order []netip.Prefix
	medAll := map[netip.Prefix]uint32{}
	checking := map[netip.Prefix]bool{}
	for _, v := range in.Virtuals {
		a := v.Announce
		if a == nil {
			continue
		}
		p := byPrefix[a.Prefix]
		if p == nil {
			p = &Prefix{Prefix: a.Prefix, Attrs: attrs(in.BGP, a.Prefix)}
			byPrefix[a.Prefix] = p
			order = append(order, a.Prefix)
			medAll[a.Prefix] = a.MED
		}
		p.Virtuals = append(p.Virtuals, v.ID)
		medAll[a.Prefix] = min(medAll[a.Prefix], a.MED)
		if v.Checking {
			checking[a.Prefix] = true
		}
		if !qualifies(v) {
			continue
		}
		if len(p.Qualifying) == 0 || a.MED < p.Attrs.MED {
			p.Attrs.MED = a.MED
		}
		p.Qualifying = append(p.Qualifying, v.ID)
	}
	d := Decision{}
	for _, pfx := range order {
		p := byPrefix[pfx]
		switch {
		case in.Stopping:
			p.Reason = Stopping
		case in.WithdrawFileExists:
			p.Reason = WithdrawFile
		case len(p.Qualifying) == 0 && checking[pfx]:
			p.Reason = FirstChecks
		case len(p.Qualifying) == 0:
			p.Reason = BelowThreshold
		}
		p.Announced = p.Reason == None
		if len(p.Qualifying) == 0 {
			p.Attrs.MED = medAll[pfx]
		}
		d.Prefixes = append(d.Prefixes, *p)
	}
	slices.SortFunc(d.Prefixes, func(x, y Prefix) int {
		if c := x.Prefix.Addr().Compare(y.Prefix.Addr()); c != 0 {
			return c
		}
		return x.Prefix.Bits() - y.Prefix.Bits()
	})
	return d
}

// qualifies: at least the threshold's real servers serve, or the
// fallback does.
func qualifies(v Virtual) bool {
	if v.Checking {
		return false
	}
	return v.FallbackServing || v.Serving >= Needed(v.Announce.Threshold, v.Reals)
}

// Needed is how many serving real servers a threshold asks for out of
// reals: N, or N% of them rounded up; never less than one.
func Needed(t ldconf.Threshold, reals int) int {
	n := t.N
	if t.Percent {
		n = (t.N*reals + 99) / 100
	}
	return max(n, 1)
}

// attrs are the attributes the prefix takes from the global directives;
// a next hop of the other family leaves it "self".
func attrs(b *ldconf.BGP, p netip.Prefix) bgpwire.Attrs {
	a := bgpwire.Attrs{}
	for _, c := range b.Communities {
		a.Communities = append(a.Communities, bgpwire.Community{AS: c.AS, Value: c.Value})
	}
	if b.NextHop.IsValid() && b.NextHop.Is4() == p.Addr().Is4() {
		a.NextHop = b.NextHop
	}
	return a
}
