package checks

import (
	"context"
	"strconv"
	"sync"
)

// notYet is ldirectord's "negotiate next" marker for num_connects.
const notYet = 999999

// Combined is checktype=N: N connect checks, then one negotiate check. The
// first check is a negotiate, a failed connect makes the next one a
// negotiate, and only a successful negotiate restarts the count.
//
// It is the one stateful checker: use one value per (virtual, real).
type Combined struct {
	N         int
	Negotiate Checker

	mu       sync.Mutex
	connects int
	started  bool
}

// NewCombined returns the checktype=N checker for one real.
func NewCombined(n int, negotiate Checker) *Combined {
	return &Combined{N: n, Negotiate: negotiate}
}

func (c *Combined) String() string { return "combined:" + strconv.Itoa(c.N) }

func (c *Combined) Check(ctx context.Context, t Target) Result {
	// Checks of one real never overlap in ldirectord; serialising keeps
	// the counter meaningful if a caller does overlap them.
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.started {
		c.connects, c.started = notYet, true
	}
	if c.connects >= c.N {
		r := c.Negotiate.Check(ctx, t)
		if r.Up {
			c.connects = 0
		}
		return r
	}
	r := combinedConnect(ctx, t)
	if r.Up {
		c.connects++
	} else {
		c.connects = notYet
	}
	return r
}

// combinedConnect is the connect step of checktype=N. ldirectord calls
// check_connect directly here, without the ping detour of checktype=connect,
// so a UDP virtual gets a UDP "connect", which succeeds whenever there is a
// route.
func combinedConnect(ctx context.Context, t Target) Result {
	if t.Protocol != "udp" {
		return Connect{}.Check(ctx, t)
	}
	return timed(ctx, t.checkTimeout(), func(ctx context.Context) Result {
		c, err := dial(ctx, "udp", t.Addr())
		if err != nil {
			return fail("udp connect "+t.Addr(), err)
		}
		_ = c.Close()
		return up("udp socket connected to " + t.Addr())
	})
}
