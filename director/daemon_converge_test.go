package director

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/lvsctl/lvsctl/internal/testutil"
)

// countLog counts the log lines that are exactly msg (the harness logs
// with -d: each line twice, once after "DEBUG2: ").
func (h *harness) countLog(msg string) int {
	return strings.Count(h.logs.String(), "DEBUG2: "+msg+"\n")
}

// The daemon end to end: a refused quiesce is retried by its timer until
// it holds, logged once as refused and once as done.
func TestDaemonRetriesRefusedWrite(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newBubbleHarness(t, quiescentTwo)
		h.metrics = NewMetrics()
		h.health.set("10.0.0.2", true)
		h.health.set("10.0.0.3", true)
		h.start()
		h.settle()
		for range 4 {
			h.fake.FailNext("UpdateDestination", errNoMem)
		}
		h.health.set("10.0.0.3", false)
		h.settle()
		refused := "ipvsadm -e -t 192.168.100.1:80 -x 0 -y 0 -r 10.0.0.3:80 -g -w 0 failed: " + errNoMem.Error() + " (will retry)"
		done := "Quiescent real server: 10.0.0.3:80 (192.168.100.1:80) (Weight set to 0)"
		if h.countLog(refused) != 1 || h.countLog(done) != 0 {
			t.Fatalf("log after the first refusals:\n%s", h.logs)
		}
		// 250 + 500 + 1000 + 2000 ms of backoff, a few sweeps among them.
		time.Sleep(4 * time.Second)
		synctest.Wait()
		if h.countLog(refused) != 1 || h.countLog(done) != 1 {
			t.Fatalf("log:\n%s", h.logs)
		}
		h.waitTable(`
-A -t 192.168.100.1:80 -s wrr
-a -t 192.168.100.1:80 -r 10.0.0.2:80 -g -w 2
-a -t 192.168.100.1:80 -r 10.0.0.3:80 -g -w 0
`)
		if got := gatherDaemon(t, h.metrics)["lvs_reconcile_errors_total"].Metric[0].GetCounter().GetValue(); got != 4 {
			t.Errorf("lvs_reconcile_errors_total = %v, want 4", got)
		}
	})
}

// Drift found by the sweep, without any check changing state: reported
// once (log, status, metric) and left by default; put back within one
// checkinterval with resync=yes.
func TestDaemonDrift(t *testing.T) {
	for _, resync := range []bool{false, true} {
		name := map[bool]string{false: "resync=no", true: "resync=yes"}[resync]
		t.Run(name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				cfg := quiescentTwo
				if resync {
					cfg = "resync=yes\n" + cfg
				}
				h := newBubbleHarness(t, cfg)
				h.metrics = NewMetrics()
				h.health.set("10.0.0.2", true)
				h.health.set("10.0.0.3", true)
				h.start()
				h.settle()
				s := svc("192.168.100.1", 80, "wrr")
				d := gateDest("10.0.0.2", 80, 0)
				mustDo(t, h.fake.DeleteDestination(&s, &d))
				time.Sleep(h.interval) // one checkinterval
				synctest.Wait()
				line := "Drift: real server 10.0.0.2:80 (192.168.100.1:80): not in the table, want -g -w 2"
				if h.countLog(line) != 1 {
					t.Fatalf("log:\n%s", h.logs)
				}
				if !resync {
					h.settle()
					if h.countLog(line) != 1 || strings.Contains(h.fake.Dump(), "10.0.0.2") {
						t.Fatalf("resync=no: the drift was repaired or logged again:\n%s\n%s", h.fake.Dump(), h.logs)
					}
					snap, err := h.status(context.Background())
					mustDo(t, err)
					if r := snap.Virtuals[0].Reals[0]; r.Drift != "not in the table, want -g -w 2" || r.KernelWeight != nil {
						t.Errorf("status: %+v", r)
					}
					if g := gatherDaemon(t, h.metrics)["lvs_drift_entries"].Metric[0].GetGauge().GetValue(); g != 1 {
						t.Errorf("lvs_drift_entries = %v, want 1", g)
					}
					return
				}
				if h.countLog("Added real server: 10.0.0.2:80 (192.168.100.1:80) (Weight set to 2)") != 1 {
					t.Fatalf("resync=yes: not put back within one checkinterval:\n%s", h.logs)
				}
				h.waitTable(`
-A -t 192.168.100.1:80 -s wrr
-a -t 192.168.100.1:80 -r 10.0.0.2:80 -g -w 2
-a -t 192.168.100.1:80 -r 10.0.0.3:80 -g -w 3
`)
				snap, err := h.status(context.Background())
				mustDo(t, err)
				if len(snap.Virtuals[0].Drift) != 0 {
					t.Errorf("status still shows drift: %+v", snap.Virtuals[0].Drift)
				}
			})
		})
	}
}

// readdquiescent end to end: a real put in maintenance (a file in
// maintenancedir) is quiesced; deleted by hand it is back at weight 0,
// with ldirectord's log line and alert mail. (Not in a bubble: the
// maintenance check may look names up in DNS.)
func TestDaemonReaddQuiescentMaintenance(t *testing.T) {
	h := newHarness(t, "maintenancedir=@DIR@/maint\nemailalert=\"ops@example.org\"\nsmtp=127.0.0.1\n"+readdThree)
	mustDo(t, os.Mkdir(filepath.Join(h.dir, "maint"), 0o755))
	for _, a := range []string{"10.0.0.2", "10.0.0.3", "10.0.0.4"} {
		h.health.set(a, true)
	}
	h.start()
	h.waitLog("Restored real server: 10.0.0.4:80 (192.168.100.1:80) (Weight set to 4)")
	writeFile(t, filepath.Join(h.dir, "maint", "10.0.0.4:80"), "")
	quiesced := `
-A -t 192.168.100.1:80 -s wrr
-a -t 192.168.100.1:80 -r 10.0.0.2:80 -g -w 2
-a -t 192.168.100.1:80 -r 10.0.0.3:80 -g -w 3
-a -t 192.168.100.1:80 -r 10.0.0.4:80 -g -w 0
`
	h.waitTable(quiesced)
	s := svc("192.168.100.1", 80, "wrr")
	d := gateDest("10.0.0.4", 80, 0)
	mustDo(t, h.fake.DeleteDestination(&s, &d))
	h.waitTable(quiesced)
	h.waitLog("Readd Quiescent real server: 10.0.0.4:80 (192.168.100.1:80) (Weight set to 0)")
	testutil.WaitFor(t, 5*time.Second, func() bool {
		return strings.Contains(h.mails.String(), "|Quiescent real server: 10.0.0.4:80 (192.168.100.1:80) (Weight set to 0)|")
	}, h.sentMails)
	if strings.Contains(h.mails.String(), "Readd") {
		t.Errorf("the mail says what ldirectord's says, not the log's Readd:\n%s", h.mails)
	}
	if strings.Contains(h.logs.String(), "Drift:") {
		t.Errorf("ldirectord's own repair reported as drift:\n%s", h.logs)
	}
	// Out of maintenance, up again: no longer forced.
	mustDo(t, os.Remove(filepath.Join(h.dir, "maint", "10.0.0.4:80")))
	h.waitTable(`
-A -t 192.168.100.1:80 -s wrr
-a -t 192.168.100.1:80 -r 10.0.0.2:80 -g -w 2
-a -t 192.168.100.1:80 -r 10.0.0.3:80 -g -w 3
-a -t 192.168.100.1:80 -r 10.0.0.4:80 -g -w 4
`)
}

// Unmanaged virtuals are never touched, even with resync=yes and a flush
// of the managed ones.
func TestDaemonResyncLeavesUnmanaged(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newBubbleHarness(t, "resync=yes\n"+quiescentTwo)
		h.health.set("10.0.0.2", true)
		h.start()
		h.settle()
		mustDo(t, h.fake.Flush())
		other := svc("192.168.100.9", 80, "rr")
		mustDo(t, h.fake.AddService(&other))
		o := gateDest("10.0.0.9", 80, 1)
		mustDo(t, h.fake.AddDestination(&other, &o))
		h.fake.ResetCalls()
		h.settle()
		for _, c := range h.fake.Calls() {
			if strings.Contains(c, "192.168.100.9") {
				t.Fatalf("touched the unmanaged virtual: %q", h.fake.Calls())
			}
		}
		h.waitTable(`
-A -t 192.168.100.1:80 -s wrr
-a -t 192.168.100.1:80 -r 10.0.0.2:80 -g -w 2
-a -t 192.168.100.1:80 -r 10.0.0.3:80 -g -w 0
-A -t 192.168.100.9:80 -s rr
-a -t 192.168.100.9:80 -r 10.0.0.9:80 -g -w 1
`)
	})
}

// A start on a table a killed daemon left half way through a pass (dead
// reals still at their weight): the table is the configuration's within
// one check round (checkinterval + checktimeout) of the daemon being
// ready, even when every first check comes as late as its random delay
// allows, and no live real leaves its weight on the way.
func TestRestartConvergesWithinCheckRound(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := "checkinterval=1\nchecktimeout=1\nquiescent=yes\nvirtual=192.168.100.1:80\n\tchecktype=connect\n"
		var want strings.Builder
		want.WriteString("-A -t 192.168.100.1:80 -s wrr\n")
		h := newBubbleHarness(t, "")
		s := svc("192.168.100.1", 80, "wrr")
		mustDo(t, h.fake.AddService(&s))
		for i := range 40 {
			a := fmt.Sprintf("10.0.1.%d", i+1)
			cfg += "\treal=" + a + ":80 gate 5\n"
			w := int32(5)
			if i%8 == 1 {
				w = 0 // quiesced before the kill
			}
			d := gateDest(a, 80, w)
			mustDo(t, h.fake.AddDestination(&s, &d))
			h.health.set(a, i%2 == 0)
			if i%8 == 3 || i%8 == 7 {
				h.health.blackhole(a) // no answer: down at its timeout
			}
			fmt.Fprintf(&want, "-a -t 192.168.100.1:80 -r %s:80 -g -w %d\n", a, map[bool]int{true: 5, false: 0}[i%2 == 0])
		}
		h.write(cfg)
		h.interval = 0 // the configuration's checkinterval
		h.workers = 0  // the daemon's own bound: a check per real at once
		h.jitter = func(max time.Duration) time.Duration { return max - time.Nanosecond }
		h.start()
		ready := time.Now()
		round := 2 * time.Second // checkinterval + checktimeout
		for h.fake.Dump() != want.String() {
			if time.Since(ready) > round {
				t.Fatalf("not converged %s after ready:\n%s\nwant:\n%s\nlog:\n%s", round, h.fake.Dump(), want.String(), h.logs)
			}
			for i := 0; i < 40; i += 2 {
				if !strings.Contains(h.fake.Dump(), fmt.Sprintf("-r 10.0.1.%d:80 -g -w 5\n", i+1)) {
					t.Fatalf("live real 10.0.1.%d left its weight:\n%s", i+1, h.fake.Dump())
				}
			}
			time.Sleep(10 * time.Millisecond)
			synctest.Wait()
		}
		t.Logf("converged %s after ready", time.Since(ready))
	})
}
