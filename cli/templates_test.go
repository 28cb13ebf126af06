package cli

import (
	"bytes"
	"encoding/json"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/lvsctl/lvsctl/ipvsctl"
	"github.com/lvsctl/lvsctl/ipvsctl/ipvsadm"
	"github.com/lvsctl/lvsctl/ipvsctl/ipvstest"
)

// templatesFixture is a table with a persistent service (-M /24), an
// fwmark service, and a connection file with templates on both, one of a
// deleted service, and one ordinary connection.
func templatesFixture(t *testing.T) (func() (ipvsctl.Client, error), string) {
	t.Helper()
	f := ipvstest.NewFake()
	web := ipvsctl.Service{Family: ipvsctl.AFInet, Protocol: ipvsctl.ProtoTCP, Address: netip.MustParseAddr("192.0.2.100"),
		Port: 80, Scheduler: "rr", Flags: ipvsctl.SvcFlagPersistent, Timeout: 300, Netmask: 0xffffff00}
	mark := ipvsctl.Service{Family: ipvsctl.AFInet, FWMark: 258, Scheduler: "rr", Flags: ipvsctl.SvcFlagPersistent, Timeout: 60, Netmask: 0xffffffff}
	for _, s := range []*ipvsctl.Service{&web, &mark} {
		if err := f.AddService(s); err != nil {
			t.Fatal(err)
		}
	}
	for _, d := range []struct {
		s *ipvsctl.Service
		a string
		p uint16
		w int32
	}{{&web, "10.10.1.2", 80, 0}, {&web, "10.10.2.2", 80, 3}, {&mark, "10.10.1.2", 0, 1}} {
		dest := ipvsctl.Destination{Family: ipvsctl.AFInet, Address: netip.MustParseAddr(d.a), Port: d.p, Weight: d.w, FwdMethod: ipvsctl.FwdMasq}
		if err := f.AddDestination(d.s, &dest); err != nil {
			t.Fatal(err)
		}
	}
	conns := connHeader +
		"TCP C0000200 0000 C0000264 0050 0A0A0202 0050 NONE            200\n" + // 192.0.2.0/24 on rs2
		"TCP C0000200 0000 C0000264 0050 0A0A0102 0050 NONE             59\n" + // pinned to a quiesced real
		"TCP C6336400 0000 C0000264 0050 0A0A0102 0050 NONE            250\n" +
		"TCP C000020A B2C4 C0000264 0050 0A0A0102 0050 ESTABLISHED     899\n" + // not a template
		"IP  C000020A 0000 00000102 0000 0A0A0102 0000 NONE             30\n" + // fwmark 258
		"TCP C0000301 0000 C0000265 0050 0A0A0302 0050 NONE             10\n" // its service is gone
	path := filepath.Join(t.TempDir(), "conn")
	if err := os.WriteFile(path, []byte(conns), 0o644); err != nil {
		t.Fatal(err)
	}
	return func() (ipvsctl.Client, error) { return f, nil }, path
}

// runTemplates runs lvsctl with argv on the fixture.
func runTemplates(t *testing.T, argv ...string) string {
	t.Helper()
	open, path := templatesFixture(t)
	var out, errb bytes.Buffer
	ios := &IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errb}
	if code := TemplatesMain(append([]string{"lvsctl"}, argv...), templatesFactory(ios, open, path)); code != 0 || errb.Len() > 0 {
		t.Fatalf("lvsctl %v: exit %d: %s", argv, code, errb.String())
	}
	return out.String()
}

func TestTemplatesGroupedByReal(t *testing.T) {
	got := runTemplates(t, "-Lcn", "--templates")
	lines := strings.Split(got, "\n")
	idx := func(s string) int {
		for i, l := range lines {
			if strings.Contains(l, s) {
				return i
			}
		}
		t.Errorf("no line with %q in\n%s", s, got)
		return -1
	}
	// Grouped by real, longest-lived template first within a real.
	if a, b, c := idx("-f 258"), idx("198.51.100.0/24"), idx("192.0.2.0/24 "); !(a < b && b < c) {
		t.Errorf("order %d %d %d", a, b, c)
	}
	for _, s := range []string{"0 (quiesced)", "-t 192.0.2.100:80", "04:10", "192.0.2.10/32", "03:20",
		"TCP 192.0.2.101:80", "5 templates on 4 real servers"} {
		idx(s)
	}
	if strings.Contains(got, "ESTABLISHED") {
		t.Error("a connection listed as a template")
	}
	if strings.Count(got, "10.10.1.2:80 ") != 1 {
		t.Errorf("the real is not merged into one group:\n%s", got)
	}
}

func TestTemplatesFlagRules(t *testing.T) {
	var out, errb bytes.Buffer
	ios := &IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errb}
	open := func() (ipvsctl.Client, error) { return ipvstest.NewFake(), nil }
	if code := TemplatesMain([]string{"lvsctl", "-Ln", "--templates"}, templatesFactory(ios, open, "/nonexistent")); code != 2 {
		t.Errorf("--templates without -c: exit %d", code)
	}
	if !strings.Contains(errb.String(), "--templates goes with -L -c") {
		t.Errorf("stderr %q", errb.String())
	}
	errb.Reset()
	if code := TemplatesMain([]string{"lvsctl", "-Lc", "--templates", "--bogus"}, templatesFactory(ios, open, "/nonexistent")); code != 255 {
		t.Errorf("bad option: exit %d", code)
	}
	if !hasTemplatesFlag([]string{"lvsctl", "-Lc", "--templates"}) || hasTemplatesFlag([]string{"--templates"}) {
		t.Error("hasTemplatesFlag")
	}
}

// templatesFactory is a Factory on ios, the IPVS table open opens, the
// connection table at connFile, and names.
func templatesFactory(ios *IOStreams, open func() (ipvsctl.Client, error), connFile string) *Factory {
	f := NewFactory(ios)
	f.OpenIPVS, f.ConnFile, f.Resolver = open, connFile, names{}
	return f
}

// names resolves a few addresses and ports, as /etc/hosts and
// /etc/services would.
type names struct{}

func (names) HostToAddr(string) (netip.Addr, bool) { return netip.Addr{}, false }
func (names) AddrToHost(a netip.Addr) (string, bool) {
	n, ok := map[string]string{"10.10.1.2": "rs1", "192.0.2.100": "www"}[a.String()]
	return n, ok
}
func (names) ServiceToPort(string, ipvsctl.Protocol) (uint16, bool) { return 0, false }
func (names) PortToService(port uint16, proto ipvsctl.Protocol) (string, bool) {
	if port == 80 && proto == ipvsctl.ProtoTCP {
		return "http", true
	}
	return "", false
}

// Without -n, addresses and ports are named as -Lc names them; the client
// networks stay numeric.
func TestTemplatesNames(t *testing.T) {
	want := `┌────────────────┬──────────────┬──────────────────────┬─────────────────┬─────────┬───────┐
│  REAL SERVER   │    WEIGHT    │   VIRTUAL SERVICE    │ CLIENT NETWORK  │ EXPIRES │ STATE │
├────────────────┼──────────────┼──────────────────────┼─────────────────┼─────────┼───────┤
│ rs1:0          │ 1            │ -f 258               │ 192.0.2.10/32   │ 00:30   │ NONE  │
│ rs1:http       │ 0 (quiesced) │ -t www:http          │ 198.51.100.0/24 │ 04:10   │ NONE  │
│                │              │                      │ 192.0.2.0/24    │ 00:59   │ NONE  │
│ 10.10.2.2:http │ 3            │ -t www:http          │ 192.0.2.0/24    │ 03:20   │ NONE  │
│ 10.10.3.2:http │ -            │ TCP 192.0.2.101:http │ 192.0.3.1/32    │ 00:10   │ NONE  │
└────────────────┴──────────────┴──────────────────────┴─────────────────┴─────────┴───────┘
5 templates on 4 real servers
`
	if got := runTemplates(t, "-Lc", "--templates"); got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}

// --json: the same grouping, numeric, decoded field by field.
func TestTemplatesJSON(t *testing.T) {
	for _, argv := range [][]string{{"-Lc", "--templates", "--json"}, {"--json", "-L", "-n", "-c", "--templates"}} {
		out := runTemplates(t, argv...)
		var doc ipvsadm.JSONTemplates
		dec := json.NewDecoder(strings.NewReader(out))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&doc); err != nil {
			t.Fatalf("%v: %v\n%s", argv, err, out)
		}
		type flat struct {
			real, svc string
			weight    string
			net       string
			bits      int
			expires   int
		}
		var got []flat
		for _, r := range doc.Reals {
			for _, g := range r.Services {
				svc, w := "null", "null"
				if g.Service != nil {
					svc = g.Service.Scheduler + "/" + g.Service.Netmask
				}
				if g.Weight != nil {
					w = strconv.Itoa(int(*g.Weight))
				}
				for _, tp := range g.Templates {
					got = append(got, flat{netip.AddrPortFrom(netip.MustParseAddr(r.Address), r.Port).String(), svc, w,
						tp.Protocol + " " + tp.ClientNetwork + " -> " + tp.VirtualAddress + ":" + strconv.Itoa(int(tp.VirtualPort)) + " " + tp.State,
						tp.PrefixLength, tp.Expires})
				}
			}
		}
		want := []flat{
			{"10.10.1.2:0", "rr/255.255.255.255", "1", "ip 192.0.2.10/32 -> 0.0.1.2:0 NONE", 32, 30},
			{"10.10.1.2:80", "rr/255.255.255.0", "0", "tcp 198.51.100.0/24 -> 192.0.2.100:80 NONE", 24, 250},
			{"10.10.1.2:80", "rr/255.255.255.0", "0", "tcp 192.0.2.0/24 -> 192.0.2.100:80 NONE", 24, 59},
			{"10.10.2.2:80", "rr/255.255.255.0", "3", "tcp 192.0.2.0/24 -> 192.0.2.100:80 NONE", 24, 200},
			{"10.10.3.2:80", "null", "null", "tcp 192.0.3.1/32 -> 192.0.2.101:80 NONE", 32, 10},
		}
		if !slices.Equal(got, want) {
			t.Errorf("%v:\ngot  %v\nwant %v", argv, got, want)
		}
		if len(doc.Reals) != 4 || len(doc.Reals[1].Services) != 1 || doc.SchemaVersion != 1 {
			t.Errorf("%v: grouping %d reals, schema %d:\n%s", argv, len(doc.Reals), doc.SchemaVersion, out)
		}
	}
	// No templates: empty lists, not null.
	f := ipvstest.NewFake()
	path := filepath.Join(t.TempDir(), "conn")
	if err := os.WriteFile(path, []byte(connHeader), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	ios := &IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errb}
	open := func() (ipvsctl.Client, error) { return f, nil }
	if code := TemplatesMain([]string{"lvsctl", "-Lc", "--templates", "--json"}, templatesFactory(ios, open, path)); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if want := "{\n  \"schema_version\": 1,\n  \"reals\": []\n}\n"; out.String() != want {
		t.Errorf("empty: %q", out.String())
	}
}

// IPv6: -M is a prefix length; the real is bracketed, the network a
// prefix, the family inet6.
func TestTemplatesIPv6(t *testing.T) {
	f := ipvstest.NewFake()
	svc := ipvsctl.Service{Family: ipvsctl.AFInet6, Protocol: ipvsctl.ProtoTCP, Address: netip.MustParseAddr("2001:db8::64"),
		Port: 80, Scheduler: "rr", Flags: ipvsctl.SvcFlagPersistent, Timeout: 300, Netmask: 64}
	if err := f.AddService(&svc); err != nil {
		t.Fatal(err)
	}
	d := ipvsctl.Destination{Family: ipvsctl.AFInet6, Address: netip.MustParseAddr("2001:db8::14"), Port: 80, Weight: 2, FwdMethod: ipvsctl.FwdMasq}
	if err := f.AddDestination(&svc, &d); err != nil {
		t.Fatal(err)
	}
	conns := connHeader +
		"TCP 2001:0db8:0000:0007:0000:0000:0000:0000 0000 2001:0db8:0000:0000:0000:0000:0000:0064 0050 2001:0db8:0000:0000:0000:0000:0000:0014 0050 NONE            300\n"
	path := filepath.Join(t.TempDir(), "conn")
	if err := os.WriteFile(path, []byte(conns), 0o644); err != nil {
		t.Fatal(err)
	}
	open := func() (ipvsctl.Client, error) { return f, nil }
	for _, c := range []struct{ arg, want string }{
		{"-n", "│ [2001:db8::14]:80 │ 2      │ -t [2001:db8::64]:80 │ 2001:db8:0:7::/64 │ 05:00   │ NONE  │\n"},
		{"--json", `"family": "inet6",
      "address": "2001:db8::14",
      "port": 80,`},
		{"--json", `"client_network": "2001:db8:0:7::/64",
              "prefix_length": 64,
              "virtual_address": "2001:db8::64",`},
	} {
		var out, errb bytes.Buffer
		ios := &IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errb}
		if code := TemplatesMain([]string{"lvsctl", "-Lc", c.arg, "--templates"}, templatesFactory(ios, open, path)); code != 0 {
			t.Fatalf("exit %d: %s", code, errb.String())
		}
		if !strings.Contains(out.String(), c.want) {
			t.Errorf("%s: no %q in\n%s", c.arg, c.want, out.String())
		}
	}
}
