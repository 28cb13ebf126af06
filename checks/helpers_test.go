package checks

import (
	"context"
	"net"
	"net/netip"
	"strconv"
	"testing"
	"time"

	"github.com/lvsctl/lvsctl/internal/accept"
)

// serve runs handle for every connection to a fresh loopback listener and
// returns the listener's port. Everything stops at test cleanup.
func serve(t *testing.T, handle func(c net.Conn)) uint16 {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	stop := accept.Serve(ln, func(c net.Conn) {
		_ = c.SetDeadline(time.Now().Add(10 * time.Second))
		handle(c)
	})
	t.Cleanup(stop)
	return uint16(ln.Addr().(*net.TCPAddr).Port)
}

// blackHole accepts connections and never answers.
func blackHole(t *testing.T) uint16 {
	done := make(chan struct{})
	port := serve(t, func(c net.Conn) {
		select {
		case <-done:
		case <-time.After(5 * time.Second):
		}
	})
	// Registered after serve's cleanup, so it runs before it.
	t.Cleanup(func() { close(done) })
	return port
}

// closedPort returns a loopback port nothing listens on.
func closedPort(t *testing.T) uint16 {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	return uint16(p)
}

// streamer writes greeting, then endless filler until the peer goes away.
func streamer(greeting string) func(c net.Conn) {
	return func(c net.Conn) {
		_, _ = c.Write([]byte(greeting))
		buf := make([]byte, 32<<10)
		for i := range buf {
			buf[i] = 'x'
		}
		for {
			if _, err := c.Write(buf); err != nil {
				return
			}
		}
	}
}

func target(service string, port uint16) Target {
	return Target{
		CheckType: TypeNegotiate, Service: service, Protocol: "tcp",
		VirtualAddr: netip.MustParseAddr("192.0.2.100"), VirtualPort: 80,
		RealAddr: netip.MustParseAddr("127.0.0.1"), RealPort: port,
		Request: "/", CheckTimeout: 5 * time.Second, NegotiateTimeout: 5 * time.Second,
	}
}

func check(t *testing.T, c Checker, tg Target) Result {
	t.Helper()
	return c.Check(context.Background(), tg)
}

func wantUp(t *testing.T, r Result) {
	t.Helper()
	if !r.Up || r.Unchanged {
		t.Fatalf("want up, got %+v", r)
	}
}

func wantDown(t *testing.T, r Result) {
	t.Helper()
	if r.Up || r.Unchanged {
		t.Fatalf("want down, got %+v", r)
	}
	if r.Reason == "" {
		t.Fatalf("down without a reason: %+v", r)
	}
}

func itoa(p uint16) string { return strconv.Itoa(int(p)) }
