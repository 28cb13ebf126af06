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
	// Thin on purpose: the daemon has a thousand checks waiting at once,
	// each on a goroutine stack of its own that stays at the smallest
	// size only while the frames above the wait are small.
	if t.Protocol == "udp" {
		return pingInstead(ctx, &t)
	}
	return connectTCP(ctx, &t)
}

//go:noinline
func pingInstead(ctx context.Context, t *Target) Result { return Ping{}.Check(ctx, *t) }

//go:noinline
func connectTCP(ctx context.Context, t *Target) Result {
	start := time.Now()
	deadline := start.Add(t.checkTimeout())
	if dl, ok := ctx.Deadline(); ok && dl.Before(deadline) {
		deadline = dl
	}
	ap := netip.AddrPortFrom(t.RealAddr.Unmap(), t.Port())
	fd, err := startConnect(ap)
	if fd >= 0 {
		// the only frames above a waiting check: once, Check, this one
		err = waitConnect(ctx, fd, ap, deadline)
	}
	return connectResult(ctx, t, start, err)
}

//go:noinline
func connectResult(ctx context.Context, t *Target, start time.Time, err error) Result {
	var r Result
	if err != nil {
		r = fail("connect "+t.Addr(), err)
		r.Timeout = timedOut(ctx, err)
	} else {
		r = up("connected to " + t.Addr())
	}
	r.Latency = time.Since(start)
	return r
}
