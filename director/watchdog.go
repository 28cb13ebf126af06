package director

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lvsctl/lvsctl/checks"
)

// A check is bounded by its context, but a checker that ignores its
// context (a bug, a library call that cannot be interrupted) would hold
// its real, its place among the running checks, and a reload or stop
// waiting for it, forever. The watchdog gives up on such a check: once
// it has run watchdogGrace past its deadline (seen within watchdogTick)
// its real counts as failed, its place is freed, and its loop goes on as
// if it had returned; a reload or stop gives up on running checks
// stopGrace after cancelling them.
//
// Go cannot end a goroutine from outside, so an abandoned check's
// goroutine runs on until its checker returns, and its result is then
// dropped. The bound: the real id is not checked again while it runs
// (every check due meanwhile counts as failed, without running the
// checker), across reloads too, so at most one abandoned check per real
// id exists at any time; an external check's process group is killed at
// its deadline in any case (internal/proc); and the process's exit ends
// whatever is left.

const (
	// watchdogGrace: a check still running this long after its context's
	// deadline (its timeout plus checkGrace) is abandoned.
	watchdogGrace = time.Second
	// stopGrace: a reload or stop waits this long for the running checks
	// after cancelling them, then abandons them, and waits stopGrace
	// more at most for the probers to wind down.
	stopGrace = 2 * time.Second
)

// Who owns a loop's check in flight (probeLoop.run).
const (
	loopIdle int32 = iota
	loopChecking
	loopAbandoned
)

var errAbandoned = errors.New("check abandoned by the watchdog")

// watchdogTick is how often the watchdog looks at the running checks.
const watchdogTick = 500 * time.Millisecond

// watch is the watchdog: every watchdogTick, until ctx ends, it gives up
// on the checks of the current loops that have run past their limit. One
// goroutine for the daemon, rather than a timer per check: a check costs
// no more for being watched.
func (p *pacer) watch(ctx context.Context) {
	t := time.NewTicker(watchdogTick)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		p.mu.Lock()
		loops, lim := p.loops, p.lim
		p.mu.Unlock()
		if lim != nil {
			lim.tick()
		}
		now := p.now().UnixNano()
		for _, l := range loops {
			if l.run.Load() == loopChecking && now-l.started.Load() > int64(l.limit) {
				go l.overrun() // it reports to the reconciler, which may be busy
			}
		}
	}
}

// overrun is the watchdog firing: the check still runs past its deadline
// and grace. Its real counts as failed; the loop goes on.
func (l *probeLoop) overrun() {
	p := l.p
	if !l.abandon("") {
		return
	}
	verdict := "counted as failed"
	if l.ctx.Err() == nil {
		// A timeout, judged as one: no answer yet if the director is
		// behind (its goroutines may be waiting for a CPU), else failed.
		res := checks.Result{Timeout: true, Reason: "check abandoned: still running past its deadline", Err: errAbandoned,
			Latency: p.now().Sub(p.start)}
		p.judge(l.ctx, &res)
		if p.recheck {
			verdict = "no answer yet (the director is behind)"
		}
	}
	first := p.spec.members[0]
	p.log.Printf("Check of real server %s (%s) still running %s after it started: abandoned, %s",
		addrPort(first.r.Address, first.r.Port), first.vs.v.Name(), l.limit, verdict)
	l.rearm()
}

// abandon takes the check in flight away from its goroutine, which then
// drops its result when it returns (end): its context is cancelled, its
// place freed, its real id marked stuck; why, if not empty, is logged.
// It reports whether there was a check to take.
func (l *probeLoop) abandon(why string) bool {
	// The check's goroutine may return at any moment: it waits for l.mu
	// before it undoes (returned) what this does under it.
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.run.CompareAndSwap(loopChecking, loopAbandoned) {
		return false
	}
	p := l.p
	p.cancel()
	p.stuckSince = p.start
	p.stuck.add(p.spec.id)
	p.pace.abandoned.Add(1)
	p.pace.stuck.Add(1)
	_, marked := p.mark.At()
	p.lim.release(!marked)
	if why != "" {
		first := p.spec.members[0]
		p.log.Printf("Check of real server %s (%s) %s",
			addrPort(first.r.Address, first.r.Port), first.vs.v.Name(), why)
	}
	return true
}

// returned is an abandoned check's goroutine coming back.
func (p *prober) returned() {
	p.stuck.release(p.spec.id)
	p.pace.stuck.Add(-1)
	first := p.spec.members[0]
	p.log.Printf("Abandoned check of real server %s (%s) returned after %s; its result is dropped",
		addrPort(first.r.Address, first.r.Port), first.vs.v.Name(), p.now().Sub(p.stuckSince).Round(time.Millisecond))
}

// stillRunning is a check due while the real id's abandoned check still
// runs: a failure, without running the checker again.
func (p *prober) stillRunning(ctx context.Context) {
	p.start, p.lag, p.connectAfter = p.now(), 0, -1
	res := checks.Result{Reason: "an abandoned check of this real is still running", Err: errAbandoned}
	if p.lim.starving() && p.excused(p.start) {
		// No answer yet, as the abandonment was: checked again at the
		// next interval (not at once: nothing has run).
		res.Unchanged = true
		p.board.set(p.spec.id, func(s *RealStatus) {
			s.LastCheck, s.Latency, s.Reason, s.Timeout, s.Lag, s.Late = p.start, 0, "no answer yet: "+res.Reason, false, 0, true
		})
		return
	}
	p.act(ctx, p.start, &res)
}

// stuckChecks are the real ids with an abandoned check still running,
// for the whole daemon (a reload's new probers see the old ones' too).
type stuckChecks struct {
	n  atomic.Int64 // how many, read without the lock on every check
	mu sync.Mutex
	m  map[string]int
}

func newStuckChecks() *stuckChecks { return &stuckChecks{m: map[string]int{}} }

func (s *stuckChecks) has(id string) bool {
	if s.n.Load() == 0 {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.m[id] > 0
}

func (s *stuckChecks) add(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m[id]++
	s.n.Add(1)
}

func (s *stuckChecks) release(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m[id]--; s.m[id] <= 0 {
		delete(s.m, id)
	}
	s.n.Add(-1)
}

// stopLoops stops every loop of a generation whose context has been
// cancelled: at once for those waiting on their timer, within stopGrace
// for those whose check returns, and the checks still running then are
// abandoned. It returns within 2 x stopGrace.
func stopLoops(loops []*probeLoop, wg *sync.WaitGroup, log *Logger) {
	for _, l := range loops {
		l.stop()
	}
	done := make(chan struct{})
	go func() {
		wg.Wait()
		close(done)
	}()
	t := time.NewTimer(stopGrace)
	defer t.Stop()
	select {
	case <-done:
		return
	case <-t.C:
	}
	for _, l := range loops {
		if l.abandon("did not stop within " + stopGrace.String() + " of being cancelled: abandoned") {
			l.rearm() // stopped: ends the loop
		}
	}
	t.Reset(stopGrace)
	select {
	case <-done:
	case <-t.C:
		log.Printf("Checks still winding down %s after the stop: not waiting for them", 2*stopGrace)
	}
}
