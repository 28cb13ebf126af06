package director

import (
	"errors"
	"syscall"
	"time"

	"github.com/lvsctl/lvsctl/ipvsctl"
)

// A pass is one read of a virtual's real servers and the writes it leads
// to. Passes come from three places, all on the reconciler goroutine:
//
//   - the probers' transitions (engine.transition): the virtuals whose
//     reals changed state;
//   - retries (engine.retryDue): a virtual whose writes were refused, or
//     whose read failed, at its backoff time;
//   - the sweep (engine.sweep), every checkinterval (the shortest of the
//     virtuals'): every managed virtual, after one listing of the
//     services.
//
// Every pass applies, on the one read it made, its own items, then what
// earlier passes owe, then the forced down of the virtual's reals in
// maintenance (ldirectord forces them on every check), and then compares
// the whole virtual with what the director wants (drift.go): what differs
// is reported, and with resync=yes put back.

// owedItem is a write the kernel has not taken yet: it is the latest
// wanted state of its destination (a newer transition replaces it), and
// err the refusal last logged ("" if it was never tried).
type owedItem struct {
	it  item
	err string
}

// Retry delays: the first retry after retryBase, each further one after
// twice as long, never more than retryMax. A refusal that lasts (a
// scheduler module the kernel cannot load) then costs one read and a few
// writes every retryMax, and a transient one (ENOMEM) is retried before
// the next check.
const (
	retryBase = 250 * time.Millisecond
	retryMax  = 8 * time.Second
)

// backoff schedules a virtual's retries.
type backoff struct {
	attempts int
	due      time.Time // zero: nothing to retry
}

func (b *backoff) failed(now time.Time) {
	b.due = now.Add(retryDelay(b.attempts))
	b.attempts++
}

func (b *backoff) reset() { *b = backoff{} }

func retryDelay(attempts int) time.Duration {
	if attempts >= 6 { // retryBase << 5 = retryMax
		return retryMax
	}
	return min(retryBase<<attempts, retryMax)
}

// readDests reads vs's real servers; present is false when the kernel has
// no such virtual. The kernel lists no real servers for a virtual it does
// not have, without an error, so an empty list is followed by a look at
// the virtual itself (one request, and only then: a virtual with reals
// costs one dump).
func (e *engine) readDests(vs *vstate) (dests []ipvsctl.Destination, present bool, err error) {
	dests, err = e.c.Destinations(&vs.svc)
	switch {
	case errors.Is(err, syscall.ESRCH):
		return nil, false, nil
	case err != nil:
		return nil, false, err
	case len(dests) > 0:
		return dests, true, nil
	}
	_, err = e.c.GetService(vs.svc.Key())
	switch {
	case errors.Is(err, syscall.ESRCH):
		return nil, false, nil
	case err != nil:
		return nil, false, err
	}
	return nil, true, nil
}

// apply is a pass for vs with items: one read, then onRead.
func (e *engine) apply(vs *vstate, items []item) {
	dests, present, err := e.readDests(vs)
	if err != nil {
		e.readFailed(vs, err)
		e.oweAll(vs, items)
		return
	}
	e.onRead(vs, items, dests, present, nil)
}

// readFailed logs a failed read of vs's real servers once per error and
// schedules a retry: the pass's writes are owed, not dropped.
func (e *engine) readFailed(vs *vstate, err error) {
	e.metrics.readFailed()
	if vs.svcErr != err.Error() {
		e.log.Printf("Could not read the real servers of %s: %v (will retry)", vs.v.Name(), err)
		vs.svcErr = err.Error()
	}
	vs.retry.failed(e.now())
	e.publish()
}

// oweAll records items as owed without trying them (their read failed,
// or their virtual is not in the kernel yet); a newer item replaces an
// older one of the same destination.
func (e *engine) oweAll(vs *vstate, items []item) {
	if len(items) == 0 {
		return
	}
	if vs.owed == nil {
		vs.owed = map[ipvsctl.DestinationKey]*owedItem{}
	}
	for _, it := range items {
		k := it.dest.Key()
		if o := vs.owed[k]; o != nil {
			o.it = it
			continue
		}
		vs.owed[k] = &owedItem{it: it}
	}
	e.publish()
}

// onRead is a pass on dests, vs's real servers as just read (present:
// the virtual is in the kernel); have is the kernel's virtual when the
// pass listed the services (the sweep), nil otherwise.
func (e *engine) onRead(vs *vstate, items []item, dests []ipvsctl.Destination, present bool, have *ipvsctl.Service) {
	if !vs.svcOwed {
		vs.svcErr = "" // a read that failed before works again
	}
	readded := false
	switch {
	case !present && !vs.svcOwed && !e.resync():
		// Someone removed the virtual: ldirectord's writes to it fail,
		// and so would ours. Report it; a start or reload adds it again.
		e.virtualGone(vs)
		clear(vs.owed)
		vs.retry.reset()
		e.publish()
		return
	case !present:
		if !vs.svcOwed {
			e.virtualGone(vs)
		}
		if !e.addService(vs) {
			e.oweAll(vs, items)
			vs.retry.failed(e.now())
			e.publish()
			return
		}
		delete(vs.drift, virtualKey)
		dests, readded = nil, true
	case vs.svcOwed:
		e.editService(vs)
	case have != nil && !sameService(have, &vs.svc):
		e.virtualChanged(vs, have)
		if e.resync() && e.editService(vs) {
			delete(vs.drift, virtualKey)
		}
	case have != nil || vs.drift[virtualKey].how == "not in the table":
		delete(vs.drift, virtualKey)
	}
	// The map is the virtual's own, reused by every pass (a sweep reads
	// every virtual each checkinterval).
	if vs.cur == nil {
		vs.cur = make(map[ipvsctl.DestinationKey]ipvsctl.Destination, len(dests))
	}
	cur := vs.cur
	clear(cur)
	for _, d := range dests {
		cur[d.Key()] = d
	}
	retrying := readded || e.retryIsDue(vs)
	all := e.passItems(vs, items, retrying)
	all = append(all, e.drift(vs, cur, all, readded)...)
	refusals := vs.refusals
	e.w.applyTo(vs, all, cur)
	e.settleDrift(vs, cur)
	switch {
	case len(vs.owed) == 0 && !vs.svcOwed:
		vs.retry.reset()
	case retrying || vs.refusals != refusals || vs.retry.due.IsZero():
		vs.retry.failed(e.now())
	}
	e.publish()
}

// retryIsDue says whether vs's owed writes are to be tried now: each pass
// tries them only once their backoff has run out, so that a refusal that
// lasts costs one try per delay however many passes come.
func (e *engine) retryIsDue(vs *vstate) bool {
	return !vs.retry.due.IsZero() && !e.now().Before(vs.retry.due)
}

// passItems is what a pass writes before any drift repair: its own
// items (a destination's last one counts), then what earlier passes owe
// and the forced down of the reals in maintenance, in configuration
// order, for the destinations the items leave out.
func (e *engine) passItems(vs *vstate, items []item, retrying bool) []item {
	if len(items) == 0 && (len(vs.owed) == 0 || !retrying) && !vs.anyMaint() {
		return nil
	}
	at := make(map[ipvsctl.DestinationKey]int, len(items)+len(vs.owed))
	out := make([]item, 0, len(items)+len(vs.owed))
	add := func(it item) {
		k := it.dest.Key()
		if i, ok := at[k]; ok {
			out[i] = it
			return
		}
		at[k] = len(out)
		out = append(out, it)
	}
	for _, it := range items {
		add(it)
	}
	extra := func(k ipvsctl.DestinationKey, it item) {
		if _, ok := at[k]; !ok {
			add(it)
		}
	}
	for _, rs := range vs.reals {
		k := rs.dest.Key()
		if o := vs.owed[k]; o != nil {
			if retrying {
				extra(k, o.it)
			}
		} else if rs.maint {
			extra(k, e.realItem(rs, false))
		}
	}
	if !retrying {
		return out
	}
	// Owed writes of other destinations (the fallback, purges), in a
	// stable order.
	var rest []ipvsctl.DestinationKey
	for k := range vs.owed {
		if _, ok := at[k]; !ok {
			rest = append(rest, k)
		}
	}
	sortKeys(rest)
	for _, k := range rest {
		add(vs.owed[k].it)
	}
	return out
}

// addService adds vs to the kernel; false if the kernel refused (then it
// is owed and retried).
func (e *engine) addService(vs *vstate) bool {
	if e.w.serviceWrite(vs, "ipvsadm -A "+vs.svc.Key().String()+" -s "+vs.svc.Scheduler, e.c.AddService(&vs.svc)) != nil {
		vs.svcOwed = true
		return false
	}
	vs.svcOwed = false
	e.log.Printf("Added virtual server: %s", vs.v.Name())
	return true
}

// editService sets vs's settings in the kernel (-E); false if refused.
func (e *engine) editService(vs *vstate) bool {
	if e.w.serviceWrite(vs, "ipvsadm -E "+vs.svc.Key().String()+" -s "+vs.svc.Scheduler, e.c.UpdateService(&vs.svc)) != nil {
		vs.svcOwed = true
		return false
	}
	vs.svcOwed = false
	e.log.Printf("Changed virtual server: %s", vs.v.Name())
	return true
}

// retryDue runs the passes whose retry time has come: one read of each
// such virtual, then what it owes.
func (e *engine) retryDue() {
	now := e.now()
	if e.plan != nil {
		for _, vs := range e.plan.virtuals {
			if vs.retry.due.IsZero() || now.Before(vs.retry.due) {
				continue
			}
			e.apply(vs, nil)
		}
	}
	e.retryGone(now)
}

// nextRetry is when the next retry is due (zero: none).
func (e *engine) nextRetry() time.Time {
	var next time.Time
	earlier := func(t time.Time) {
		if !t.IsZero() && (next.IsZero() || t.Before(next)) {
			next = t
		}
	}
	if e.plan != nil {
		for _, vs := range e.plan.virtuals {
			earlier(vs.retry.due)
		}
	}
	for _, g := range e.gone {
		earlier(g.retry.due)
	}
	return next
}

// goneVirtual is a virtual of an earlier configuration whose deletion the
// kernel refused: it is retried like any owed write.
type goneVirtual struct {
	svc   ipvsctl.Service
	name  string
	err   string
	retry backoff
}

// deleteGone deletes a virtual the configuration dropped, or owes it.
func (e *engine) deleteGone(svc ipvsctl.Service, name string) {
	cmd := "ipvsadm -D " + svc.Key().String()
	err := e.c.DeleteService(&svc)
	e.metrics.wrote()
	if err == nil || errors.Is(err, syscall.ESRCH) {
		delete(e.gone, svc.Key())
		if err == nil {
			e.log.Printf("Purged virtual server (start): %s", name)
		}
		return
	}
	e.metrics.writeFailed()
	g := e.gone[svc.Key()]
	if g == nil {
		g = &goneVirtual{svc: svc, name: name}
		e.gone[svc.Key()] = g
	}
	if g.err != err.Error() {
		e.log.Printf("%s failed: %v (will retry)", cmd, err)
		g.err = err.Error()
	}
	g.retry.failed(e.now())
}

func (e *engine) retryGone(now time.Time) {
	for _, g := range e.gone {
		if !now.Before(g.retry.due) {
			e.metrics.retried()
			e.deleteGone(g.svc, g.name)
		}
	}
}

// publish updates the reconciler's gauges: drift and owed writes.
func (e *engine) publish() {
	if e.metrics == nil || e.plan == nil {
		return
	}
	drift, owed := 0, len(e.gone)
	for _, vs := range e.plan.virtuals {
		drift += len(vs.drift)
		owed += len(vs.owed)
		if vs.svcOwed {
			owed++
		}
	}
	e.metrics.setReconcile(drift, owed)
}
