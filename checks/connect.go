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

// connectTCP keeps its frame small: it is on the stack of every waiting
// check, so the address and the deadline are worked out below it.
//
//go:noinline
func connectTCP(ctx context.Context, t *Target) Result {
	start := time.Now()
	markConnect(ctx)
	fd, err := startConnect(t.connectAddr())
	if fd >= 0 {
		err = waitConnect(ctx, fd, t, start)
	}
	return connectResult(ctx, t, start, err)
}

func (t *Target) connectAddr() netip.AddrPort {
	return netip.AddrPortFrom(t.RealAddr.Unmap(), t.Port())
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
