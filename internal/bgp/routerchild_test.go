package bgp

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/osrg/gobgp/v4/api"
	"github.com/osrg/gobgp/v4/pkg/apiutil"
	gobgp "github.com/osrg/gobgp/v4/pkg/packet/bgp"
	"github.com/osrg/gobgp/v4/pkg/server"
)

// TestMain runs the router child (see router_test.go) when routerEnvVar
// holds its spec, the tests otherwise.
func TestMain(m *testing.M) {
	if spec := os.Getenv(routerEnvVar); spec != "" {
		if err := runRouter(spec, os.Stdin, os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, "router:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// runRouter is the child: GoBGP with the spec's peers, answering one
// command per line.
func runRouter(specJSON string, stdin *os.File, stdout *os.File) error {
	var spec routerSpec
	if err := json.Unmarshal([]byte(specJSON), &spec); err != nil {
		return err
	}
	ctx := context.Background()
	srv := server.NewBgpServer()
	served := make(chan struct{})
	go func() {
		srv.Serve()
		close(served)
	}()
	if err := srv.StartBgp(ctx, &api.StartBgpRequest{Global: &api.Global{
		Asn: routerAS, RouterId: "10.255.0.1", ListenPort: int32(spec.Port), ListenAddresses: []string{spec.Listen.String()},
	}}); err != nil {
		return err
	}
	var mu sync.Mutex
	var log []string
	record := func(s string) {
		mu.Lock()
		log = append(log, s)
		mu.Unlock()
	}
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	err := srv.WatchEvent(wctx, server.WatchEventMessageCallbacks{
		OnPeerUpdate: func(ev *apiutil.WatchEventMessage_PeerEvent, _ time.Time) {
			if ev.Type != apiutil.PEER_EVENT_STATE {
				return
			}
			a := ev.Peer.State.NeighborAddress
			switch ev.Peer.State.SessionState {
			case gobgp.BGP_FSM_ESTABLISHED:
				record("up " + a.String())
			case gobgp.BGP_FSM_IDLE, gobgp.BGP_FSM_ACTIVE:
				record("down " + a.String())
			}
		},
		OnPathUpdate: func(paths []*apiutil.Path, _ time.Time) {
			for _, p := range paths {
				what := "update "
				if p.Withdrawal {
					what = "withdraw "
				}
				record(what + p.Nlri.String())
			}
		},
	}, server.WatchPeer(), server.WatchUpdate(false, "", ""))
	if err != nil {
		return err
	}
	for _, p := range spec.Peers {
		ap := &api.Peer{
			Conf:      &api.PeerConf{NeighborAddress: p.Addr.String(), PeerAsn: p.AS, AuthPassword: p.Password},
			Transport: &api.Transport{PassiveMode: p.DialPort == 0, RemotePort: uint32(p.DialPort)},
			Timers:    &api.Timers{Config: &api.TimersConfig{ConnectRetry: 1, IdleHoldTimeAfterReset: 1}},
			AfiSafis:  []*api.AfiSafi{{Config: &api.AfiSafiConfig{Family: apiFamily(p.Addr), Enabled: true}}},
		}
		if err := srv.AddPeer(ctx, &api.AddPeerRequest{Peer: ap}); err != nil {
			return err
		}
	}
	in := bufio.NewScanner(stdin)
	out := bufio.NewWriter(stdout)
	answer := func(v any, err error) {
		if err != nil {
			fmt.Fprintln(out, "error", strings.ReplaceAll(err.Error(), "\n", " "))
		} else {
			js, _ := json.Marshal(v)
			fmt.Fprintf(out, "%s\n", js)
		}
		out.Flush()
	}
	for in.Scan() {
		verb, arg, _ := strings.Cut(in.Text(), " ")
		switch verb {
		case "ready":
			answer(true, nil)
		case "rib":
			fam, err := strconv.ParseUint(arg, 10, 32)
			if err != nil {
				answer(nil, err)
				continue
			}
			answer(routerRIB(srv, gobgp.Family(fam)))
		case "session":
			answer(routerPeerSession(srv, arg))
		case "events":
			mu.Lock()
			ev := slices.Clone(log)
			mu.Unlock()
			answer(ev, nil)
		case "announce":
			answer(true, routerAnnounce(srv, arg))
		case "reset":
			answer(true, srv.ResetPeer(ctx, &api.ResetPeerRequest{Address: arg}))
		case "stop":
			cancel()
			srv.Stop()
			<-served
			return nil
		default:
			answer(nil, fmt.Errorf("unknown command %q", verb))
		}
	}
	return in.Err()
}

func routerAnnounce(srv *server.BgpServer, prefix string) error {
	p, err := netip.ParsePrefix(prefix)
	if err != nil {
		return err
	}
	ap, err := path(p, Attrs{})
	if err != nil {
		return err
	}
	_, err = srv.AddPath(apiutil.AddPathRequest{Paths: []*apiutil.Path{ap}})
	return err
}

func routerRIB(srv *server.BgpServer, fam gobgp.Family) (map[netip.Prefix]ribPath, error) {
	out := map[netip.Prefix]ribPath{}
	var perr error
	err := srv.ListPath(apiutil.ListPathRequest{TableType: api.TableType_TABLE_TYPE_GLOBAL, Family: fam},
		func(nlri gobgp.NLRI, paths []*apiutil.Path) {
			pfx, err := netip.ParsePrefix(nlri.String())
			if err != nil {
				perr = err
				return
			}
			for _, p := range paths { // one speaker per test: one path
				out[pfx] = toRibPath(p)
			}
		})
	if err == nil {
		err = perr
	}
	return out, err
}

func toRibPath(p *apiutil.Path) ribPath {
	rp := ribPath{Peer: p.PeerAddress}
	for _, a := range p.Attrs {
		switch a := a.(type) {
		case *gobgp.PathAttributeNextHop:
			rp.NextHop = a.Value
		case *gobgp.PathAttributeMpReachNLRI:
			rp.NextHop = a.Nexthop
		case *gobgp.PathAttributeMultiExitDisc:
			rp.MED, rp.HasMED = a.Value, true
		case *gobgp.PathAttributeCommunities:
			for _, c := range a.Value {
				rp.Communities = append(rp.Communities, Community{AS: uint16(c >> 16), Value: uint16(c)})
			}
		case *gobgp.PathAttributeAsPath:
			for _, seg := range a.Value {
				for _, as := range seg.GetAS() {
					rp.ASPath += strconv.FormatUint(uint64(as), 10) + " "
				}
			}
		}
	}
	return rp
}

func routerPeerSession(srv *server.BgpServer, addr string) (routerSession, error) {
	var s routerSession
	err := srv.ListPeer(context.Background(), &api.ListPeerRequest{Address: addr}, func(p *api.Peer) {
		st := p.GetState()
		s.Established = st.GetSessionState() == api.PeerState_SESSION_STATE_ESTABLISHED
		s.Opens = st.GetMessages().GetReceived().GetOpen()
		s.RouterID = st.GetRouterId()
	})
	return s, err
}
