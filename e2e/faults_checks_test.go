//go:build e2e

package e2e

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/lvsctl/lvsctl/cli"
)

// faultsBin is lvsctl built with checks that misbehave on purpose
// (e2e/faultld), named ldirectord by a symlink.
func faultsBin(t *testing.T) string {
	t.Helper()
	b := os.Getenv("LVSCTL_FAULTS")
	if _, err := os.Stat(b); b == "" || err != nil {
		t.Fatalf("LVSCTL_FAULTS (bin/lvsctl-faults, built by make e2e) is missing: %q", b)
	}
	d := filepath.Join(os.TempDir(), "lvsctl-faults-ld")
	link := filepath.Join(d, "ldirectord")
	if _, err := os.Stat(link); err == nil {
		return link
	}
	if err := os.MkdirAll(d, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(b, link); err != nil {
		t.Fatal(err)
	}
	return link
}

// logSince waits until the log file, from offset on, contains every one
// of wants; it returns the new text.
func logSince(t *testing.T, path string, offset int, limit time.Duration, wants ...string) string {
	t.Helper()
	var text string
	waitUntil(t, "log lines "+strings.Join(wants, " | "), limit, func() bool {
		b, _ := os.ReadFile(path)
		if len(b) < offset {
			return false
		}
		text = string(b[offset:])
		for _, w := range wants {
			if !strings.Contains(text, w) {
				return false
			}
		}
		return true
	})
	return text
}

func fileSize(path string) int {
	st, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return int(st.Size())
}

func touch(t *testing.T, path string) {
	t.Helper()
	if err := os.WriteFile(path, nil, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestFaultStuckCheck: a check that ignores its deadline and its
// context. The watchdog gives up on it a second past its deadline and
// its real is taken out; the real is not checked again while the stuck
// check runs, and is back once it returns. A reload with such a check
// running is done stopGrace (2 s) after it starts, and a stop is prompt.
func TestFaultStuckCheck(t *testing.T) {
	requireLab(t)
	ld := faultsBin(t)
	resetKernel(t)
	ldCleanup()
	defer ldCleanup()
	ldBackends(t)
	dir := t.TempDir()
	rel2, rel3 := filepath.Join(dir, "release2"), filepath.Join(dir, "release3")
	touch(t, rel2)
	touch(t, rel3)
	const cfg, logf = "/etc/ha.d/faults-stuck.cf", "/var/log/faults-stuck.log"
	os.Remove(logf)
	if err := os.WriteFile(cfg, []byte(`checkinterval=1
checktimeout=1
logfile="`+logf+`"
virtual=192.168.100.1:80
	real=10.0.2.2:80 gate
	checktype=on
virtual=192.168.100.2:80
	real=10.0.3.2:80 gate
	checktype=external
	checkcommand=fault:hang:`+rel2+`
virtual=192.168.100.3:80
	real=10.0.4.2:80 gate
	checktype=external
	checkcommand=fault:hang:`+rel3+`
	checktimeout=30
`), 0o644); err != nil {
		t.Fatal(err)
	}
	defer os.Remove(cfg)
	if out, err := exec.Command(ld, cfg, "start").CombinedOutput(); err != nil {
		t.Fatalf("start: %v\n%s", err, out)
	}
	has := func(real string) bool { return strings.Contains(ipvsTable(), "-r "+real+":80 -g -w 1\n") }
	waitTable(t, "every real up", 20*time.Second, func() bool { return has("10.0.2.2") && has("10.0.3.2") && has("10.0.4.2") })

	// The watchdog: 10.0.3.2's next check hangs; 1 s timeout, 2 s to its
	// context's deadline, 1 s of grace.
	os.Remove(rel2)
	hung := time.Now()
	logSince(t, logf, 0, 20*time.Second, "Check of real server 10.0.3.2:80 (192.168.100.2:80) still running 4s after it started: abandoned, counted as failed")
	waitTable(t, "10.0.3.2 out", 5*time.Second, func() bool { return !has("10.0.3.2") })
	t.Logf("10.0.3.2 out %.1f s after its check began to hang (limit 4 s, a 1 s interval before it, the 0.5 s watchdog tick)", time.Since(hung).Seconds())
	// Not checked again while the stuck check runs: still out after a
	// few intervals.
	time.Sleep(3 * time.Second)
	if has("10.0.3.2") {
		t.Fatal("10.0.3.2 came back while its check was stuck")
	}
	// The stuck check returns (its file is back): its result is dropped,
	// and the real is checked, and up, again.
	off := fileSize(logf)
	touch(t, rel2)
	logSince(t, logf, off, 10*time.Second, "Abandoned check of real server 10.0.3.2:80 (192.168.100.2:80) returned after ")
	waitTable(t, "10.0.3.2 back", 10*time.Second, func() bool { return has("10.0.3.2") })

	// A reload while 10.0.4.2's check hangs (its watchdog is 33 s away).
	os.Remove(rel3)
	time.Sleep(3 * time.Second) // its next check has started, and hangs
	off = fileSize(logf)
	reload := time.Now()
	if out, err := exec.Command(ld, cfg, "reload").CombinedOutput(); err != nil {
		t.Fatalf("reload: %v\n%s", err, out)
	}
	logSince(t, logf, off, 20*time.Second, "Check of real server 10.0.4.2:80 (192.168.100.3:80) did not stop within 2s of being cancelled: abandoned",
		"Changed virtual server: 192.168.100.3:80")
	took := time.Since(reload)
	t.Logf("reload done %.1f s after it was asked for (bound: 2 s for the checks)", took.Seconds())
	if took < 2*time.Second || took > 10*time.Second {
		t.Errorf("the reload took %v, want 2 s for the stuck check plus the reload itself", took)
	}
	// The new configuration's prober does not run the stuck real's
	// checker again: the real is out.
	waitTable(t, "10.0.4.2 out", 10*time.Second, func() bool { return !has("10.0.4.2") })

	stopped := waitStopped(t, ld, cfg, "/run/ldirectord.faults-stuck.cf.pid", 20*time.Second)
	t.Logf("stop took %.1f s with a stuck check", stopped.Seconds())
	if stopped > 10*time.Second {
		t.Errorf("stop took %v", stopped)
	}
	if tab := ipvsTable(); strings.Contains(tab, "192.168.100.") {
		t.Errorf("cleanstop left:\n%s", tab)
	}
}

// TestFaultCheckPanics: a check that panics (as a parser of a server's
// reply might) is logged with its stack and counted as a failure; the
// daemon goes on serving its table, its status and its other checks.
func TestFaultCheckPanics(t *testing.T) {
	requireLab(t)
	ld := faultsBin(t)
	resetKernel(t)
	ldCleanup()
	defer ldCleanup()
	ldBackends(t)
	const cfg, logf = "/etc/ha.d/faults-panic.cf", "/var/log/faults-panic.log"
	os.Remove(logf)
	if err := os.WriteFile(cfg, []byte(`checkinterval=1
checktimeout=1
logfile="`+logf+`"
virtual=192.168.100.1:80
	real=10.0.2.2:80 gate
	checktype=on
virtual=192.168.100.2:80
	real=10.0.3.2:80 gate
	checktype=external
	checkcommand=fault:panic
`), 0o644); err != nil {
		t.Fatal(err)
	}
	defer os.Remove(cfg)
	if out, err := exec.Command(ld, cfg, "start").CombinedOutput(); err != nil {
		t.Fatalf("start: %v\n%s", err, out)
	}
	pid := livePid("/run/ldirectord.faults-panic.cf.pid")
	text := logSince(t, logf, 0, 20*time.Second,
		"panic in the check of real server 10.0.3.2:80 (192.168.100.2:80): fault:panic: a reply its parser cannot take\ngoroutine ",
		"main.fault.Check(")
	t.Logf("log:\n%s", text[:min(len(text), 3000)])
	time.Sleep(3 * time.Second)
	if pid == 0 || syscall.Kill(pid, 0) != nil {
		t.Fatal("the daemon died")
	}
	tab := ipvsTable()
	if !strings.Contains(tab, "-r 10.0.2.2:80 -g -w 1\n") || strings.Contains(tab, "10.0.3.2") {
		t.Errorf("table:\n%s", tab)
	}
	code, out, errOut := lvsctlStatus(t, "--json", "faults-panic.cf")
	if code != 0 {
		t.Fatalf("status: exit %d, %s", code, errOut)
	}
	var doc cli.JSONStatus
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	d := doc.Directors[0]
	if d.Checks.Panics < 3 {
		t.Errorf("%d panics counted in 4 s of checks every second", d.Checks.Panics)
	}
	if r := d.Virtuals[1].Reals[0]; r.State != "down" || r.Reason == nil || *r.Reason != "check panicked: fault:panic: a reply its parser cannot take" {
		t.Errorf("the panicking real: %+v", r)
	}
	if took := waitStopped(t, ld, cfg, "/run/ldirectord.faults-panic.cf.pid", 20*time.Second); took > 10*time.Second {
		t.Errorf("stop took %v", took)
	}
}
