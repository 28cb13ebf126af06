package director

import (
	"context"
	"testing"
	"testing/synctest"
	"time"
)

// The idle share runs over the last idleReadings readings; counters that
// cannot be read, or have not moved, say no CPU to spare.
func TestIdleSamplerShareOverTheLastSecond(t *testing.T) {
	var idle, total uint64
	ok := true
	s := newIdleSampler(func() (uint64, uint64, bool) { return idle, total, ok })
	if got := s.share(); got != 0 {
		t.Errorf("first reading: %v, want 0 (nothing moved yet)", got)
	}
	// 10 readings of 20 ticks each, 5 of them idle: a quarter
	for range idleReadings {
		idle, total = idle+5, total+20
		s.share()
	}
	if got := s.share(); got != 0.25 {
		t.Errorf("share %v, want 0.25", got)
	}
	// then a fully busy second: the window forgets the idle ones
	for range idleReadings {
		total += 20
		s.share()
	}
	if got := s.share(); got != 0 {
		t.Errorf("share after a busy second %v, want 0", got)
	}
	ok = false
	if got := s.share(); got != 0 {
		t.Errorf("unreadable: %v, want 0", got)
	}
}

func TestParseCPULine(t *testing.T) {
	idle, total, ok := parseCPULine([]byte("cpu  100 2 30 400 5 6 7 8 9 10\n"))
	if !ok || idle != 405 || total != 558 {
		t.Errorf("got %d %d %v, want 405 558 true", idle, total, ok)
	}
	for _, bad := range []string{"cpu0 1 2 3 4 5\n", "cpu 1 2 x 4 5\n", "cpu 1 2\n", ""} {
		if _, _, ok := parseCPULine([]byte(bad)); ok {
			t.Errorf("%q parsed", bad)
		}
	}
	if _, total, ok := readProcStat(); !ok || total == 0 {
		t.Errorf("/proc/stat: %d %v", total, ok)
	}
}

// A Go scheduler that keeps goroutines waiting while the machine has CPU
// to spare (idle over idleStarving of the last second) is a burst, not a
// starving director: the limit does not shrink and the checks do not
// queue.
func TestLimiterIgnoresSchedulerLatencyWithIdleCPU(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sched := &fakeSched{}
		l := newLimiter(1000, time.Now, sched.sample)
		idle := 0.5
		l.idle = func() float64 { return idle }
		ctx := context.Background()
		for range limitStart { // all it lets run at the start
			l.acquire(ctx)
		}
		sched.set(time.Second, schedMinSamples)
		for range 3 {
			time.Sleep(adjustEvery)
			l.release(true)
		}
		if l.starving() || l.current() < limitStart {
			t.Errorf("with idle CPU: starving %v, limit %d", l.starving(), l.current())
		}
		idle = 0.05
		for range l.current() - (limitStart - 3) { // every place taken
			l.acquire(ctx)
		}
		time.Sleep(adjustEvery)
		l.release(false)
		if !l.starving() || l.current() >= limitStart {
			t.Errorf("without idle CPU: starving %v, limit %d, want it halved", l.starving(), l.current())
		}
	})
}
