package checks

import (
	"context"
	"fmt"
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
	return timed(ctx, t.checkTimeout(), func(ctx context.Context) Result {
		c, err := dial(ctx, "tcp", t.Addr())
		if err != nil {
			return fail("connect "+t.Addr(), err)
		}
		_ = c.Close()
		return up(fmt.Sprintf("connected to %s", t.Addr()))
	})
}
