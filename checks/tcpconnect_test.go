package checks

import (
	"context"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/lvsctl/lvsctl/checks/checkstest"
	"github.com/lvsctl/lvsctl/internal/accept"
)

func TestConnectTimeout(t *testing.T) {
	tg := target("none", checkstest.FullBacklog(t))
	tg.CheckType, tg.CheckTimeout = TypeConnect, 300*time.Millisecond
	start := time.Now()
	r := check(t, Connect{}, tg)
	wantDown(t, r)
	if !r.Timeout || !strings.HasSuffix(r.Reason, ": timeout") {
		t.Errorf("want a timeout, got %+v", r)
	}
	if d := time.Since(start); d < 250*time.Millisecond || d > 3*time.Second {
		t.Errorf("a 300 ms checktimeout took %v", d)
	}
	if r.Latency < 250*time.Millisecond {
		t.Errorf("latency %v", r.Latency)
	}
}

// The context ends a connect that is still waiting, deadline or not.
func TestConnectContext(t *testing.T) {
	tg := target("none", checkstest.FullBacklog(t))
	tg.CheckType, tg.CheckTimeout = TypeConnect, time.Hour
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	r := Connect{}.Check(ctx, tg)
	if r.Up || !r.Timeout || time.Since(start) > 3*time.Second {
		t.Fatalf("ctx deadline not honoured: %+v after %v", r, time.Since(start))
	}
	ctx, cancel = context.WithCancel(context.Background())
	time.AfterFunc(200*time.Millisecond, cancel)
	start = time.Now()
	r = Connect{}.Check(ctx, tg)
	if r.Up || time.Since(start) > 3*time.Second || !strings.Contains(r.Reason, "canceled") {
		t.Fatalf("cancel not honoured: %+v after %v", r, time.Since(start))
	}
}

func TestConnectIPv6(t *testing.T) {
	ln, err := net.Listen("tcp", "[::1]:0")
	if err != nil {
		t.Skipf("no IPv6 loopback: %v", err)
	}
	defer accept.Serve(ln, func(net.Conn) {})()
	tg := target("none", uint16(ln.Addr().(*net.TCPAddr).Port))
	tg.CheckType, tg.RealAddr = TypeConnect, netip.MustParseAddr("::1")
	r := check(t, Connect{}, tg)
	wantUp(t, r)
	if want := "connected to [::1]:" + strconv.Itoa(int(tg.RealPort)); r.Reason != want {
		t.Errorf("reason %q, want %q", r.Reason, want)
	}
}

// The errors read as net.Dialer's, which the logs and monitor files have
// always shown.
func TestConnectErrorText(t *testing.T) {
	tg := target("none", closedPort(t))
	tg.CheckType = TypeConnect
	r := check(t, Connect{}, tg)
	want := "connect 127.0.0.1:" + strconv.Itoa(int(tg.RealPort)) + ": dial tcp 127.0.0.1:" + strconv.Itoa(int(tg.RealPort)) + ": connect: connection refused"
	if r.Err == nil || r.Err.Error() != want {
		t.Errorf("error %v, want %s", r.Err, want)
	}
	var d net.Dialer
	_, derr := d.Dial("tcp", tg.Addr())
	if derr == nil || !strings.HasSuffix(want, derr.Error()) {
		t.Errorf("net.Dialer says %v, the check %v", derr, r.Err)
	}
}

// A handshake that is not over when connect returns is waited for: the
// first SYN is dropped (full queue), the queue is emptied, and the
// kernel's retransmission a second later connects.
func TestConnectWaitsForHandshake(t *testing.T) {
	ln, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Close(ln)
	if err := syscall.Bind(ln, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Listen(ln, 0); err != nil {
		t.Fatal(err)
	}
	sa, _ := syscall.Getsockname(ln)
	port := sa.(*syscall.SockaddrInet4).Port
	for range 2 { // backlog 0 queues one: these fill the queue
		c, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_NONBLOCK|syscall.SOCK_CLOEXEC, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer syscall.Close(c)
		_ = syscall.Connect(c, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}, Port: port})
	}
	time.Sleep(100 * time.Millisecond)
	tg := target("none", uint16(port))
	tg.CheckType, tg.CheckTimeout = TypeConnect, 5*time.Second
	got := make(chan Result, 1)
	go func() { got <- check(t, Connect{}, tg) }()
	time.Sleep(300 * time.Millisecond)
	for range 2 { // room in the queue for the retransmitted SYN
		c, _, err := syscall.Accept(ln)
		if err != nil {
			t.Fatal(err)
		}
		syscall.Close(c)
	}
	r := <-got
	wantUp(t, r)
	if r.Latency < 800*time.Millisecond {
		t.Errorf("up after %v: the first SYN should have been dropped", r.Latency)
	}
}
