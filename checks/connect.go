package checks

import (
	"context"
	"net/netip"
	"time"
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
	ap := netip.AddrPortFrom(t.RealAddr.Unmap(), t.Port())
	start := time.Now()
	deadline := start.Add(t.checkTimeout())
	if dl, ok := ctx.Deadline(); ok && dl.Before(deadline) {
		deadline = dl
	}
	var r Result
	if err := connectReset(ctx, ap, deadline); err != nil {
		r = fail("connect "+t.Addr(), err)
		r.Timeout = timedOut(ctx, err)
	} else {
		r = up("connected to " + t.Addr())
	}
	r.Latency = time.Since(start)
	return r
}
