package director

import (
	"reflect"
	"strings"
	"testing"

	"github.com/lvsctl/lvsctl/ipvsctl"
	"github.com/lvsctl/lvsctl/ipvsctl/ipvstest"
)

// someoneElse changes quiescentTwo's table as an admin would, with 10.0.0.3
// down (quiesced) first: 10.0.0.2's weight set to 9, 10.0.0.3 deleted,
// 10.0.0.9 added, and an unmanaged virtual added.
func someoneElse(t *testing.T, et *engineTest) {
	t.Helper()
	et.down("10.0.0.3")
	s := svc("192.168.100.1", 80, "wrr")
	d2, d3, d9 := gateDest("10.0.0.2", 80, 9), gateDest("10.0.0.3", 80, 0), gateDest("10.0.0.9", 80, 1)
	mustDo(t, et.fake.UpdateDestination(&s, &d2))
	mustDo(t, et.fake.DeleteDestination(&s, &d3))
	mustDo(t, et.fake.AddDestination(&s, &d9))
	other := svc("192.168.100.9", 80, "rr")
	mustDo(t, et.fake.AddService(&other))
	mustDo(t, et.fake.AddDestination(&other, &d9))
	et.lines()
	et.calls()
}

const driftLines = `Drift: real server 10.0.0.2:80 (192.168.100.1:80): -g -w 9 in the table, want -g -w 2
Drift: real server 10.0.0.3:80 (192.168.100.1:80): not in the table, want -g -w 0
Drift: real server 10.0.0.9:80 (192.168.100.1:80): -g -w 1 in the table, not in the configuration`

// By default drift is reported once per entry, and left as it is (an
// admin's change keeps its ldirectord meaning); it is gone from the
// report when it is gone from the table.
func TestDriftReportedOnceNotRepairedByDefault(t *testing.T) {
	et := newEngineTest(t, quiescentTwo, healthyTwo)
	someoneElse(t, et)
	before := et.fake.Dump()
	et.e.sweep()
	et.wantLines(strings.Split(driftLines, "\n")...)
	et.wantCalls()
	if got := et.metric("lvs_drift_entries"); got != 3 {
		t.Fatalf("lvs_drift_entries = %v, want 3", got)
	}
	vs := et.e.plan.virtuals[0]
	want := []DriftSnapshot{
		{Tag: "real", Server: "10.0.0.2:80", Configured: true, How: "-g -w 9 in the table, want -g -w 2",
			Text: "real server 10.0.0.2:80 (192.168.100.1:80): -g -w 9 in the table, want -g -w 2"},
		{Tag: "real", Server: "10.0.0.3:80", Configured: true, How: "not in the table, want -g -w 0",
			Text: "real server 10.0.0.3:80 (192.168.100.1:80): not in the table, want -g -w 0"},
		{Tag: "real", Server: "10.0.0.9:80", How: "-g -w 1 in the table, not in the configuration",
			Text: "real server 10.0.0.9:80 (192.168.100.1:80): -g -w 1 in the table, not in the configuration"},
	}
	if got := driftList(vs); !reflect.DeepEqual(got, want) {
		t.Fatalf("status drift:\n%+v\nwant:\n%+v", got, want)
	}
	et.e.sweep()
	et.e.sweep()
	et.wantLines()
	et.wantCalls()
	if et.fake.Dump() != before {
		t.Fatalf("the table changed:\n%s", et.fake.Dump())
	}
	// The admin puts the weight back: one entry less, nothing logged.
	s := svc("192.168.100.1", 80, "wrr")
	d2 := gateDest("10.0.0.2", 80, 2)
	mustDo(t, et.fake.UpdateDestination(&s, &d2))
	et.calls()
	et.e.sweep()
	et.wantLines()
	if got := et.metric("lvs_drift_entries"); got != 2 {
		t.Fatalf("lvs_drift_entries = %v, want 2", got)
	}
	// A real coming up ends its own drift by being written.
	et.up("10.0.0.3")
	et.wantLines("Added real server: 10.0.0.3:80 (192.168.100.1:80) (Weight set to 3)")
	if got := et.metric("lvs_drift_entries"); got != 1 {
		t.Fatalf("lvs_drift_entries = %v, want 1 (10.0.0.9)", got)
	}
}

// With resync=yes the same drift is reported and put back in the pass
// that finds it; the unmanaged virtual is never touched.
func TestResyncRepairsDrift(t *testing.T) {
	et := newEngineTest(t, "resync=yes\n"+quiescentTwo, healthyTwo)
	someoneElse(t, et)
	et.e.sweep()
	et.wantLines(append(strings.Split(driftLines, "\n"),
		"Restored real server: 10.0.0.2:80 (192.168.100.1:80) (Weight set to 2)",
		"Readd Quiescent real server: 10.0.0.3:80 (192.168.100.1:80) (Weight set to 0)",
		"Purged real server (resync): 10.0.0.9:80 (192.168.100.1:80)")...)
	et.wantTable(`
-A -t 192.168.100.1:80 -s wrr
-a -t 192.168.100.1:80 -r 10.0.0.2:80 -g -w 2
-a -t 192.168.100.1:80 -r 10.0.0.3:80 -g -w 0
-A -t 192.168.100.9:80 -s rr
-a -t 192.168.100.9:80 -r 10.0.0.9:80 -g -w 1
`)
	if et.metric("lvs_drift_entries") != 0 || et.metric("lvs_drift_repairs_total") != 3 {
		t.Fatal("drift metrics miscounted")
	}
	et.calls()
	et.e.sweep()
	et.wantLines()
	et.wantCalls()

	// Someone edits the virtual: it is edited back.
	rr := svc("192.168.100.1", 80, "rr")
	mustDo(t, et.fake.UpdateService(&rr))
	et.calls()
	et.e.sweep()
	et.wantLines("Drift: virtual server 192.168.100.1:80: -s rr in the table, want -s wrr",
		"Changed virtual server: 192.168.100.1:80")
	et.wantCalls("-E -t 192.168.100.1:80 -s wrr")

	// Someone flushes the table: the virtual comes back whole, with one
	// drift line for it; the unmanaged virtual added after the flush is
	// left alone.
	mustDo(t, et.fake.Flush())
	other := svc("192.168.100.9", 80, "rr")
	mustDo(t, et.fake.AddService(&other))
	et.calls()
	et.e.sweep()
	et.wantLines("Drift: virtual server 192.168.100.1:80: not in the table",
		"Added virtual server: 192.168.100.1:80",
		"Added real server: 10.0.0.2:80 (192.168.100.1:80) (Weight set to 2)",
		"Readd Quiescent real server: 10.0.0.3:80 (192.168.100.1:80) (Weight set to 0)")
	et.wantCalls("-A -t 192.168.100.1:80 -s wrr",
		"-a -t 192.168.100.1:80 -r 10.0.0.2:80 -g -w 2",
		"-a -t 192.168.100.1:80 -r 10.0.0.3:80 -g -w 0")
	if got := et.metric("lvs_drift_entries"); got != 0 {
		t.Fatalf("lvs_drift_entries = %v after the repair", got)
	}
}

// By default a flushed virtual is reported once and not added back; the
// passes that meet it write nothing; when someone adds it back empty, its
// missing reals are what is reported.
func TestFlushReportedNotRepairedByDefault(t *testing.T) {
	et := newEngineTest(t, quiescentTwo, healthyTwo)
	et.lines()
	mustDo(t, et.fake.Flush())
	et.calls()
	et.e.sweep()
	et.wantLines("Drift: virtual server 192.168.100.1:80: not in the table")
	et.down("10.0.0.3")
	et.e.sweep()
	et.wantLines()
	et.wantCalls()
	if got := et.metric("lvs_drift_entries"); got != 1 {
		t.Fatalf("lvs_drift_entries = %v, want 1", got)
	}
	s := svc("192.168.100.1", 80, "wrr")
	mustDo(t, et.fake.AddService(&s))
	et.calls()
	et.e.sweep()
	et.wantLines("Drift: real server 10.0.0.2:80 (192.168.100.1:80): not in the table, want -g -w 2",
		"Drift: real server 10.0.0.3:80 (192.168.100.1:80): not in the table, want -g -w 0")
	et.wantCalls()
	if got := et.metric("lvs_drift_entries"); got != 2 {
		t.Fatalf("lvs_drift_entries = %v, want 2", got)
	}
}

// A pass made for a transition compares the virtual it read with what
// the director wants: drift is found without another read.
func TestTransitionPassReportsDrift(t *testing.T) {
	et := newEngineTest(t, quiescentTwo, healthyTwo)
	et.lines()
	s := svc("192.168.100.1", 80, "wrr")
	d2 := gateDest("10.0.0.2", 80, 0)
	mustDo(t, et.fake.UpdateDestination(&s, &d2))
	et.client.services.Store(0)
	et.client.dests.Store(0)
	et.down("10.0.0.3")
	et.wantLines("Drift: real server 10.0.0.2:80 (192.168.100.1:80): -g -w 0 in the table, want -g -w 2",
		"Quiescent real server: 10.0.0.3:80 (192.168.100.1:80) (Weight set to 0)")
	if s, d := et.client.services.Load(), et.client.dests.Load(); s != 0 || d != 1 {
		t.Fatalf("the pass read the services %d times and the reals %d times: want 0 and 1", s, d)
	}
}

// A sweep reads the table once: one listing of the services, one of each
// managed virtual's reals, none of an unmanaged one's.
func TestSweepReadsTheTableOnce(t *testing.T) {
	cfg := quiescentTwo + "\nvirtual=192.168.100.2:80\n\treal=10.0.0.4:80 gate\n\nvirtual=192.168.100.3:80\n\treal=10.0.0.5:80 gate\n"
	et := newEngineTest(t, cfg, func(f *ipvstest.Fake) {
		other := svc("192.168.100.9", 80, "rr")
		must(f.AddService(&other))
	})
	et.client.services.Store(0)
	et.client.dests.Store(0)
	et.e.sweep()
	if s, d := et.client.services.Load(), et.client.dests.Load(); s != 1 || d != 3 {
		t.Fatalf("a sweep read the services %d times and reals %d times: want 1 and 3", s, d)
	}
}

// After a kill -9 in the middle of a pass (half the dead reals quiesced)
// the next start adopts the table as it stands: the reals still at their
// weight keep it (no write, no 0 -> w -> 0), the ones at 0 stay there
// until a check says they are up.
func TestStartAdoptsHalfWrittenPass(t *testing.T) {
	cfg := "quiescent=yes\nvirtual=192.168.100.1:80\n\tchecktype=connect\n"
	for _, a := range []string{"10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4"} {
		cfg += "\treal=" + a + ":80 gate 5\n"
	}
	et := newEngineTest(t, cfg, func(f *ipvstest.Fake) {
		s := svc("192.168.100.1", 80, "wrr")
		must(f.AddService(&s))
		for i, a := range []string{"10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4"} {
			d := gateDest(a, 80, 5)
			if i < 2 {
				d.Weight = 0 // quiesced before the kill
			}
			must(f.AddDestination(&s, &d))
		}
	})
	et.wantCalls()
	et.wantLines("Changed virtual server: 192.168.100.1:80")
	for _, rs := range et.e.plan.virtuals[0].reals {
		if want := rs.dest.Weight == 5 && rs.r.Address.String() >= "10.0.0.3"; rs.up != want {
			t.Errorf("%s adopted up=%v, want %v", rs.r.Address, rs.up, want)
		}
	}
	// The rest of the interrupted pass: the other dead reals go down.
	et.e.transition(transition{id: et.id("10.0.0.3")}, transition{id: et.id("10.0.0.4")})
	et.wantCalls("-e -t 192.168.100.1:80 -r 10.0.0.3:80 -g -w 0", "-e -t 192.168.100.1:80 -r 10.0.0.4:80 -g -w 0")
}

// A reload killed half way: the next start brings the up reals to the
// weights of the configuration it reads, without taking them down.
func TestStartConvergesWeights(t *testing.T) {
	et := newEngineTest(t, quiescentTwo, func(f *ipvstest.Fake) {
		s := svc("192.168.100.1", 80, "wrr")
		must(f.AddService(&s))
		for _, d := range []ipvsctl.Destination{gateDest("10.0.0.2", 80, 7), gateDest("10.0.0.3", 80, 3)} {
			must(f.AddDestination(&s, &d))
		}
	})
	et.wantCalls("-e -t 192.168.100.1:80 -r 10.0.0.2:80 -g -w 2")
}
