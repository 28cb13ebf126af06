package cli

import (
	"bytes"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lvsctl/lvsctl/ipvsctl"
	"github.com/lvsctl/lvsctl/ipvsctl/ipvstest"
)

func TestTemplatesGroupedByReal(t *testing.T) {
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
	var out, errb bytes.Buffer
	ios := &IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errb}
	open := func() (ipvsctl.Client, error) { return f, nil }
	if code := TemplatesMain([]string{"lvsctl", "-Lcn", "--templates"}, ios, open, path); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	got := out.String()
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
	if code := TemplatesMain([]string{"lvsctl", "-Ln", "--templates"}, ios, open, "/nonexistent"); code != 2 {
		t.Errorf("--templates without -c: exit %d", code)
	}
	if !strings.Contains(errb.String(), "--templates goes with -L -c") {
		t.Errorf("stderr %q", errb.String())
	}
	errb.Reset()
	if code := TemplatesMain([]string{"lvsctl", "-Lc", "--templates", "--bogus"}, ios, open, "/nonexistent"); code != 255 {
		t.Errorf("bad option: exit %d", code)
	}
	if !hasTemplatesFlag([]string{"lvsctl", "-Lc", "--templates"}) || hasTemplatesFlag([]string{"--templates"}) {
		t.Error("hasTemplatesFlag")
	}
}
