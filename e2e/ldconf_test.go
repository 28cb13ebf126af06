//go:build e2e

package e2e

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lvsctl/lvsctl/ipvsctl"
	"github.com/lvsctl/lvsctl/ipvsctl/ipvsadm"
	"github.com/lvsctl/lvsctl/ldconf"
)

// The ldirectord.cf differential (testdata/ldirectord/README.md): every
// valid config of the corpus is started with Debian's ldirectord, checks
// forced to "on", and the table it builds in the kernel is compared with
// the one ldconf asks for; every invalid config must make Debian's
// ldirectord exit with the status ldconf gives it. Debian's answers are
// recorded and replayed unless -ldconf-diff says otherwise
// (ldconf_record_test.go); live runs go in parallel, in workers of their
// own (ldconf_pool_test.go).

const (
	corpusDir = "../testdata/ldirectord"
	// labDir holds, for each entry of differential-exceptions.txt, the
	// table Debian's ldirectord really builds (reviewed against the
	// exception's description), so an exception is asserted, not skipped.
	labDir        = corpusDir + "/lab"
	ldirectordBin = "/usr/sbin/ldirectord"
	// settleTimeout bounds one ldirectord run until its first check round
	// is over; the guest is emulated, Perl's start-up alone takes seconds.
	settleTimeout = 3 * time.Minute
)

// recordDir: where to write the tables Debian's ldirectord builds for the
// configs of differential-exceptions.txt, to review them against the
// exception's description and copy them to testdata/ldirectord/lab/.
var recordDir = flag.String("ldirectord-record", "", "write Debian's tables for the exception configs to this directory")

// The corpus is split in two tests so that CI's two lab VMs share it
// (e2e/run.sh balances whole tests): TestLdconfDifferential takes the
// invalid configs and every other valid one, TestLdconfDifferentialB the
// rest of the valid ones.
func TestLdconfDifferential(t *testing.T)  { ldconfDifferential(t, 0) }
func TestLdconfDifferentialB(t *testing.T) { ldconfDifferential(t, 1) }

func ldconfDifferential(t *testing.T, part int) {
	requireLab(t)
	useCorpusHosts(t)
	if _, err := os.Stat("/etc/ha.d/ldirectord.cf"); err == nil {
		// execute-empty runs "ldirectord '' start", i.e. the default
		// config: it must not exist or it would be started too.
		t.Fatal("/etc/ha.d/ldirectord.cf exists in the guest")
	}
	exceptions := readExceptions(t)

	valid, _ := filepath.Glob(filepath.Join(corpusDir, "valid", "*.cf"))
	invalid, _ := filepath.Glob(filepath.Join(corpusDir, "invalid", "*.cf"))
	if len(valid) == 0 || len(invalid) == 0 {
		t.Fatalf("no corpus: %d valid, %d invalid", len(valid), len(invalid))
	}
	// Every exception must name a config of the corpus.
	names := func(paths []string) map[string]bool {
		m := map[string]bool{}
		for _, p := range paths {
			m[strings.TrimSuffix(filepath.Base(p), ".cf")] = true
		}
		return m
	}
	validNames, invalidNames := names(valid), names(invalid)
	for name := range exceptions {
		if !validNames[name] {
			t.Errorf("differential-exceptions.txt names %s, which is not a valid config of the corpus", name)
		}
	}
	// Every recording must name a config of the corpus.
	for kind, names := range map[string]map[string]bool{"valid": validNames, "invalid": invalidNames} {
		recs, _ := filepath.Glob(filepath.Join(ldconfGoldenDir, kind, "*.txt"))
		for _, r := range recs {
			if name := strings.TrimSuffix(filepath.Base(r), ".txt"); !names[name] {
				t.Errorf("%s/%s.txt records Debian's answer to a config the corpus no longer has", kind, name)
			}
		}
	}
	accepted := readNameList(t, filepath.Join(labDir, "invalid-exceptions.txt"))
	for name := range accepted {
		if !invalidNames[name] {
			t.Errorf("lab/invalid-exceptions.txt names %s, which is not an invalid config of the corpus", name)
		}
	}
	var half []string
	for i, p := range valid {
		if i%2 == part {
			half = append(half, p)
		}
	}
	valid = half
	if part != 0 {
		invalid = nil
	}
	// Live runs go in parallel, each worker with its own IPVS table
	// (ldconf_pool_test.go); the workers stop once every subtest is over.
	pool := ldconfPool(t)
	t.Run("valid", func(t *testing.T) {
		t.Parallel()
		for _, path := range valid {
			name := strings.TrimSuffix(filepath.Base(path), ".cf")
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				reason, isException := exceptions[name]
				validDifferential(t, pool, path, name, reason, isException)
			})
		}
	})
	t.Run("invalid", func(t *testing.T) {
		t.Parallel()
		for _, path := range invalid {
			name := strings.TrimSuffix(filepath.Base(path), ".cf")
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				if reason, ok := accepted[name]; ok {
					invalidOnlyForLvsctl(t, pool, path, name, reason)
					return
				}
				invalidDifferential(t, pool, path, name)
			})
		}
	})
}

func validDifferential(t *testing.T, pool chan *ldWorker, path, name, reason string, isException bool) {
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// The same file feeds both sides; same base name, so ldirectord's
	// CFGNAME (log lines, pid file name) is the corpus one.
	cf := filepath.Join(t.TempDir(), name+".cf")
	forcedSrc := forceCheckOn(src)
	if err := os.WriteFile(cf, forcedSrc, 0o644); err != nil {
		t.Fatal(err)
	}
	forced, err := ldconf.Load(cf)
	if err != nil {
		t.Fatalf("ldconf rejects the forced config: %v", err)
	}
	for _, v := range forced.Virtuals {
		if v.CheckType != ldconf.CheckOn {
			t.Fatalf("virtual of line %d: checktype %v after forcing on", v.Line, v.CheckType)
		}
	}
	orig, err := ldconf.Load(path)
	if err != nil {
		t.Fatalf("ldconf rejects the corpus config in the lab: %v", err)
	}
	want := renderLab(forced.Table())
	// The check type must not change the table ldconf asks for, or the
	// differential would not speak about the corpus config.
	if o := renderLab(orig.Table()); o != want {
		t.Fatalf("forcing checktype=on changed ldconf's table:\n%s", lineDiff(o, want))
	}

	deb := debianValid(t, pool, name, cf, forcedSrc)
	got, log := deb.table, deb.log
	if hasReals(forced) && !deb.checked {
		// The table would be the start-up one, not a checked one.
		t.Errorf("ldirectord logged no check round:\n%s", tail(log, 30))
	}
	if isException {
		if *recordDir != "" {
			if err := os.WriteFile(filepath.Join(*recordDir, name+".ipvsadm"), []byte(got), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		exp, err := os.ReadFile(filepath.Join(labDir, name+".ipvsadm"))
		if err != nil {
			t.Fatalf("exception %q has no recorded Debian table (%v); Debian built:\n%s", reason, err, got)
		}
		if got != string(exp) {
			t.Errorf("exception %s (%s): Debian's table is not the recorded one (-recorded +debian):\n%s\nldirectord said:\n%s",
				name, reason, lineDiff(string(exp), got), tail(log, 30))
		}
		if got == want {
			t.Errorf("exception %s (%s) no longer holds: lvsctl and Debian agree; drop it from differential-exceptions.txt", name, reason)
		}
		t.Logf("deliberate difference (%s):\n%s", reason, lineDiff(got, want))
	} else if got != want {
		t.Errorf("tables differ (-debian +ldconf):\n%s\nsorted lines equal: %v\nldirectord said:\n%s",
			lineDiff(got, want), sortedLines(got) == sortedLines(want), tail(log, 30))
	}

	t.Run("cli", func(t *testing.T) {
		out, err := exec.Command(lvsctlBin(t), "ldirectord", "--check", cf).Output()
		if err != nil {
			t.Fatalf("lvsctl ldirectord --check %s: %v\n%s", cf, err, out)
		}
		// --check prints ipvsadm -S -n form; the thresholds are not
		// part of it, so only the rules are compared.
		rules, _, _ := strings.Cut(want, thresholdsMark)
		if string(out) != rules {
			t.Errorf("--check differs from ldconf.Table (-table +cli):\n%s", lineDiff(rules, string(out)))
		}
	})
}

// hasReals tells whether any virtual of c has a real server ldirectord
// would add (a check round then shows in its log).
func hasReals(c *ldconf.Config) bool {
	for _, v := range c.Virtuals {
		for _, r := range v.Reals {
			if v.Rejected == "" && r.Rejected == "" {
				return true
			}
		}
	}
	return false
}

// invalidOnlyForLvsctl: a config lvsctl refuses on purpose and Debian's
// ldirectord accepts (lab/invalid-exceptions.txt says why). Asserted for
// what it is: ldirectord has not rejected it (no exit 2) within
// acceptWindow, while lvsctl rejects it.
func invalidOnlyForLvsctl(t *testing.T, pool chan *ldWorker, path, name, reason string) {
	path, _ = filepath.Abs(path)
	if _, err := ldconf.Load(path); ldconf.ExitStatus(err) != ldconf.ExitConfigError {
		t.Fatalf("lvsctl does not reject it (%v); the exception %q is stale", err, reason)
	}
	deb := debianInvalid(t, pool, name, path, acceptWindow)
	if rc := deb.status; rc == ldconf.ExitConfigError {
		t.Errorf("ldirectord now rejects it too (exit %d); drop it from lab/invalid-exceptions.txt:\n%s", rc, tail(deb.log, 10))
	}
	t.Logf("deliberate difference (%s): lvsctl exits %d, ldirectord did not reject it within %v", reason, ldconf.ExitConfigError, acceptWindow)
}

// acceptWindow: how long ldirectord gets to reject a config lvsctl
// refuses on purpose (it rejects bad configs in a few seconds).
const acceptWindow = 30 * time.Second

func invalidDifferential(t *testing.T, pool chan *ldWorker, path, name string) {
	path, _ = filepath.Abs(path)
	_, err := ldconf.Load(path)
	if err == nil {
		t.Fatal("ldconf accepts it in the lab")
	}
	want := ldconf.ExitStatus(err)
	// The exit status is decided while parsing, which every action does
	// first: status is the cheapest, it touches no table.
	deb := debianInvalid(t, pool, name, path, settleTimeout)
	got, out := deb.status, deb.log
	if got != want {
		t.Errorf("exit status: ldirectord %d, ldconf %d (%v)\nldirectord said:\n%s", got, want, err, tail(out, 20))
	}
	// And the command users run: lvsctl ldirectord --check.
	cli := exec.Command(lvsctlBin(t), "ldirectord", "--check", path)
	cliOut, _ := cli.CombinedOutput()
	if rc := cli.ProcessState.ExitCode(); rc != got {
		t.Errorf("exit status: ldirectord %d, lvsctl ldirectord --check %d:\n%s", got, rc, cliOut)
	}
	// The message is ldconf's own (unit-tested); here only make sure
	// ldirectord really rejected the config and did not fail elsewhere.
	if !deb.rejected {
		t.Errorf("ldirectord did not report a config error:\n%s", tail(out, 20))
	}
}

// ldirectordTable runs `ldirectord -d CF start` in a worker until its
// first check round is over and returns the table it built and what it
// logged. -d keeps it in the foreground without a pid file.
func ldirectordTable(t *testing.T, pool chan *ldWorker, name, cf string) (table, log string) {
	t.Helper()
	w := <-pool
	defer func() { pool <- w }()
	run, err := w.start(name, "-d", cf, "start")
	if err != nil {
		t.Fatal(err)
	}
	table, err = run.settle(settleTimeout)
	// The table is taken; how ldirectord stops is not under test here
	// (cleanstop=no configs would leave it anyway).
	run.kill()
	log = run.output()
	if cerr := w.flush(); cerr != nil {
		t.Errorf("clearing worker %d's table: %v", w.id, cerr)
	}
	if err != nil {
		t.Fatalf("%v:\n%s", err, tail(log, 30))
	}
	return table, log
}

// useCorpusHosts makes the corpus host names resolvable for ldirectord,
// lvsctl and this process alike: / is the host's read-only 9p export, so
// a combined file is bind-mounted over /etc/hosts for the test's
// duration. The guest is disposable and the tests run one at a time, so a
// private mount namespace would only add a way for the two sides to see
// different files.
func useCorpusHosts(t *testing.T) {
	t.Helper()
	sys, err := os.ReadFile("/etc/hosts")
	if err != nil {
		t.Fatal(err)
	}
	extra, err := os.ReadFile(filepath.Join(corpusDir, "hosts"))
	if err != nil {
		t.Fatal(err)
	}
	combined := filepath.Join(os.TempDir(), "e2e-hosts")
	if err := os.WriteFile(combined, append(append(sys, '\n'), extra...), 0o644); err != nil {
		t.Fatal(err)
	}
	sh(t, "mount --bind "+combined+" /etc/hosts")
	t.Cleanup(func() { exec.Command("umount", "/etc/hosts").Run() })
	// getaddrinfo with AI_ADDRCONFIG (Socket6, getent) finds no name of
	// a family the machine has no non-loopback address of; a director
	// has both, the bare guest only lo.
	sh(t, "ip link add e2ehosts0 type dummy && ip link set e2ehosts0 up && ip addr add 10.254.254.1/32 dev e2ehosts0 && ip addr add 2001:db8:ffff::1/128 dev e2ehosts0 nodad")
	t.Cleanup(func() { exec.Command("ip", "link", "del", "e2ehosts0").Run() })
	out := sh(t, "getent ahostsv4 real1.example.test; getent ahostsv6 vip6.example.test")
	if !strings.Contains(out, "192.0.2.11") || !strings.Contains(out, "2001:db8::10") {
		t.Fatalf("corpus hosts not visible through glibc:\n%s", out)
	}
}

// readExceptions reads differential-exceptions.txt: NAME<TAB>description.
func readExceptions(t *testing.T) map[string]string {
	t.Helper()
	return readNameList(t, filepath.Join(corpusDir, "differential-exceptions.txt"))
}

// readNameList reads NAME<TAB>description lines; # starts a comment line.
func readNameList(t *testing.T, path string) map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") || strings.TrimSpace(line) == "" {
			continue
		}
		name, reason, ok := strings.Cut(line, "\t")
		if !ok {
			t.Fatalf("%s: no tab in %q", path, line)
		}
		m[name] = reason
	}
	return m
}

var (
	reVirtualLine   = regexp.MustCompile(`^virtual6?[ \t]*=`)
	reCheckTypeLine = regexp.MustCompile(`^([ \t]+)checktype[ \t]*=`)
)

// forceCheckOn makes every virtual block check with checktype=on: a
// checktype line right after each virtual= line, and any checktype line
// of a block rewritten (a later one would win).
func forceCheckOn(src []byte) []byte {
	var b bytes.Buffer
	for _, line := range strings.SplitAfter(string(src), "\n") {
		switch {
		case reVirtualLine.MatchString(line):
			b.WriteString(line)
			if !strings.HasSuffix(line, "\n") {
				b.WriteString("\n")
			}
			b.WriteString("\tchecktype=on\n")
		case reCheckTypeLine.MatchString(line):
			m := reCheckTypeLine.FindStringSubmatch(line)
			b.WriteString(m[1] + "checktype=on\n")
		default:
			b.WriteString(line)
		}
	}
	return b.Bytes()
}

const thresholdsMark = "--- ipvsadm -L -n --thresholds\n"

// renderLab writes a table as `ipvsadm -S -n`, then as `ipvsadm -L -n
// --thresholds` without the version banner (-S leaves thresholds out),
// with ipvsctl's printer, which is byte-compatible with ipvsadm's.
func renderLab(vss []ipvsctl.VirtualService) string {
	svcs := make([]ipvsctl.Service, len(vss))
	dests := map[ipvsctl.ServiceKey][]ipvsctl.Destination{}
	for i, vs := range vss {
		svcs[i] = vs.Service
		dests[vs.Service.Key()] = vs.Destinations
	}
	ipvsctl.SortServices(svcs)
	var b bytes.Buffer
	p := &ipvsadm.Printer{W: &b, Format: ipvsadm.FmtRule | ipvsadm.FmtNumeric}
	for i := range svcs {
		p.Service(&svcs[i], append([]ipvsctl.Destination(nil), dests[svcs[i].Key()]...))
	}
	b.WriteString(thresholdsMark)
	p.Format = ipvsadm.FmtThresholds | ipvsadm.FmtNumeric
	p.Title()
	for i := range svcs {
		p.Service(&svcs[i], append([]ipvsctl.Destination(nil), dests[svcs[i].Key()]...))
	}
	return b.String()
}

// kernelTable reads the live table with Debian's ipvsadm, in renderLab's
// layout.
func kernelTable(t *testing.T) string {
	t.Helper()
	rules, err := exec.Command(filepath.Join(realIpvsadmDir, "ipvsadm"), "-S", "-n").Output()
	if err != nil {
		t.Fatalf("ipvsadm -S -n: %v", err)
	}
	th, err := exec.Command(filepath.Join(realIpvsadmDir, "ipvsadm"), "-L", "-n", "--thresholds").Output()
	if err != nil {
		t.Fatalf("ipvsadm -L -n --thresholds: %v", err)
	}
	_, th, _ = bytes.Cut(th, []byte("\n")) // the version banner
	return string(rules) + thresholdsMark + string(th)
}

// groupAsleep tells whether every live process of the group is in
// (clock_)nanosleep: ldirectord's main loop (and fork=yes children)
// sleep checkinterval after a check round, and nowhere else while
// starting; a process running or waiting for ipvsadm is not asleep.
func groupAsleep(pgid int) bool {
	pids := groupPids(pgid)
	if len(pids) == 0 {
		return false
	}
	for _, pid := range pids {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/syscall", pid))
		if err != nil {
			return false
		}
		nr, _, _ := strings.Cut(string(b), " ")
		// x86_64: 35 nanosleep, 230 clock_nanosleep.
		if nr != "35" && nr != "230" {
			return false
		}
	}
	return true
}

// groupSignals shows the signal masks of a process group, for a run that
// hangs (a blocked SIGALRM stops ldirectord's timeouts).
func groupSignals(pgid int) string {
	var b strings.Builder
	for _, pid := range groupPids(pgid) {
		st, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
		sc, _ := os.ReadFile(fmt.Sprintf("/proc/%d/syscall", pid))
		cmd, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
		fmt.Fprintf(&b, "pid %d %q syscall %s", pid, bytes.ReplaceAll(cmd, []byte{0}, []byte{' '}), sc)
		for _, l := range strings.Split(string(st), "\n") {
			if strings.HasPrefix(l, "Sig") || strings.HasPrefix(l, "State") {
				fmt.Fprintf(&b, "  %s\n", l)
			}
		}
	}
	return b.String()
}

// groupPids lists the live (not zombie) processes of a process group.
func groupPids(pgid int) []int {
	ents, _ := os.ReadDir("/proc")
	var pids []int
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		// pid (comm) state ppid pgrp ...; comm may hold spaces.
		s := string(b)
		f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
		if len(f) < 3 || f[0] == "Z" || f[0] == "X" {
			continue
		}
		if g, _ := strconv.Atoi(f[2]); g == pgid {
			pids = append(pids, pid)
		}
	}
	return pids
}

// ldirectordEnv is the environment ldirectord runs with. ldirectord
// re-executes itself once with PERLIO=perlio unless PERLIO is set; set
// it, and Perl starts once instead of twice (seconds in the emulated
// guest) for the same program state.
func ldirectordEnv(extra ...string) []string {
	return append(append(os.Environ(), "PERLIO=perlio"), extra...)
}

func ipvsadmClear(t *testing.T) {
	t.Helper()
	if out, err := exec.Command(filepath.Join(realIpvsadmDir, "ipvsadm"), "-C").CombinedOutput(); err != nil {
		t.Fatalf("ipvsadm -C: %v\n%s", err, out)
	}
}

func sortedLines(s string) string {
	l := strings.Split(s, "\n")
	sort.Strings(l)
	return strings.Join(l, "\n")
}

// tail is the last n lines of s.
func tail(s string, n int) string {
	l := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(l) > n {
		l = l[len(l)-n:]
	}
	return strings.Join(l, "\n")
}
