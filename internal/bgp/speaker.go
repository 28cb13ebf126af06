// Package bgp is the director's BGP speaker: GoBGP embedded, announcing
// prefixes to the routers while the director can serve them. It knows
// nothing of the director: the caller gives it a Config, the set of
// prefixes to announce, and reads its Status.
//
// Every method takes a context that bounds it. GoBGP's own calls wait on
// its server loop and ignore contexts, so each runs in a goroutine that
// the server's stop ends at the latest.
package bgp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/netip"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/osrg/gobgp/v4/api"
	"github.com/osrg/gobgp/v4/pkg/apiutil"
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
	if err := cfg.validate(); err != nil {
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

// startInstance starts GoBGP with cfg and its peers.
func (s *Speaker) startInstance(ctx context.Context, cfg Config) error {
	s.addSecrets(&cfg)
	log := slog.New(&redactHandler{next: s.logger.Handler(), secrets: &s.secrets})
	srv := server.NewBgpServer(server.LoggerOption(log, nil))
	in := &instance{srv: srv, served: make(chan struct{}), cancelWatch: func() {}}
	go func() {
		srv.Serve()
		close(in.served)
	}()
	listen, port := cfg.listens()
	listenPort := int32(-1)
	if listen {
		listenPort = int32(port)
	}
	// Not bounded by ctx: Serve, started above, takes it at once, and a
	// server is stopped safely only once it has.
	err := srv.StartBgp(ctx, &api.StartBgpRequest{Global: &api.Global{
		Asn: cfg.LocalAS, RouterId: cfg.RouterID.String(), ListenPort: listenPort,
	}})
	if err != nil {
		return errors.Join(fmt.Errorf("bgp: start: %w", err), in.stop(ctx))
	}
	gen := s.book.begin(&cfg, time.Now())
	s.inst, s.cfg = in, cfg.clone()
	fail := func(err error) error {
		s.inst = nil
		err = errors.Join(err, in.stop(ctx))
		s.book.stopped(time.Now())
		return err
	}
	if err := call(ctx, func() error { return importLocalOnly(ctx, srv) }); err != nil {
		return fail(fmt.Errorf("bgp: import policy: %w", err))
	}
	wctx, cancel := context.WithCancel(context.Background())
	in.cancelWatch = cancel
	err = call(ctx, func() error {
		return srv.WatchEvent(wctx, server.WatchEventMessageCallbacks{
			OnPeerUpdate: func(ev *apiutil.WatchEventMessage_PeerEvent, at time.Time) {
				if ev.Type == apiutil.PEER_EVENT_STATE {
					s.book.peerEvent(gen, ev.Peer.State.NeighborAddress, fromFSM(ev.Peer.State.SessionState), at)
				}
			},
		}, server.WatchPeer())
	})
	if err != nil {
		return fail(fmt.Errorf("bgp: watch: %w", err))
	}
	for _, p := range cfg.Peers {
		if err := s.addPeer(ctx, p); err != nil {
			return fail(err)
		}
	}
	return nil
}

// importLocalOnly keeps the routes the routers send out of the RIB (a
// director has no use for them); GoBGP's import policy also sees the
// speaker's own routes, which it accepts.
func importLocalOnly(ctx context.Context, srv *server.BgpServer) error {
	const name = "lvsctl-local-only"
	err := srv.AddPolicy(ctx, &api.AddPolicyRequest{Policy: &api.Policy{Name: name, Statements: []*api.Statement{{
		Name:       name + "-accept",
		Conditions: &api.Conditions{RouteType: api.Conditions_ROUTE_TYPE_LOCAL},
		Actions:    &api.Actions{RouteAction: api.RouteAction_ROUTE_ACTION_ACCEPT},
	}}}})
	if err != nil {
		return err
	}
	return srv.SetPolicyAssignment(ctx, &api.SetPolicyAssignmentRequest{Assignment: &api.PolicyAssignment{
		Name: "global", Direction: api.PolicyDirection_POLICY_DIRECTION_IMPORT,
		Policies: []*api.Policy{{Name: name}}, DefaultAction: api.RouteAction_ROUTE_ACTION_REJECT,
	}})
}

// stop stops GoBGP (which closes the sessions) and waits for its loop to
// end.
func (in *instance) stop(ctx context.Context) error {
	in.cancelWatch()
	done := make(chan struct{})
	go func() {
		in.srv.Stop()
		<-in.served
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("bgp: stop: %w", ctx.Err())
	}
}

func (s *Speaker) addPeer(ctx context.Context, p Peer) error {
	err := call(ctx, func() error { return s.inst.srv.AddPeer(ctx, &api.AddPeerRequest{Peer: apiPeer(p)}) })
	if err != nil {
		return fmt.Errorf("bgp: add peer %s: %s", p.Address, redact(err.Error(), *s.secrets.Load()))
	}
	return nil
}

func (s *Speaker) deletePeer(ctx context.Context, a netip.Addr) error {
	err := call(ctx, func() error { return s.inst.srv.DeletePeer(ctx, &api.DeletePeerRequest{Address: a.String()}) })
	if err != nil {
		return fmt.Errorf("bgp: delete peer %s: %w", a, err)
	}
	return nil
}

func apiPeer(p Peer) *api.Peer {
	ap := &api.Peer{
		Conf: &api.PeerConf{NeighborAddress: p.Address.String(), PeerAsn: p.AS, AuthPassword: p.Password.Reveal()},
		Timers: &api.Timers{Config: &api.TimersConfig{
			HoldTime: uint64(p.HoldTime / time.Second), ConnectRetry: connectRetry, IdleHoldTimeAfterReset: idleHoldAfterReset,
		}},
		Transport: &api.Transport{PassiveMode: p.Passive, RemotePort: uint32(p.Port)},
		AfiSafis:  []*api.AfiSafi{{Config: &api.AfiSafiConfig{Family: apiFamily(p.Address), Enabled: true}}},
	}
	if p.Multihop > 0 {
		ap.EbgpMultihop = &api.EbgpMultihop{Enabled: true, MultihopTtl: uint32(p.Multihop)}
	}
	return ap
}

// addSecrets adds cfg's passwords to those the log hides (never removed:
// GoBGP may still log about a peer being deleted).
func (s *Speaker) addSecrets(cfg *Config) {
	all := slices.Clone(*s.secrets.Load())
	for _, pw := range passwords(cfg) {
		if !slices.Contains(all, pw) {
			all = append(all, pw)
		}
	}
	s.secrets.Store(&all)
}

// Reconfigure applies cfg. Peers that did not change keep their sessions;
// a changed peer's session is restarted; removed peers are dropped. A new
// local AS or router id, or a change of listening (the first passive peer,
// the last one gone, another ListenPort), restarts the whole speaker:
// every session drops and comes back, the announcements are sent again.
func (s *Speaker) Reconfigure(ctx context.Context, cfg Config) error {
	if err := cfg.validate(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.inst == nil {
		return errors.New("bgp: reconfigure: speaker stopped")
	}
	defer s.book.forgetWithdrawn()
	if needsRestart(&s.cfg, &cfg) {
		return s.restart(ctx, cfg)
	}
	s.addSecrets(&cfg)
	return s.reconfigurePeers(ctx, cfg)
}

// reconfigurePeers brings GoBGP's peers to cfg's. On an error the speaker
// keeps the peers GoBGP holds as its configuration, so that the same
// Reconfigure again finishes the work.
func (s *Speaker) reconfigurePeers(ctx context.Context, cfg Config) error {
	held := map[netip.Addr]Peer{}
	for _, p := range s.cfg.Peers {
		held[p.Address] = p
	}
	defer func() {
		s.cfg.ListenPort = cfg.ListenPort
		s.cfg.Peers = s.cfg.Peers[:0:0]
		for _, p := range cfg.Peers {
			if q, ok := held[p.Address]; ok {
				s.cfg.Peers = append(s.cfg.Peers, q)
				delete(held, p.Address)
			}
		}
		for _, q := range held {
			s.cfg.Peers = append(s.cfg.Peers, q)
		}
	}()
	next := map[netip.Addr]bool{}
	for _, p := range cfg.Peers {
		next[p.Address] = true
	}
	var reset []netip.Addr
	for a, p := range held {
		if !next[a] || !samePeer(p, peerByAddr(cfg.Peers, a)) {
			reset = append(reset, a)
		}
	}
	// The book follows cfg at once: a removed peer's last events are of no
	// interest, a reset one's drop is no flap.
	s.book.markResetting(reset)
	s.book.setPeers(&cfg, time.Now())
	for _, a := range reset {
		if err := s.deletePeer(ctx, a); err != nil {
			return err
		}
		delete(held, a)
	}
	for _, p := range cfg.Peers {
		if _, ok := held[p.Address]; ok {
			continue
		}
		if err := s.addPeer(ctx, p); err != nil {
			return err
		}
		held[p.Address] = p
	}
	return nil
}

func peerByAddr(ps []Peer, a netip.Addr) Peer {
	for _, p := range ps {
		if p.Address == a {
			return p
		}
	}
	return Peer{}
}

// restart replaces the GoBGP instance by one with cfg and announces the
// same routes through it.
func (s *Speaker) restart(ctx context.Context, cfg Config) error {
	want := map[netip.Prefix]Attrs{}
	for p, r := range s.routes {
		want[p] = r.attrs
	}
	err := errors.Join(s.withdrawAll(ctx), s.inst.stop(ctx))
	s.inst = nil
	s.routes = map[netip.Prefix]route{}
	s.book.stopped(time.Now())
	if err != nil {
		return err
	}
	if err := s.startInstance(ctx, cfg); err != nil {
		return err
	}
	return s.apply(ctx, want)
}

// SetAnnounced makes routes the announced set: new prefixes are
// announced, changed attributes sent again, missing prefixes withdrawn.
// Calling it again with the same set sends nothing.
func (s *Speaker) SetAnnounced(ctx context.Context, routes map[netip.Prefix]Attrs) error {
	for p, a := range routes {
		if err := validRoute(p, a); err != nil {
			return err
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.inst == nil {
		return errors.New("bgp: announce: speaker stopped")
	}
	return s.apply(ctx, routes)
}

// apply brings GoBGP's routes to want.
func (s *Speaker) apply(ctx context.Context, want map[netip.Prefix]Attrs) error {
	defer s.recordRoutes()
	var gone []netip.Prefix
	for p := range s.routes {
		if _, ok := want[p]; !ok {
			gone = append(gone, p)
		}
	}
	if err := s.withdraw(ctx, gone); err != nil {
		return err
	}
	var add []netip.Prefix
	for p, a := range want {
		if r, ok := s.routes[p]; !ok || !r.known || !r.attrs.Equal(a) {
			add = append(add, p)
		}
	}
	if len(add) == 0 {
		return nil
	}
	slices.SortFunc(add, comparePrefix)
	paths := make([]*apiutil.Path, len(add))
	for i, p := range add {
		var err error
		if paths[i], err = path(p, want[p]); err != nil {
			return err
		}
		a := want[p]
		a.Communities = slices.Clone(a.Communities)
		s.routes[p] = route{attrs: a} // unknown until GoBGP answers
	}
	var resps []apiutil.AddPathResponse
	s.pathCalls.Add(1)
	err := call(ctx, func() error {
		var err error
		resps, err = s.inst.srv.AddPath(apiutil.AddPathRequest{Paths: paths})
		return err
	})
	for i, p := range add {
		if i < len(resps) && resps[i].Error == nil {
			r := s.routes[p]
			r.known = true
			s.routes[p] = r
		}
	}
	if err != nil {
		return fmt.Errorf("bgp: announce: %w", err)
	}
	return nil
}

// withdraw takes the prefixes back.
func (s *Speaker) withdraw(ctx context.Context, prefixes []netip.Prefix) error {
	if len(prefixes) == 0 {
		return nil
	}
	paths := make([]*apiutil.Path, len(prefixes))
	for i, p := range prefixes {
		var err error
		if paths[i], err = withdrawal(p); err != nil {
			return err
		}
		r := s.routes[p]
		r.known = false
		s.routes[p] = r
	}
	s.pathCalls.Add(1)
	err := call(ctx, func() error { return s.inst.srv.DeletePath(apiutil.DeletePathRequest{Paths: paths}) })
	if err != nil {
		return fmt.Errorf("bgp: withdraw: %w", err)
	}
	for _, p := range prefixes {
		delete(s.routes, p)
	}
	return nil
}

// recordRoutes shows in Status what GoBGP holds for sure.
func (s *Speaker) recordRoutes() {
	held := map[netip.Prefix]Attrs{}
	for p, r := range s.routes {
		if r.known {
			held[p] = r.attrs
		}
	}
	s.book.announced(held, time.Now())
}

// withdrawAll withdraws every prefix and waits, up to withdrawFlushMax,
// until each established session that carried one has written an update
// since: the peer then reads the withdrawal before the session closes.
func (s *Speaker) withdrawAll(ctx context.Context) error {
	if len(s.routes) == 0 {
		return nil
	}
	fams := map[bool]bool{} // is IPv4
	for p := range s.routes {
		fams[p.Addr().Is4()] = true
	}
	before, err := s.sentUpdates(ctx)
	if err != nil {
		return err
	}
	for a := range before {
		if !fams[a.Is4()] {
			delete(before, a)
		}
	}
	if err := s.withdraw(ctx, slices.Collect(maps.Keys(s.routes))); err != nil {
		return err
	}
	s.recordRoutes()
	fctx, cancel := context.WithTimeout(ctx, withdrawFlushMax)
	defer cancel()
	tick := time.NewTicker(flushPoll)
	defer tick.Stop()
	for len(before) > 0 {
		now, err := s.sentUpdates(fctx)
		if err != nil {
			return nil // the wait is a courtesy: the sessions close anyway
		}
		for a, n := range before {
			if now[a] > n || now[a] == 0 {
				delete(before, a)
			}
		}
		select {
		case <-fctx.Done():
			return nil
		case <-tick.C:
		}
	}
	return nil
}

// sentUpdates is the count of updates each established session has
// written.
func (s *Speaker) sentUpdates(ctx context.Context) (map[netip.Addr]uint64, error) {
	out := map[netip.Addr]uint64{}
	var mu sync.Mutex
	err := call(ctx, func() error {
		return s.inst.srv.ListPeer(ctx, &api.ListPeerRequest{}, func(p *api.Peer) {
			st := p.GetState()
			if st.GetSessionState() != api.PeerState_SESSION_STATE_ESTABLISHED {
				return
			}
			a, err := netip.ParseAddr(st.GetNeighborAddress())
			if err != nil {
				return
			}
			mu.Lock()
			out[a.Unmap()] = st.GetMessages().GetSent().GetUpdate()
			mu.Unlock()
		})
	})
	return out, err
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

func comparePrefix(x, y netip.Prefix) int {
	if c := x.Addr().Compare(y.Addr()); c != 0 {
		return c
	}
	return x.Bits() - y.Bits()
}
