package checks

import (
	"context"
	"sync/atomic"
	"time"
)

// ConnectMark records when a check first tried to reach its server: a
// connect, a datagram sent, a program started. The director uses it to
// tell how much of a failed check's time passed before that, that is how
// far behind the director itself was (a check whose goroutine waits for
// a CPU has its deadline running before it has done anything). A check
// marks the ConnectMark of its context, if there is one (WithConnectMark).
type ConnectMark struct{ at atomic.Int64 }

// Reset forgets the mark, for the next check.
func (m *ConnectMark) Reset() { m.at.Store(0) }

// At is when the check first tried to reach its server; false if it
// never did.
func (m *ConnectMark) At() (time.Time, bool) {
	ns := m.at.Load()
	return time.Unix(0, ns), ns != 0
}

type markKey struct{}

// WithConnectMark returns a context whose checks mark m.
func WithConnectMark(ctx context.Context, m *ConnectMark) context.Context {
	return context.WithValue(ctx, markKey{}, m)
}

// markConnect marks ctx's ConnectMark, the first time only.
//
//go:noinline
func markConnect(ctx context.Context) {
	if m, ok := ctx.Value(markKey{}).(*ConnectMark); ok {
		m.at.CompareAndSwap(0, time.Now().UnixNano())
	}
}

// MarkConnect marks ctx's ConnectMark, the first time only: a Checker
// outside this package calls it when it first tries to reach its server.
func MarkConnect(ctx context.Context) { markConnect(ctx) }
