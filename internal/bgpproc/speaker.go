// Package bgpproc runs the BGP speaker program (lvsctl-bgp) for the
// director: it finds and starts it, hands it the configuration and the
// routes the director wants, starts it again with backoff when it dies,
// and keeps its status. The director's calls never wait on the program,
// but for Sync and Stop, which are bounded by their context.
package bgpproc

import (
	"context"
	"maps"
	"net/netip"
	"runtime"
	"sync"
	"time"

	"github.com/lvsctl/lvsctl/internal/bgpwire"
)

// Backoff between the program's starts, and between resends of a
// command it refused: the first after minBackoff, each further one
// twice as long, at most maxBackoff. A run that lasted stableAfter
// starts the count again.
const (
	minBackoff  = time.Second
	maxBackoff  = 30 * time.Second
	stableAfter = time.Minute
	// readyTimeout bounds the wait for a started program's ready line.
	readyTimeout = 30 * time.Second
	// stopWait bounds the wait for the program to end after stop (its
	// own stop is bounded by 5 s); past it, it is killed.
	stopWait = 10 * time.Second
)

// Options configure a Speaker.
type Options struct {
	// Path is the program; "" finds it when it starts (Find).
	Path string
	// Debug runs it with --debug (GoBGP's debug log).
	Debug bool
	// Log receives the supervisor's lines (starts, deaths, sessions
	// changing state, refused commands) and the program's standard error.
	Log func(msg string)

	// start starts a run (tests: an in-process fake); nil runs the
	// program.
	start startFunc
	// find finds the program when Path is "" (tests).
	find func() (string, error)
}

// Speaker is the speaker program under supervision. Its methods may be
// called from any goroutine.
type Speaker struct {
	o Options

	mu sync.Mutex
	// What the director wants, and its versions (0: never set).
	cfg       bgpwire.Config
	cfgVer    uint64
	routes    map[netip.Prefix]bgpwire.Attrs
	routesVer uint64
	// What the running program holds: the versions it acknowledged.
	cfgAcked, routesAcked uint64
	status                Status
	// flapBase carries each peer's flaps over the program's restarts.
	flapBase map[netip.Addr]int
	// changed is closed and replaced on every acknowledgement (Sync).
	changed chan struct{}

	kick     chan struct{} // something to send
	stopReq  chan struct{} // closed by Stop
	stopCtx  context.Context
	stopOnce sync.Once
	done     chan struct{} // closed when the supervisor has ended
}

// Start starts the supervisor, which starts the program at once. Nothing
// is sent until Configure.
func Start(o Options) *Speaker {
	if o.Log == nil {
		o.Log = func(string) {}
	}
	lock := o.start == nil
	if o.start == nil {
		o.start = execStart
	}
	if o.find == nil {
		o.find = Find
	}
	s := &Speaker{o: o, routes: map[netip.Prefix]bgpwire.Attrs{}, flapBase: map[netip.Addr]int{},
		changed: make(chan struct{}), kick: make(chan struct{}, 1), stopReq: make(chan struct{}),
		done: make(chan struct{})}
	s.status.State = Starting
	go func() {
		if lock {
			// The program's PR_SET_PDEATHSIG follows this thread: it must
			// live as long as the program does, and ends with the
			// supervisor (the thread of a goroutine that ends locked
			// exits).
			runtime.LockOSThread()
		}
		s.supervise()
	}()
	return s
}

// Configure sets the speaker's configuration: sent to the program now,
// and again to each program started after a death.
func (s *Speaker) Configure(cfg bgpwire.Config) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cfgVer > 0 && s.cfg.Equal(cfg) {
		return
	}
	s.cfg = cfg.Clone()
	s.cfgVer++
	s.wake()
}

// Announce makes routes the announced set. The same set again sends
// nothing.
func (s *Speaker) Announce(routes map[netip.Prefix]bgpwire.Attrs) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.routesVer > 0 && maps.EqualFunc(s.routes, routes, bgpwire.Attrs.Equal) {
		return
	}
	s.routes = make(map[netip.Prefix]bgpwire.Attrs, len(routes))
	for p, a := range routes {
		s.routes[p] = a.Clone()
	}
	s.routesVer++
	s.wake()
}

// wake tells the supervisor there is something to send; s.mu is held.
func (s *Speaker) wake() {
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// Sync waits until the program holds the last configuration and routes
// given (it has acknowledged them), or ctx ends.
func (s *Speaker) Sync(ctx context.Context) error {
	for {
		s.mu.Lock()
		synced := s.cfgAcked == s.cfgVer && s.routesAcked == s.routesVer
		ch := s.changed
		s.mu.Unlock()
		if synced {
			return nil
		}
		select {
		case <-ch:
		case <-s.done:
			return errStopped
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// Stop ends the program: told to stop, it withdraws every route and
// closes its sessions; one that does not end within ctx (at most
// stopWait) is killed. The supervisor has ended when Stop returns.
func (s *Speaker) Stop(ctx context.Context) error {
	s.stopOnce.Do(func() {
		s.stopCtx = ctx
		close(s.stopReq)
	})
	<-s.done
	return nil
}

// acked records that the program holds versions cfg and routes (0: keep).
func (s *Speaker) acked(cfg, routes uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if cfg > 0 {
		s.cfgAcked = cfg
	}
	if routes > 0 {
		s.routesAcked = routes
	}
	close(s.changed)
	s.changed = make(chan struct{})
}

// pending is what is to be sent: the configuration if cfgSent is older,
// the routes if routesSent is.
func (s *Speaker) pending(cfgSent, routesSent uint64) (cfg *bgpwire.Command, cfgVer uint64, routes *bgpwire.Command, routesVer uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cfgVer > cfgSent {
		cfg = &bgpwire.Command{Verb: bgpwire.Configure, Config: s.cfg.Clone()}
	}
	if s.routesVer > routesSent {
		r := make(map[netip.Prefix]bgpwire.Attrs, len(s.routes))
		for p, a := range s.routes {
			r[p] = a.Clone()
		}
		routes = &bgpwire.Command{Verb: bgpwire.Announce, Routes: r}
	}
	return cfg, s.cfgVer, routes, s.routesVer
}

func backoffAfter(d time.Duration) time.Duration { return min(2*d, maxBackoff) }
