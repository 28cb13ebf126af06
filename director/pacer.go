package director

import (
	"math"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lvsctl/lvsctl/ldconf"
)

// The director may be the slow one: more checks due per second than its
// CPU completes (a thousand HTTP checks a second in a one-CPU guest).
// The limiter (limiter.go) then keeps the checks that run few enough to
// get the CPU, and the others wait for a place: they start late. The
// pacer (checkoverload=stretch, the default) keeps that from marking
// healthy reals down, in two ways:
//
//   - it measures how late each check starts (its lag), and while more
//     than behindShare of the checks of a window were late by more than
//     lagLimit, it stretches the interval of every real by the same
//     factor. When checks waited for a place among the running ones
//     while the limiter held the limit down for want of CPU or at its
//     ceiling, to what the director completes: with
//     N reals due every configured interval I and C checks ended per
//     second in the window, the stretch is stretchMargin x N / (C x I)
//     (never less than the last one). When none waited, the lateness is
//     a burst of the CPU's (a thousand timeouts ending together), not
//     the director's throughput, and the checks completed say nothing
//     of it (a black hole's take their whole timeout): the stretch grows
//     by stretchUp. Never past maxEffective; once the checks are on
//     time it creeps back by stretchDown a window. The rate degrades,
//     evenly, never one virtual more than another;
//   - a check that timed out because the director missed the real's
//     answer (answerMissed) is no answer yet, not a failure (excused),
//     unless the real has gone without a passed check for noAnswerLimit
//     of the interval in force.
//
// With checkoverload=fail it only measures (metrics, status, the
// warnings): every timeout is a failure, as in ldirectord.
//
// The probers report to it lock-free; a window's evaluation runs on
// whichever check ends after the window is over.
type pacer struct {
	log *Logger
	now func() time.Time
	// policy is checkoverload (it changes on reload).
	policy atomic.Int32
	// stretch is the factor of every interval, math.Float64bits, >= 1.
	stretch atomic.Uint64

	// The window being counted: checks ended, and those that were late.
	winStart atomic.Int64 // UnixNano
	win      atomic.Int64 // the window's length
	done     atomic.Int64
	answered atomic.Int64 // of done, those not taken as no answer yet
	behind   atomic.Int64
	maxLag   atomic.Int64 // the largest lag of the window, ns

	// Totals, for metrics and status.
	lateTimeouts atomic.Uint64 // timeouts excused as no answer yet
	abandoned    atomic.Uint64 // checks the watchdog gave up on
	stuck        atomic.Int64  // of which still running
	panics       atomic.Uint64

	mu sync.Mutex // the evaluation and what follows
	// falling is whether "checks falling behind" was logged last;
	// calm counts on-time windows since stretch went back to 1.
	falling bool
	calm    int
	lastLag time.Duration // the largest lag of the last window
	// lastHeldBack is the limiter's heldBack count at the last
	// evaluation.
	lastHeldBack uint64
	// The plan's reals, its shortest configured interval, and the loops
	// (for the overdue count), set by setPlan.
	reals    int
	interval time.Duration
	loops    []*probeLoop
	// maxStretch is the largest stretch: every real's maxEffective.
	maxStretch float64
	// lim bounds the running checks (for status; nil in some tests).
	lim *limiter
}

const (
	// stretchMargin: the stretch that follows the completion rate leaves
	// a fifth to spare, so that the checks waiting are worked off.
	stretchMargin = 1.2
	// behindShare of a window's checks late by more than lagLimit
	// stretches the interval; under onTimeShare shrinks it.
	behindShare = 0.1
	onTimeShare = 0.02
	// stretchDown is taken off per on-time window (additive: it creeps
	// back); stretchUp is added per late window in which no check waited
	// for a place.
	stretchDown = 0.1
	stretchUp   = 0.25
	// calmWindows on-time windows at stretch 1 end a falling-behind
	// spell (its end is logged once, not at every wobble).
	calmWindows = 5
	// minWindow is the shortest window; a window is at least one
	// configured checkinterval, so that a stretch has taken effect on
	// every real before the next decision.
	minWindow = time.Second
)

func newPacer(log *Logger, now func() time.Time) *pacer {
	p := &pacer{log: log, now: now}
	p.stretch.Store(math.Float64bits(1))
	p.winStart.Store(now().UnixNano())
	p.win.Store(int64(minWindow))
	p.maxStretch = 3
	return p
}

// maxEffective is the longest a real's interval iv (timeout t) is
// stretched to: 3 x iv + t. A real that stops answering is then counted
// failed within 3 x (iv + t) of its last passed check when its checks
// start within their timeout of being due (docs/reliability.md).
func maxEffective(iv, t time.Duration) time.Duration { return 3*iv + t }

// setPlan tells the pacer the reals now checked (start, reload) and the
// policy in force.
func (p *pacer) setPlan(g *ldconf.Global, loops []*probeLoop, interval time.Duration) {
	p.policy.Store(int32(g.CheckOverload))
	p.mu.Lock()
	defer p.mu.Unlock()
	p.reals, p.interval, p.loops = len(loops), interval, loops
	p.win.Store(int64(max(minWindow, interval)))
	p.maxStretch = 0
	for _, l := range loops {
		if iv := l.p.spec.interval; iv > 0 {
			s := float64(maxEffective(iv, l.p.spec.target.Timeout())) / float64(iv)
			if p.maxStretch == 0 || s < p.maxStretch {
				p.maxStretch = s
			}
		}
	}
	if p.maxStretch == 0 {
		p.maxStretch = 3
	}
	p.stretch.Store(math.Float64bits(min(p.factor(), p.maxStretch)))
	if g.CheckOverload == ldconf.OverloadFail {
		p.stretch.Store(math.Float64bits(1))
	}
}

// setLimiter tells the pacer the limiter, for status.
func (p *pacer) setLimiter(l *limiter) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.lim = l
}

func (p *pacer) stretching() bool {
	return ldconf.CheckOverload(p.policy.Load()) == ldconf.OverloadStretch
}

// factor is the stretch of every interval now.
func (p *pacer) factor() float64 { return math.Float64frombits(p.stretch.Load()) }

// stretched is the interval iv of a real with timeout t as the pacer
// has it now.
func (p *pacer) stretched(iv, t time.Duration) time.Duration {
	return min(time.Duration(float64(iv)*p.factor()), maxEffective(iv, t))
}

// lagLimit is how late a check of interval iv and timeout t may start
// and still count as on time for the stretch: a quarter of the shorter
// of the two (and it may try to connect up to twice that after its
// start). Later than that the director completes clearly fewer checks
// than are due; a timer a little late is no reason to slow down.
func lagLimit(iv, t time.Duration) time.Duration { return min(iv, t) / 4 }

// answerMissed is the rule that makes a timed-out check no answer yet:
// the director, not the real, made it time out. It did when the check
// never asked the real (no connect, no request sent), or asked with less
// than half of its timeout t left before its deadline, or found at the
// deadline the answer there unread (checks.ConnectMark). A check that
// asked in time and had nothing back by its deadline is the real's
// failure, however late it started (its timeout runs from its own
// start) and however far behind the director is: a black hole is found
// on time.
func answerMissed(sent time.Time, asked bool, deadline time.Time, t time.Duration, missed bool) bool {
	return !asked || missed || deadline.Sub(sent) < t/2
}

// answerStarved is the other rule that makes a timed-out check no answer
// yet: the real's kernel made the connection (connected) and the
// director was short of CPU for its checks after it asked (starving,
// the limiter's verdict): the reply then waits behind the director's own
// work, in its network stack or its run queue, or comes from a real
// that shares the director's CPU. A black hole never connects, so it is
// found on time; a service that accepts and then says nothing is found
// within noAnswerLimit while the director starves.
func answerStarved(connected, starving bool) bool { return connected && starving }

// noAnswerLimit is how long a real may go without a passed check and
// still have a late timeout excused, with iv the interval in force (as
// stretched): a healthy real waits iv for its next check, which may
// start up to its timeout t late and take t. A real that stops answering
// is counted as failed by the first timeout that ends after it (so
// within noAnswerLimit plus one more check).
func noAnswerLimit(iv, t time.Duration) time.Duration { return iv + 2*t }

// ended records one check that ran: its lag, whether it was behind
// (late by more than its lagLimit), whether it was a late timeout.
// Every window's end is evaluated here.
func (p *pacer) ended(now time.Time, lag time.Duration, behind, answered bool) {
	p.done.Add(1)
	if answered {
		p.answered.Add(1)
	}
	if behind {
		p.behind.Add(1)
	}
	for {
		m := p.maxLag.Load()
		if int64(lag) <= m || p.maxLag.CompareAndSwap(m, int64(lag)) {
			break
		}
	}
	start := p.winStart.Load()
	if now.UnixNano()-start < p.win.Load() || !p.winStart.CompareAndSwap(start, now.UnixNano()) {
		return
	}
	p.evaluate(p.done.Swap(0), p.behind.Swap(0), time.Duration(p.maxLag.Swap(0)), time.Duration(now.UnixNano()-start), p.answered.Swap(0))
}

// evaluate decides the stretch after a window of length elapsed with n
// checks ended, late of them late and answered of them not no answer
// yet (a recheck completes nothing), and logs a falling-behind spell's
// start and end.
func (p *pacer) evaluate(n, late int64, maxLag, elapsed time.Duration, answered int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.lastLag = maxLag
	if n == 0 {
		return
	}
	share := float64(late) / float64(n)
	s := p.factor()
	switch {
	case share > behindShare:
		switch {
		case !p.stretching():
		case p.checksHeldBack():
			s = min(p.maxStretch, max(s, p.following(answered, elapsed)))
		default:
			s = min(p.maxStretch, s+stretchUp)
		}
		p.calm = 0
		if !p.falling {
			p.falling = true
			p.log.Printf("checks falling behind: %d reals, effective interval %s (configured %s)",
				p.reals, seconds(time.Duration(float64(p.interval)*s)), seconds(p.interval))
		}
	case share < onTimeShare:
		s = max(1, s-stretchDown)
		if s > 1 {
			p.calm = 0
			break
		}
		if p.calm++; p.falling && p.calm >= calmWindows {
			p.falling = false
			p.log.Printf("checks on time again: %d reals, interval %s", p.reals, seconds(p.interval))
		}
	default:
		p.calm = 0
	}
	// In thousandths, so that steps of a tenth come back to 1 exactly.
	p.stretch.Store(math.Float64bits(math.Round(s*1000) / 1000))
}

// checksHeldBack says whether a check waited for a place among the
// running ones since the last evaluation while the limiter held the
// limit down or at its ceiling (p.mu held); without a limiter (some
// tests) it says yes.
func (p *pacer) checksHeldBack() bool {
	if p.lim == nil {
		return true
	}
	q := p.lim.heldBack.Load()
	held := q != p.lastHeldBack
	p.lastHeldBack = q
	return held
}

// following is the stretch at which the checks due per second match
// what the director completed in a window of length elapsed with n
// checks ended (when checks were waiting, what it can complete), with
// stretchMargin to spare.
func (p *pacer) following(n int64, elapsed time.Duration) float64 {
	if n <= 0 || elapsed <= 0 || p.interval <= 0 {
		return 1
	}
	rate := float64(n) / elapsed.Seconds()
	return stretchMargin * float64(p.reals) / (rate * p.interval.Seconds())
}

// seconds writes d as the warning lines do: "1.25 s".
func seconds(d time.Duration) string {
	return strconv.FormatFloat(math.Round(d.Seconds()*100)/100, 'f', -1, 64) + " s"
}

// overdue counts the reals whose check is due by more than its lagLimit
// and has not started.
func (p *pacer) overdue() int {
	p.mu.Lock()
	loops := p.loops
	p.mu.Unlock()
	now := p.now().UnixNano()
	n := 0
	for _, l := range loops {
		if due := l.due.Load(); due != 0 && now-due > int64(l.p.lagLimit) {
			n++
		}
	}
	return n
}

// CheckPace is how the director keeps up with its checks, for status.
type CheckPace struct {
	// Policy is checkoverload: "stretch" or "fail".
	Policy string `json:"policy"`
	// Reals is how many real ids are checked.
	Reals int `json:"reals"`
	// Interval is the configured checkinterval (the shortest, with
	// fork=yes); Effective is it stretched.
	Interval  time.Duration `json:"interval_ns"`
	Effective time.Duration `json:"effective_interval_ns"`
	Stretch   float64       `json:"stretch"`
	// Behind: a falling-behind spell is on (it was logged).
	Behind bool `json:"behind"`
	// Overdue checks now; Lag is the largest lag of the last window.
	Overdue int           `json:"overdue"`
	Lag     time.Duration `json:"lag_ns"`
	// LateTimeouts counts timeouts taken as no answer yet; Abandoned the
	// checks given up by the watchdog, Stuck those of them still
	// running; Panics the checks that panicked.
	LateTimeouts uint64 `json:"late_timeouts"`
	Abandoned    uint64 `json:"abandoned"`
	Stuck        int64  `json:"stuck"`
	Panics       uint64 `json:"panics"`
	// Limit is how many checks may run at once now, Ceiling the most
	// (limiter.go).
	Limit   int `json:"concurrency_limit"`
	Ceiling int `json:"concurrency_ceiling"`
}

// pace is the pacer's state now.
func (p *pacer) pace() CheckPace {
	over := p.overdue()
	p.mu.Lock()
	defer p.mu.Unlock()
	s := p.factor()
	limit, ceiling := 0, 0
	if p.lim != nil {
		limit, ceiling = p.lim.current(), p.lim.maxLimit()
	}
	return CheckPace{Limit: limit, Ceiling: ceiling,
		Policy: ldconf.CheckOverload(p.policy.Load()).String(), Reals: p.reals,
		Interval: p.interval, Effective: time.Duration(float64(p.interval) * s), Stretch: s,
		Behind: p.falling, Overdue: over, Lag: p.lastLag,
		LateTimeouts: p.lateTimeouts.Load(), Abandoned: p.abandoned.Load(), Stuck: p.stuck.Load(), Panics: p.panics.Load(),
	}
}
