package director

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/lvsctl/lvsctl/checks"
)

// pstate is what a prober last told the reconciler about its real id.
type pstate int

const (
	pDown pstate = iota
	pUp
	// pMixed: at start-up the id's reals disagreed (up in one virtual,
	// down in another); the next decisive result settles all of them.
	pMixed
)

// checkGrace is added to a check's own timeout for its context deadline:
// the checker enforces its timeout itself, the deadline only guarantees
// that a stuck check cannot hold its place among the running ones
// (workersFor) forever.
const checkGrace = 2 * time.Second

// prober checks one real id on its own schedule. It owns the id's
// failurecount hysteresis and sends the reconciler transitions only.
type prober struct {
	spec      probeSpec
	gen       uint64
	state     pstate
	failcount int
	inMaint   bool

	maintDir string
	log      *Logger
	sem      chan struct{} // one token per running check: bounds them (workersFor)
	out      chan<- transition
	jitter   func(max time.Duration) time.Duration
	board    *board
	now      func() time.Time
	metrics  *Metrics // nil without --metrics-listen
	series   []*checkMetric
}

// probeLoop runs a prober's checks on a timer: the first after a short
// random delay, so that a start does not fire every check at once, later
// ones after nextDelay. Between checks no goroutine exists (the timer
// starts one per check), so a thousand idle reals cost a thousand timers
// rather than a thousand goroutine stacks. Checks of one prober never
// overlap: the next timer is armed when a check is over.
type probeLoop struct {
	p       *prober
	ctx     context.Context
	wg      *sync.WaitGroup // Done once the loop has ended for good
	mu      sync.Mutex
	stopped bool
	t       *time.Timer
}

// startLoop starts p's checks; wg counts the loop until stop ends it.
func startLoop(ctx context.Context, p *prober, wg *sync.WaitGroup) *probeLoop {
	l := &probeLoop{p: p, ctx: ctx, wg: wg}
	wg.Add(1)
	l.mu.Lock() // a zero delay must not fire before l.t is set
	l.t = time.AfterFunc(p.jitter(min(p.spec.interval, time.Second)), l.tick)
	l.mu.Unlock()
	return l
}

func (l *probeLoop) tick() {
	l.mu.Lock()
	stopped := l.stopped
	l.mu.Unlock()
	if !stopped {
		l.p.once(l.ctx)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.stopped {
		l.wg.Done()
		return
	}
	l.t.Reset(nextDelay(l.p.spec.interval, l.p.jitter))
}

// nextDelay is the wait between the end of one check and the start of
// the next: checkinterval at most, as ldirectord sleeps it between
// rounds, and spread over its last tenth so that reals checked together
// drift apart. Never more: a real's change is seen within checkinterval
// of the check that missed it (plus that check's timeout), the bound the
// admin reasons with.
func nextDelay(iv time.Duration, jitter func(max time.Duration) time.Duration) time.Duration {
	return iv - iv/10 + jitter(iv/10)
}

// stop ends the loop: at once if its timer is pending, else when the
// running check returns (cancel ctx first so that it returns soon).
func (l *probeLoop) stop() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.stopped = true
	if l.t.Stop() {
		l.wg.Done()
	}
}

// once runs one check and acts on it (_check_real then service_set).
// While a check waits, its goroutine's stack holds once's frame and the
// checker's: with a thousand checks in flight that is a thousand stacks,
// and a connect check fits the smallest (4 KB) only if once stays small,
// hence the work before and after the check in frames of their own
// (maintenance, act; docs/performance.md).
func (p *prober) once(ctx context.Context) {
	if p.maintenance(ctx) {
		return
	}
	select {
	case p.sem <- struct{}{}:
	case <-ctx.Done():
		return
	}
	cctx, cancel := context.WithTimeout(ctx, p.spec.target.Timeout()+checkGrace)
	start := p.now()
	res := p.spec.checker.Check(cctx, p.spec.target)
	cancel()
	<-p.sem
	if ctx.Err() != nil {
		return // stopping or reloading: the result belongs to no one
	}
	p.act(ctx, start, &res)
}

// maintenance handles a real in ldirectord's maintenance directory and
// reports whether it is in there.
//
//go:noinline
func (p *prober) maintenance(ctx context.Context) bool {
	first := p.spec.members[0]
	if !inMaintenance(ctx, p.maintDir, first.r.Address, first.r.Port) {
		if p.inMaint {
			p.inMaint = false
			p.board.set(p.spec.id, func(s *RealStatus) { s.Maintenance = false })
			// The reconciler stops forcing it down; its checks decide again.
			p.send(ctx, transition{gen: p.gen, id: p.spec.id, up: p.state == pUp})
		}
		return false
	}
	p.monitor(false, "Server in maintenance")
	p.failcount++
	p.board.set(p.spec.id, func(s *RealStatus) { s.Maintenance, s.Up, s.FailCount = true, false, p.failcount })
	if !p.inMaint {
		p.inMaint = true
		p.state = pDown
		p.send(ctx, transition{gen: p.gen, id: p.spec.id, up: false, forced: true})
	}
	return true
}

// act records a check's result and moves the real's state on.
//
//go:noinline
func (p *prober) act(ctx context.Context, start time.Time, res *checks.Result) {
	if res.Latency == 0 {
		res.Latency = p.now().Sub(start)
	}
	p.metrics.observeCheck(&p.spec, &p.series, res)
	if res.Unchanged && !res.Timeout {
		// checktype=off: not a check, so the status shows none (and
		// there is nothing to decide).
		return
	}
	p.board.set(p.spec.id, func(s *RealStatus) {
		s.LastCheck, s.Latency, s.Reason, s.Timeout = start, res.Latency, res.Reason, res.Timeout
		if res.Up {
			s.Failures = 0
		} else {
			s.Failures++
		}
	})
	// A timeout counts as down, Unchanged or not. ldirectord's HTTP check
	// means to leave the state alone when its alarm fires, but the alarm's
	// die lands inside LWP's own eval, which turns it into a 500 response:
	// in the lab a black-holed HTTP real is removed by Debian's ldirectord
	// (TestDirectorDifferential/blackhole), and it must be, or a black
	// hole would keep its traffic forever.
	p.monitor(res.Up, res.Reason)
	if res.Up {
		p.up(ctx)
	} else {
		p.down(ctx)
	}
	p.board.set(p.spec.id, func(s *RealStatus) { s.Up, s.FailCount = p.state == pUp, p.failcount })
}

func (p *prober) up(ctx context.Context) {
	if p.failcount > 0 {
		for _, rs := range p.spec.members {
			p.log.Printf("Resetting soft failure count: %s (%s)", addrPort(rs.r.Address, rs.r.Port), rs.vs.v.ID())
		}
	}
	p.failcount = 0
	if p.state != pUp {
		p.state = pUp
		p.send(ctx, transition{gen: p.gen, id: p.spec.id, up: true})
	}
}

func (p *prober) down(ctx context.Context) {
	if p.state == pDown {
		return
	}
	p.failcount++
	if p.failcount < p.spec.failureCount {
		for _, rs := range p.spec.members {
			p.log.Printf("Soft failure real server: %s (%s) failure %d/%d",
				addrPort(rs.r.Address, rs.r.Port), rs.vs.v.ID(), p.failcount, p.spec.failureCount)
		}
		return
	}
	p.state = pDown
	p.send(ctx, transition{gen: p.gen, id: p.spec.id, up: false})
}

// send hands a transition to the reconciler unless the prober is being
// cancelled (then the reconciler is not listening for this generation).
func (p *prober) send(ctx context.Context, t transition) {
	select {
	case p.out <- t:
	case <-ctx.Done():
	}
}

// monitor writes the check result to the monitorfile of every virtual
// holding this real.
func (p *prober) monitor(up bool, msg string) {
	for _, rs := range p.spec.members {
		if f := rs.vs.v.MonitorFile; f != "" {
			if err := appendFile(f, monitorLine(p.now(), p.spec.id, up, msg)); err != nil {
				p.log.Log(fmt.Sprintf("Error writing to monitorfile '%s': %v", f, err))
			}
		}
	}
}

// initialState is the prober's view of its id after the start-up sync.
func initialState(members []*rstate) pstate {
	ups := 0
	for _, rs := range members {
		if rs.up {
			ups++
		}
	}
	switch ups {
	case 0:
		return pDown
	case len(members):
		return pUp
	}
	return pMixed
}
