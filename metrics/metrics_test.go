package metrics

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/lvsctl/lvsctl/ipvsctl"
	"github.com/lvsctl/lvsctl/ipvsctl/ipvstest"
)

// statsClient reports fixed counters on top of the fake's table (the fake
// zeroes counters, as the kernel does on add).
type statsClient struct {
	*ipvstest.Fake
	stats ipvsctl.Stats
}

func (c statsClient) Services() ([]ipvsctl.Service, error) {
	s, err := c.Fake.Services()
	for i := range s {
		s[i].Stats = c.stats
	}
	return s, err
}

func (c statsClient) Destinations(s *ipvsctl.Service) ([]ipvsctl.Destination, error) {
	d, err := c.Fake.Destinations(s)
	for i := range d {
		d[i].Stats = c.stats
		d[i].ActiveConns, d[i].InactConns, d[i].PersistConns = 3, 4, 5
	}
	return d, err
}

func table(t *testing.T) ipvsctl.Client {
	t.Helper()
	f := ipvstest.NewFake()
	vip := netip.MustParseAddr("192.0.2.100")
	web := ipvsctl.Service{Family: ipvsctl.AFInet, Protocol: ipvsctl.ProtoTCP, Address: vip, Port: 80,
		Scheduler: "wrr", Flags: ipvsctl.SvcFlagPersistent, Timeout: 300, Netmask: 0xffffffff}
	dns := ipvsctl.Service{Family: ipvsctl.AFInet, Protocol: ipvsctl.ProtoUDP, Address: vip, Port: 53, Scheduler: "rr", Netmask: 0xffffffff}
	mark := ipvsctl.Service{Family: ipvsctl.AFInet6, FWMark: 7, Scheduler: "sh", Netmask: 128}
	for _, s := range []*ipvsctl.Service{&web, &dns, &mark} {
		if err := f.AddService(s); err != nil {
			t.Fatal(err)
		}
	}
	for i, a := range []string{"10.10.1.2", "10.10.2.2"} {
		d := ipvsctl.Destination{Family: ipvsctl.AFInet, Address: netip.MustParseAddr(a), Port: 80, Weight: int32(i), FwdMethod: ipvsctl.FwdMasq}
		if err := f.AddDestination(&web, &d); err != nil {
			t.Fatal(err)
		}
	}
	d6 := ipvsctl.Destination{Family: ipvsctl.AFInet6, Address: netip.MustParseAddr("2001:db8::2"), Weight: 1, FwdMethod: ipvsctl.FwdRoute}
	if err := f.AddDestination(&mark, &d6); err != nil {
		t.Fatal(err)
	}
	return statsClient{Fake: f, stats: ipvsctl.Stats{Conns: 10, InPkts: 20, OutPkts: 30, InBytes: 1 << 60, OutBytes: 50, CPS: 1, InPPS: 2, OutPPS: 3, InBPS: 4, OutBPS: 5}}
}

// parse reads the text format with Prometheus' own parser, which rejects
// anything a scrape would reject (bad names, duplicate families, wrong
// TYPE lines, malformed label values).
func parse(t *testing.T, text string) map[string]*dto.MetricFamily {
	t.Helper()
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(strings.NewReader(text))
	if err != nil {
		t.Fatalf("Prometheus parser: %v\n%s", err, text)
	}
	return fams
}

func value(t *testing.T, fams map[string]*dto.MetricFamily, name string, labels map[string]string) float64 {
	t.Helper()
	f, ok := fams[name]
	if !ok {
		t.Fatalf("no family %s", name)
	}
next:
	for _, m := range f.Metric {
		got := map[string]string{}
		for _, l := range m.Label {
			got[l.GetName()] = l.GetValue()
		}
		for k, v := range labels {
			if got[k] != v {
				continue next
			}
		}
		switch f.GetType() {
		case dto.MetricType_COUNTER:
			return m.Counter.GetValue()
		case dto.MetricType_GAUGE:
			return m.Gauge.GetValue()
		case dto.MetricType_HISTOGRAM:
			return float64(m.Histogram.GetSampleCount())
		}
	}
	t.Fatalf("%s%v not found", name, labels)
	return 0
}

func TestCollectIPVSParses(t *testing.T) {
	var s Set
	if err := CollectIPVS(&s, table(t)); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if _, err := s.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	fams := parse(t, b.String())
	for name, f := range fams {
		if !strings.HasPrefix(name, "lvs_") {
			t.Errorf("%s: no lvs_ prefix", name)
		}
		if (f.GetType() == dto.MetricType_COUNTER) != strings.HasSuffix(name, "_total") {
			t.Errorf("%s: counters and only counters end in _total", name)
		}
		if f.GetHelp() == "" {
			t.Errorf("%s: no HELP", name)
		}
	}
	web := map[string]string{"protocol": "tcp", "service": "192.0.2.100:80"}
	real1 := map[string]string{"protocol": "tcp", "service": "192.0.2.100:80", "real": "10.10.1.2:80"}
	cases := []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"lvs_service_connections_total", web, 10},
		{"lvs_service_packets_total", merge(web, "direction", "out"), 30},
		{"lvs_service_bytes_total", merge(web, "direction", "in"), 1 << 60},
		{"lvs_service_persistence_timeout_seconds", web, 300},
		{"lvs_service_persistence_timeout_seconds", map[string]string{"protocol": "udp"}, 0},
		{"lvs_service_info", merge(web, "scheduler", "wrr"), 1},
		{"lvs_service_bytes_per_second", merge(web, "direction", "out"), 5},
		{"lvs_real_weight", real1, 0},
		{"lvs_real_weight", merge(web, "real", "10.10.2.2:80"), 1},
		{"lvs_real_active_connections", real1, 3},
		{"lvs_real_inactive_connections", real1, 4},
		{"lvs_real_persistent_connections", real1, 5},
		{"lvs_real_connections_per_second", real1, 1},
		{"lvs_real_weight", map[string]string{"protocol": "fwm6", "service": "7", "real": "[2001:db8::2]:0"}, 1},
	}
	for _, c := range cases {
		if got := value(t, fams, c.name, c.labels); got != c.want {
			t.Errorf("%s%v = %v, want %v", c.name, c.labels, got, c.want)
		}
	}
	// Exact integers, not a float's rounding of 2^60.
	if !strings.Contains(b.String(), `lvs_service_bytes_total{protocol="tcp",service="192.0.2.100:80",direction="in"} 1152921504606846976`+"\n") {
		t.Errorf("byte counter not exact:\n%s", b.String())
	}
}

func merge(m map[string]string, k, v string) map[string]string {
	out := map[string]string{k: v}
	for a, b := range m {
		out[a] = b
	}
	return out
}

func TestEscapingAndHistogram(t *testing.T) {
	var s Set
	h := NewHistogram([]float64{0.1, 0.01, 1})
	for _, v := range []float64{0.005, 0.05, 0.05, 2} {
		h.Observe(v)
	}
	f := s.Family("lvs_check_duration_seconds", Histogram, "Check latency.\nSecond line \\ backslash.")
	f.AddHistogram(h, L("real", "a\"b\\c\nd"))
	s.Family("lvs_empty", Gauge, "never written")
	var b bytes.Buffer
	if _, err := s.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	fams := parse(t, b.String())
	if _, ok := fams["lvs_empty"]; ok {
		t.Error("a family without samples was written")
	}
	m := fams["lvs_check_duration_seconds"].Metric[0]
	if got := m.Label[0].GetValue(); got != "a\"b\\c\nd" {
		t.Errorf("label round trip: %q", got)
	}
	hist := m.Histogram
	if hist.GetSampleCount() != 4 || hist.GetSampleSum() != 2.105 {
		t.Errorf("count %d sum %v", hist.GetSampleCount(), hist.GetSampleSum())
	}
	want := []uint64{1, 3, 3, 4} // the last is +Inf
	for i, bk := range hist.Bucket {
		if bk.GetCumulativeCount() != want[i] {
			t.Errorf("bucket le=%v: %d, want %d", bk.GetUpperBound(), bk.GetCumulativeCount(), want[i])
		}
	}
}

func TestHandler(t *testing.T) {
	c := table(t)
	srv := httptest.NewServer(Handler(func(s *Set) error { return CollectIPVS(s, c) }))
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != ContentType {
		t.Fatalf("%d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	parse(t, string(body))

	failing := httptest.NewServer(Handler(func(*Set) error { return io.ErrUnexpectedEOF }))
	defer failing.Close()
	resp2, err := http.Get(failing.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp2.Body.Close()
	if resp2.StatusCode != http.StatusInternalServerError {
		t.Errorf("failed gather answered %d", resp2.StatusCode)
	}
}

func TestServe(t *testing.T) {
	stop, err := Serve("127.0.0.1:0", func(s *Set) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	stop()
	if _, err := Serve("256.0.0.1:1", nil); err == nil {
		t.Error("a bad address listened")
	}
}
