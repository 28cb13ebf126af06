package director

import (
	"context"
	"fmt"
	"net/netip"
	"os"
	"sync"
	"time"

	"github.com/lvsctl/lvsctl/internal/announce"
	"github.com/lvsctl/lvsctl/internal/bgpproc"
	"github.com/lvsctl/lvsctl/internal/bgpwire"
	"github.com/lvsctl/lvsctl/ldconf"
)

// Speaker is the BGP speaker as the director drives it: the lvsctl-bgp
// program under supervision (bgpproc.Speaker), or a fake in tests.
// Configure and Announce never wait; Sync and Stop are bounded by their
// context.
type Speaker interface {
	Configure(cfg bgpwire.Config)
	Announce(routes map[netip.Prefix]bgpwire.Attrs)
	Sync(ctx context.Context) error
	Stop(ctx context.Context) error
	Status() bgpproc.Status
}

// Bounds of the waits on the speaker at a stop.
const (
	// withdrawSyncMax bounds the wait for the speaker to hold the
	// withdrawal before the withdraw delay starts.
	withdrawSyncMax = 5 * time.Second
	// speakerStopMax bounds the speaker's stop (bgpproc kills it past
	// its own bound).
	speakerStopMax = 15 * time.Second
)

// bgpState is the director's BGP side, on the reconciler goroutine: the
// speaker (nil while BGP is off) and what was last decided. The rest of
// the daemon reaches it by three hooks: bgpConfigure at start and reload,
// announce after every pass, bgpWithdraw and bgpStop around a stop.
type bgpState struct {
	sp       Speaker
	cfg      *ldconf.BGP // the configuration the speaker was given
	stopping bool
	// announced is the decision last handed to the speaker.
	announced map[netip.Prefix]bool
	// warned: the sysctls were looked at (once per daemon).
	warned bool
	// checked holds the virtuals whose reals have all had their first
	// check (for the daemon's life: a reload does not withdraw them
	// again); waiting, when each other virtual was first seen.
	checked map[string]bool
	waiting map[string]time.Time
	// pub is what status and metrics read.
	pub *bgpBoard
}

// bgpBoard publishes the BGP side for the status socket and the metrics
// scrapes, which run on other goroutines.
type bgpBoard struct {
	mu   sync.Mutex
	on   bool
	sp   Speaker
	dec  announce.Decision
	file string // bgpwithdrawfile
	// fileExists: bgpwithdrawfile was there at the last pass.
	fileExists bool
	stopping   bool
	err        string
}

func (b *bgpBoard) set(f func(b *bgpBoard)) {
	b.mu.Lock()
	defer b.mu.Unlock()
	f(b)
}

// bgpConfigure brings the speaker in line with the configuration in
// force: started when bgplocalas appears, reconfigured (sessions of
// unchanged peers kept) when it changes, stopped when it goes.
func (d *daemon) bgpConfigure() {
	b := &d.bgp
	want := d.cfg.Global.BGP
	switch {
	case want == nil && b.sp == nil:
		return
	case want == nil:
		d.o.Log.Log("BGP: bgplocalas is gone from the configuration: withdrawing every prefix and stopping the speaker")
		ctx, cancel := context.WithTimeout(context.Background(), speakerStopMax)
		defer cancel()
		_ = b.sp.Stop(ctx)
		b.sp, b.cfg, b.announced = nil, nil, nil
		b.pub.set(func(p *bgpBoard) {
			p.on, p.sp, p.dec, p.file, p.fileExists, p.stopping, p.err = false, nil, announce.Decision{}, "", false, false, ""
		})
		return
	}
	cfg, err := announce.SpeakerConfig(want, d.o.HostRouterID)
	if err != nil {
		d.o.Log.Printf("BGP: %v: nothing is announced until a reload", err)
		b.pub.set(func(p *bgpBoard) { p.on, p.err = true, err.Error() })
		return
	}
	if !b.warned {
		b.warned = true
		d.warnSysctls()
	}
	if b.sp == nil {
		if d.o.StartSpeaker == nil {
			d.o.Log.Log("BGP: no speaker in this build: nothing is announced")
			b.pub.set(func(p *bgpBoard) { p.on, p.err = true, "no speaker in this build" })
			return
		}
		b.sp = d.o.StartSpeaker()
		b.announced = map[netip.Prefix]bool{}
	}
	b.sp.Configure(cfg)
	b.cfg = want
	b.pub.set(func(p *bgpBoard) { p.on, p.sp, p.err, p.file = true, b.sp, "", want.WithdrawFile })
}

// announce is the hook after every pass of the reconciler: it decides
// from the virtuals' state as the pass left it, the withdraw file and
// the stop, and hands the routes to the speaker (which sends only a
// change), logging each prefix that changes.
func (d *daemon) announce() {
	b := &d.bgp
	if b.sp == nil || d.eng.plan == nil {
		return
	}
	in := announce.Input{BGP: b.cfg, Stopping: b.stopping}
	if b.cfg.WithdrawFile != "" {
		_, err := os.Lstat(b.cfg.WithdrawFile)
		in.WithdrawFileExists = err == nil
	}
	for _, vs := range d.eng.plan.virtuals {
		if vs.v.Announce != nil {
			av := announce.FromConfig(virtualID(vs), vs.v, vs.serving(), vs.fallbackServing())
			av.Checking = !b.firstChecksDone(vs, time.Now())
			in.Virtuals = append(in.Virtuals, av)
		}
	}
	dec := announce.Decide(in)
	d.logAnnouncements(dec)
	b.sp.Announce(dec.Routes())
	b.pub.set(func(p *bgpBoard) { p.dec, p.fileExists, p.stopping = dec, in.WithdrawFileExists, b.stopping })
}

// firstChecksDone reports whether every real of vs has had its first
// check since the daemon started or vs was added. A check that never
// comes back (the watchdog counts it as failed without a verdict) does
// not hold the announcement back longer than three rounds.
func (b *bgpState) firstChecksDone(vs *vstate, now time.Time) bool {
	id := virtualID(vs)
	if b.checked[id] {
		return true
	}
	done := true
	for _, rs := range vs.reals {
		done = done && rs.checked
	}
	if b.waiting == nil {
		b.checked, b.waiting = map[string]bool{}, map[string]time.Time{}
	}
	since, ok := b.waiting[id]
	if !ok {
		since = now
		b.waiting[id] = now
	}
	if done || now.Sub(since) > 3*(vs.v.CheckInterval+vs.v.CheckTimeout) {
		b.checked[id] = true
		delete(b.waiting, id)
		return true
	}
	return false
}

// logAnnouncements logs each prefix whose announcement changes, and
// forgets prefixes no longer configured.
func (d *daemon) logAnnouncements(dec announce.Decision) {
	b := &d.bgp
	seen := map[netip.Prefix]bool{}
	for _, p := range dec.Prefixes {
		seen[p.Prefix] = true
		was, known := b.announced[p.Prefix]
		if known && was == p.Announced || !known && !p.Announced {
			b.announced[p.Prefix] = p.Announced
			continue
		}
		b.announced[p.Prefix] = p.Announced
		if p.Announced {
			d.o.Log.Printf("BGP: announcing %s (MED %d): %s", p.Prefix, p.Attrs.MED, qualifyingText(p))
		} else {
			d.o.Log.Printf("BGP: withdrawing %s (%s)", p.Prefix, p.Reason)
		}
	}
	for p := range b.announced {
		if !seen[p] {
			if b.announced[p] {
				d.o.Log.Printf("BGP: withdrawing %s (no longer configured)", p)
			}
			delete(b.announced, p)
		}
	}
}

func qualifyingText(p announce.Prefix) string {
	if len(p.Qualifying) == 1 {
		return p.Qualifying[0] + " serves"
	}
	return fmt.Sprintf("%d virtual services serve", len(p.Qualifying))
}

// bgpWithdraw starts a stop: every prefix withdrawn, and, if this
// director announced one, a wait of bgpwithdrawdelay for the routers to
// move the flows to the other directors before the checks stop and
// cleanstop empties the table. Meanwhile the director keeps applying
// its checks' results and answering status.
func (d *daemon) bgpWithdraw() {
	b := &d.bgp
	if b.sp == nil {
		return
	}
	had := false
	for _, a := range b.announced {
		had = had || a
	}
	b.stopping = true
	d.announce()
	if !had {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), withdrawSyncMax)
	err := b.sp.Sync(ctx)
	cancel()
	if err != nil {
		d.o.Log.Printf("BGP: the speaker did not confirm the withdrawal: %v", err)
	}
	delay := b.cfg.WithdrawDelay
	d.o.Log.Printf("BGP: every prefix withdrawn; waiting %s (bgpwithdrawdelay) before stopping", delay)
	t := time.NewTimer(delay)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			return
		case tr := <-d.events:
			d.eng.transition(d.pendingTransitions(context.Background(), tr)...)
			d.lastBatch = time.Now()
		case reply := <-d.snapReq:
			reply <- d.buildSnapshot(os.Getpid())
		}
	}
}

// bgpStop ends the speaker, last: its sessions close.
func (d *daemon) bgpStop() {
	b := &d.bgp
	if b.sp == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), speakerStopMax)
	defer cancel()
	_ = b.sp.Stop(ctx)
	b.pub.set(func(p *bgpBoard) { p.sp = nil })
	b.sp = nil
}

// virtualID names a virtual in BGP's status and log lines as the status
// table does: "tcp 192.0.2.1:80".
func virtualID(vs *vstate) string { return vs.v.Protocol.String() + " " + vs.v.Name() }

// serving counts the reals that take new connections as the kernel
// holds them: up, with a weight (a real configured at weight 0 is
// quiesced), and written (a refused or untried write is owed, and the
// real serves once a retry holds). A virtual whose own write is owed
// serves nothing.
func (vs *vstate) serving() int {
	if vs.svcOwed {
		return 0
	}
	n := 0
	for _, rs := range vs.reals {
		if rs.up && rs.dest.Weight > 0 && vs.owed[rs.dest.Key()] == nil {
			n++
		}
	}
	return n
}

// fallbackServing: the fallback server is what the virtual serves with,
// as it is while no real is up, once the kernel holds it.
func (vs *vstate) fallbackServing() bool {
	return vs.fallback != nil && !vs.anyUp() && !vs.svcOwed && vs.owed[vs.fallback.Key()] == nil
}

// bgpStatus is the speaker's status with the questions the director
// asks of it.
type bgpStatus bgpproc.Status

// holds: the speaker reports p announced.
func (st bgpStatus) holds(p netip.Prefix) bool {
	for _, ps := range st.Prefixes {
		if ps.Prefix == p {
			return ps.Announced
		}
	}
	return false
}
