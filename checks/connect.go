package checks

import (
	"context"
	"net"
)

// Connect is checktype=connect: a TCP connect to the check port within
// checktimeout. ldirectord pings UDP virtuals instead, since a UDP
// "connect" proves nothing.
type Connect struct{}

func (Connect) String() string { return TypeConnect }

func (Connect) Check(ctx context.Context, t Target) Result {
	if t.Protocol == "udp" {
		return Ping{}.Check(ctx, t)
	}
	addr := t.Addr()
	return timed(ctx, t.checkTimeout(), func(ctx context.Context) Result {
		var d net.Dialer
		c, err := d.DialContext(ctx, "tcp", addr)
		if err != nil {
			return fail("connect "+addr, err)
		}
		// The handshake is the whole check: end it with a reset, as
		// HAProxy's health checks do. A FIN would cost the director and
		// the real twice the packets and leave a TIME_WAIT socket per
		// check, a thousand a second on a big director.
		if tc, ok := c.(*net.TCPConn); ok {
			_ = tc.SetLinger(0)
		}
		_ = c.Close()
		return up("connected to " + addr)
	})
}
