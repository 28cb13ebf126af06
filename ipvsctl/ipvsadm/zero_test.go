package ipvsadm_test

import (
	"strings"
	"testing"

	"github.com/lvsctl/lvsctl/ipvsctl"
	"github.com/lvsctl/lvsctl/ipvsctl/ipvstest"
)

// Zero is a value, never "unset": what a command line gives is what the
// table holds and what -S and -L print, as with ipvsadm 1.31 on a real
// kernel (e2e/sequences/080-zero-values.sh holds both to each other).
func TestZeroValuesKept(t *testing.T) {
	f := ipvstest.NewFake()
	for _, line := range []string{
		"-A -t 10.0.0.6:80 -p -M 0.0.0.0",
		"-A -t 10.0.0.6:81 -p -M 0",
		"-A -M 0.0.0.0 -p -t 10.0.0.6:82",
		"-A -t 10.0.0.6:0 -p 1",
		"-A -f 4294967295 -p 1 -M 0.0.0.0",
		"-A -f 2 -6 -p -M 1",
		"-A -M 0.0.0.0 -p -t [2001:db8::60]:83",
		"-a -t 10.0.0.6:0 -r 10.10.1.3:0 -m -w 0 -x 0 -y 0",
		"-a -t 10.0.0.6:80 -r 10.10.1.5:0 -m -w 0",
		"-a -f 4294967295 -r 10.10.1.7 -g -w 0",
	} {
		mustRun(t, f, line)
	}
	out, _, _ := runIpvsadm(f, "", "-Sn")
	want := "-A -f -1 -s wlc -p 1 -M 0.0.0.0\n" +
		"-a -f -1 -r 10.10.1.7:0 -g -w 0\n" +
		"-A -t 10.0.0.6:0 -s wlc -p 1\n" +
		"-a -t 10.0.0.6:0 -r 10.10.1.3:0 -m -w 0\n" +
		"-A -t 10.0.0.6:80 -s wlc -p 360 -M 0.0.0.0\n" +
		"-a -t 10.0.0.6:80 -r 10.10.1.5:0 -m -w 0\n" +
		"-A -t 10.0.0.6:81 -s wlc -p 360 -M 0.0.0.0\n" +
		"-A -t 10.0.0.6:82 -s wlc -p 360 -M 0.0.0.0\n" +
		"-A -t [2001:db8::60]:83 -s wlc -p 360\n" +
		"-A -f 2 -6 -s wlc -p 360 -M 1\n"
	if out != want {
		t.Errorf("-Sn:\n%s\nwant:\n%s", out, want)
	}
	// A -S | -R round trip keeps them, except fwmark 4294967295, which
	// -S writes as -1 and -R refuses, as in ipvsadm.
	g := ipvstest.NewFake()
	if _, e, rc := runIpvsadm(g, out, "-R"); rc != 2 || e != "invalid fwmark value `-1' specified\n" {
		t.Fatalf("-R of -f -1: %d %q", rc, e)
	}
	g = ipvstest.NewFake()
	if _, e, rc := runIpvsadm(g, strings.Join(strings.SplitAfter(out, "\n")[2:], ""), "-R"); rc != 0 {
		t.Fatalf("-R: %d %s", rc, e)
	}
	mustRun(t, g, "-A -f 4294967295 -p 1 -M 0.0.0.0")
	mustRun(t, g, "-a -f 4294967295 -r 10.10.1.7 -g -w 0")
	if g.Dump() != f.Dump() {
		t.Errorf("after -S | -R:\n%s\nbefore:\n%s", g.Dump(), f.Dump())
	}
}

// diff writes rules -R reads back where -S does not: fwmark 4294967295
// (-S: -1) and flag 3 of sh and mh (-S: nothing, an empty -b).
func TestCommandLineRunsWhereSaveDoesNot(t *testing.T) {
	f := ipvstest.NewFake()
	mustRun(t, f, "-A -f 4294967295 -s sh -b sh-port,flag-3")
	mustRun(t, f, "-A -t 192.0.2.1:80 -s mh -b flag-3")
	saved, _, _ := runIpvsadm(f, "", "-Sn")
	if saved != "-A -f -1 -s sh -b sh-port\n-A -t 192.0.2.1:80 -s mh -b \n" {
		t.Errorf("-Sn (as ipvsadm 1.31):\n%q", saved)
	}
	have, _ := ipvsctl.ReadKernelTable(f)
	changes := ipvsctl.DiffTables(nil, have)
	got := lines(changes)
	want := []string{"-A -f 4294967295 -s sh -b sh-port,flag-3", "-A -t 192.0.2.1:80 -s mh -b flag-3"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("diff lines %q, want %q", got, want)
	}
	g := ipvstest.NewFake()
	if _, e, rc := runIpvsadm(g, strings.Join(got, "\n")+"\n", "-R"); rc != 0 || g.Dump() != f.Dump() {
		t.Errorf("-R of the diff: rc %d %s\n%s\nwant\n%s", rc, e, g.Dump(), f.Dump())
	}
	if j := ipvsctl.ServiceConfigJSON(&have[0].Service); strings.Join(j.SchedFlags, ",") != "sh-port,flag-3" {
		t.Errorf("JSON sched_flags %q", j.SchedFlags)
	}
}
