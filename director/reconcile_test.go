package director

import (
	"errors"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/lvsctl/lvsctl/ipvsctl"
	"github.com/lvsctl/lvsctl/ipvsctl/ipvstest"
)

const quiescentTwo = `quiescent=yes
virtual=192.168.100.1:80
	real=10.0.0.2:80 gate 2
	real=10.0.0.3:80 gate 3
	checktype=connect
`

// healthyTwo is quiescentTwo's virtual in the table with both reals up.
func healthyTwo(f *ipvstest.Fake) {
	s := svc("192.168.100.1", 80, "wrr")
	must(f.AddService(&s))
	for _, d := range []ipvsctl.Destination{gateDest("10.0.0.2", 80, 2), gateDest("10.0.0.3", 80, 3)} {
		must(f.AddDestination(&s, &d))
	}
}

var errNoMem = &ipvsctl.KernelError{Op: ipvsctl.OpUpdateDest, Errno: syscall.ENOMEM}

// The case: the kernel refuses the quiesce of a dead real. The
// refusal is logged once, the write is retried with backoff until it
// holds, and only then is "Quiescent real server" logged (and alerted),
// once; the metrics count it all.
func TestRefusedQuiesceLoggedOnceRetriedUntilHeld(t *testing.T) {
	et := newEngineTest(t, quiescentTwo, healthyTwo)
	et.wantLines("Changed virtual server: 192.168.100.1:80")
	for range 3 {
		et.fake.FailNext("UpdateDestination", errNoMem)
	}
	et.down("10.0.0.3")
	quiesce := "-e -t 192.168.100.1:80 -r 10.0.0.3:80 -g -w 0"
	et.wantLines("ipvsadm -e -t 192.168.100.1:80 -x 0 -y 0 -r 10.0.0.3:80 -g -w 0 failed: " + errNoMem.Error() + " (will retry)")
	et.wantCalls(quiesce)
	if next := et.e.nextRetry().Sub(et.now); next != retryBase {
		t.Fatalf("first retry in %v, want %v", next, retryBase)
	}
	et.advance(retryBase - time.Millisecond)
	et.wantCalls()
	et.advance(time.Millisecond) // 2nd attempt: refused, not logged again
	et.wantCalls(quiesce)
	et.wantLines()
	et.advance(2 * retryBase) // 3rd: refused
	et.wantCalls(quiesce)
	et.wantLines()
	if et.alerts.String() != "" {
		t.Fatalf("alerts before the write held: %s", et.alerts)
	}
	et.advance(4 * retryBase) // 4th: held
	et.wantCalls(quiesce)
	et.wantLines("Quiescent real server: 10.0.0.3:80 (192.168.100.1:80) (Weight set to 0)")
	if got, want := et.alerts.String(), "10.0.0.3:80|Quiescent real server: 10.0.0.3:80 (192.168.100.1:80) (Weight set to 0)|true\n"; got != want {
		t.Fatalf("alerts %q, want %q", got, want)
	}
	et.wantTable(`
-A -t 192.168.100.1:80 -s wrr
-a -t 192.168.100.1:80 -r 10.0.0.2:80 -g -w 2
-a -t 192.168.100.1:80 -r 10.0.0.3:80 -g -w 0
`)
	for name, want := range map[string]float64{"lvs_reconcile_writes_total": 4, "lvs_reconcile_errors_total": 3,
		"lvs_reconcile_retries_total": 3, "lvs_reconcile_pending": 0, "lvs_drift_entries": 0} {
		if got := et.metric(name); got != want {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
	if !et.e.nextRetry().IsZero() {
		t.Fatal("a retry is still scheduled")
	}
	et.advance(time.Minute)
	et.wantCalls()
}

// Retries back off from retryBase, doubling, to retryMax and stay there.
func TestRetryBackoffIsBounded(t *testing.T) {
	et := newEngineTest(t, quiescentTwo, healthyTwo)
	for range 20 {
		et.fake.FailNext("UpdateDestination", errNoMem)
	}
	et.down("10.0.0.3")
	var delays []time.Duration
	for range 9 {
		d := et.e.nextRetry().Sub(et.now)
		delays = append(delays, d)
		et.advance(d)
	}
	want := []time.Duration{250 * time.Millisecond, 500 * time.Millisecond, time.Second, 2 * time.Second,
		4 * time.Second, 8 * time.Second, 8 * time.Second, 8 * time.Second, 8 * time.Second}
	for i := range want {
		if delays[i] != want[i] {
			t.Fatalf("delays %v, want %v", delays, want)
		}
	}
	if lines := et.lines(); len(lines) != 2 { // the sync's, one refusal
		t.Fatalf("log:\n%q: want the refusal once", lines)
	}
	if got := len(et.calls()); got != 10 {
		t.Fatalf("%d attempts, want 10", got)
	}
}

// A newer state of the real replaces the refused write: the quiesce is
// never written once the real is back up, nor logged.
func TestNewerStateOvertakesRefusedWrite(t *testing.T) {
	et := newEngineTest(t, quiescentTwo, healthyTwo)
	et.lines()
	et.fake.FailNext("UpdateDestination", errNoMem)
	et.down("10.0.0.3")
	et.calls()
	et.lines()
	et.up("10.0.0.3") // the kernel still has it at weight 3: nothing to write
	et.wantCalls()
	et.wantLines()
	if !et.e.nextRetry().IsZero() || et.metric("lvs_reconcile_pending") != 0 {
		t.Fatal("the overtaken write is still owed")
	}
	et.advance(time.Minute)
	et.wantCalls()
	et.wantTable(`
-A -t 192.168.100.1:80 -s wrr
-a -t 192.168.100.1:80 -r 10.0.0.2:80 -g -w 2
-a -t 192.168.100.1:80 -r 10.0.0.3:80 -g -w 3
`)
}

// A failed read does not drop the pass's writes: they are owed and made
// by the retry.
func TestFailedReadKeepsTheBatch(t *testing.T) {
	et := newEngineTest(t, quiescentTwo, healthyTwo)
	et.lines()
	readErr := &ipvsctl.KernelError{Op: ipvsctl.OpGetDests, Errno: syscall.ENOBUFS}
	et.fake.FailNext("Destinations", readErr)
	et.e.transition(transition{id: et.id("10.0.0.2")}, transition{id: et.id("10.0.0.3")}) // one batch
	et.wantLines("Could not read the real servers of 192.168.100.1:80: " + readErr.Error() + " (will retry)")
	et.wantCalls()
	if got := et.metric("lvs_reconcile_pending"); got != 2 {
		t.Fatalf("pending %v, want 2", got)
	}
	et.advance(retryBase)
	et.wantLines("Quiescent real server: 10.0.0.2:80 (192.168.100.1:80) (Weight set to 0)",
		"Quiescent real server: 10.0.0.3:80 (192.168.100.1:80) (Weight set to 0)")
	et.wantTable(`
-A -t 192.168.100.1:80 -s wrr
-a -t 192.168.100.1:80 -r 10.0.0.2:80 -g -w 0
-a -t 192.168.100.1:80 -r 10.0.0.3:80 -g -w 0
`)
	if et.metric("lvs_reconcile_read_errors_total") != 1 || et.metric("lvs_reconcile_pending") != 0 {
		t.Fatal("read errors or pending writes miscounted")
	}
}

// A virtual the kernel refuses to add (a scheduler module it cannot load)
// is added by a retry, and its reals with it; the refusal is logged once.
func TestRefusedVirtualAddRetried(t *testing.T) {
	noSched := &ipvsctl.KernelError{Op: ipvsctl.OpAddService, Errno: syscall.ENOENT}
	et := newEngineTest(t, quiescentTwo, func(f *ipvstest.Fake) {
		f.FailNext("AddService", noSched)
		f.FailNext("AddService", noSched)
	})
	et.wantLines("ipvsadm -A -t 192.168.100.1:80 -s wrr failed: Scheduler or persistence engine not found (will retry)")
	et.wantTable("")
	et.advance(retryBase)
	et.wantLines()
	et.wantTable("")
	et.advance(2 * retryBase)
	et.wantLines("Added virtual server: 192.168.100.1:80",
		"Readd Quiescent real server: 10.0.0.2:80 (192.168.100.1:80) (Weight set to 0)",
		"Readd Quiescent real server: 10.0.0.3:80 (192.168.100.1:80) (Weight set to 0)")
	et.up("10.0.0.2")
	et.wantLines("Restored real server: 10.0.0.2:80 (192.168.100.1:80) (Weight set to 2)")
	et.wantTable(`
-A -t 192.168.100.1:80 -s wrr
-a -t 192.168.100.1:80 -r 10.0.0.2:80 -g -w 2
-a -t 192.168.100.1:80 -r 10.0.0.3:80 -g -w 0
`)
	if !et.e.nextRetry().IsZero() {
		t.Fatal("a retry is still scheduled")
	}
}

// A reload's deletion of a virtual the new configuration drops is retried
// when refused, and logged when it holds.
func TestDroppedVirtualDeleteRetried(t *testing.T) {
	two := quiescentTwo + "\nvirtual=192.168.100.2:80\n\treal=10.0.0.4:80 gate\n"
	et := newEngineTest(t, two, nil)
	et.lines()
	path := t.TempDir() + "/ld.cf"
	writeFile(t, path, quiescentTwo)
	conf, err := parseConfig(t, path)
	mustDo(t, err)
	p, err := newPlan(conf, newHealth().checker)
	mustDo(t, err)
	tab, err := et.e.readTable(p)
	mustDo(t, err)
	et.fake.FailNext("DeleteService", &ipvsctl.KernelError{Op: ipvsctl.OpDeleteService, Errno: syscall.ENOMEM})
	et.e.sync(p, et.e.plan, tab)
	lines := et.lines()
	if last := lines[len(lines)-1]; last != "ipvsadm -D -t 192.168.100.2:80 failed: "+(&ipvsctl.KernelError{Op: ipvsctl.OpDeleteService, Errno: syscall.ENOMEM}).Error()+" (will retry)" {
		t.Fatalf("log:\n%q", lines)
	}
	et.advance(retryBase)
	et.wantLines("Purged virtual server (start): 192.168.100.2:80")
	et.wantTable(`
-A -t 192.168.100.1:80 -s wrr
-a -t 192.168.100.1:80 -r 10.0.0.2:80 -g -w 0
-a -t 192.168.100.1:80 -r 10.0.0.3:80 -g -w 0
`)
}

// cleanstop's deletion is tried a few times; its lines are logged only
// when it holds, and the refusal when it never does.
func TestStopRetriesCleanstopDelete(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		refused := &ipvsctl.KernelError{Op: ipvsctl.OpDeleteService, Errno: syscall.ENOMEM}
		et := newEngineTest(t, quiescentTwo, healthyTwo)
		et.lines()
		et.fake.FailNext("DeleteService", refused)
		et.e.stop()
		et.wantLines("Purged real server (stop): 10.0.0.2:80 (192.168.100.1:80)",
			"Purged real server (stop): 10.0.0.3:80 (192.168.100.1:80)",
			"Purged virtual server (stop): 192.168.100.1:80")
		et.wantTable("")

		et = newEngineTest(t, quiescentTwo, healthyTwo)
		et.lines()
		for range stopAttempts {
			et.fake.FailNext("DeleteService", refused)
		}
		et.e.stop()
		et.wantLines("ipvsadm -D -t 192.168.100.1:80 failed: " + refused.Error())
		if got := len(et.calls()); got != stopAttempts {
			t.Fatalf("%d attempts, want %d", got, stopAttempts)
		}
	})
}

// A start or reload that cannot read the table fails after a few tries
// instead of adopting a table it has not seen.
func TestStartNeedsTheTable(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		et := newEngineTest(t, quiescentTwo, healthyTwo)
		for range syncReadAttempts {
			et.fake.FailNext("Services", errors.New("no buffer space"))
		}
		start := time.Now()
		if _, err := et.e.readTable(et.e.plan); err == nil || err.Error() != "read the IPVS table: no buffer space" {
			t.Fatalf("readTable: %v", err)
		}
		if d := time.Since(start); d != retryBase+2*retryBase+4*retryBase {
			t.Fatalf("gave up after %v", d)
		}
		et.fake.FailNext("Services", errors.New("no buffer space"))
		if _, err := et.e.readTable(et.e.plan); err != nil {
			t.Fatalf("a second try should have read it: %v", err)
		}
	})
}
