package director

import (
	"errors"
	"fmt"
	"syscall"
	"time"

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
	shell   func(vs *vstate, cmd string)
	metrics *Metrics // nil without --metrics-listen
	now     func() time.Time
	// gone are virtuals of earlier configurations whose deletion the
	// kernel refused (reconcile.go).
	gone map[ipvsctl.ServiceKey]*goneVirtual
}

// transition is what a prober reports: its real id changed state.
type transition struct {
	gen    uint64 // the plan generation the prober belongs to
	id     string
	up     bool
	forced bool // maintenance: act even if already down
	// first: the prober's first verdict changed nothing (its real stays
	// as it was); it only tells that the real has been checked.
	first bool
}

// tableRead is the managed part of the kernel's table as one read found
// it: every service, and the real servers of each managed one.
type tableRead struct {
	svcs  map[ipvsctl.ServiceKey]ipvsctl.Service
	dests map[ipvsctl.ServiceKey][]ipvsctl.Destination
}

// syncReadAttempts bounds the reads a start or reload makes before it
// gives up (retryDelay apart: under 2 s in all).
const syncReadAttempts = 4

// readTable reads what p manages, retrying a failed read a few times: a
// start or reload must see the table to adopt it, or it would take healthy
// reals for new ones (or dead ones).
func (e *engine) readTable(p *plan) (*tableRead, error) {
	var err error
	for attempt := range syncReadAttempts {
		if attempt > 0 {
			time.Sleep(retryDelay(attempt - 1))
		}
		var t *tableRead
		if t, err = e.readTableOnce(p); err == nil {
			return t, nil
		}
		e.metrics.readFailed()
	}
	return nil, err
}

func (e *engine) readTableOnce(p *plan) (*tableRead, error) {
	svcs, err := e.c.Services()
	if err != nil {
		return nil, fmt.Errorf("read the IPVS table: %w", err)
	}
	t := &tableRead{svcs: make(map[ipvsctl.ServiceKey]ipvsctl.Service, len(svcs)),
		dests: make(map[ipvsctl.ServiceKey][]ipvsctl.Destination, len(p.virtuals))}
	for _, s := range svcs {
		t.svcs[s.Key()] = s
	}
	for _, vs := range p.virtuals {
		k := vs.svc.Key()
		if _, ok := t.svcs[k]; !ok {
			continue
		}
		d, present, err := e.readDests(vs)
		if err != nil {
			return nil, fmt.Errorf("read the real servers of %s: %w", vs.v.Name(), err)
		}
		if !present {
			delete(t.svcs, k)
			continue
		}
		t.dests[k] = d
	}
	return t, nil
}

// sync is ldirectord's ld_start for plan p on the table as read (tab),
// old being the plan it replaces on reload (nil at start). It adopts what
// the kernel has: an existing virtual is edited, a configured real
// present with a weight keeps being up, anything else the config does not
// list under a managed virtual is purged, and virtuals of the old plan
// that the new one drops are deleted. Virtuals it never managed are never
// touched.
//
// Unlike ldirectord it does not add failing reals only to remove them
// again (its "force up, then force down"): each real goes straight to its
// final state, so dead servers never get traffic during a start.
func (e *engine) sync(p *plan, old *plan, tab *tableRead) {
	e.plan = p
	for k := range e.gone {
		if _, managed := tab.svcs[k]; managed {
			delete(e.gone, k) // the new plan's adoption decides
		}
	}
	present := make([]bool, len(p.virtuals))
	for i, vs := range p.virtuals {
		have, ok := tab.svcs[vs.svc.Key()]
		switch {
		case !ok:
			present[i] = e.addService(vs)
		case !sameService(&have, &vs.svc):
			present[i] = true
			e.editService(vs)
		default:
			present[i] = true
			e.log.Printf("Changed virtual server: %s", vs.v.Name())
		}
	}
	for i, vs := range p.virtuals {
		e.adopt(vs, tab.dests[vs.svc.Key()], present[i])
	}
	if old != nil {
		keep := map[ipvsctl.ServiceKey]bool{}
		for _, vs := range p.virtuals {
			keep[vs.svc.Key()] = true
		}
		for _, vs := range old.virtuals {
			if _, ok := tab.svcs[vs.svc.Key()]; !ok || keep[vs.svc.Key()] {
				continue
			}
			e.deleteGone(vs.svc, vs.v.Name())
		}
	}
	e.publish()
}

// adopt decides the initial state of one virtual's reals from the kernel
// (dests, its real servers as read; present: the virtual is there) and
// applies it.
func (e *engine) adopt(vs *vstate, dests []ipvsctl.Destination, present bool) {
	cur := map[ipvsctl.DestinationKey]ipvsctl.Destination{}
	for _, d := range dests {
		cur[d.Key()] = d
	}
	var items []item
	stale := map[ipvsctl.DestinationKey]bool{}
	for _, d := range dests {
		stale[d.Key()] = true
	}
	if vs.fallback != nil {
		delete(stale, vs.fallback.Key())
	}
	for _, rs := range vs.reals {
		d, ok := cur[rs.dest.Key()]
		rs.up = ok && d.Weight > 0
		delete(stale, rs.dest.Key())
	}
	// Purges first, as ldirectord's ld_start.
	for _, d := range dests {
		if stale[d.Key()] {
			items = append(items, item{dest: d, written: d.Port, want: wantAbsent, tag: "real", purge: "start"})
		}
	}
	for _, rs := range vs.reals {
		items = append(items, e.realItem(rs, true))
	}
	items = append(items, e.fallbackItems(vs)...)
	if !present {
		// Its -A was refused: everything waits for the retry that adds it.
		e.oweAll(vs, items)
		vs.retry.failed(e.now())
	} else {
		e.onRead(vs, items, dests, true, nil)
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
// one pass. A real reported twice keeps only its last item. A forced
// report is a real in maintenance; any other report ends its maintenance.
func (e *engine) transition(ts ...transition) {
	touched := map[*vstate][]item{}
	at := map[*rstate]int{}
	var order []*vstate
	for _, t := range ts {
		for _, rs := range e.plan.byID[t.id] {
			rs.checked = true
			if t.first {
				continue
			}
			rs.maint = t.forced
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
		e.apply(vs, items)
		e.fallbackCommand(vs)
	}
}

// sweep is the pass when no real changes state: one listing of the
// services, then a pass on every managed virtual (its owed writes, its
// reals in maintenance, its drift).
func (e *engine) sweep() {
	if e.plan == nil {
		return
	}
	svcs, err := e.c.Services()
	if err != nil {
		e.metrics.readFailed()
		e.log.Printf("Could not read the IPVS table: %v (will retry)", err)
		return
	}
	kernel := make(map[ipvsctl.ServiceKey]*ipvsctl.Service, len(svcs))
	for i := range svcs {
		kernel[svcs[i].Key()] = &svcs[i]
	}
	for _, vs := range e.plan.virtuals {
		have := kernel[vs.svc.Key()]
		if have == nil {
			e.onRead(vs, nil, nil, false, nil)
			continue
		}
		dests, present, err := e.readDests(vs)
		if err != nil {
			e.readFailed(vs, err)
			continue
		}
		e.onRead(vs, nil, dests, present, have)
	}
	e.retryGone(e.now())
}

// stopAttempts bounds the tries of each cleanstop deletion: the daemon
// is exiting, so a refusal is retried briefly, then left logged.
const stopAttempts = 3

// stop is ld_stop: every virtual whose cleanstop is yes is deleted, its
// up reals logged as purged; cleanstop=no virtuals are left as they are,
// after one last try of what they owe.
func (e *engine) stop() {
	if e.plan == nil {
		return
	}
	for _, vs := range e.plan.virtuals {
		if !vs.v.CleanStop {
			if len(vs.owed) > 0 {
				e.apply(vs, nil)
			}
			continue
		}
		// Deleting the service removes its servers in the same write.
		var err error
		for attempt := range stopAttempts {
			if attempt > 0 {
				time.Sleep(retryDelay(attempt - 1))
			}
			err = e.c.DeleteService(&vs.svc)
			e.metrics.wrote()
			if err == nil || errors.Is(err, syscall.ESRCH) { // gone already: nothing more to do
				err = nil
				break
			}
			e.metrics.writeFailed()
		}
		if err != nil {
			e.log.Printf("ipvsadm -D %s failed: %v", vs.svc.Key(), err)
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
		e.log.Printf("Purged virtual server (stop): %s", vs.v.Name())
	}
}
