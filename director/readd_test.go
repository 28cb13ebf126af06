package director

import (
	"testing"

	"github.com/lvsctl/lvsctl/ipvsctl/ipvstest"
)

// readdThree is the readdquiescent setup: quiescent, readdquiescent, three reals.
const readdThree = `quiescent=yes
readdquiescent=yes
virtual=192.168.100.1:80
	real=10.0.0.2:80 gate 2
	real=10.0.0.3:80 gate 3
	real=10.0.0.4:80 gate 4
	checktype=connect
`

func healthyThree(f *ipvstest.Fake) {
	s := svc("192.168.100.1", 80, "wrr")
	must(f.AddService(&s))
	for i, a := range []string{"10.0.0.2", "10.0.0.3", "10.0.0.4"} {
		d := gateDest(a, 80, int32(i+2))
		must(f.AddDestination(&s, &d))
	}
}

// adminDelete deletes a real behind the director's back.
func (et *engineTest) adminDelete(addr string) {
	et.t.Helper()
	s := svc("192.168.100.1", 80, "wrr")
	d := gateDest(addr, 80, 0)
	mustDo(et.t, et.fake.DeleteDestination(&s, &d))
	et.calls()
}

// A real in maintenance is forced down on every pass, as ldirectord does
// on every check: deleted by hand it is back at weight 0 at the next
// pass (with ldirectord's line and alert), and a weight set by hand goes
// back to 0. No drift is reported: this is ldirectord's own repair.
func TestReaddQuiescentMaintenance(t *testing.T) {
	et := newEngineTest(t, readdThree, healthyThree)
	et.lines()
	et.maintenance("10.0.0.4")
	et.wantLines("Quiescent real server: 10.0.0.4:80 (192.168.100.1:80) (Weight set to 0)")
	et.alerts.Reset()
	et.adminDelete("10.0.0.4")
	et.e.sweep()
	et.wantLines("Readd Quiescent real server: 10.0.0.4:80 (192.168.100.1:80) (Weight set to 0)")
	et.wantCalls("-a -t 192.168.100.1:80 -r 10.0.0.4:80 -g -w 0")
	if got, want := et.alerts.String(), "10.0.0.4:80|Quiescent real server: 10.0.0.4:80 (192.168.100.1:80) (Weight set to 0)|true\n"; got != want {
		t.Fatalf("alerts %q, want %q", got, want)
	}
	et.e.sweep()
	et.wantCalls()
	s := svc("192.168.100.1", 80, "wrr")
	d := gateDest("10.0.0.4", 80, 9)
	mustDo(t, et.fake.UpdateDestination(&s, &d))
	et.calls()
	et.e.sweep()
	et.wantLines("Quiescent real server: 10.0.0.4:80 (192.168.100.1:80) (Weight set to 0)")
	if got := et.metric("lvs_drift_entries"); got != 0 {
		t.Fatalf("lvs_drift_entries = %v", got)
	}
	// The transition passes of other reals force it down too (one read).
	et.adminDelete("10.0.0.4")
	et.down("10.0.0.2")
	et.wantLines("Quiescent real server: 10.0.0.2:80 (192.168.100.1:80) (Weight set to 0)",
		"Readd Quiescent real server: 10.0.0.4:80 (192.168.100.1:80) (Weight set to 0)")
	// Out of maintenance and failing: no longer forced.
	et.e.transition(transition{id: et.id("10.0.0.4")})
	et.adminDelete("10.0.0.4")
	et.e.sweep()
	et.wantCalls()
	et.wantLines("Drift: real server 10.0.0.4:80 (192.168.100.1:80): not in the table, want -g -w 0")
}

// A real whose check keeps failing is not forced down again: deleted by
// hand, it stays deleted (reported as drift) until it comes up.
func TestReaddQuiescentFailingRealStaysDeleted(t *testing.T) {
	et := newEngineTest(t, readdThree, healthyThree)
	et.down("10.0.0.3")
	et.lines()
	et.adminDelete("10.0.0.3")
	et.e.sweep()
	et.e.sweep()
	et.wantCalls()
	et.wantLines("Drift: real server 10.0.0.3:80 (192.168.100.1:80): not in the table, want -g -w 0")
	// It comes up and fails again: that change of state adds it back.
	et.up("10.0.0.3")
	et.down("10.0.0.3")
	et.wantLines("Added real server: 10.0.0.3:80 (192.168.100.1:80) (Weight set to 3)",
		"Quiescent real server: 10.0.0.3:80 (192.168.100.1:80) (Weight set to 0)")
	// Deleted while up, it is re-added at weight 0 by its going down.
	et.up("10.0.0.3")
	et.adminDelete("10.0.0.3")
	et.lines()
	et.down("10.0.0.3")
	et.wantLines("Readd Quiescent real server: 10.0.0.3:80 (192.168.100.1:80) (Weight set to 0)")
}

// readdquiescent=no: a real in maintenance that someone deletes stays
// deleted (and is reported).
func TestReaddQuiescentNoLeavesDeleted(t *testing.T) {
	et := newEngineTest(t, "quiescent=yes\n"+readdThree[len("quiescent=yes\nreaddquiescent=yes\n"):], healthyThree)
	et.maintenance("10.0.0.4")
	et.lines()
	et.adminDelete("10.0.0.4")
	et.e.sweep()
	et.e.sweep()
	et.wantCalls()
	et.wantLines("Drift: real server 10.0.0.4:80 (192.168.100.1:80): not in the table, want -g -w 0")
}

// quiescent=no: nothing is added back; a real in maintenance that
// someone adds back is deleted again on the next pass, as ldirectord's
// forced down deletes it.
func TestQuiescentNoMaintenance(t *testing.T) {
	et := newEngineTest(t, readdThree[len("quiescent=yes\n"):], healthyThree)
	et.maintenance("10.0.0.4")
	et.wantCalls("-d -t 192.168.100.1:80 -r 10.0.0.4:80")
	et.lines()
	et.e.sweep()
	et.wantCalls()
	s := svc("192.168.100.1", 80, "wrr")
	d := gateDest("10.0.0.4", 80, 4)
	mustDo(t, et.fake.AddDestination(&s, &d))
	et.calls()
	et.e.sweep()
	et.wantCalls("-d -t 192.168.100.1:80 -r 10.0.0.4:80")
	et.wantLines("Deleted real server: 10.0.0.4:80 (192.168.100.1:80)")
}

// A virtual that vanished from the table is not touched by the forced
// down of its reals in maintenance.
func TestReaddQuiescentVirtualGone(t *testing.T) {
	et := newEngineTest(t, readdThree, healthyThree)
	et.maintenance("10.0.0.4")
	mustDo(t, et.fake.Flush())
	et.calls()
	et.lines()
	et.e.sweep()
	et.e.sweep()
	et.wantCalls()
	et.wantLines("Drift: virtual server 192.168.100.1:80: not in the table")
}

// The forced down costs no read of its own: a sweep with a real in
// maintenance reads what a sweep reads.
func TestReaddQuiescentCostsNoRead(t *testing.T) {
	et := newEngineTest(t, readdThree, healthyThree)
	et.maintenance("10.0.0.4")
	et.calls()
	et.client.services.Store(0)
	et.client.dests.Store(0)
	for range 5 {
		et.e.sweep()
	}
	if s, d := et.client.services.Load(), et.client.dests.Load(); s != 5 || d != 5 {
		t.Fatalf("5 sweeps read the services %d times and the reals %d times: want 5 and 5", s, d)
	}
	et.wantCalls()
}
