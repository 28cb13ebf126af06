package cli

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/lvsctl/lvsctl/internal/testutil"
	"github.com/lvsctl/lvsctl/ipvsctl"
	"github.com/lvsctl/lvsctl/ipvsctl/ipvsadm"
	"github.com/lvsctl/lvsctl/ipvsctl/ipvstest"
)

// siteBefore is the table the refusal tests start from: a persistent
// service with the netmask 0.0.0.0 and thresholds, which an undo must
// bring back exactly.
const siteBefore = `-A -t 192.0.2.1:80 -s wrr -p 600 -M 0.0.0.0
-a -t 192.0.2.1:80 -r 10.0.0.2:80 -m -w 1 -x 50 -y 5
-a -t 192.0.2.1:80 -r 10.0.0.3:80 -m -w 2
-A -u 192.0.2.1:53 -s rr
-a -u 192.0.2.1:53 -r 10.0.0.5:53 -m -w 1
`

// siteAfter deletes the UDP service, edits the TCP one and a weight,
// deletes a real, adds one and adds a service: every kind of change.
const siteAfter = `-A -t 192.0.2.1:80 -s rr -p 60
-a -t 192.0.2.1:80 -r 10.0.0.3:80 -m -w 7
-a -t 192.0.2.1:80 -r 10.0.0.4:80 -m -w 1
-A -t 192.0.2.2:80 -s wlc
-a -t 192.0.2.2:80 -r 10.0.0.6:80 -g -w 1
`

func siteFake(t *testing.T) *ipvstest.Fake {
	t.Helper()
	f := ipvstest.NewFake()
	if _, errs, rc := runTable(t, f, "apply", testutil.TempFile(t, siteBefore)); rc != 0 {
		t.Fatalf("apply: %d %s", rc, errs)
	}
	f.ResetCalls()
	return f
}

// Whichever change the kernel refuses, the table is left as it was and
// the status is 1.
func TestApplyRefusalUndoesEverything(t *testing.T) {
	file := testutil.TempFile(t, siteAfter)
	f := siteFake(t)
	out, _, rc := runTable(t, f, "diff", file)
	changes := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if rc != 1 || len(changes) != 7 {
		t.Fatalf("diff: rc %d\n%s", rc, out)
	}
	methods := map[string]string{"-A": "AddService", "-E": "UpdateService", "-D": "DeleteService",
		"-a": "AddDestination", "-e": "UpdateDestination", "-d": "DeleteDestination"}
	for i, c := range changes {
		t.Run(c, func(t *testing.T) {
			f := siteFake(t)
			before := f.Dump()
			method := methods[c[:2]]
			// the changes before it of the same kind go through
			for _, prev := range changes[:i] {
				if methods[prev[:2]] == method {
					f.FailNext(method, nil)
				}
			}
			f.FailNext(method, &ipvsctl.KernelError{Op: ipvsctl.OpAddDest, Errno: syscall.ENOMEM})
			out, errs, rc := runTable(t, f, "apply", file)
			if rc != 1 || out != "" {
				t.Errorf("rc %d, out %q", rc, out)
			}
			if !strings.Contains(errs, c+": Memory allocation problem\n") ||
				!strings.HasSuffix(errs, "refused; "+ipvsadm.UndoneText(i)+", the table is as it was\n") {
				t.Errorf("stderr:\n%s", errs)
			}
			if got := f.Dump(); got != before {
				t.Errorf("table after the refusal:\n%s\nbefore:\n%s\nwrites: %q", got, before, f.Calls())
			}
		})
	}
}

// An undo the kernel refuses too: status 3, both refusals named.
func TestApplyUndoRefused(t *testing.T) {
	f := siteFake(t)
	file := testutil.TempFile(t, siteAfter)
	f.FailNext("UpdateDestination", nil)                                                             // -e ... -w 7 holds
	f.FailNext("AddDestination", &ipvsctl.KernelError{Op: ipvsctl.OpAddDest, Errno: syscall.EEXIST}) // -a 10.0.0.4 refused
	f.FailNext("UpdateDestination", &ipvsctl.KernelError{Op: ipvsctl.OpUpdateDest, Errno: syscall.ENOENT})
	out, errs, rc := runTable(t, f, "apply", "--json", file)
	if rc != 3 {
		t.Errorf("rc %d\n%s", rc, errs)
	}
	for _, want := range []string{
		"lvsctl apply: " + file + ": line 3: -a -t 192.0.2.1:80 -r 10.0.0.4:80 -m -w 1: Destination already exists\n",
		"lvsctl apply: undoing -e -t 192.0.2.1:80 -r 10.0.0.3:80 -m -w 7: -e -t 192.0.2.1:80 -r 10.0.0.3:80 -m -w 2: No such destination\n",
		"lvsctl apply: change 5 of 7 refused; 1 of the 4 changes made could not be undone, the table is left part changed\n",
	} {
		if !strings.Contains(errs, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errs)
		}
	}
	var doc ipvsadm.JSONDiff
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	var states []string
	for _, c := range doc.Changes {
		states = append(states, string(c.State))
	}
	if got := strings.Join(states, " "); got != "undone undone undone undo_failed refused not_run not_run" {
		t.Errorf("states: %s\n%s", got, out)
	}
}

// --dry-run prints what apply would do to a site's table and writes
// nothing.
func TestApplyDryRunOnSite(t *testing.T) {
	f := siteFake(t)
	before := f.Dump()
	file := testutil.TempFile(t, siteAfter)
	diff, _, _ := runTable(t, f, "diff", file)
	out, errs, rc := runTable(t, f, "apply", "--dry-run", file)
	if rc != 0 || out != diff || errs != "" || len(f.Calls()) != 0 || f.Dump() != before {
		t.Errorf("--dry-run: rc %d %q writes %q\n%s", rc, errs, f.Calls(), out)
	}
	out, _, rc = runTable(t, f, "apply", "--dry-run", "--json", file)
	var doc ipvsadm.JSONDiff
	if err := json.Unmarshal([]byte(out), &doc); err != nil || rc != 0 || len(doc.Changes) != 7 || doc.Changes[0].State != "" || len(f.Calls()) != 0 {
		t.Errorf("--dry-run --json: rc %d %v\n%s", rc, err, out)
	}
	// nothing to do: nothing printed
	same := testutil.TempFile(t, siteBefore)
	if out, _, rc := runTable(t, f, "apply", "--dry-run", same); rc != 0 || out != "" {
		t.Errorf("--dry-run of the same table: rc %d %q", rc, out)
	}
	if _, _, rc := runTable(t, f, "apply", "--dry-run", filepath.Join(t.TempDir(), "missing")); rc != 2 {
		t.Errorf("--dry-run of a missing file: rc %d", rc)
	}
}

// An ldirectord.cf where a table file belongs gets one line saying how
// to turn it into one, not an error per line.
func TestTableFileIsLdirectordConfig(t *testing.T) {
	cf := testutil.TempFile(t, "# ldirectord\nchecktimeout=3\nquiescent = no\n\nvirtual=192.0.2.1:80\n\treal=10.0.0.2:80 gate\n\tservice=http\n")
	for _, name := range []string{"diff", "apply"} {
		f := ipvstest.NewFake()
		out, errs, rc := runTable(t, f, name, cf)
		want := "lvsctl " + name + ": " + cf + " is an ldirectord.cf (virtual= at line 5), not a table in ipvsadm -S form;" +
			" ldirectord --check prints the table it asks for: lvsctl ldirectord --check " + cf + " | lvsctl " + name + " -\n"
		if rc != 2 || out != "" || errs != want || len(f.Calls()) != 0 {
			t.Errorf("%s: rc %d %q\n%s\nwant\n%s", name, rc, out, errs, want)
		}
	}
	// a table file with one bad line is still a table file
	tf := testutil.TempFile(t, "-A -t 192.0.2.1:80\nvirtual=192.0.2.1:80\n")
	if _, errs, rc := runTable(t, ipvstest.NewFake(), "diff", tf); rc != 2 || !strings.Contains(errs, tf+": line 2: ") {
		t.Errorf("table with a virtual= line: rc %d %q", rc, errs)
	}
}

// A line longer than the bound is refused by its number, never quoted.
func TestTableFileLineTooLong(t *testing.T) {
	long := "-A -t 192.0.2.1:80 -s " + strings.Repeat("r", ipvsadm.MaxLineBytes) + "\n"
	file := testutil.TempFile(t, "-A -t 192.0.2.2:80\n"+long)
	f := ipvstest.NewFake()
	out, errs, rc := runTable(t, f, "apply", file)
	if rc != 2 || out != "" || errs != "lvsctl apply: "+file+": line 2: longer than 65536 bytes\n" || len(f.Calls()) != 0 {
		t.Errorf("rc %d %q %q", rc, out, errs)
	}
}
