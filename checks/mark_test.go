package checks

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"os"
	"syscall"
	"testing"
	"time"
)

// markedCtx is a context carrying a fresh ConnectMark, with deadline dl.
func markedCtx(t *testing.T, dl time.Time) (context.Context, *ConnectMark) {
	t.Helper()
	m := &ConnectMark{}
	ctx, cancel := context.WithDeadline(WithConnectMark(context.Background(), m), dl)
	t.Cleanup(cancel)
	return ctx, m
}

// replyServer accepts one connection on loopback and writes reply at
// once (nothing if reply is empty), then holds the connection open.
func replyServer(t *testing.T, reply string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		t.Cleanup(func() { _ = c.Close() })
		if reply != "" {
			_, _ = c.Write([]byte(reply))
		}
	}()
	return ln.Addr().String()
}

// waitUnread waits until the kernel holds unread bytes on c.
func waitUnread(t *testing.T, c net.Conn) {
	t.Helper()
	for i := 0; !unread(c); i++ {
		if i > 5000 {
			t.Fatal("the reply never arrived")
		}
		time.Sleep(time.Millisecond)
	}
}

// A check whose deadline passes with the reply unread in the kernel
// missed the answer; one with nothing there, or that closes before its
// deadline, did not.
func TestConnMarksAnswerMissedAtDeadline(t *testing.T) {
	for _, tc := range []struct {
		name         string
		reply        string
		pastDeadline bool
		missed       bool
	}{
		{"reply unread at the deadline", "HTTP/1.0 200 OK\r\n\r\nok", true, true},
		{"nothing came", "", true, false},
		{"closed before the deadline", "HTTP/1.0 200 OK\r\n\r\nok", false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			addr := replyServer(t, tc.reply)
			dl := time.Now().Add(time.Hour)
			if tc.pastDeadline {
				dl = time.Now().Add(50 * time.Millisecond)
			}
			ctx, m := markedCtx(t, dl)
			c, err := dial(ctx, "tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			if tc.reply != "" {
				waitUnread(t, c.Conn)
			}
			if tc.pastDeadline {
				<-ctx.Done()
				for time.Now().Before(dl) {
					time.Sleep(time.Millisecond)
				}
			}
			_ = c.Close()
			if got := m.Missed(); got != tc.missed {
				t.Errorf("missed %v, want %v", got, tc.missed)
			}
			if _, ok := m.At(); !ok {
				t.Error("the connect was not marked")
			}
		})
	}
}

// A request sent moves the mark's Sent; one the deadline stopped is an
// answer missed.
func TestConnWriteMarksSentOrMissed(t *testing.T) {
	addr := replyServer(t, "")
	ctx, m := markedCtx(t, time.Now().Add(time.Hour))
	c, err := dial(ctx, "tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	connected, _ := m.Sent()
	time.Sleep(2 * time.Millisecond)
	if err := c.cmd("HELO x"); err != nil {
		t.Fatal(err)
	}
	if sent, ok := m.Sent(); !ok || !sent.After(connected) || m.Missed() {
		t.Fatalf("after a send: sent %v (connect %v), missed %v", sent, connected, m.Missed())
	}
	_ = c.SetWriteDeadline(time.Unix(1, 0))
	if err := c.cmd("QUIT"); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("write after the deadline: %v", err)
	}
	if !m.Missed() {
		t.Error("a request the deadline stopped is not an answer missed")
	}
}

// A connect check that comes to wait only after its deadline, with the
// handshake already over, missed the answer.
func TestWaitConnectLateWithHandshakeDoneMissed(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	ap := netip.MustParseAddrPort(ln.Addr().String())
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_NONBLOCK|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	if e := rawConnect(fd, ap, 0); e != 0 && e != syscall.EINPROGRESS {
		t.Fatal(e)
	}
	for i := 0; ; i++ {
		if done, err := rawConnectState(fd); done {
			if err != nil {
				t.Fatal(err)
			}
			break
		}
		if i > 5000 {
			t.Fatal("the handshake never ended")
		}
		time.Sleep(time.Millisecond)
	}
	tg := Target{RealAddr: ap.Addr(), RealPort: ap.Port(), CheckTimeout: time.Second}
	ctx, m := markedCtx(t, time.Now().Add(time.Hour))
	err = waitConnect(ctx, fd, &tg, time.Now().Add(-2*time.Second))
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("waitConnect after its deadline: %v", err)
	}
	if !m.Missed() {
		t.Error("a handshake over before the late look is not an answer missed")
	}
}

// A protocol check whose goroutine gets a CPU for its connect only after
// its deadline: the dial fails with a timeout, though the real (on
// loopback, in the connect call itself) made the connection. That is an
// answer missed; a refused connect and an on-time dial are not.
func TestDialTimedOutWithConnectionMadeMissed(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	dl := time.Now().Add(300 * time.Millisecond)
	late := func() { time.Sleep(time.Until(dl) + 50*time.Millisecond) }
	afterControl.Store(&late)
	ctx, m := markedCtx(t, dl)
	_, err = dial(ctx, "tcp", ln.Addr().String())
	afterControl.Store(nil)
	if err == nil || !timedOut(ctx, err) {
		t.Fatalf("dial whose connect came after its deadline: %v, want a timeout", err)
	}
	if _, asked := m.Sent(); !asked {
		t.Error("the connect is not marked")
	}
	if !m.Missed() {
		t.Error("a connection the kernel made before the late look is not an answer missed")
	}

	ctx, m = markedCtx(t, time.Now().Add(time.Minute))
	c, err := dial(ctx, "tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	_ = c.Close()
	if m.Missed() || !m.Connected() {
		t.Errorf("on-time dial: missed %v connected %v, want connected only", m.Missed(), m.Connected())
	}

	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := closed.Addr().String()
	_ = closed.Close()
	ctx, m = markedCtx(t, time.Now().Add(time.Minute))
	if _, err := dial(ctx, "tcp", addr); err == nil || timedOut(ctx, err) {
		t.Fatalf("dial of a closed port: %v, want refused", err)
	}
	if _, asked := m.Sent(); !asked || m.Missed() || m.Connected() {
		t.Errorf("refused dial: asked %v missed %v connected %v, want asked only", asked, m.Missed(), m.Connected())
	}
}

// The second descriptor a marked dial keeps is closed whatever the dial's
// end: no descriptor is left behind.
func TestDialLeavesNoDescriptor(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	count := func() int {
		e, err := os.ReadDir("/proc/self/fd")
		if err != nil {
			t.Skip("no /proc/self/fd")
		}
		return len(e)
	}
	before := count()
	for range 20 {
		ctx, _ := markedCtx(t, time.Now().Add(time.Minute))
		c, err := dial(ctx, "tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		_ = c.Close()
		a, err := ln.Accept()
		if err != nil {
			t.Fatal(err)
		}
		_ = a.Close()
	}
	if after := count(); after != before {
		t.Errorf("descriptors: %d before 20 dials, %d after", before, after)
	}
}
