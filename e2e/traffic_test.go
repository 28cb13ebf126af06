//go:build e2e

package e2e

import (
	"bytes"
	"fmt"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Listings of a live table: the state is built once (lvsctl writes it,
// a client in a netns makes real connections through a persistent
// service), then Debian's ipvsadm and lvsctl list the same kernel state
// back to back and must print the same bytes. Expiry timers and rates move
// with time, so a mismatch is retried a few times before it counts.

func netlab(t *testing.T, reals int) {
	t.Helper()
	resetKernel(t)
	sh(t, ". ./netlab.sh; netlab_down; netlab_up "+itoa(reals))
	t.Cleanup(func() { exec.Command("bash", "-c", ". ./netlab.sh; netlab_down").Run() })
}

func itoa(i int) string { return strconv.Itoa(i) }

func run(t *testing.T, bin string, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	rc := 0
	if ee, ok := err.(*exec.ExitError); ok {
		rc = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("%s %v: %v", bin, args, err)
	}
	return out.String(), errb.String(), rc
}

// sameListing compares one listing command between the two tools. The
// two reads are a moment apart, so a connection's remaining time (mm:ss)
// may tick between them: after a few exact tries the expiry column alone is
// masked (its format is checked byte for byte on fixtures in conn_test.go).
func sameListing(t *testing.T, args ...string) string {
	t.Helper()
	ours := filepath.Join(shimDir(t), "ipvsadm")
	var a, b string
	for try := 0; try < 8; try++ {
		ao, ae, arc := run(t, realIpvsadmDir+"/ipvsadm", args...)
		bo, be, brc := run(t, ours, args...)
		a = ao + "--- stderr\n" + ae + "--- rc " + itoa(arc)
		b = bo + "--- stderr\n" + be + "--- rc " + itoa(brc)
		if a == b || (try >= 4 && maskExpiry(a) == maskExpiry(b)) {
			return ao
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Errorf("ipvsadm %s differs (-ipvsadm +lvsctl):\n%s", strings.Join(args, " "), lineDiff(a, b))
	return ""
}

var expiryColumn = regexp.MustCompile(`(?m)^(TCP|UDP|SCTP) ([0-9]{2,}:[0-9]{2}) `)

func maskExpiry(s string) string { return expiryColumn.ReplaceAllString(s, "$1 mm:ss ") }

func lvsctl(t *testing.T, args ...string) {
	t.Helper()
	if out, err := exec.Command(lvsctlBin(t), args...).CombinedOutput(); err != nil {
		t.Fatalf("lvsctl %v: %v\n%s", args, err, out)
	}
}

func fetch(t *testing.T, n int) []string {
	t.Helper()
	var who []string
	for i := 0; i < n; i++ {
		out := sh(t, ". ./netlab.sh; fetch")
		who = append(who, strings.TrimSpace(out))
	}
	return who
}

func TestTrafficPersistence(t *testing.T) {
	requireLab(t)
	netlab(t, 3)
	lvsctl(t, "-A", "-t", "192.0.2.100:80", "-s", "rr", "-p", "60")
	for _, r := range []string{"10.10.1.2:80", "10.10.2.2:80", "10.10.3.2:80"} {
		lvsctl(t, "-a", "-t", "192.0.2.100:80", "-r", r, "-m")
	}
	who := fetch(t, 4)
	for _, w := range who[1:] {
		if w != who[0] || !strings.HasPrefix(w, "rs") {
			t.Fatalf("persistence broken or no answer: %v", who)
		}
	}
	conns := sameListing(t, "-Lcn")
	if !strings.Contains(conns, "ASSURED     192.0.2.10:0") && !strings.Contains(conns, "NONE        192.0.2.10:0") {
		t.Errorf("no persistence template in:\n%s", conns)
	}
	sameListing(t, "-Lc")
	sameListing(t, "-L", "-c", "-n", "--persistent-conn")
	sameListing(t, "-Ln")
	stats := sameListing(t, "-Ln", "--stats")
	if !strings.Contains(stats, "192.0.2.100:80") {
		t.Errorf("stats listing: %s", stats)
	}
	sameListing(t, "-Ln", "--stats", "--exact")
	sameListing(t, "-L", "-n", "--persistent-conn")
	sameListing(t, "-L", "-n", "--thresholds")
	sameListing(t, "-L", "--stats")
	time.Sleep(3 * time.Second) // the kernel's rate estimator runs every 2 s
	sameListing(t, "-Ln", "--rate")
	sameListing(t, "-Ln", "--rate", "--exact")
	sameListing(t, "-L", "-n", "-t", "192.0.2.100:80", "--stats")

	// -Z through lvsctl zeroes what ipvsadm then sees, and the reverse.
	lvsctl(t, "-Z", "-t", "192.0.2.100:80")
	zeroed := sameListing(t, "-Ln", "--stats")
	if !strings.Contains(zeroed, fmt.Sprintf("%-33s%9d%9d%9d%9d%9d\n", "TCP  192.0.2.100:80", 0, 0, 0, 0, 0)) {
		t.Errorf("counters not zeroed:\n%s", zeroed)
	}
	fetch(t, 2)
	lvsctl(t, "-Z")
	sameListing(t, "-Ln", "--stats")
}

func TestTrafficQuiescedPersistence(t *testing.T) {
	requireLab(t)
	netlab(t, 2)
	lvsctl(t, "-A", "-t", "192.0.2.100:80", "-s", "rr", "-p", "60")
	lvsctl(t, "-a", "-t", "192.0.2.100:80", "-r", "10.10.1.2:80", "-m")
	lvsctl(t, "-a", "-t", "192.0.2.100:80", "-r", "10.10.2.2:80", "-m")
	first := fetch(t, 1)[0]
	pinned := map[string]string{"rs1": "10.10.1.2:80", "rs2": "10.10.2.2:80"}[first]
	lvsctl(t, "-e", "-t", "192.0.2.100:80", "-r", pinned, "-m", "-w", "0")
	// the template still pins the client to the quiesced server
	if again := fetch(t, 1)[0]; again != first {
		t.Errorf("template did not hold: %s then %s", first, again)
	}
	sameListing(t, "-Ln")
	sameListing(t, "-Lcn")
	sameListing(t, "-L", "-n", "--persistent-conn")
}

// TestSyncDaemon: two directors in two namespaces, each its own IPVS; the
// master's connections appear in the backup's connection table.
func TestSyncDaemon(t *testing.T) {
	requireLab(t)
	resetKernel(t)
	t.Cleanup(func() {
		exec.Command("bash", "-c", ". ./netlab.sh; netlab_down; ip netns del dirA; ip netns del dirB").Run()
	})
	sh(t, `set -e
ip netns add dirA; ip netns add dirB; ip netns add cli; ip netns add rs
ip link add sa type veth peer name sb
ip link set sa netns dirA; ip link set sb netns dirB
ip -n dirA addr add 172.31.0.1/24 dev sa; ip -n dirB addr add 172.31.0.2/24 dev sb
ip -n dirA link set sa up multicast on; ip -n dirB link set sb up multicast on
ip -n dirA link set lo up; ip -n dirB link set lo up; ip -n cli link set lo up; ip -n rs link set lo up
ip link add ca type veth peer name cc
ip link set ca netns dirA; ip link set cc netns cli
ip -n dirA addr add 192.0.2.1/24 dev ca; ip -n dirA addr add 192.0.2.100/32 dev ca; ip -n dirA link set ca up
ip -n cli addr add 192.0.2.10/24 dev cc; ip -n cli link set cc up; ip -n cli route add default via 192.0.2.1
ip link add ra type veth peer name rr0
ip link set ra netns dirA; ip link set rr0 netns rs
ip -n dirA addr add 10.10.1.1/24 dev ra; ip -n dirA link set ra up
ip -n rs addr add 10.10.1.2/24 dev rr0; ip -n rs link set rr0 up; ip -n rs route add default via 10.10.1.1
ip netns exec dirA sysctl -qw net.ipv4.ip_forward=1
mkdir -p /tmp/wwwsync; echo sync >/tmp/wwwsync/index.html
ip netns exec rs busybox httpd -p 80 -h /tmp/wwwsync
`)
	l := lvsctlBin(t)
	in := func(ns string, args ...string) string {
		return sh(t, "ip netns exec "+ns+" "+l+" "+strings.Join(args, " "))
	}
	in("dirA", "--start-daemon", "master", "--mcast-interface", "sa", "--syncid", "9")
	in("dirB", "--start-daemon", "backup", "--mcast-interface", "sb", "--syncid", "9")
	if got := in("dirB", "-L", "--daemon"); !strings.HasPrefix(got, "backup sync daemon (mcast=sb, syncid=9") {
		t.Fatalf("backup daemon: %q", got)
	}
	for _, ns := range []string{"dirA", "dirB"} {
		in(ns, "-A", "-t", "192.0.2.100:80", "-s", "rr", "-p", "60")
		in(ns, "-a", "-t", "192.0.2.100:80", "-r", "10.10.1.2:80", "-m")
	}
	out := sh(t, "ip netns exec cli timeout 5 busybox wget -q -O - http://192.0.2.100/")
	if strings.TrimSpace(out) != "sync" {
		t.Fatalf("no answer through the master: %q", out)
	}
	var backup string
	for i := 0; i < 20; i++ {
		backup = in("dirB", "-Lcn")
		if strings.Contains(backup, "192.0.2.10:") {
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	if !strings.Contains(backup, "192.0.2.100:80") || !strings.Contains(backup, "10.10.1.2:80") {
		t.Errorf("backup did not receive the connection:\n%s\nmaster:\n%s", backup, in("dirA", "-Lcn"))
	}
	// both tools agree on the backup's view
	a := sh(t, "ip netns exec dirB /usr/sbin/ipvsadm -L --daemon")
	b := in("dirB", "-L", "--daemon")
	if a != b {
		t.Errorf("--daemon differs: %q vs %q", a, b)
	}
}
