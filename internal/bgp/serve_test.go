package bgp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/lvsctl/lvsctl/internal/bgpwire"
	"github.com/lvsctl/lvsctl/internal/secret"
	"github.com/lvsctl/lvsctl/internal/testutil"
	gobgp "github.com/osrg/gobgp/v4/pkg/packet/bgp"
)

// program is Serve as the director sees it: its input to write commands
// to, its output read line by line.
type program struct {
	t      *testing.T
	in     *io.PipeWriter
	lines  chan bgpwire.Reply
	result chan error
	log    *testutil.SyncBuffer
	seq    uint64
	// status is the last status line read.
	status bgpwire.Status
}

func startProgram(t *testing.T, ctx context.Context) *program {
	t.Helper()
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	p := &program{t: t, in: inW, lines: make(chan bgpwire.Reply, 100), result: make(chan error, 1), log: &testutil.SyncBuffer{}}
	logger := slog.New(slog.NewTextHandler(p.log, &slog.HandlerOptions{Level: slog.LevelDebug}))
	go func() {
		err := Serve(ctx, inR, outW, logger)
		outW.Close()
		inR.Close()
		p.result <- err
	}()
	go func() {
		defer close(p.lines)
		s := bgpwire.NewScanner(outR)
		for s.Scan() {
			r, err := bgpwire.ParseReply(s.Bytes())
			if err != nil {
				t.Errorf("the program wrote %q: %v", s.Text(), err)
				return
			}
			p.lines <- r
		}
	}()
	t.Cleanup(func() { inW.Close() })
	if r := p.next(); r.Kind != bgpwire.Ready || r.Protocol != bgpwire.Protocol {
		t.Fatalf("first line %+v, want ready", r)
	}
	return p
}

// next reads the next line (status lines included).
func (p *program) next() bgpwire.Reply {
	p.t.Helper()
	select {
	case r, ok := <-p.lines:
		if !ok {
			p.t.Fatal("the program's output ended")
		}
		if r.Kind == bgpwire.StatusKind {
			p.status = r.Status
		}
		return r
	case <-time.After(waitFor):
		p.t.Fatal("no line from the program")
	}
	return bgpwire.Reply{}
}

// do sends a command and returns its done's error text, keeping the
// status lines that come before it.
func (p *program) do(c bgpwire.Command) string {
	p.t.Helper()
	p.seq++
	c.Seq = p.seq
	b, err := c.Line()
	if err != nil {
		p.t.Fatal(err)
	}
	if _, err := p.in.Write(b); err != nil {
		p.t.Fatal(err)
	}
	for {
		r := p.next()
		if r.Kind == bgpwire.Done {
			if r.Seq != c.Seq {
				p.t.Fatalf("done %d, want %d", r.Seq, c.Seq)
			}
			return r.Err
		}
	}
}

// waitStatus reads status lines until cond holds of one.
func (p *program) waitStatus(what string, cond func(bgpwire.Status) bool) {
	p.t.Helper()
	deadline := time.Now().Add(waitFor)
	for !cond(p.status) {
		if time.Now().After(deadline) {
			p.t.Fatalf("status: %s; last %+v", what, p.status)
		}
		p.next()
	}
}

func (p *program) end() error {
	p.t.Helper()
	select {
	case err := <-p.result:
		return err
	case <-time.After(waitFor):
		p.t.Fatal("the program did not end")
	}
	return nil
}

// TestServe: the speaker program, driven line by line: configure (with a
// TCP MD5 password), announce (the router receives the route), the status
// lines follow the session and the prefix, a second configure keeps the
// session, an error comes back in done, stop withdraws and ends it, and
// the log never holds the password.
func TestServe(t *testing.T) {
	const password = "serve-Secr3t-md5"
	r := newRouter(t, lo, routerPeer{Addr: lo, AS: speakerAS, Password: password})
	p := startProgram(t, context.Background())
	peer := peerOf(r)
	peer.Password = secret.New(password)
	cfg := Config{LocalAS: speakerAS, RouterID: rid, Peers: []Peer{peer}}

	if e := p.do(bgpwire.Command{Verb: bgpwire.Announce, Routes: map[netip.Prefix]Attrs{vip: {}}}); e != "bgp: announce: not configured" {
		t.Errorf("announce before configure: %q", e)
	}
	if e := p.do(bgpwire.Command{Verb: bgpwire.Configure, Config: cfg}); e != "" {
		t.Fatalf("configure: %s", e)
	}
	p.waitStatus("session established", func(s bgpwire.Status) bool {
		return s.Running && len(s.Peers) == 1 && s.Peers[0].State == Established
	})
	if e := p.do(bgpwire.Command{Verb: bgpwire.Announce, Routes: map[netip.Prefix]Attrs{vip: {MED: 7}}}); e != "" {
		t.Fatalf("announce: %s", e)
	}
	if len(p.status.Prefixes) != 1 || !p.status.Prefixes[0].Announced || p.status.Prefixes[0].Attrs.MED != 7 {
		t.Errorf("status after announce (sent before its done): %+v", p.status.Prefixes)
	}
	waitRIB(t, r, gobgp.RF_IPv4_UC, map[netip.Prefix]ribPath{vip: {Peer: lo, NextHop: lo, MED: 7, HasMED: true, ASPath: "65010 "}})

	opens := r.session(lo).Opens
	if e := p.do(bgpwire.Command{Verb: bgpwire.Configure, Config: cfg}); e != "" {
		t.Fatalf("the same configure again: %s", e)
	}
	bad := cfg.Clone()
	bad.Peers = append(bad.Peers, bad.Peers[0])
	if e := p.do(bgpwire.Command{Verb: bgpwire.Configure, Config: bad}); e != "bgp: peer 127.0.0.1 given twice" {
		t.Errorf("bad configure: %q", e)
	}
	if e := p.do(bgpwire.Command{Verb: bgpwire.Stop}); e != "" {
		t.Fatalf("stop: %s", e)
	}
	if err := p.end(); err != nil {
		t.Fatal(err)
	}
	if s := r.session(lo); s.Opens != opens {
		t.Errorf("the session was reopened by the same configure: %d opens, %d before", s.Opens, opens)
	}
	eventually(t, "the route withdrawn at the router", func() (bool, string) {
		rib := r.rib(gobgp.RF_IPv4_UC)
		return len(rib) == 0, fmt.Sprint(rib)
	})
	if strings.Contains(p.log.String(), password) {
		t.Errorf("the log holds the password:\n%s", p.log)
	}
}

// TestServeEndOfInput: the end of the input (the director gone) stops the
// speaker: its route is withdrawn, Serve returns without an error.
func TestServeEndOfInput(t *testing.T) {
	r := newRouter(t, lo, routerPeer{Addr: lo, AS: speakerAS})
	p := startProgram(t, context.Background())
	if e := p.do(bgpwire.Command{Verb: bgpwire.Configure, Config: Config{LocalAS: speakerAS, RouterID: rid, Peers: []Peer{peerOf(r)}}}); e != "" {
		t.Fatal(e)
	}
	if e := p.do(bgpwire.Command{Verb: bgpwire.Announce, Routes: map[netip.Prefix]Attrs{vip: {}}}); e != "" {
		t.Fatal(e)
	}
	waitRIB(t, r, gobgp.RF_IPv4_UC, map[netip.Prefix]ribPath{vip: {Peer: lo, NextHop: lo, HasMED: true, ASPath: "65010 "}})
	p.in.Close()
	if err := p.end(); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the route withdrawn at the router", func() (bool, string) {
		rib := r.rib(gobgp.RF_IPv4_UC)
		return len(rib) == 0, fmt.Sprint(rib)
	})
}

// TestServeSignal: a cancelled context (SIGTERM to the program) stops it
// as the end of the input does.
func TestServeSignal(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	p := startProgram(t, ctx)
	if e := p.do(bgpwire.Command{Verb: bgpwire.Configure, Config: Config{LocalAS: speakerAS, RouterID: rid}}); e != "" {
		t.Fatal(e)
	}
	cancel()
	if err := p.end(); err != nil {
		t.Fatal(err)
	}
	if !serverRunning.CompareAndSwap(false, false) {
		t.Error("GoBGP still runs after the stop")
	}
}

// TestServeBadLine: a line the director would never write ends the
// program with an error that does not quote it.
func TestServeBadLine(t *testing.T) {
	p := startProgram(t, context.Background())
	if _, err := io.WriteString(p.in, `configure {"seq":1,"config":{"local_as":"hunter2"}}`+"\n"); err != nil {
		t.Fatal(err)
	}
	err := p.end()
	if err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("err %v, want one without the line", err)
	}
}

// TestServeDirectorGone: an output that cannot be written (the director
// gone) ends the program.
func TestServeDirectorGone(t *testing.T) {
	inR, inW := io.Pipe()
	defer inW.Close()
	err := Serve(context.Background(), inR, failWriter{}, nil)
	if !errors.Is(err, io.ErrClosedPipe) {
		t.Errorf("err %v, want the write's", err)
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, io.ErrClosedPipe }
