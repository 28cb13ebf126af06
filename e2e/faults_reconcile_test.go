//go:build e2e

package e2e

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lvsctl/lvsctl/cli"
)

// ipvsMod is a scheduler module the fault tests unload to make the
// kernel refuse a virtual, and load again to let it in.
const ipvsMod = "ip_vs_fo"

// modulePath is the lab kernel's file of module m (the lab's cache is the
// host's, seen through the guest's view of the host's root).
func modulePath(t *testing.T, m string) string {
	t.Helper()
	cache := os.Getenv("LAB_CACHE")
	if cache == "" {
		cache = "../.cache/lab"
	}
	kver, err := os.ReadFile("/proc/sys/kernel/osrelease")
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(cache, "kernel/lib/modules", strings.TrimSpace(string(kver)), "kernel/net/netfilter/ipvs", m+".ko")
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("the lab kernel's %s: %v (LAB_CACHE=%q)", m, err, os.Getenv("LAB_CACHE"))
	}
	return p
}

func moduleLoaded(m string) bool {
	_, err := os.Stat("/sys/module/" + m)
	return err == nil
}

// A write the kernel really refuses (a virtual whose scheduler module is
// not loaded, and cannot be: the guest has no module tree) is logged
// once, retried with backoff, and held as soon as the module is there:
// the virtual and its reals appear, "Added virtual server" is logged once,
// and the metrics count the refusals and the retries.
func TestFaultRefusedWriteRetried(t *testing.T) {
	ko := modulePath(t, ipvsMod)
	reals := farmReals(2)
	f := newFarm(t)
	f.up(reals...)
	d := newFaultDaemon(t, "faults-refused.cf", farmConfig("checkinterval=1\nchecktimeout=1\n", 1, reals, 2)+"\tscheduler=fo\n")
	d.metrics = "127.0.0.1:9811"
	if moduleLoaded(ipvsMod) {
		if out, err := exec.Command("rmmod", ipvsMod).CombinedOutput(); err != nil {
			t.Fatalf("rmmod %s: %v\n%s", ipvsMod, err, out)
		}
	}
	t.Cleanup(func() {
		if !moduleLoaded(ipvsMod) {
			exec.Command("insmod", ko).Run()
		}
	})
	d.start()
	refused := "ipvsadm -A -t 192.168.100.1:18080 -s fo failed: Scheduler or persistence engine not found (will retry)"
	d.waitLog(refused, 5*time.Second)
	time.Sleep(3 * time.Second) // retries at 0.25, 0.75, 1.75 s: all refused
	if out := ipvsTable(); out != "" {
		t.Fatalf("the kernel took the virtual without its scheduler:\n%s", out)
	}
	if n := d.count(refused); n != 1 {
		t.Fatalf("the refusal logged %d times", n)
	}
	if got := d.metric("lvs_reconcile_errors_total"); got < 3 {
		t.Errorf("lvs_reconcile_errors_total = %v after the retries, want at least 3", got)
	}
	if out, err := exec.Command("insmod", ko).CombinedOutput(); err != nil {
		t.Fatalf("insmod %s: %v\n%s", ko, err, out)
	}
	loaded := time.Now()
	want := "-A -t 192.168.100.1:18080 -s fo\n" +
		"-a -t 192.168.100.1:18080 -r 127.1.0.1:18080 -g -w 2\n" +
		"-a -t 192.168.100.1:18080 -r 127.1.0.2:18080 -g -w 2\n"
	waitTable(t, "the virtual and its reals", 20*time.Second, func() bool { return ipvsTable() == want })
	t.Logf("held %s after the module was loaded", time.Since(loaded).Round(10*time.Millisecond))
	if n := d.count("Added virtual server: 192.168.100.1:18080"); n != 1 {
		t.Errorf("\"Added virtual server\" logged %d times", n)
	}
	if n := d.count(refused); n != 1 {
		t.Errorf("the refusal logged %d times", n)
	}
	if got := d.metric("lvs_reconcile_retries_total"); got < 3 {
		t.Errorf("lvs_reconcile_retries_total = %v, want at least 3", got)
	}
	if got := d.metric("lvs_reconcile_pending"); got != 0 {
		t.Errorf("lvs_reconcile_pending = %v once held", got)
	}
}

// statusDrift is the daemon's drift as `lvsctl status --json` shows it.
func statusDrift(t *testing.T, cfgName string) []string {
	t.Helper()
	code, out, errOut := lvsctlStatus(t, "--json", cfgName)
	if code != 0 {
		t.Fatalf("status: exit %d %q", code, errOut)
	}
	var doc cli.JSONStatus
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	return doc.Directors[0].Virtuals[0].Drift
}

// Someone else's changes, by Debian's ipvsadm: a weight set by hand and
// a flush of the table are reported (log, status, metric) and left as
// they are by default, as ldirectord leaves them; with resync = yes the
// flushed table is put back within one checkinterval, and a virtual the
// daemon does not manage is never touched.
func TestFaultDriftReportedAndResynced(t *testing.T) {
	reals := farmReals(2)
	f := newFarm(t)
	f.up(reals...)
	const header = "checkinterval=1\nchecktimeout=1\nquiescent=yes\n"
	d := newFaultDaemon(t, "faults-drift.cf", farmConfig(header, 1, reals, 2))
	d.metrics = "127.0.0.1:9812"
	d.start()
	full := "-A -t 192.168.100.1:18080 -s wrr\n" +
		"-a -t 192.168.100.1:18080 -r 127.1.0.1:18080 -g -w 2\n" +
		"-a -t 192.168.100.1:18080 -r 127.1.0.2:18080 -g -w 2\n"
	waitTable(t, "both reals up", 10*time.Second, func() bool { return ipvsTable() == full })

	sh(t, "/sbin/ipvsadm -e -t 192.168.100.1:18080 -r 127.1.0.1:18080 -g -w 0")
	weightLine := "Drift: real server 127.1.0.1:18080 (192.168.100.1:18080): -g -w 0 in the table, want -g -w 2"
	d.waitLog(weightLine, 3*time.Second)
	time.Sleep(2 * time.Second)
	if !strings.Contains(ipvsTable(), "-r 127.1.0.1:18080 -g -w 0\n") || d.count(weightLine) != 1 {
		t.Fatalf("resync=no: the manual weight was undone or reported twice:\n%s", ipvsTable())
	}
	if got := statusDrift(t, "faults-drift.cf"); len(got) != 1 || got[0] != strings.TrimPrefix(weightLine, "Drift: ") {
		t.Errorf("status drift %q", got)
	}
	if got := d.metric("lvs_drift_entries"); got != 1 {
		t.Errorf("lvs_drift_entries = %v, want 1", got)
	}

	sh(t, "/sbin/ipvsadm -C")
	flushLine := "Drift: virtual server 192.168.100.1:18080: not in the table"
	d.waitLog(flushLine, 3*time.Second)
	time.Sleep(2 * time.Second)
	if out := ipvsTable(); out != "" || d.count(flushLine) != 1 {
		t.Fatalf("resync=no: the flush was undone or reported twice:\n%s", out)
	}

	// resync = yes: the reload puts the table back; a later flush is put
	// back by the daemon within one checkinterval.
	d.write("resync=yes\n" + farmConfig(header, 1, reals, 2))
	if _, errOut, code := d.run("reload"); code != 0 {
		t.Fatalf("reload: exit %d %q", code, errOut)
	}
	waitTable(t, "the reload's table", 10*time.Second, func() bool { return ipvsTable() == full })
	time.Sleep(1500 * time.Millisecond)
	// (the start and the reload added it too)
	added := d.count("Added virtual server: 192.168.100.1:18080")
	sh(t, "/sbin/ipvsadm -C; /sbin/ipvsadm -A -t 192.168.100.9:80 -s rr; /sbin/ipvsadm -a -t 192.168.100.9:80 -r 10.0.0.9:80 -g")
	flushed := time.Now()
	unmanaged := "-A -t 192.168.100.9:80 -s rr\n-a -t 192.168.100.9:80 -r 10.0.0.9:80 -g -w 1\n"
	waitTable(t, "the flushed virtual put back", 5*time.Second, func() bool { return ipvsTable() == full+unmanaged })
	if took := time.Since(flushed); took > 1500*time.Millisecond { // checkinterval and a margin
		t.Errorf("put back %s after the flush, checkinterval is 1 s", took)
	}
	if d.count(flushLine) != 2 || d.count("Added virtual server: 192.168.100.1:18080") != added+1 {
		t.Errorf("log:\n%s", tail(d.logText(), 20))
	}
	sh(t, "/sbin/ipvsadm -d -t 192.168.100.1:18080 -r 127.1.0.2:18080")
	waitTable(t, "the deleted real put back", 3*time.Second, func() bool { return ipvsTable() == full+unmanaged })
	if got := d.metric("lvs_drift_repairs_total"); got < 3 {
		t.Errorf("lvs_drift_repairs_total = %v", got)
	}
}

// readdquiescent on the real kernel: with quiescent and readdquiescent, a real
// in maintenance is at weight 0; Debian's ipvsadm deletes it; the daemon
// puts it back at weight 0 within a check interval, with ldirectord's log
// line. A real whose check fails, deleted the same way, stays deleted.
func TestFaultReaddQuiescentMaintenance(t *testing.T) {
	reals := farmReals(3)
	f := newFarm(t)
	f.up(reals...)
	maint := "/tmp/faults-maint"
	ensureDir(t, maint)
	d := newFaultDaemon(t, "faults-readd.cf", farmConfig("checkinterval=1\nchecktimeout=1\nquiescent=yes\nreaddquiescent=yes\nmaintenancedir="+maint+"\n", 1, reals, 3))
	d.start()
	k := openKernel(t)
	r1, r2, r3 := vipReal(1, reals[0]), vipReal(1, reals[1]), vipReal(1, reals[2])
	waitTable(t, "all up", 10*time.Second, func() bool {
		w := k.weights()
		return w[r1] == 3 && w[r2] == 3 && w[r3] == 3
	})
	if err := os.WriteFile(filepath.Join(maint, reals[2]+":18080"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	waitTable(t, "real 3 in maintenance at weight 0", 5*time.Second, func() bool { return k.weights()[r3] == 0 })
	readd := "Readd Quiescent real server: " + reals[2] + ":18080 (192.168.100.1:18080) (Weight set to 0)"
	readds := d.count(readd) // (the start's, into an empty table)
	sh(t, "/sbin/ipvsadm -d -t 192.168.100.1:18080 -r "+reals[2]+":18080")
	deleted := time.Now()
	waitTable(t, "real 3 back at weight 0", 5*time.Second, func() bool {
		w, ok := k.weights()[r3]
		return ok && w == 0
	})
	if took := time.Since(deleted); took > 2*time.Second { // a check interval and a margin
		t.Errorf("back %s after the delete, checkinterval is 1 s", took)
	}
	deadline := time.Now().Add(time.Second)
	for d.count(readd) == readds && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}

	// A failing real deleted by hand stays deleted.
	f.down(reals[1])
	waitTable(t, "real 2 quiesced", 5*time.Second, func() bool { return k.weights()[r2] == 0 })
	sh(t, "/sbin/ipvsadm -d -t 192.168.100.1:18080 -r "+reals[1]+":18080")
	time.Sleep(3 * time.Second)
	if _, ok := k.weights()[r2]; ok {
		t.Errorf("the failing real was added back:\n%s", ipvsTable())
	}
	if n := d.count(readd) - readds; n != 1 {
		t.Errorf("%q logged %d times after the delete", readd, n)
	}
}

// What the daemon reads back of every kind of virtual it writes equals
// what it wants: persistence with a netmask, one-packet scheduling,
// scheduler flags, firewall marks, IPv6. Sweeps find no drift there, and
// with resync = yes write nothing.
func TestFaultNoFalseDrift(t *testing.T) {
	reals := farmReals(1)
	f := newFarm(t)
	f.up(reals...)
	d := newFaultDaemon(t, "faults-nodrift.cf", `checkinterval=1
checktimeout=1
quiescent=yes
resync=yes

virtual=192.168.100.1:18080
	real=127.1.0.1:18080 gate 2
	real=127.1.0.9:18080 masq 3
	checktype=connect
	persistent=600
	netmask=255.255.255.0

virtual=192.168.100.2:53
	protocol=udp
	ops=yes
	real=127.1.0.1:53 masq
	checktype=on

virtual=192.168.100.3:18080
	scheduler=sh
	schedflags=sh-port
	real=127.1.0.1:18080 gate
	checktype=connect
	fallback=127.0.0.1:18080

virtual=7
	real=127.1.0.1 gate
	checktype=on
	persistent=300

virtual6=[2001:db8::1]:80
	real6=[2001:db8::2]:80 masq 2 l:5 u:10
	checktype=on
	persistent=100
	netmask=64
`)
	d.metrics = "127.0.0.1:9814"
	d.start()
	time.Sleep(5 * time.Second) // five sweeps
	table := ipvsTable()
	time.Sleep(3 * time.Second)
	for _, l := range d.logLines() {
		if strings.HasPrefix(l, "Drift: ") || strings.Contains(l, " failed: ") {
			t.Errorf("log: %s", l)
		}
	}
	if got := ipvsTable(); got != table {
		t.Errorf("the table changed without a cause:\n%s\nthen:\n%s", table, got)
	}
	before := d.metric("lvs_reconcile_writes_total")
	time.Sleep(3 * time.Second)
	if after := d.metric("lvs_reconcile_writes_total"); after != before {
		t.Errorf("%v writes in three sweeps of an unchanged table", after-before)
	}
	if got := d.metric("lvs_drift_entries"); got != 0 {
		t.Errorf("lvs_drift_entries = %v", got)
	}
	t.Logf("table:\n%s", table)
}
