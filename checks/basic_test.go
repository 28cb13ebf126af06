package checks

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestConnect(t *testing.T) {
	tg := target("none", serve(t, func(net.Conn) {}))
	tg.CheckType = TypeConnect
	wantUp(t, check(t, Connect{}, tg))
	tg.RealPort = closedPort(t)
	r := check(t, Connect{}, tg)
	wantDown(t, r)
	if !strings.Contains(r.Reason, "refused") {
		t.Errorf("reason %q", r.Reason)
	}
}

func TestCheckPortRule(t *testing.T) {
	tg := Target{Service: "http", RealPort: 8080}
	if tg.Port() != 8080 {
		t.Error("real port must win over the service port")
	}
	tg.CheckPort = 81
	if tg.Port() != 81 {
		t.Error("checkport must win")
	}
	tg = Target{Service: "https"}
	if tg.Port() != 443 {
		t.Error("service port when the real has none")
	}
	if DefaultService(5432) != "pgsql" || DefaultService(1) != "none" {
		t.Error("DefaultService")
	}
}

func TestContextDeadlineWins(t *testing.T) {
	tg := target("simpletcp", blackHole(t))
	tg.Receive = "x"
	tg.NegotiateTimeout = time.Hour
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	r := SimpleTCP{}.Check(ctx, tg)
	if r.Up || !r.Timeout || time.Since(start) > 5*time.Second {
		t.Fatalf("ctx deadline not honoured: %+v after %v", r, time.Since(start))
	}
}

func TestOnOffNone(t *testing.T) {
	wantUp(t, check(t, On{}, Target{}))
	wantUp(t, check(t, None{}, Target{}))
	if r := check(t, Off{}, Target{}); r.Up || !r.Unchanged {
		t.Fatalf("off: %+v", r)
	}
}

func TestPing(t *testing.T) {
	for _, ip := range []string{"127.0.0.1", "::1"} {
		tg := target("none", 0)
		tg.RealAddr = mustAddr(ip)
		tg.CheckType = TypePing
		r := check(t, Ping{}, tg)
		if !r.Up && strings.Contains(r.Reason, "socket") {
			t.Skipf("no ICMP socket here: %s", r.Reason)
		}
		wantUp(t, r)
	}
	// Nobody answers for TEST-NET-1 addresses off-link: two attempts, down.
	tg := target("none", 0)
	tg.RealAddr = mustAddr("192.0.2.77")
	tg.CheckCount, tg.CheckTimeout = 2, 150*time.Millisecond
	start := time.Now()
	wantDown(t, check(t, Ping{}, tg))
	if d := time.Since(start); d < 250*time.Millisecond || d > 5*time.Second {
		t.Errorf("two attempts of 150ms took %v", d)
	}
}

func TestConnectUDPPings(t *testing.T) {
	tg := target("none", 53)
	tg.CheckType, tg.Protocol = TypeConnect, "udp"
	r := check(t, Connect{}, tg)
	if !r.Up && strings.Contains(r.Reason, "socket") {
		t.Skip("no ICMP socket")
	}
	wantUp(t, r)
	if !strings.Contains(r.Reason, "echo") {
		t.Errorf("UDP connect should ping, reason %q", r.Reason)
	}
}

func writeScript(t *testing.T, name, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(body), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestExternal(t *testing.T) {
	out := filepath.Join(t.TempDir(), "args")
	// A name with a space: one program, never split by a shell.
	script := writeScript(t, "check me.sh", "#!/bin/sh\nprintf '%s|' \"$@\" > "+out+"\nexit ${EXIT:-0}\n")
	tg := target("none", 8080)
	tg.CheckType, tg.CheckCommand = TypeExternal, script
	wantUp(t, check(t, External{}, tg))
	b, _ := os.ReadFile(out)
	if string(b) != "192.0.2.100|80|127.0.0.1|8080|" {
		t.Errorf("args %q", b)
	}
	tg.FWMark, tg.VirtualAddr, tg.VirtualPort = 7, zeroAddr, 0
	wantUp(t, check(t, External{}, tg))
	b, _ = os.ReadFile(out)
	if string(b) != "7|0|127.0.0.1|8080|" {
		t.Errorf("fwmark args %q", b)
	}

	fail := writeScript(t, "fail", "#!/bin/sh\nexit 3\n")
	tg.CheckCommand = fail
	wantDown(t, check(t, External{}, tg))

	tg.CheckCommand = "/bin/true; /bin/false"
	wantDown(t, check(t, External{}, tg))

	// A check that hangs (with a child) is terminated at checktimeout.
	slow := writeScript(t, "slow", "#!/bin/sh\nsleep 30 &\nsleep 30\n")
	tg.CheckCommand, tg.CheckTimeout = slow, 300*time.Millisecond
	start := time.Now()
	r := check(t, External{}, tg)
	wantDown(t, r)
	if !r.Timeout || time.Since(start) > 10*time.Second {
		t.Errorf("timeout not enforced: %+v in %v", r, time.Since(start))
	}
}

func TestExternalPerl(t *testing.T) {
	tg := target("none", 8080)
	tg.CheckType = TypeExternalPerl
	tg.CheckCommand = writeScript(t, "ok.pl", "exit(0) if @ARGV == 4 && $ARGV[2] eq '127.0.0.1'; exit(1);\n")
	wantUp(t, check(t, ExternalPerl{}, tg))
	tg.CheckCommand = writeScript(t, "no.pl", "exit(2);\n")
	wantDown(t, check(t, ExternalPerl{}, tg))
	tg.CheckCommand = writeScript(t, "die.pl", "die 'broken';\n")
	wantDown(t, check(t, ExternalPerl{}, tg))
}

type countChecker struct {
	calls int
	up    bool
}

func (c *countChecker) Check(context.Context, Target) Result {
	c.calls++
	return Result{Up: c.up}
}
func (c *countChecker) String() string { return "count" }

func TestCombined(t *testing.T) {
	port := serve(t, func(net.Conn) {})
	tg := target("http", port)
	tg.CheckType, tg.NumConnects = TypeCombined, 2
	neg := &countChecker{up: true}
	c := NewCombined(2, neg)
	// negotiate first, then 2 connects, then negotiate again.
	for i, want := range []int{1, 1, 1, 2, 2, 2, 3} {
		wantUp(t, c.Check(context.Background(), tg))
		if neg.calls != want {
			t.Fatalf("check %d: %d negotiates, want %d", i, neg.calls, want)
		}
	}
	// A failed connect makes the next check a negotiate.
	tg.RealPort = closedPort(t)
	wantDown(t, c.Check(context.Background(), tg)) // connect (count was 0)
	neg.up = false
	c.Check(context.Background(), tg)
	if neg.calls != 4 {
		t.Fatalf("negotiate after a failed connect: %d", neg.calls)
	}
}

func TestValidate(t *testing.T) {
	base := target("http", 80)
	for _, tc := range []struct {
		mod  func(*Target)
		want string
	}{
		{func(t *Target) { t.Service = "oracle" }, "oracle"},
		{func(t *Target) { t.Service = "gopher" }, "unknown service"},
		{func(t *Target) { t.CheckType = "sometimes" }, "unknown checktype"},
		{func(t *Target) { t.CheckType = TypeExternal; t.CheckCommand = "" }, "checkcommand"},
		{func(t *Target) { t.Receive = "(?=x)" }, "lookahead"},
		{func(t *Target) { t.CheckType = TypeCombined }, "positive N"},
	} {
		tg := base
		tc.mod(&tg)
		if _, err := New(tg); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: error %v, want %q", tg, err, tc.want)
		}
	}
	c, err := New(base)
	if err != nil || c.String() != "negotiate:http" {
		t.Fatalf("New: %v %v", c, err)
	}
	base.CheckType, base.NumConnects = TypeCombined, 3
	if c, _ := New(base); c.String() != "combined:3" {
		t.Errorf("combined: %v", c)
	}
	if r := check(t, Oracle{}, base); r.Up {
		t.Error("oracle must never pass")
	}
}

// Label names the check that runs, service included: one HTTP checker
// serves http, https and http_proxy.
func TestTargetLabel(t *testing.T) {
	for _, c := range []struct {
		t    Target
		want string
	}{
		{Target{CheckType: TypeNegotiate, Service: "https"}, "negotiate:https"},
		{Target{CheckType: TypeNegotiate}, "negotiate:none"},
		{Target{CheckType: TypeCombined, NumConnects: 3, Service: "http_proxy"}, "combined:3:http_proxy"},
		{Target{CheckType: TypeConnect, Service: "https"}, "connect"},
		{Target{CheckType: TypeExternalPerl}, "external-perl"},
	} {
		if got := c.t.Label(); got != c.want {
			t.Errorf("%+v: %q, want %q", c.t, got, c.want)
		}
	}
}
