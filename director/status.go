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
	s := Snapshot{Config: d.o.ConfigName, PID: pid, BGP: d.bgp.pub.snapshot()}
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
			v.Reals = append(v.Reals, r)
		}
		s.Virtuals = append(s.Virtuals, v)
	}
	return s
}
