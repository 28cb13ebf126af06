package director

import (
	"net/netip"
	"time"

	"github.com/lvsctl/lvsctl/checks"
	"github.com/lvsctl/lvsctl/ipvsctl"
	"github.com/lvsctl/lvsctl/ldconf"
)

// plan is what one loaded configuration asks of IPVS: the services, the
// kernel form of every real and fallback server, and which reals share a
// check. It is built once per load and then owned by the reconciler.
type plan struct {
	cfg      *ldconf.Config
	virtuals []*vstate
	// byID groups the reals that ldirectord checks once per round and
	// whose state it applies to every virtual (ldirectord's real id).
	byID  map[string][]*rstate
	ids   []string // byID's keys in configuration order
	probe map[string]probeSpec
}

// vstate is one managed virtual service and its run-time state.
type vstate struct {
	v     *ldconf.Virtual
	svc   ipvsctl.Service
	reals []*rstate
	// fallback is the kernel form of the fallback server, nil if none.
	fallback *ipvsctl.Destination
	// fbWritten is the fallback's port as configured (for log lines).
	fbWritten uint16
	// fbCommand is the last fallbackcommand argument run ("start" or
	// "stop"), "" if none yet: it only runs when that changes.
	fbCommand string

	// What the reconciler owes the kernel and what it found changed
	// (reconcile.go, drift.go).
	//
	// owed are the writes not yet in the kernel, by destination: refused,
	// or not tried because the read before them failed. Each is retried,
	// in its latest wanted state, until it holds.
	owed map[ipvsctl.DestinationKey]*owedItem
	// svcOwed: the virtual's own -A or -E was refused and is retried.
	svcOwed bool
	// svcErr is the error last logged for the virtual's own write or for
	// a read of its real servers, so that a failure repeated by each retry
	// is logged once.
	svcErr string
	retry  backoff
	// refusals counts the writes of vs the kernel refused: a pass that
	// adds to it backs off further.
	refusals int
	// drift is what the last pass found changed by someone else, by
	// destination (the zero key: the virtual itself).
	drift map[ipvsctl.DestinationKey]driftEntry
	// cur is the passes' map of the virtual's real servers as read.
	cur map[ipvsctl.DestinationKey]ipvsctl.Destination
}

// rstate is one real server of one virtual.
type rstate struct {
	vs   *vstate
	r    *ldconf.Real
	id   string
	dest ipvsctl.Destination // kernel form, configured weight
	up   bool
	// maint: the real is in maintenance (maintenancedir); every pass
	// forces it down, as ldirectord does on every check.
	maint bool
	// checked: its prober has given a verdict (or found it in
	// maintenance) since this plan began.
	checked bool
}

// probeSpec is what a prober needs for one real id.
type probeSpec struct {
	id           string
	checker      checks.Checker
	target       checks.Target
	interval     time.Duration
	failureCount int
	members      []*rstate
}

// CheckerFunc makes the checker and target of a real of a virtual; the
// CLI maps ldconf's model onto package checks, tests inject fakes.
type CheckerFunc func(v *ldconf.Virtual, r *ldconf.Real) (checks.Checker, checks.Target, error)

// PlanError is a real whose check cannot be built (an unsupported
// service, a receive regexp Go cannot express): the configuration is
// refused like a parse error.
type PlanError struct {
	Line int
	Err  error
}

func (e *PlanError) Error() string { return e.Err.Error() }
func (e *PlanError) Unwrap() error { return e.Err }

// newPlan maps cfg onto IPVS. Services and servers come from
// cfg.Table(), so that what ipvsadm or the kernel would refuse, and the
// kernel's port mapping and collisions, are decided in one place.
func newPlan(cfg *ldconf.Config, newChecker CheckerFunc) (*plan, error) {
	p := &plan{cfg: cfg, byID: map[string][]*rstate{}, probe: map[string]probeSpec{}}
	table := map[ipvsctl.ServiceKey]*ipvsctl.VirtualService{}
	tv := cfg.Table()
	for i := range tv {
		table[tv[i].Service.Key()] = &tv[i]
	}
	taken := map[ipvsctl.ServiceKey]bool{}
	for _, v := range cfg.Virtuals {
		key := serviceKey(v)
		entry, ok := table[key]
		if !ok || taken[key] {
			// Refused by the kernel, or the same kernel service as an
			// earlier virtual (fwmark 7 and 007): Table kept the first.
			continue
		}
		taken[key] = true
		vs := &vstate{v: v, svc: entry.Service}
		if v.Fallback != nil {
			d := kernelDest(v, v.Fallback.Address, v.Fallback.Port, v.Fallback.Forward)
			d.Weight = 1
			vs.fallback, vs.fbWritten = &d, v.Fallback.Port
		}
		dests := map[ipvsctl.DestinationKey]ipvsctl.Destination{}
		for _, d := range entry.Destinations {
			dests[d.Key()] = d
		}
		seen := map[ipvsctl.DestinationKey]bool{}
		for _, r := range v.Reals {
			kd := kernelDest(v, r.Address, r.Port, r.Forward)
			k := kd.Key()
			d, ok := dests[k]
			if !ok || seen[k] || r.Rejected != "" {
				continue
			}
			seen[k] = true
			rs := &rstate{vs: vs, r: r, id: v.RealID(r), dest: d}
			vs.reals = append(vs.reals, rs)
			if _, dup := p.byID[rs.id]; !dup {
				p.ids = append(p.ids, rs.id)
				c, t, err := newChecker(v, r)
				if err != nil {
					return nil, &PlanError{Line: r.Line, Err: err}
				}
				p.probe[rs.id] = probeSpec{id: rs.id, checker: c, target: t,
					interval: v.CheckInterval, failureCount: v.FailureCount}
			}
			p.byID[rs.id] = append(p.byID[rs.id], rs)
		}
		p.virtuals = append(p.virtuals, vs)
	}
	for id, spec := range p.probe {
		spec.members = p.byID[id]
		p.probe[id] = spec
	}
	return p, nil
}

// serviceKey is the kernel identity of a virtual.
func serviceKey(v *ldconf.Virtual) ipvsctl.ServiceKey {
	fam := ipvsctl.AFInet
	if v.Family == ldconf.IPv6 {
		fam = ipvsctl.AFInet6
	}
	if v.Protocol == ldconf.FWM {
		return ipvsctl.ServiceKey{Family: fam, FWMark: uint32(v.FWMark)}
	}
	proto := ipvsctl.ProtoTCP
	if v.Protocol == ldconf.UDP {
		proto = ipvsctl.ProtoUDP
	}
	return ipvsctl.ServiceKey{Family: fam, Protocol: proto, Address: v.Address, Port: v.Port}
}

// kernelDest is a server as the kernel stores it (see ldconf.Table): gate
// and ipip servers of an address virtual take its port.
func kernelDest(v *ldconf.Virtual, a netip.Addr, port uint16, fwd ldconf.Forward) ipvsctl.Destination {
	d := ipvsctl.Destination{Family: ipvsctl.AFInet, Address: a, Port: port}
	if a.Is6() {
		d.Family = ipvsctl.AFInet6
	}
	if v.Protocol != ldconf.FWM && fwd != ldconf.Masq {
		d.Port = v.Port
	}
	switch fwd {
	case ldconf.Gate:
		d.FwdMethod = ipvsctl.FwdRoute
	case ldconf.Masq:
		d.FwdMethod = ipvsctl.FwdMasq
	case ldconf.IPIP:
		d.FwdMethod, d.TunType = ipvsctl.FwdTunnel, ipvsctl.TunIPIP
	}
	return d
}

// anyMaint reports whether a real of the virtual is in maintenance.
func (vs *vstate) anyMaint() bool {
	for _, rs := range vs.reals {
		if rs.maint {
			return true
		}
	}
	return false
}

// anyUp reports whether a real of the virtual is up.
func (vs *vstate) anyUp() bool {
	for _, rs := range vs.reals {
		if rs.up {
			return true
		}
	}
	return false
}

// Validate builds every check of cfg, as a start would, and returns the
// first that cannot be built (a *PlanError naming its line).
func Validate(cfg *ldconf.Config, newChecker CheckerFunc) error {
	_, err := newPlan(cfg, newChecker)
	return err
}
