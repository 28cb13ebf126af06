//go:build e2e

package e2e

import (
	"bytes"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// -R --atomic and apply against refusals the kernel really makes: the
// table, its timeouts and its sync daemons are what they were, as
// Debian's ipvsadm reads them, and the refused line is named. Each test
// has a network namespace of its own (its own IPVS table) with routes to
// the real servers.

// atomicNS makes the namespace and removes it at the end.
func atomicNS(t *testing.T, name string) string {
	t.Helper()
	exec.Command("ip", "netns", "del", name).Run()
	sh(t, fmt.Sprintf(`ip netns add %[1]s
ip -n %[1]s link set lo up
ip -n %[1]s link add dummy0 type dummy
ip -n %[1]s addr add 10.10.1.1/16 dev dummy0
ip -n %[1]s link set dummy0 up`, name))
	t.Cleanup(func() { exec.Command("ip", "netns", "del", name).Run() })
	return name
}

// nsRun runs bin in the namespace with stdin; stdout, stderr, status.
func nsRun(t *testing.T, ns, stdin, bin string, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command("ip", append([]string{"netns", "exec", ns, bin}, args...)...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		return out.String(), errb.String(), ee.ExitCode()
	} else if err != nil {
		t.Fatalf("%s %v: %v", bin, args, err)
	}
	return out.String(), errb.String(), 0
}

// debianState is everything -R can change, as Debian's ipvsadm lists it.
func debianState(t *testing.T, ns string) string {
	t.Helper()
	var b strings.Builder
	for _, args := range [][]string{{"-Sn"}, {"-Ln", "--thresholds"}, {"-L", "--timeout"}, {"-L", "--daemon"}} {
		out, errs, rc := nsRun(t, ns, "", debianIpvsadm, args...)
		if rc != 0 {
			t.Fatalf("ipvsadm %v: %d %s", args, rc, errs)
		}
		b.WriteString(out)
	}
	return b.String()
}

// atomicSite is the table the refusals start from: a persistent service
// with the mask 0.0.0.0 and thresholds on a real, an engine and a weight
// 0, a tunnel, and a sync daemon.
const atomicSite = `-A -t 192.0.2.100:80 -s wrr -p 600 -M 0.0.0.0
-a -t 192.0.2.100:80 -r 10.10.1.2:80 -m -w 1 -x 50 -y 5
-a -t 192.0.2.100:80 -r 10.10.2.2:80 -m -w 2
-A -u 192.0.2.100:5060 -s rr -p 60 --pe sip
-a -u 192.0.2.100:5060 -r 10.10.1.2:5060 -m -w 1
-a -u 192.0.2.100:5060 -r 10.10.3.2:5060 -m -w 0
-A -f 7 -s sh -b sh-port
-a -f 7 -r 10.10.3.2:0 -i -w 1
--set 900 120 300
--start-daemon master --mcast-interface dummy0 --syncid 5
`

// atomicWrites changes every kind of thing before the refused line that
// follows it.
const atomicWrites = `-E -t 192.0.2.100:80 -s rr -p 30
-e -t 192.0.2.100:80 -r 10.10.1.2:80 -m -w 9
-d -t 192.0.2.100:80 -r 10.10.2.2:80
-D -u 192.0.2.100:5060
-E -f 7 -s wrr
--set 10 20 30
--stop-daemon master
-A -t 192.0.2.101:80 -s rr
-a -t 192.0.2.101:80 -r 10.10.2.2:80 -m -w 3
`

func TestAtomicRestoreKernelRefusals(t *testing.T) {
	requireLab(t)
	for _, c := range []struct {
		name, line, msg string
	}{
		{"dest-exists", "-a -t 192.0.2.100:80 -r 10.10.1.2:80 -m", "Destination already exists"},
		{"no-scheduler", "-A -t 192.0.2.102:80 -s nosuch", "Scheduler or persistence engine not found"},
		{"no-engine", "-E -t 192.0.2.100:80 -s rr --pe nosuch", "Scheduler or persistence engine not found"},
		{"thresholds", "-a -t 192.0.2.101:80 -r 10.10.3.2:80 -m -x 10 -y 20", "Numerical result out of range"},
		{"no-device", "--start-daemon backup --mcast-interface nosuch0", "No such device"},
	} {
		t.Run(c.name, func(t *testing.T) {
			ns := atomicNS(t, "atomic-"+c.name)
			if _, errs, rc := nsRun(t, ns, atomicSite, debianIpvsadm, "-R"); rc != 0 {
				t.Fatalf("site: %d %s", rc, errs)
			}
			before := debianState(t, ns)
			in := atomicWrites + c.line + "\n"
			_, errs, rc := nsRun(t, ns, in, lvsctlBin(t), "-R", "--atomic")
			// named by its argv[0], as ipvsadm names itself
			want := c.msg + "\n" + lvsctlBin(t) + ": -R --atomic: input line 10 refused, the 9 changes made were undone, nothing applied\n"
			if rc != 255 || errs != want {
				t.Errorf("-R --atomic: rc %d\n%s\nwant\n%s", rc, errs, want)
			}
			if after := debianState(t, ns); after != before {
				t.Errorf("table changed (-before +after):\n%s", lineDiff(before, after))
			}
			// -C too: every service and real comes back
			_, errs, rc = nsRun(t, ns, "-C\n"+c.line+"\n", lvsctlBin(t), "-R", "--atomic")
			if rc != 255 || !strings.HasSuffix(errs, "input line 2 refused, the change made was undone, nothing applied\n") {
				t.Errorf("-C then %s: rc %d %s", c.line, rc, errs)
			}
			if after := debianState(t, ns); after != before {
				t.Errorf("table changed by -C and its undo (-before +after):\n%s", lineDiff(before, after))
			}
		})
	}
}

// Plain -R keeps ipvsadm 1.31's rules on the real kernel: each refusal
// printed, the next line run, the status the last line's.
func TestAtomicPlainRestoreAsIpvsadm(t *testing.T) {
	requireLab(t)
	in := atomicWrites + "-a -t 192.0.2.100:80 -r 10.10.1.2:80 -m\n-A -t 192.0.2.102:80 -s nosuch\n-A -t 192.0.2.103:80\n"
	var results [2]string
	for i, bin := range []string{debianIpvsadm, lvsctlBin(t)} {
		ns := atomicNS(t, fmt.Sprintf("plain-%d", i))
		if _, errs, rc := nsRun(t, ns, atomicSite, debianIpvsadm, "-R"); rc != 0 {
			t.Fatalf("site: %d %s", rc, errs)
		}
		out, errs, rc := nsRun(t, ns, in, bin, "-R")
		results[i] = fmt.Sprintf("rc %d\nstdout:\n%sstderr:\n%s%s", rc, out, errs, debianState(t, ns))
	}
	if results[0] != results[1] {
		t.Errorf("-R differs (-ipvsadm +lvsctl):\n%s", lineDiff(results[0], results[1]))
	}
	if !strings.HasPrefix(results[0], "rc 0\n") || !strings.Contains(results[0], "Destination already exists\nScheduler or persistence engine not found\n") {
		t.Errorf("ipvsadm 1.31's -R:\n%s", results[0])
	}
	t.Logf("ipvsadm 1.31 and lvsctl:\n%s", results[0])
}

// apply refused by the kernel on its last change: every change before it
// undone, status 1; --dry-run changes nothing; the file without the bad
// rule applies.
func TestApplyKernelRefusalUndone(t *testing.T) {
	requireLab(t)
	ns := atomicNS(t, "apply-refused")
	if _, errs, rc := nsRun(t, ns, atomicSite, debianIpvsadm, "-R"); rc != 0 {
		t.Fatalf("site: %d %s", rc, errs)
	}
	before := debianState(t, ns)
	good := `-A -t 192.0.2.100:80 -s rr -p 30 -M 0.0.0.0
-a -t 192.0.2.100:80 -r 10.10.1.2:80 -m -w 9 -x 50 -y 5
-a -t 192.0.2.100:80 -r 10.10.4.2:80 -m -w 1
-A -f 7 -s sh -b sh-port
-a -f 7 -r 10.10.3.2:0 -i -w 4
`
	file := writeTable(t, good+"-A -t 192.0.2.102:80 -s nosuch\n-a -t 192.0.2.102:80 -r 10.10.1.2:80 -m\n")
	out, errs, rc := nsRun(t, ns, "", lvsctlBin(t), "apply", "--dry-run", file)
	wantChanges := `-D -u 192.0.2.100:5060
-E -t 192.0.2.100:80 -s rr -p 30 -M 0.0.0.0
-d -t 192.0.2.100:80 -r 10.10.2.2:80
-e -t 192.0.2.100:80 -r 10.10.1.2:80 -m -w 9 -x 50 -y 5
-a -t 192.0.2.100:80 -r 10.10.4.2:80 -m -w 1
-e -f 7 -r 10.10.3.2:0 -i -w 4 --tun-type ipip
-A -t 192.0.2.102:80 -s nosuch
-a -t 192.0.2.102:80 -r 10.10.1.2:80 -m -w 1
`
	if rc != 0 || out != wantChanges || errs != "" {
		t.Errorf("apply --dry-run: rc %d %q\n%s\nwant\n%s", rc, errs, out, wantChanges)
	}
	if after := debianState(t, ns); after != before {
		t.Fatalf("--dry-run changed the table:\n%s", lineDiff(before, after))
	}
	out, errs, rc = nsRun(t, ns, "", lvsctlBin(t), "apply", file)
	wantErr := "lvsctl apply: " + file + ": line 6: -A -t 192.0.2.102:80 -s nosuch: Scheduler or persistence engine not found\n" +
		"lvsctl apply: change 7 of 8 refused; the 6 changes made were undone, the table is as it was\n"
	if rc != 1 || out != "" || errs != wantErr {
		t.Errorf("apply: rc %d %q\n%s\nwant\n%s", rc, out, errs, wantErr)
	}
	if after := debianState(t, ns); after != before {
		t.Errorf("table changed by a refused apply (-before +after):\n%s", lineDiff(before, after))
	}
	// without the bad service, the same changes hold
	out, errs, rc = nsRun(t, ns, "", lvsctlBin(t), "apply", writeTable(t, good))
	if rc != 0 || out != strings.Join(strings.SplitAfter(wantChanges, "\n")[:6], "") || errs != "" {
		t.Errorf("apply of the good part: rc %d %q\n%s", rc, errs, out)
	}
	if got, _, _ := nsRun(t, ns, "", debianIpvsadm, "-Sn"); got != strings.ReplaceAll(strings.ReplaceAll(good, " -x 50 -y 5", ""), "-i -w 4", "-i -w 4 --tun-type ipip") {
		t.Errorf("table after apply:\n%s", got)
	}
	// an ldirectord.cf where the table belongs: one line, nothing done
	cf := filepath.Join(t.TempDir(), "ldirectord.cf")
	sh(t, "printf 'virtual=192.0.2.100:80\\n\\treal=10.10.1.2:80 gate\\n' >"+cf)
	if _, errs, rc := nsRun(t, ns, "", lvsctlBin(t), "apply", cf); rc != 2 ||
		errs != "lvsctl apply: "+cf+" is an ldirectord.cf (virtual= at line 1), not a table in ipvsadm -S form; ldirectord --check prints the table it asks for: lvsctl ldirectord --check "+cf+" | lvsctl apply -\n" {
		t.Errorf("apply of an ldirectord.cf: rc %d %q", rc, errs)
	}
}

// The conversion diff and apply suggest for an ldirectord.cf works on the
// kernel, zero values included: the table of `ldirectord --check` applied
// through `apply -` is the table Debian's ipvsadm lists, and diff of it
// then has nothing to say.
func TestApplyLdirectordTable(t *testing.T) {
	requireLab(t)
	ns := atomicNS(t, "apply-ldcf")
	if _, errs, rc := nsRun(t, ns, atomicSite, debianIpvsadm, "-R"); rc != 0 {
		t.Fatalf("site: %d %s", rc, errs)
	}
	cf := filepath.Join(t.TempDir(), "ldirectord.cf")
	sh(t, "printf 'virtual=192.0.2.100:80\\n\\treal=10.10.1.2:80 gate 0\\n\\treal=10.10.1.3:80 masq 5 l:0 u:0\\n"+
		"\\tchecktype=connect\\n\\tpersistent=1\\n\\tnetmask=0.0.0.0\\n"+
		"virtual=192.0.2.101:0\\n\\treal=10.10.2.2 gate 0\\n\\tchecktype=connect\\n\\tcheckport=80\\n\\tpersistent=60\\n\\tnetmask=0.0.0.0\\n' >"+cf)
	bin := lvsctlBin(t)
	pipe := func(cmd string) (string, string, int) {
		return nsRun(t, ns, "", "sh", "-c", bin+" ldirectord --check "+cf+" | "+bin+" "+cmd+" -")
	}
	// --check's summary goes to stderr, the table alone down the pipe
	summary := cf + ": OK, 2 virtuals, 3 reals, checks: 3 connect\n"
	if _, errs, rc := pipe("apply"); rc != 0 || errs != summary {
		t.Fatalf("ldirectord --check | apply -: rc %d %s", rc, errs)
	}
	want := `-A -t 192.0.2.100:80 -s wrr -p 1 -M 0.0.0.0
-a -t 192.0.2.100:80 -r 10.10.1.2:80 -g -w 0
-a -t 192.0.2.100:80 -r 10.10.1.3:80 -m -w 5
-A -t 192.0.2.101:0 -s wrr -p 60 -M 0.0.0.0
-a -t 192.0.2.101:0 -r 10.10.2.2:0 -g -w 0
`
	if got, _, _ := nsRun(t, ns, "", debianIpvsadm, "-Sn"); got != want {
		t.Errorf("table (-want +got):\n%s", lineDiff(want, got))
	}
	if out, errs, rc := pipe("diff"); rc != 0 || out != "" || errs != summary {
		t.Errorf("ldirectord --check | diff - after apply: rc %d %q %q", rc, out, errs)
	}
}
