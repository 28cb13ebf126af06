package bgp

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"slices"
	"time"

	"github.com/osrg/gobgp/v4/api"
	"github.com/osrg/gobgp/v4/pkg/apiutil"
	"github.com/osrg/gobgp/v4/pkg/server"
)

// startInstance starts GoBGP with cfg and its peers.
func (s *Speaker) startInstance(ctx context.Context, cfg Config) error {
	if !serverRunning.CompareAndSwap(false, true) {
		return ErrRunning
	}
	s.addSecrets(&cfg)
	log := slog.New(&redactHandler{next: s.logger.Handler(), secrets: &s.secrets})
	srv := server.NewBgpServer(server.LoggerOption(log, nil))
	in := &instance{srv: srv, served: make(chan struct{}), cancelWatch: func() {}}
	go func() {
		srv.Serve()
		serverRunning.Store(false)
		close(in.served)
	}()
	listen, port := cfg.Listens()
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
	s.inst, s.cfg = in, cfg.Clone()
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
