package checks

import (
	"context"
	"sync/atomic"
	"time"
)

// ConnectMark records what a check did in time, for the director to tell
// a real that did not answer from a director too slow to hear it (a
// check whose goroutine waits for a CPU has its deadline running before
// it has done anything, or sees its deadline pass with the answer
// already in the kernel). A check marks the ConnectMark of its context,
// if there is one (WithConnectMark):
//
//   - when it first tried to reach its server (a connect, a datagram
//     sent, a program started);
//   - when it last sent the server something the answer to which it then
//     waited for (a connect, a request): the real's time to answer runs
//     from there;
//   - whether it missed the answer: at its deadline the kernel held the
//     reply unread, or the connection made, or it could not send its
//     request before the deadline. Go's poller hands a waiting goroutine
//     whatever arrives in time, so only a goroutine that was not waiting
//     (it waited for a CPU) misses an answer this way;
//   - whether a check that talks to a service got its connection: the
//     real's kernel answered, whatever its service then does.
type ConnectMark struct {
	at, sent          atomic.Int64
	missed, connected atomic.Bool
}

// Reset forgets the mark, for the next check.
func (m *ConnectMark) Reset() {
	m.at.Store(0)
	m.sent.Store(0)
	m.missed.Store(false)
	m.connected.Store(false)
}

// At is when the check first tried to reach its server; false if it
// never did.
func (m *ConnectMark) At() (time.Time, bool) {
	ns := m.at.Load()
	return time.Unix(0, ns), ns != 0
}

// Sent is when the check last sent its server something to answer; false
// if it never did.
func (m *ConnectMark) Sent() (time.Time, bool) {
	ns := m.sent.Load()
	return time.Unix(0, ns), ns != 0
}

// Missed reports that the check timed out with its answer there, or
// without having been able to ask (see ConnectMark).
func (m *ConnectMark) Missed() bool { return m.missed.Load() }

// Connected reports that the check's connection to its server was made
// (a TCP handshake over) before it ended.
func (m *ConnectMark) Connected() bool { return m.connected.Load() }

type markKey struct{}

// WithConnectMark returns a context whose checks mark m.
func WithConnectMark(ctx context.Context, m *ConnectMark) context.Context {
	return context.WithValue(ctx, markKey{}, m)
}

// markOf is ctx's ConnectMark, nil without one.
func markOf(ctx context.Context) *ConnectMark {
	m, _ := ctx.Value(markKey{}).(*ConnectMark)
	return m
}

// markConnect marks ctx's ConnectMark: the first attempt, and a send.
//
//go:noinline
func markConnect(ctx context.Context) {
	if m := markOf(ctx); m != nil {
		now := time.Now().UnixNano()
		m.at.CompareAndSwap(0, now)
		m.sent.Store(now)
	}
}

// sentNow records a request sent on m (nil: nothing to record).
func (m *ConnectMark) sentNow() {
	if m != nil {
		m.sent.Store(time.Now().UnixNano())
	}
}

// miss records a missed answer on m (nil: nothing to record).
func (m *ConnectMark) miss() {
	if m != nil {
		m.missed.Store(true)
	}
}

// MarkConnect marks ctx's ConnectMark: a Checker outside this package
// calls it when it tries to reach its server.
func MarkConnect(ctx context.Context) { markConnect(ctx) }

// MarkConnected records on ctx's ConnectMark that a Checker outside this
// package made its connection.
func MarkConnected(ctx context.Context) {
	if m := markOf(ctx); m != nil {
		m.connected.Store(true)
	}
}

// MarkMissed records on ctx's ConnectMark that a Checker outside this
// package timed out with its answer there, or could not ask in time.
func MarkMissed(ctx context.Context) { markOf(ctx).miss() }
