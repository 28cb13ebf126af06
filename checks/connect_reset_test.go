package checks

import (
	"errors"
	"net"
	"syscall"
	"testing"
	"time"
)

// A connect check ends its connection with a reset, not a FIN: the real
// reads ECONNRESET, and the director keeps no TIME_WAIT socket.
func TestConnectEndsWithReset(t *testing.T) {
	got := make(chan error, 1)
	port := serve(t, func(c net.Conn) {
		_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
		_, err := c.Read(make([]byte, 1))
		got <- err
	})
	tg := target("none", port)
	tg.CheckType = TypeConnect
	wantUp(t, check(t, Connect{}, tg))
	if err := <-got; !errors.Is(err, syscall.ECONNRESET) {
		t.Errorf("the real read %v, want a reset", err)
	}
}
