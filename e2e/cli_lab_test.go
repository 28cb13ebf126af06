//go:build e2e

package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// What lvsctl's own commands do on the real kernel: lvsctl metrics with
// the table and without access to it, completion from the live table,
// and the ldirectord personality's configuration errors against Debian's
// ldirectord.

// asNobody is argv run as user and group 65534, without capabilities:
// the kernel refuses IPVS's netlink commands to it.
func asNobody(argv ...string) []string {
	return append([]string{"--reuid=65534", "--regid=65534", "--clear-groups", "--"}, argv...)
}

// sharedDir is a directory every user may write in (t.TempDir's parents
// are root's alone).
func sharedDir(t *testing.T) string {
	t.Helper()
	d, err := os.MkdirTemp("/tmp", "e2e-shared-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(d) })
	if err := os.Chmod(d, 0o777); err != nil {
		t.Fatal(err)
	}
	return d
}

// withDebianIpvsadm runs Debian's ipvsadm and fails the test on an error.
func withDebianIpvsadm(t *testing.T, args ...string) {
	t.Helper()
	if out, err := exec.Command(debianIpvsadm, args...).CombinedOutput(); err != nil {
		t.Fatalf("ipvsadm %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

const lvsUpDown = "# HELP lvs_up Whether the IPVS table could be read (1) or not (0).\n# TYPE lvs_up gauge\nlvs_up 0\n"

// TestMetricsLiveTable: lvsctl metrics reads the table Debian's ipvsadm
// made (lvs_up 1 first, the same bytes on stdout and in -o FILE); a user
// the kernel refuses gets lvs_up 0 alone, exit 1, and -o FILE replaced
// by it (a new file, not the old table).
func TestMetricsLiveTable(t *testing.T) {
	requireLab(t)
	resetKernel(t)
	t.Cleanup(func() { resetKernel(t) })
	withDebianIpvsadm(t, "-A", "-t", "192.0.2.100:80", "-s", "wrr")
	withDebianIpvsadm(t, "-a", "-t", "192.0.2.100:80", "-r", "10.10.1.2:80", "-m", "-w", "3")
	withDebianIpvsadm(t, "-a", "-t", "192.0.2.100:80", "-r", "10.10.2.2:80", "-m", "-w", "0")
	withDebianIpvsadm(t, "-A", "-u", "192.0.2.100:53", "-s", "rr")

	out, errOut, code := run(t, lvsctlBin(t), "metrics")
	if code != 0 || errOut != "" {
		t.Fatalf("lvsctl metrics: exit %d, stderr %q", code, errOut)
	}
	if !strings.HasPrefix(out, strings.Replace(lvsUpDown, "lvs_up 0", "lvs_up 1", 1)) {
		t.Errorf("lvsctl metrics does not start with lvs_up 1:\n%s", out)
	}
	for _, want := range []string{
		`lvs_real_weight{protocol="tcp",service="192.0.2.100:80",real="10.10.1.2:80"} 3` + "\n",
		`lvs_real_weight{protocol="tcp",service="192.0.2.100:80",real="10.10.2.2:80"} 0` + "\n",
		`lvs_service_info{protocol="udp",service="192.0.2.100:53",scheduler="rr"`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("lvsctl metrics lacks %q:\n%s", want, out)
		}
	}
	dir := sharedDir(t)
	prom := filepath.Join(dir, "lvs.prom")
	if o, e, c := run(t, lvsctlBin(t), "metrics", "-o", prom); c != 0 || o != "" || e != "" {
		t.Fatalf("lvsctl metrics -o: exit %d, %q %q", c, o, e)
	}
	if b, err := os.ReadFile(prom); err != nil || string(b) != out {
		t.Errorf("-o FILE differs from stdout (%v):\n%s\nvs\n%s", err, b, out)
	}
	if err := os.Chmod(prom, 0o666); err != nil {
		t.Fatal(err)
	}
	before, _ := os.Stat(prom)

	// the kernel refuses an unprivileged user the table
	out, errOut, code = run(t, "setpriv", asNobody(lvsctlBin(t), "metrics")...)
	// (before it, what modprobe says, as under ipvsadm: the lab's
	// modules are not where modprobe looks)
	const refused = "lvsctl metrics: open IPVS: Permission denied (you must be root) (lvs_up 0 written)\n"
	if code != 1 || out != lvsUpDown || !strings.HasSuffix(errOut, "\n"+refused) && errOut != refused {
		t.Errorf("as nobody: exit %d, stdout %q, stderr %q; want 1, lvs_up 0 and %q", code, out, errOut, refused)
	}
	out, errOut, code = run(t, "setpriv", asNobody(lvsctlBin(t), "metrics", "-o", prom)...)
	if code != 1 || out != "" || !strings.HasSuffix(errOut, refused) {
		t.Errorf("as nobody, -o: exit %d, %q %q", code, out, errOut)
	}
	b, err := os.ReadFile(prom)
	after, _ := os.Stat(prom)
	if err != nil || string(b) != lvsUpDown || os.SameFile(before, after) {
		t.Errorf("-o FILE as nobody: %v, same file %v:\n%s", err, os.SameFile(before, after), b)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".*")); len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

// complete asks `lvsctl __complete ARGS...` as nobody (the live table
// needs no privileges) and returns its words, sorted, and its directive.
func complete(t *testing.T, args ...string) ([]string, string) {
	t.Helper()
	out, errOut, code := run(t, "setpriv", asNobody(append([]string{lvsctlBin(t), "__complete"}, args...)...)...)
	if code != 0 {
		t.Fatalf("lvsctl __complete %q: exit %d, %s", args, code, errOut)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	words, directive := lines[:len(lines)-1], lines[len(lines)-1]
	slices.Sort(words)
	return words, directive
}

// TestCompletionLiveTable: the completion scripts of ipvsadm and lvsctl
// offer the services and reals of the table Debian's ipvsadm made, as
// ipvsadm's options name them (Debian's ipvsadm accepts every one).
func TestCompletionLiveTable(t *testing.T) {
	requireLab(t)
	resetKernel(t)
	t.Cleanup(func() { resetKernel(t) })
	for _, args := range [][]string{
		{"-A", "-t", "192.0.2.100:80"},
		{"-a", "-t", "192.0.2.100:80", "-r", "10.10.1.2:80", "-m"},
		{"-a", "-t", "192.0.2.100:80", "-r", "10.10.2.2:80", "-m"},
		{"-A", "-t", "192.0.2.101:443"},
		{"-a", "-t", "192.0.2.101:443", "-r", "10.10.1.3:443", "-m"},
		{"-A", "-u", "192.0.2.100:53"},
		{"-A", "-f", "7"},
		{"-a", "-f", "7", "-r", "10.10.3.2", "-g"},
		{"-A", "-t", "[2001:db8::1]:80"},
		{"-a", "-t", "[2001:db8::1]:80", "-r", "[2001:db8::10]:80", "-m"},
	} {
		withDebianIpvsadm(t, args...)
	}
	for _, c := range []struct {
		args []string
		want []string
	}{
		{[]string{"ipvsadm", "-a", "-t", ""}, []string{"192.0.2.100:80", "192.0.2.101:443", "[2001:db8::1]:80"}},
		{[]string{"-E", "-t", "192.0.2.1"}, []string{"192.0.2.100:80", "192.0.2.101:443"}},
		{[]string{"ipvsadm", "-D", "-u", ""}, []string{"192.0.2.100:53"}},
		{[]string{"ipvsadm", "-L", "-f", ""}, []string{"7"}},
		{[]string{"ipvsadm", "-e", "-t", "192.0.2.100:80", "-r", ""}, []string{"10.10.1.2:80", "10.10.2.2:80"}},
		{[]string{"-d", "--tcp-service", "[2001:db8::1]:80", "--real-server", ""}, []string{"[2001:db8::10]:80"}},
		{[]string{"ipvsadm", "-d", "-f", "7", "-r", ""}, []string{"10.10.3.2:0"}},
	} {
		words, directive := complete(t, c.args...)
		if !slices.Equal(words, c.want) || directive != ":4" {
			t.Errorf("%q: %q %s, want %q :4", c.args, words, directive, c.want)
		}
	}
	// Each service offered is one Debian's ipvsadm finds, with the
	// option it was offered for.
	for opt, words := range map[string][]string{"-t": {"192.0.2.100:80", "192.0.2.101:443", "[2001:db8::1]:80"}, "-u": {"192.0.2.100:53"}, "-f": {"7"}} {
		for _, w := range words {
			if _, e, c := run(t, debianIpvsadm, "-L", "-n", opt, w); c != 0 {
				t.Errorf("Debian's ipvsadm -L -n %s %s: exit %d %s", opt, w, c, e)
			}
		}
	}
	// the script of the name ipvsadm asks lvsctl on PATH, whose answer
	// is the table's: through bash and bash-completion, as a user would
	if _, err := os.Stat("/usr/share/bash-completion/bash_completion"); err != nil {
		t.Skip("no bash-completion")
	}
	// cobra's bash script reads through process substitution, which
	// needs /dev/fd, as every Debian system has it (the lab's devtmpfs
	// does not)
	if _, err := os.Stat("/dev/fd"); err != nil {
		if err := os.Symlink("/proc/self/fd", "/dev/fd"); err != nil {
			t.Fatal(err)
		}
	}
	bin := sharedDir(t)
	if err := os.Symlink(lvsctlBin(t), filepath.Join(bin, "lvsctl")); err != nil {
		t.Fatal(err)
	}
	script := `. /usr/share/bash-completion/bash_completion
eval "$(lvsctl completion bash ipvsadm)"
COMP_WORDS=(ipvsadm -a -u ''); COMP_CWORD=3; COMP_LINE="ipvsadm -a -u "; COMP_POINT=${#COMP_LINE}
__start_ipvsadm ipvsadm '' -u; echo "reply: ${COMPREPLY[*]}"`
	cmd := exec.Command("setpriv", asNobody("bash", "-c", script)...)
	cmd.Env = append(os.Environ(), "PATH="+bin+":"+os.Getenv("PATH"), "HOME="+bin)
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "reply: 192.0.2.100:53\n") {
		t.Errorf("bash completion of ipvsadm -a -u: %v\n%s", err, out)
	}
}

// ldErrorConfigs are invalid configurations of the corpus, one of each
// kind of ldirectord's errors: unknown directive (global, in a block, a
// bare indented line), a bad value, a bad address, a duplicate (Debian's
// ldirectord takes some 25 s a run in the emulated lab).
var ldErrorConfigs = []string{
	"unknown-global", "unknown-virtual", "two-tabs-line", "real-bad-method", "virtual-garbage", "duplicate-virtual",
}

// TestLdirectordConfigErrorsVsDebian: named ldirectord, lvsctl says what
// Debian's ldirectord says of a bad configuration, byte for byte but for
// the pid, with its exit status: --check's wording is lvsctl's own
// command's, never the personality's.
func TestLdirectordConfigErrorsVsDebian(t *testing.T) {
	requireLab(t)
	ld := ldLink(t)
	for _, name := range ldErrorConfigs {
		cf, err := filepath.Abs(filepath.Join(corpusDir, "invalid", name+".cf"))
		if err != nil {
			t.Fatal(err)
		}
		dOut, dErr, dCode := run(t, debianLd, cf, "status")
		lOut, lErr, lCode := run(t, ld, cf, "status")
		dErr, lErr = rePid.ReplaceAllString(dErr, "[PID]"), rePid.ReplaceAllString(lErr, "[PID]")
		if dCode != lCode || dOut != lOut || dErr != lErr {
			t.Errorf("%s: Debian's ldirectord: exit %d, stdout %q, stderr %q\nlvsctl as ldirectord: exit %d, stdout %q, stderr %q",
				name, dCode, dOut, dErr, lCode, lOut, lErr)
		}
		if !strings.Contains(lErr, "] reading file "+cf+" at line ") || strings.Contains(lErr, "did you mean") {
			t.Errorf("%s: not ldirectord's own words: %q", name, lErr)
		}
		if lCode != 2 {
			t.Errorf("%s: exit %s, want 2", name, strconv.Itoa(lCode))
		}
	}
}

// TestDaemonUmask: the director started under umask 0 runs with 027
// (the group cannot write, others get nothing): its monitor file and
// what its external check creates are 0640; an admin's stricter umask
// stays.
func TestDaemonUmask(t *testing.T) {
	requireLab(t)
	resetKernel(t)
	t.Cleanup(func() { resetKernel(t) })
	for _, c := range []struct{ umask, want string }{{"0", "0027"}, {"077", "0077"}} {
		dir := t.TempDir()
		check := filepath.Join(dir, "check.sh")
		if err := os.WriteFile(check, []byte("#!/bin/sh\n: > "+dir+"/made-by-check\nexit 0\n"), 0o755); err != nil {
			t.Fatal(err)
		}
		monitor := filepath.Join(dir, "monitor")
		cf := filepath.Join(dir, "umask.cf")
		if err := os.WriteFile(cf, []byte("checkinterval=1\nlogfile=\"local0\"\nvirtual=192.0.2.100:80\n\treal=10.10.1.2:80 masq\n\tchecktype=external\n\tcheckcommand=\""+check+"\"\n\tmonitorfile=\""+monitor+"\"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		ld := exec.Command("sh", "-c", "umask "+c.umask+" && exec "+ldLink(t)+" -d "+cf+" start")
		var out strings.Builder
		ld.Stdout, ld.Stderr = &out, &out
		if err := ld.Start(); err != nil {
			t.Fatal(err)
		}
		waitFor := func(what string, ok func() bool) {
			t.Helper()
			for deadline := time.Now().Add(60 * time.Second); !ok(); time.Sleep(200 * time.Millisecond) {
				if time.Now().After(deadline) {
					t.Fatalf("umask %s: no %s within 60 s:\n%s", c.umask, what, out.String())
				}
			}
		}
		waitFor("check", func() bool { _, err := os.Stat(filepath.Join(dir, "made-by-check")); return err == nil })
		waitFor("monitor line", func() bool { b, _ := os.ReadFile(monitor); return len(b) > 0 })
		status, err := os.ReadFile("/proc/" + strconv.Itoa(ld.Process.Pid) + "/status")
		if err != nil || !strings.Contains(string(status), "\nUmask:\t"+c.want+"\n") {
			t.Errorf("umask %s: the daemon's %v\n%s", c.umask, err, status)
		}
		wantMode := os.FileMode(0o640)
		if c.umask == "077" {
			wantMode = 0o600
		}
		for _, p := range []string{monitor, filepath.Join(dir, "made-by-check")} {
			if st, err := os.Stat(p); err != nil || st.Mode().Perm() != wantMode {
				t.Errorf("umask %s: %s is %v (%v), want %v", c.umask, filepath.Base(p), st.Mode(), err, wantMode)
			}
		}
		ld.Process.Signal(syscall.SIGTERM)
		done := make(chan error, 1)
		go func() { done <- ld.Wait() }()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			ld.Process.Kill()
			<-done
			t.Errorf("umask %s: the daemon did not stop on TERM", c.umask)
		}
	}
}

// TestLdirectordVersionVsDebian: named ldirectord, -v and --version
// print Debian's ldirectord's text, byte for byte, and exit as it does
// (lvsctl version is lvsctl's own).
func TestLdirectordVersionVsDebian(t *testing.T) {
	requireLab(t)
	ld := ldLink(t)
	for _, arg := range []string{"-v", "--version"} {
		dOut, dErr, dCode := run(t, debianLd, arg)
		lOut, lErr, lCode := run(t, ld, arg)
		if dCode != lCode || dOut != lOut || dErr != lErr {
			t.Errorf("ldirectord %s: Debian's exit %d, %q %q; lvsctl's exit %d, %q %q", arg, dCode, dOut, dErr, lCode, lOut, lErr)
		}
	}
}
