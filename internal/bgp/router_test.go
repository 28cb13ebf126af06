package bgp

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
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

// The tests' router is GoBGP's own server on loopback, in a child process
// (this test binary run again): GoBGP keeps its route-selection settings
// in package variables that every server writes when it starts, so a
// router in the speaker's process would race with each speaker (re)start.
// It waits for the speaker's sessions (or dials a passive speaker) and
// keeps what it receives; the tests wait on what it shows (its RIB, its
// sessions, the ordered log of its events), never on time.

// waitFor is how long any awaited evidence may take: a first connection
// attempt comes 1.5-2 s after a peer is added, a reconnection after a
// reset idleHoldAfterReset later.
const waitFor = 30 * time.Second

const (
	routerAS     = 65000
	routerEnvVar = "LVSCTL_BGP_TEST_ROUTER"
)

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

// routerSpec is the child's configuration.
type routerSpec struct {
	Listen netip.Addr
	Port   uint16
	Peers  []routerPeer
}

type routerPeer struct {
	Addr     netip.Addr // the speaker as the router sees it
	AS       uint32
	Password string
	// DialPort makes the router connect to a passive speaker.
	DialPort uint16
}

// ribPath is a route as the router holds it.
type ribPath struct {
	Peer        netip.Addr
	NextHop     netip.Addr
	MED         uint32
	HasMED      bool
	Communities []Community
	ASPath      string
}

func (p ribPath) String() string {
	return fmt.Sprintf("from %s nh %s med %d/%v comm %v as [%s]", p.Peer, p.NextHop, p.MED, p.HasMED, p.Communities, p.ASPath)
}

// routerSession is the router's view of one session.
type routerSession struct {
	Established bool
	Opens       uint64 // OPEN messages received: one per session
	RouterID    string
}

// testRouter drives the child.
type testRouter struct {
	t       *testing.T
	addr    netip.Addr
	port    uint16
	cmd     *exec.Cmd
	stdin   *bufio.Writer
	stdout  *bufio.Scanner
	stderr  *syncBuffer
	mu      sync.Mutex
	stopped bool
}

// freePort finds a port nobody listens on at addr.
func freePort(t *testing.T, addr netip.Addr) uint16 {
	t.Helper()
	l, err := net.Listen("tcp", netip.AddrPortFrom(addr, 0).String())
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return uint16(l.Addr().(*net.TCPAddr).Port)
}

func newRouter(t *testing.T, listen netip.Addr, peers ...routerPeer) *testRouter {
	t.Helper()
	spec := routerSpec{Listen: listen, Port: freePort(t, listen), Peers: peers}
	js, err := json.Marshal(spec)
	if err != nil {
		t.Fatal(err)
	}
	r := &testRouter{t: t, addr: listen, port: spec.Port, stderr: &syncBuffer{}}
	r.cmd = exec.Command(os.Args[0], "-test.run=^$")
	r.cmd.Env = append(os.Environ(), routerEnvVar+"="+string(js))
	r.cmd.Stderr = r.stderr
	in, err := r.cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := r.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	r.stdin, r.stdout = bufio.NewWriter(in), bufio.NewScanner(out)
	r.stdout.Buffer(nil, 1<<20)
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.stop)
	r.ask("ready", nil)
	return r
}

// ask sends one command and decodes the child's one-line answer.
func (r *testRouter) ask(command string, answer any) {
	r.t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.stopped {
		r.t.Fatalf("router stopped, cannot ask %q", command)
	}
	fmt.Fprintln(r.stdin, command)
	if err := r.stdin.Flush(); err != nil {
		r.t.Fatalf("router %s: %v\n%s", command, err, r.stderr)
	}
	if !r.stdout.Scan() {
		r.t.Fatalf("router %s: no answer\n%s", command, r.stderr)
	}
	line := r.stdout.Bytes()
	if e, ok := bytes.CutPrefix(line, []byte("error ")); ok {
		r.t.Fatalf("router %s: %s", command, e)
	}
	if answer != nil {
		if err := json.Unmarshal(line, answer); err != nil {
			r.t.Fatalf("router %s: %v: %s", command, err, line)
		}
	}
}

func (r *testRouter) rib(fam gobgp.Family) map[netip.Prefix]ribPath {
	var out map[netip.Prefix]ribPath
	r.ask("rib "+strconv.FormatUint(uint64(fam), 10), &out)
	return out
}

func (r *testRouter) session(peer netip.Addr) routerSession {
	var s routerSession
	r.ask("session "+peer.String(), &s)
	return s
}

// events is the ordered log: "up ADDR", "down ADDR", "update PREFIX",
// "withdraw PREFIX".
func (r *testRouter) events() []string {
	var ev []string
	r.ask("events", &ev)
	return ev
}

// announce makes the router send a route of its own to its peers.
func (r *testRouter) announce(p netip.Prefix) { r.ask("announce "+p.String(), nil) }

// reset makes the router drop a session (administrative reset).
func (r *testRouter) reset(peer netip.Addr) { r.ask("reset "+peer.String(), nil) }

func (r *testRouter) stop() {
	r.mu.Lock()
	if r.stopped {
		r.mu.Unlock()
		return
	}
	r.stopped = true
	fmt.Fprintln(r.stdin, "stop")
	r.stdin.Flush()
	r.mu.Unlock()
	done := make(chan error, 1)
	go func() { done <- r.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			r.t.Errorf("router exited: %v\n%s", err, r.stderr)
		}
	case <-time.After(waitFor):
		r.cmd.Process.Kill()
		<-done
		r.t.Errorf("router did not stop\n%s", r.stderr)
	}
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

// eventually polls cond until it holds, failing after waitFor with what
// the last look showed.
func eventually(t *testing.T, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(waitFor)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		ok, last := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not after %v; last seen: %s", what, waitFor, last)
		}
		<-tick.C
	}
}

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*waitFor)
	t.Cleanup(cancel)
	return ctx
}

// syncBuffer collects output written from several goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
