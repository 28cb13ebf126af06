package director

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"sync"
	"sync/atomic"
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
	// reported: a transition has reached the reconciler, so it knows the
	// real has been checked.
	reported bool

	maintDir string
	log      *Logger
	lim      *limiter // bounds the running checks (limiter.go)
	out      chan<- transition
	jitter   func(max time.Duration) time.Duration
	board    *board
	now      func() time.Time
	metrics  *Metrics // nil without --metrics-listen
	series   []*checkMetric
	pace     *pacer
	stuck    *stuckChecks
	// lagLimit is how late a check may start or connect and still be on
	// time for the pacer.
	lagLimit time.Duration

	// The check in flight: set by begin, read by end, or by the watchdog
	// once it has taken the check over (watchdog.go).
	start time.Time
	lag   time.Duration // how late it started
	// connectAfter is how long after its start it tried to connect (-1:
	// not known).
	connectAfter time.Duration
	cancel       context.CancelFunc
	mark         checks.ConnectMark
	mctx         context.Context // the loop's context, carrying mark
	// lastPass is when the real last passed a check (or the prober
	// started); recheck makes the next check due at once (the last one
	// was no answer yet); waitedFor is the last wait between checks
	// (not a recheck's), for noAnswerLimit.
	lastPass  time.Time
	recheck   bool
	waitedFor time.Duration
	// stuckSince is when the check the watchdog abandoned started.
	stuckSince time.Time
}

// probeLoop runs a prober's checks on a timer: the first after a short
// random delay, so that a start does not fire every check at once, later
// ones after nextDelay. Between checks no goroutine exists (the timer
// starts one per check), so a thousand idle reals cost a thousand timers
// rather than a thousand goroutine stacks. Checks of one prober never
// overlap: the next timer is armed when a check is over, or when the
// watchdog has given up on it (watchdog.go).
type probeLoop struct {
	p       *prober
	ctx     context.Context
	wg      *sync.WaitGroup // Done once the loop has ended for good
	mu      sync.Mutex
	stopped bool
	t       *time.Timer
	// run says who owns the check in flight: its goroutine
	// (loopChecking) or no one (loopIdle, loopAbandoned); started is when
	// it started (UnixNano) and limit how long it may run before the
	// watchdog gives up on it (watchdog.go).
	run     atomic.Int32
	started atomic.Int64
	limit   time.Duration
	// due is when the pending check is due (UnixNano), 0 while none is
	// pending: the lag's start, and the overdue count.
	due atomic.Int64
}

// newLoop is p's loop, not started yet.
func newLoop(ctx context.Context, p *prober, wg *sync.WaitGroup) *probeLoop {
	return &probeLoop{p: p, ctx: ctx, wg: wg, limit: p.spec.target.Timeout() + checkGrace + watchdogGrace}
}

// start arms the first check; wg counts the loop until stop ends it.
func (l *probeLoop) start() {
	p := l.p
	p.mctx = checks.WithConnectMark(l.ctx, &p.mark)
	p.lastPass = p.now()
	l.wg.Add(1)
	l.mu.Lock() // a zero delay must not fire before l.t is set
	d := p.jitter(min(p.spec.interval, time.Second))
	l.due.Store(p.now().Add(d).UnixNano())
	l.t = time.AfterFunc(d, l.tick)
	l.mu.Unlock()
}

func (l *probeLoop) tick() {
	due := l.due.Swap(0)
	l.mu.Lock()
	stopped := l.stopped
	l.mu.Unlock()
	if !stopped && !l.p.once(l.ctx, l, due) {
		return // abandoned: the watchdog or the stop has taken the loop on
	}
	l.rearm()
}

// rearm arms the next check, or ends the loop once stopped.
func (l *probeLoop) rearm() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.stopped {
		l.wg.Done()
		return
	}
	d := l.p.nextDelay()
	l.due.Store(l.p.now().Add(d).UnixNano())
	l.t.Reset(d)
}

// nextDelay is the wait before the next check: none after a check that
// was no answer yet, else the interval as the pacer stretches it.
func (p *prober) nextDelay() time.Duration {
	if p.recheck {
		p.recheck = false
		return 0
	}
	p.waitedFor = nextDelay(p.pace.stretched(p.spec.interval, p.spec.target.Timeout()), p.jitter)
	return p.waitedFor
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
// running check returns (cancel ctx first so that it returns soon) or is
// abandoned.
func (l *probeLoop) stop() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.stopped = true
	if l.t.Stop() {
		l.due.Store(0)
		l.wg.Done()
	}
}

// once runs one check and acts on it (_check_real then service_set). It
// returns false if the check was abandoned while it ran (the watchdog
// then owns the loop).
//
// While a check waits, its goroutine's stack holds once's frame, check's
// and the checker's: with a thousand checks in flight that is a thousand
// stacks, and a connect check fits the smallest (4 KB) only if these stay
// small, hence the work before and after the check in frames of their own
// (begin, end; docs/performance.md).
func (p *prober) once(ctx context.Context, l *probeLoop, due int64) bool {
	cctx, ok := p.begin(ctx, l, due)
	if !ok {
		return true
	}
	res := p.check(cctx)
	return p.end(ctx, l, &res)
}

// begin prepares a check: maintenance, a stuck earlier check, a place
// among the running ones, the lag, the deadline and the watchdog. It
// reports whether the check is to run.
//
//go:noinline
func (p *prober) begin(ctx context.Context, l *probeLoop, due int64) (context.Context, bool) {
	if p.maintenance(ctx) {
		return nil, false
	}
	if p.stuck.has(p.spec.id) {
		p.stillRunning(ctx)
		return nil, false
	}
	if !p.lim.acquire(ctx) {
		return nil, false
	}
	p.start = p.now()
	p.lag, p.connectAfter = 0, -1
	if due != 0 {
		p.lag = max(0, p.start.Sub(time.Unix(0, due)))
	}
	p.mark.Reset()
	timeout := p.spec.target.Timeout()
	cctx, cancel := context.WithTimeout(p.mctx, timeout+checkGrace)
	p.cancel = cancel
	l.started.Store(p.start.UnixNano())
	l.run.Store(loopChecking)
	return cctx, true
}

// check runs the checker; a panic in it (a reply parser's, say) is the
// check's failure, logged with its stack.
func (p *prober) check(ctx context.Context) (res checks.Result) {
	defer p.recoverCheck(&res)
	return p.spec.checker.Check(ctx, p.spec.target)
}

func (p *prober) recoverCheck(res *checks.Result) {
	v := recover()
	if v == nil {
		return
	}
	p.pace.panics.Add(1)
	first := p.spec.members[0]
	p.log.Printf("panic in the check of real server %s (%s): %v\n%s",
		addrPort(first.r.Address, first.r.Port), first.vs.v.Name(), v, debug.Stack())
	*res = checks.Result{Reason: fmt.Sprintf("check panicked: %v", v), Err: fmt.Errorf("check panicked: %v", v)}
}

// end takes a check's result: nothing if the check was abandoned while it
// ran (then it returns false), else the result is judged.
//
//go:noinline
func (p *prober) end(ctx context.Context, l *probeLoop, res *checks.Result) bool {
	if !l.run.CompareAndSwap(loopChecking, loopIdle) {
		l.mu.Lock() // after abandon's bookkeeping, which this undoes
		p.returned()
		l.mu.Unlock()
		return false
	}
	p.cancel()
	p.cancel = nil // it would keep the check's context, timer and all, until the next check
	p.lim.releaseCheck(p.starved(res), p.onNetwork(res))
	if ctx.Err() != nil {
		return true // stopping or reloading: the result belongs to no one
	}
	p.judge(ctx, res)
	return true
}

// starved says whether the check ended waited for the CPU: it tried to
// connect late, or timed out without having tried.
func (p *prober) starved(res *checks.Result) bool {
	at, marked := p.mark.At()
	if !marked {
		return res.Timeout && !res.Up
	}
	return at.Sub(p.start) > starvedConnect
}

// onNetwork says whether the check ended timed out waiting on the
// network: it tried to connect at once.
func (p *prober) onNetwork(res *checks.Result) bool {
	at, marked := p.mark.At()
	return res.Timeout && !res.Up && marked && at.Sub(p.start) <= starvedConnect
}

// judge records a check's result and acts on it, unless it timed out
// because the director was late: then it is no answer yet (pacer.go).
func (p *prober) judge(ctx context.Context, res *checks.Result) {
	if res.Latency == 0 {
		res.Latency = p.now().Sub(p.start)
	}
	now := p.start.Add(res.Latency)
	timeout := p.spec.target.Timeout()
	at, marked := p.mark.At()
	connectAfter := res.Latency // never tried: all of its time
	if marked {
		connectAfter = at.Sub(p.start)
	}
	p.connectAfter = connectAfter
	timedOut := res.Timeout && !res.Up
	sent, asked := p.mark.Sent()
	measured := timedOut && answerMissed(sent, asked, p.start.Add(timeout), timeout, p.mark.Missed())
	// starvedWait: connected, then no answer while the director starved
	// its checks of CPU (answerStarved).
	starvedWait := timedOut && !measured && answerStarved(p.mark.Connected(), asked && p.lim.starvedSince(sent))
	// Late: the director missed the answer or starved the wait for it, or
	// the watchdog took the check over while the director is starving its
	// checks of CPU (its goroutine did not get a CPU to see even its own
	// deadline). A check that heard nothing, not even a handshake, is the
	// real's failure, starving or not: a black hole is found on time.
	late := measured || starvedWait || timedOut && errors.Is(res.Err, errAbandoned) && p.lim.starving()
	noAnswer := late && p.excused(now)
	p.pace.ended(now, p.lag, measured || starvedWait || p.lag > p.lagLimit || marked && connectAfter > 2*p.lagLimit, !noAnswer)
	if noAnswer {
		p.noAnswer(res, connectAfter)
		return
	}
	p.act(ctx, p.start, res)
}

// excused says whether a late timeout ending at now is no answer yet:
// under checkoverload=stretch, while the real has passed a check within
// noAnswerLimit of the interval in force (the longer of the stretched
// one now and the real's last wait).
func (p *prober) excused(now time.Time) bool {
	t := p.spec.target.Timeout()
	iv := max(p.pace.stretched(p.spec.interval, t), p.waitedFor)
	return p.pace.stretching() && now.Sub(p.lastPass) < noAnswerLimit(iv, t)
}

// noAnswer is a timeout of the director's making: the real keeps its
// state and failure count, and is checked again at once.
func (p *prober) noAnswer(res *checks.Result, connectAfter time.Duration) {
	p.pace.lateTimeouts.Add(1)
	p.recheck = true
	res.Unchanged = true
	p.metrics.observeCheck(&p.spec, &p.series, res, p.lag, connectAfter)
	reason := fmt.Sprintf("no answer yet: the director was behind (started %s late, tried to connect after %s): %s",
		p.lag.Round(time.Millisecond), connectAfter.Round(time.Millisecond), res.Reason)
	p.board.set(p.spec.id, func(s *RealStatus) {
		s.LastCheck, s.Latency, s.Reason, s.Timeout, s.Lag, s.Late = p.start, res.Latency, reason, true, p.lag, true
	})
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
	p.metrics.observeCheck(&p.spec, &p.series, res, p.lag, p.connectAfter)
	if res.Unchanged && !res.Timeout {
		// checktype=off: not a check, so the status shows none (and
		// there is nothing to decide).
		p.reportChecked(ctx)
		return
	}
	if res.Up {
		p.lastPass = start.Add(res.Latency)
	}
	p.board.set(p.spec.id, func(s *RealStatus) {
		s.LastCheck, s.Latency, s.Reason, s.Timeout, s.Lag, s.Late = start, res.Latency, res.Reason, res.Timeout, p.lag, false
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
	p.reportChecked(ctx)
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
		p.reported = true
	case <-ctx.Done():
	}
}

// reportChecked tells the reconciler of the first verdict when it changed
// nothing: announcements wait for every real's first check.
func (p *prober) reportChecked(ctx context.Context) {
	if !p.reported {
		p.send(ctx, transition{gen: p.gen, id: p.spec.id, up: p.state == pUp, first: true})
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
