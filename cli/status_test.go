package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/lvsctl/lvsctl/director"
	"github.com/lvsctl/lvsctl/internal/daemon"
	"github.com/lvsctl/lvsctl/internal/testutil"
	"github.com/lvsctl/lvsctl/ipvsctl"
	"github.com/lvsctl/lvsctl/ldconf"
)

func runStatusCmd(runDir string, args ...string) (int, string, string) {
	tf := newTestFactory()
	tf.RunDir = runDir
	code := tf.run(newCmdStatus(tf.Factory, nil), args...)
	return code, tf.out.String(), tf.errOut.String()
}

// fakeLdirectord is a process whose command line says ldirectord, so a
// pid file naming it counts as running.
func fakeLdirectord(t *testing.T) int {
	t.Helper()
	pid, _ := startFakeLdirectord(t)
	return pid
}

// startFakeLdirectord is fakeLdirectord with a channel closed when the
// process has ended. Start returns once the exec is under way, a moment
// before the kernel shows the new command line: the pid is returned once
// it does.
func startFakeLdirectord(t *testing.T) (int, <-chan struct{}) {
	t.Helper()
	cmd := &exec.Cmd{Path: "/bin/sleep", Args: []string{"ldirectord", "60"}}
	if err := cmd.Start(); err != nil {
		t.Skip(err)
	}
	exited := make(chan struct{})
	go func() {
		cmd.Wait()
		close(exited)
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-exited
	})
	cmdline := fmt.Sprintf("/proc/%d/cmdline", cmd.Process.Pid)
	testutil.WaitFor(t, 5*time.Second, func() bool {
		b, _ := os.ReadFile(cmdline)
		return strings.HasPrefix(string(b), "ldirectord\x00")
	}, func() string { return cmdline + " to say ldirectord" })
	return cmd.Process.Pid, exited
}

func writePid(t *testing.T, runDir, cfgName string, pid int) {
	t.Helper()
	if err := os.WriteFile(daemon.PidPath(runDir, cfgName), fmt.Appendf(nil, "%d\n", pid), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestStatusNoDirector(t *testing.T) {
	run := t.TempDir()
	code, out, errOut := runStatusCmd(run)
	if code != 3 || out != "" || errOut != "lvsctl status: no director running (no pid file "+run+"/ldirectord.*.pid)\n" {
		t.Errorf("none: exit %d, %q, %q", code, out, errOut)
	}
	code, out, errOut = runStatusCmd(run, "--json", "/etc/ha.d/site.cf")
	if code != 3 || out != "" || errOut != "lvsctl status: no director running for site.cf (no pid file "+run+"/ldirectord.site.cf.pid)\n" {
		t.Errorf("named: exit %d, %q, %q", code, out, errOut)
	}
	writePid(t, run, "site.cf", 999999999)
	code, out, errOut = runStatusCmd(run)
	if code != 1 || out != "" || errOut != "lvsctl status: stale pid file "+run+"/ldirectord.site.cf.pid: no director running for site.cf\n" {
		t.Errorf("stale: exit %d, %q, %q", code, out, errOut)
	}
	// A running daemon without a socket (Debian's ldirectord).
	writePid(t, run, "site.cf", fakeLdirectord(t))
	code, out, errOut = runStatusCmd(run, "site.cf")
	if code != 4 || out != "" || !strings.Contains(errOut, "does not answer") || !strings.Contains(errOut, "no status socket") {
		t.Errorf("no socket: exit %d, %q, %q", code, out, errOut)
	}
	if code, _, errOut := runStatusCmd(run, "a", "b"); code != 2 || errOut != "lvsctl status: unexpected arguments [\"b\"]\n" {
		t.Errorf("usage: exit %d, %q", code, errOut)
	}
	if code, _, _ := runStatusCmd(run, "--frob"); code != 2 {
		t.Errorf("bad flag: exit %d", code)
	}
}

// statusDaemon runs the ldirectord personality's daemon in this process
// against the fake IPVS, with its status socket in lt's run directory
// and a pid file naming a process that looks like ldirectord.
func statusDaemon(t *testing.T, lt *ldTest, cfgName string) {
	t.Helper()
	var out, errOut testutil.SyncBuffer
	f := lt.factory(&out, &errOut)
	r := &ldRun{argv0: "ldirectord", f: f, ios: f.IOStreams, config: cfgName, cfgName: cfgName}
	r.log = director.NewLogger(&out, &errOut, cfgName)
	r.pidFile = daemon.PidFile{Path: daemon.PidPath(f.RunDir, cfgName)}
	path, err := ldconf.Resolve(cfgName, r.ldconfOptions()...)
	if err != nil {
		t.Fatal(err)
	}
	r.path = path
	if _, ok := r.load(); !ok {
		t.Fatalf("load: %s", errOut.String())
	}
	writePid(t, f.RunDir, cfgName, fakeLdirectord(t))
	done := make(chan int, 1)
	go func() { done <- r.serve(r.pidFile) }()
	t.Cleanup(func() {
		lt.stop <- "TERM"
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Error("daemon did not stop")
		}
	})
}

const statusCfg = "checktimeout=1\nquiescent=yes\n" +
	"virtual=192.168.100.1:80\n\treal=10.0.0.2:80 gate 3\n\treal=10.0.0.3:8080 masq\n\tchecktype=on\n\tfallback=127.0.0.1:80\n\n" +
	"virtual=192.168.100.2:80\n\treal=127.0.0.1:1 masq 2\n\tchecktype=connect\n\tscheduler=rr\n\tpersistent=300\n"

func TestStatusFromRunningDaemon(t *testing.T) {
	lt := newLdTest(t)
	lt.config("site.cf", statusCfg)
	statusDaemon(t, lt, "site.cf")
	run := lt.f.RunDir
	// Wait for every real's first check.
	var doc JSONStatus
	deadline := time.Now().Add(10 * time.Second)
	for {
		code, out, errOut := runStatusCmd(run, "--json")
		if code == 0 {
			doc = JSONStatus{}
			dec := json.NewDecoder(strings.NewReader(out))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&doc); err != nil {
				t.Fatalf("decode: %v\n%s", err, out)
			}
			checked := 0
			for _, v := range doc.Directors[0].Virtuals {
				for _, r := range v.Reals {
					if r.LastCheck != nil {
						checked++
					}
				}
			}
			if checked == 3 {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no full status: exit %d\n%s\n%s", code, out, errOut)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if doc.SchemaVersion != 1 || len(doc.Directors) != 1 {
		t.Fatalf("%+v", doc)
	}
	d := doc.Directors[0]
	if d.Config != filepath.Join(lt.dir, "ha", "site.cf") || d.PID != os.Getpid() || len(d.Virtuals) != 2 {
		t.Fatalf("director %+v", d)
	}
	v1, v2 := d.Virtuals[0], d.Virtuals[1]
	if v1.Name != "192.168.100.1:80" || *v1.Protocol != "tcp" || *v1.Address != "192.168.100.1" || v1.Port != 80 ||
		v1.Scheduler != "wrr" || v1.Persistent || len(v1.Reals) != 2 {
		t.Errorf("virtual 1 %+v", v1)
	}
	if v1.Fallback == nil || v1.Fallback.Address != "127.0.0.1" || v1.Fallback.Port != 80 || v1.Fallback.Active {
		t.Errorf("fallback %+v", v1.Fallback)
	}
	r := v1.Reals[0]
	if r.Address != "10.0.0.2" || r.Port != 80 || r.Forward != "route" || r.Weight != 3 || r.State != "up" ||
		r.KernelWeight == nil || *r.KernelWeight != 3 || r.Failures != 0 || r.LatencySeconds == nil || *r.LatencySeconds < 0 ||
		time.Since(*r.LastCheck) > time.Minute || r.Reason == nil || *r.Reason != "checktype on" {
		t.Errorf("real 1 %+v", r)
	}
	if r := v1.Reals[1]; r.Address != "10.0.0.3" || r.Port != 8080 || r.Forward != "masq" || r.Weight != 1 || r.State != "up" {
		t.Errorf("real 2 %+v", r)
	}
	if v2.Name != "192.168.100.2:80" || v2.Scheduler != "rr" || !v2.Persistent || v2.PersistenceTimeout != 300 || v2.Fallback != nil {
		t.Errorf("virtual 2 %+v", v2)
	}
	// Refused connection: down, quiesced (quiescent=yes), with a reason.
	r = v2.Reals[0]
	if r.State != "down" || r.Weight != 2 || r.KernelWeight == nil || *r.KernelWeight != 0 || r.Failures < 1 ||
		r.Reason == nil || *r.Reason == "" || r.Timeout {
		t.Errorf("down real %+v (reason %v)", r, r.Reason)
	}

	// The same view for people.
	code, out, errOut := runStatusCmd(run, "site.cf")
	if code != 0 || errOut != "" {
		t.Fatalf("table: exit %d, %q", code, errOut)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if lines[0] != "Director for "+d.Config+fmt.Sprintf(", pid %d", os.Getpid()) {
		t.Errorf("first line %q", lines[0])
	}
	for _, want := range []string{
		"│       VIRTUAL        │     REAL      │   FWD    │  STATE  │ WEIGHT │ KERNEL │ FAILS │ LAST CHECK │ LATENCY │",
		"│ tcp 192.168.100.1:80 │ 10.0.0.2:80   │ gate     │ up      │ 3      │ 3      │ 0     │ ",
		"│ tcp 192.168.100.1:80 │ 127.0.0.1:80  │ fallback │ standby │ 1      │ -      │ -     │ -          │ -       │",
		"│ tcp 192.168.100.2:80 │ 127.0.0.1:1   │ masq     │ down    │ 2      │ 0      │ ",
		"│ connect 127.0.0.1:1: connection refused │",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
}

func TestStatusJSONNullsAndEmptyLists(t *testing.T) {
	lt := newLdTest(t)
	// checktype=off: never checked, never in the table.
	lt.config("off.cf", "virtual=192.168.100.3:80\n\treal=10.0.0.4:80 gate\n\tchecktype=off\n")
	statusDaemon(t, lt, "off.cf")
	// past the first round (within a second of the start): an off real
	// is still shown as never checked
	time.Sleep(1500 * time.Millisecond)
	var code int
	var out string
	deadline := time.Now().Add(10 * time.Second)
	for code, out, _ = runStatusCmd(lt.f.RunDir, "--json", "off.cf"); code != 0; code, out, _ = runStatusCmd(lt.f.RunDir, "--json", "off.cf") {
		if time.Now().After(deadline) {
			t.Fatalf("exit %d", code)
		}
		time.Sleep(50 * time.Millisecond)
	}
	var raw map[string]any
	if err := json.Unmarshal([]byte(out), &raw); err != nil {
		t.Fatal(err)
	}
	v := raw["directors"].([]any)[0].(map[string]any)["virtuals"].([]any)[0].(map[string]any)
	real := v["reals"].([]any)[0].(map[string]any)
	for _, k := range []string{"kernel_weight", "reason", "latency_seconds", "last_check", "drift"} {
		if val, ok := real[k]; !ok || val != nil {
			t.Errorf("%s = %v (present %v), want null", k, val, ok)
		}
	}
	if real["state"] != "down" || real["weight"] != float64(1) || real["failures"] != float64(0) {
		t.Errorf("real %v", real)
	}
	if f, ok := v["fallback"]; !ok || f != nil {
		t.Errorf("fallback %v", f)
	}
	if d, ok := v["drift"].([]any); !ok || len(d) != 0 {
		t.Errorf("drift %v, want []", v["drift"])
	}
	if sf, ok := v["sched_flags"].([]any); !ok || len(sf) != 0 {
		t.Errorf("sched_flags %v", v["sched_flags"])
	}
	if !strings.HasPrefix(out, "{\n  \"schema_version\": 1,\n  \"directors\": [\n") {
		t.Errorf("layout:\n%s", out)
	}
}

// A daemon that cannot build its answer is reported, not shown empty.
func TestStatusSilentSocket(t *testing.T) {
	lt := newLdTest(t)
	run := lt.f.RunDir
	writePid(t, run, "x.cf", fakeLdirectord(t))
	stop, err := daemon.ServeStatus(daemon.SocketPath(run, "x.cf"), func(ctx context.Context) (director.Snapshot, error) {
		return director.Snapshot{}, errors.New("busy")
	})
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	code, out, errOut := runStatusCmd(run, "x.cf")
	if code != 4 || out != "" || !strings.Contains(errOut, "lvsctl status: director for x.cf (pid ") {
		t.Errorf("exit %d, %q, %q", code, out, errOut)
	}
}

// Drift the daemon finds (a weight set by hand, an unconfigured real) is
// in the JSON and in the table's Drift column and rows.
func TestStatusShowsDrift(t *testing.T) {
	lt := newLdTest(t)
	lt.config("drift.cf", "checkinterval=1\nvirtual=192.168.100.1:80\n\treal=10.0.0.2:80 gate 3\n\tchecktype=on\n")
	statusDaemon(t, lt, "drift.cf")
	s := ipvsctl.Service{Family: ipvsctl.AFInet, Protocol: ipvsctl.ProtoTCP, Address: netip.MustParseAddr("192.168.100.1"), Port: 80}
	testutil.WaitFor(t, 10*time.Second, func() bool { return strings.Contains(lt.fake.Dump(), "-r 10.0.0.2:80 -g -w 3") },
		func() string { return "10.0.0.2 up" })
	if err := lt.fake.UpdateDestination(&s, &ipvsctl.Destination{Family: ipvsctl.AFInet, Address: netip.MustParseAddr("10.0.0.2"), Port: 80, FwdMethod: ipvsctl.FwdRoute, Weight: 9}); err != nil {
		t.Fatal(err)
	}
	if err := lt.fake.AddDestination(&s, &ipvsctl.Destination{Family: ipvsctl.AFInet, Address: netip.MustParseAddr("10.0.0.9"), Port: 80, FwdMethod: ipvsctl.FwdRoute, Weight: 1}); err != nil {
		t.Fatal(err)
	}
	var doc JSONStatus
	testutil.WaitFor(t, 10*time.Second, func() bool {
		code, out, _ := runStatusCmd(lt.f.RunDir, "--json", "drift.cf")
		doc = JSONStatus{}
		return code == 0 && json.Unmarshal([]byte(out), &doc) == nil && len(doc.Directors[0].Virtuals[0].Drift) == 2
	}, func() string { return "the drift in the status" })
	v := doc.Directors[0].Virtuals[0]
	want := []string{"real server 10.0.0.2:80 (192.168.100.1:80): -g -w 9 in the table, want -g -w 3",
		"real server 10.0.0.9:80 (192.168.100.1:80): -g -w 1 in the table, not in the configuration"}
	if strings.Join(v.Drift, "\n") != strings.Join(want, "\n") {
		t.Errorf("drift %q, want %q", v.Drift, want)
	}
	if r := v.Reals[0]; r.Drift == nil || *r.Drift != "-g -w 9 in the table, want -g -w 3" || *r.KernelWeight != 9 {
		t.Errorf("real %+v", r)
	}
	code, out, _ := runStatusCmd(lt.f.RunDir, "drift.cf")
	if code != 0 {
		t.Fatalf("table: exit %d", code)
	}
	for _, want := range []string{
		" LATENCY │    REASON    │                     DRIFT                      │\n",
		"│ tcp 192.168.100.1:80 │ 10.0.0.2:80 │ gate │ up    │ 3      │ 9      │ 0     │ ",
		"│ checktype on │ -g -w 9 in the table, want -g -w 3             │\n",
		"│ tcp 192.168.100.1:80 │ 10.0.0.9:80 │ real │ -     │ -      │ -      │ -     │ -          │ -       │              │ -g -w 1 in the table, not in the configuration │\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
}

// startLockHolder starts a process that holds the lock of the pid file
// at pidPath, as a daemon of ours does, with its pid in the lock and pid
// files; ignoreTERM makes it outlive a stop. The channel is closed when
// it has ended.
func startLockHolder(t *testing.T, pidPath string, ignoreTERM bool) (int, <-chan struct{}) {
	t.Helper()
	pf := daemon.PidFile{Path: pidPath}
	lock, err := pf.Lock()
	if err != nil {
		t.Fatal(err)
	}
	script := "echo ready; exec sleep 60"
	if ignoreTERM {
		script = "trap '' TERM; echo ready; while :; do sleep 1; done"
	}
	cmd := exec.Command("sh", "-c", script)
	cmd.ExtraFiles = []*os.File{lock}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	ready, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Skip(err)
	}
	// Its trap is set once it says so.
	if _, err := bufio.NewReader(ready).ReadString('\n'); err != nil {
		t.Fatal(err)
	}
	if err := daemon.SetLockPID(lock, cmd.Process.Pid); err != nil {
		t.Fatal(err)
	}
	lock.Close() // the child's descriptor holds it now
	if err := pf.Write(cmd.Process.Pid); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() {
		cmd.Wait()
		close(exited)
	}()
	t.Cleanup(func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-exited
	})
	return cmd.Process.Pid, exited
}
