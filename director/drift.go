package director

import (
	"fmt"
	"slices"
	"strings"

	"github.com/lvsctl/lvsctl/ipvsctl"
)

// Drift is a difference between the managed part of the kernel's table
// and what the director wants there that the director did not make: a
// real deleted or added by hand, a weight or method changed, a virtual
// edited, deleted or flushed. What the director wants is the table a
// start would make now (the start-up sync's): up reals at their weight,
// down reals at weight 0 (quiescent) or absent, the fallback exactly when
// no real is up, nothing else. Writes the director owes (refused, being
// retried) are not drift.
//
// Every pass reports the drift it finds on the table it read, one log
// line per entry when it appears (or changes), and keeps it for status
// and the lvs_drift_entries gauge. With resync=yes the pass also puts it
// back; otherwise it stays, as ldirectord leaves a change made by hand
// (only a real in maintenance is forced down again, by every pass).

// driftEntry is one destination (or the virtual itself) that differs.
type driftEntry struct {
	tag    string // "real", "fallback" or "virtual"
	server string // the destination as the kernel has it; "" for the virtual
	how    string // "-g -w 5 in the table, want -g -w 2"
}

// text is the entry as the log says it, after "Drift: ".
func (d driftEntry) text(vs *vstate) string {
	if d.tag == "virtual" {
		return "virtual server " + vs.v.Name() + ": " + d.how
	}
	return fmt.Sprintf("%s server %s (%s): %s", d.tag, d.server, vs.v.Name(), d.how)
}

// virtualKey is the drift key of the virtual itself.
var virtualKey ipvsctl.DestinationKey

func (e *engine) resync() bool { return e.plan != nil && e.plan.cfg.Global.Resync }

// eachWanted calls f with the state the director wants of every
// destination of vs it knows of: the configured reals, the fallback, and
// the others in cur (none should be there), in that order. It allocates
// nothing unless cur holds such others: a sweep runs it on every virtual.
func (e *engine) eachWanted(vs *vstate, cur map[ipvsctl.DestinationKey]ipvsctl.Destination, f func(item)) {
	known := 0
	for _, rs := range vs.reals {
		if _, ok := cur[rs.dest.Key()]; ok {
			known++
		}
		f(e.realItem(rs, true))
	}
	if vs.fallback != nil {
		if _, ok := cur[vs.fallback.Key()]; ok {
			known++
		}
		f(e.fallbackItems(vs)[0])
	}
	if len(cur) == known {
		return
	}
	var extra []ipvsctl.DestinationKey
	for k := range cur {
		if !vs.knows(k) {
			extra = append(extra, k)
		}
	}
	sortKeys(extra)
	for _, k := range extra {
		d := cur[k]
		f(item{dest: d, written: d.Port, want: wantAbsent, tag: "real", purge: "resync"})
	}
}

// knows says whether k is one of vs's reals or its fallback.
func (vs *vstate) knows(k ipvsctl.DestinationKey) bool {
	if vs.fallback != nil && vs.fallback.Key() == k {
		return true
	}
	for _, rs := range vs.reals {
		if rs.dest.Key() == k {
			return true
		}
	}
	return false
}

// differs says how the kernel's entry (have, present) differs from it;
// "" if it does not.
func differs(it item, have ipvsctl.Destination, present bool) string {
	want := it.dest
	switch it.want {
	case wantUp:
		if present && sameDest(&have, &want) {
			return ""
		}
	case wantQuiesce, wantQuiesceReadd:
		want.Weight, want.UpperThreshold, want.LowerThreshold = 0, 0, 0
		if present && quiesced(&have, &want) {
			return ""
		}
	case wantAbsent:
		if !present {
			return ""
		}
		if it.purge != "" {
			return destText(&have) + " in the table, not in the configuration"
		}
		return destText(&have) + " in the table, want it deleted"
	}
	if !present {
		return "not in the table, want " + destText(&want)
	}
	return destText(&have) + " in the table, want " + destText(&want)
}

// destText is a destination as ipvsadm's options: "-g -w 2 -x 10 -y 5".
func destText(d *ipvsctl.Destination) string {
	s := fmt.Sprintf("%s -w %d", fwdFlag(d), d.Weight)
	if d.UpperThreshold != 0 || d.LowerThreshold != 0 {
		s += fmt.Sprintf(" -x %d -y %d", d.UpperThreshold, d.LowerThreshold)
	}
	return s
}

// svcText is a virtual's settings as ipvsadm's options.
func svcText(s *ipvsctl.Service) string {
	var b strings.Builder
	b.WriteString("-s " + s.Scheduler)
	if s.Flags&ipvsctl.SvcFlagPersistent != 0 {
		fmt.Fprintf(&b, " -p %d", s.Timeout)
		if s.Netmask != 0xffffffff && s.Netmask != 128 {
			fmt.Fprintf(&b, " -M %#x", s.Netmask)
		}
	}
	if s.Flags&ipvsctl.SvcFlagOnePacket != 0 {
		b.WriteString(" -o")
	}
	if f := s.SchedFlagNames(); f != nil {
		b.WriteString(" -b " + strings.Join(f, ","))
	}
	if s.PEName != "" {
		b.WriteString(" --pe " + s.PEName)
	}
	return b.String()
}

func destDrift(it item, how string) driftEntry {
	return driftEntry{tag: it.tag, server: addrPort(it.dest.Address, it.dest.Port), how: how}
}

// report records a drift entry and logs it if it is new or changed.
func (e *engine) report(vs *vstate, k ipvsctl.DestinationKey, d driftEntry, quiet bool) {
	if old, ok := vs.drift[k]; ok && old == d {
		return
	}
	if vs.drift == nil {
		vs.drift = map[ipvsctl.DestinationKey]driftEntry{}
	}
	vs.drift[k] = d
	if !quiet {
		e.log.Printf("Drift: %s", d.text(vs))
	}
}

// drift reports the destinations of vs, other than those the pass
// writes (planned), whose kernel state differs from what the director
// wants, and returns the items that put them back (resync=yes, or quiet:
// the virtual was just added again, every entry of it goes back without
// a line of its own).
func (e *engine) drift(vs *vstate, cur map[ipvsctl.DestinationKey]ipvsctl.Destination, planned []item, readded bool) []item {
	var skip map[ipvsctl.DestinationKey]bool
	if len(planned) > 0 {
		skip = make(map[ipvsctl.DestinationKey]bool, len(planned))
		for _, it := range planned {
			skip[it.dest.Key()] = true
		}
	}
	var repair []item
	e.eachWanted(vs, cur, func(it item) {
		k := it.dest.Key()
		if skip[k] || vs.owed[k] != nil {
			return // written by this pass, or waiting for its retry
		}
		have, present := cur[k]
		how := differs(it, have, present)
		if how == "" {
			return
		}
		e.report(vs, k, destDrift(it, how), readded)
		if e.resync() || readded {
			repair = append(repair, it)
		}
	})
	if len(repair) > 0 {
		e.metrics.repaired(len(repair))
	}
	return repair
}

// settleDrift keeps, after the pass's writes, the drift that is still
// there (not owed: a refused repair is retried, not drift) and reports
// what the pass's own writes left differing from what the director wants
// (a quiesced real someone deleted stays absent without readdquiescent).
func (e *engine) settleDrift(vs *vstate, cur map[ipvsctl.DestinationKey]ipvsctl.Destination) {
	var still []ipvsctl.DestinationKey
	e.eachWanted(vs, cur, func(it item) {
		k := it.dest.Key()
		if vs.owed[k] != nil {
			return
		}
		have, present := cur[k]
		if how := differs(it, have, present); how != "" {
			e.report(vs, k, destDrift(it, how), false)
			still = append(still, k)
		}
	})
	stale := len(vs.drift) - len(still)
	if _, ok := vs.drift[virtualKey]; ok {
		stale--
	}
	if stale == 0 {
		return // every entry is still there
	}
	keep := make(map[ipvsctl.DestinationKey]bool, len(still))
	for _, k := range still {
		keep[k] = true
	}
	for k := range vs.drift {
		if k != virtualKey && !keep[k] {
			delete(vs.drift, k)
		}
	}
}

// virtualGone reports that vs is not in the kernel (someone deleted it,
// or flushed the table): one entry for the virtual, none for its reals.
func (e *engine) virtualGone(vs *vstate) {
	for k := range vs.drift {
		if k != virtualKey {
			delete(vs.drift, k)
		}
	}
	e.report(vs, virtualKey, driftEntry{tag: "virtual", how: "not in the table"}, false)
}

// virtualChanged reports that the kernel's vs has other settings (have).
func (e *engine) virtualChanged(vs *vstate, have *ipvsctl.Service) {
	e.report(vs, virtualKey, driftEntry{tag: "virtual", how: svcText(have) + " in the table, want " + svcText(&vs.svc)}, false)
}

// sortKeys orders destination keys by address, then port.
func sortKeys(ks []ipvsctl.DestinationKey) {
	slices.SortFunc(ks, func(a, b ipvsctl.DestinationKey) int {
		if c := a.Address.Compare(b.Address); c != 0 {
			return c
		}
		return int(a.Port) - int(b.Port)
	})
}
