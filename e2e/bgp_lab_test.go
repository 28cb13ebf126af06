//go:build e2e

package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lvsctl/lvsctl/cli"
	"github.com/lvsctl/lvsctl/internal/testutil"
)

// The scale-out site of e2e/bgplab.sh: BIRD 2 as the router, and in each
// director namespace `lvsctl ldirectord` with the same configuration (but
// its log file and withdraw file), announcing the VIPs through lvsctl-bgp
// while its checks say it can serve them. LVS-DR, mh with mh-port.

const (
	bgpVIP  = "192.0.2.100"
	bgpVIP2 = "192.0.2.101"
	// bgpWait bounds every awaited change: the guest is emulated.
	bgpWait = 90 * time.Second
	bgpDir  = "/tmp/bgplab"
)

func bgpLab(t *testing.T, dirs, reals int) {
	t.Helper()
	resetKernel(t)
	t.Cleanup(func() {
		if t.Failed() {
			out, _ := exec.Command("bash", "-c", "source ./bgplab.sh; bgplab_birdc show protocols all; ip -n bgp-rt route; tail -n 40 $BGPLAB_DIR/bird.log; for f in $BGPLAB_DIR/d*.log; do echo == $f; tail -n 60 $f; done").CombinedOutput()
			t.Logf("router and directors:\n%s", out)
		}
		bgpStopDirectors()
		exec.Command("bash", "-c", "source ./bgplab.sh; bgplab_down").Run()
	})
	// set -e: a lab half built (a device left from the last one) fails
	// here, not as a session that never comes up.
	sh(t, fmt.Sprintf("set -e; source ./bgplab.sh; bgplab_up %d %d", dirs, reals))
}

// bgpStopDirectors ends every director of the lab: a stop, then SIGKILL
// for one that did not end.
func bgpStopDirectors() {
	exec.Command("bash", "-c", `for f in /etc/ha.d/bgp-d*.cf; do [ -f "$f" ] || continue
n=$(basename "$f"); timeout 20 "$LVSCTL" ldirectord "$f" stop >/dev/null 2>&1
p=/run/ldirectord.$n.pid; [ -f "$p" ] && kill -9 "$(cat "$p")" 2>/dev/null; rm -f "$f"; done; rm -f /run/ldirectord.bgp-d*; true`).Run()
}

// bgpSite is the directors' configuration.
type bgpSite struct {
	reals int
	// peers beyond the router (10.20.0.1)
	peers []string
	// virtuals is the text of the virtual blocks; bgpVirtual writes one.
	virtuals string
	// med, if set, gives director n its announcemed... via bgpmed.
	med func(n int) int
}

// bgpVirtual is a virtual on addr:port over the lab's reals 1..reals,
// checked by a connect to port 80, announced with extra directives.
func bgpVirtual(addr string, port, reals int, extra string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "virtual=%s:%d\n", addr, port)
	for n := 1; n <= reals; n++ {
		fmt.Fprintf(&b, "\treal=10.20.0.2%d:%d gate\n", n, port)
	}
	b.WriteString("\tscheduler=mh\n\tschedflags=mh-port\n\tchecktype=connect\n\tcheckport=80\n\tannounce=yes\n")
	if extra != "" {
		b.WriteString("\t" + strings.ReplaceAll(strings.TrimSpace(extra), "\n", "\n\t") + "\n")
	}
	return b.String()
}

func (s bgpSite) config(n int) string {
	var b strings.Builder
	fmt.Fprintf(&b, `checktimeout=1
negotiatetimeout=1
checkinterval=1
quiescent=no
logfile="%[1]s/d%[2]d.log"
bgplocalas=65010
bgppeer=10.20.0.1 65000 holdtime=3
bgpwithdrawfile=%[1]s/withdraw-d%[2]d
bgpwithdrawdelay=2
`, bgpDir, n)
	for _, p := range s.peers {
		fmt.Fprintf(&b, "bgppeer=%s 65000 holdtime=3\n", p)
	}
	if s.med != nil {
		fmt.Fprintf(&b, "bgpmed=%d\n", s.med(n))
	}
	b.WriteString(s.virtuals)
	return b.String()
}

func bgpConfPath(n int) string { return fmt.Sprintf("/etc/ha.d/bgp-d%d.cf", n) }

// writeConf writes director n's configuration.
func (s bgpSite) writeConf(t *testing.T, n int) {
	t.Helper()
	if err := os.WriteFile(bgpConfPath(n), []byte(s.config(n)), 0o644); err != nil {
		t.Fatal(err)
	}
}

// startDirector starts `lvsctl ldirectord` in director n's namespace.
func startDirector(t *testing.T, n int) {
	t.Helper()
	out, err := exec.Command("ip", "netns", "exec", fmt.Sprintf("bgp-d%d", n), lvsctlBin(t), "ldirectord", bgpConfPath(n), "start").CombinedOutput()
	if err != nil {
		t.Fatalf("start director %d: %v\n%s", n, err, out)
	}
}

func directorCmd(t *testing.T, n int, action string) {
	t.Helper()
	out, err := exec.Command(lvsctlBin(t), "ldirectord", bgpConfPath(n), action).CombinedOutput()
	if err != nil {
		t.Fatalf("%s director %d: %v\n%s", action, n, err, out)
	}
}

// directorPid is director n's daemon.
func directorPid(t *testing.T, n int) int {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/run/ldirectord.bgp-d%d.cf.pid", n))
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	return pid
}

// startSite writes the configurations and starts directors 1..dirs.
func (s bgpSite) start(t *testing.T, dirs int) {
	t.Helper()
	for n := 1; n <= dirs; n++ {
		s.writeConf(t, n)
		startDirector(t, n)
	}
}

// directorBGP is director n's BGP status (lvsctl status --json).
func directorBGP(t *testing.T, n int) *cli.JSONBGP {
	t.Helper()
	out, errOut, code := runIn(t, "", lvsctlBin(t), "status", "--json", bgpConfPath(n))
	if code != 0 {
		t.Fatalf("status of director %d: exit %d: %s", n, code, errOut)
	}
	var doc cli.JSONStatus
	dec := json.NewDecoder(strings.NewReader(out))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil || len(doc.Directors) != 1 || doc.Directors[0].BGP == nil {
		t.Fatalf("status of director %d: %v\n%s", n, err, out)
	}
	return doc.Directors[0].BGP
}

// prefixState is a prefix's state and reason in director n's status.
func prefixState(t *testing.T, n int, prefix string) string {
	t.Helper()
	for _, p := range directorBGP(t, n).Prefixes {
		if p.Prefix == prefix {
			if p.Reason != nil {
				return p.State + " (" + *p.Reason + ")"
			}
			return p.State
		}
	}
	return "absent"
}

func routerNextHops(t *testing.T, vip string) string {
	return strings.TrimSpace(sh(t, "ip -n bgp-rt route show "+vip+"/32 | grep -o 'via [0-9.]*' | awk '{print $2}' | sort"))
}

// waitNextHops waits for the router's next hops for vip ("" none) and
// returns how long that took.
func waitNextHops(t *testing.T, vip, want string) time.Duration {
	t.Helper()
	start := time.Now()
	var got string
	testutil.WaitEvery(t, bgpWait, 100*time.Millisecond, func() bool {
		got = routerNextHops(t, vip)
		return got == want
	}, func() string { return fmt.Sprintf("the router's next hops for %s %q (now %q)", vip, want, got) })
	return time.Since(start)
}

func hops(ns ...int) string {
	var s []string
	for _, n := range ns {
		s = append(s, fmt.Sprintf("10.20.0.1%d", n))
	}
	return strings.Join(s, "\n")
}

// directorConns is the Conns column of vip:port in director n's namespace.
func directorConns(t *testing.T, n int, vip string, port int) int {
	svc := fmt.Sprintf("%s:%d", vip, port)
	out := sh(t, fmt.Sprintf("ip netns exec bgp-d%d /usr/sbin/ipvsadm -Ln --stats -t %s", n, svc))
	for _, l := range strings.Split(out, "\n") {
		f := strings.Fields(l)
		if len(f) > 2 && f[0] == "TCP" && f[1] == svc {
			c, err := strconv.Atoi(f[2])
			if err != nil {
				t.Fatalf("%s: %v", l, err)
			}
			return c
		}
	}
	t.Fatalf("no service in bgp-d%d:\n%s", n, out)
	return 0
}

// fetchAll fetches the VIP's page n times from the client; every answer
// must come from a real server.
func fetchAll(t *testing.T, vip string, n int) {
	t.Helper()
	out := sh(t, fmt.Sprintf("for i in $(seq %d); do ip netns exec bgp-cl timeout 5 busybox wget -q -O - http://%s/ 2>&1; done", n, vip))
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

// birdProtocols maps each of BIRD's BGP protocols to "State Since Info".
func birdProtocols(t *testing.T, birdc string) map[string]string {
	out := sh(t, "source ./bgplab.sh; "+birdc+" show protocols")
	m := map[string]string{}
	for _, l := range strings.Split(out, "\n") {
		f := strings.Fields(l)
		if len(f) > 5 && f[1] == "BGP" {
			m[f[0]] = strings.Join(f[3:], " ")
		}
	}
	return m
}

// waitEstablished waits until BIRD (birdc: bgplab_birdc or
// bgplab_birdc2) has the sessions up.
func waitEstablished(t *testing.T, birdc string, protocols ...string) map[string]string {
	t.Helper()
	var m map[string]string
	testutil.WaitEvery(t, bgpWait, 200*time.Millisecond, func() bool {
		m = birdProtocols(t, birdc)
		for _, p := range protocols {
			if f := strings.Fields(m[p]); len(f) < 3 || f[2] != "Established" {
				return false
			}
		}
		return true
	}, func() string { return fmt.Sprintf("sessions %v established: %v", protocols, m) })
	return m
}

// logOrder checks that director n's log has the lines holding each of
// frags, in that order.
func logOrder(t *testing.T, n int, frags ...string) {
	t.Helper()
	b, _ := os.ReadFile(filepath.Join(bgpDir, fmt.Sprintf("d%d.log", n)))
	at := 0
	for _, f := range frags {
		i := strings.Index(string(b[at:]), f)
		if i < 0 {
			t.Errorf("director %d's log lacks %q after byte %d:\n%s", n, f, at, b)
			return
		}
		at += i + len(f)
	}
}

// TestBGPDaemonECMP: three directors announce the VIP, the router has it
// with three next hops, and 300 connections of the client land on all
// three; status shows each session established and the prefix announced.
// The same client address and port reaches the same real whichever
// director it is sent to (mh, mh-port).
func TestBGPDaemonECMP(t *testing.T) {
	requireLab(t)
	bgpLab(t, 3, 3)
	sh(t, "source ./bgplab.sh; bgplab_probe_up")
	startSiteServers(t, 3)
	site := bgpSite{reals: 3, virtuals: bgpVirtual(bgpVIP, 80, 3, "") + bgpVirtual(bgpVIP, 8080, 3, "")}
	site.start(t, 3)
	waitNextHops(t, bgpVIP, hops(1, 2, 3))
	waitTables(t, 3, 6)
	for n := 1; n <= 3; n++ {
		b := directorBGP(t, n)
		if len(b.Peers) != 1 || b.Peers[0].State != "established" || b.Peers[0].Flaps != 0 ||
			len(b.Prefixes) != 1 || b.Prefixes[0].State != "announced" || len(b.Prefixes[0].Qualifying) != 2 ||
			b.RouterID == nil || *b.RouterID != fmt.Sprintf("10.20.0.1%d", n) || b.Speaker.State != "running" {
			js, _ := json.Marshal(b)
			t.Errorf("director %d: %s", n, js)
		}
	}
	out, _, _ := runIn(t, "", lvsctlBin(t), "status", bgpConfPath(1))
	for _, want := range []string{"10.20.0.1 │ 65000 │ established", "192.0.2.100/32 │ announced"} {
		if !strings.Contains(strings.Join(strings.Fields(out), " "), want) {
			t.Errorf("status table lacks %q:\n%s", want, out)
		}
	}
	answers := strings.Fields(childOut(t, "bgp-cl", "requests", bgpVIP+":8080", "300"))
	if len(answers) != 300 {
		t.Fatalf("%d answers of 300: %v", len(answers), answers)
	}
	for _, a := range answers {
		if !strings.HasPrefix(a, "rs") {
			t.Fatalf("answer %q", a)
		}
	}
	fetchAll(t, bgpVIP, 5)
	// A source port the client reuses within two minutes on the same
	// director joins its earlier connection entry: each director counts
	// exactly the entries of its connection table, once the kernel's
	// estimator (every 2 s) has summed its counters.
	total := 0
	for n := 1; n <= 3; n++ {
		var c, entries int
		testutil.WaitEvery(t, 10*time.Second, 500*time.Millisecond, func() bool {
			c = directorConns(t, n, bgpVIP, 8080)
			entries = len(strings.Fields(directorClientPorts(t, n, 8080)))
			return c > 0 && c == entries
		}, func() string {
			return fmt.Sprintf("director %d counted %d connections and has %d entries", n, c, entries)
		})
		total += c
	}
	if total < 290 || total > 300 {
		t.Errorf("the directors counted %d connections of 300", total)
	}

	// Consistency: the probe on the LAN sends the same flow to each
	// director in turn.
	for port := 41000; port < 41010; port++ {
		var reals []string
		for n := 1; n <= 3; n++ {
			sh(t, fmt.Sprintf("ip -n bgp-pr route replace %s/32 via 10.20.0.1%d", bgpVIP, n))
			reals = append(reals, strings.TrimSpace(childOut(t, "bgp-pr", "probe", bgpVIP+":8080", strconv.Itoa(port))))
		}
		if reals[0] == "" || reals[0] != reals[1] || reals[1] != reals[2] {
			t.Errorf("10.20.0.9:%d reached %v through directors 1, 2, 3", port, reals)
		}
	}
}

// TestBGPDaemonFailure: a director's daemon killed (-9): the router drops
// it within the hold time and a second (its speaker dies with it and the
// session closes); long downloads through the others never break, those
// that went through it go on through a survivor to the same real; new
// connections succeed. Then another director's link goes down: the router
// drops it when the hold timer expires.
func TestBGPDaemonFailure(t *testing.T) {
	requireLab(t)
	bgpLab(t, 3, 3)
	startSiteServers(t, 3)
	site := bgpSite{reals: 3, virtuals: bgpVirtual(bgpVIP, 80, 3, "") + bgpVirtual(bgpVIP, 8080, 3, "")}
	site.start(t, 3)
	waitNextHops(t, bgpVIP, hops(1, 2, 3))
	waitTables(t, 3, 6)

	// 24 downloads of 200 lines, one every 100 ms.
	streams := startChild(t, "bgp-cl", "streams", bgpVIP+":8080", "24", "200")
	streams.waitLine(t, "STARTED")
	onDead := directorClientPorts(t, 1, 8080)
	if len(onDead) == 0 {
		t.Fatal("no download went through director 1")
	}
	killed := time.Now()
	sh(t, fmt.Sprintf("kill -9 %d", directorPid(t, 1)))
	waitNextHops(t, bgpVIP, hops(2, 3))
	if took := birdEventAfter(t, "d1", killed).Sub(killed); took > 4*time.Second {
		t.Errorf("the router dropped the killed director after %s, want within the hold time (3 s) + 1 s", took)
	}
	fetchAll(t, bgpVIP, 20)
	report := streams.wait(t)
	// Every download got all its lines from one real.
	for _, l := range strings.Split(strings.TrimSpace(report), "\n") {
		f := strings.Fields(l) // port real lines error
		if len(f) < 4 || f[2] != "200" || f[3] != "ok" {
			t.Errorf("download %s", l)
		}
	}
	moved := strings.Fields(directorClientPorts(t, 2, 8080) + " " + directorClientPorts(t, 3, 8080))
	for _, p := range strings.Fields(onDead) {
		if !slices.Contains(moved, p) {
			t.Errorf("the download from port %s, on the killed director, is not on a survivor: %q", p, moved)
		}
	}

	down := time.Now()
	sh(t, "ip -n bgp-d2 link set d2-lan down")
	waitNextHops(t, bgpVIP, hops(3))
	if took := birdEventAfter(t, "d2", down).Sub(down); took > 4*time.Second {
		t.Errorf("the router dropped the director without a link after %s, want within the hold time (3 s) + 1 s", took)
	}
	fetchAll(t, bgpVIP, 20)
}

// waitTables waits until each of directors 1..dirs has reals real servers
// in its table (all virtuals together). A director announces once its
// threshold is met, before its other reals' first checks: until then its
// mh table differs from the others', and a flow that moves between
// directors may reach another real.
func waitTables(t *testing.T, dirs, reals int) {
	t.Helper()
	for n := 1; n <= dirs; n++ {
		var got int
		testutil.WaitEvery(t, bgpWait, 200*time.Millisecond, func() bool {
			got = strings.Count(sh(t, fmt.Sprintf("ip netns exec bgp-d%d /usr/sbin/ipvsadm -Sn", n)), "\n-a ")
			return got == reals
		}, func() string {
			return fmt.Sprintf("director %d with %d real servers in its table (now %d)", n, reals, got)
		})
	}
}

// birdEventAfter is when BIRD logged the first event of protocol proto
// after t0 (the session closed by the director, or its hold timer
// expired): when the router dropped its routes. Polling the route table
// from the emulated guest would add its own seconds to the measure.
func birdEventAfter(t *testing.T, proto string, t0 time.Time) time.Time {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(bgpDir, "bird.log"))
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		if len(l) < 24 || !strings.Contains(l, " "+proto+": ") {
			continue
		}
		at, err := time.ParseInLocation("2006-01-02 15:04:05.000", l[:23], time.Local)
		if err == nil && !at.Before(t0.Truncate(time.Millisecond)) {
			t.Logf("router: %s", l)
			return at
		}
	}
	t.Fatalf("BIRD logged nothing for %s after %s:\n%s", proto, t0.Format("15:04:05.000"), b)
	return time.Time{}
}

// directorClientPorts are the client's source ports of the connections to
// VIP:port in director n's connection table, blank-separated.
func directorClientPorts(t *testing.T, n, port int) string {
	out := sh(t, fmt.Sprintf("ip netns exec bgp-d%d /usr/sbin/ipvsadm -Lnc", n))
	var ports []string
	for _, l := range strings.Split(out, "\n") {
		f := strings.Fields(l)
		if len(f) >= 6 && f[0] == "TCP" && f[4] == fmt.Sprintf("%s:%d", bgpVIP, port) && strings.HasPrefix(f[3], "203.0.113.10:") {
			ports = append(ports, strings.TrimPrefix(f[3], "203.0.113.10:"))
		}
	}
	return strings.Join(ports, " ")
}

// TestBGPDaemonThreshold: a virtual whose reals are all down is withdrawn
// by every director, announced again when one is back; with
// announcethreshold=50% and 4 reals, withdrawn at 1 up, announced at 2.
func TestBGPDaemonThreshold(t *testing.T) {
	requireLab(t)
	bgpLab(t, 3, 4)
	site := bgpSite{reals: 4, virtuals: bgpVirtual(bgpVIP, 80, 4, "announcethreshold=50%") + bgpVirtual(bgpVIP2, 80, 4, "")}
	site.start(t, 3)
	waitNextHops(t, bgpVIP, hops(1, 2, 3))
	waitNextHops(t, bgpVIP2, hops(1, 2, 3))

	sh(t, "source ./bgplab.sh; bgplab_real_down 2; bgplab_real_down 3; bgplab_real_down 4")
	waitNextHops(t, bgpVIP, "")
	if got := routerNextHops(t, bgpVIP2); got != hops(1, 2, 3) {
		t.Errorf("%s with 1 real of 4 up: next hops %q", bgpVIP2, got)
	}
	for n := 1; n <= 3; n++ {
		if st := prefixState(t, n, bgpVIP+"/32"); st != "withdrawn (threshold)" {
			t.Errorf("director %d: %s is %s", n, bgpVIP, st)
		}
	}
	start := time.Now()
	sh(t, "source ./bgplab.sh; bgplab_real_down 1")
	waitNextHops(t, bgpVIP2, "")
	t.Logf("all reals down -> route gone at the router: %s", time.Since(start).Round(10*time.Millisecond))

	sh(t, "source ./bgplab.sh; bgplab_real_up 1")
	waitNextHops(t, bgpVIP2, hops(1, 2, 3))
	if got := routerNextHops(t, bgpVIP); got != "" {
		t.Errorf("%s with 1 real of 4 up: next hops %q", bgpVIP, got)
	}
	sh(t, "source ./bgplab.sh; bgplab_real_up 2")
	waitNextHops(t, bgpVIP, hops(1, 2, 3))
	fetchAll(t, bgpVIP, 10)
}

// TestBGPDaemonWithdrawFileMED: MED 100 on director 1, 200 on director 2:
// the router uses director 1 only. Director 1's withdraw file withdraws
// its prefixes within a pass, its removal announces them again; director
// 1 stopped: it withdraws, waits bgpwithdrawdelay, then empties its
// table, and director 2 takes all.
func TestBGPDaemonWithdrawFileMED(t *testing.T) {
	requireLab(t)
	bgpLab(t, 2, 2)
	site := bgpSite{reals: 2, virtuals: bgpVirtual(bgpVIP, 80, 2, ""), med: func(n int) int { return n * 100 }}
	site.start(t, 2)
	waitEstablished(t, "bgplab_birdc", "d1", "d2")
	waitNextHops(t, bgpVIP, hops(1))

	wf := filepath.Join(bgpDir, "withdraw-d1")
	if err := os.WriteFile(wf, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if took := waitNextHops(t, bgpVIP, hops(2)); took > 3*time.Second {
		t.Errorf("the withdraw file took %s to move the route", took)
	}
	if st := prefixState(t, 1, bgpVIP+"/32"); st != "withdrawn (withdraw file)" {
		t.Errorf("director 1 with its withdraw file: %s", st)
	}
	fetchAll(t, bgpVIP, 5)
	if err := os.Remove(wf); err != nil {
		t.Fatal(err)
	}
	waitNextHops(t, bgpVIP, hops(1))

	directorCmd(t, 1, "stop")
	waitNextHops(t, bgpVIP, hops(2))
	logOrder(t, 1, "BGP: withdrawing 192.0.2.100/32 (stopping)", "waiting 2s (bgpwithdrawdelay)",
		"Purged virtual server (stop): 192.0.2.100:80")
	fetchAll(t, bgpVIP, 5)
}

// TestBGPDaemonReload: a reload that adds a peer and a virtual: the
// sessions to the router stay up (BIRD's Since unchanged, no flap), the
// new router gets sessions, and the new prefix is announced to both.
func TestBGPDaemonReload(t *testing.T) {
	requireLab(t)
	bgpLab(t, 3, 2)
	sh(t, "source ./bgplab.sh; bgplab_router2_up 3")
	site := bgpSite{reals: 2, virtuals: bgpVirtual(bgpVIP, 80, 2, "")}
	site.start(t, 3)
	waitNextHops(t, bgpVIP, hops(1, 2, 3))
	before := waitEstablished(t, "bgplab_birdc", "d1", "d2", "d3")

	site.peers = []string{"10.20.0.2"}
	site.virtuals += bgpVirtual(bgpVIP2, 80, 2, "")
	for n := 1; n <= 3; n++ {
		site.writeConf(t, n)
		directorCmd(t, n, "reload")
	}
	waitNextHops(t, bgpVIP2, hops(1, 2, 3))
	waitEstablished(t, "bgplab_birdc2", "d1", "d2", "d3")
	routes := sh(t, "source ./bgplab.sh; bgplab_birdc2 show route")
	for _, p := range []string{bgpVIP + "/32", bgpVIP2 + "/32"} {
		if !strings.Contains(routes, p) {
			t.Errorf("the second router lacks %s:\n%s", p, routes)
		}
	}
	after := birdProtocols(t, "bgplab_birdc")
	for _, p := range []string{"d1", "d2", "d3"} {
		if !sameSession(before[p], after[p]) {
			t.Errorf("session %s: %q before the reload, %q after", p, before[p], after[p])
		}
	}
	for n := 1; n <= 3; n++ {
		for _, p := range directorBGP(t, n).Peers {
			if p.State != "established" || p.Flaps != 0 {
				t.Errorf("director %d: peer %+v", n, p)
			}
		}
	}
	if got := routerNextHops(t, bgpVIP); got != hops(1, 2, 3) {
		t.Errorf("%s after the reload: %q", bgpVIP, got)
	}
}

// sameSession: two of BIRD's "State Since Info" of a protocol show one
// session, established throughout. BIRD works Since out from its clock
// at each query: it moves by a few milliseconds.
func sameSession(a, b string) bool {
	fa, fb := strings.Fields(a), strings.Fields(b)
	if len(fa) < 3 || len(fb) < 3 || fa[0] != "up" || fb[0] != "up" || fa[2] != "Established" || fb[2] != "Established" {
		return false
	}
	ta, erra := time.Parse("15:04:05.000", fa[1])
	tb, errb := time.Parse("15:04:05.000", fb[1])
	return erra == nil && errb == nil && (ta.Sub(tb).Abs() < 100*time.Millisecond)
}

// TestBGPDaemonRollingRestart: the three directors stopped and started
// one after the other while the client requests in a loop: not one
// request fails.
func TestBGPDaemonRollingRestart(t *testing.T) {
	requireLab(t)
	bgpLab(t, 3, 3)
	startSiteServers(t, 3)
	site := bgpSite{reals: 3, virtuals: bgpVirtual(bgpVIP, 80, 3, "") + bgpVirtual(bgpVIP, 8080, 3, "")}
	site.start(t, 3)
	waitNextHops(t, bgpVIP, hops(1, 2, 3))

	loop := startChild(t, "bgp-cl", "loop", bgpVIP+":8080")
	loop.waitLine(t, "STARTED")
	for n := 1; n <= 3; n++ {
		directorCmd(t, n, "stop")
		others := []int{}
		for m := 1; m <= 3; m++ {
			if m != n {
				others = append(others, m)
			}
		}
		if got := routerNextHops(t, bgpVIP); got != hops(others...) {
			t.Errorf("director %d stopped, next hops %q", n, got)
		}
		startDirector(t, n)
		waitNextHops(t, bgpVIP, hops(1, 2, 3))
		waitTables(t, 3, 6)
	}
	loop.stdin.Close()
	report := strings.TrimSpace(loop.wait(t))
	f := strings.Fields(report) // requests failures
	if len(f) != 2 || f[1] != "0" {
		t.Errorf("request loop: %s", report)
	} else if r, _ := strconv.Atoi(f[0]); r < 50 {
		t.Errorf("request loop made %s requests only", f[0])
	}
	t.Logf("request loop over the rolling restart: %s requests, %s failed", f[0], f[1])
}

// startSiteServers runs the stream server (port 8080) in reals 1..n.
func startSiteServers(t *testing.T, n int) {
	t.Helper()
	for i := 1; i <= n; i++ {
		c := startChild(t, fmt.Sprintf("bgp-rs%d", i), "serve", fmt.Sprintf("rs%d", i))
		c.waitLine(t, "STARTED")
	}
}
