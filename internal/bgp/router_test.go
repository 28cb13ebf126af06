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
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/lvsctl/lvsctl/internal/testutil"
	gobgp "github.com/osrg/gobgp/v4/pkg/packet/bgp"
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
	stderr  *testutil.SyncBuffer
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
	r := &testRouter{t: t, addr: listen, port: spec.Port, stderr: &testutil.SyncBuffer{}}
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

// eventually polls cond (a round trip to the router child or a look at
// the speaker) until it holds, failing after waitFor with what the last
// look showed.
func eventually(t *testing.T, what string, cond func() (bool, string)) {
	t.Helper()
	var last string
	testutil.WaitEvery(t, waitFor, 20*time.Millisecond, func() bool {
		var ok bool
		ok, last = cond()
		return ok
	}, func() string { return what + "; last seen: " + last })
}

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*waitFor)
	t.Cleanup(cancel)
	return ctx
}
