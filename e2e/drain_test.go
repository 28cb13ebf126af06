//go:build e2e

package e2e

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// heldConn is a TCP connection from the client namespace through the VIP
// that stays open, idle, until release; then the client resets it, so its
// entry goes to CLOSE (10 s) rather than TIME_WAIT (2 min).
type heldConn struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
}

const holdPy = `import socket, struct, sys
s = socket.create_connection((sys.argv[1], 80), 5)
print("up", flush=True)
sys.stdin.readline()
s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
s.close()
`

func holdConn(t *testing.T, ns, vip string) *heldConn {
	t.Helper()
	cmd := exec.Command("ip", "netns", "exec", ns, "python3", "-c", holdPy, vip)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	h := &heldConn{cmd: cmd, stdin: stdin}
	t.Cleanup(func() { h.release(t) })
	up := make(chan bool, 1)
	go func() {
		line, _ := bufio.NewReader(stdout).ReadString('\n')
		up <- strings.TrimSpace(line) == "up"
	}()
	select {
	case ok := <-up:
		if !ok {
			t.Fatal("the client could not connect")
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the client did not connect within 20s")
	}
	return h
}

// release lets the client reset its connection and waits for it.
func (h *heldConn) release(t *testing.T) {
	if h.stdin == nil {
		return
	}
	h.stdin.Close()
	h.stdin = nil
	done := make(chan error, 1)
	go func() { done <- h.cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		h.cmd.Process.Kill()
		<-done
		t.Error("the client did not finish within 20s")
	}
}

var establishedTo = regexp.MustCompile(`ESTABLISHED +192\.0\.2\.10:\d+ +192\.0\.2\.100:80 +(10\.10\.\d\.2:80)`)

// The director namespace of the drain and templates tests: IPVS state is
// per network namespace, so these tests see no connection or template
// that an earlier test left lingering in the kernel.
const lvsNS = "lvs"

// netlabIn builds the netlab site with the director in namespace ns.
func netlabIn(t *testing.T, reals int, ns string) {
	t.Helper()
	resetKernel(t)
	sh(t, ". ./netlab.sh; netlab_down; netlab_up "+itoa(reals)+" "+ns)
	t.Cleanup(func() { exec.Command("bash", "-c", ". ./netlab.sh; netlab_down").Run() })
}

// inNS is argv run in network namespace ns (ip netns exec execs it, so
// the process is argv's own).
func inNS(ns string, argv ...string) []string {
	return append([]string{"netns", "exec", ns}, argv...)
}

// lvsctlIn runs lvsctl in namespace ns and fails the test on an error.
func lvsctlIn(t *testing.T, ns string, args ...string) string {
	t.Helper()
	out, err := exec.Command("ip", inNS(ns, append([]string{lvsctlBin(t)}, args...)...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("lvsctl %v: %v\n%s", args, err, out)
	}
	return string(out)
}

// runNS is run in namespace ns.
func runNS(t *testing.T, ns, bin string, args ...string) (string, string, int) {
	t.Helper()
	return run(t, "ip", inNS(ns, append([]string{bin}, args...)...)...)
}

// TestDrain: a persistent service, a client holding a connection (and so
// a template) on one real. With a short timeout drain reports what holds
// the real; with a long one it waits for the client to finish, then for
// the template to expire, and deletes the real.
//
// The wait is bounded by the kernel's timers: the client's reset leaves
// its entry in CLOSE for 10 s, and the template expires -p seconds after
// the connection that made it (templateSecs, longer than the test needs
// to get there, so the template does not fire while it still controls
// the connection; if it did, the kernel would re-arm it for 60 s, which
// the deadline allows for).
func TestDrain(t *testing.T) {
	requireLab(t)
	const templateSecs = 40
	netlabIn(t, 2, lvsNS)
	lvsctlIn(t, lvsNS, "-A", "-t", "192.0.2.100:80", "-s", "rr", "-p", itoa(templateSecs))
	lvsctlIn(t, lvsNS, "-a", "-t", "192.0.2.100:80", "-r", "10.10.1.2:80", "-m")
	lvsctlIn(t, lvsNS, "-a", "-t", "192.0.2.100:80", "-r", "10.10.2.2:80", "-m")
	// Before the client connects: the template's clock starts with its
	// SYN, so this is the earliest the template can expire from.
	connected := time.Now()
	held := holdConn(t, "client", "192.0.2.100")
	var conns string
	var m []string
	// The client's last ACK may still be on its way when it says "up".
	waitFor(t, 5*time.Second, "the client's connection to be established", func() bool {
		conns, _, _ = runNS(t, lvsNS, lvsctlBin(t), "-Lcn")
		m = establishedTo.FindStringSubmatch(conns)
		return m != nil
	})
	real, other := m[1], "10.10.1.2:80"
	if real == other {
		other = "10.10.2.2:80"
	}
	sysctl := "ip netns exec " + lvsNS + " cat /proc/sys/net/ipv4/vs/expire_quiescent_template"
	if v := strings.TrimSpace(sh(t, sysctl)); v != "0" {
		t.Fatalf("expire_quiescent_template in a new namespace: %s", v)
	}

	out, errOut, rc := runNS(t, lvsNS, lvsctlBin(t), "drain", "-t", "192.0.2.100:80", "-r", real, "--timeout", "3s", "--expire-templates")
	t.Logf("short drain:\n%s%s", out, errOut)
	if rc != 1 {
		t.Fatalf("drain with a held connection: exit %d, want 1", rc)
	}
	for _, want := range []string{"timed out after 3s: -t 192.0.2.100:80 -r " + real + " still has 1 active, 0 inactive, 1 template; left at weight 0\n",
		"connection TCP 192.0.2.10:", "ESTABLISHED", "template   TCP 192.0.2.10 -> 192.0.2.100:80"} {
		if !strings.Contains(out, want) {
			t.Errorf("timeout report lacks %q", want)
		}
	}
	if v := strings.TrimSpace(sh(t, sysctl)); v != "0" {
		t.Errorf("expire_quiescent_template after the timeout: %s", v)
	}
	if ln := lvsctlIn(t, lvsNS, "-Ln"); !regexp.MustCompile(regexp.QuoteMeta(real) + ` +Masq +0 +1 +0 *\n`).MatchString(ln) {
		t.Errorf("the real is not left at weight 0 with its connection:\n%s", ln)
	}

	// The long drain: it must still be waiting while the client holds on.
	var dout bytes.Buffer
	drain := exec.Command("ip", inNS(lvsNS, lvsctlBin(t), "drain", "-t", "192.0.2.100:80", "-r", real, "--timeout", "150s", "--expire-templates")...)
	drain.Stdout, drain.Stderr = &dout, &dout
	if err := drain.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- drain.Wait() }()
	select {
	case err := <-done:
		t.Fatalf("drain ended while the client held its connection: %v\n%s", err, dout.String())
	case <-time.After(3 * time.Second):
	}
	if v := strings.TrimSpace(sh(t, sysctl)); v != "1" {
		t.Errorf("expire_quiescent_template during the drain: %s", v)
	}
	released := time.Now()
	held.release(t)
	// CLOSE (10 s), then the template's own expiry, or 60 s more if it
	// fired while it still controlled the connection; and a margin.
	limit := 10*time.Second + time.Until(connected.Add(templateSecs*time.Second)) + 70*time.Second
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("drain: %v\n%s", err, dout.String())
		}
	case <-time.After(limit):
		drain.Process.Kill()
		<-done
		t.Fatalf("drain did not finish %s after the client:\n%s", limit.Round(time.Second), dout.String())
	}
	t.Logf("drain finished %s after the client, %s after its connection:\n%s", time.Since(released).Round(time.Second),
		time.Since(connected).Round(time.Second), dout.String())
	// The client's entry in CLOSE, then only the template, then nothing.
	for _, want := range []string{": 0 active, 1 inactive, 1 template\n", ": 0 active, 0 inactive, 1 template\n",
		": 0 active, 0 inactive, 0 templates\n", "drained -t 192.0.2.100:80 -r " + real + " in ", "; deleted\n"} {
		if !strings.Contains(dout.String(), want) {
			t.Errorf("drain output lacks %q", want)
		}
	}
	if since := time.Since(connected); since < templateSecs*time.Second {
		t.Errorf("drained %s after the connection, before its template (%ds) could expire", since.Round(time.Second), templateSecs)
	}
	ln := lvsctlIn(t, lvsNS, "-Ln")
	if strings.Contains(ln, real) || !strings.Contains(ln, other) {
		t.Errorf("after the drain:\n%s", ln)
	}
	if v := strings.TrimSpace(sh(t, sysctl)); v != "0" {
		t.Errorf("expire_quiescent_template after the drain: %s", v)
	}
	if who := fetch(t, 1)[0]; "10.10."+who[2:]+".2:80" != other {
		t.Errorf("a new client went to %s, want %s", who, other)
	}
}

// TestTemplatesListing: -Lc --templates shows the client network after
// -M and the quiesced real that a template still pins, named as Debian's
// ipvsadm -Lc names it, and as JSON; lvsctl metrics reads the same live
// table. Named ipvsadm, --templates is refused.
func TestTemplatesListing(t *testing.T) {
	requireLab(t)
	netlabIn(t, 2, lvsNS)
	lvsctlIn(t, lvsNS, "-A", "-t", "192.0.2.100:8080", "-s", "rr", "-p", "120", "-M", "255.255.255.0")
	lvsctlIn(t, lvsNS, "-a", "-t", "192.0.2.100:8080", "-r", "10.10.1.2:80", "-m")
	lvsctlIn(t, lvsNS, "-a", "-t", "192.0.2.100:8080", "-r", "10.10.2.2:80", "-m")
	var who []string
	for i := 0; i < 2; i++ {
		who = append(who, strings.TrimSpace(sh(t, ". ./netlab.sh; fetch 192.0.2.100:8080")))
	}
	pinned := map[string]string{"rs1": "10.10.1.2:80", "rs2": "10.10.2.2:80"}[who[0]]
	if pinned == "" || who[1] != who[0] {
		t.Fatalf("no persistence: %v", who)
	}
	lvsctlIn(t, lvsNS, "-e", "-t", "192.0.2.100:8080", "-r", pinned, "-m", "-w", "0")
	out, errOut, rc := runNS(t, lvsNS, lvsctlBin(t), "-Lcn", "--templates")
	t.Logf("lvsctl -Lcn --templates:\n%s", out)
	if rc != 0 {
		t.Fatalf("exit %d: %s", rc, errOut)
	}
	row := regexp.MustCompile(`│ ` + regexp.QuoteMeta(pinned) + ` +│ 0 \(quiesced\) +│ -t 192\.0\.2\.100:8080 +│ 192\.0\.2\.0/24 +│ 0[12]:\d\d +│ [A-Z]+ +│\n`)
	if !row.MatchString(out) || !strings.HasSuffix(out, "\n1 template on 1 real server\n") {
		t.Errorf("not one row for the template pinning 192.0.2.0/24 to the quiesced %s", pinned)
	}

	// Without -n, the real and the service are named as Debian's
	// ipvsadm -Lc names the template's destination and virtual address.
	deb, _, _ := runNS(t, lvsNS, realIpvsadmDir+"/ipvsadm", "-Lc")
	m := regexp.MustCompile(`\n\S+ +\d\d:\d\d +\S+ +\S+:0 +(\S+) +(\S+)\n`).FindStringSubmatch(deb)
	if m == nil {
		t.Fatalf("no template in Debian's ipvsadm -Lc:\n%s", deb)
	}
	out, errOut, rc = runNS(t, lvsNS, lvsctlBin(t), "-Lc", "--templates")
	t.Logf("ipvsadm -Lc:\n%slvsctl -Lc --templates:\n%s", deb, out)
	named := regexp.MustCompile(`│ ` + regexp.QuoteMeta(m[2]) + ` +│ 0 \(quiesced\) +│ -t ` + regexp.QuoteMeta(m[1]) + ` +│ 192\.0\.2\.0/24 +│`)
	if rc != 0 || !named.MatchString(out) {
		t.Errorf("exit %d, no row naming %s and -t %s: %s", rc, m[2], m[1], errOut)
	}

	out, errOut, rc = runNS(t, lvsNS, lvsctlBin(t), "-Lc", "--templates", "--json")
	var doc struct {
		SchemaVersion int `json:"schema_version"`
		Reals         []struct {
			Address  string
			Port     int
			Services []struct {
				Service *struct {
					Port    int
					Netmask string
				}
				Weight    *int
				Templates []struct {
					ClientNetwork  string `json:"client_network"`
					PrefixLength   int    `json:"prefix_length"`
					VirtualAddress string `json:"virtual_address"`
					VirtualPort    int    `json:"virtual_port"`
					Expires        int
				}
			}
		}
	}
	t.Logf("lvsctl -Lc --templates --json:\n%s", out)
	if err := json.Unmarshal([]byte(out), &doc); rc != 0 || err != nil {
		t.Fatalf("--json: exit %d, %v: %s\n%s", rc, err, errOut, out)
	}
	if len(doc.Reals) != 1 || len(doc.Reals[0].Services) != 1 || len(doc.Reals[0].Services[0].Templates) != 1 {
		t.Fatalf("--json: not one real, service and template:\n%s", out)
	}
	r, g := doc.Reals[0], doc.Reals[0].Services[0]
	tp := g.Templates[0]
	if r.Address+":"+itoa(r.Port) != pinned || g.Service == nil || g.Service.Port != 8080 || g.Service.Netmask != "255.255.255.0" ||
		g.Weight == nil || *g.Weight != 0 || tp.ClientNetwork != "192.0.2.0/24" || tp.PrefixLength != 24 ||
		tp.VirtualAddress != "192.0.2.100" || tp.VirtualPort != 8080 || tp.Expires <= 0 || tp.Expires > 120 {
		t.Errorf("--json:\n%s", out)
	}

	_, errOut, rc = runNS(t, lvsNS, filepath.Join(shimDir(t), "ipvsadm"), "-Lcn", "--templates")
	if rc != 255 || !strings.Contains(errOut, "--templates") {
		t.Errorf("ipvsadm -Lcn --templates: exit %d, %q", rc, errOut)
	}

	// Kernel 6.1 folds its per-CPU counters into what netlink reports
	// every 2 s (the rate estimator's timer): read until the second
	// connection shows, within a deadline.
	res := []*regexp.Regexp{
		regexp.MustCompile(`lvs_real_connections_total\{protocol="tcp",service="192\.0\.2\.100:8080",real="` + regexp.QuoteMeta(pinned) + `"\} 2\n`),
		regexp.MustCompile(`lvs_real_weight\{protocol="tcp",service="192\.0\.2\.100:8080",real="` + regexp.QuoteMeta(pinned) + `"\} 0\n`),
		regexp.MustCompile(`lvs_real_persistent_connections\{[^}]*real="` + regexp.QuoteMeta(pinned) + `"\} 1\n`),
		regexp.MustCompile(`lvs_service_bytes_total\{protocol="tcp",service="192\.0\.2\.100:8080",direction="out"\} [1-9]\d*\n`),
	}
	var metrics string
	deadline := time.Now().Add(10 * time.Second)
	for {
		var rc int
		metrics, errOut, rc = runNS(t, lvsNS, lvsctlBin(t), "metrics")
		if rc != 0 {
			t.Fatalf("lvsctl metrics: exit %d: %s", rc, errOut)
		}
		missing := slices.DeleteFunc(slices.Clone(res), func(re *regexp.Regexp) bool { return re.MatchString(metrics) })
		if len(missing) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("metrics lack %v after 10s:\n%s", missing, metrics)
		}
		time.Sleep(500 * time.Millisecond)
	}
}
