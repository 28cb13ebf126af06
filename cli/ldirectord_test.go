package cli

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lvsctl/lvsctl/internal/daemon"
	"github.com/lvsctl/lvsctl/internal/testutil"
	"github.com/lvsctl/lvsctl/ipvsctl"
	"github.com/lvsctl/lvsctl/ipvsctl/ipvstest"
)

// ldTest is one ldirectord invocation environment: a private /etc/ha.d,
// run directory and log file, a fake IPVS, a recorder of the daemons
// started, and the stop signal in the test's hands.
type ldTest struct {
	t        *testing.T
	dir      string
	f        *Factory
	fake     *ipvstest.Fake
	stop     chan string
	mu       sync.Mutex
	spawns   [][]string
	settings []daemon.Settings
}

func newLdTest(t *testing.T) *ldTest {
	t.Helper()
	dir := t.TempDir()
	for _, d := range []string{"ha", "run"} {
		if err := os.Mkdir(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	lt := &ldTest{t: t, dir: dir, fake: ipvstest.NewFake(), stop: make(chan string, 1)}
	lt.f = NewFactory(&IOStreams{})
	lt.f.RunDir, lt.f.HADir = filepath.Join(dir, "run"), filepath.Join(dir, "ha")
	lt.f.LogFile = filepath.Join(dir, "default.log")
	lt.f.OpenIPVS = func() (ipvsctl.Client, error) { return lt.fake, nil }
	lt.f.Spawn = func(argv []string, s daemon.Settings) error {
		lt.mu.Lock()
		defer lt.mu.Unlock()
		if s.Lock == nil {
			t.Error("the start did not hand its lock to the daemon")
		}
		s.Lock = nil
		lt.spawns = append(lt.spawns, argv)
		lt.settings = append(lt.settings, s)
		return nil
	}
	lt.f.Signals = func(ctx context.Context) (<-chan string, <-chan struct{}, func()) {
		return lt.stop, make(chan struct{}), func() {}
	}
	return lt
}

// factory is lt's Factory writing to out and errOut.
func (lt *ldTest) factory(out, errOut io.Writer) *Factory {
	f := *lt.f
	f.IOStreams = &IOStreams{In: strings.NewReader(""), Out: out, ErrOut: errOut}
	return &f
}

// config writes /etc/ha.d/NAME (logfile in the test directory).
func (lt *ldTest) config(name, body string) string {
	lt.t.Helper()
	p := filepath.Join(lt.dir, "ha", name)
	body = fmt.Sprintf("logfile=\"%s/ld.log\"\n", lt.dir) + body
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		lt.t.Fatal(err)
	}
	return p
}

func (lt *ldTest) run(args ...string) (int, string, string) {
	var out, errOut bytes.Buffer
	code := LdirectordMain(append([]string{"/usr/sbin/ldirectord"}, args...), lt.factory(&out, &errOut))
	return code, out.String(), errOut.String()
}

func (lt *ldTest) pidPath(cfg string) string {
	return filepath.Join(lt.f.RunDir, "ldirectord."+cfg+".pid")
}

const ldGood = "virtual=192.168.100.1:80\n\treal=10.0.0.2:80 gate\n\tchecktype=on\n"

func TestLdUsageAndVersion(t *testing.T) {
	lt := newLdTest(t)
	for _, args := range [][]string{{}, {"foo"}, {"foo", "bar", "baz"}, {"cfg", "-d", "start"}} {
		code, out, _ := lt.run(args...)
		if code != 255 || !strings.HasPrefix(out, "Usage:\n    ldirectord [-d|--debug] [--] [configfile] start | stop | restart |\n") {
			t.Errorf("%q: exit %d, stdout %q", args, code, out)
		}
	}
	code, out, errOut := lt.run("-x")
	if code != 255 || errOut != "Unknown option: x\n" || !strings.HasPrefix(out, "Usage:") {
		t.Errorf("-x: %d %q %q", code, out, errOut)
	}
	code, _, errOut = lt.run("--frob", "status")
	if code != 255 || errOut != "Unknown option: frob\n" {
		t.Errorf("--frob: %d %q", code, errOut)
	}
	code, out, _ = lt.run("-v")
	if code != 0 || out != ldVersion || strings.Count(out, "\n") != 7 {
		t.Errorf("-v: %d %q", code, out)
	}
	code, out, _ = lt.run("-dv")
	if code != 0 || out != ldVersion {
		t.Errorf("-dv (bundling): %d %q", code, out)
	}
}

func TestLdConfigNotFound(t *testing.T) {
	lt := newLdTest(t)
	code, out, errOut := lt.run("nope.cf", "status")
	if code != 1 || out != "" || errOut != "Config file nope.cf not found\n" {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	log, _ := os.ReadFile(lt.f.LogFile)
	if !strings.Contains(string(log), "|nope.cf|") || !strings.Contains(string(log), "] Exiting with exit_status 1: Initialisation Error\n") {
		t.Errorf("log:\n%s", log)
	}
}

func TestLdStatusStoppedStaleAndRunning(t *testing.T) {
	lt := newLdTest(t)
	path := lt.config("site.cf", ldGood)
	code, out, errOut := lt.run("site.cf", "status")
	if code != 3 || out != "ldirectord is stopped for "+path+"\n" || errOut != "" {
		t.Errorf("stopped: %d %q %q", code, out, errOut)
	}
	// An empty pid file is not stale (no first line).
	os.WriteFile(lt.pidPath("site.cf"), nil, 0o644)
	if code, _, _ := lt.run("site.cf", "status"); code != 3 {
		t.Errorf("empty pid file: exit %d", code)
	}
	os.WriteFile(lt.pidPath("site.cf"), []byte("999999999\n"), 0o644)
	code, out, errOut = lt.run("site.cf", "status")
	wantErr := "ldirectord stale pid file " + lt.pidPath("site.cf") + " for " + path + "\n"
	if code != 1 || out != "ldirectord is stopped for "+path+"\n" || errOut != wantErr {
		t.Errorf("stale: %d %q %q", code, out, errOut)
	}
	if _, err := os.Stat(lt.pidPath("site.cf")); err != nil {
		t.Error("status removed a stale pid file")
	}
	// A daemon holding the pid file's lock runs: start leaves it, stop
	// sends it TERM and waits for its end.
	pid, exited := startLockHolder(t, lt.pidPath("site.cf"), false)
	code, out, errOut = lt.run("site.cf", "status")
	if code != 0 || out != "" || errOut != fmt.Sprintf("ldirectord for %s is running with pid: %d\n", path, pid) {
		t.Errorf("running: %d %q %q", code, out, errOut)
	}
	if code, _, _ := lt.run("site.cf", "start"); code != 0 || len(lt.spawns) != 0 {
		t.Errorf("start while running: exit %d, spawned %v", code, lt.spawns)
	}
	if code, _, errOut := lt.run("site.cf", "stop"); code != 0 || errOut != "" {
		t.Errorf("stop while running: exit %d %q", code, errOut)
	}
	select {
	case <-exited:
	default:
		t.Error("stop returned before the daemon ended")
	}
	log, _ := os.ReadFile(filepath.Join(lt.dir, "ld.log"))
	if strings.Contains(string(log), "] ldirectord is stopped for ") {
		t.Errorf("a stop that worked logs a line ldirectord does not:\n%s", log)
	}
}

// A pid is not a daemon: after a kill -9 the pid file stays and its pid
// may be any process's, even one whose command line says ldirectord.
// Liveness is the lock the daemon held, or (a pid file the lock does not
// cover, Debian's ldirectord's) a process that started no later than the
// file was written.
func TestLdReusedPidIsNotRunning(t *testing.T) {
	lt := newLdTest(t)
	path := lt.config("site.cf", ldGood)
	stale := func(pid int) {
		t.Helper()
		os.WriteFile(lt.pidPath("site.cf"), []byte(fmt.Sprintf("%d\n", pid)), 0o644)
		old := time.Now().Add(-time.Hour) // written by a daemon long gone
		if err := os.Chtimes(lt.pidPath("site.cf"), old, old); err != nil {
			t.Fatal(err)
		}
	}
	// The pid went to a process started after the file was written.
	pid, exited := startFakeLdirectord(t)
	stale(pid)
	if code, _, errOut := lt.run("site.cf", "status"); code != 1 || !strings.Contains(errOut, "stale pid file") {
		t.Errorf("reused pid: status %d %q", code, errOut)
	}
	if code, _, _ := lt.run("site.cf", "stop"); code != 0 {
		t.Errorf("stop: exit %d", code)
	}
	if code, _, errOut := lt.run("site.cf", "start"); code != 0 || len(lt.spawns) != 1 {
		t.Errorf("start: exit %d %q, spawned %v", code, errOut, lt.spawns)
	}
	stale(pid)
	if code, _, _ := lt.run("site.cf", "restart"); code != 0 || len(lt.spawns) != 2 {
		t.Errorf("restart: exit %d, spawned %v", code, lt.spawns)
	}
	select {
	case <-exited:
		t.Fatal("stop or restart signalled the process that has the pid now")
	case <-time.After(200 * time.Millisecond):
	}
	// A daemon of ours killed: its pid in the lock file, the lock free.
	// The pid is alive (this test) and older than the file: still stale.
	os.WriteFile(lt.pidPath("site.cf"), []byte(fmt.Sprintf("%d\n", os.Getpid())), 0o644)
	os.WriteFile(lt.pidPath("site.cf")+".lock", []byte(fmt.Sprintf("%d\n", os.Getpid())), 0o644)
	if code, _, _ := lt.run("site.cf", "status"); code != 1 {
		t.Errorf("our killed daemon's pid file: status %d, want 1 (stale)", code)
	}
	// Debian's ldirectord (no lock of ours) that wrote its pid file after
	// it started runs, whatever its command line.
	os.Remove(lt.pidPath("site.cf") + ".lock")
	sleeper := exec.Command("sleep", "60")
	if err := sleeper.Start(); err != nil {
		t.Skip(err)
	}
	t.Cleanup(func() { sleeper.Process.Kill(); sleeper.Wait() })
	time.Sleep(20 * time.Millisecond)
	os.WriteFile(lt.pidPath("site.cf"), []byte(fmt.Sprintf("%d\n", sleeper.Process.Pid)), 0o644)
	code, _, errOut := lt.run("site.cf", "status")
	if want := fmt.Sprintf("ldirectord for %s is running with pid: %d\n", path, sleeper.Process.Pid); code != 0 || errOut != want {
		t.Errorf("a daemon without our lock: status %d %q", code, errOut)
	}
}

// stop waits for the daemon's end with a bound, and says so when it is
// not over.
func TestLdStopWaitIsBounded(t *testing.T) {
	lt := newLdTest(t)
	path := lt.config("site.cf", ldGood)
	lt.f.StopWait = 300 * time.Millisecond
	pid, _ := startLockHolder(t, lt.pidPath("site.cf"), true)
	start := time.Now()
	code, _, errOut := lt.run("site.cf", "stop")
	want := fmt.Sprintf("ldirectord for %s is running with pid: %d (still, 300ms after SIGTERM)\n", path, pid)
	if code != 1 || errOut != want {
		t.Errorf("stop of a daemon that does not end: exit %d %q, want 1 %q", code, errOut, want)
	}
	if d := time.Since(start); d < 300*time.Millisecond || d > 3*time.Second {
		t.Errorf("stop took %v", d)
	}
	if code, _, _ := lt.run("site.cf", "restart"); code != 1 || len(lt.spawns) != 0 {
		t.Errorf("restart: exit %d, spawned %v: want 1 and no second daemon", code, lt.spawns)
	}
}

func TestLdNotRunningActions(t *testing.T) {
	lt := newLdTest(t)
	lt.config("site.cf", ldGood)
	for action, want := range map[string]int{"stop": 0, "try-restart": 0, "reload": 1, "force-reload": 1} {
		code, out, errOut := lt.run("site.cf", action)
		if code != want || out != "" || errOut != "" {
			t.Errorf("%s: exit %d (want %d), %q %q", action, code, want, out, errOut)
		}
	}
	log, _ := os.ReadFile(filepath.Join(lt.dir, "ld.log"))
	if !strings.Contains(string(log), "|site.cf|") || !strings.Contains(string(log), "] ldirectord is stopped for ") ||
		!strings.Contains(string(log), "] Invoking ldirectord invoked as: /usr/sbin/ldirectord site.cf reload \n") {
		t.Errorf("log:\n%s", log)
	}
}

func TestLdBadConfigExits2AndRemovesPidFile(t *testing.T) {
	lt := newLdTest(t)
	path := lt.config("bad.cf", "virtual=192.168.100.1:80\n\treal=10.0.0.2:80 gate\n\tfrobnicate=yes\n")
	os.WriteFile(lt.pidPath("bad.cf"), []byte("1\n"), 0o644)
	code, out, errOut := lt.run("bad.cf", "status")
	want := fmt.Sprintf("Error [%d] reading file %s at line 4: Unknown command \"\tfrobnicate=yes\n\"\n", os.Getpid(), path)
	if code != 2 || out != "" || errOut != want {
		t.Errorf("exit %d, stdout %q, stderr %q (want %q)", code, out, errOut, want)
	}
	if _, err := os.Stat(lt.pidPath("bad.cf")); err == nil {
		t.Error("the pid file survived a config error (ldirectord deletes it)")
	}
}

func TestLdStartSpawnsDaemonWithOCFCommandLine(t *testing.T) {
	lt := newLdTest(t)
	path := lt.config("site.cf", ldGood)
	code, _, errOut := lt.run(path, "start")
	if code != 0 || errOut != "" {
		t.Fatalf("start: %d %q", code, errOut)
	}
	if len(lt.spawns) != 1 || strings.Join(lt.spawns[0], " ") != "/usr/sbin/ldirectord "+path+" start" {
		t.Fatalf("spawned %q", lt.spawns)
	}
	code, _, _ = lt.run("start")
	if code != 1 {
		t.Errorf("default config missing: exit %d", code)
	}
}

func TestLdForegroundDebugRunsAndStops(t *testing.T) {
	lt := newLdTest(t)
	lt.config("site.cf", ldGood)
	var out, errOut testutil.SyncBuffer
	done := make(chan int, 1)
	go func() {
		done <- LdirectordMain([]string{"ldirectord", "-d", "site.cf", "start"}, lt.factory(&out, &errOut))
	}()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(lt.fake.Dump(), "-r 10.0.0.2:80") {
		if time.Now().After(deadline) {
			t.Fatalf("table never filled:\n%s\nstderr:\n%s", lt.fake.Dump(), errOut.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	if _, err := os.Stat(lt.pidPath("site.cf")); err == nil {
		t.Error("-d wrote a pid file")
	}
	lt.stop <- "INT"
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("exit %d", code)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("did not stop")
	}
	if lt.fake.Dump() != "" {
		t.Errorf("cleanstop left:\n%s", lt.fake.Dump())
	}
	for _, want := range []string{
		"Starting Linux Director v1.186-ha with pid: ",
		"DEBUG2: Added virtual server: 192.168.100.1:80\nAdded virtual server: 192.168.100.1:80\n",
		"Linux Director Daemon terminated on signal: INT\n",
		"Exiting with exit_status 0: Linux Director Daemon terminated on signal: INT\n",
	} {
		if !strings.Contains(errOut.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut.String())
		}
	}
}

func TestLdCheckPrintsTable(t *testing.T) {
	lt := newLdTest(t)
	lt.config("site.cf", "quiescent=yes\nvirtual=192.168.100.1:80\n\treal=10.0.0.3:8080 masq 2\n\treal=10.0.0.2:80 gate\n\tscheduler=rr\n\tpersistent=300\n")
	code, out, errOut := lt.run("--check", "site.cf")
	want := "-A -t 192.168.100.1:80 -s rr -p 300\n-a -t 192.168.100.1:80 -r 10.0.0.2:80 -g -w 1\n-a -t 192.168.100.1:80 -r 10.0.0.3:8080 -m -w 2\n"
	if code != 0 || out != want {
		t.Errorf("exit %d\n%s\nwant\n%s\nstderr %s", code, out, want, errOut)
	}
	lt.config("bad.cf", "quiescent=maybe\n")
	if code, _, errOut := lt.run("--check", "bad.cf"); code != 2 || !strings.Contains(errOut, "quiescent must be 'yes' or 'no'") {
		t.Errorf("bad: %d %q", code, errOut)
	}
	if code, _, _ := lt.run("--check", "none.cf"); code != 2 {
		t.Errorf("missing: %d", code)
	}
}

// A check that cannot be run for real (service=oracle, a receive regexp
// RE2 cannot express) refuses start and --check at config time, naming
// the file, line and real, with nothing written to the table.
func TestLdRefusesUncheckableConfig(t *testing.T) {
	for _, c := range []struct{ name, cf, want string }{
		{"oracle", "virtual=192.168.100.1:1521\n\treal=10.0.0.2:1521 gate\n\tservice=oracle\n\tlogin=\"u\"\n\tpasswd=\"p\"\n\trequest=\"SELECT 1 FROM DUAL\"\n",
			`: real server 10.0.0.2 of tcp:192.168.100.1:1521: service "oracle" is not supported: it needs Oracle's client library`},
		{"lookahead", "virtual=192.168.100.1:80\n\treal=10.0.0.2:80 gate\n\tservice=http\n\treceive=\"a(?=b)\"\n",
			`: real server 10.0.0.2 of tcp:192.168.100.1:80: receive regexp "a(?=b)": lookahead is not supported`},
	} {
		t.Run(c.name, func(t *testing.T) {
			lt := newLdTest(t)
			lt.config("site.cf", c.cf)
			// ldirectord's words at start, lvsctl's FILE:LINE with --check
			for _, args := range [][]string{{"-d", "site.cf", "start"}, {"--check", "site.cf"}} {
				code, _, errOut := lt.run(args...)
				where := "site.cf at line 3: "
				if args[0] == "--check" {
					where = "site.cf:3: "
				}
				if code != 2 || !strings.Contains(errOut, where+c.want[2:]) {
					t.Errorf("%q: exit %d, stderr %q; want 2 and %q", args, code, errOut, where+c.want[2:])
				}
			}
			if d := lt.fake.Dump(); d != "" {
				t.Errorf("table written:\n%s", d)
			}
		})
	}
}

// --check judges logfile= and monitorfile= as the daemon would open them
// (not as -d, which never opens the logfile) but creates neither.
func TestLdCheckCreatesNoFile(t *testing.T) {
	lt := newLdTest(t)
	logf, mon := filepath.Join(lt.dir, "new.log"), filepath.Join(lt.dir, "web.monitor")
	cf := filepath.Join(lt.dir, "ha", "files.cf")
	body := fmt.Sprintf("logfile=%q\nvirtual=192.168.100.1:80\n\treal=10.0.0.2:80 gate\n\tmonitorfile=%q\n", logf, mon)
	if err := os.WriteFile(cf, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, out, errOut := lt.run("--check", "files.cf"); code != 0 || out == "" {
		t.Fatalf("exit %d, %q %q", code, out, errOut)
	}
	for _, f := range []string{logf, mon} {
		if _, err := os.Stat(f); err == nil {
			t.Errorf("--check created %s", f)
		}
	}
	missing := fmt.Sprintf("logfile=%q\n", filepath.Join(lt.dir, "nodir", "ld.log"))
	if err := os.WriteFile(cf, []byte(missing), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := lt.run("--check", "files.cf"); code != 2 || !strings.Contains(errOut, "unable to open logfile") {
		t.Errorf("logfile in a missing directory: exit %d, %q", code, errOut)
	}
}
