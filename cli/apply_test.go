package cli

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/spf13/cobra"

	"github.com/lvsctl/lvsctl/internal/testutil"
	"github.com/lvsctl/lvsctl/ipvsctl"
	"github.com/lvsctl/lvsctl/ipvsctl/ipvsadm"
	"github.com/lvsctl/lvsctl/ipvsctl/ipvstest"
)

const tableFile = `-A -t 192.0.2.1:80 -s wrr
-a -t 192.0.2.1:80 -r 10.0.0.2:80 -m -w 1
-a -t 192.0.2.1:80 -r 10.0.0.3:80 -m -w 2
-A -u 192.0.2.1:53 -s rr
-a -u 192.0.2.1:53 -r 10.0.0.5:53 -m -w 1
`

// runTable runs lvsctl diff or apply against the fake.
func runTable(t *testing.T, f *ipvstest.Fake, name string, args ...string) (string, string, int) {
	t.Helper()
	tf := newTestFactory().withIPVS(f)
	newCmd := map[string]func(*Factory, func(*tableOptions) error) *cobra.Command{"diff": newCmdDiff, "apply": newCmdApply}[name]
	rc := tf.run(newCmd(tf.Factory, nil), args...)
	return tf.out.String(), tf.errOut.String(), rc
}

func TestApplyCmd(t *testing.T) {
	f := ipvstest.NewFake()
	file := testutil.TempFile(t, tableFile)

	out, _, rc := runTable(t, f, "diff", file)
	if rc != 1 || out != tableFile {
		t.Errorf("diff of an empty table: rc %d\n%s", rc, out)
	}
	if len(f.Calls()) != 0 {
		t.Errorf("diff wrote: %q", f.Calls())
	}
	out, errs, rc := runTable(t, f, "apply", file)
	if rc != 0 || out != tableFile || errs != "" {
		t.Errorf("first apply: rc %d %q\n%s", rc, errs, out)
	}

	// twice: nothing to do, nothing written, nothing printed
	f.ResetCalls()
	out, _, rc = runTable(t, f, "apply", file)
	if rc != 0 || out != "" || len(f.Calls()) != 0 {
		t.Errorf("second apply: rc %d %q writes %q", rc, out, f.Calls())
	}
	if out, _, rc := runTable(t, f, "diff", file); rc != 0 || out != "" {
		t.Errorf("diff after apply: rc %d %q", rc, out)
	}

	// one weight: one edit
	one := testutil.TempFile(t, strings.Replace(tableFile, "10.0.0.3:80 -m -w 2", "10.0.0.3:80 -m -w 7", 1))
	out, _, rc = runTable(t, f, "apply", one)
	if rc != 0 || out != "-e -t 192.0.2.1:80 -r 10.0.0.3:80 -m -w 7\n" || len(f.Calls()) != 1 {
		t.Errorf("one weight: rc %d %q writes %q", rc, out, f.Calls())
	}

	// a bad line anywhere: nothing changes, every bad line is named
	f.ResetCalls()
	before := f.Dump()
	bad := testutil.TempFile(t, "-A -t 192.0.2.9:80\n"+strings.Replace(tableFile, "-w 7", "-w 9", 1)+"-a -t 192.0.2.1:80 -r 10.0.0.4:80 -m -w heavy\n-L\n")
	out, errs, rc = runTable(t, f, "apply", bad)
	if rc != 2 || out != "" || len(f.Calls()) != 0 || f.Dump() != before {
		t.Errorf("bad line: rc %d %q writes %q", rc, out, f.Calls())
	}
	if !strings.Contains(errs, bad+": line 7: illegal weight specified\n") || !strings.Contains(errs, bad+": line 8: only -A and -a lines") {
		t.Errorf("bad line messages: %q", errs)
	}
	if _, _, rc := runTable(t, f, "diff", bad); rc != 2 {
		t.Errorf("diff of a bad file: rc %d", rc)
	}
	if _, errs, rc := runTable(t, f, "diff", filepath.Join(t.TempDir(), "missing")); rc != 2 || !strings.Contains(errs, "no such file") {
		t.Errorf("missing file: rc %d %q", rc, errs)
	}
}

func TestDiffJSONAndRefusals(t *testing.T) {
	f := ipvstest.NewFake()
	runTable(t, f, "apply", testutil.TempFile(t, tableFile))
	file := testutil.TempFile(t, strings.Replace(tableFile, "-s wrr", "-s rr", 1)+"-a -u 192.0.2.1:53 -r 10.0.0.6:53 -m -w 1\n")
	out, _, rc := runTable(t, f, "diff", "--json", file)
	var doc ipvsadm.JSONDiff
	if err := json.Unmarshal([]byte(out), &doc); err != nil || rc != 1 {
		t.Fatalf("rc %d %v\n%s", rc, err, out)
	}
	if len(doc.Changes) != 2 || doc.Changes[0].Op != "edit_service" || doc.Changes[0].Service.Scheduler != "rr" ||
		doc.Changes[1].Op != "add_destination" || doc.Changes[1].Dest.Address != "10.0.0.6" || doc.Changes[1].Dest.Port != 53 ||
		doc.Changes[1].Command != "-a -u 192.0.2.1:53 -r 10.0.0.6:53 -m -w 1" {
		t.Errorf("changes %s", out)
	}
	was, _ := doc.Changes[0].Was.(map[string]any)
	if was["scheduler"] != "wrr" {
		t.Errorf("was: %v", doc.Changes[0].Was)
	}

	// a kernel refusal: reported with its line, the change before it
	// undone, status 1, the table as it was
	before := f.Dump()
	f.FailNext("AddDestination", &ipvsctl.KernelError{Op: ipvsctl.OpAddDest, Errno: syscall.ENOMEM})
	f.ResetCalls()
	out, errs, rc := runTable(t, f, "apply", "--json", file)
	wantErr := "lvsctl apply: " + file + ": line 6: -a -u 192.0.2.1:53 -r 10.0.0.6:53 -m -w 1: Memory allocation problem\n" +
		"lvsctl apply: change 2 of 2 refused; the change made was undone, the table is as it was\n"
	if rc != 1 || errs != wantErr {
		t.Errorf("refusal: rc %d\n%s\nwant\n%s", rc, errs, wantErr)
	}
	if f.Dump() != before {
		t.Errorf("table after the refusal:\n%s\nbefore:\n%s", f.Dump(), before)
	}
	wantCalls := []string{"-E -t 192.0.2.1:80 -s rr", "-a -u 192.0.2.1:53 -r 10.0.0.6:53 -m -w 1", "-E -t 192.0.2.1:80 -s wrr"}
	if got := f.Calls(); strings.Join(got, "|") != strings.Join(wantCalls, "|") {
		t.Errorf("writes %q, want %q", got, wantCalls)
	}
	doc = ipvsadm.JSONDiff{}
	if err := json.Unmarshal([]byte(out), &doc); err != nil || doc.Changes[0].State != ipvsadm.ChangeUndone || doc.Changes[0].Error != nil ||
		doc.Changes[1].State != ipvsadm.ChangeRefused || doc.Changes[1].Error == nil || *doc.Changes[1].Error != "Memory allocation problem" {
		t.Errorf("apply --json: %v\n%s", err, out)
	}
	if out, _, _ := runTable(t, f, "diff", file); out != "-E -t 192.0.2.1:80 -s rr\n-a -u 192.0.2.1:53 -r 10.0.0.6:53 -m -w 1\n" {
		t.Errorf("left to do: %q", out)
	}
}

func TestTableCommandUsageExitsTwo(t *testing.T) {
	tf := newTestFactory()
	rc := command(newCmdDiff)([]string{"lvsctl", "diff"}, tf.Factory)
	if rc != 2 || !strings.HasPrefix(tf.errOut.String(), "lvsctl diff: ") {
		t.Errorf("no FILE: rc %d %q", rc, tf.errOut.String())
	}
}

// An ldirectord.cf given to diff or apply is told for what it is, with
// the command line that makes its table, instead of a parse error a line.
func TestTableCmdRecognisesLdirectordCf(t *testing.T) {
	cf := testutil.TempFile(t, "# site\nchecktimeout=3\nvirtual=192.0.2.1:80\n\treal=10.0.0.2:80 gate\n\tservice=http\n")
	for _, name := range []string{"diff", "apply"} {
		f := ipvstest.NewFake()
		out, errOut, rc := runTable(t, f, name, cf)
		want := "lvsctl " + name + ": " + cf + " is an ldirectord.cf (virtual= at line 3), not a table in ipvsadm -S form; ldirectord --check prints the table it asks for: lvsctl ldirectord --check " + cf + " | lvsctl " + name + " -\n"
		if rc != 2 || out != "" || errOut != want || len(f.Calls()) != 0 {
			t.Errorf("%s: rc %d, %q %q, calls %q; want 2 and %q", name, rc, out, errOut, f.Calls(), want)
		}
		tf := newTestFactory().withIPVS(f)
		tf.IOStreams.In = strings.NewReader("virtual6=[2001:db8::1]:80\n\treal6=[2001:db8::2]:80 gate\n")
		cmd := map[string]func(*Factory, func(*tableOptions) error) *cobra.Command{"diff": newCmdDiff, "apply": newCmdApply}[name](tf.Factory, nil)
		want = "lvsctl " + name + ": standard input is an ldirectord.cf (virtual= at line 1), not a table in ipvsadm -S form; ldirectord --check prints the table it asks for: lvsctl ldirectord --check FILE | lvsctl " + name + " -\n"
		if rc := tf.run(cmd, "-"); rc != 2 || tf.errOut.String() != want {
			t.Errorf("%s -: rc %d, %q; want 2 and %q", name, rc, tf.errOut.String(), want)
		}
	}
	// a bad table stays a bad table, every line told
	bad := testutil.TempFile(t, "-A -t 192.0.2.1:80 -s rr\nvirtual_server 192.0.2.1 80\n")
	if _, errOut, rc := runTable(t, ipvstest.NewFake(), "diff", bad); rc != 2 || strings.Contains(errOut, "ldirectord.cf") || !strings.Contains(errOut, bad+": line 2: ") {
		t.Errorf("bad table: rc %d, %q", rc, errOut)
	}
}

// apply --dry-run prints diff's lines (or JSON) and writes nothing.
func TestApplyDryRun(t *testing.T) {
	f := ipvstest.NewFake()
	file := testutil.TempFile(t, tableFile)
	out, errOut, rc := runTable(t, f, "apply", "--dry-run", file)
	if rc != 0 || out != tableFile || errOut != "" || len(f.Calls()) != 0 {
		t.Errorf("dry run on an empty table: rc %d, %q, calls %q\n%s", rc, errOut, f.Calls(), out)
	}
	if svcs, _ := f.Services(); len(svcs) != 0 {
		t.Errorf("dry run added %d services", len(svcs))
	}
	diffJSON, _, _ := runTable(t, f, "diff", "--json", file)
	out, _, rc = runTable(t, f, "apply", "--dry-run", "--json", file)
	if rc != 0 || out != diffJSON || strings.Contains(out, "\"error\"") || len(f.Calls()) != 0 {
		t.Errorf("dry run --json: rc %d, calls %q\n%s\nwant diff's\n%s", rc, f.Calls(), out, diffJSON)
	}
	// after a real apply, a dry run has nothing to say
	if _, _, rc := runTable(t, f, "apply", file); rc != 0 {
		t.Fatalf("apply: rc %d", rc)
	}
	f.ResetCalls()
	if out, _, rc := runTable(t, f, "apply", "--dry-run", file); rc != 0 || out != "" || len(f.Calls()) != 0 {
		t.Errorf("dry run after apply: rc %d %q calls %q", rc, out, f.Calls())
	}
}
