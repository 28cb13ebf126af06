package director

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/lvsctl/lvsctl/checks"
	"github.com/lvsctl/lvsctl/ldconf"
)

// fakeSched is a Go scheduler as the limiter sees it: lat is the 90th
// percentile of its latency, n the goroutines it scheduled.
type fakeSched struct {
	mu  sync.Mutex
	lat time.Duration
	n   uint64
}

func (s *fakeSched) set(lat time.Duration, n uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lat, s.n = lat, n
}

func (s *fakeSched) sample() (time.Duration, uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lat, s.n
}

// The limit starts at limitStart and grows by a quarter (at least the
// floor) a period while checks end and the Go scheduler keeps none
// waiting, up to its ceiling; it halves (from what was in use) every
// period in which the scheduler kept goroutines waiting past
// schedLimit, down to its floor, and grows back once it no longer does;
// a scheduler busy with too few goroutines to tell (under
// schedMinSamples) is no evidence.
func TestLimiterShrinksOnSchedulerLatencyAndGrowsBack(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sched := &fakeSched{}
		l := newLimiter(1000, time.Now, sched.sample)
		ctx := context.Background()
		got := []int{l.current()}
		acquire := func(n int) {
			for range n {
				if !l.acquire(ctx) {
					t.Fatal("no place")
				}
			}
		}
		acquire(20)
		period := func() {
			time.Sleep(adjustEvery)
			l.release(false)
			got = append(got, l.current())
		}
		sched.set(time.Millisecond, 10000)
		for range 14 {
			period()
		}
		acquire(200)
		sched.set(time.Second, 4) // too few to tell
		period()
		sched.set(time.Second, schedMinSamples)
		for range 3 {
			period()
		}
		if !l.starving() {
			t.Error("not starving after a starving period")
		}
		sched.set(time.Millisecond, 10000)
		for range 3 {
			period()
		}
		if l.starving() {
			t.Error("starving after a quiet period")
		}
		// 205 checks in flight, one fewer each period: the first halving
		// starts from the 205 in use
		want := []int{64, 80, 100, 125, 156, 195, 243, 303, 378, 472, 590, 737, 921, 1000, 1000,
			1000, 102, 51, 25, 41, 57, 73}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("limit by period: %v, want %v", got, want)
		}
	})
}

// Checks that tried to connect late (or timed out without trying) are
// the CPU's evidence too: more than a tenth of a period's checks, at
// least two, shrink the limit (while many run at once or some wait);
// one is not enough.
func TestLimiterShrinksOnLateConnects(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := newLimiter(64, time.Now, noSchedLatency)
		ctx := context.Background()
		for range 64 {
			l.acquire(ctx)
		}
		for i := range 10 {
			l.release(i < 2)
		}
		time.Sleep(adjustEvery)
		l.release(false)
		// 11 checks, 2 starved; 64 in use at most in the period
		if got := l.current(); got != 32 {
			t.Errorf("two late connects in 11 checks: limit %d, want 32", got)
		}
		for i := range 20 {
			l.release(i == 0)
		}
		time.Sleep(adjustEvery)
		l.release(false)
		if got := l.current(); got != 48 {
			t.Errorf("one late connect in 21 checks: limit %d, want 48 (grown by the floor)", got)
		}
		// Starved checks, but few at once and none waiting: the limit
		// stays (under it they would only queue).
		for i := range 10 {
			l.release(i < 5)
		}
		time.Sleep(adjustEvery)
		l.release(false)
		if got := l.current(); got != 48 || !l.starving() {
			t.Errorf("late connects of %d checks at once, none waiting: limit %d (starving %v), want 48",
				22, got, l.starving())
		}
	})
}

// A black hole: checks that try to connect at once and then wait their
// whole timeout (2 s) hold their places without using the CPU; with the
// limit down at its floor (the director was starving before) and 200
// such checks due again as soon as they end, the limit grows within a
// second until all of them run at once, so that the checks do not queue
// a timeout deep behind each other.
func TestLimiterGrowsDuringBlackHole(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sched := &fakeSched{}
		l := newLimiter(200, time.Now, sched.sample)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		// Starving first: checks waiting, the limit goes down to the floor.
		sched.set(time.Second, schedMinSamples)
		for range limitStart {
			l.acquire(ctx)
		}
		waiting, stopWaiting := context.WithCancel(ctx)
		go l.acquire(waiting)
		synctest.Wait()
		for range 3 {
			time.Sleep(adjustEvery)
			l.release(false)
		}
		stopWaiting()
		synctest.Wait()
		for range limitStart - 3 {
			l.release(false)
		}
		if got := l.current(); got != limitFloor {
			t.Fatalf("limit %d after starving, want %d", got, limitFloor)
		}
		sched.set(0, 0) // the CPU is idle: every check waits on the network
		var mu sync.Mutex
		running, most := 0, 0
		var wg sync.WaitGroup
		for range 200 {
			wg.Go(func() {
				for ctx.Err() == nil {
					if !l.acquire(ctx) {
						return
					}
					mu.Lock()
					running++
					most = max(most, running)
					mu.Unlock()
					time.Sleep(2 * time.Second) // a black-holed check's timeout
					mu.Lock()
					running--
					mu.Unlock()
					l.release(false) // it tried to connect at once
				}
			})
		}
		// the watchdog's look, every 100 ms here
		wg.Go(func() {
			for ctx.Err() == nil {
				time.Sleep(adjustEvery)
				l.tick()
			}
		})
		time.Sleep(time.Second)
		synctest.Wait()
		if got := l.current(); got != 200 {
			t.Errorf("limit %d a second into a black hole, want the ceiling (200)", got)
		}
		time.Sleep(5 * time.Second)
		synctest.Wait()
		mu.Lock()
		if most != 200 {
			t.Errorf("at most %d black-holed checks at once, want all 200", most)
		}
		mu.Unlock()
		cancel()
		wg.Wait()
	})
}

// Checks beyond the limit run in the order they asked, a recheck too
// (behind reals that waited longer); one whose context ends leaves the
// queue, and a place it was handed meanwhile goes to the next.
func TestLimiterFirstComeFirstServed(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := newLimiter(1, time.Now, noSchedLatency)
		bg := context.Background()
		l.acquire(bg)
		var mu sync.Mutex
		var order []string
		var wg sync.WaitGroup
		ask := func(name string, ctx context.Context) {
			wg.Go(func() {
				if !l.acquire(ctx) {
					mu.Lock()
					order = append(order, name+" gave up")
					mu.Unlock()
					return
				}
				mu.Lock()
				order = append(order, name)
				mu.Unlock()
				time.Sleep(time.Second)
				l.release(false)
			})
			synctest.Wait() // queued
		}
		gone, leave := context.WithCancel(bg)
		ask("a", bg)
		ask("b", gone)
		ask("c", bg)
		ask("a recheck", bg)
		leave()
		synctest.Wait()
		l.release(false)
		wg.Wait()
		want := "b gave up, a, c, a recheck"
		if got := strings.Join(order, ", "); got != want {
			t.Errorf("order %q, want %q", got, want)
		}
		if l.inflight != 0 || len(l.queue) != 0 {
			t.Errorf("%d in flight, %d waiting at the end", l.inflight, len(l.queue))
		}
	})
}

// A check that waited for a place among the running checks (the limit)
// and then timed out has had its whole timeout with the CPU it needed:
// a failure, though it started late; so is one whose timer's goroutine
// itself ran late (the scheduler), since it still asked the real at once
// and heard nothing (answerMissed).
func TestWaitForAPlaceIsNoExcuse(t *testing.T) {
	for _, tc := range []struct {
		name     string
		schedLag time.Duration // how late its goroutine ran
		noAnswer bool
	}{
		{"waited for a place", 0, false},
		{"its goroutine ran late too, then asked at once", 300 * time.Millisecond, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				p, l, out, _ := testProber(t, scripted{answer: "timeout"}, ldconf.OverloadStretch)
				p.lim.acquire(l.ctx) // the one place, taken
				due := time.Now().Add(-tc.schedLag).UnixNano()
				done := make(chan bool)
				go func() { done <- p.once(l.ctx, l, due) }()
				time.Sleep(time.Second) // a timeout waiting for the place
				p.lim.release(false)
				<-done
				if p.lag != time.Second+tc.schedLag {
					t.Errorf("lag %v", p.lag)
				}
				st := p.board.get(p.spec.id)
				if tc.noAnswer {
					if len(out) != 0 || p.state != pUp || !st.Late {
						t.Errorf("want no answer yet: state %v, status %+v", p.state, st)
					}
					return
				}
				if len(out) != 1 || p.state != pDown || st.Late {
					t.Errorf("want the real down: state %v, status %+v", p.state, st)
				}
			})
		})
	}
}

// The stretch follows what the director completes: 1,000 reals due every
// second, 250 checks ended in a window of a second while checks were
// late, is a stretch of 1.2 x 1000 / 250 = 4.8 (effective interval
// 4.8 s); 100 a second would be 12, but a real's interval is stretched
// to 3 x checkinterval + checktimeout at most (5 s): within that and two
// timeouts a real that stops answering is counted failed, 3 x
// (checkinterval + checktimeout).
func TestStretchFollowsCompletionRate(t *testing.T) {
	logs, log := testLogger()
	p := newPacer(log, time.Now)
	loops := make([]*probeLoop, 1000)
	for i := range loops {
		loops[i] = &probeLoop{p: &prober{spec: probeSpec{interval: time.Second,
			target: checks.Target{CheckType: checks.TypeConnect, CheckTimeout: 2 * time.Second}}}}
	}
	p.setPlan(&ldconf.Global{}, loops, time.Second)
	p.evaluate(250, 100, 0, time.Second, 250)
	if s := p.factor(); s != 4.8 {
		t.Errorf("stretch %v, want 4.8", s)
	}
	if !strings.Contains(logs.String(), "checks falling behind: 1000 reals, effective interval 4.8 s (configured 1 s)\n") {
		t.Errorf("log:\n%s", logs)
	}
	if d := p.stretched(time.Second, 2*time.Second); d != 4800*time.Millisecond {
		t.Errorf("stretched interval %v, want 4.8s", d)
	}
	p.evaluate(100, 50, 0, time.Second, 100)
	if s, d := p.factor(), p.stretched(time.Second, 2*time.Second); s != 5 || d != 5*time.Second {
		t.Errorf("stretch %v (interval %v), want the cap: 5 (5s)", s, d)
	}
	if c := p.pace(); c.Effective != 5*time.Second {
		t.Errorf("effective interval %v in the status, want 5s", c.Effective)
	}
	// A healthy real waiting for its stretched turn (5 s), whose check
	// starts up to a timeout late and times out: still no answer yet.
	if got, want := noAnswerLimit(p.stretched(time.Second, 2*time.Second), 2*time.Second), 9*time.Second; got != want {
		t.Errorf("noAnswerLimit %v, want %v", got, want)
	}
	// Checks on time again: it creeps back by a tenth a window.
	p.evaluate(100, 0, 0, time.Second, 100)
	if s := p.factor(); s != 4.9 {
		t.Errorf("stretch %v after an on-time window, want 4.9", s)
	}
}

// A daemon whose one CPU each check needs for 15 ms before it connects
// (the fake checker's), 300 reals due every second: 4.5 times what the
// CPU does, and still 1.4 times at the longest stretch (3 x 1 s +
// 300 ms), so checks keep waiting for a place. Timeout 300 ms, at most 64
// checks at once: with 64 running, the last ones wait most of a second
// for the CPU and time out. The limiter sees the late connects and lets
// fewer run (its floor, 16: 240 ms of CPU at most ahead of the last):
// after the first seconds no check that starts times out, no real goes
// down; once the checks need no CPU the limit grows back to its ceiling.
func TestLimiterKeepsStarvedChecksInTime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var cfg strings.Builder
		cfg.WriteString("checkinterval=1\n")
		reals := connectVirtuals(&cfg, 10, 30)
		h := newBubbleHarness(t, cfg.String())
		h.interval, h.workers = 0, 64
		for _, a := range reals {
			h.health.set(a, true)
			h.health.busy(a, 15*time.Millisecond)
		}
		h.start()
		time.Sleep(10 * time.Second)
		synctest.Wait()
		before, err := h.snapshotNow()
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(30 * time.Second)
		synctest.Wait()
		after, err := h.snapshotNow()
		if err != nil {
			t.Fatal(err)
		}
		c := after.Checks
		t.Logf("after 10 s: %+v", before.Checks)
		if c.LateTimeouts != before.Checks.LateTimeouts || c.Limit != limitFloor || c.Ceiling != 64 || !c.Behind || c.Stretch <= 1 {
			t.Errorf("checks: %+v, want no timeout after the first 10 s (%d before), the limit at its floor, the interval stretched",
				c, before.Checks.LateTimeouts)
		}
		for _, v := range after.Virtuals {
			for _, r := range v.Reals {
				if !r.Up || r.Timeout {
					t.Errorf("%s %s: %+v", v.Name, r.Server, r)
				}
			}
		}
		if log := h.logs.String(); strings.Contains(log, "Deleted real server") || strings.Contains(log, "Quiescing") {
			t.Errorf("a healthy real taken out:\n%s", log)
		}
		for _, a := range reals {
			h.health.busy(a, 0)
		}
		time.Sleep(5 * time.Second)
		synctest.Wait()
		if snap, _ := h.snapshotNow(); snap.Checks.Limit != 64 {
			t.Errorf("limit %d with quick checks again, want the ceiling (64)", snap.Checks.Limit)
		}
	})
}

// Bounded detection on a starving director: 20 healthy reals whose
// checks need 80 ms of its one CPU each (1.6 times what it has, so the
// interval stretches and most checks wait), and one real that is
// black-holed: it is taken out within 3 x (checkinterval + checktimeout)
// of the black hole, however late the others are.
func TestBlackHoleFoundOnStarvingDirector(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var cfg strings.Builder
		cfg.WriteString("checkinterval=1\n")
		healthy := connectVirtuals(&cfg, 2, 10)
		cfg.WriteString("virtual=192.168.100.9:80\n\tchecktype=connect\n\treal=10.0.9.1:80 gate\n")
		h := newBubbleHarness(t, cfg.String())
		h.interval, h.workers = 0, 64
		for _, a := range healthy {
			h.health.set(a, true)
			h.health.busy(a, 80*time.Millisecond)
		}
		h.health.set("10.0.9.1", true)
		h.start()
		time.Sleep(20 * time.Second)
		synctest.Wait()
		snap, err := h.snapshotNow()
		if err != nil {
			t.Fatal(err)
		}
		if c := snap.Checks; !c.Behind || c.Stretch <= 1 {
			t.Fatalf("checks: %+v, want the director behind", c)
		}
		const bound = 3 * (time.Second + 300*time.Millisecond)
		h.health.blackhole("10.0.9.1")
		start := time.Now()
		for !strings.Contains(h.logs.String(), "Deleted real server: 10.0.9.1:80") {
			if time.Since(start) > 30*time.Second {
				t.Fatalf("the black-holed real not taken out in 30 s:\n%s", h.logs)
			}
			time.Sleep(10 * time.Millisecond)
		}
		took := time.Since(start)
		t.Logf("taken out %v after the black hole; %+v", took, snap.Checks)
		if took > bound {
			t.Errorf("the black-holed real taken out after %v, want within %v", took, bound)
		}
	})
}

// The runtime's scheduling latency as the limiter reads it: goroutines
// scheduled show up (one in eight is recorded), few are gathered until
// there are enough to read, and what was read is not read again.
func TestSchedSamplerReadsTheRuntime(t *testing.T) {
	r := newSchedSampler()
	r.sample()
	r.calls = 9 // the next call takes whatever there is
	r.sample()
	var wg sync.WaitGroup
	for range 2000 {
		wg.Go(func() {})
	}
	wg.Wait()
	lat, n := r.sample()
	if n < schedMinSamples || lat <= 0 {
		t.Fatalf("after 2000 goroutines: %v, %d latencies", lat, n)
	}
	if _, again := r.sample(); again >= n {
		t.Errorf("%d latencies read again (%d before)", again, n)
	}
}
