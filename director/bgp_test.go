package director

import (
	"context"
	"fmt"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/lvsctl/lvsctl/internal/bgpproc"
	"github.com/lvsctl/lvsctl/internal/bgpwire"
	"github.com/lvsctl/lvsctl/metrics"
)

// fakeSpeaker is the BGP speaker program as the director sees it. Every
// call goes to the daemon's log, "SPEAKER: ...", so that a test reads the
// speaker's calls in order with the daemon's own lines (table writes
// included); it holds at once whatever it is given.
type fakeSpeaker struct {
	mu      sync.Mutex
	log     io.Writer
	started int
	cfg     bgpwire.Config
	routes  map[netip.Prefix]bgpwire.Attrs
	stopped bool
	// announces counts the Announce calls that changed the routes.
	announces int
}

func (f *fakeSpeaker) start() Speaker {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.started++
	f.stopped = false
	f.routes = nil
	fmt.Fprintf(f.log, "SPEAKER: start\n")
	return f
}

func (f *fakeSpeaker) Configure(cfg bgpwire.Config) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.cfg = cfg.Clone()
	var peers []string
	for _, p := range cfg.Peers {
		peers = append(peers, p.Address.String())
	}
	fmt.Fprintf(f.log, "SPEAKER: configure AS %d id %s peers %v\n", cfg.LocalAS, cfg.RouterID, peers)
}

// Announce logs a change only, as the real one sends one only.
func (f *fakeSpeaker) Announce(routes map[netip.Prefix]bgpwire.Attrs) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.routes != nil && len(f.routes) == len(routes) {
		same := true
		for p, a := range routes {
			if b, ok := f.routes[p]; !ok || !a.Equal(b) {
				same = false
			}
		}
		if same {
			return
		}
	}
	f.routes = routes
	f.announces++
	fmt.Fprintf(f.log, "SPEAKER: announce %s\n", routesText(routes))
}

func routesText(routes map[netip.Prefix]bgpwire.Attrs) string {
	var ps []string
	for p, a := range routes {
		ps = append(ps, fmt.Sprintf("%s med %d", p, a.MED))
	}
	slices.Sort(ps)
	return "[" + strings.Join(ps, ", ") + "]"
}

func (f *fakeSpeaker) Sync(context.Context) error {
	fmt.Fprintf(f.log, "SPEAKER: sync\n")
	return nil
}

func (f *fakeSpeaker) Stop(context.Context) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.stopped = true
	fmt.Fprintf(f.log, "SPEAKER: stop\n")
	return nil
}

func (f *fakeSpeaker) Status() bgpproc.Status {
	f.mu.Lock()
	defer f.mu.Unlock()
	st := bgpproc.Status{State: bgpproc.Running, PID: 4242, Program: "/usr/libexec/lvsctl/lvsctl-bgp"}
	st.Running, st.LocalAS, st.RouterID = true, f.cfg.LocalAS, f.cfg.RouterID
	for _, p := range f.cfg.Peers {
		st.Peers = append(st.Peers, bgpwire.PeerStatus{Address: p.Address, AS: p.AS, State: bgpwire.Established,
			Since: time.Date(2026, 11, 22, 1, 2, 3, 0, time.UTC), Flaps: 1})
	}
	for p, a := range f.routes {
		st.Prefixes = append(st.Prefixes, bgpwire.PrefixStatus{Prefix: p, Announced: true, Attrs: a})
	}
	slices.SortFunc(st.Prefixes, func(x, y bgpwire.PrefixStatus) int { return bgpwire.ComparePrefix(x.Prefix, y.Prefix) })
	return st
}

// current is the routes the speaker holds, as text.
func (f *fakeSpeaker) current() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return routesText(f.routes)
}

// speakerLines are the log's SPEAKER lines.
func (h *harness) speakerLines() string {
	var out []string
	for _, l := range strings.Split(h.logs.String(), "\n") {
		if strings.HasPrefix(l, "SPEAKER: ") {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n") + "\n"
}

// newBGPHarness is a bubble harness with a fake speaker and sysctls as an
// active-active director wants them.
func newBGPHarness(t *testing.T, cfg string) *harness {
	t.Helper()
	h := newBubbleHarness(t, cfg)
	h.speaker = &fakeSpeaker{log: h.logs}
	h.sysctls = filepath.Join(h.dir, "sys")
	h.setSysctl("net.ipv4.vs.sloppy_tcp", "1")
	h.setSysctl("net.ipv4.vs.conntrack", "0")
	h.setSysctl("net.ipv4.conf.all.arp_ignore", "1")
	h.setSysctl("net.ipv4.conf.all.arp_announce", "2")
	return h
}

func (h *harness) setSysctl(key, v string) {
	h.t.Helper()
	p := filepath.Join(h.sysctls, filepath.FromSlash(strings.ReplaceAll(key, ".", "/")))
	mustDo(h.t, os.MkdirAll(filepath.Dir(p), 0o755))
	writeFile(h.t, p, v+"\n")
}

const bgpGlobal = `bgplocalas = 65010
bgppeer = 10.20.0.1 65000 holdtime=3 password=not-in-any-log
bgpwithdrawdelay = 2
`

const announced = `
virtual=192.0.2.100:80
	real=10.0.0.2:80 gate
	real=10.0.0.3:80 gate
	checktype=connect
	scheduler=mh
	announce=yes
`

// TestAnnounceFollowsHealth: the prefix is announced in the very pass
// that brings its first real up, and withdrawn in the pass that takes its
// last one down; a pass that changes nothing sends nothing.
func TestAnnounceFollowsHealth(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newBGPHarness(t, bgpGlobal+announced)
		h.start()
		h.settle()
		want := "SPEAKER: start\n" +
			"SPEAKER: configure AS 65010 id 10.20.0.11 peers [10.20.0.1]\n" +
			"SPEAKER: announce []\n"
		if got := h.speakerLines(); got != want {
			t.Fatalf("speaker:\n%swant\n%s", got, want)
		}
		h.health.set("10.0.0.2", true)
		h.awaitPass("-a -t 192.0.2.100:80 -r 10.0.0.2:80 -g -w 1")
		if got := h.speaker.current(); got != "[192.0.2.100/32 med 0]" {
			t.Errorf("after the pass that added the real: %s", got)
		}
		h.health.set("10.0.0.3", true)
		h.awaitPass("-a -t 192.0.2.100:80 -r 10.0.0.3:80 -g -w 1")
		h.health.set("10.0.0.2", false)
		h.health.set("10.0.0.3", false)
		h.awaitPass("-A -t 192.0.2.100:80 -s mh\n")
		if got := h.speaker.current(); got != "[]" {
			t.Errorf("after the pass that deleted the reals: %s", got)
		}
		h.settle()
		want += "SPEAKER: announce [192.0.2.100/32 med 0]\nSPEAKER: announce []\n"
		if got := h.speakerLines(); got != want {
			t.Errorf("speaker:\n%swant\n%s", got, want)
		}
		for _, l := range []string{
			"BGP: announcing 192.0.2.100/32 (MED 0): tcp 192.0.2.100:80 serves",
			"BGP: withdrawing 192.0.2.100/32 (threshold)",
		} {
			if !strings.Contains(h.logs.String(), l) {
				t.Errorf("log lacks %q:\n%s", l, h.logs)
			}
		}
		if strings.Contains(h.logs.String(), "not-in-any-log") {
			t.Errorf("the password is in the log:\n%s", h.logs)
		}
	})
}

// awaitPass waits, in the bubble, for the table to end with tail: the
// pass that wrote it has run, and with it the announce hook after it.
func (h *harness) awaitPass(tail string) {
	h.t.Helper()
	for range 50 {
		time.Sleep(20 * time.Millisecond)
		synctest.Wait()
		if strings.HasSuffix(h.fake.Dump(), tail+"\n") || strings.HasSuffix(h.fake.Dump(), tail) {
			return
		}
	}
	h.t.Fatalf("the table never ended with %q:\n%s", tail, h.fake.Dump())
}

// TestAnnounceThreshold: 50% of 4 reals: one serving is not enough, two
// are; a real at weight 0 (quiesced by its configuration) does not serve.
func TestAnnounceThreshold(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newBGPHarness(t, bgpGlobal+`
virtual=192.0.2.100:80
	real=10.0.0.2:80 gate
	real=10.0.0.3:80 gate
	real=10.0.0.4:80 gate
	real=10.0.0.5:80 gate 0
	checktype=connect
	announce=yes
	announcethreshold=50%
	announcemed=100
`)
		h.start()
		h.health.set("10.0.0.5", true)
		h.health.set("10.0.0.2", true)
		h.settle()
		if got := h.speaker.current(); got != "[]" {
			t.Errorf("1 serving of 4 (and one up at weight 0): %s", got)
		}
		h.health.set("10.0.0.3", true)
		h.settle()
		if got := h.speaker.current(); got != "[192.0.2.100/32 med 100]" {
			t.Errorf("2 serving of 4: %s", got)
		}
		h.health.set("10.0.0.2", false)
		h.settle()
		if got := h.speaker.current(); got != "[]" {
			t.Errorf("1 serving again: %s", got)
		}
	})
}

// TestAnnounceFallback: a virtual whose fallback serves qualifies.
func TestAnnounceFallback(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newBGPHarness(t, bgpGlobal+`
virtual=192.0.2.100:80
	real=10.0.0.2:80 gate
	fallback=127.0.0.1:80 gate
	checktype=connect
	announce=yes
`)
		h.start()
		h.settle()
		if got := h.speaker.current(); got != "[192.0.2.100/32 med 0]" {
			t.Errorf("the fallback serving: %s", got)
		}
	})
}

// TestWithdrawFile: the file's creation withdraws every prefix within a
// second (the loop's resend tick is a pass for BGP), its removal announces
// them again; status says why.
func TestWithdrawFile(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newBGPHarness(t, "bgpwithdrawfile=@DIR@/withdraw\n"+bgpGlobal+announced)
		h.health.set("10.0.0.2", true)
		h.start()
		h.settle()
		if got := h.speaker.current(); got != "[192.0.2.100/32 med 0]" {
			t.Fatalf("before: %s", got)
		}
		writeFile(t, filepath.Join(h.dir, "withdraw"), "")
		time.Sleep(time.Second)
		synctest.Wait()
		if got := h.speaker.current(); got != "[]" {
			t.Errorf("a second after the file appeared: %s", got)
		}
		snap, err := h.snapshot()
		mustDo(t, err)
		if p := snap.BGP.Prefixes; len(p) != 1 || p[0].Announced || p[0].Reason != "withdraw file" || !snap.BGP.WithdrawFileExists {
			t.Errorf("status: %+v", snap.BGP)
		}
		mustDo(t, removeFile(filepath.Join(h.dir, "withdraw")))
		time.Sleep(time.Second)
		synctest.Wait()
		if got := h.speaker.current(); got != "[192.0.2.100/32 med 0]" {
			t.Errorf("a second after the file went: %s", got)
		}
		if !strings.Contains(h.logs.String(), "BGP: withdrawing 192.0.2.100/32 (withdraw file)") {
			t.Errorf("log:\n%s", h.logs)
		}
	})
}

func (h *harness) snapshot() (Snapshot, error) {
	var snap Snapshot
	var err error
	done := make(chan struct{})
	go func() {
		defer close(done)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		snap, err = h.status(ctx)
	}()
	<-done
	return snap, err
}

// TestStopOrder: a stop withdraws first, waits for the speaker to hold
// the withdrawal, waits bgpwithdrawdelay while still serving status, then
// stops the checks, applies cleanstop, and stops the speaker last.
func TestStopOrder(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newBGPHarness(t, bgpGlobal+announced)
		h.health.set("10.0.0.2", true)
		h.start()
		h.settle()
		began := time.Now()
		h.cancel(StopSignal("TERM"))
		time.Sleep(time.Second)
		synctest.Wait()
		if snap, err := h.snapshot(); err != nil || !snap.BGP.Stopping || snap.BGP.Prefixes[0].Reason != "stopping" {
			t.Errorf("status during the delay: %v %+v", err, snap.BGP)
		}
		if strings.Contains(h.logs.String(), "Purged") {
			t.Errorf("cleanstop within the delay:\n%s", h.logs)
		}
		mustDo(t, <-h.done)
		h.cancel = nil
		if d := time.Since(began); d != 2*time.Second {
			t.Errorf("the stop took %v, want the 2 s of bgpwithdrawdelay", d)
		}
		var order []string
		_, stopping, _ := strings.Cut(h.logs.String(), "BGP: withdrawing 192.0.2.100/32 (stopping)")
		for _, l := range strings.Split(stopping, "\n") {
			for _, w := range []string{"SPEAKER: announce []", "SPEAKER: sync", "BGP: every prefix withdrawn; waiting 2s",
				"Purged virtual server (stop)", "SPEAKER: stop", "terminated on signal"} {
				if strings.HasPrefix(l, w) || strings.Contains(l, w) && !strings.HasPrefix(l, "DEBUG2") {
					order = append(order, w)
				}
			}
		}
		want := []string{"SPEAKER: announce []", "SPEAKER: sync", "BGP: every prefix withdrawn; waiting 2s",
			"Purged virtual server (stop)", "SPEAKER: stop", "terminated on signal"}
		if !slices.Equal(order, want) {
			t.Errorf("order %q, want %q\n%s", order, want, h.logs)
		}
		if h.fake.Dump() != "" {
			t.Errorf("table after cleanstop:\n%s", h.fake.Dump())
		}
	})
}

// TestStopNothingAnnounced: with nothing announced there is nothing to
// wait for.
func TestStopNothingAnnounced(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newBGPHarness(t, bgpGlobal+announced)
		h.start()
		h.settle()
		began := time.Now()
		h.stop()
		if d := time.Since(began); d != 0 {
			t.Errorf("the stop took %v", d)
		}
		if !strings.HasSuffix(h.speakerLines(), "SPEAKER: stop\n") || strings.Contains(h.logs.String(), "bgpwithdrawdelay") {
			t.Errorf("log:\n%s", h.logs)
		}
	})
}

// TestBGPReload: a reload adding a peer and a virtual reconfigures the
// running speaker (no new start) and announces the new prefix; a reload
// without bgplocalas stops it; one with it starts it again.
func TestBGPReload(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newBGPHarness(t, bgpGlobal+announced)
		h.health.set("10.0.0.2", true)
		h.health.set("10.0.0.9", true)
		h.start()
		h.settle()
		h.write(bgpGlobal + "bgppeer = 10.20.0.2 65000\n" + announced + `
virtual=192.0.2.101:80
	real=10.0.0.9:80 gate
	checktype=connect
	announce=yes
	announcemed=5
`)
		h.reload <- struct{}{}
		h.settle()
		if got := h.speaker.current(); got != "[192.0.2.100/32 med 0, 192.0.2.101/32 med 5]" {
			t.Errorf("after the reload: %s", got)
		}
		want := "SPEAKER: start\n" +
			"SPEAKER: configure AS 65010 id 10.20.0.11 peers [10.20.0.1]\n" +
			"SPEAKER: announce []\n" +
			"SPEAKER: announce [192.0.2.100/32 med 0]\n" +
			"SPEAKER: configure AS 65010 id 10.20.0.11 peers [10.20.0.1 10.20.0.2]\n" +
			"SPEAKER: announce [192.0.2.100/32 med 0, 192.0.2.101/32 med 5]\n"
		if got := h.speakerLines(); got != want {
			t.Errorf("speaker:\n%swant\n%s", got, want)
		}
		h.write(strings.ReplaceAll(announced, "announce=yes", ""))
		h.reload <- struct{}{}
		h.settle()
		if !h.speaker.stopped || !strings.HasSuffix(h.speakerLines(), "SPEAKER: stop\n") {
			t.Errorf("BGP off: the speaker not stopped:\n%s", h.speakerLines())
		}
		if snap, err := h.snapshot(); err != nil || snap.BGP != nil {
			t.Errorf("status with BGP off: %v %+v", err, snap.BGP)
		}
		h.write(bgpGlobal + announced)
		h.reload <- struct{}{}
		h.settle()
		if h.speaker.started != 2 || h.speaker.current() != "[192.0.2.100/32 med 0]" {
			t.Errorf("BGP on again: %d starts, %s", h.speaker.started, h.speaker.current())
		}
	})
}

// TestNoBGPNoSpeaker: a configuration without BGP starts no speaker, its
// status has no BGP and its metrics no BGP family.
func TestNoBGPNoSpeaker(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newBGPHarness(t, twoReals)
		h.metrics = NewMetrics()
		h.health.set("10.0.0.2", true)
		h.start()
		h.settle()
		if h.speaker.started != 0 || h.speakerLines() != "\n" {
			t.Errorf("speaker started:\n%s", h.logs)
		}
		snap, err := h.snapshot()
		mustDo(t, err)
		if snap.BGP != nil {
			t.Errorf("status: %+v", snap.BGP)
		}
		if got := gatherText(h.metrics); strings.Contains(got, "bgp") {
			t.Errorf("metrics:\n%s", got)
		}
		h.stop()
		if strings.Contains(h.logs.String(), "BGP") || strings.Contains(h.logs.String(), "sysctl") {
			t.Errorf("log:\n%s", h.logs)
		}
	})
}

func gatherText(m *Metrics) string {
	s := &metrics.Set{}
	m.Gather(s)
	var b strings.Builder
	s.WriteTo(&b)
	return b.String()
}

// TestBGPStatusAndMetrics: the sessions and each prefix with its state
// and reason, in the snapshot, the table and the metrics.
func TestBGPStatusAndMetrics(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newBGPHarness(t, bgpGlobal+announced+`
virtual=192.0.2.101:80
	real=10.0.0.9:80 gate
	checktype=connect
	announce=yes
`)
		h.metrics = NewMetrics()
		h.health.set("10.0.0.2", true)
		h.start()
		h.settle()
		snap, err := h.snapshot()
		mustDo(t, err)
		var b strings.Builder
		mustDo(t, WriteStatusTable(&b, snap))
		table := b.String()
		for _, want := range []string{
			"BGP: AS 65010, router id 10.20.0.11, speaker running (pid 4242)\n",
			"│ 10.20.0.1 │ 65000 │ established │ 2026-11-22 01:02:03 │ 1     │",
			"│ 192.0.2.100/32 │ announced │           │ 0   │ 1 of 1           │",
			"│ 192.0.2.101/32 │ withdrawn │ threshold │ 0   │ 0 of 1           │",
		} {
			if !strings.Contains(table, want) {
				t.Errorf("table lacks %q:\n%s", want, table)
			}
		}
		got := gatherText(h.metrics)
		for _, want := range []string{
			`lvs_bgp_peer_up{peer="10.20.0.1",peer_as="65000"} 1`,
			`lvs_bgp_session_flaps_total{peer="10.20.0.1",peer_as="65000"} 1`,
			`lvs_bgp_prefix_announced{prefix="192.0.2.100/32"} 1`,
			`lvs_bgp_prefix_announced{prefix="192.0.2.101/32"} 0`,
			"lvs_bgp_speaker_up 1",
			"lvs_bgp_speaker_restarts_total 0",
		} {
			if !strings.Contains(got, want+"\n") {
				t.Errorf("metrics lack %q:\n%s", want, got)
			}
		}
		if strings.Contains(table+got, "not-in-any-log") {
			t.Error("the password is shown")
		}
	})
}

// TestSysctlWarnings: a missing sysctl is warned about once, at the
// start, not again on reload; arp_* only for LVS-DR, and not when every
// interface has it.
func TestSysctlWarnings(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newBGPHarness(t, bgpGlobal+announced)
		h.setSysctl("net.ipv4.vs.sloppy_tcp", "0")
		h.setSysctl("net.ipv4.vs.conntrack", "1")
		h.setSysctl("net.ipv4.conf.all.arp_ignore", "0")
		h.setSysctl("net.ipv4.conf.all.arp_announce", "0")
		h.setSysctl("net.ipv4.conf.eth0.arp_announce", "2")
		h.setSysctl("net.ipv4.conf.lo.arp_announce", "0")
		h.start()
		h.settle()
		h.reload <- struct{}{}
		h.settle()
		var warnings []string
		for _, l := range strings.Split(h.logs.String(), "\n") {
			if strings.HasPrefix(l, "Warning: BGP") {
				warnings = append(warnings, l)
			}
		}
		want := []string{
			"Warning: BGP: net.ipv4.vs.sloppy_tcp is 0: an active-active director needs 1 so that a director takes over connections begun on another one (sysctl -w net.ipv4.vs.sloppy_tcp=1)",
			"Warning: BGP: net.ipv4.vs.conntrack is 1: an active-active director needs 0 so that connections need no netfilter state, which directors do not share (sysctl -w net.ipv4.vs.conntrack=0)",
			"Warning: BGP: net.ipv4.conf.all.arp_ignore is 0: an active-active director needs 1 so that the VIP on lo is not answered by ARP on the LAN (sysctl -w net.ipv4.conf.all.arp_ignore=1)",
		}
		if !slices.Equal(warnings, want) {
			t.Errorf("warnings:\n%s\nwant\n%s", strings.Join(warnings, "\n"), strings.Join(want, "\n"))
		}
	})
}

// TestAnnounceFollowsConverged: a real whose add the kernel refuses does
// not serve; the prefix is announced in the pass whose retry holds it.
func TestAnnounceFollowsConverged(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newBGPHarness(t, bgpGlobal+announced)
		h.start()
		h.settle()
		h.fake.FailNext("AddDestination", errNoMem)
		h.health.set("10.0.0.2", true)
		h.settle()
		if !strings.Contains(h.logs.String(), "(will retry)") {
			t.Fatalf("the add was not refused:\n%s", h.logs)
		}
		if got := h.speaker.current(); got != "[]" {
			t.Errorf("announced while the kernel lacks the real: %s", got)
		}
		// The first retry comes after 250 ms.
		time.Sleep(time.Second)
		synctest.Wait()
		h.waitTable(`
-A -t 192.0.2.100:80 -s mh
-a -t 192.0.2.100:80 -r 10.0.0.2:80 -g -w 1
`)
		if got := h.speaker.current(); got != "[192.0.2.100/32 med 0]" {
			t.Errorf("after the retry held: %s", got)
		}
	})
}

// TestAnnounceWaitsForFirstChecks: a starting director announces a
// virtual only once each of its reals has had a first check, so that its
// mh table is whole before flows come; a real whose check never returns
// holds it back no longer than three rounds.
func TestAnnounceWaitsForFirstChecks(t *testing.T) {
	cfg := func(timeout string) string {
		return bgpGlobal + `
virtual=192.0.2.100:80
	real=10.0.0.2:80 gate
	real=10.0.0.3:80 gate
	checktype=connect
	checkinterval=1
	checktimeout=` + timeout + `
	scheduler=mh
	announce=yes
`
	}
	// startWith10002Up starts the daemon and waits for the pass that
	// adds 10.0.0.2: nothing may be announced yet.
	startWith10002Up := func(h *harness, what string) {
		h.health.set("10.0.0.2", true)
		h.start()
		h.awaitPass("-a -t 192.0.2.100:80 -r 10.0.0.2:80 -g -w 1")
		h.settle()
		if got := h.speaker.current(); got != "[]" {
			t.Errorf("%s: %s", what, got)
		}
	}
	synctest.Test(t, func(t *testing.T) {
		h := newBGPHarness(t, cfg("10"))
		h.health.set("10.0.0.3", true)
		h.health.slow("10.0.0.3", 2*time.Second)
		startWith10002Up(h, "before 10.0.0.3's first check")
		snap, err := h.snapshot()
		mustDo(t, err)
		if p := snap.BGP.Prefixes; len(p) != 1 || p[0].Announced || p[0].Reason != "first checks" {
			t.Errorf("status: %+v", snap.BGP)
		}
		time.Sleep(2 * time.Second)
		h.settle()
		if got := h.speaker.current(); got != "[192.0.2.100/32 med 0]" {
			t.Errorf("after every first check: %s", got)
		}
	})
	synctest.Test(t, func(t *testing.T) {
		h := newBGPHarness(t, cfg("2"))
		release := h.health.stick("10.0.0.3")
		defer release()
		startWith10002Up(h, "while 10.0.0.3's first check hangs")
		// three rounds: 3 x (1 s + 2 s)
		time.Sleep(9 * time.Second)
		h.settle()
		if got := h.speaker.current(); got != "[192.0.2.100/32 med 0]" {
			t.Errorf("three rounds later: %s", got)
		}
	})
}
