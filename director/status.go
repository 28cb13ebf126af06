package director

import (
	"context"
	"fmt"

	"github.com/lvsctl/lvsctl/ipvsctl"
)

// Snapshot is the daemon's view of its virtuals and reals, for status
// output.
type Snapshot struct {
	Config   string            `json:"config"`
	PID      int               `json:"pid"`
	Virtuals []VirtualSnapshot `json:"virtuals"`
	// Checks is how the director keeps up with its checks.
	Checks CheckPace `json:"checks"`
	// BGP is nil while BGP is off.
	BGP *BGPSnapshot `json:"bgp,omitempty"`
}

// VirtualSnapshot is one managed virtual.
type VirtualSnapshot struct {
	Name      string         `json:"name"`
	Protocol  string         `json:"protocol"`
	Scheduler string         `json:"scheduler"`
	Reals     []RealSnapshot `json:"reals"`
	Fallback  string         `json:"fallback,omitempty"`
	// FallbackActive says the fallback server is in the table.
	FallbackActive bool `json:"fallback_active,omitempty"`
	// Service is the virtual as the kernel holds it; FallbackDest the
	// fallback server's kernel form (nil if none). `lvsctl status
	// --json` publishes them in docs/json.md's shapes.
	Service      ipvsctl.JSONServiceConfig      `json:"service"`
	FallbackDest *ipvsctl.JSONDestinationConfig `json:"fallback_dest,omitempty"`
	// Drift is every difference the director's last passes found
	// between its part of the table and what it wants (drift.go): the
	// virtual's own, its reals', its fallback's and unconfigured real
	// servers'.
	Drift []DriftSnapshot `json:"drift,omitempty"`
}

// DriftSnapshot is one entry of a virtual's drift.
type DriftSnapshot struct {
	// Tag is "virtual" (the virtual itself), "real" or "fallback".
	Tag string `json:"tag"`
	// Server is the destination as the kernel has it ("" for the
	// virtual).
	Server string `json:"server,omitempty"`
	// Configured: Server is one of the virtual's configured reals.
	Configured bool `json:"configured,omitempty"`
	// How says what the table holds and what the director wants.
	How string `json:"how"`
	// Text is the entry as the log's "Drift:" line says it.
	Text string `json:"text"`
}

// RealSnapshot is one real of a virtual: its configuration, what the
// kernel holds, and its last check.
type RealSnapshot struct {
	Server  string `json:"server"`
	Forward string `json:"forward"`
	Weight  int64  `json:"weight"`
	// KernelWeight is the weight in the table, nil if absent.
	KernelWeight *int32 `json:"kernel_weight"`
	Up           bool   `json:"up"`
	// Destination is the real's kernel form with its configured weight.
	Destination ipvsctl.JSONDestinationConfig `json:"destination"`
	// Drift says how the real's entry in the table differs from what the
	// director wants ("" if it does not).
	Drift string `json:"drift,omitempty"`
	RealStatus
}

// StatusFunc asks the running daemon for a snapshot.
type StatusFunc func(ctx context.Context) (Snapshot, error)

// snapshot asks the reconciler goroutine, which owns the plan, to build
// a snapshot; reading the kernel there keeps one reader of the state.
func (d *daemon) snapshot(ctx context.Context) (Snapshot, error) {
	reply := make(chan Snapshot, 1)
	select {
	case d.snapReq <- reply:
	case <-ctx.Done():
		return Snapshot{}, fmt.Errorf("status: %w", ctx.Err())
	}
	select {
	case s := <-reply:
		return s, nil
	case <-ctx.Done():
		return Snapshot{}, fmt.Errorf("status: %w", ctx.Err())
	}
}

// buildSnapshot runs on the reconciler goroutine.
func (d *daemon) buildSnapshot(pid int) Snapshot {
	s := Snapshot{Config: d.o.ConfigName, PID: pid, Checks: d.pace.pace(), BGP: d.bgp.pub.snapshot()}
	if d.eng.plan == nil {
		return s
	}
	for _, vs := range d.eng.plan.virtuals {
		cur := map[ipvsctl.DestinationKey]int32{}
		dests, _ := d.o.Client.Destinations(&vs.svc)
		for _, dd := range dests {
			cur[dd.Key()] = dd.Weight
		}
		v := VirtualSnapshot{Name: vs.v.Name(), Protocol: vs.v.Protocol.String(), Scheduler: vs.svc.Scheduler,
			Service: ipvsctl.ServiceConfigJSON(&vs.svc)}
		if vs.fallback != nil {
			v.Fallback = addrPort(vs.fallback.Address, vs.fallback.Port)
			_, v.FallbackActive = cur[vs.fallback.Key()]
			fb := ipvsctl.DestinationConfigJSON(vs.fallback)
			v.FallbackDest = &fb
		}
		for _, rs := range vs.reals {
			r := RealSnapshot{Server: addrPort(rs.dest.Address, rs.dest.Port), Forward: rs.r.Forward.String(),
				Weight: rs.r.Weight, Up: rs.up, RealStatus: d.board.get(rs.id),
				Destination: ipvsctl.DestinationConfigJSON(&rs.dest)}
			if w, ok := cur[rs.dest.Key()]; ok {
				r.KernelWeight = &w
			}
			r.Drift = vs.drift[rs.dest.Key()].how
			v.Reals = append(v.Reals, r)
		}
		v.Drift = driftList(vs)
		s.Virtuals = append(s.Virtuals, v)
	}
	return s
}

// driftList is vs's drift, the virtual's own first, then its reals' in
// configuration order, then the rest by address.
func driftList(vs *vstate) []DriftSnapshot {
	if len(vs.drift) == 0 {
		return nil
	}
	var out []DriftSnapshot
	seen := map[ipvsctl.DestinationKey]bool{}
	add := func(k ipvsctl.DestinationKey, configured bool) {
		if e, ok := vs.drift[k]; ok && !seen[k] {
			seen[k] = true
			out = append(out, DriftSnapshot{Tag: e.tag, Server: e.server, Configured: configured, How: e.how, Text: e.text(vs)})
		}
	}
	add(virtualKey, false)
	for _, rs := range vs.reals {
		add(rs.dest.Key(), true)
	}
	var rest []ipvsctl.DestinationKey
	for k := range vs.drift {
		if !seen[k] {
			rest = append(rest, k)
		}
	}
	sortKeys(rest)
	for _, k := range rest {
		add(k, false)
	}
	return out
}
