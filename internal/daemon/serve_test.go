package daemon

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lvsctl/lvsctl/director"
	"github.com/lvsctl/lvsctl/internal/testutil"
	"github.com/lvsctl/lvsctl/ipvsctl"
	"github.com/lvsctl/lvsctl/ipvsctl/ipvstest"
	"github.com/lvsctl/lvsctl/ldconf"
)

// serveTest is a Process on a fake IPVS, with its pid file and status
// socket in a temporary directory and its signals in the test's hands.
type serveTest struct {
	p      Process
	fake   *ipvstest.Fake
	log    *testutil.SyncBuffer
	stop   chan string
	reload chan struct{}
}

func newServeTest(t *testing.T) *serveTest {
	t.Helper()
	dir := t.TempDir()
	path := testutil.WriteFile(t, filepath.Join(dir, "site.cf"), 0o644,
		"virtual=192.168.100.1:80\n\treal=10.0.0.2:80 gate\n\tchecktype=on\n")
	cfg, err := ldconf.Load(path, ldconf.WithDebug(true))
	if err != nil {
		t.Fatal(err)
	}
	st := &serveTest{fake: ipvstest.NewFake(), log: &testutil.SyncBuffer{}, stop: make(chan string, 1), reload: make(chan struct{})}
	log := director.NewLogger(st.log, st.log, "site.cf")
	log.Configure(true, false, "")
	pidFile := PidFile{Path: PidPath(dir, "site.cf")}
	if err := pidFile.Write(os.Getpid()); err != nil {
		t.Fatal(err)
	}
	st.p = Process{
		Argv0: "ldirectord", Config: cfg, ConfigPath: path,
		Load:    func() (*ldconf.Config, error) { return ldconf.Load(path, ldconf.WithDebug(true)) },
		PidFile: pidFile, StatusSocket: SocketPath(dir, "site.cf"),
		OpenIPVS: func() (ipvsctl.Client, error) { return st.fake, nil }, Log: log,
		Signals: func(context.Context) (<-chan string, <-chan struct{}, func()) { return st.stop, st.reload, func() {} },
	}
	return st
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// Serve runs the director, answers on the status socket, and on a stop
// signal cleans up and names the signal; the pid file and socket go.
func TestServeRunsUntilStopped(t *testing.T) {
	st := newServeTest(t)
	type result struct {
		sig string
		err error
	}
	done := make(chan result, 1)
	go func() {
		sig, err := Serve(st.p)
		done <- result{sig, err}
	}()
	testutil.WaitFor(t, 10*time.Second, func() bool { return strings.Contains(st.fake.Dump(), "-r 10.0.0.2:80") },
		func() string { return "the real in the table; log:\n" + st.log.String() })
	snap, err := QueryStatus(st.p.StatusSocket, 5*time.Second)
	if err != nil || snap.PID != os.Getpid() || len(snap.Virtuals) != 1 {
		t.Errorf("status: %+v %v", snap, err)
	}
	st.stop <- "QUIT"
	select {
	case r := <-done:
		if r.sig != "QUIT" || r.err != nil {
			t.Errorf("Serve: %q %v", r.sig, r.err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return on a stop signal")
	}
	if exists(st.p.PidFile.Path) || exists(st.p.StatusSocket) {
		t.Error("the pid file or the status socket is left")
	}
	if d := st.fake.Dump(); d != "" {
		t.Errorf("cleanstop left:\n%s", d)
	}
}

// A step that fails ends the start with a StartError naming it, the pid
// file removed.
func TestServeStartFailures(t *testing.T) {
	st := newServeTest(t)
	refused := errors.New("no IPVS")
	st.p.OpenIPVS = func() (ipvsctl.Client, error) { return nil, refused }
	_, err := Serve(st.p)
	var se *StartError
	if !errors.As(err, &se) || se.Step != StepIPVS || !errors.Is(err, refused) {
		t.Errorf("IPVS: %v", err)
	}
	if exists(st.p.PidFile.Path) {
		t.Error("pid file left after IPVS failed")
	}

	// A metrics address in use, with the process's own signals: Serve
	// returns (the signals' goroutine ends with it).
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	st = newServeTest(t)
	st.p.MetricsListen, st.p.Signals = ln.Addr().String(), Signals
	done := make(chan error, 1)
	go func() {
		_, err := Serve(st.p)
		done <- err
	}()
	select {
	case err = <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return after the metrics listener failed")
	}
	if !errors.As(err, &se) || se.Step != StepMetrics {
		t.Errorf("metrics: %v", err)
	}
	if exists(st.p.PidFile.Path) {
		t.Error("pid file left after metrics failed")
	}
}

// A configuration with BGP does not start without the speaker program;
// one without BGP never looks for it.
func TestServeNeedsSpeakerForBGP(t *testing.T) {
	st := newServeTest(t)
	looked := 0
	missing := errors.New("lvsctl-bgp not found beside /usr/sbin/lvsctl")
	st.p.FindSpeaker = func() (string, error) {
		looked++
		return "", missing
	}
	cfgPath := testutil.WriteFile(t, filepath.Join(t.TempDir(), "bgp.cf"), 0o644,
		"bgplocalas=65010\nbgppeer=10.0.0.1 65000\nvirtual=192.168.100.1:80\n\treal=10.0.0.2:80 gate\n\tchecktype=on\n\tannounce=yes\n")
	cfg, err := ldconf.Load(cfgPath, ldconf.WithDebug(true))
	if err != nil {
		t.Fatal(err)
	}
	st.p.Config = cfg
	_, err = Serve(st.p)
	var se *StartError
	if !errors.As(err, &se) || se.Step != StepBGP || !errors.Is(err, missing) {
		t.Errorf("BGP: %v", err)
	}
	if exists(st.p.PidFile.Path) || st.fake.Dump() != "" {
		t.Error("the pid file or a table left after the start failed")
	}

	st = newServeTest(t)
	st.p.FindSpeaker = func() (string, error) {
		looked++
		return "", missing
	}
	done := make(chan error, 1)
	go func() {
		_, err := Serve(st.p)
		done <- err
	}()
	testutil.WaitFor(t, 10*time.Second, func() bool { return strings.Contains(st.fake.Dump(), "-r 10.0.0.2:80") },
		func() string { return "the real in the table; log:\n" + st.log.String() })
	st.stop <- "TERM"
	if err := <-done; err != nil {
		t.Errorf("without BGP: %v", err)
	}
	if looked != 1 {
		t.Errorf("looked for the speaker %d times, want once (with BGP)", looked)
	}
}
