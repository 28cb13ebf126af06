// Package bgp is the director's BGP speaker: GoBGP embedded, announcing
// prefixes to the routers while the director can serve them. It knows
// nothing of the director: the caller gives it a Config, the set of
// prefixes to announce, and reads its Status.
//
// Every method takes a context that bounds it. GoBGP's own calls wait on
// its server loop and ignore contexts, so each runs in a goroutine that
// the server's stop ends at the latest.
//
// A process runs one GoBGP server at a time: GoBGP keeps its
// route-selection settings in package variables that each server writes
// when it starts. Start refuses a second running Speaker (ErrRunning).
package bgp

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/osrg/gobgp/v4/pkg/server"
)

// Timers where GoBGP's defaults suit a router more than a director.
const (
	// connectRetry is the time between connection attempts (GoBGP: 120 s),
	// so that a director started before its router comes up soon after.
	connectRetry = 5
	// idleHoldAfterReset is the wait before reconnecting after a session
	// drop (GoBGP: 30 s).
	idleHoldAfterReset = 3
	// withdrawFlushMax bounds how long Stop waits for its withdrawals to
	// be written to the sessions before it closes them.
	withdrawFlushMax = 2 * time.Second
	// flushPoll is how often Stop looks at the sessions' update counters.
	flushPoll = 10 * time.Millisecond
)

// ErrRunning is Start's error while another Speaker of the process runs.
var ErrRunning = errors.New("bgp: another speaker runs in this process")

// serverRunning is held from a GoBGP server's creation until its loop has
// ended.
var serverRunning atomic.Bool

// Announcer is what the director drives, once a speaker is started: a
// Speaker in this process, or anything else that carries the same calls
// (a speaker in a helper process).
type Announcer interface {
	Reconfigure(ctx context.Context, cfg Config) error
	SetAnnounced(ctx context.Context, routes map[netip.Prefix]Attrs) error
	Stop(ctx context.Context) error
	Status() Status
}

var _ Announcer = (*Speaker)(nil)

// Option configures a Speaker.
type Option func(*Speaker)

// WithLogger sends GoBGP's log to l (passwords redacted); without it the
// log is dropped.
func WithLogger(l *slog.Logger) Option { return func(s *Speaker) { s.logger = l } }

// WithNotify has f called after every change of the Status (a session's
// state, a prefix announced or withdrawn). f runs on GoBGP's goroutines
// and must not block.
func WithNotify(f func()) Option { return func(s *Speaker) { s.book.notify = f } }

// Speaker is a running BGP speaker. Its methods may be called from any
// goroutine; operations run one at a time, Status never waits for them.
type Speaker struct {
	logger  *slog.Logger
	secrets atomic.Pointer[[]string]
	book    *book

	mu     sync.Mutex // serialises the operations
	inst   *instance  // nil once stopped
	cfg    Config
	routes map[netip.Prefix]route // what GoBGP holds
	// pathCalls counts the calls that change GoBGP's routes: a set
	// announced twice must not make one (tests read it).
	pathCalls atomic.Int64
}

type route struct {
	attrs Attrs
	// known is false after a failed call: whether GoBGP holds it is not
	// known, so the next SetAnnounced sends it again.
	known bool
}

// instance is one GoBGP server: its identity cannot change while it runs.
type instance struct {
	srv         *server.BgpServer
	served      chan struct{} // closed when Serve returns
	cancelWatch context.CancelFunc
}

// Start starts a speaker with cfg's peers and nothing announced.
func Start(ctx context.Context, cfg Config, opts ...Option) (*Speaker, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	s := &Speaker{book: newBook(), routes: map[netip.Prefix]route{}}
	for _, o := range opts {
		o(s)
	}
	if s.logger == nil {
		s.logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	s.secrets.Store(&[]string{})
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.startInstance(ctx, cfg); err != nil {
		return nil, err
	}
	return s, nil
}

// Stop withdraws every prefix, waits briefly for the withdrawals to be
// written (not for the routers to act on them: that wait, the withdraw
// delay, is the caller's), then closes the sessions and stops GoBGP. A
// stopped speaker stays stopped; Stop again does nothing. If ctx ends
// first, Stop returns its error and GoBGP finishes stopping on its own.
func (s *Speaker) Stop(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.inst == nil {
		return nil
	}
	err := errors.Join(s.withdrawAll(ctx), s.inst.stop(ctx))
	s.inst = nil
	s.routes = map[netip.Prefix]route{}
	s.recordRoutes()
	s.book.stopped(time.Now())
	return err
}

// Status returns the sessions' and prefixes' state.
func (s *Speaker) Status() Status { return s.book.status() }

// call runs a GoBGP call, which ignores contexts, bounded by ctx. Past
// ctx the call's goroutine ends when GoBGP answers or stops.
func call(ctx context.Context, f func() error) error {
	done := make(chan error, 1)
	go func() { done <- f() }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}
