//go:build e2e

package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// The director tests run Debian's ldirectord and lvsctl (behind a symlink
// named ldirectord) on the same configurations, against the same real
// servers: one network namespace per real (10.0.N.2, N = 2..5) with
// busybox httpd on port 80 and a line server on port 7000.

// ldPrelude is sourced before every step.
const ldPrelude = `
rs_up() { for i; do ip netns exec rs$i busybox httpd -p 80 -h /tmp/www; done; }
rs_down() { for i; do ip netns pids rs$i | xargs -r kill; done; sleep 0.2; }
tcp_up() { for i; do ip netns exec rs$i busybox setsid busybox nc -ll -p 7000 -e /bin/echo hello >/dev/null 2>&1 & done; }
blackhole() { for i; do iptables -A OUTPUT -d 10.0.$i.2 -j DROP; done; }
unblackhole() { for i; do iptables -D OUTPUT -d 10.0.$i.2 -j DROP; done; }
`

// ldBackends creates the real servers, all down.
func ldBackends(t *testing.T) {
	t.Helper()
	script := "mkdir -p /tmp/www && echo ok >/tmp/www/index.html\n"
	for i := 2; i <= 5; i++ {
		script += fmt.Sprintf(`ip netns add rs%[1]d
ip link add h%[1]d type veth peer name r%[1]d
ip link set r%[1]d netns rs%[1]d
ip addr add 10.0.%[1]d.1/24 dev h%[1]d
ip link set h%[1]d up
ip netns exec rs%[1]d ip addr add 10.0.%[1]d.2/24 dev r%[1]d
ip netns exec rs%[1]d ip link set r%[1]d up
ip netns exec rs%[1]d ip link set lo up
`, i)
	}
	sh(t, script)
}

func ldCleanup() {
	exec.Command("bash", "-c", `for f in /run/ldirectord.*.pid; do [ -f "$f" ] && kill $(cat "$f") 2>/dev/null; done;
for p in $(pgrep -f "ldirector[d] /etc/ha.d/"); do kill $p; done; sleep 0.5;
for i in 2 3 4 5; do ip netns pids rs$i 2>/dev/null | xargs -r kill 2>/dev/null; ip link del h$i 2>/dev/null; done; true`).Run()
	for i := 2; i <= 5; i++ {
		exec.Command("ip", "netns", "del", fmt.Sprintf("rs%d", i)).Run()
	}
	os.RemoveAll("/tmp/ld")
	exec.Command("bash", "-c", "rm -f /run/ldirectord.* /var/log/ldirectord.log").Run()
}

// ldLink is a directory holding "ldirectord" → lvsctl.
func ldLink(t *testing.T) string {
	t.Helper()
	d := filepath.Join(os.TempDir(), "lvsctl-ld")
	if _, err := os.Stat(filepath.Join(d, "ldirectord")); err == nil {
		return filepath.Join(d, "ldirectord")
	}
	if err := os.MkdirAll(d, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(lvsctlBin(t), filepath.Join(d, "ldirectord")); err != nil {
		t.Fatal(err)
	}
	return filepath.Join(d, "ldirectord")
}

const debianLd = "/usr/sbin/ldirectord"

// ldHeader is common to every scenario: checks every second.
const ldHeader = `checktimeout=1
negotiatetimeout=2
checkinterval=1
logfile="/var/log/ldirectord.log"
`

type ldStep struct {
	name string
	do   string // bash, with $LD (the implementation) and $CFG
	// record adds the step's output and exit status to the transcript.
	record bool
}

type ldScenario struct {
	name   string
	config string
	// before runs before the start (backends up etc.).
	before string
	steps  []ldStep
	// files are compared after the run (e.g. fallback command logs);
	// only their last line, since ldirectord's start runs extra pairs.
	lastLine []string
	// noStart skips the start (exit code scenarios on a stopped daemon).
	noStart bool
}

var rePid = regexp.MustCompile(`pid: \d+|\[\d+\]`)

// ldRun is one implementation's pass through a scenario.
type ldRun struct {
	t      *testing.T
	ld     string
	cfg    string
	want   []string // tables to wait for (lvsctl), nil when recording
	tables []string
	lines  []string
}

func (r *ldRun) bash(script string) (string, int) {
	cmd := exec.Command("bash", "-c", ldPrelude+script)
	cmd.Env = append(os.Environ(), "LD="+r.ld, "CFG="+r.cfg)
	out, err := cmd.CombinedOutput()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		r.t.Fatalf("%s: %v", script, err)
	}
	return string(out), code
}

func ipvsTable() string {
	out, _ := exec.Command("/sbin/ipvsadm", "-Sn").CombinedOutput()
	return string(out)
}

// settle records the table: Debian's is taken once it has been stable
// for 3 s; lvsctl's as soon as it equals Debian's (or after 20 s).
func (r *ldRun) settle() {
	i := len(r.tables)
	if r.want != nil && i < len(r.want) {
		deadline := time.Now().Add(20 * time.Second)
		tab := ipvsTable()
		for tab != r.want[i] && time.Now().Before(deadline) {
			time.Sleep(100 * time.Millisecond)
			tab = ipvsTable()
		}
		// Stay equal for a moment (no flapping through the answer).
		time.Sleep(500 * time.Millisecond)
		r.tables = append(r.tables, ipvsTable())
		return
	}
	start, last, since := time.Now(), ipvsTable(), time.Now()
	for time.Since(start) < 25*time.Second {
		time.Sleep(250 * time.Millisecond)
		tab := ipvsTable()
		if tab != last {
			last, since = tab, time.Now()
			continue
		}
		if time.Since(since) >= 3*time.Second && time.Since(start) >= 4*time.Second {
			break
		}
	}
	r.tables = append(r.tables, last)
}

func (r *ldRun) waitStopped() {
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if out, _ := r.bash(`pgrep -f "$LD $CFG start" || true`); strings.TrimSpace(out) == "" {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func runLdScenario(t *testing.T, sc ldScenario, ld string, want []string) *ldRun {
	t.Helper()
	resetKernel(t)
	ldCleanup()
	ldBackends(t)
	sh(t, "mkdir -p /tmp/ld /tmp/ld/maint && rm -f /tmp/ld/*.log")
	cfg := "/etc/ha.d/" + sc.name + ".cf"
	if err := os.WriteFile(cfg, []byte(ldHeader+sc.config), 0o644); err != nil {
		t.Fatal(err)
	}
	r := &ldRun{t: t, ld: ld, cfg: cfg, want: want}
	if sc.before != "" {
		r.bash(sc.before)
	}
	if !sc.noStart {
		out, code := r.bash(`$LD $CFG start`)
		r.lines = append(r.lines, fmt.Sprintf("start: rc %d %s", code, strings.TrimSpace(out)))
		r.settle()
	}
	for _, st := range sc.steps {
		out, code := r.bash(st.do)
		if st.record {
			out = rePid.ReplaceAllString(strings.TrimSpace(out), "PID")
			r.lines = append(r.lines, fmt.Sprintf("%s: rc %d %s", st.name, code, out))
		}
		r.settle()
	}
	if !sc.noStart {
		r.bash(`$LD $CFG stop; true`)
		r.waitStopped()
		r.settle()
	}
	for _, f := range sc.lastLine {
		b, _ := os.ReadFile(f)
		lines := strings.Split(strings.TrimSpace(string(b)), "\n")
		r.lines = append(r.lines, fmt.Sprintf("%s last: %s", filepath.Base(f), lines[len(lines)-1]))
	}
	r.bash(`$LD $CFG stop >/dev/null 2>&1; true`)
	r.waitStopped()
	ldCleanup()
	return r
}

// TestDirectorDifferential runs every scenario with Debian's ldirectord,
// then with lvsctl, and requires the same table after each step, the same
// exit statuses, and the same last fallback/check command arguments.
func TestDirectorDifferential(t *testing.T) {
	requireLab(t)
	lv := ldLink(t)
	for _, sc := range ldScenarios {
		t.Run(sc.name, func(t *testing.T) {
			deb := runLdScenario(t, sc, debianLd, nil)
			start := time.Now()
			got := runLdScenario(t, sc, lv, deb.tables)
			t.Logf("lvsctl pass took %s", time.Since(start).Round(100*time.Millisecond))
			for i := range deb.tables {
				if i >= len(got.tables) || got.tables[i] != deb.tables[i] {
					g := ""
					if i < len(got.tables) {
						g = got.tables[i]
					}
					t.Errorf("table %d differs (-ldirectord +lvsctl):\n%s", i, lineDiff(deb.tables[i], g))
				}
			}
			if a, b := strings.Join(deb.lines, "\n"), strings.Join(got.lines, "\n"); a != b {
				t.Errorf("outputs differ (-ldirectord +lvsctl):\n%s", lineDiff(a, b))
			}
		})
	}
}
