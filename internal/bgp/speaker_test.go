package bgp

import (
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lvsctl/lvsctl/internal/bgpwire"
	"github.com/lvsctl/lvsctl/internal/secret"
	"github.com/lvsctl/lvsctl/internal/testutil"
	"github.com/osrg/gobgp/v4/api"
	"github.com/osrg/gobgp/v4/pkg/apiutil"
	gobgp "github.com/osrg/gobgp/v4/pkg/packet/bgp"
)

const speakerAS = 65010

var (
	lo   = netip.MustParseAddr("127.0.0.1")
	lo2  = netip.MustParseAddr("127.0.0.2")
	lo6  = netip.MustParseAddr("::1")
	rid  = netip.MustParseAddr("192.0.2.201")
	vip  = netip.MustParsePrefix("192.0.2.10/32")
	net1 = netip.MustParsePrefix("198.51.100.0/24")
	vip6 = netip.MustParsePrefix("2001:db8::10/128")
)

func peerOf(r *testRouter) Peer { return Peer{Address: r.addr, AS: routerAS, Port: r.port} }

func startSpeaker(t *testing.T, cfg Config, opts ...Option) *Speaker {
	t.Helper()
	s, err := Start(testContext(t), cfg, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Stop(testContext(t)) })
	return s
}

func peerStatus(s *Speaker, a netip.Addr) (PeerStatus, bool) {
	for _, p := range s.Status().Peers {
		if p.Address == a {
			return p, true
		}
	}
	return PeerStatus{}, false
}

func waitEstablished(t *testing.T, s *Speaker, a netip.Addr) PeerStatus {
	t.Helper()
	var ps PeerStatus
	eventually(t, "session to "+a.String()+" established", func() (bool, string) {
		var ok bool
		ps, ok = peerStatus(s, a)
		return ok && ps.State == Established, fmt.Sprintf("%+v", ps)
	})
	return ps
}

// waitRIB waits until the router's routes of fam are exactly want.
func waitRIB(t *testing.T, r *testRouter, fam gobgp.Family, want map[netip.Prefix]ribPath) {
	t.Helper()
	eventually(t, "router's RIB", func() (bool, string) {
		got := r.rib(fam)
		if len(got) != len(want) {
			return false, fmt.Sprint(got)
		}
		for p, w := range want {
			if g, ok := got[p]; !ok || g.String() != w.String() {
				return false, fmt.Sprint(got)
			}
		}
		return true, ""
	})
}

// TestAnnounceWithdraw: a session with TCP MD5 comes up; announced
// prefixes reach the router with their MED, communities and next hop;
// announcing the same set again changes nothing; a missing prefix is
// withdrawn; no password reaches the log.
func TestAnnounceWithdraw(t *testing.T) {
	const password = "s3cr3t-md5-Test"
	r := newRouter(t, lo, routerPeer{Addr: lo, AS: speakerAS, Password: password})
	var logs testutil.SyncBuffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	p := peerOf(r)
	p.Password = secret.New(password)
	s := startSpeaker(t, Config{LocalAS: speakerAS, RouterID: rid, Peers: []Peer{p}}, WithLogger(logger))
	ctx := testContext(t)
	waitEstablished(t, s, lo)

	routes := map[netip.Prefix]Attrs{
		vip:  {MED: 100, Communities: []Community{{AS: 65000, Value: 100}, {AS: 65000, Value: 200}}},
		net1: {MED: 5, NextHop: netip.MustParseAddr("192.0.2.254")},
	}
	if err := s.SetAnnounced(ctx, routes); err != nil {
		t.Fatal(err)
	}
	waitRIB(t, r, gobgp.RF_IPv4_UC, map[netip.Prefix]ribPath{
		vip:  {Peer: lo, NextHop: lo, MED: 100, HasMED: true, Communities: []Community{{AS: 65000, Value: 100}, {AS: 65000, Value: 200}}, ASPath: "65010 "},
		net1: {Peer: lo, NextHop: netip.MustParseAddr("192.0.2.254"), MED: 5, HasMED: true, ASPath: "65010 "},
	})

	calls := s.pathCalls.Load()
	same := map[netip.Prefix]Attrs{
		vip:  {MED: 100, Communities: []Community{{AS: 65000, Value: 100}, {AS: 65000, Value: 200}}},
		net1: {MED: 5, NextHop: netip.MustParseAddr("192.0.2.254")},
	}
	if err := s.SetAnnounced(ctx, same); err != nil {
		t.Fatal(err)
	}
	if n := s.pathCalls.Load() - calls; n != 0 {
		t.Errorf("the same set again made %d calls to GoBGP", n)
	}

	delete(same, net1)
	same[vip] = Attrs{MED: 0}
	if err := s.SetAnnounced(ctx, same); err != nil {
		t.Fatal(err)
	}
	waitRIB(t, r, gobgp.RF_IPv4_UC, map[netip.Prefix]ribPath{
		vip: {Peer: lo, NextHop: lo, MED: 0, HasMED: true, ASPath: "65010 "},
	})
	st := s.Status()
	if !st.Running || st.LocalAS != speakerAS || st.RouterID != rid || len(st.Peers) != 1 || st.Peers[0].Flaps != 0 {
		t.Errorf("status: %+v", st)
	}
	var got []string
	for _, ps := range st.Prefixes {
		got = append(got, fmt.Sprintf("%s %v %d", ps.Prefix, ps.Announced, ps.Attrs.MED))
	}
	if want := []string{"192.0.2.10/32 true 0", "198.51.100.0/24 false 5"}; !slices.Equal(got, want) {
		t.Errorf("prefixes %q, want %q", got, want)
	}
	if strings.Contains(logs.String(), password) || strings.Contains(fmt.Sprintf("%+v %#v", st, p), password) {
		t.Error("the password was printed")
	}
	if !strings.Contains(logs.String(), "127.0.0.1") {
		t.Error("no GoBGP log captured: the password check proves nothing")
	}
}

// TestRoutesFromRouterIgnored: what a router sends is received but never
// enters the speaker's RIB (a director has no use for it).
func TestRoutesFromRouterIgnored(t *testing.T) {
	r := newRouter(t, lo, routerPeer{Addr: lo, AS: speakerAS})
	s := startSpeaker(t, Config{LocalAS: speakerAS, RouterID: rid, Peers: []Peer{peerOf(r)}})
	waitEstablished(t, s, lo)
	if err := s.SetAnnounced(testContext(t), map[netip.Prefix]Attrs{vip: {}}); err != nil {
		t.Fatal(err)
	}
	// The router sends its route once its own side of the session is up.
	eventually(t, "router's session up", func() (bool, string) {
		rs := r.session(lo)
		return rs.Established, fmt.Sprintf("%+v", rs)
	})
	from := netip.MustParsePrefix("203.0.113.0/24")
	r.announce(from)
	list := func(tt api.TableType, name string) []string {
		var out []string
		s.mu.Lock()
		defer s.mu.Unlock()
		err := s.inst.srv.ListPath(apiutil.ListPathRequest{TableType: tt, Name: name, Family: gobgp.RF_IPv4_UC, EnableFiltered: true},
			func(n gobgp.NLRI, _ []*apiutil.Path) { out = append(out, n.String()) })
		if err != nil {
			t.Fatal(err)
		}
		slices.Sort(out)
		return out
	}
	eventually(t, "router's route received", func() (bool, string) {
		in := list(api.TableType_TABLE_TYPE_ADJ_IN, lo.String())
		return slices.Equal(in, []string{from.String()}), fmt.Sprintf("adj-in %v; router %+v, its RIB %v; speaker %+v",
			in, r.session(lo), r.rib(gobgp.RF_IPv4_UC), s.Status())
	})
	if rib := list(api.TableType_TABLE_TYPE_GLOBAL, ""); !slices.Equal(rib, []string{vip.String()}) {
		t.Errorf("speaker's RIB %q, want only its own %s", rib, vip)
	}
}

// TestIPv6Peer: an IPv6 session carries IPv6 prefixes, next hop self, and
// no IPv4 ones.
func TestIPv6Peer(t *testing.T) {
	r := newRouter(t, lo6, routerPeer{Addr: lo6, AS: speakerAS})
	s := startSpeaker(t, Config{LocalAS: speakerAS, RouterID: rid, Peers: []Peer{peerOf(r)}})
	waitEstablished(t, s, lo6)
	if err := s.SetAnnounced(testContext(t), map[netip.Prefix]Attrs{vip: {}, vip6: {MED: 7}}); err != nil {
		t.Fatal(err)
	}
	waitRIB(t, r, gobgp.RF_IPv6_UC, map[netip.Prefix]ribPath{
		vip6: {Peer: lo6, NextHop: lo6, MED: 7, HasMED: true, ASPath: "65010 "},
	})
	if v4 := r.rib(gobgp.RF_IPv4_UC); len(v4) != 0 {
		t.Errorf("IPv4 routes over an IPv6 session: %v", v4)
	}
}

// TestReconfigurePeers: adding a peer keeps the first session (same
// session on both sides, no flap) and gives the new one the announced
// routes; removing a peer drops only it; changing one restarts it without
// counting a flap.
func TestReconfigurePeers(t *testing.T) {
	r1 := newRouter(t, lo, routerPeer{Addr: lo, AS: speakerAS})
	// The speaker's connection to 127.0.0.2 comes from 127.0.0.1.
	r2 := newRouter(t, lo2, routerPeer{Addr: lo, AS: speakerAS})
	ctx := testContext(t)
	cfg := Config{LocalAS: speakerAS, RouterID: rid, Peers: []Peer{peerOf(r1)}}
	s := startSpeaker(t, cfg)
	up1 := waitEstablished(t, s, lo)
	if err := s.SetAnnounced(ctx, map[netip.Prefix]Attrs{vip: {MED: 1}}); err != nil {
		t.Fatal(err)
	}
	want := map[netip.Prefix]ribPath{vip: {Peer: lo, NextHop: lo, MED: 1, HasMED: true, ASPath: "65010 "}}
	waitRIB(t, r1, gobgp.RF_IPv4_UC, want)

	cfg.Peers = append(cfg.Peers, peerOf(r2))
	if err := s.Reconfigure(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	up2 := waitEstablished(t, s, lo2)
	waitRIB(t, r2, gobgp.RF_IPv4_UC, want)
	if ps, _ := peerStatus(s, lo); ps.State != Established || !ps.Since.Equal(up1.Since) || ps.Flaps != 0 {
		t.Errorf("first session after adding a peer: %+v, was %+v", ps, up1)
	}
	if rs := r1.session(lo); !rs.Established || rs.Opens != 1 {
		t.Errorf("first router: %+v, want the same established session (1 OPEN)", rs)
	}

	cfg.Peers = []Peer{peerOf(r2)}
	if err := s.Reconfigure(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	eventually(t, "first router's session down and route gone", func() (bool, string) {
		rs, rib := r1.session(lo), r1.rib(gobgp.RF_IPv4_UC)
		return !rs.Established && len(rib) == 0, fmt.Sprintf("%+v %v", rs, rib)
	})
	if _, ok := peerStatus(s, lo); ok {
		t.Error("removed peer still in status")
	}
	if ps, _ := peerStatus(s, lo2); ps.State != Established || !ps.Since.Equal(up2.Since) || ps.Flaps != 0 {
		t.Errorf("second session after removing the first: %+v, was %+v", ps, up2)
	}
	if rs := r2.session(lo); !rs.Established || rs.Opens != 1 {
		t.Errorf("second router: %+v, want its first session", rs)
	}
	waitRIB(t, r2, gobgp.RF_IPv4_UC, want)

	cfg.Peers[0].HoldTime = 9 * time.Second
	if err := s.Reconfigure(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	eventually(t, "changed peer's new session", func() (bool, string) {
		rs := r2.session(lo)
		ps, _ := peerStatus(s, lo2)
		return rs.Established && rs.Opens == 2 && ps.State == Established, fmt.Sprintf("%+v %+v", rs, ps)
	})
	if ps, _ := peerStatus(s, lo2); ps.Flaps != 0 || !ps.Since.After(up2.Since) {
		t.Errorf("changed peer: %+v (a reconfiguration is not a flap)", ps)
	}
	waitRIB(t, r2, gobgp.RF_IPv4_UC, want)
}

// TestFlapCounted: a session the router resets counts one flap and comes
// back by itself with the routes.
func TestFlapCounted(t *testing.T) {
	r := newRouter(t, lo, routerPeer{Addr: lo, AS: speakerAS})
	s := startSpeaker(t, Config{LocalAS: speakerAS, RouterID: rid, Peers: []Peer{peerOf(r)}})
	up := waitEstablished(t, s, lo)
	if err := s.SetAnnounced(testContext(t), map[netip.Prefix]Attrs{vip: {}}); err != nil {
		t.Fatal(err)
	}
	want := map[netip.Prefix]ribPath{vip: {Peer: lo, NextHop: lo, HasMED: true, ASPath: "65010 "}}
	waitRIB(t, r, gobgp.RF_IPv4_UC, want)
	r.reset(lo)
	eventually(t, "session back after a reset", func() (bool, string) {
		ps, _ := peerStatus(s, lo)
		return ps.State == Established && ps.Since.After(up.Since) && r.session(lo).Opens == 2, fmt.Sprintf("%+v", ps)
	})
	if ps, _ := peerStatus(s, lo); ps.Flaps != 1 {
		t.Errorf("flaps %d, want 1", ps.Flaps)
	}
	waitRIB(t, r, gobgp.RF_IPv4_UC, want)
}

// TestRestartOnRouterID: a new router id restarts the speaker: the router
// sees a new session with the new id and gets the routes again, without
// a flap counted.
func TestRestartOnRouterID(t *testing.T) {
	r := newRouter(t, lo, routerPeer{Addr: lo, AS: speakerAS})
	cfg := Config{LocalAS: speakerAS, RouterID: rid, Peers: []Peer{peerOf(r)}}
	s := startSpeaker(t, cfg)
	ctx := testContext(t)
	waitEstablished(t, s, lo)
	if err := s.SetAnnounced(ctx, map[netip.Prefix]Attrs{vip: {MED: 3}}); err != nil {
		t.Fatal(err)
	}
	want := map[netip.Prefix]ribPath{vip: {Peer: lo, NextHop: lo, MED: 3, HasMED: true, ASPath: "65010 "}}
	waitRIB(t, r, gobgp.RF_IPv4_UC, want)
	cfg.RouterID = netip.MustParseAddr("192.0.2.202")
	if err := s.Reconfigure(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	eventually(t, "session with the new router id", func() (bool, string) {
		rs := r.session(lo)
		ps, _ := peerStatus(s, lo)
		return rs.Established && rs.RouterID == "192.0.2.202" && ps.State == Established, fmt.Sprintf("%+v %+v", rs, ps)
	})
	waitRIB(t, r, gobgp.RF_IPv4_UC, want)
	if st := s.Status(); st.RouterID != cfg.RouterID || st.Peers[0].Flaps != 0 || !st.Prefixes[0].Announced {
		t.Errorf("status after restart: %+v", st)
	}
}

// TestPassivePeer: a passive peer is waited for on the listen port.
func TestPassivePeer(t *testing.T) {
	port := freePort(t, lo)
	r := newRouter(t, lo2, routerPeer{Addr: lo, AS: speakerAS, DialPort: port})
	_ = r
	// The router dials 127.0.0.1 from 127.0.0.1.
	s := startSpeaker(t, Config{LocalAS: speakerAS, RouterID: rid, ListenPort: port,
		Peers: []Peer{{Address: lo, AS: routerAS, Passive: true}}})
	waitEstablished(t, s, lo)
}

// TestStopWithdrawsFirst: Stop sends the withdrawals before it closes the
// sessions, and every goroutine the speaker started ends.
func TestStopWithdrawsFirst(t *testing.T) {
	r := newRouter(t, lo, routerPeer{Addr: lo, AS: speakerAS})
	base := runtime.NumGoroutine()
	s, err := Start(testContext(t), Config{LocalAS: speakerAS, RouterID: rid, Peers: []Peer{peerOf(r)}})
	if err != nil {
		t.Fatal(err)
	}
	waitEstablished(t, s, lo)
	if err := s.SetAnnounced(testContext(t), map[netip.Prefix]Attrs{vip: {}, net1: {}}); err != nil {
		t.Fatal(err)
	}
	waitRIB(t, r, gobgp.RF_IPv4_UC, map[netip.Prefix]ribPath{
		vip:  {Peer: lo, NextHop: lo, HasMED: true, ASPath: "65010 "},
		net1: {Peer: lo, NextHop: lo, HasMED: true, ASPath: "65010 "},
	})
	if err := s.Stop(testContext(t)); err != nil {
		t.Fatal(err)
	}
	// The log starts "down" (the router waiting), then "up", updates...
	var ev []string
	var down int
	eventually(t, "router's session down", func() (bool, string) {
		ev = r.events()
		up := slices.Index(ev, "up 127.0.0.1")
		down = slices.Index(ev[up+1:], "down 127.0.0.1") + up + 1
		return up >= 0 && down > up, fmt.Sprint(ev)
	})
	for _, w := range []string{"withdraw 192.0.2.10/32", "withdraw 198.51.100.0/24"} {
		if i := slices.Index(ev, w); i < 0 || i > down {
			t.Errorf("%q not before the session went down: %q", w, ev)
		}
	}
	st := s.Status()
	if st.Running || st.Peers[0].State != Idle || st.Prefixes[0].Announced || st.Prefixes[1].Announced {
		t.Errorf("status after Stop: %+v", st)
	}
	if err := s.Stop(testContext(t)); err != nil {
		t.Errorf("second Stop: %v", err)
	}
	if err := s.SetAnnounced(testContext(t), nil); err == nil {
		t.Error("SetAnnounced after Stop: no error")
	}
	eventually(t, "goroutines back to the count before Start", func() (bool, string) {
		n := runtime.NumGoroutine()
		var stacks strings.Builder
		pprof.Lookup("goroutine").WriteTo(&stacks, 1)
		return n <= base, fmt.Sprintf("%d goroutines, %d before:\n%s", n, base, stacks.String())
	})
}

func TestConfigErrors(t *testing.T) {
	ok := Config{LocalAS: 1, RouterID: rid, Peers: []Peer{{Address: lo, AS: 2}}}
	for _, tc := range []struct {
		name string
		edit func(*Config)
		want string
	}{
		{"no AS", func(c *Config) { c.LocalAS = 0 }, "no local AS"},
		{"IPv6 router id", func(c *Config) { c.RouterID = lo6 }, "router id ::1 is not an IPv4 address"},
		{"duplicate peer", func(c *Config) { c.Peers = append(c.Peers, c.Peers[0]) }, "peer 127.0.0.1 given twice"},
		{"peer AS", func(c *Config) { c.Peers[0].AS = 0 }, "peer 127.0.0.1 has no AS"},
		{"hold time", func(c *Config) { c.Peers[0].HoldTime = time.Second }, "hold time 1s out of"},
		{"mapped address", func(c *Config) { c.Peers[0].Address = netip.MustParseAddr("::ffff:127.0.0.1") }, "bad peer address"},
	} {
		c := ok
		c.Peers = slices.Clone(ok.Peers)
		tc.edit(&c)
		if _, err := Start(testContext(t), c); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want %q", tc.name, err, tc.want)
		}
	}
	for _, tc := range []struct {
		p    netip.Prefix
		a    Attrs
		want string
	}{
		{netip.MustParsePrefix("192.0.2.1/24"), Attrs{}, "bad prefix"},
		{vip, Attrs{NextHop: lo6}, "next hop ::1 does not suit"},
		{vip6, Attrs{NextHop: lo}, "next hop 127.0.0.1 does not suit"},
	} {
		if err := bgpwire.ValidRoute(tc.p, tc.a); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s %+v: got %v, want %q", tc.p, tc.a, err, tc.want)
		}
	}
}

// TestOneSpeakerPerProcess: a second speaker is refused while one runs
// (GoBGP's settings are per process), and starts once the first stopped.
func TestOneSpeakerPerProcess(t *testing.T) {
	cfg := Config{LocalAS: speakerAS, RouterID: rid}
	first, err := Start(testContext(t), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Start(testContext(t), cfg); !errors.Is(err, ErrRunning) {
		t.Fatalf("second Start: %v, want ErrRunning", err)
	}
	if err := first.Stop(testContext(t)); err != nil {
		t.Fatal(err)
	}
	second, err := Start(testContext(t), cfg)
	if err != nil {
		t.Fatalf("Start after Stop: %v", err)
	}
	if err := second.Stop(testContext(t)); err != nil {
		t.Fatal(err)
	}
}
