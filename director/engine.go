package director

import (
	"errors"
	"syscall"

	"github.com/lvsctl/lvsctl/ipvsctl"
	"github.com/lvsctl/lvsctl/ldconf"
)

// engine is the reconciler's state: the only code that writes to IPVS.
// Its methods run on the reconciler goroutine only, so they take no locks.
type engine struct {
	c    ipvsctl.Client
	log  *Logger
	w    *writer
	plan *plan
	// shell runs a virtual's fallbackcommand lines (queued, in order).
	shell func(vs *vstate, cmd string)
}

// transition is what a prober reports: its real id changed state.
type transition struct {
	gen    uint64 // the plan generation the prober belongs to
	id     string
	up     bool
	forced bool // maintenance: act even if already down
}

// sync is ldirectord's ld_start for plan p, old being the plan it
// replaces on reload (nil at start). It adopts what the kernel has: an
// existing virtual is edited, a configured real present with a weight
// keeps being up, anything else the config does not list under a managed
// virtual is purged, and virtuals of the old plan that the new one drops
// are deleted. Virtuals it never managed are never touched.
//
// Unlike ldirectord it does not add failing reals only to remove them
// again (its "force up, then force down"): each real goes straight to its
// final state, so dead servers never get traffic during a start.
func (e *engine) sync(p *plan, old *plan) {
	e.plan = p
	kernel := map[ipvsctl.ServiceKey]ipvsctl.Service{}
	svcs, err := e.c.Services()
	if err != nil {
		e.log.Printf("Could not read the IPVS table: %v", err)
	}
	for _, s := range svcs {
		kernel[s.Key()] = s
	}
	for _, vs := range p.virtuals {
		if have, ok := kernel[vs.svc.Key()]; ok {
			if !sameService(&have, &vs.svc) {
				e.w.do("ipvsadm -E "+vs.svc.Key().String(), e.c.UpdateService(&vs.svc))
			}
			e.log.Printf("Changed virtual server: %s", vs.v.Name())
		} else {
			e.w.do("ipvsadm -A "+vs.svc.Key().String()+" -s "+vs.svc.Scheduler, e.c.AddService(&vs.svc))
			e.log.Printf("Added virtual server: %s", vs.v.Name())
		}
	}
	for _, vs := range p.virtuals {
		e.adopt(vs)
	}
	if old != nil {
		keep := map[ipvsctl.ServiceKey]bool{}
		for _, vs := range p.virtuals {
			keep[vs.svc.Key()] = true
		}
		for _, vs := range old.virtuals {
			if _, ok := kernel[vs.svc.Key()]; !ok || keep[vs.svc.Key()] {
				continue
			}
			e.w.do("ipvsadm -D "+vs.svc.Key().String(), e.c.DeleteService(&vs.svc))
			e.log.Printf("Purged virtual server (start): %s", vs.v.Name())
		}
	}
}

// adopt decides the initial state of one virtual's reals from the kernel
// and applies it.
func (e *engine) adopt(vs *vstate) {
	dests, err := e.c.Destinations(&vs.svc)
	readOK := err == nil || errors.Is(err, syscall.ESRCH)
	if !readOK {
		e.log.Printf("Could not read the real servers of %s: %v", vs.v.Name(), err)
	}
	cur := map[ipvsctl.DestinationKey]ipvsctl.Destination{}
	for _, d := range dests {
		cur[d.Key()] = d
	}
	if vs.fallback != nil {
		delete(cur, vs.fallback.Key())
	}
	var items []item
	for _, rs := range vs.reals {
		d, ok := cur[rs.dest.Key()]
		rs.up = ok && d.Weight > 0
		delete(cur, rs.dest.Key())
		items = append(items, e.realItem(rs, true))
	}
	kept := dests[:0:0]
	for _, d := range dests {
		if _, stale := cur[d.Key()]; !stale {
			kept = append(kept, d)
			continue
		}
		e.w.do(ipvsDel(&vs.svc, &d), e.c.DeleteDestination(&vs.svc, &d))
		msg := "Purged real server (start): " + addrPort(d.Address, d.Port) + " (" + vs.v.Name() + ")"
		e.log.Log(msg)
		e.w.alert(vs, addrPort(d.Address, d.Port), msg, false)
	}
	items = append(items, e.fallbackItems(vs)...)
	if !readOK {
		e.w.apply(vs, items) // reads again, writes nothing if it fails again
	} else if len(items) > 0 {
		e.w.applyTo(vs, items, kept)
	}
	e.fallbackCommand(vs)
}

// realItem is the wanted state of a real from its up/down state. start
// is the start-up sync, where ldirectord's force-up-then-down leaves a
// quiescent real at weight 0 even when it was absent.
func (e *engine) realItem(rs *rstate, start bool) item {
	it := item{dest: rs.dest, written: rs.r.Port, tag: "real", want: wantUp}
	if rs.up {
		return it
	}
	switch {
	case !rs.vs.v.Quiescent:
		it.want = wantAbsent
	case start || e.plan.cfg.Global.ReaddQuiescent:
		it.want = wantQuiesceReadd
	default:
		it.want = wantQuiesce
	}
	return it
}

// fallbackItems: the fallback server is in the table exactly when no real
// of the virtual is up, and is deleted (never quiesced) otherwise.
func (e *engine) fallbackItems(vs *vstate) []item {
	if vs.fallback == nil {
		return nil
	}
	it := item{dest: *vs.fallback, written: vs.fbWritten, tag: "fallback", want: wantAbsent}
	if !vs.anyUp() {
		it.want = wantUp
	}
	return []item{it}
}

// fallbackCommand runs fallbackcommand start when no real is up and stop
// when one is, each time that changes (do_fallback_command).
func (e *engine) fallbackCommand(vs *vstate) {
	status := "stop"
	if !vs.anyUp() {
		status = "start"
	}
	if vs.fbCommand == status {
		return
	}
	vs.fbCommand = status
	if cmd := vs.v.FallbackCommand; cmd != "" && e.shell != nil {
		e.shell(vs, cmd+" "+status+" "+fallbackVIP(vs)+" "+vs.v.Protocol.String())
	}
}

// fallbackVIP is ldirectord's "$v->{server}:$v->{port}": the resolved
// address and port, or ":0" for a firewall mark (it has no server).
func fallbackVIP(vs *vstate) string {
	if vs.v.Protocol == ldconf.FWM {
		return ":0"
	}
	return addrPort(vs.v.Address, vs.v.Port)
}

// transition applies probers' reports, in order, to every real with
// their ids; each service touched is then brought to its wanted state in
// one pass. A real reported twice keeps only its last item.
func (e *engine) transition(ts ...transition) {
	touched := map[*vstate][]item{}
	at := map[*rstate]int{}
	var order []*vstate
	for _, t := range ts {
		for _, rs := range e.plan.byID[t.id] {
			if rs.up == t.up && !t.forced {
				continue
			}
			rs.up = t.up
			if _, ok := touched[rs.vs]; !ok {
				order = append(order, rs.vs)
			}
			if i, ok := at[rs]; ok {
				touched[rs.vs][i] = e.realItem(rs, false)
				continue
			}
			at[rs] = len(touched[rs.vs])
			touched[rs.vs] = append(touched[rs.vs], e.realItem(rs, false))
		}
	}
	for _, vs := range order {
		items := append(touched[vs], e.fallbackItems(vs)...)
		e.w.apply(vs, items)
		e.fallbackCommand(vs)
	}
}

// stop is ld_stop: every virtual whose cleanstop is yes is deleted, its
// up reals logged as purged; cleanstop=no virtuals are left as they are.
func (e *engine) stop() {
	if e.plan == nil {
		return
	}
	for _, vs := range e.plan.virtuals {
		if !vs.v.CleanStop {
			continue
		}
		for _, rs := range vs.reals {
			if rs.up {
				msg := "Purged real server (stop): " + addrPort(rs.dest.Address, rs.r.Port) + " (" + vs.v.Name() + ")"
				e.log.Log(msg)
				e.w.alert(vs, addrPort(rs.dest.Address, rs.r.Port), msg, false)
				rs.up = false
			}
		}
		// Deleting the service removes its servers in the same write.
		e.w.do("ipvsadm -D "+vs.svc.Key().String(), e.c.DeleteService(&vs.svc))
		e.log.Printf("Purged virtual server (stop): %s", vs.v.Name())
	}
}
