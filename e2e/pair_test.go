//go:build e2e

package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/lvsctl/lvsctl/internal/testutil"
)

// Directors in pairs: two director namespaces on one front LAN (client,
// VIP) and one back LAN (real server, floating gateway), the kernel's
// sync daemon between them (TestSyncDaemon covers its listing; here it
// carries connections across a failover), and keepalived running VRRP
// with the self-balancing-cluster notify scripts, which use lvsctl as
// ipvsadm: to_backup saves and clears the table, to_master restores it.
//
//	client 192.0.2.10 ─┐ br-front ┌─ dirA fa 192.0.2.1   VIP 192.0.2.100
//	                   └──────────┴─ dirB fb 192.0.2.2
//	rs 10.10.9.10 ─────┐ br-back  ┌─ dirA ba 10.10.9.1   gateway 10.10.9.254
//	                   └──────────┴─ dirB bb 10.10.9.2

// A persistence timeout well beyond the test's length, so the template the
// sync daemon copies is still there after a slow failover.
const pairRules = "-A -t 192.0.2.100:80 -s rr -p 300\n-a -t 192.0.2.100:80 -r 10.10.9.10:80 -m -w 1\n"

func pairLab(t *testing.T) {
	t.Helper()
	resetKernel(t)
	t.Cleanup(func() {
		exec.Command("bash", "-c", "ip link del br-front; ip link del br-back; pkill -f 'busybox httpd -p 80 -h /tmp/wwwpair'; for n in dirA dirB cli rs; do ip netns del $n; done").Run()
	})
	sh(t, `set -e
ip link add br-front type bridge; ip link add br-back type bridge
ip link set br-front up; ip link set br-back up
for n in dirA dirB cli rs; do ip netns add $n; ip -n $n link set lo up; done
plug() { # plug NS IFACE BRIDGE ADDR
	ip link add "$2" type veth peer name "$2-br"
	ip link set "$2" netns "$1"; ip link set "$2-br" master "$3" up
	ip -n "$1" addr add "$4" dev "$2"; ip -n "$1" link set "$2" up multicast on
}
plug dirA fa br-front 192.0.2.1/24; plug dirB fb br-front 192.0.2.2/24; plug cli cc br-front 192.0.2.10/24
plug dirA ba br-back 10.10.9.1/24; plug dirB bb br-back 10.10.9.2/24; plug rs rr br-back 10.10.9.10/24
ip -n rs route add default via 10.10.9.254
for n in dirA dirB; do ip netns exec $n sysctl -qw net.ipv4.ip_forward=1; done
mkdir -p /tmp/wwwpair; echo pair >/tmp/wwwpair/index.html
ip netns exec rs busybox httpd -p 80 -h /tmp/wwwpair
`)
}

// keepalived runs one VRRP-only keepalived in ns, in the foreground, with
// its pid files and log under dir; cleanup stops it.
type keepalived struct {
	ns, log string
	cmd     *exec.Cmd
	done    chan error
}

func startKeepalived(t *testing.T, dir, ns string, prio int) *keepalived {
	t.Helper()
	iface := map[string]string{"dirA": "a", "dirB": "b"}[ns]
	conf := filepath.Join(dir, ns+".conf")
	// keepalived skips a configuration file that is executable.
	testutil.WriteFile(t, conf, 0o644, fmt.Sprintf(`global_defs {
	router_id %[1]s
	script_user root
}
vrrp_instance lvs {
	state BACKUP
	interface f%[2]s
	virtual_router_id 51
	priority %[3]d
	advert_int 2
	virtual_ipaddress {
		192.0.2.100/24 dev f%[2]s
		10.10.9.254/24 dev b%[2]s
	}
	notify_backup "%[4]s/to_backup.sh %[1]s"
	notify_master "%[4]s/to_master.sh %[1]s"
}
`, ns, iface, prio, dir))
	k := &keepalived{ns: ns, log: filepath.Join(dir, ns+".log"), done: make(chan error, 1)}
	logf, err := os.Create(k.log)
	if err != nil {
		t.Fatal(err)
	}
	k.cmd = exec.Command("ip", "netns", "exec", ns, "keepalived", "-n", "-l", "-D", "-P", "-f", conf,
		"-p", filepath.Join(dir, ns+".pid"), "-r", filepath.Join(dir, ns+".vrrp.pid"), "-c", filepath.Join(dir, ns+".checkers.pid"))
	k.cmd.Stdout, k.cmd.Stderr = logf, logf
	if err := k.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { k.done <- k.cmd.Wait(); logf.Close() }()
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("keepalived %s:\n%s", ns, k.logText())
		}
	})
	t.Cleanup(func() { k.stop(t) })
	return k
}

// stop sends TERM and waits (keepalived then gives up its addresses and
// sends a priority-0 advertisement so that the backup takes over now).
func (k *keepalived) stop(t *testing.T) {
	if k.cmd == nil {
		return
	}
	k.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-k.done:
	case <-time.After(15 * time.Second):
		k.cmd.Process.Kill()
		<-k.done
		t.Errorf("keepalived in %s did not stop on TERM", k.ns)
	}
	k.cmd = nil
}

func (k *keepalived) logText() string {
	b, _ := os.ReadFile(k.log)
	return string(b)
}

// waitFor polls cond until it holds or the deadline passes; the lab's
// conditions run commands, so it looks four times a second.
func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	testutil.WaitEvery(t, d, 250*time.Millisecond, cond, func() string { return what })
}

func TestPairKeepalivedSync(t *testing.T) {
	requireLab(t)
	if _, err := exec.LookPath("keepalived"); err != nil {
		t.Fatal("keepalived is not installed (.ci/packages.txt)")
	}
	pairLab(t)
	dir := t.TempDir()
	l := lvsctlBin(t)
	in := func(ns string, args ...string) string {
		return sh(t, "ip netns exec "+ns+" "+l+" "+strings.Join(args, " "))
	}
	// The notify scripts as an admin writes them, with lvsctl as ipvsadm.
	// keepalived runs them without waiting, so a director that starts as
	// backup and turns master at once could restore before it saved: a
	// lock keeps them in order.
	lock := "exec 9>" + dir + "/$1.lock; flock 9\n"
	testutil.WriteFile(t, filepath.Join(dir, "to_backup.sh"), 0o755, "#!/bin/sh\nPATH="+shimDir(t)+":$PATH\n"+lock+
		"ipvsadm --save > "+dir+"/$1.rules; ipvsadm --clear\necho backup >> "+dir+"/$1.transitions\n")
	testutil.WriteFile(t, filepath.Join(dir, "to_master.sh"), 0o755, "#!/bin/sh\nPATH="+shimDir(t)+":$PATH\n"+lock+
		"ipvsadm --restore < "+dir+"/$1.rules\necho master >> "+dir+"/$1.transitions\n")
	testutil.WriteFile(t, filepath.Join(dir, "rules"), 0o644, pairRules)

	// Both directors boot with the site's table; whichever becomes backup
	// stashes it in its rules file and clears it.
	for _, ns := range []string{"dirA", "dirB"} {
		sh(t, "ip netns exec "+ns+" "+l+" -R < "+dir+"/rules")
	}
	want := in("dirA", "-Sn")
	in("dirA", "--start-daemon", "master", "--mcast-interface", "fa", "--syncid", "7")
	in("dirB", "--start-daemon", "backup", "--mcast-interface", "fb", "--syncid", "7")
	// --daemon and --timeout as JSON: Debian's ipvsadm's text rebuilt
	// from the documents, byte for byte.
	for ns, want := range map[string]string{"dirA": "master fa 7", "dirB": "backup fb 7"} {
		var d struct {
			Daemons []struct {
				State          string
				McastInterface string `json:"mcast_interface"`
				SyncID         int
				SyncMaxLen     int     `json:"sync_maxlen"`
				McastGroup     *string `json:"mcast_group"`
				McastPort      int     `json:"mcast_port"`
				McastTTL       int     `json:"mcast_ttl"`
			}
		}
		if err := json.Unmarshal([]byte(in(ns, "-L", "--daemon", "--json")), &d); err != nil || len(d.Daemons) != 1 ||
			fmt.Sprintf("%s %s %d", d.Daemons[0].State, d.Daemons[0].McastInterface, d.Daemons[0].SyncID) != want {
			t.Fatalf("%s -L --daemon --json: %v %+v, want %s", ns, err, d, want)
		}
		j := d.Daemons[0]
		line := fmt.Sprintf("%s sync daemon (mcast=%s, syncid=%d", j.State, j.McastInterface, j.SyncID)
		if j.SyncMaxLen != 0 {
			line += fmt.Sprintf(", maxlen=%d", j.SyncMaxLen)
		}
		if j.McastGroup != nil {
			line += ", group=" + *j.McastGroup
		}
		if j.McastPort != 0 {
			line += fmt.Sprintf(", port=%d", j.McastPort)
		}
		if j.McastTTL != 0 {
			line += fmt.Sprintf(", ttl=%d", j.McastTTL)
		}
		if deb := sh(t, "ip netns exec "+ns+" /usr/sbin/ipvsadm -L --daemon"); deb != line+")\n" {
			t.Errorf("%s: -L --daemon --json gives %q, Debian's ipvsadm %q", ns, line+")\n", deb)
		}
	}
	var to struct {
		Timeouts struct {
			TCP    int `json:"tcp"`
			TCPFin int `json:"tcp_fin"`
			UDP    int `json:"udp"`
		}
	}
	if err := json.Unmarshal([]byte(in("dirA", "-L", "--timeout", "--json")), &to); err != nil {
		t.Errorf("-L --timeout --json: %v", err)
	}
	if deb, js := sh(t, "ip netns exec dirA /usr/sbin/ipvsadm -L --timeout"), fmt.Sprintf("Timeout (tcp tcpfin udp): %d %d %d\n", to.Timeouts.TCP, to.Timeouts.TCPFin, to.Timeouts.UDP); deb != js {
		t.Errorf("-L --timeout --json gives %q, Debian's ipvsadm %q", js, deb)
	}

	ka := startKeepalived(t, dir, "dirA", 150)
	hasVIP := func(ns string) bool {
		out, _ := exec.Command("ip", "-n", ns, "-4", "addr", "show").Output()
		return strings.Contains(string(out), "192.0.2.100/24")
	}
	transitions := func(ns string) string {
		b, _ := os.ReadFile(filepath.Join(dir, ns+".transitions"))
		return string(b)
	}
	waitFor(t, 30*time.Second, "dirA to become master", func() bool {
		return hasVIP("dirA") && strings.HasSuffix(transitions("dirA"), "master\n")
	})
	startKeepalived(t, dir, "dirB", 100)
	waitFor(t, 30*time.Second, "dirB to become backup", func() bool { return transitions("dirB") == "backup\n" })
	if hasVIP("dirB") {
		t.Fatal("both directors hold the VIP")
	}
	if got := in("dirB", "-Sn"); got != "" {
		t.Errorf("the backup kept its table:\n%s", got)
	}
	if got := in("dirA", "-Sn"); got != want {
		t.Errorf("the master's table changed:\n%s\nwant:\n%s", got, want)
	}

	out := sh(t, "ip netns exec cli timeout 10 busybox wget -q -O - http://192.0.2.100/")
	if strings.TrimSpace(out) != "pair" {
		t.Fatalf("no answer through the master: %q", out)
	}
	var synced string
	waitFor(t, 20*time.Second, "the connection to reach the backup", func() bool {
		synced = in("dirB", "-Lcn")
		return strings.Contains(synced, "192.0.2.10:0 ") && strings.Contains(synced, "10.10.9.10:80")
	})
	t.Logf("backup's connection table before the failover:\n%s", synced)

	// The master goes away; the backup takes the VIP and the gateway and
	// restores the same table.
	ka.stop(t)
	waitFor(t, 30*time.Second, "dirB to take over", func() bool {
		return hasVIP("dirB") && strings.HasSuffix(transitions("dirB"), "master\n")
	})
	if got := in("dirB", "-Sn"); got != want {
		t.Errorf("the new master's table:\n%s\nwant:\n%s", got, want)
	}
	after := in("dirB", "-Lcn")
	t.Logf("new master's connection table:\n%s", after)
	if !strings.Contains(after, "192.0.2.10:0 ") || !strings.Contains(after, "192.0.2.100:80") {
		t.Errorf("the synced template is not in the new master's -Lc")
	}
	// Debian's ipvsadm reads the same synced entries the same way.
	if a := sh(t, "ip netns exec dirB /usr/sbin/ipvsadm -Lcn"); !strings.Contains(a, "192.0.2.10:0 ") {
		t.Errorf("ipvsadm -Lcn on the new master:\n%s", a)
	}
	var again string
	waitFor(t, 30*time.Second, "an answer through the new master", func() bool {
		o, err := exec.Command("ip", "netns", "exec", "cli", "timeout", "3", "busybox", "wget", "-q", "-O", "-", "http://192.0.2.100/").Output()
		again = string(o)
		return err == nil && strings.TrimSpace(again) == "pair"
	})
	if st := in("dirB", "-Ln", "--stats"); !strings.Contains(st, "192.0.2.100:80") {
		t.Errorf("stats on the new master:\n%s", st)
	}
}
