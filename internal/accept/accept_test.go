package accept

import (
	"io"
	"net"
	"sync/atomic"
	"testing"
)

// Every connection is handled, then closed; stop waits for the
// handlers.
func TestServeHandlesAndStops(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var handled atomic.Int32
	release := make(chan struct{})
	stop := Serve(ln, func(c net.Conn) {
		_, _ = c.Write([]byte("hello"))
		<-release
		handled.Add(1)
	})
	var conns []net.Conn
	for range 3 {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 5)
		if _, err := io.ReadFull(c, buf); err != nil || string(buf) != "hello" {
			t.Fatalf("read %q: %v", buf, err)
		}
		defer c.Close()
		conns = append(conns, c)
	}
	close(release)
	stop()
	if n := handled.Load(); n != 3 {
		t.Errorf("stop returned with %d of 3 handlers done", n)
	}
	for _, c := range conns {
		if n, err := c.Read(make([]byte, 1)); n != 0 || err != io.EOF {
			t.Errorf("after its handler: read %d, %v; want the server's close", n, err)
		}
	}
	if _, err := net.Dial("tcp", ln.Addr().String()); err == nil {
		t.Error("the listener still accepts after stop")
	}
}
