package ipvsadm_test

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"syscall"
	"testing"

	"github.com/lvsctl/lvsctl/ipvsctl"
	"github.com/lvsctl/lvsctl/ipvsctl/ipvsadm"
	"github.com/lvsctl/lvsctl/ipvsctl/ipvstest"
)

// runOn runs lvsctl (ext) or ipvsadm on any client.
func runOn(c ipvsctl.Client, ext bool, stdin string, args ...string) (string, string, int) {
	var out, errb bytes.Buffer
	prog := "ipvsadm"
	if ext {
		prog = "lvsctl"
	}
	r := &ipvsadm.Runner{Prog: prog, Client: c, Res: nameless{}, Stdin: strings.NewReader(stdin),
		Stdout: bufio.NewWriter(&out), Stderr: &errb, Extensions: ext}
	rc := r.Main(args)
	return out.String(), errb.String(), rc
}

const atomicSite = `-A -t 192.0.2.1:80 -s wrr -p 600 -M 0.0.0.0
-a -t 192.0.2.1:80 -r 10.0.0.2:80 -m -w 1 -x 50 -y 5
-a -t 192.0.2.1:80 -r 10.0.0.3:80 -m -w 2
-A -u 192.0.2.1:53 -s rr --pe sip
-a -u 192.0.2.1:53 -r 10.0.0.5:53 -m -w 1
-a -u 192.0.2.1:53 -r 10.0.0.6:53 -m -w 0
-A -f 7 -6 -s sh -b sh-port -p 60 -M 64
-a -f 7 -6 -r 10.0.0.4 -i --tun-type gue --tun-port 6080 --tun-csum
`

// everyWrite changes the table with every kind of write, then line 12 is
// refused by the kernel (the destination exists).
const everyWrite = `-E -t 192.0.2.1:80 -s rr
-e -t 192.0.2.1:80 -r 10.0.0.2:80 -m -w 9
-d -t 192.0.2.1:80 -r 10.0.0.3:80
-D -u 192.0.2.1:53
--set 10 20 30
-A -t 192.0.2.9:80 -s rr
-a -t 192.0.2.9:80 -r 10.0.0.7:80 -m
-E -f 7 -6 -s rr
--start-daemon master --mcast-interface dummy0
-Z

-a -t 192.0.2.1:80 -r 10.0.0.2:80 -m
-A -t 192.0.2.10:80
`

// atomicFakes are the clients a run is tried on: the fake, and the fake
// pipelining writes as the netlink client does.
func atomicFakes(t *testing.T) map[string]func() (*ipvstest.Fake, ipvsctl.Client) {
	t.Helper()
	site := func() *ipvstest.Fake {
		f := ipvstest.NewFake()
		if _, e, rc := runOn(f, false, atomicSite, "-R"); rc != 0 {
			t.Fatalf("site: %d %s", rc, e)
		}
		f.ResetCalls()
		return f
	}
	return map[string]func() (*ipvstest.Fake, ipvsctl.Client){
		"fake":     func() (*ipvstest.Fake, ipvsctl.Client) { f := site(); return f, f },
		"batching": func() (*ipvstest.Fake, ipvsctl.Client) { f := site(); return f, ipvstest.NewBatching(f) },
	}
}

func state(t *testing.T, f *ipvstest.Fake) string {
	t.Helper()
	tm, _ := f.Timeouts()
	ds, _ := f.Daemons()
	return fmt.Sprintf("%stimeouts %d %d %d, %d daemons\n", f.Dump(), tm.TCP, tm.TCPFin, tm.UDP, len(ds))
}

// A kernel refusal half way through -R --atomic undoes every write made
// before it, last first: the table, its timeouts and daemons are as
// before, and the line is named.
func TestRestoreAtomicUndoesKernelRefusal(t *testing.T) {
	for name, mk := range atomicFakes(t) {
		t.Run(name, func(t *testing.T) {
			f, c := mk()
			before := state(t, f)
			out, errs, rc := runOn(c, true, everyWrite, "-R", "--atomic")
			// Pipelined, line 13 is on its way before line 12's refusal
			// arrives; it is undone with the rest.
			made := map[string]int{"fake": 9, "batching": 10}[name]
			want := fmt.Sprintf("Destination already exists\nlvsctl: -R --atomic: input line 12 refused, the %d changes made were undone, nothing applied\n", made)
			if rc != 255 || errs != want || out != "" {
				t.Errorf("rc %d %q\n%s\nwant\n%s", rc, out, errs, want)
			}
			if got := state(t, f); got != before {
				t.Errorf("after the refusal:\n%s\nbefore:\n%s\nwrites:\n%s", got, before, strings.Join(f.Calls(), "\n"))
			}
			if ran := strings.Contains(strings.Join(f.Calls(), "\n"), "-A -t 192.0.2.10:80"); ran != (name == "batching") {
				t.Errorf("line 13 ran: %v\n%s", ran, strings.Join(f.Calls(), "\n"))
			}
			// plain -R, as ipvsadm: the refusal is printed, the rest runs
			f, c = mk()
			_, errs, rc = runOn(c, true, everyWrite, "-R")
			if rc != 0 || errs != "Destination already exists\n" || !strings.Contains(f.Dump(), "-A -t 192.0.2.10:80 -s wlc\n") {
				t.Errorf("-R: rc %d %q\n%s", rc, errs, f.Dump())
			}
		})
	}
}

// The refusals the kernel really makes, each undoing what came before.
func TestRestoreAtomicKernelRefusals(t *testing.T) {
	for _, c := range []struct{ line, msg string }{
		{"-A -t 192.0.2.1:80", "Service already exists"},
		{"-a -t 192.0.2.1:80 -r 10.0.0.9 -x 10 -y 20", "Numerical result out of range"},
		{"-e -t 192.0.2.1:80 -r 10.0.0.9", "No such destination"},
		{"-E -t 192.0.2.99:80", "No such service"},
		{"-D -t 192.0.2.99:80", "No such service"},
		{"-d -t 192.0.2.99:80 -r 10.0.0.9", "Service not defined"},
		{"-Z -t 192.0.2.99:80", "No such service"},
		{"--stop-daemon backup", "No daemon is running"},
	} {
		for name, mk := range atomicFakes(t) {
			t.Run(name+" "+c.line, func(t *testing.T) {
				f, cl := mk()
				before := state(t, f)
				in := "-C\n--set 1 1 1\n-A -t 192.0.2.1:80 -s rr\n" + c.line + "\n"
				_, errs, rc := runOn(cl, true, in, "-R", "--atomic")
				want := c.msg + "\nlvsctl: -R --atomic: input line 4 refused, the 3 changes made were undone, nothing applied\n"
				if rc != 255 || errs != want {
					t.Errorf("rc %d\n%s\nwant\n%s", rc, errs, want)
				}
				if got := state(t, f); got != before {
					t.Errorf("after:\n%s\nbefore:\n%s", got, before)
				}
			})
		}
	}
}

// An undo the kernel refuses leaves the table part changed: the status
// says so, and every refused undo is named.
func TestRestoreAtomicUndoRefused(t *testing.T) {
	f := ipvstest.NewFake()
	runOn(f, false, atomicSite, "-R")
	f.FailNext("AddDestination", nil) // line 2 holds
	f.FailNext("AddDestination", &ipvsctl.KernelError{Op: ipvsctl.OpAddDest, Errno: syscall.ENOMEM})
	f.FailNext("DeleteService", &ipvsctl.KernelError{Op: ipvsctl.OpDeleteService, Errno: syscall.ENOMEM})
	_, errs, rc := runOn(f, true, "-A -t 192.0.2.9:80\n-a -t 192.0.2.9:80 -r 10.0.0.7:80 -m\n-a -t 192.0.2.9:80 -r 10.0.0.8:80 -m\n", "-R", "--atomic")
	want := "lvsctl: -R --atomic: undoing input line 1: -D -t 192.0.2.9:80: Memory allocation problem\n" +
		"Memory allocation problem\nlvsctl: -R --atomic: input line 3 refused, 1 of the 2 undo commands were refused, the table is left part changed\n"
	if rc != 255 || errs != want {
		t.Errorf("rc %d\n%s\nwant\n%s", rc, errs, want)
	}
	if !strings.Contains(f.Dump(), "-A -t 192.0.2.9:80 -s wlc\n") || strings.Contains(f.Dump(), "10.0.0.7") {
		t.Errorf("table:\n%s", f.Dump())
	}
}

// When what an undo needs cannot be read, the line is not run and what
// came before is undone.
func TestRestoreAtomicReadFailure(t *testing.T) {
	f := ipvstest.NewFake()
	runOn(f, false, atomicSite, "-R")
	before := f.Dump()
	f.FailNext("Destinations", &ipvsctl.KernelError{Op: ipvsctl.OpGetDests, Errno: syscall.ENOMEM})
	f.ResetCalls()
	_, errs, rc := runOn(f, true, "-A -t 192.0.2.9:80\n-e -t 192.0.2.1:80 -r 10.0.0.2:80 -w 3\n", "-R", "--atomic")
	want := "read before write: Memory allocation problem\nlvsctl: -R --atomic: input line 2 refused, the change made was undone, nothing applied\n"
	if rc != 255 || errs != want || f.Dump() != before {
		t.Errorf("rc %d\n%s\nwant\n%s\ntable\n%s", rc, errs, want, f.Dump())
	}
	if calls := f.Calls(); len(calls) != 2 || calls[1] != "-D -t 192.0.2.9:80" {
		t.Errorf("writes %q", calls)
	}
}

// -R under the lvsctl name: a line longer than the bound stops it where
// it stands, the lines before it applied (as any line that stops -R),
// nothing of it quoted.
func TestRestoreLineTooLong(t *testing.T) {
	long := "-L " + strings.Repeat("q", 10<<20) + "\n"
	f := ipvstest.NewFake()
	_, errs, rc := runOn(f, true, "-A -t 192.0.2.9:80\n"+long+"-A -t 192.0.2.10:80\n", "-R")
	if rc != 2 || errs != "lvsctl: -R: input line 2 is longer than 65536 bytes, it and the lines after it were not run\n" ||
		f.Dump() != "-A -t 192.0.2.9:80 -s wlc\n" {
		t.Errorf("-R: rc %d %.200q\n%s", rc, errs, f.Dump())
	}
	f = ipvstest.NewFake()
	_, errs, rc = runOn(f, true, "-A -t 192.0.2.9:80\n"+long, "-R", "--atomic")
	if rc != 2 || errs != "lvsctl: -R --atomic: input line 2 is longer than 65536 bytes, nothing applied\n" || len(f.Calls()) != 0 {
		t.Errorf("-R --atomic: rc %d %.200q", rc, errs)
	}
	// a line of exactly the bound is a line
	f = ipvstest.NewFake()
	exact := "-A -t 192.0.2.9:80" + strings.Repeat(" ", ipvsadm.MaxLineBytes-18) + "\n"
	if _, errs, rc := runOn(f, true, exact, "-R"); rc != 0 || f.Dump() != "-A -t 192.0.2.9:80 -s wlc\n" {
		t.Errorf("a line of %d bytes: rc %d %.200q", ipvsadm.MaxLineBytes, rc, errs)
	}
}

// -R under the ipvsadm name reads words as ipvsadm 1.31 does: pieces of
// at most 4096 bytes, a NUL ends a piece, a piece "ipvsadm" is dropped
// (e2e/sequences/081-restore-long-words.sh holds both to each other).
func TestRestoreWordsAsIpvsadm(t *testing.T) {
	x := strings.Repeat("x", 5000)
	for _, c := range []struct {
		in, errs string
		rc       int
	}{
		{"-L " + x + "\n", "unexpected argument " + x[:4096] + "\n", 2},
		{x + " -L\n", "unexpected argument " + x[:4096] + "\n", 2},
		{"-L -n " + strings.Repeat("y", 4096) + " -n\n", "multiple 'numeric' options specified\n", 2},
		{"-L " + strings.Repeat("q", 10<<20) + "\n", "unexpected argument " + strings.Repeat("q", 4096) + "\n", 2},
		{"-A -t 192.0.2.9:" + strings.Repeat("0", 4084) + "80ipvsadm\n", "", 0},
		{"-A -t 192.0.2.9:80\x00junk -s rr\n", "", 0},
		{"-A\x00 -t 192.0.2.9:80\n", "", 0},
	} {
		f := ipvstest.NewFake()
		_, errs, rc := runOn(f, false, c.in, "-R")
		if rc != c.rc || errs != c.errs {
			t.Errorf("%.60q: rc %d %.100q, want %d %.100q", c.in, rc, errs, c.rc, c.errs)
		}
		if c.rc == 0 && !strings.HasPrefix(f.Dump(), "-A -t 192.0.2.9:80 -s ") {
			t.Errorf("%.60q: table %q", c.in, f.Dump())
		}
	}
}

// repeat is an endless stream of one line.
type repeat struct {
	line string
	off  int // offset in line of the next byte
}

func (r *repeat) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = r.line[r.off]
		r.off = (r.off + 1) % len(r.line)
	}
	return len(p), nil
}

// More than MaxInputBytes is refused before anything is done, and no
// more than that is read.
func TestInputTooLarge(t *testing.T) {
	big := io.LimitReader(&repeat{line: "-A -t 192.0.2.9:80\n"}, ipvsadm.MaxInputBytes+19)
	f := ipvstest.NewFake()
	var errb bytes.Buffer
	r := &ipvsadm.Runner{Prog: "lvsctl", Client: f, Res: nameless{}, Stdin: big, Stdout: bufio.NewWriter(io.Discard), Stderr: &errb, Extensions: true}
	if rc := r.Main([]string{"-R", "--atomic"}); rc != 2 || errb.String() != "lvsctl: -R --atomic: input larger than 64 MiB, nothing applied\n" || len(f.Calls()) != 0 {
		t.Errorf("-R --atomic: rc %d %q", rc, errb.String())
	}
	_, err := ipvsadm.ReadTable(&repeat{line: "-A -t 192.0.2.9:80\n"}, "lvsctl", nameless{})
	var ie *ipvsadm.InputError
	if !errors.As(err, &ie) || err.Error() != "read table: larger than 64 MiB" {
		t.Errorf("table file: %v", err)
	}
}
