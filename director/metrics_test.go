package director

import (
	"bytes"
	"context"
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/lvsctl/lvsctl/checks"
	"github.com/lvsctl/lvsctl/internal/testutil"
	"github.com/lvsctl/lvsctl/ipvsctl"
	"github.com/lvsctl/lvsctl/ipvsctl/ipvstest"
	"github.com/lvsctl/lvsctl/ldconf"
	"github.com/lvsctl/lvsctl/metrics"
)

func gatherDaemon(t testing.TB, m *Metrics) map[string]*dto.MetricFamily {
	t.Helper()
	var s metrics.Set
	m.Gather(&s)
	var b bytes.Buffer
	if _, err := s.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(strings.NewReader(b.String()))
	if err != nil {
		t.Fatalf("Prometheus parser: %v\n%s", err, b.String())
	}
	return fams
}

func metricFor(f *dto.MetricFamily, real string) *dto.Metric {
	if f == nil {
		return nil
	}
	for _, m := range f.Metric {
		for _, l := range m.Label {
			if l.GetName() == "real" && l.GetValue() == real {
				return m
			}
		}
	}
	return nil
}

// The daemon, run with Options.Metrics, records each check's result and
// latency per virtual and real, and the writes the kernel refused.
func TestDaemonMetrics(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "ld.cf")
	if err := os.WriteFile(path, []byte(twoReals), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := ldconf.Load(path, ldconf.WithDebug(true))
	if err != nil {
		t.Fatal(err)
	}
	health := newHealth()
	health.set("10.0.0.2", true)
	health.set("10.0.0.3", false)
	fake := ipvstest.NewFake()
	fake.FailNext("AddDestination", errors.New("refused"))
	m := NewMetrics()
	log := NewLogger(&testutil.SyncBuffer{}, &testutil.SyncBuffer{}, "ld.cf")
	log.Configure(true, false, "")
	ctx, cancel := context.WithCancelCause(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, cfg, Options{Client: fake, Log: log, NewChecker: health.checker,
			Load: func() (*ldconf.Config, error) { return cfg, nil }, ConfigName: path,
			Jitter: func(time.Duration) time.Duration { return 0 }, Interval: 10 * time.Millisecond,
			Mail: func(context.Context, Mail) error { return nil }, ExpireQuiescentPath: filepath.Join(dir, "none"),
			Metrics: m})
	}()
	defer func() {
		cancel(StopSignal("TERM"))
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Error("Run did not return")
		}
	}()
	deadline := time.Now().Add(5 * time.Second)
	var fams map[string]*dto.MetricFamily
	for {
		fams = gatherDaemon(t, m)
		up2, up3 := metricFor(fams["lvs_check_up"], "10.0.0.2:80"), metricFor(fams["lvs_check_up"], "10.0.0.3:80")
		if up2 != nil && up3 != nil && metricFor(fams["lvs_check_duration_seconds"], "10.0.0.2:80").GetHistogram().GetSampleCount() >= 3 {
			if up2.GetGauge().GetValue() != 1 || up3.GetGauge().GetValue() != 0 {
				t.Errorf("lvs_check_up: 10.0.0.2 %v, 10.0.0.3 %v", up2.GetGauge().GetValue(), up3.GetGauge().GetValue())
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no check metrics within 5s")
		}
		time.Sleep(20 * time.Millisecond)
	}
	labels := map[string]string{}
	for _, l := range metricFor(fams["lvs_check_up"], "10.0.0.2:80").Label {
		labels[l.GetName()] = l.GetValue()
	}
	if labels["protocol"] != "tcp" || labels["service"] != "192.168.100.1:80" {
		t.Errorf("labels %v: want those of lvsctl metrics", labels)
	}
	if got := fams["lvs_reconcile_errors_total"].Metric[0].GetCounter().GetValue(); got != 1 {
		t.Errorf("lvs_reconcile_errors_total = %v, want 1", got)
	}
	// the fake records a write before the writer counts it
	writes := fams["lvs_reconcile_writes_total"].Metric[0].GetCounter().GetValue()
	if calls := len(fake.Calls()); writes < 2 || writes > float64(calls) {
		t.Errorf("lvs_reconcile_writes_total = %v, want 2 (-A, -a) up to the fake's %d writes", writes, calls)
	}
}

func TestNilMetricsRecordsNothing(t *testing.T) {
	var m *Metrics
	var series []*checkMetric
	res := checksResultUp()
	m.observeCheck(&probeSpec{}, &series, &res)
	m.writeFailed()
	m.wrote()
}

func checksResultUp() checks.Result { return checks.Result{Up: true, Latency: time.Millisecond} }

// A prober looks its series up once; the prober of the same real after a
// reload finds the same series, so the histogram goes on counting.
func TestObserveCheckSeriesCarryOver(t *testing.T) {
	m := NewMetrics()
	vs := &vstate{svc: ipvsctl.Service{Protocol: ipvsctl.ProtoTCP, Address: netip.MustParseAddr("192.0.2.1"), Port: 80}}
	rs := &rstate{vs: vs, dest: ipvsctl.Destination{Address: netip.MustParseAddr("10.0.0.1"), Port: 80}}
	spec := &probeSpec{members: []*rstate{rs}}
	up, down := checksResultUp(), checks.Result{Latency: time.Millisecond}
	var before, after []*checkMetric
	m.observeCheck(spec, &before, &up)
	m.observeCheck(spec, &before, &down)
	reloaded := &probeSpec{members: []*rstate{{vs: vs, dest: rs.dest}}}
	m.observeCheck(reloaded, &after, &up)
	if len(before) != 1 || len(after) != 1 || before[0] != after[0] {
		t.Fatalf("series before %v, after the reload %v: want the same one", before, after)
	}
	lat := metricFor(gatherDaemon(t, m)["lvs_check_duration_seconds"], "10.0.0.1:80")
	if lat == nil || lat.GetHistogram().GetSampleCount() != 3 {
		t.Fatalf("histogram %v: want 3 checks", lat)
	}
}
