package director

import (
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

// twoRealsQuick are twoReals with failurecount 1 and the harness's fake
// checks (timeout 300 ms): a check's deadline is 2.3 s after its start,
// the watchdog's 3.3 s.
const stuckAfter = 300*time.Millisecond + checkGrace + watchdogGrace

// A check that ignores its context is abandoned watchdogGrace after its
// deadline: its real counts as failed (taken out), its checker is not
// run again while the abandoned check runs (the real stays failed), the
// other real is checked as ever, and when the check finally returns its
// result is dropped and checking resumes.
func TestWatchdogAbandonsAStuckCheck(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newBubbleHarness(t, twoReals)
		h.health.set("10.0.0.2", true)
		h.health.set("10.0.0.3", true)
		h.start()
		h.waitTable(`
-A -t 192.168.100.1:80 -s wrr
-a -t 192.168.100.1:80 -r 10.0.0.2:80 -g -w 2
-a -t 192.168.100.1:80 -r 10.0.0.3:80 -g -w 3
`)
		release := h.health.stick("10.0.0.3")
		h.settle()
		stuckAt := h.health.count("10.0.0.3") // the check that sticks
		time.Sleep(stuckAfter)
		synctest.Wait()
		h.waitLog("Check of real server 10.0.0.3:80 (192.168.100.1:80) still running 3.3s after it started: abandoned, counted as failed")
		h.waitTable(`
-A -t 192.168.100.1:80 -s wrr
-a -t 192.168.100.1:80 -r 10.0.0.2:80 -g -w 2
`)
		before2 := h.health.count("10.0.0.2")
		time.Sleep(2 * time.Second)
		synctest.Wait()
		if n := h.health.count("10.0.0.3"); n != stuckAt {
			t.Errorf("10.0.0.3 checked %d more times while its abandoned check ran", n-stuckAt)
		}
		if n := h.health.count("10.0.0.2"); n < before2+30 {
			t.Errorf("10.0.0.2 checked %d times in 2 s meanwhile, want every 30 ms", n-before2)
		}
		snap, err := h.snapshotNow()
		if err != nil {
			t.Fatal(err)
		}
		if r := snap.Virtuals[0].Reals[1]; r.Up || r.Reason != "an abandoned check of this real is still running" {
			t.Errorf("the stuck real's status: %+v", r.RealStatus)
		}
		if c := snap.Checks; c.Abandoned != 1 || c.Stuck != 1 {
			t.Errorf("checks %+v, want 1 abandoned, still running", c)
		}
		release()
		h.waitLog("Abandoned check of real server 10.0.0.3:80 (192.168.100.1:80) returned after 5.")
		h.waitTable(`
-A -t 192.168.100.1:80 -s wrr
-a -t 192.168.100.1:80 -r 10.0.0.2:80 -g -w 2
-a -t 192.168.100.1:80 -r 10.0.0.3:80 -g -w 3
`)
		if snap, _ := h.snapshotNow(); snap.Checks.Stuck != 0 {
			t.Errorf("still %d stuck after the return", snap.Checks.Stuck)
		}
	})
}

// A reload and a stop do not wait for a check that ignores its context:
// each is done stopGrace after it cancelled the checks.
func TestReloadAndStopBoundedByAStuckCheck(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newBubbleHarness(t, twoReals)
		h.health.set("10.0.0.2", true)
		h.health.set("10.0.0.3", true)
		h.start()
		h.waitLog("Added real server: 10.0.0.3:80")
		release := h.health.stick("10.0.0.3")
		defer release()
		h.settle()

		start := time.Now()
		h.reload <- struct{}{}
		h.waitLog("10.0.0.3:80 (192.168.100.1:80) did not stop within 2s of being cancelled: abandoned")
		h.waitLog("Changed virtual server: 192.168.100.1:80\n") // the reload's sync, after the probers stopped
		// (the reconciler may be gathering a batch when the reload comes)
		if took := time.Since(start); took < stopGrace || took > stopGrace+batchGap {
			t.Errorf("the reload waited %v for the stuck check, want stopGrace (%v)", took, stopGrace)
		}
		// The reload's new prober of 10.0.0.3 does not run the checker
		// while the old check runs: the real counts as failed.
		h.waitTable(`
-A -t 192.168.100.1:80 -s wrr
-a -t 192.168.100.1:80 -r 10.0.0.2:80 -g -w 2
`)
		start = time.Now()
		h.cancel(StopSignal("TERM"))
		h.cancel = nil
		if err := <-h.done; err != nil {
			t.Fatal(err)
		}
		if took := time.Since(start); took != 0 {
			t.Errorf("the stop took %v: no check was running, want none", took)
		}
	})
}

// The stop itself, with the stuck check in flight, waits stopGrace.
func TestStopBoundedByAStuckCheck(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newBubbleHarness(t, twoReals)
		h.health.set("10.0.0.2", true)
		h.health.set("10.0.0.3", true)
		h.start()
		h.waitLog("Added real server: 10.0.0.3:80")
		release := h.health.stick("10.0.0.3")
		defer release()
		h.settle()
		start := time.Now()
		h.cancel(StopSignal("TERM"))
		h.cancel = nil
		if err := <-h.done; err != nil {
			t.Fatal(err)
		}
		if took := time.Since(start); took != stopGrace {
			t.Errorf("the stop took %v, want stopGrace (%v)", took, stopGrace)
		}
		h.waitLog("Linux Director Daemon terminated on signal: TERM")
	})
}

// A panic in a check is logged with its stack and counted as that
// check's failure; the daemon goes on, and so do the real's checks.
func TestCheckPanicIsAFailure(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newBubbleHarness(t, twoReals)
		h.health.set("10.0.0.2", true)
		h.health.set("10.0.0.3", true)
		h.health.panicking("10.0.0.3", true)
		h.start()
		h.waitLog("panic in the check of real server 10.0.0.3:80 (192.168.100.1:80): fake checker: boom\ngoroutine ")
		h.waitLog("director.fakeChecker.Check(") // the stack
		h.settle()
		h.waitTable(`
-A -t 192.168.100.1:80 -s wrr
-a -t 192.168.100.1:80 -r 10.0.0.2:80 -g -w 2
`)
		snap, err := h.snapshotNow()
		if err != nil {
			t.Fatal(err)
		}
		if r := snap.Virtuals[0].Reals[1]; r.Up || r.Reason != "check panicked: fake checker: boom" {
			t.Errorf("status of the panicking real: %+v", r.RealStatus)
		}
		if snap.Checks.Panics < 2 {
			t.Errorf("%d panics counted, want every check's", snap.Checks.Panics)
		}
		h.health.panicking("10.0.0.3", false)
		h.waitLog("Added real server: 10.0.0.3:80 (192.168.100.1:80)")
		if strings.Count(h.logs.String(), "\nAdded real server: 10.0.0.2:80") != 1 {
			t.Errorf("the other real flapped:\n%s", h.logs)
		}
	})
}
