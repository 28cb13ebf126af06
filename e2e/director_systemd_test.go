//go:build e2e

package e2e

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/lvsctl/lvsctl/internal/testutil"
)

const (
	debianUnit  = "/lib/systemd/system/ldirectord.service"
	defaultPid  = "/run/ldirectord.ldirectord.pid"
	defaultConf = "/etc/ha.d/ldirectord.cf"
	subsysLock  = "/var/lock/subsys/ldirectord"
)

// systemdUnit is the [Service] section of a unit file: each key's values
// in order (Exec* lines may repeat).
type systemdUnit map[string][]string

// get is a key's single value ("" when unset).
func (u systemdUnit) get(k string) string { return strings.Join(u[k], "\n") }

func readUnit(t *testing.T, path string) systemdUnit {
	t.Helper()
	u, err := testutil.UnitService(path)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// systemdWords splits an Exec line as systemd does for these units:
// words separated by spaces, a '...' or "..." quoted word kept whole.
func systemdWords(line string) []string {
	var words []string
	for line = strings.TrimSpace(line); line != ""; line = strings.TrimSpace(line) {
		if q := line[0]; q == '\'' || q == '"' {
			end := strings.IndexByte(line[1:], q)
			if end < 0 {
				return append(words, line[1:])
			}
			words = append(words, line[1:end+1])
			line = line[end+2:]
			continue
		}
		w, rest, _ := strings.Cut(line, " ")
		words = append(words, w)
		line = rest
	}
	return words
}

// systemdExec runs one Exec line as systemd runs it: split into words (no
// shell), standard input /dev/null, systemd's PATH and nothing else in the
// environment. to replaces the unit's program path from.
func systemdExec(t *testing.T, line, from, to string) (int, string) {
	t.Helper()
	argv := systemdWords(strings.Replace(line, from, to, 1))
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C"}
	cmd.Dir = "/"
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	done := make(chan error, 1)
	if err := cmd.Start(); err != nil {
		t.Fatalf("%s: %v", line, err)
	}
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatalf("%s: %v", line, err)
		}
		return code, out.String()
	case <-time.After(90 * time.Second): // systemd's default TimeoutStartSec
		cmd.Process.Kill()
		t.Fatalf("%s: still running after 90 s", line)
	}
	return 0, ""
}

// livePid reads a pid file and reports the process it names if it runs.
func livePid(path string) int {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 0 || syscall.Kill(pid, 0) != nil {
		return 0
	}
	return pid
}

func waitTable(t *testing.T, what string, limit time.Duration, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not after %s\ntable:\n%s", what, limit, ipvsTable())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

const systemdConf = "virtual=192.168.100.1:80\n\treal=10.0.2.2:80 gate\n\tchecktype=on\n"

// brokenSystemdConf fails the configuration check (exit 2).
const brokenSystemdConf = "virtual=192.168.100.1:80\n\treal=10.0.2.2:80 gate\n\tchecktype=bogus\n"

// TestDirectorSystemdCommands runs a unit's commands as systemd would
// (Type=forking, PIDFile=/run/ldirectord.ldirectord.pid): after
// ExecStart returns, the pid file names a live daemon whose table is in
// place; ExecReload makes the same daemon read the changed file; after
// ExecStop (and, unless KillMode=none, systemd's own SIGTERM) the daemon,
// its pid file and its table are gone within TimeoutStopSec. Debian's
// unit with lvsctl behind /usr/sbin/ldirectord's name, and lvsctl's own.
func TestDirectorSystemdCommands(t *testing.T) {
	requireLab(t)
	units := []struct {
		name, path, prog string
		to               func() string
	}{
		{"debian-unit", debianUnit, "/usr/sbin/ldirectord", func() string { return ldLink(t) }},
		{"lvsctl-unit", "../dist/systemd/lvsctl-ldirectord.service", "/usr/local/sbin/lvsctl", func() string { return lvsctlBin(t) }},
	}
	for _, u := range units {
		t.Run(u.name, func(t *testing.T) {
			resetKernel(t)
			ldCleanup()
			defer ldCleanup()
			defer os.Remove(defaultConf)
			unit := readUnit(t, u.path)
			if unit.get("Type") != "forking" || unit.get("PIDFile") != defaultPid {
				t.Fatalf("unit %s: Type=%s PIDFile=%s", u.path, unit.get("Type"), unit.get("PIDFile"))
			}
			// systemd-tmpfiles' legacy.conf makes it at boot
			// (/var/lock is a symlink to /run/lock).
			if err := os.MkdirAll("/run/lock/subsys", 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(defaultConf, []byte(ldHeader+systemdConf), 0o644); err != nil {
				t.Fatal(err)
			}
			// A key's lines in order, as systemd runs them: the first
			// that fails ends the job, and the job fails with it.
			runKey := func(key string) (int, string) {
				t.Helper()
				for _, line := range unit[key] {
					if code, out := systemdExec(t, line, u.prog, u.to()); code != 0 {
						return code, fmt.Sprintf("%s=%s: exit %d\n%s", key, line, code, out)
					}
				}
				return 0, ""
			}
			run := func(key string) {
				t.Helper()
				if code, msg := runKey(key); code != 0 {
					t.Fatal(msg)
				}
			}
			// systemd's start job: ExecStartPre, then ExecStart.
			start := func() (int, string) {
				t.Helper()
				if code, msg := runKey("ExecStartPre"); code != 0 {
					return code, msg
				}
				return runKey("ExecStart")
			}
			if u.name == "lvsctl-unit" {
				// A broken file fails the start job at its check: no
				// daemon, no pid file, no table.
				if err := os.WriteFile(defaultConf, []byte(ldHeader+brokenSystemdConf), 0o644); err != nil {
					t.Fatal(err)
				}
				code, msg := start()
				if code != 2 || !strings.HasPrefix(msg, "ExecStartPre=") || !strings.Contains(msg, "checktype must be") {
					t.Fatalf("start with a broken file: want ExecStartPre's exit 2 and the error, got %d: %s", code, msg)
				}
				if _, err := os.Stat(defaultPid); !os.IsNotExist(err) {
					t.Fatalf("pid file after a refused start: %v", err)
				}
				if tab := ipvsTable(); tab != "" {
					t.Fatalf("table after a refused start:\n%s", tab)
				}
				if err := os.WriteFile(defaultConf, []byte(ldHeader+systemdConf), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if code, msg := start(); code != 0 {
				t.Fatal(msg)
			}
			pid := livePid(defaultPid)
			if pid == 0 {
				b, err := os.ReadFile(defaultPid)
				t.Fatalf("after ExecStart returned, %s names no live process: %q %v", defaultPid, b, err)
			}
			run("ExecStartPost")
			cmdline, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
			want := systemdWords(strings.Replace(unit.get("ExecStart"), u.prog, u.to(), 1))
			if u.name == "lvsctl-unit" {
				want = want[1:] // argv[0] is "ldirectord" (lvsctl's dispatch word)
			}
			if got := strings.Split(strings.TrimSuffix(string(cmdline), "\x00"), "\x00"); strings.Join(got, " ") != strings.Join(want, " ") {
				t.Errorf("daemon command line %q, want %q", got, want)
			}
			// pgrep ldirectord, killall -HUP ldirectord
			if comm, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid)); string(comm) != "ldirectord\n" {
				t.Errorf("daemon comm %q, want ldirectord", comm)
			}
			// start returns once the virtual is synced; the real follows
			// its first check (checktype=on), within a second.
			waitTable(t, "real added after start", 15*time.Second, func() bool {
				tab := ipvsTable()
				return strings.Contains(tab, "-A -t 192.168.100.1:80 -s wrr\n") && strings.Contains(tab, "-a -t 192.168.100.1:80 -r 10.0.2.2:80 -g -w 1\n")
			})

			// Reload: the same daemon takes the new weight.
			os.WriteFile(defaultConf, []byte(ldHeader+strings.Replace(systemdConf, "gate\n", "gate 5\n", 1)), 0o644)
			run("ExecReload")
			waitTable(t, "weight 5 after ExecReload", 20*time.Second, func() bool {
				return strings.Contains(ipvsTable(), "-a -t 192.168.100.1:80 -r 10.0.2.2:80 -g -w 5\n")
			})
			if livePid(defaultPid) != pid {
				t.Fatalf("after reload the pid file names %d, want %d", livePid(defaultPid), pid)
			}
			if u.name == "lvsctl-unit" {
				// A broken file fails the reload job at its check; the
				// daemon is not signalled and keeps its table.
				if err := os.WriteFile(defaultConf, []byte(ldHeader+brokenSystemdConf), 0o644); err != nil {
					t.Fatal(err)
				}
				before := ipvsTable()
				logBefore, _ := os.ReadFile("/var/log/ldirectord.log")
				code, msg := runKey("ExecReload")
				if code != 2 || !strings.Contains(msg, "checktype must be") || len(unit["ExecReload"]) != 2 ||
					!strings.HasPrefix(msg, "ExecReload="+unit["ExecReload"][0]+":") {
					t.Fatalf("reload with a broken file: want the check's exit 2 and the error, got %d: %s", code, msg)
				}
				if livePid(defaultPid) != pid {
					t.Fatalf("after a refused reload the pid file names %d, want %d", livePid(defaultPid), pid)
				}
				// The daemon was not told: the table stays as it was over
				// two check intervals, and its log has no reload.
				time.Sleep(2 * time.Second)
				if after := ipvsTable(); after != before {
					t.Fatalf("table changed after a refused reload:\n%s\nwas:\n%s", after, before)
				}
				logAfter, _ := os.ReadFile("/var/log/ldirectord.log")
				if len(logAfter) < len(logBefore) {
					t.Fatalf("log shrank from %d to %d bytes", len(logBefore), len(logAfter))
				}
				if news := string(logAfter[len(logBefore):]); strings.Contains(news, "Reloading") || strings.Contains(news, "checktype") {
					t.Fatalf("the daemon saw the broken file:\n%s", news)
				}
				if err := os.WriteFile(defaultConf, []byte(ldHeader+strings.Replace(systemdConf, "gate\n", "gate 5\n", 1)), 0o644); err != nil {
					t.Fatal(err)
				}
			}

			run("ExecStop")
			if unit.get("KillMode") != "none" {
				// systemd's KillSignal follows ExecStop; the daemon is
				// already stopping and must take it calmly.
				syscall.Kill(pid, syscall.SIGTERM)
			}
			waitTable(t, "daemon gone after stop", 30*time.Second, func() bool { return syscall.Kill(pid, 0) != nil })
			run("ExecStopPost")
			if _, err := os.Stat(defaultPid); !os.IsNotExist(err) {
				t.Errorf("pid file left after stop: %v", err)
			}
			if _, err := os.Stat(subsysLock); !os.IsNotExist(err) {
				t.Errorf("lock file left after ExecStopPost: %v", err)
			}
			if tab := ipvsTable(); strings.Contains(tab, "192.168.100.1") {
				t.Errorf("cleanstop left:\n%s", tab)
			}
			log, _ := os.ReadFile("/var/log/ldirectord.log")
			if !strings.Contains(string(log), "Linux Director Daemon terminated on signal: TERM") {
				t.Errorf("log lacks the stop:\n%s", log)
			}
		})
	}
}

var reStatusPid = regexp.MustCompile(`pid: \d+|\[\d+\]`)

// actionTranscript takes the default configuration through stopped,
// stale pid file, running and stopped again with one implementation and
// records each action's exit status, stdout and stderr.
func actionTranscript(t *testing.T, ld string) []string {
	t.Helper()
	var lines []string
	do := func(name string, args ...string) {
		t.Helper()
		out, errOut, code := runIn(t, "", ld, args...)
		lines = append(lines, fmt.Sprintf("%s: exit %d stdout %q stderr %q", name, code,
			reStatusPid.ReplaceAllString(out, "PID"), reStatusPid.ReplaceAllString(errOut, "PID")))
	}
	os.Remove(defaultPid)
	do("stopped status", "status")
	do("stopped stop", "stop")
	do("stopped reload", "reload")
	do("stopped try-restart", "try-restart")

	os.WriteFile(defaultPid, []byte("999999\n"), 0o644)
	do("stale status", "status")
	do("stale stop", "stop")
	do("stale reload", "reload")
	_, err := os.Stat(defaultPid)
	lines = append(lines, fmt.Sprintf("stale pid file kept: %v", err == nil))

	do("start over stale", "start")
	waitTable(t, ld+": pid file names the daemon", 60*time.Second, func() bool { return livePid(defaultPid) != 0 })
	comm, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", livePid(defaultPid)))
	lines = append(lines, fmt.Sprintf("daemon comm: %q", comm))
	do("running status", "status")
	do("running start", "start")
	do("running reload", "reload")
	do("running stop", "stop")
	waitTable(t, ld+": pid file gone after stop", 60*time.Second, func() bool {
		_, err := os.Stat(defaultPid)
		return os.IsNotExist(err)
	})
	do("stopped again status", "status")
	return lines
}

// actionsGolden is Debian's ldirectord's transcript of actionTranscript,
// recorded in the lab (-ldactions-debian rechecks it live: about four lab
// minutes of Perl).
const actionsGolden = "../testdata/ldirectord/actions-debian.txt"

var ldActionsDebian = flag.Bool("ldactions-debian", false, "TestDirectorActionsVsDebian also runs Debian's ldirectord")

// TestDirectorActionsVsDebian compares status, stop, reload, try-restart
// and start of the default configuration (the unit's commands) with
// Debian's ldirectord in every state: stopped, stale pid file, running.
func TestDirectorActionsVsDebian(t *testing.T) {
	requireLab(t)
	resetKernel(t)
	ldCleanup()
	defer ldCleanup()
	defer os.Remove(defaultConf)
	if err := os.WriteFile(defaultConf, []byte(ldHeader+systemdConf), 0o644); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(actionsGolden)
	if err != nil {
		t.Fatal(err)
	}
	want := strings.TrimSuffix(string(b), "\n")
	if *ldActionsDebian {
		deb := strings.Join(actionTranscript(t, debianLd), "\n")
		if deb != want {
			t.Errorf("Debian's ldirectord differs from %s:\n%s", actionsGolden, lineDiff(want, deb))
		}
		want = deb
		resetKernel(t)
	}
	got := strings.Join(actionTranscript(t, ldLink(t)), "\n")
	if got != want {
		t.Errorf("lvsctl differs from Debian's ldirectord:\n%s", lineDiff(want, got))
	}
}
