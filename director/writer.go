package director

import (
	"fmt"
	"net/netip"

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
	// purge is set for a destination the configuration does not list
	// (wantAbsent): its deletion is logged as "Purged real server
	// (purge)", e.g. "(start)".
	purge string
}

// alertFunc receives the table events ldirectord e-mails about; track
// says the event starts an outage (re-alerted every emailalertfreq).
type alertFunc func(vs *vstate, server, msg string, track bool)

// writer applies wanted states to the kernel with the fewest writes: the
// adds, edits and deletes that change something in the service's
// destinations as just read. A refused write is logged once, owed
// (reconcile.go) and retried; the log lines and alerts of a change are
// written when the kernel has taken it, never for an attempt.
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

// applyTo brings the items of one service to their wanted state on cur,
// the service's destinations as just read, which it updates with every
// write the kernel takes.
func (w *writer) applyTo(vs *vstate, items []item, cur map[ipvsctl.DestinationKey]ipvsctl.Destination) {
	if len(items) == 0 {
		return
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

// write makes one table write (call) for it, then counts it and, if the
// kernel took it, runs done (the table update, the log lines and alerts
// that follow the write), else owes it: at once, or when a pipelined
// write's acknowledgement has been read. Either way in call order, so
// the log reads the same.
func (w *writer) write(vs *vstate, it item, cmd string, call func() error, done func()) {
	if vs.owed[it.dest.Key()] != nil {
		w.metrics.retried()
	}
	after := func(err error) {
		w.metrics.wrote()
		if err != nil {
			w.metrics.writeFailed()
			w.owe(vs, it, cmd, err)
			return
		}
		delete(vs.owed, it.dest.Key())
		done()
	}
	if w.batch == nil {
		after(call())
		return
	}
	w.then = append(w.then, after)
	_ = call() // nil while batching (ipvsctl.Batcher): the result comes to result
}

// owe records a refused write of it to retry, and logs the refusal the
// way ldirectord logs a failed ipvsadm run, once: a retry refused with
// the same error says nothing more.
func (w *writer) owe(vs *vstate, it item, cmd string, err error) {
	msg := err.Error()
	vs.refusals++
	if o := vs.owed[it.dest.Key()]; o == nil || o.err != msg {
		w.log.Printf("%s failed: %s (will retry)", cmd, msg)
	}
	if vs.owed == nil {
		vs.owed = map[ipvsctl.DestinationKey]*owedItem{}
	}
	vs.owed[it.dest.Key()] = &owedItem{it: it, err: msg}
}

// settled clears what vs owes for it: the kernel already holds what it
// wants (someone else made the change, or there is nothing to do).
func (w *writer) settled(vs *vstate, it item) { delete(vs.owed, it.dest.Key()) }

func (w *writer) applyOne(vs *vstate, it item, cur map[ipvsctl.DestinationKey]ipvsctl.Destination) {
	vip := vs.v.Name()
	key := it.dest.Key()
	have, present := cur[key]
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
			w.settled(vs, it)
			return
		}
		d := it.dest
		msg := fmt.Sprintf("Added %s server: %s (%s) (Weight set to %d)", it.tag, written, vip, d.Weight)
		call := func() error { return w.c.AddDestination(&vs.svc, &d) }
		if present {
			msg = fmt.Sprintf("Restored %s server: %s (%s) (Weight set to %d)", it.tag, written, vip, d.Weight)
			call = func() error { return w.c.UpdateDestination(&vs.svc, &d) }
		}
		w.write(vs, it, ipvsAdd(!present, &vs.svc, &d), call, func() {
			cur[key] = d
			w.log.Log(msg)
			w.alert(vs, written, msg, false)
		})
	case wantQuiesce, wantQuiesceReadd:
		// ipvsadm -e/-a ... -w 0 without -x/-y: the thresholds go to 0 too.
		q := it.dest
		q.Weight, q.UpperThreshold, q.LowerThreshold = 0, 0, 0
		switch {
		case present && quiesced(&have, &q):
			w.settled(vs, it)
		case present:
			msg := fmt.Sprintf("Quiescent %s server: %s(%s) (Weight set to 0)", it.tag, removed, vip)
			w.write(vs, it, ipvsAdd(false, &vs.svc, &q), func() error { return w.c.UpdateDestination(&vs.svc, &q) }, func() {
				cur[key] = q
				w.log.Log(msg)
				w.alert(vs, kernel, msg, it.tag == "real")
			})
		case it.want == wantQuiesceReadd:
			w.write(vs, it, ipvsAdd(true, &vs.svc, &q), func() error { return w.c.AddDestination(&vs.svc, &q) }, func() {
				cur[key] = q
				w.log.Log(fmt.Sprintf("Readd Quiescent %s server: %s (%s) (Weight set to 0)", it.tag, written, vip))
				w.alert(vs, written, fmt.Sprintf("Quiescent %s server: %s (%s) (Weight set to 0)", it.tag, written, vip), it.tag == "real")
			})
		default:
			w.settled(vs, it) // absent, and not to be added back
		}
	case wantAbsent:
		if !present {
			w.settled(vs, it)
			return
		}
		d := it.dest
		msg := fmt.Sprintf("Deleted %s server: %s(%s)", it.tag, removed, vip)
		track := it.tag == "real"
		if it.purge != "" {
			msg = fmt.Sprintf("Purged %s server (%s): %s (%s)", it.tag, it.purge, kernel, vip)
			track = false
		}
		w.write(vs, it, ipvsDel(&vs.svc, &d), func() error { return w.c.DeleteDestination(&vs.svc, &d) }, func() {
			delete(cur, key)
			w.log.Log(msg)
			w.alert(vs, kernel, msg, track)
		})
	}
}

// quiesced is ldirectord's "already quiescent" test: weight 0 with the
// same forwarding method.
func quiesced(have, q *ipvsctl.Destination) bool {
	return have.Weight == 0 && have.FwdMethod&ipvsctl.FwdMask == q.FwdMethod&ipvsctl.FwdMask
}

// serviceWrite makes one write of a virtual itself (-A, -E, -D): counted,
// and a refusal logged once per error (vs.svcErr; nil vs for a virtual
// the configuration no longer has, logged every time).
func (w *writer) serviceWrite(vs *vstate, cmd string, err error) error {
	w.metrics.wrote()
	if err == nil {
		if vs != nil {
			vs.svcErr = ""
		}
		return nil
	}
	w.metrics.writeFailed()
	if vs == nil || vs.svcErr != err.Error() {
		w.log.Printf("%s failed: %v (will retry)", cmd, err)
	}
	if vs != nil {
		vs.svcErr = err.Error()
	}
	return err
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
	return fmt.Sprintf("ipvsadm %s %s -x %d -y %d %s %s -w %d", op, s.Key(), d.UpperThreshold, d.LowerThreshold, d, fwdFlag(d), d.Weight)
}

// fwdFlag is ipvsadm's option for d's forwarding method.
func fwdFlag(d *ipvsctl.Destination) string {
	switch d.FwdMethod & ipvsctl.FwdMask {
	case ipvsctl.FwdMasq:
		return "-m"
	case ipvsctl.FwdTunnel:
		return "-i"
	}
	return "-g"
}

func ipvsDel(s *ipvsctl.Service, d *ipvsctl.Destination) string {
	return fmt.Sprintf("ipvsadm -d %s %s", s.Key(), d)
}
