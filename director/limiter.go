package director

import (
	"context"
	"runtime/metrics"
	"sync"
	"sync/atomic"
	"time"
)

// A check mostly waits on the network, so on a director with CPU to
// spare as many checks may run at once as there are reals (workersFor):
// when every real is black-holed, all of them time out together instead
// of queueing. On a director whose CPU cannot keep up, though, a
// thousand checks in flight share it so thinly that every one of them
// runs slowly, healthy reals' checks time out, and nothing is gained:
// each check needs the same CPU however many run beside it.
//
// The limiter bounds the running checks by a limit that follows the
// director's own CPU, additive increase / multiplicative decrease:
//
//   - every adjustEvery (as checks start or end, or the watchdog looks)
//     it looks at the checks that ended, at the Go scheduler and at the
//     machine's idle CPU: the director is starving its checks if its
//     goroutines waited for a CPU longer than schedLimit (the 90th
//     percentile of the runtime's scheduling latency over the period), or
//     if more than a tenth of the checks tried to connect late
//     (starvedConnect) or timed out without having tried at all, while
//     the machine's CPUs were idle less than idleStarving of the last
//     second. With CPU to spare the waits are bursts (a thousand timers
//     firing together, an emulated CPU's pauses) that fewer checks at
//     once would not shorten, only queue behind;
//   - starving, while checks waited for a place or many (limitStart) ran
//     at once: the limit halves, down to what was in use in the period
//     halved (and never below its floor), so that the checks that do run
//     get the CPU and finish within their timeout;
//   - not starving, with checks ended or waiting for a place: the limit
//     grows by a quarter, at least by its floor, up to its ceiling
//     (workersFor); it doubles while checks wait and most of those that
//     ended timed out waiting on the network (a black hole).
//
// A black hole does not shrink it: its checks try to connect at once
// and wait on the network, not on the CPU, so the limit grows while they
// hold their places for their whole timeout, and detection stays
// bounded. The limit starts at limitStart, and grows from there within
// the first second and a half on a director with CPU to spare (a start
// at the ceiling would let a starved one fire every check at once).
// Checks beyond the limit wait in arrival order (a recheck after "no
// answer yet" too, behind reals that waited longer): that wait is lag,
// which the pacer turns into a stretched interval.
type limiter struct {
	floor, ceiling int
	now            func() time.Time
	// sched is the Go scheduler's latency since its last call (its 90th
	// percentile) and how many goroutines were scheduled meanwhile; idle
	// the share of the machine's CPU time idle over the last second.
	sched func() (time.Duration, uint64)
	idle  func() float64

	mu       sync.Mutex
	limit    int
	inflight int
	queue    []chan struct{} // the checks waiting, first come first
	// The period being counted: its start, the checks ended and those
	// starved of them, the most in flight, and whether any waited.
	periodStart     time.Time
	ended, starved  int
	network         int // of the ended, timeouts waiting on the network
	peak            int
	waited          bool
	starvingVerdict atomic.Bool
	// lastStarving is when the last period found starving ended
	// (UnixNano, 0: never).
	lastStarving atomic.Int64
	limitNow     atomic.Int64
	// shrunk: the limit is down from a starving period and has not grown
	// back to the ceiling since; heldBack counts the checks that waited
	// for a place meanwhile or at the ceiling (the pacer reads whether
	// the director's throughput held checks back, not the start's climb
	// from limitStart).
	shrunk   bool
	heldBack atomic.Uint64
}

const (
	// limitFloor is the fewest checks let run at once while the director
	// is starving them; limitStart the limit at the start.
	limitFloor = 16
	limitStart = 4 * limitFloor
	// adjustEvery is the limiter's period.
	adjustEvery = 100 * time.Millisecond
	// schedLimit: goroutines waiting longer than this for a CPU (90th
	// percentile) mean the director is short of CPU; schedMinSamples
	// scheduling latencies make a percentile worth reading (a quarter of
	// them, when it is over four times schedLimit: a starved director
	// schedules few goroutines).
	schedLimit      = 30 * time.Millisecond
	schedMinSamples = 20
	// starvedConnect: a check that tried to connect this long after its
	// start waited for the CPU (a check connects within microseconds
	// of its start on a director with CPU to spare).
	starvedConnect = 100 * time.Millisecond
	// idleStarving: with more of the machine's CPU time idle than this
	// over the last second, the director is not short of CPU.
	idleStarving = 0.1
)

// newLimiter is a limiter between floor and ceiling, at limitStart.
// sched nil: the runtime's own scheduling latency and the machine's idle
// CPU; a test's sched comes with a machine never idle.
func newLimiter(ceiling int, now func() time.Time, sched func() (time.Duration, uint64)) *limiter {
	idle := func() float64 { return 0 }
	if sched == nil {
		sched = newSchedSampler().sample
		idle = newIdleSampler(readProcStat).share
	}
	l := &limiter{now: now, sched: sched, idle: idle, periodStart: now(), limit: limitStart}
	l.setCeiling(ceiling)
	l.limitNow.Store(int64(l.limit))
	return l
}

// setCeiling sets the ceiling (a reload may change the reals).
func (l *limiter) setCeiling(ceiling int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.ceiling = max(ceiling, 1)
	l.floor = min(limitFloor, l.ceiling)
	l.limit = min(max(l.limit, l.floor), l.ceiling)
	l.limitNow.Store(int64(l.limit))
	l.handOn()
}

// acquire waits for a place among the running checks, in arrival order;
// false if ctx ended first.
func (l *limiter) acquire(ctx context.Context) bool {
	l.mu.Lock()
	if l.inflight >= l.limit {
		l.due() // a check that must wait may end a period too
		l.handOn()
	}
	if l.inflight < l.limit && len(l.queue) == 0 {
		l.inflight++
		l.peak = max(l.peak, l.inflight)
		l.mu.Unlock()
		return true
	}
	ch := make(chan struct{})
	l.queue = append(l.queue, ch)
	l.waited = true
	if l.shrunk || l.limit >= l.ceiling {
		l.heldBack.Add(1)
	}
	l.mu.Unlock()
	select {
	case <-ch:
		return true
	case <-ctx.Done():
	}
	l.mu.Lock()
	for i, c := range l.queue {
		if c == ch {
			l.queue = append(l.queue[:i], l.queue[i+1:]...)
			l.mu.Unlock()
			return false
		}
	}
	l.free() // handed a place meanwhile: give it back
	l.mu.Unlock()
	return false
}

// release gives a place back; starved says the check that held it
// waited for the CPU (it tried to connect late, or never did and timed
// out).
func (l *limiter) release(starved bool) { l.releaseCheck(starved, false) }

// releaseCheck is release; network says the check timed out waiting on
// the network (it tried to connect at once): a black hole's check,
// which held its place without using the CPU.
func (l *limiter) releaseCheck(starved, network bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.ended++
	if starved {
		l.starved++
	}
	if network {
		l.network++
	}
	l.free()
}

// free gives a place back (l.mu held).
func (l *limiter) free() {
	l.inflight--
	l.due()
	l.handOn()
}

// tick ends a period that is over though no check started or ended
// (the watchdog calls it).
func (l *limiter) tick() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.due()
	l.handOn()
}

// due adjusts the limit if the period is over.
func (l *limiter) due() {
	if now := l.now(); now.Sub(l.periodStart) >= adjustEvery {
		l.adjust(now)
	}
}

// handOn lets waiting checks run while there is room.
func (l *limiter) handOn() {
	for l.inflight < l.limit && len(l.queue) > 0 {
		ch := l.queue[0]
		l.queue[0] = nil
		l.queue = l.queue[1:]
		l.inflight++
		l.peak = max(l.peak, l.inflight)
		close(ch)
	}
}

// adjust ends a period: the rule in the type's comment.
func (l *limiter) adjust(now time.Time) {
	lat, n := l.sched()
	starving := lat > schedLimit && n >= schedMinSamples || lat > 4*schedLimit && n >= schedMinSamples/4 ||
		l.starved >= 2 && l.starved*10 > l.ended
	starving = starving && l.idle() < idleStarving
	switch {
	case starving && (l.waited || l.peak >= limitStart):
		l.limit = max(l.floor, min(l.limit, l.peak)/2)
		l.shrunk = true
	case starving:
		// A few checks at once, none waiting: what starves them is not
		// their number (the director is busy otherwise), and a limit under
		// them would only make them queue.
	case l.waited && l.network*2 > l.ended:
		// Mostly a black hole's checks: they hold their places without
		// using the CPU, the others must not queue behind them.
		l.limit = min(l.ceiling, 2*l.limit)
	case l.waited || l.ended > 0:
		l.limit = min(l.ceiling, l.limit+max(l.floor, l.limit/4))
	}
	if l.limit >= l.ceiling {
		l.shrunk = false
	}
	l.starvingVerdict.Store(starving)
	if starving {
		l.lastStarving.Store(now.UnixNano())
	}
	l.limitNow.Store(int64(l.limit))
	l.periodStart, l.ended, l.starved, l.network, l.peak, l.waited = now, 0, 0, 0, l.inflight, len(l.queue) > 0
}

// starving is the last period's verdict: the director was short of CPU
// for its checks.
func (l *limiter) starving() bool { return l.starvingVerdict.Load() }

// starvedSince says whether a period found starving ended after t: the
// director was short of CPU for its checks at some time after t.
func (l *limiter) starvedSince(t time.Time) bool { return l.lastStarving.Load() > t.UnixNano() }

// current is the limit now.
func (l *limiter) current() int { return int(l.limitNow.Load()) }

// maxLimit is the ceiling.
func (l *limiter) maxLimit() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.ceiling
}

// schedSampler reads the Go runtime's scheduling latency histogram: how
// long goroutines waited to run once they could. The runtime records
// one scheduling in eight, so a period of a director doing 250 checks a
// second holds a dozen: the sampler gathers periods until they hold
// schedMinSamples, ten periods at most (older waits say nothing of now).
type schedSampler struct {
	s     []metrics.Sample
	last  []uint64
	calls int // since last was taken
}

func newSchedSampler() *schedSampler {
	return &schedSampler{s: []metrics.Sample{{Name: "/sched/latencies:seconds"}}}
}

// sample is the 90th percentile of the latencies since they were last
// taken (the upper bound of its bucket) and how many there were; with
// fewer than schedMinSamples it takes none, unless ten calls have passed.
func (r *schedSampler) sample() (time.Duration, uint64) {
	metrics.Read(r.s)
	if r.s[0].Value.Kind() != metrics.KindFloat64Histogram {
		return 0, 0
	}
	h := r.s[0].Value.Float64Histogram()
	if len(r.last) != len(h.Counts) {
		r.last = make([]uint64, len(h.Counts))
	}
	var total uint64
	for i, c := range h.Counts {
		total += c - r.last[i]
	}
	if r.calls++; total < schedMinSamples && r.calls < 10 {
		return 0, total
	}
	r.calls = 0
	var seen uint64
	var p90 time.Duration
	found := false
	for i, c := range h.Counts {
		seen += c - r.last[i]
		if total > 0 && seen*10 >= total*9 && !found {
			found = true
			b := h.Buckets[i+1]
			if b > 1e9 { // the last bucket's bound is +Inf
				b = h.Buckets[i]
			}
			p90 = time.Duration(b * float64(time.Second))
		}
		r.last[i] = c
	}
	return p90, total
}
