package checks

import (
	"bufio"
	"io"
	"net"
	"testing"
	"time"
)

func TestSimpleTCP(t *testing.T) {
	got := make(chan string, 1)
	port := serve(t, func(c net.Conn) {
		b, _ := io.ReadAll(c) // the checker half-closes after its request
		got <- string(b)
		_, _ = io.WriteString(c, "hello\nstatus: ok\nbye\n")
	})
	tg := target("simpletcp", port)
	tg.Request, tg.Receive = `/PING\nPING\n`, "^status: ok$"
	wantUp(t, check(t, SimpleTCP{}, tg))
	if r := <-got; r != "PING\nPING\n" {
		t.Errorf("request %q", r)
	}
	tg.Receive = "^status: sick"
	wantDown(t, check(t, SimpleTCP{}, tg))
	<-got

	tg.RealPort = closedPort(t)
	wantDown(t, check(t, SimpleTCP{}, tg))

	tg.RealPort, tg.NegotiateTimeout = blackHole(t), 200*time.Millisecond
	r := check(t, SimpleTCP{}, tg)
	wantDown(t, r)
	if !r.Timeout {
		t.Errorf("black hole: %+v", r)
	}

	// An endless answer costs a bounded read, then down.
	tg.RealPort, tg.NegotiateTimeout = serve(t, func(c net.Conn) {
		_, _ = bufio.NewReader(c).ReadString('\n')
		streamer("no\n")(c)
	}), 5*time.Second
	start := time.Now()
	wantDown(t, check(t, SimpleTCP{}, tg))
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("endless answer took %v", d)
	}
}

func TestSimpleUDP(t *testing.T) {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	go func() {
		buf := make([]byte, 512)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			if string(buf[:n]) == "ping" {
				_, _ = pc.WriteTo([]byte("x\npong\n"), from)
			}
		}
	}()
	tg := target("simpletcp", uint16(pc.LocalAddr().(*net.UDPAddr).Port))
	tg.Protocol, tg.Request, tg.Receive = "udp", "/ping", "^pong"
	wantUp(t, check(t, SimpleTCP{}, tg))
}
