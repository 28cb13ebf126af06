package director

import (
	"context"
	"fmt"
	"math"
	"net/netip"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/lvsctl/lvsctl/checks"
	"github.com/lvsctl/lvsctl/internal/testutil"
	"github.com/lvsctl/lvsctl/ldconf"
)

// scripted is a checker that answers what a test says: a timeout at
// the check's timeout (after trying to connect at connectAfter; with
// missed, the answer found unread at the deadline), a refusal, or up.
type scripted struct {
	answer       string // "timeout", "refused", "up"
	connectAfter time.Duration
	missed       bool
	connected    bool // the connection is made (then "timeout": no answer to the request)
}

func (scripted) String() string { return "scripted" }

func (s scripted) Check(ctx context.Context, t checks.Target) checks.Result {
	start := time.Now()
	if s.connectAfter >= t.CheckTimeout {
		<-time.After(t.CheckTimeout) // never got to connect
		return checks.Result{Timeout: true, Reason: "timeout"}
	}
	time.Sleep(s.connectAfter)
	checks.MarkConnect(ctx)
	if s.connected {
		checks.MarkConnected(ctx)
	}
	switch s.answer {
	case "timeout":
		time.Sleep(t.CheckTimeout - time.Since(start))
		if s.missed {
			checks.MarkMissed(ctx)
		}
		return checks.Result{Timeout: true, Reason: "timeout"}
	case "refused":
		return checks.Result{Reason: "refused"}
	}
	return checks.Result{Up: true, Reason: "ok"}
}

// testProber is one up real (failurecount 1) checked by c, timeout 1 s,
// checkinterval 2 s, under policy, outside a daemon; out receives its
// transitions.
func testProber(t *testing.T, c checks.Checker, policy ldconf.CheckOverload) (*prober, *probeLoop, chan transition, *testutil.SyncBuffer) {
	t.Helper()
	logs, log := testLogger()
	rs := &rstate{vs: &vstate{v: &ldconf.Virtual{}}, r: &ldconf.Real{Address: netip.MustParseAddr("10.0.0.4"), Port: 80}}
	tg := checks.Target{CheckType: checks.TypeConnect, RealAddr: rs.r.Address, RealPort: 80, CheckTimeout: time.Second}
	out := make(chan transition, 16)
	p := &prober{spec: probeSpec{id: "10.0.0.4:80", checker: c, target: tg, members: []*rstate{rs}, failureCount: 1, interval: 2 * time.Second},
		state: pUp, log: log, lim: testLimiter(1), out: out, board: newBoard(), now: time.Now,
		pace: newPacer(log, time.Now), stuck: newStuckChecks(), jitter: func(time.Duration) time.Duration { return 0 }}
	p.lagLimit = lagLimit(p.spec.interval, tg.CheckTimeout)
	p.pace.setPlan(&ldconf.Global{CheckOverload: policy}, nil, p.spec.interval)
	ctx := context.Background()
	p.mctx = checks.WithConnectMark(ctx, &p.mark)
	p.lastPass = p.now()
	return p, &probeLoop{p: p, ctx: ctx}, out, logs
}

// The late-check rule on one prober: a timeout is no answer yet when the
// director missed the answer (it never asked the real, asked with less
// than half of the timeout left, or found the answer unread at the
// deadline) and the real has passed a check within noAnswerLimit. Every
// other failure, a timeout after asking in time however late the check
// started or however far behind the director is (a black hole), and
// every timeout under checkoverload=fail, takes the real down as
// ldirectord would.
func TestLateTimeoutIsNoAnswerYet(t *testing.T) {
	const T = time.Second
	for _, tc := range []struct {
		name         string
		answer       string
		lag          time.Duration // how late the check starts
		connectAfter time.Duration
		missed       bool // the answer was there unread at the deadline
		policy       ldconf.CheckOverload
		sincePass    time.Duration // the real's last passed check, before the check
		noAnswer     bool
		starving     bool // the limiter found the director starving its checks
		connected    bool // the connection was made, the request got no answer
	}{
		{"on time", "timeout", 0, 0, false, ldconf.OverloadStretch, 0, false, false, false},
		{"asked with half the timeout left", "timeout", T / 4, T / 2, false, ldconf.OverloadStretch, 0, false, false, false},
		{"started late, asked at once", "timeout", T/4 + time.Millisecond, 0, false, ldconf.OverloadStretch, 0, false, false, false},
		{"started a timeout late, asked at once", "timeout", T, 0, false, ldconf.OverloadStretch, 0, false, false, false},
		{"connected late", "timeout", 0, T/2 + 10*time.Millisecond, false, ldconf.OverloadStretch, 0, true, false, false},
		{"never connected", "timeout", 0, T, false, ldconf.OverloadStretch, 0, true, false, false},
		{"answer missed", "timeout", 0, 0, true, ldconf.OverloadStretch, 0, true, false, false},
		{"answer missed, started late", "timeout", T, 0, true, ldconf.OverloadStretch, 0, true, false, false},
		{"refused, late", "refused", T, T / 2, false, ldconf.OverloadStretch, 0, false, false, false},
		{"answer missed, checkoverload=fail", "timeout", 0, 0, true, ldconf.OverloadFail, 0, false, false, false},
		// the check itself takes T: it ends noAnswerLimit after the
		// last pass, or just before
		{"answer missed, no pass for long", "timeout", 0, 0, true, ldconf.OverloadStretch, noAnswerLimit(2*time.Second, T) - T, false, false, false},
		{"answer missed, no pass for nearly long", "timeout", 0, 0, true, ldconf.OverloadStretch, noAnswerLimit(2*time.Second, T) - T - time.Millisecond, true, false, false},
		// a director starving its checks changes none of it for a check
		// that asked in time and heard nothing, not even a handshake: a
		// black hole
		{"on time, director starving", "timeout", 0, 0, false, ldconf.OverloadStretch, 0, false, true, false},
		{"answer missed, director starving", "timeout", 0, 0, true, ldconf.OverloadStretch, 0, true, true, false},
		{"refused, director starving", "refused", 0, 0, false, ldconf.OverloadStretch, 0, false, true, false},
		{"connected late, director starving, checkoverload=fail", "timeout", 0, T/2 + 10*time.Millisecond, false, ldconf.OverloadFail, 0, false, true, false},

		// connected, then no answer while the director starved its
		// checks: the reply waits behind the director's own work
		{"connected, no answer, director starving", "timeout", 0, 0, false, ldconf.OverloadStretch, 0, true, true, true},
		{"connected, no answer, director not starving", "timeout", 0, 0, false, ldconf.OverloadStretch, 0, false, false, true},
		{"connected, no answer, director starving, no pass for long", "timeout", 0, 0, false, ldconf.OverloadStretch, noAnswerLimit(2*time.Second, T) - T, false, true, true},
		{"connected, no answer, director starving, checkoverload=fail", "timeout", 0, 0, false, ldconf.OverloadFail, 0, false, true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				p, l, out, _ := testProber(t, scripted{tc.answer, tc.connectAfter, tc.missed, tc.connected}, tc.policy)
				p.lastPass = time.Now().Add(-tc.sincePass)
				if tc.starving { // the Go scheduler keeps goroutines waiting a second
					p.lim.sched = func() (time.Duration, uint64) { return time.Second, schedMinSamples }
				}
				due := time.Now().Add(-tc.lag).UnixNano()
				if !p.once(l.ctx, l, due) {
					t.Fatal("the check was abandoned")
				}
				st := p.board.get(p.spec.id)
				var sent []transition
				for len(out) > 0 {
					sent = append(sent, <-out)
				}
				if tc.noAnswer {
					if len(sent) != 0 || p.state != pUp || p.failcount != 0 || !st.Late || !st.Timeout ||
						!strings.HasPrefix(st.Reason, "no answer yet: the director was behind") {
						t.Errorf("want no answer yet: sent %v, state %v, failcount %d, status %+v", sent, p.state, p.failcount, st)
					}
					if d := p.nextDelay(); d != 0 {
						t.Errorf("next check in %v, want at once", d)
					}
					if n := p.pace.lateTimeouts.Load(); n != 1 {
						t.Errorf("%d late timeouts counted, want 1", n)
					}
					return
				}
				if len(sent) != 1 || sent[0].up || p.state != pDown || st.Late {
					t.Errorf("want the real down: sent %v, state %v, status %+v", sent, p.state, st)
				}
				if d := p.nextDelay(); d != 1800*time.Millisecond {
					t.Errorf("next check in %v, want the interval's 90%% (1.8s)", d)
				}
			})
		})
	}
}

// The pacer stretches every interval by the same factor while more
// than behindShare of a window's checks are late, to 1.2 x what the
// director completes (never less than before, at most maxStretch), and
// shrinks it back once they are on time; "checks falling behind" is
// logged once when that starts and "checks on time again" once when it
// has been over for calmWindows windows, however it wobbles meanwhile.
func TestPacerStretchesAndWarnsOnceEachWay(t *testing.T) {
	logs, log := testLogger()
	p := newPacer(log, time.Now)
	p.setPlan(&ldconf.Global{}, idleLoops(1000), time.Second)
	var got []float64
	window := func(n, late int64) {
		p.evaluate(n, late, 0, time.Second, n)
		got = append(got, math.Round(p.factor()*1000)/1000)
	}
	// 15% late, 1,000 reals due a second, so many completed
	for _, n := range []int64{800, 600, 500, 500, 1000, 300, 300} {
		window(n, n*15/100)
	}
	window(1000, 50)  // between the shares: hold
	window(1000, 0)   // on time: shrink by a tenth
	window(1000, 150) // late again, completing all that is due: hold, no second warning
	for range 30 {
		window(1000, 0)
	}
	// (kept in thousandths)
	want := []float64{1.5, 2, 2.4, 2.4, 2.4, 3, 3, 3, 2.9, 2.9}
	for range 30 {
		want = append(want, max(1, math.Round((want[len(want)-1]-stretchDown)*1000)/1000))
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("stretch by window:\n%v\nwant\n%v", got, want)
	}
	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	var warnings []string
	for _, l := range lines {
		if strings.Contains(l, "checks ") && !strings.HasPrefix(l, "DEBUG2: ") {
			warnings = append(warnings, l)
		}
	}
	wantLines := []string{
		"checks falling behind: 1000 reals, effective interval 1.5 s (configured 1 s)",
		"checks on time again: 1000 reals, interval 1 s",
	}
	if strings.Join(warnings, "\n") != strings.Join(wantLines, "\n") {
		t.Errorf("warnings:\n%s\nwant:\n%s", strings.Join(warnings, "\n"), strings.Join(wantLines, "\n"))
	}
	if pc := p.pace(); pc.Behind || pc.Stretch != 1 || pc.Effective != time.Second || pc.Reals != 1000 {
		t.Errorf("pace after: %+v", pc)
	}
}

// Late checks while none waited for a place held down for want of CPU
// or at the ceiling (a burst of the CPU's, a black hole's timeouts
// ending together, the start's climb from limitStart) stretch the
// interval by stretchUp a window, not to the completion rate: a black
// hole's checks complete a timeout apart, which says nothing of the
// director's throughput. Once checks wait for a place the limiter holds
// down, the stretch follows what the director completes.
func TestPacerStretchFollowsRateOnlyWhenChecksWait(t *testing.T) {
	_, log := testLogger()
	p := newPacer(log, time.Now)
	lim := testLimiter(2)
	p.setPlan(&ldconf.Global{}, idleLoops(1000), time.Second)
	p.setLimiter(lim)
	var got []float64
	window := func(n, late int64) {
		p.evaluate(n, late, 0, time.Second, n)
		got = append(got, p.factor())
	}
	window(300, 100) // 300 completed a second: the rate would say 4
	window(300, 100)
	window(1000, 0)
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		// wait has one check wait for a place, with the limit at limit
		wait := func(limit int, shrunk bool) {
			lim.mu.Lock()
			lim.limit, lim.shrunk = limit, shrunk
			lim.mu.Unlock()
			waiting, stop := context.WithCancel(ctx)
			go lim.acquire(waiting)
			synctest.Wait()
			stop()
			synctest.Wait()
		}
		lim.acquire(ctx)
		lim.acquire(ctx)
		wait(2, false)   // at the ceiling
		window(600, 100) // 600 a second: 1.2 x 1000 / 600
		wait(1, false)   // below the ceiling, climbing as at the start
		window(600, 100)
		wait(1, true) // held down after a starving period
		window(300, 100)
	})
	window(300, 100) // none waited since
	if want := []float64{1.25, 1.5, 1.4, 2, 2.25, 3, 3}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("stretch by window %v, want %v", got, want)
	}
}

// With checkoverload=fail the pacer measures and warns but never
// stretches.
func TestPacerFailNeverStretches(t *testing.T) {
	logs, log := testLogger()
	p := newPacer(log, time.Now)
	p.setPlan(&ldconf.Global{CheckOverload: ldconf.OverloadFail}, idleLoops(10), time.Second)
	for range 5 {
		p.evaluate(100, 50, 0, time.Second, 100)
	}
	if f := p.factor(); f != 1 || !strings.Contains(logs.String(), "checks falling behind: 10 reals, effective interval 1 s (configured 1 s)") {
		t.Errorf("stretch %v; log:\n%s", f, logs)
	}
}

// testLogger logs to a buffer only (not to ldirectord's default file).
func testLogger() (*testutil.SyncBuffer, *Logger) {
	logs := &testutil.SyncBuffer{}
	log := NewLogger(logs, logs, "ld.cf")
	log.Configure(true, false, "")
	return logs, log
}

// idleLoops are n loops with no check pending.
func idleLoops(n int) []*probeLoop {
	loops := make([]*probeLoop, n)
	for i := range loops {
		loops[i] = &probeLoop{p: &prober{}}
	}
	return loops
}

// A director that cannot keep up (20 reals checked every second, each
// check 100 ms, one check at a time: 10 checks a second) stretches every
// real's interval by the same factor, to what it completes with a fifth
// to spare (1.2 x 20 / 10 = 2.4): no real, and no virtual, is checked less often than
// another, none is taken out, "checks falling behind" is logged once;
// once the checks are quick again the interval comes back and "checks
// on time again" is logged once.
func TestOverloadStretchesEvenly(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var cfg strings.Builder
		cfg.WriteString("checkinterval=1\n")
		reals := connectVirtuals(&cfg, 2, 10)
		h := newBubbleHarness(t, cfg.String())
		h.interval, h.workers = 0, 1
		for _, a := range reals {
			h.health.set(a, true)
			h.health.slow(a, 100*time.Millisecond)
		}
		h.start()
		time.Sleep(20 * time.Second)
		synctest.Wait()
		counts := func() map[string]int {
			m := map[string]int{}
			for _, a := range reals {
				m[a] = h.health.count(a)
			}
			return m
		}
		before := counts()
		time.Sleep(30 * time.Second)
		synctest.Wait()
		after := counts()
		lo, hi := 1<<30, 0
		for _, a := range reals {
			n := after[a] - before[a]
			lo, hi = min(lo, n), max(hi, n)
		}
		// One check at a time, 100 ms each: at most 300 checks in 30 s,
		// 15 per real, against 30 due unstretched.
		if hi-lo > 1 || lo < 10 || hi > 15 {
			t.Errorf("checks per real in 30 s: %d to %d, want the same for all, 10 to 15", lo, hi)
		}
		snap, err := h.snapshotNow()
		if err != nil {
			t.Fatal(err)
		}
		if c := snap.Checks; !c.Behind || c.Stretch < 1.5 || c.Effective <= c.Interval || c.Interval != time.Second || c.Reals != 20 {
			t.Errorf("checks while behind: %+v", c)
		}
		for _, v := range snap.Virtuals {
			for _, r := range v.Reals {
				if !r.Up || r.KernelWeight == nil || *r.KernelWeight != 1 {
					t.Errorf("%s %s taken out: %+v", v.Name, r.Server, r)
				}
			}
		}
		for _, a := range reals {
			h.health.slow(a, 0)
		}
		time.Sleep(60 * time.Second)
		synctest.Wait()
		log := h.logs.String()
		if n := strings.Count(log, "\nchecks falling behind: 20 reals, effective interval 2.4 s (configured 1 s)\n"); n != 1 {
			t.Errorf("%d falling-behind warnings, want 1:\n%s", n, log)
		}
		if n := strings.Count(log, "\nchecks on time again: 20 reals, interval 1 s\n"); n != 1 {
			t.Errorf("%d on-time-again lines, want 1", n)
		}
		if n := strings.Count(log, "checks "); n != 4 { // each line twice (-d)
			t.Errorf("%d lines about the checks' pace, want 2:\n%s", n/2, log)
		}
		if strings.Contains(log, "Deleted real server") {
			t.Errorf("a real was taken out")
		}
		if snap, _ := h.snapshotNow(); snap.Checks.Stretch != 1 || snap.Checks.Behind {
			t.Errorf("checks after: %+v", snap.Checks)
		}
	})
}

// The status's line on the checks' pace.
func TestChecksLine(t *testing.T) {
	for _, tc := range []struct {
		c    CheckPace
		want string
	}{
		{CheckPace{Policy: "stretch", Reals: 3, Interval: time.Second, Effective: time.Second, Stretch: 1, Lag: 1500 * time.Microsecond},
			"Checks: on time: 3 reals, interval 1 s; checkoverload=stretch; 0 overdue, largest recent lag 2ms"},
		{CheckPace{Policy: "stretch", Reals: 1000, Interval: time.Second, Effective: 1600 * time.Millisecond, Stretch: 1.6, Behind: true,
			Overdue: 12, Lag: 420 * time.Millisecond, LateTimeouts: 35, Abandoned: 2, Stuck: 1, Panics: 3},
			"Checks: falling behind: 1000 reals, effective interval 1.6 s (configured 1 s); checkoverload=stretch; 12 overdue, " +
				"largest recent lag 420ms; 35 timeouts taken as no answer yet; 2 checks abandoned (1 still running); 3 checks panicked"},
		{CheckPace{Policy: "stretch", Reals: 10, Interval: 10 * time.Second, Effective: 12 * time.Second, Stretch: 1.2},
			"Checks: on time: 10 reals, interval 12 s (configured 10 s); checkoverload=stretch; 0 overdue, largest recent lag 0s"},
	} {
		if got := ChecksLine(tc.c); got != tc.want {
			t.Errorf("%+v:\n%s\nwant\n%s", tc.c, got, tc.want)
		}
	}
}

// A director whose CPU cannot run its checks in time: 20 healthy reals
// checked every second, each check needing 80 ms of the one CPU before
// it connects (1.6 times what there is), timeout 300 ms; most checks wait
// for the CPU past their timeout and time out without having tried. With
// checkoverload=stretch none of those healthy reals is taken out, while a
// black-holed real, whose checks connect on time and time out, is; with
// checkoverload=fail (ldirectord's way) healthy reals are taken out too.
func TestStarvedChecksAreNoAnswerYet(t *testing.T) {
	for _, policy := range []string{"stretch", "fail"} {
		t.Run(policy, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var cfg strings.Builder
				fmt.Fprintf(&cfg, "checkinterval=1\ncheckoverload=%s\n", policy)
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
				time.Sleep(5 * time.Second)
				synctest.Wait()
				h.health.blackhole("10.0.9.1")
				time.Sleep(25 * time.Second)
				synctest.Wait()
				snap, err := h.snapshotNow()
				if err != nil {
					t.Fatal(err)
				}
				log := h.logs.String()
				if !strings.Contains(log, "Deleted real server: 10.0.9.1:80 (192.168.100.9:80)") {
					t.Errorf("the black-holed real (an on-time timeout) was not taken out:\n%s", log)
				}
				dropped := strings.Count(log, "Deleted real server: 10.0.1.") + strings.Count(log, "Deleted real server: 10.0.2.")
				down := 0
				for _, v := range snap.Virtuals {
					for _, r := range v.Reals {
						if v.Name != "192.168.100.9:80" && !r.Up {
							down++
						}
					}
				}
				t.Logf("%s: %d deletions of healthy reals, %d down at the end; %+v", policy, dropped, down, snap.Checks)
				if policy == "stretch" {
					if dropped != 0 || down != 0 {
						t.Errorf("healthy reals taken out by the director's own lateness: %d deletions, %d down now", dropped, down)
					}
					if c := snap.Checks; c.LateTimeouts == 0 || !c.Behind || c.Stretch <= 1 {
						t.Errorf("checks: %+v, want late timeouts and a stretch", c)
					}
					return
				}
				if dropped+down == 0 {
					t.Errorf("checkoverload=fail took no healthy real out")
				}
				if c := snap.Checks; c.LateTimeouts != 0 || c.Stretch != 1 {
					t.Errorf("checks: %+v, want no late timeout and no stretch", c)
				}
			})
		})
	}
}

// connectVirtuals writes virtuals 192.168.100.V:80 (V from 1), each with
// reals 10.0.V.R:80 (R from 1) under connect checks, into cfg, and
// returns the reals' addresses in order.
func connectVirtuals(cfg *strings.Builder, virtuals, reals int) []string {
	var addrs []string
	for v := 1; v <= virtuals; v++ {
		fmt.Fprintf(cfg, "virtual=192.168.100.%d:80\n\tchecktype=connect\n", v)
		for r := 1; r <= reals; r++ {
			a := fmt.Sprintf("10.0.%d.%d", v, r)
			addrs = append(addrs, a)
			fmt.Fprintf(cfg, "\treal=%s:80 gate\n", a)
		}
	}
	return addrs
}
