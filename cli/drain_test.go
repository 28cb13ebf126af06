package cli

import (
	"bytes"
	"context"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lvsctl/lvsctl/ipvsctl"
	"github.com/lvsctl/lvsctl/ipvsctl/ipvstest"
)

// countingClient overlays connection counters on the fake's real servers
// (the fake keeps them at 0, like a kernel without traffic).
type countingClient struct {
	*ipvstest.Fake
	mu     sync.Mutex
	active map[netip.Addr]uint32
}

func (c *countingClient) setActive(a string, n uint32) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.active[netip.MustParseAddr(a)] = n
}

func (c *countingClient) Destinations(s *ipvsctl.Service) ([]ipvsctl.Destination, error) {
	d, err := c.Fake.Destinations(s)
	c.mu.Lock()
	defer c.mu.Unlock()
	for i := range d {
		d[i].ActiveConns = c.active[d[i].Address]
	}
	return d, err
}

func (c *countingClient) Close() error { return nil }

const connHeader = "Pro FromIP   FPrt ToIP     TPrt DestIP   DPrt State       Expires PEName PEData\n"

// A client 192.0.2.10 with a connection and a template on 10.10.1.2, and
// an unrelated template on 10.10.2.2.
const busyConns = connHeader +
	"TCP C000020A 0000 C0000264 0050 0A0A0102 0050 NONE             59\n" +
	"TCP C000020A B2C4 C0000264 0050 0A0A0102 0050 ESTABLISHED     899\n" +
	"TCP C000020B 0000 C0000264 0050 0A0A0202 0050 NONE             40\n"

type drainFixture struct {
	c       *countingClient
	tty     bool
	conns   string
	sysctl  string
	out     bytes.Buffer
	errOut  bytes.Buffer
	service ipvsctl.Service
}

func newDrainFixture(t *testing.T) *drainFixture {
	t.Helper()
	f := &drainFixture{c: &countingClient{Fake: ipvstest.NewFake(), active: map[netip.Addr]uint32{}}}
	dir := t.TempDir()
	f.conns, f.sysctl = filepath.Join(dir, "ip_vs_conn"), filepath.Join(dir, "expire_quiescent_template")
	f.writeConns(t, busyConns)
	if err := os.WriteFile(f.sysctl, []byte("0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	f.service = ipvsctl.Service{Family: ipvsctl.AFInet, Protocol: ipvsctl.ProtoTCP, Address: netip.MustParseAddr("192.0.2.100"),
		Port: 80, Scheduler: "rr", Flags: ipvsctl.SvcFlagPersistent, Timeout: 60, Netmask: 0xffffffff}
	if err := f.c.AddService(&f.service); err != nil {
		t.Fatal(err)
	}
	for _, a := range []string{"10.10.1.2", "10.10.2.2"} {
		d := ipvsctl.Destination{Family: ipvsctl.AFInet, Address: netip.MustParseAddr(a), Port: 80, Weight: 5,
			FwdMethod: ipvsctl.FwdMasq, UpperThreshold: 100}
		if err := f.c.AddDestination(&f.service, &d); err != nil {
			t.Fatal(err)
		}
	}
	f.c.setActive("10.10.1.2", 1)
	f.c.ResetCalls()
	return f
}

func (f *drainFixture) writeConns(t *testing.T, s string) {
	t.Helper()
	// Through a rename: the drain reads the file concurrently.
	tmp := f.conns + ".new"
	if err := os.WriteFile(tmp, []byte(s), 0o644); err != nil {
		t.Error(err)
	}
	if err := os.Rename(tmp, f.conns); err != nil {
		t.Error(err)
	}
}

// run runs lvsctl drain as Main does, with the fixture's sysctl, a 5 ms
// poll and no signal handling.
func (f *drainFixture) run(ctx context.Context, args ...string) int {
	fac := NewFactory(&IOStreams{In: strings.NewReader(""), Out: &f.out, ErrOut: &f.errOut, OutTTY: f.tty})
	fac.OpenIPVS = func() (ipvsctl.Client, error) { return f.c, nil }
	fac.ConnFile = f.conns
	cmd := newCmdDrain(fac, func(o *drainOptions) error {
		o.sysctl, o.poll, o.signals = f.sysctl, 5*time.Millisecond, false
		return runDrain(o)
	})
	return runCommand(ctx, fac, cmd, args)
}

func (f *drainFixture) sysctlValue(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(f.sysctl)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

func TestDrainWaitsThenDeletes(t *testing.T) {
	f := newDrainFixture(t)
	during := make(chan string, 1)
	go func() {
		// The client finishes: first its connection, then its template.
		time.Sleep(30 * time.Millisecond)
		f.c.setActive("10.10.1.2", 0)
		f.writeConns(t, connHeader+"TCP C000020A 0000 C0000264 0050 0A0A0102 0050 NONE             12\n")
		time.Sleep(30 * time.Millisecond)
		b, _ := os.ReadFile(f.sysctl)
		during <- strings.TrimSpace(string(b))
		f.writeConns(t, connHeader)
	}()
	code := f.run(context.Background(), "-t", "192.0.2.100:80", "-r", "10.10.1.2", "--timeout", "10s", "--expire-templates")
	if code != drainDone {
		t.Fatalf("exit %d\n%s%s", code, f.out.String(), f.errOut.String())
	}
	if got := <-during; got != "1" {
		t.Errorf("expire_quiescent_template during the drain = %q", got)
	}
	if got := f.sysctlValue(t); got != "0" {
		t.Errorf("expire_quiescent_template not restored: %q", got)
	}
	calls := strings.Join(f.c.Calls(), "\n")
	want := "-e -t 192.0.2.100:80 -r 10.10.1.2:80 -m -w 0 -x 100 -y 0\n-d -t 192.0.2.100:80 -r 10.10.1.2:80"
	if calls != want {
		t.Errorf("writes:\n%s\nwant:\n%s", calls, want)
	}
	out := f.out.String()
	for _, s := range []string{"1 active, 0 inactive, 1 template\n", "0 active, 0 inactive, 1 template\n",
		"0 active, 0 inactive, 0 templates\n", "drained -t 192.0.2.100:80 -r 10.10.1.2:80 in "} {
		if !strings.Contains(out, s) {
			t.Errorf("output lacks %q:\n%s", s, out)
		}
	}
	if strings.Count(out, "1 active") != 1 {
		t.Errorf("a line per change, not per poll:\n%s", out)
	}
}

func TestDrainTimeoutReportsHolders(t *testing.T) {
	f := newDrainFixture(t)
	code := f.run(context.Background(), "-t", "192.0.2.100:80", "-r", "10.10.1.2:80", "--timeout", "40ms", "--expire-templates")
	if code != drainTimedOut {
		t.Fatalf("exit %d\n%s%s", code, f.out.String(), f.errOut.String())
	}
	out := f.out.String()
	for _, s := range []string{
		"timed out after 40ms: -t 192.0.2.100:80 -r 10.10.1.2:80 still has 1 active, 0 inactive, 1 template; left at weight 0",
		"connection TCP 192.0.2.10:45764 -> 192.0.2.100:80 ESTABLISHED expires 14:59",
		"template   TCP 192.0.2.10 -> 192.0.2.100:80 expires 00:59",
	} {
		if !strings.Contains(out, s) {
			t.Errorf("output lacks %q:\n%s", s, out)
		}
	}
	if strings.Contains(out, "192.0.2.11") {
		t.Errorf("another real's template reported:\n%s", out)
	}
	if got := f.sysctlValue(t); got != "0" {
		t.Errorf("expire_quiescent_template not restored after a timeout: %q", got)
	}
	if calls := f.c.Calls(); len(calls) != 1 || !strings.Contains(calls[0], "-w 0") {
		t.Errorf("writes %q: want only the weight 0", calls)
	}
}

func TestDrainKeepAndInterrupt(t *testing.T) {
	f := newDrainFixture(t)
	f.c.setActive("10.10.1.2", 0)
	f.writeConns(t, connHeader)
	if code := f.run(context.Background(), "-t", "192.0.2.100:80", "-r", "10.10.1.2", "--keep"); code != 0 {
		t.Fatalf("exit %d: %s", code, f.errOut.String())
	}
	if calls := f.c.Calls(); len(calls) != 1 {
		t.Errorf("--keep deleted: %q", calls)
	}
	if !strings.Contains(f.out.String(), "kept at weight 0") {
		t.Errorf("output: %s", f.out.String())
	}

	g := newDrainFixture(t)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(30*time.Millisecond, cancel)
	if code := g.run(ctx, "-t", "192.0.2.100:80", "-r", "10.10.1.2", "--expire-templates", "--timeout", "1m"); code != drainError {
		t.Fatalf("interrupted drain: exit %d", code)
	}
	if !strings.Contains(g.errOut.String(), "interrupted with 1 active") {
		t.Errorf("stderr: %s", g.errOut.String())
	}
	if got := g.sysctlValue(t); got != "0" {
		t.Errorf("expire_quiescent_template not restored after ctrl-C: %q", got)
	}
}

func TestDrainProgressBar(t *testing.T) {
	f := newDrainFixture(t)
	f.tty = true
	time.AfterFunc(20*time.Millisecond, func() {
		f.c.setActive("10.10.1.2", 0)
		f.writeConns(t, connHeader)
	})
	if code := f.run(context.Background(), "-t", "192.0.2.100:80", "-r", "10.10.1.2"); code != 0 {
		t.Fatalf("exit %d: %s", code, f.errOut.String())
	}
	out := f.out.String()
	if !strings.Contains(out, "\r[------------------------] 1 active") || !strings.Contains(out, "\r[########################] 0 active") {
		t.Errorf("no bar:\n%q", out)
	}
}

func TestDrainUsage(t *testing.T) {
	for _, args := range [][]string{
		{"-r", "10.10.1.2"},
		{"-t", "192.0.2.100:80"},
		{"-t", "192.0.2.100:80", "-u", "192.0.2.100:53", "-r", "10.10.1.2"},
		{"-t", "192.0.2.100:81", "-r", "10.10.1.2"},
		{"-t", "192.0.2.100:80", "-r", "10.10.9.9"},
		{"-t", "192.0.2.100:80", "-r", "10.10.1.2", "--timeout", "0s"},
		{"-t", "192.0.2.100:80", "-r", "10.10.1.2", "--timeout", "30"},
		{"-t", "not-an-address:80", "-r", "10.10.1.2"},
		{"-t", "192.0.2.100:80", "-r", "10.10.1.2", "extra"},
	} {
		f := newDrainFixture(t)
		if code := f.run(context.Background(), args...); code != drainError {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
		if !strings.HasPrefix(f.errOut.String(), "lvsctl drain: ") {
			t.Errorf("%v: stderr %q", args, f.errOut.String())
		}
		if calls := f.c.Calls(); len(calls) != 0 {
			t.Errorf("%v: wrote %q", args, calls)
		}
	}
}

func TestConnOfServiceFWMark(t *testing.T) {
	svc := ipvsctl.Service{Family: ipvsctl.AFInet, FWMark: 258}
	tmpl, _ := ipvsctl.ParseConnLine("IP  C000020A 0000 00000102 0000 0A0A0102 0000 NONE 59")
	if !connOfService(&tmpl, &svc) {
		t.Error("fwmark template not matched")
	}
	other := ipvsctl.Service{Family: ipvsctl.AFInet, FWMark: 3}
	if connOfService(&tmpl, &other) {
		t.Error("another mark's template matched")
	}
}
