package director

import (
	"errors"
	"fmt"
	"net/netip"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/lvsctl/lvsctl/internal/testutil"
	"github.com/lvsctl/lvsctl/ipvsctl"
	"github.com/lvsctl/lvsctl/ipvsctl/ipvstest"
)

// readCounting counts the reads of the table: service listings and
// listings of one service's real servers. Like the kernel (and unlike
// the fake) it lists no real servers, without an error, for a service
// that does not exist.
type readCounting struct {
	*ipvstest.Fake
	services, dests atomic.Int64
}

func (c *readCounting) Services() ([]ipvsctl.Service, error) {
	c.services.Add(1)
	return c.Fake.Services()
}

func (c *readCounting) Destinations(s *ipvsctl.Service) ([]ipvsctl.Destination, error) {
	c.dests.Add(1)
	d, err := c.Fake.Destinations(s)
	if errors.Is(err, syscall.ESRCH) {
		return nil, nil
	}
	return d, err
}

// engineTest drives the reconciler directly, without probers or timers:
// the test reports transitions, runs sweeps and retries, and moves the
// engine's clock itself, so that every pass is one the test chose.
type engineTest struct {
	t      testing.TB
	e      *engine
	fake   *ipvstest.Fake
	client *readCounting
	logs   *testutil.SyncBuffer
	alerts *testutil.SyncBuffer // one "server|message|track" per alert
	m      *Metrics
	now    time.Time
}

// newEngineTest loads cfg (fake checks) and runs the start-up sync on the
// table setup leaves in the fake.
func newEngineTest(t testing.TB, cfg string, setup func(f *ipvstest.Fake)) *engineTest {
	t.Helper()
	path := filepath.Join(t.TempDir(), "ld.cf")
	writeFile(t, path, cfg)
	conf, err := parseConfig(t, path)
	if err != nil {
		t.Fatal(err)
	}
	p, err := newPlan(conf, newHealth().checker)
	if err != nil {
		t.Fatal(err)
	}
	et := &engineTest{t: t, fake: ipvstest.NewFake(), logs: &testutil.SyncBuffer{}, alerts: &testutil.SyncBuffer{},
		m: NewMetrics(), now: time.Date(2026, 11, 22, 14, 0, 0, 0, time.UTC)}
	if setup != nil {
		setup(et.fake)
	}
	et.fake.ResetCalls()
	et.client = &readCounting{Fake: et.fake}
	log := NewLogger(et.logs, et.logs, "ld.cf")
	log.Configure(false, true, "")
	log.now = func() time.Time { return et.now }
	et.e = &engine{c: et.client, log: log, metrics: et.m, now: func() time.Time { return et.now },
		gone: map[ipvsctl.ServiceKey]*goneVirtual{}}
	et.e.w = &writer{c: et.client, log: log, metrics: et.m, alert: func(_ *vstate, server, msg string, track bool) {
		fmt.Fprintf(et.alerts, "%s|%s|%v\n", server, msg, track)
	}}
	tab, err := et.e.readTable(p)
	if err != nil {
		t.Fatal(err)
	}
	et.e.sync(p, nil, tab)
	return et
}

// id is the real id of the real at addr.
func (et *engineTest) id(addr string) string {
	et.t.Helper()
	a := netip.MustParseAddr(addr)
	for id, rss := range et.e.plan.byID {
		if rss[0].r.Address == a {
			return id
		}
	}
	et.t.Fatalf("no real %s", addr)
	return ""
}

func (et *engineTest) down(addr string) {
	et.e.transition(transition{id: et.id(addr), up: false})
}

func (et *engineTest) up(addr string) {
	et.e.transition(transition{id: et.id(addr), up: true})
}

func (et *engineTest) maintenance(addr string) {
	et.e.transition(transition{id: et.id(addr), up: false, forced: true})
}

// advance moves the clock by d and runs the retries then due.
func (et *engineTest) advance(d time.Duration) {
	et.now = et.now.Add(d)
	et.e.retryDue()
}

// lines are the log's messages since the last call, without their dates.
func (et *engineTest) lines() []string {
	text := et.logs.String()
	et.logs.Reset()
	var out []string
	for _, l := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		if l == "" {
			continue
		}
		if _, msg, ok := strings.Cut(l, "] "); ok {
			l = msg
		}
		out = append(out, l)
	}
	return out
}

// wantLines asserts the log's messages since the last call.
func (et *engineTest) wantLines(want ...string) {
	et.t.Helper()
	if got := et.lines(); strings.Join(got, "\n") != strings.Join(want, "\n") {
		et.t.Fatalf("log:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// wantTable asserts the fake's table.
func (et *engineTest) wantTable(want string) {
	et.t.Helper()
	want = strings.TrimLeft(want, "\n")
	if got := et.fake.Dump(); got != want {
		et.t.Fatalf("table:\n%s\nwant:\n%s", got, want)
	}
}

// calls are the writes since the last call.
func (et *engineTest) calls() []string {
	c := et.fake.Calls()
	et.fake.ResetCalls()
	return c
}

func (et *engineTest) wantCalls(want ...string) {
	et.t.Helper()
	assertCalls(et.t, et.calls(), want)
}

// counter and gauge read one of the daemon's metrics.
func (et *engineTest) metric(name string) float64 {
	et.t.Helper()
	f := gatherDaemon(et.t, et.m)[name]
	if f == nil || len(f.Metric) != 1 {
		et.t.Fatalf("metric %s: %v", name, f)
	}
	m := f.Metric[0]
	if m.Counter != nil {
		return m.Counter.GetValue()
	}
	return m.Gauge.GetValue()
}

// svc is a TCP virtual of the tests' tables.
func svc(addr string, port uint16, sched string) ipvsctl.Service {
	return ipvsctl.Service{Family: ipvsctl.AFInet, Protocol: ipvsctl.ProtoTCP, Address: netip.MustParseAddr(addr),
		Port: port, Scheduler: sched, Netmask: 0xffffffff}
}

// gateDest is a gate real of the tests' tables.
func gateDest(addr string, port uint16, w int32) ipvsctl.Destination {
	return ipvsctl.Destination{Family: ipvsctl.AFInet, Address: netip.MustParseAddr(addr), Port: port,
		FwdMethod: ipvsctl.FwdRoute, Weight: w}
}

// must is for a table's setup, before there is a test to fail.
func must(err error) {
	if err != nil {
		panic(err)
	}
}
