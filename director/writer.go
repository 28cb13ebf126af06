package director

import (
	"errors"
	"fmt"
	"net/netip"
	"syscall"

	"github.com/lvsctl/lvsctl/ipvsctl"
)

// want is what the reconciler wants of one destination.
type want int

const (
	// wantUp: present with its configured weight, method and thresholds.
	wantUp want = iota
	// wantQuiesce: at weight 0 if present; left absent if absent.
	wantQuiesce
	// wantQuiesceReadd: at weight 0, added at weight 0 if absent
	// (readdquiescent, and the start-up sync).
	wantQuiesceReadd
	// wantAbsent: deleted if present.
	wantAbsent
)

// item is one destination of a service and the state wanted for it.
type item struct {
	dest    ipvsctl.Destination // kernel key, configured weight
	written uint16              // the port as configured, for log lines
	want    want
	tag     string // "real" or "fallback", for log lines
}

// alertFunc receives the table events ldirectord e-mails about; track
// says the event starts an outage (re-alerted every emailalertfreq).
type alertFunc func(vs *vstate, server, msg string, track bool)

// writer applies wanted states to the kernel with the fewest writes: one
// read of the service's destinations, then only the adds, edits and
// deletes that change something. Failed writes are logged and the
// reconciler carries on, as ldirectord does with a failed ipvsadm.
type writer struct {
	c       ipvsctl.Client
	log     *Logger
	alert   alertFunc
	metrics *Metrics // nil without --metrics-listen
	// batch is the client while a service's writes are pipelined; then
	// holds, in call order, what follows each queued write's result.
	batch ipvsctl.Batcher
	then  []func(error)
	next  int // then's first entry still waiting
}

// apply brings the items of one service to their wanted state.
func (w *writer) apply(vs *vstate, items []item) {
	if len(items) == 0 {
		return
	}
	dests, err := w.c.Destinations(&vs.svc)
	if err != nil && !errors.Is(err, syscall.ESRCH) {
		w.log.Printf("Could not read the real servers of %s: %v", vs.v.Name(), err)
		return
	}
	w.applyTo(vs, items, dests)
}

// applyTo is apply on destinations the caller has just read (the
// start-up sync reads each service once, not once more to write).
func (w *writer) applyTo(vs *vstate, items []item, dests []ipvsctl.Destination) {
	cur := make(map[ipvsctl.DestinationKey]ipvsctl.Destination, len(dests))
	for _, d := range dests {
		cur[d.Key()] = d
	}
	w.begin()
	defer w.end()
	for _, it := range items {
		w.applyOne(vs, it, cur)
	}
}

// begin pipelines a service's writes when the client can (a black hole's
// hundreds of edits in a few sendmsg calls, their acknowledgements read in
// bulk, instead of a round trip each) and holds the logfile's lines until
// end writes them at once. The results are handled by whoever drains the
// queue, which is safe because the client is the reconciler goroutine's
// alone (scrapes open their own, the status is built on that goroutine).
func (w *writer) begin() {
	w.log.Hold()
	if b, ok := w.c.(ipvsctl.Batcher); ok {
		w.batch = b
		b.BeginBatch(w.result)
	}
}

// end sends what is queued; every write's result is handled before it
// returns, so a fallback command run after apply sees the table written.
func (w *writer) end() {
	if w.batch != nil {
		w.batch.EndBatch()
		w.batch = nil
		clear(w.then)
		w.then, w.next = w.then[:0], 0
	}
	w.log.Release()
}

// result hands a pipelined write's result to what waits for it.
func (w *writer) result(err error) {
	f := w.then[w.next]
	w.next++
	f(err)
}

// write makes one table write (call), then counts it, logs a failure and
// runs then (the log lines and alerts that follow the write): at once, or
// when a pipelined write's acknowledgement has been read. Either way in
// call order, so the log reads the same.
func (w *writer) write(cmd string, call func() error, then func()) {
	after := func(err error) {
		w.do(cmd, err)
		then()
	}
	if w.batch == nil {
		after(call())
		return
	}
	w.then = append(w.then, after)
	_ = call() // nil while batching (ipvsctl.Batcher): the result comes to result
}

func (w *writer) applyOne(vs *vstate, it item, cur map[ipvsctl.DestinationKey]ipvsctl.Destination) {
	vip := vs.v.Name()
	have, present := cur[it.dest.Key()]
	kernel := addrPort(it.dest.Address, it.dest.Port)
	written := addrPort(it.dest.Address, it.written)
	// Removal messages name the kernel's entry, and the configured one
	// when the kernel mapped the port (ldirectord's "mapped from").
	removed := kernel + " "
	if it.written != it.dest.Port {
		removed += "mapped from " + written + " "
	}
	switch it.want {
	case wantUp:
		if present && sameDest(&have, &it.dest) {
			return
		}
		d := it.dest
		msg := fmt.Sprintf("Added %s server: %s (%s) (Weight set to %d)", it.tag, written, vip, d.Weight)
		call := func() error { return w.c.AddDestination(&vs.svc, &d) }
		if present {
			msg = fmt.Sprintf("Restored %s server: %s (%s) (Weight set to %d)", it.tag, written, vip, d.Weight)
			call = func() error { return w.c.UpdateDestination(&vs.svc, &d) }
		}
		w.write(ipvsAdd(!present, &vs.svc, &d), call, func() {
			w.log.Log(msg)
			w.alert(vs, written, msg, false)
		})
	case wantQuiesce, wantQuiesceReadd:
		// ipvsadm -e/-a ... -w 0 without -x/-y: the thresholds go to 0 too.
		q := it.dest
		q.Weight, q.UpperThreshold, q.LowerThreshold = 0, 0, 0
		switch {
		case present && have.Weight == 0 && have.FwdMethod&ipvsctl.FwdMask == q.FwdMethod&ipvsctl.FwdMask:
			return
		case present:
			msg := fmt.Sprintf("Quiescent %s server: %s(%s) (Weight set to 0)", it.tag, removed, vip)
			w.write(ipvsAdd(false, &vs.svc, &q), func() error { return w.c.UpdateDestination(&vs.svc, &q) }, func() {
				w.log.Log(msg)
				w.alert(vs, kernel, msg, it.tag == "real")
			})
		case it.want == wantQuiesceReadd:
			w.write(ipvsAdd(true, &vs.svc, &q), func() error { return w.c.AddDestination(&vs.svc, &q) }, func() {
				w.log.Log(fmt.Sprintf("Readd Quiescent %s server: %s (%s) (Weight set to 0)", it.tag, written, vip))
				w.alert(vs, written, fmt.Sprintf("Quiescent %s server: %s (%s) (Weight set to 0)", it.tag, written, vip), it.tag == "real")
			})
		}
	case wantAbsent:
		if !present {
			return
		}
		d := it.dest
		msg := fmt.Sprintf("Deleted %s server: %s(%s)", it.tag, removed, vip)
		w.write(ipvsDel(&vs.svc, &d), func() error { return w.c.DeleteDestination(&vs.svc, &d) }, func() {
			w.log.Log(msg)
			w.alert(vs, kernel, msg, it.tag == "real")
		})
	}
}

// do counts every table write and logs a failed one the way ldirectord
// logs a failed ipvsadm run.
func (w *writer) do(cmd string, err error) {
	w.metrics.wrote()
	if err != nil {
		w.log.Printf("%s failed: %v", cmd, err)
		w.metrics.writeFailed()
	}
}

// sameDest is ldirectord's "nothing to restore" test: weight, method and
// thresholds.
func sameDest(a, b *ipvsctl.Destination) bool {
	return a.Weight == b.Weight && a.FwdMethod&ipvsctl.FwdMask == b.FwdMethod&ipvsctl.FwdMask &&
		a.UpperThreshold == b.UpperThreshold && a.LowerThreshold == b.LowerThreshold
}

// sameService compares what ldirectord's -E sets; the netmask only counts
// for persistent services (the kernel keeps whatever it was given).
func sameService(a, b *ipvsctl.Service) bool {
	const mask = ^ipvsctl.SvcFlagHashed
	if a.Scheduler != b.Scheduler || a.Flags&mask != b.Flags&mask || a.PEName != b.PEName {
		return false
	}
	if a.Flags&ipvsctl.SvcFlagPersistent != 0 {
		return a.Timeout == b.Timeout && a.Netmask == b.Netmask
	}
	return true
}

func addrPort(a netip.Addr, port uint16) string { return netip.AddrPortFrom(a, port).String() }

// ipvsAdd words an add or edit as the ipvsadm command ldirectord would
// have run, for failure messages.
func ipvsAdd(add bool, s *ipvsctl.Service, d *ipvsctl.Destination) string {
	op := "-e"
	if add {
		op = "-a"
	}
	fwd := "-g"
	switch d.FwdMethod & ipvsctl.FwdMask {
	case ipvsctl.FwdMasq:
		fwd = "-m"
	case ipvsctl.FwdTunnel:
		fwd = "-i"
	}
	return fmt.Sprintf("ipvsadm %s %s -x %d -y %d %s %s -w %d", op, s.Key(), d.UpperThreshold, d.LowerThreshold, d, fwd, d.Weight)
}

func ipvsDel(s *ipvsctl.Service, d *ipvsctl.Destination) string {
	return fmt.Sprintf("ipvsadm -d %s %s", s.Key(), d)
}
