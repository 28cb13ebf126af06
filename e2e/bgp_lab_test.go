//go:build e2e

package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/netip"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lvsctl/lvsctl/internal/bgp"
	"github.com/lvsctl/lvsctl/internal/testutil"
)

// The scale-out topology of e2e/bgplab.sh with BIRD 2 as the router and,
// until the director announces by itself, one announcer per director
// namespace: this test binary run again as a child (TestBGPAnnouncerChild)
// holding an internal/bgp speaker. The directors' IPVS services are set
// by hand (Debian's ipvsadm), LVS-DR with mh.

const (
	announcerEnv = "LVSCTL_E2E_ANNOUNCER"
	bgpVIP       = "192.0.2.100"
	// bgpWait bounds every awaited change: the guest is emulated.
	bgpWait = 90 * time.Second
)

// announcerSpec is the child's configuration (a bgp.Config but for the
// passwords, which never go to JSON).
type announcerSpec struct {
	LocalAS  uint32
	RouterID netip.Addr
	Peers    []announcerPeer
	Routes   map[netip.Prefix]uint32 // prefix → MED
}

type announcerPeer struct {
	Address  netip.Addr
	AS       uint32
	HoldTime time.Duration
}

func (s announcerSpec) config() bgp.Config {
	c := bgp.Config{LocalAS: s.LocalAS, RouterID: s.RouterID}
	for _, p := range s.Peers {
		c.Peers = append(c.Peers, bgp.Peer{Address: p.Address, AS: p.AS, HoldTime: p.HoldTime})
	}
	return c
}

// TestBGPAnnouncerChild is not a test: it is the announcer that the BGP
// lab tests start in a director namespace. It reads commands on stdin
// ("status", "withdraw", "announce", "stop") and answers on stdout.
func TestBGPAnnouncerChild(t *testing.T) {
	spec := os.Getenv(announcerEnv)
	if spec == "" {
		t.Skip("the BGP lab tests' announcer (a child process)")
	}
	if err := runAnnouncer(spec, os.Stdin, os.Stdout); err != nil {
		t.Fatal(err)
	}
}

func runAnnouncer(specJSON string, in io.Reader, out io.Writer) error {
	var spec announcerSpec
	if err := json.Unmarshal([]byte(specJSON), &spec); err != nil {
		return err
	}
	// do runs one call to the speaker, bounded.
	do := func(f func(context.Context) error) error {
		c, cancel := context.WithTimeout(context.Background(), bgpWait)
		defer cancel()
		return f(c)
	}
	var s *bgp.Speaker
	err := do(func(c context.Context) (err error) {
		s, err = bgp.Start(c, spec.config())
		return err
	})
	if err != nil {
		return err
	}
	routes := map[netip.Prefix]bgp.Attrs{}
	for p, med := range spec.Routes {
		routes[p] = bgp.Attrs{MED: med}
	}
	if err := do(func(c context.Context) error { return s.SetAnnounced(c, routes) }); err != nil {
		return err
	}
	fmt.Fprintln(out, "READY")
	lines := bufio.NewScanner(in)
	for lines.Scan() {
		switch lines.Text() {
		case "status":
			js, _ := json.Marshal(s.Status())
			fmt.Fprintf(out, "STATUS %s\n", js)
		case "withdraw":
			err := do(func(c context.Context) error { return s.SetAnnounced(c, nil) })
			fmt.Fprintf(out, "DONE %v\n", err)
		case "announce":
			err := do(func(c context.Context) error { return s.SetAnnounced(c, routes) })
			fmt.Fprintf(out, "DONE %v\n", err)
		case "stop":
			err := do(s.Stop)
			fmt.Fprintf(out, "DONE %v\n", err)
			return err
		}
	}
	return do(s.Stop)
}

// announcer is the parent's handle on a child.
type announcer struct {
	t      *testing.T
	ns     string
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	lines  *bufio.Scanner
	stderr strings.Builder
}

func startAnnouncer(t *testing.T, ns string, spec announcerSpec) *announcer {
	t.Helper()
	js, err := json.Marshal(spec)
	if err != nil {
		t.Fatal(err)
	}
	a := &announcer{t: t, ns: ns}
	a.cmd = exec.Command("ip", "netns", "exec", ns, os.Args[0], "-test.run=^TestBGPAnnouncerChild$")
	a.cmd.Env = append(os.Environ(), announcerEnv+"="+string(js))
	a.cmd.Stderr = &a.stderr
	if a.stdin, err = a.cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	out, err := a.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	a.lines = bufio.NewScanner(out)
	a.lines.Buffer(nil, 1<<20)
	if err := a.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.kill)
	a.expect("READY")
	return a
}

// expect reads the child's output up to a line starting with prefix and
// returns the rest of it.
func (a *announcer) expect(prefix string) string {
	a.t.Helper()
	var other []string
	for a.lines.Scan() {
		if rest, ok := strings.CutPrefix(a.lines.Text(), prefix); ok {
			return strings.TrimSpace(rest)
		}
		other = append(other, a.lines.Text())
	}
	a.t.Fatalf("announcer in %s ended before %q:\n%s\n%s", a.ns, prefix, strings.Join(other, "\n"), a.stderr.String())
	return ""
}

func (a *announcer) command(c string) string {
	a.t.Helper()
	fmt.Fprintln(a.stdin, c)
	if c == "status" {
		return a.expect("STATUS")
	}
	if r := a.expect("DONE"); r != "<nil>" {
		a.t.Fatalf("announcer in %s: %s: %s", a.ns, c, r)
	}
	return ""
}

func (a *announcer) status() bgp.Status {
	var st bgp.Status
	if err := json.Unmarshal([]byte(a.command("status")), &st); err != nil {
		a.t.Fatal(err)
	}
	return st
}

// kill ends the child at once (kill -9): its sessions stay open until the
// router's hold timer expires.
func (a *announcer) kill() {
	if a.cmd.ProcessState == nil {
		a.cmd.Process.Kill()
		a.cmd.Wait()
	}
}

func (a *announcer) stop() {
	a.t.Helper()
	a.command("stop")
	a.stdin.Close()
	if err := a.cmd.Wait(); err != nil {
		a.t.Errorf("announcer in %s: %v\n%s", a.ns, err, a.stderr.String())
	}
}

func bgpLab(t *testing.T, dirs, reals int) {
	t.Helper()
	resetKernel(t)
	t.Cleanup(func() {
		if t.Failed() {
			out, _ := exec.Command("bash", "-c", "source ./bgplab.sh; bgplab_birdc show protocols all; ip -n bgp-rt route; tail -n 40 $BGPLAB_DIR/bird.log").CombinedOutput()
			t.Logf("router:\n%s", out)
		}
		exec.Command("bash", "-c", "source ./bgplab.sh; bgplab_down").Run()
	})
	sh(t, fmt.Sprintf("source ./bgplab.sh; bgplab_up %d %d", dirs, reals))
}

// directorSpec is director n's speaker: eBGP to the router, the VIP.
func directorSpec(n int, med uint32) announcerSpec {
	return announcerSpec{
		LocalAS:  65010,
		RouterID: netip.MustParseAddr(fmt.Sprintf("10.20.0.1%d", n)),
		Peers:    []announcerPeer{{Address: netip.MustParseAddr("10.20.0.1"), AS: 65000, HoldTime: 6 * time.Second}},
		Routes:   map[netip.Prefix]uint32{netip.MustParsePrefix(bgpVIP + "/32"): med},
	}
}

func nextHops(t *testing.T) string {
	return strings.TrimSpace(sh(t, "source ./bgplab.sh; bgplab_nexthops"))
}

func waitNextHops(t *testing.T, want string) {
	t.Helper()
	var got string
	testutil.WaitEvery(t, bgpWait, 200*time.Millisecond, func() bool {
		got = nextHops(t)
		return got == want
	}, func() string { return fmt.Sprintf("the router's next hops for %s %q (now %q)", bgpVIP, want, got) })
}

// directorConns is the Conns column of the VIP's service in a director
// namespace.
func directorConns(t *testing.T, ns string) int {
	out := sh(t, "ip netns exec "+ns+" /usr/sbin/ipvsadm -Ln --stats -t "+bgpVIP+":80")
	for _, l := range strings.Split(out, "\n") {
		f := strings.Fields(l)
		if len(f) > 2 && f[0] == "TCP" && f[1] == bgpVIP+":80" {
			n, err := strconv.Atoi(f[2])
			if err != nil {
				t.Fatalf("%s: %v", l, err)
			}
			return n
		}
	}
	t.Fatalf("no service in %s:\n%s", ns, out)
	return 0
}

// TestBGPECMP: three directors announce the VIP, BIRD installs it with
// three next hops and the client's connections reach all three (each
// director's counters); a director that withdraws leaves the route, one
// killed leaves it when the hold timer expires, and the rest still serve.
func TestBGPECMP(t *testing.T) {
	requireLab(t)
	bgpLab(t, 3, 3)
	var as []*announcer
	for n := 1; n <= 3; n++ {
		as = append(as, startAnnouncer(t, fmt.Sprintf("bgp-d%d", n), directorSpec(n, 0)))
		sh(t, fmt.Sprintf("source ./bgplab.sh; bgplab_dr_service bgp-d%d", n))
	}
	waitNextHops(t, "10.20.0.11\n10.20.0.12\n10.20.0.13")
	for _, a := range as {
		if st := a.status(); len(st.Peers) != 1 || st.Peers[0].State != bgp.Established || !st.Prefixes[0].Announced {
			t.Errorf("%s: %+v", a.ns, st)
		}
	}
	fetchAll(t, 60)
	for n := 1; n <= 3; n++ {
		if c := directorConns(t, fmt.Sprintf("bgp-d%d", n)); c == 0 {
			t.Errorf("director %d took no connection of 60", n)
		}
	}

	as[0].stop()
	waitNextHops(t, "10.20.0.12\n10.20.0.13")
	as[1].kill()
	waitNextHops(t, "10.20.0.13")
	fetchAll(t, 10)
}

// fetchAll fetches the VIP's page n times from the client; every answer
// must come from a real server.
func fetchAll(t *testing.T, n int) {
	t.Helper()
	out := sh(t, fmt.Sprintf("source ./bgplab.sh; for i in $(seq %d); do bgplab_fetch; done", n))
	lines := strings.Fields(out)
	if len(lines) != n {
		t.Fatalf("%d answers of %d:\n%s", len(lines), n, out)
	}
	for _, l := range lines {
		if !strings.HasPrefix(l, "rs") {
			t.Fatalf("answer %q:\n%s", l, out)
		}
	}
}

// TestBGPMED: two directors announce the VIP with MED 100 and 200: the
// router uses only the lower one; when it withdraws, the other takes all,
// and when it announces again it is the only next hop again.
func TestBGPMED(t *testing.T) {
	requireLab(t)
	bgpLab(t, 2, 1)
	primary := startAnnouncer(t, "bgp-d1", directorSpec(1, 100))
	startAnnouncer(t, "bgp-d2", directorSpec(2, 200))
	waitEstablished(t, "d1", "d2")
	waitNextHops(t, "10.20.0.11")
	primary.command("withdraw")
	waitNextHops(t, "10.20.0.12")
	primary.command("announce")
	waitNextHops(t, "10.20.0.11")
}

// waitEstablished waits until BIRD has the sessions up.
func waitEstablished(t *testing.T, protocols ...string) {
	t.Helper()
	var out string
	testutil.WaitEvery(t, bgpWait, 200*time.Millisecond, func() bool {
		out = sh(t, "source ./bgplab.sh; bgplab_birdc show protocols")
		up := 0
		for _, l := range strings.Split(out, "\n") {
			f := strings.Fields(l)
			if len(f) > 5 && slices.Contains(protocols, f[0]) && f[5] == "Established" {
				up++
			}
		}
		return up == len(protocols)
	}, func() string { return fmt.Sprintf("sessions %v established:\n%s", protocols, out) })
}
