//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestDirectorDifferential runs every scenario with Debian's ldirectord and
// with lvsctl at the same time, each in a world of its own: a director
// network namespace (its own IPVS table) with four real-server namespaces
// behind it (real N is 10.0.N.2, busybox httpd on port 80, a line server
// on 7000). Scenarios run in parallel (-test.parallel bounds them).
//
// After each step both tables must be settled before they are compared,
// and settled means concrete evidence, not a pause: every config ends
// with a sentinel virtual whose real, always up, is checked and logged
// to a monitorfile. Debian's ldirectord checks every real one after the
// other and applies each result before logging it, so between two
// sentinel lines every real has been checked and acted on once; its table
// is taken after failurecount+1 such rounds following the step. lvsctl's
// table is then awaited until it equals Debian's, and only accepted once
// lvsctl too has logged that many sentinel checks after the step.

// worldPrelude is sourced before every step; the step runs inside the
// director namespace $NS, the reals are $NS-rN.
const worldPrelude = `
rs_up() { for i; do ip netns exec $NS-r$i busybox httpd -p 80 -h /tmp/www; done; }
rs_down() { for i; do ip netns pids $NS-r$i | xargs -r kill; n=0; while [ -n "$(ip netns pids $NS-r$i)" ] && [ $n -lt 100 ]; do sleep 0.05; n=$((n+1)); done; done; }
tcp_up() { for i; do ip netns exec $NS-r$i busybox setsid busybox nc -ll -p 7000 -e /bin/echo hello >/dev/null 2>&1 & done; }
blackhole() { for i; do iptables -A OUTPUT -d 10.0.$i.2 -j DROP; done; }
unblackhole() { for i; do iptables -D OUTPUT -d 10.0.$i.2 -j DROP; done; }
`

// diffSentinelVIP is the sentinel virtual's address (see above).
const diffSentinelVIP = "192.168.254.254:80"

// diffHeader starts every config: checks every second, files in the
// world's directory {W}.
const diffHeader = `checktimeout=5
negotiatetimeout=5
checkinterval=1
logfile="{W}/ldirectord.log"
`

// The sentinel's real is a busybox httpd on the director's loopback:
// a connect check costs no process (an external one forks Perl). Its
// port is the virtual's: with quiescent=yes ldirectord never restores a
// gate real whose port differs (docs/compat.md, deviation 3, which lvsctl fixes).
const diffSentinel = `
virtual=` + diffSentinelVIP + `
	real=127.0.0.1:80 gate
	checktype=connect
	checktimeout=60
	monitorfile="{W}/monitor"
`

type ldStep struct {
	name string
	do   string // bash, with $LD, $CFG, $W (the world's dir), $PIDF
	// record adds the step's output and exit status to the transcript.
	record bool
	// stops: the daemon is gone after this step (no checks to wait for).
	stops bool
}

type ldScenario struct {
	name   string
	config string // {W} is the world's directory
	// before runs before the start (backends up etc.).
	before string
	steps  []ldStep
	// lastLine files (relative to {W}) are compared after the run (e.g.
	// fallback command logs); only their last line, since ldirectord's
	// start runs extra pairs.
	lastLine []string
	// noStart skips the start (exit code scenarios on a stopped daemon).
	noStart bool
}

var reFailureCount = regexp.MustCompile(`(?m)^failurecount\s*=\s*(\d+)`)

// rounds is how many full check rounds after a step make its effect
// certain: failurecount of them, and one more for the margin.
func (sc ldScenario) rounds() int {
	if m := reFailureCount.FindStringSubmatch(sc.config); m != nil {
		n, _ := strconv.Atoi(m[1])
		return n + 1
	}
	return 2
}

// ldWorld is one implementation's pass through a scenario.
type ldWorld struct {
	sc     ldScenario
	ld     string // the ldirectord to run
	ns     string // director namespace
	name   string // config name, e.g. all-up-d.cf
	cfg    string
	dir    string
	tables []string
	lines  []string
	errs   []string
	mark   int64 // monitorfile size when the last step ended
	// perlLib: Debian ldirectord's modules on tmpfs (debianPerlCache).
	perlLib string
	log     string // its logfile, for failures and recordings
}

func newWorld(sc ldScenario, idx int, impl, ld string) *ldWorld {
	name := fmt.Sprintf("%s-%s.cf", sc.name, impl)
	return &ldWorld{
		sc: sc, ld: ld, name: name,
		ns:  fmt.Sprintf("ld%02d%s", idx, impl),
		cfg: "/etc/ha.d/" + name,
		dir: "/tmp/ld/" + strings.TrimSuffix(name, ".cf"),
	}
}

func (w *ldWorld) errorf(format string, args ...any) {
	w.errs = append(w.errs, fmt.Sprintf(format, args...))
}

// bash runs a script in the director namespace.
func (w *ldWorld) bash(script string) (string, int) {
	ctx, cancel := context.WithTimeout(context.Background(), 180*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "ip", "netns", "exec", w.ns, "bash", "-c", worldPrelude+script)
	cmd.WaitDelay = 5 * time.Second // a daemon holding the output open
	cmd.Env = append(os.Environ(), "PERL5LIB="+w.perlLib, "LD="+w.ld, "CFG="+w.cfg, "W="+w.dir, "NS="+w.ns,
		"PIDF=/run/ldirectord."+w.name+".pid")
	out, err := cmd.CombinedOutput()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		w.errorf("%s: %v", script, err)
	}
	if ctx.Err() != nil {
		w.errorf("%s: timed out", script)
	}
	return string(out), code
}

// setup creates the namespaces, the directory and the config.
func (w *ldWorld) setup() error {
	script := fmt.Sprintf("set -e\nip netns add %[1]s\nip -n %[1]s link set lo up\n", w.ns)
	for i := 2; i <= 5; i++ {
		script += fmt.Sprintf(`ip netns add %[1]s-r%[2]d
ip -n %[1]s link add h%[2]d type veth peer name r%[2]d netns %[1]s-r%[2]d
ip -n %[1]s addr add 10.0.%[2]d.1/24 dev h%[2]d
ip -n %[1]s link set h%[2]d up
ip -n %[1]s-r%[2]d addr add 10.0.%[2]d.2/24 dev r%[2]d
ip -n %[1]s-r%[2]d link set r%[2]d up
ip -n %[1]s-r%[2]d link set lo up
`, w.ns, i)
	}
	script += fmt.Sprintf("mkdir -p %[1]s/maint\nip netns exec %[2]s busybox httpd -p 127.0.0.1:80 -h /tmp/www\n", w.dir, w.ns)
	if out, err := exec.Command("bash", "-c", script).CombinedOutput(); err != nil {
		return fmt.Errorf("world %s: %w\n%s", w.ns, err, out)
	}
	cfg := strings.ReplaceAll(diffHeader+w.sc.config+diffSentinel, "{W}", w.dir)
	return os.WriteFile(w.cfg, []byte(cfg), 0o644)
}

// teardown stops whatever is left and removes the world.
func (w *ldWorld) teardown() {
	// Only when still running: each Perl ldirectord command is seconds.
	if w.running() {
		w.bash(`$LD $CFG stop >/dev/null 2>&1; true`)
		w.waitStopped()
	}
	if b, err := os.ReadFile(filepath.Join(w.dir, "ldirectord.log")); err == nil {
		w.log = string(b)
	}
	script := fmt.Sprintf(`for i in 2 3 4 5; do ip netns pids %[1]s-r$i | xargs -r kill -9; ip netns del %[1]s-r$i; done
ip netns pids %[1]s | xargs -r kill -9; ip netns del %[1]s; rm -rf %[2]s %[3]s /run/ldirectord.%[4]s.*; true`, w.ns, w.dir, w.cfg, w.name)
	exec.Command("bash", "-c", script).Run()
}

// daemonPattern finds the daemon by its command line (start, restart or
// try-restart).
func (w *ldWorld) daemonPattern() string {
	return "ldirectord " + regexp.QuoteMeta(w.cfg) + " ([a-z-]*)?start$"
}

func (w *ldWorld) running() bool {
	return exec.Command("pgrep", "-f", w.daemonPattern()).Run() == nil
}

func (w *ldWorld) waitStopped() bool {
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if !w.running() {
			return true
		}
		time.Sleep(100 * time.Millisecond)
	}
	return false
}

func (w *ldWorld) table() string {
	out, err := exec.Command("ip", "netns", "exec", w.ns, "/sbin/ipvsadm", "-Sn").CombinedOutput()
	if err != nil {
		w.errorf("ipvsadm -Sn: %v\n%s", err, out)
	}
	return string(out)
}

func (w *ldWorld) monitorSize() int64 {
	st, err := os.Stat(filepath.Join(w.dir, "monitor"))
	if err != nil {
		return 0
	}
	return st.Size()
}

// sentinelChecks counts the sentinel's monitorfile lines since the mark.
func (w *ldWorld) sentinelChecks() int {
	b, err := os.ReadFile(filepath.Join(w.dir, "monitor"))
	if err != nil || int64(len(b)) < w.mark {
		return 0
	}
	return strings.Count(string(b[w.mark:]), " 127.0.0.1 80 ")
}

// step runs one step and sets the mark for its evidence.
func (w *ldWorld) step(st ldStep) {
	out, code := w.bash(st.do)
	w.mark = w.monitorSize()
	if st.record {
		w.lines = append(w.lines, fmt.Sprintf("%s: rc %d %s", st.name, code, w.normalize(out)))
	}
}

var rePid = regexp.MustCompile(`pid: \d+|\[\d+\]`)

// normalize makes the two worlds' outputs comparable.
func (w *ldWorld) normalize(out string) string {
	out = strings.ReplaceAll(out, w.dir, "$W")
	out = strings.ReplaceAll(out, w.name, w.sc.name+".cf")
	return rePid.ReplaceAllString(strings.TrimSpace(out), "PID")
}

// settled waits for the evidence that the step has taken effect: the
// daemon gone after a stopping step (or when none runs), else enough
// sentinel checks since the step and, when want is set, that table.
func (w *ldWorld) settled(stops bool, want string, deadline time.Time) string {
	if stops || !w.running() {
		if !w.waitStopped() {
			w.errorf("daemon still running 20s after the step")
		}
		return w.table()
	}
	need := w.sc.rounds() + 1
	for {
		tab := w.table()
		n := w.sentinelChecks()
		if n >= need && (want == "" || tab == want) {
			return tab
		}
		if time.Now().After(deadline) {
			w.errorf("not settled: %d of %d sentinel checks, running %v", n, need, w.running())
			return tab
		}
		if !w.running() {
			// It stopped by itself (a failed start): nothing more to wait for.
			return w.table()
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// settle records the tables after a step: Debian's by its own evidence,
// then lvsctl's once it equals Debian's, live or recorded (or at its
// deadline). deb or lv is nil when only one side runs.
func settle(deb, lv *ldWorld, rec *ldRecording, stops bool) {
	want := ""
	if deb != nil {
		want = deb.settled(stops, "", time.Now().Add(180*time.Second))
		deb.tables = append(deb.tables, want)
	} else if n := len(lv.tables); n < len(rec.tables) {
		want = rec.tables[n]
	}
	if lv != nil {
		lv.tables = append(lv.tables, lv.settled(stops, want, time.Now().Add(60*time.Second)))
	}
}

// worlds are the sides that run.
func worlds(deb, lv *ldWorld) []*ldWorld {
	var ws []*ldWorld
	for _, w := range []*ldWorld{deb, lv} {
		if w != nil {
			ws = append(ws, w)
		}
	}
	return ws
}

// inAll runs f in every world at once.
func inAll(ws []*ldWorld, f func(w *ldWorld)) {
	var wg sync.WaitGroup
	for _, w := range ws {
		wg.Add(1)
		go func() { defer wg.Done(); f(w) }()
	}
	wg.Wait()
}

// scenarioSteps is what a scenario runs: its steps, between a start and
// a stop unless it says otherwise.
func scenarioSteps(sc ldScenario) []ldStep {
	steps := sc.steps
	if !sc.noStart {
		steps = append([]ldStep{{name: "start", do: `$LD $CFG start`, record: true}}, steps...)
		steps = append(steps, ldStep{name: "stop", do: `$LD $CFG stop`, record: true, stops: true})
	}
	return steps
}

// stepNames names the table taken after each step.
func stepNames(sc ldScenario) []string {
	var names []string
	for _, st := range scenarioSteps(sc) {
		names = append(names, st.name)
	}
	return names
}

func runDiffScenario(t *testing.T, sc ldScenario, deb, lv *ldWorld, rec *ldRecording) {
	ws := worlds(deb, lv)
	for _, w := range ws {
		defer w.teardown()
		if err := w.setup(); err != nil {
			t.Fatal(err)
		}
	}
	if sc.before != "" {
		inAll(ws, func(w *ldWorld) { w.bash(sc.before) })
	}
	for _, st := range scenarioSteps(sc) {
		inAll(ws, func(w *ldWorld) { w.step(st) })
		settle(deb, lv, rec, st.stops)
	}
	for _, f := range sc.lastLine {
		for _, w := range ws {
			b, _ := os.ReadFile(filepath.Join(w.dir, f))
			lines := strings.Split(strings.TrimSpace(string(b)), "\n")
			w.lines = append(w.lines, fmt.Sprintf("%s last: %s", f, lines[len(lines)-1]))
		}
	}
}

func TestDirectorDifferential(t *testing.T) {
	requireLab(t)
	mode := *ldDiffMode
	if mode != "replay" && mode != "record" && mode != "live" {
		t.Fatalf("-director-diff %q: replay, record or live", mode)
	}
	lv := ldLink(t)
	resetKernel(t)
	ldCleanup()
	sh(t, "mkdir -p /tmp/www /tmp/ld && echo ok >/tmp/www/index.html")
	perlLib := ""
	if mode != "replay" {
		start := time.Now()
		perlLib = debianPerlCache(t)
		t.Logf("Perl module cache for ldirectord: %s", time.Since(start).Round(100*time.Millisecond))
	}
	if len(ldScenarios) < 25 {
		t.Errorf("%d scenarios, want at least 25", len(ldScenarios))
	}
	t.Run("scenarios", func(t *testing.T) {
		for i, sc := range ldScenarios {
			t.Run(sc.name, func(t *testing.T) {
				t.Parallel()
				runDiffTest(t, mode, sc, i, lv, perlLib)
			})
		}
	})
	ldCleanup()
}

func runDiffTest(t *testing.T, mode string, sc ldScenario, idx int, lv, perlLib string) {
	start := time.Now()
	var deb, got *ldWorld
	var rec *ldRecording
	if mode == "replay" {
		var err error
		if rec, err = loadRecording(sc.name); err != nil {
			t.Fatalf("Debian's recording: %v (record it: RECORD=1 E2E_ARGS=-director-diff=record make e2e TESTS=^TestDirectorDifferential$)", err)
		}
		if names := stepNames(sc); !slices.Equal(names, rec.names) {
			t.Fatalf("recording has steps %q, the scenario %q: record it again", rec.names, names)
		}
	} else {
		deb = newWorld(sc, idx, "d", debianLd)
		deb.perlLib = perlLib
	}
	if mode != "record" {
		got = newWorld(sc, idx, "l", lv)
	}
	runDiffScenario(t, sc, deb, got, rec)
	t.Logf("took %s", time.Since(start).Round(100*time.Millisecond))
	for _, w := range worlds(deb, got) {
		for _, e := range w.errs {
			t.Errorf("%s: %s", w.ns, e)
		}
	}
	if deb != nil {
		rec = &ldRecording{names: stepNames(sc), tables: deb.tables, out: strings.Join(deb.lines, "\n")}
	}
	if mode == "record" {
		if !t.Failed() {
			header := fmt.Sprintf("# Debian's ldirectord in scenario %s of TestDirectorDifferential (e2e/director_scenarios_test.go),\n# recorded in the lab %s.\n", sc.name, time.Now().UTC().Format("2006-01-02"))
			if err := saveRecording(sc.name, rec, header); err != nil {
				t.Error(err)
			}
		}
		if t.Failed() {
			t.Logf("ldirectord's log:\n%s", tail(deb.log, 40))
		}
		// Kept beside the recording, for its review.
		if err := saveRecordingLog(sc.name, deb.log); err != nil {
			t.Error(err)
		}
		return
	}
	for i := range rec.tables {
		if i >= len(got.tables) || got.tables[i] != rec.tables[i] {
			g := ""
			if i < len(got.tables) {
				g = got.tables[i]
			}
			t.Errorf("table after %q differs (-ldirectord +lvsctl):\n%s", rec.names[i], lineDiff(rec.tables[i], g))
		}
	}
	if b := strings.Join(got.lines, "\n"); rec.out != b {
		t.Errorf("outputs differ (-ldirectord +lvsctl):\n%s", lineDiff(rec.out, b))
	}
	if t.Failed() {
		if deb != nil {
			t.Logf("ldirectord's log:\n%s", tail(deb.log, 40))
		}
		t.Logf("lvsctl's log:\n%s", tail(got.log, 40))
	}
}
