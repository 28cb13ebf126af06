//go:build e2e

package e2e

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lvsctl/lvsctl/ipvsctl"
	"github.com/lvsctl/lvsctl/ipvsctl/ipvsadm"
)

// lvsctl diff/apply and -R --atomic on the real kernel, after real traffic:
// a rule both sides agree on is never touched, so its counters (as
// Debian's ipvsadm reads them) stay exactly what they were.

const debianIpvsadm = realIpvsadmDir + "/ipvsadm"

// runIn runs bin with stdin and returns stdout, stderr, exit status.
func runIn(t *testing.T, stdin, bin string, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(bin, args...)
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

// applySite: two services with traffic through both.
//
//	TCP 192.0.2.100:80   rr -> rs1, rs2 (NAT)
//	TCP 192.0.2.100:8080 rr -> rs3:80   (NAT)
func applySite(t *testing.T) {
	t.Helper()
	netlab(t, 3)
	lvsctl(t, "-A", "-t", "192.0.2.100:80", "-s", "rr")
	lvsctl(t, "-a", "-t", "192.0.2.100:80", "-r", "10.10.1.2:80", "-m")
	lvsctl(t, "-a", "-t", "192.0.2.100:80", "-r", "10.10.2.2:80", "-m")
	lvsctl(t, "-A", "-t", "192.0.2.100:8080", "-s", "rr")
	lvsctl(t, "-a", "-t", "192.0.2.100:8080", "-r", "10.10.3.2:80", "-m")
	var who []string
	for _, vip := range []string{"192.0.2.100", "192.0.2.100", "192.0.2.100", "192.0.2.100", "192.0.2.100:8080", "192.0.2.100:8080", "192.0.2.100:8080"} {
		who = append(who, get(t, vip))
	}
	got := strings.Join(who, " ")
	if len(got) != 27 || !strings.Contains(got[:15], "rs1") || !strings.Contains(got[:15], "rs2") || got[16:] != "rs3 rs3 rs3" {
		t.Fatalf("traffic did not go through both services: %v", who)
	}
	waitCountersStable(t)
}

// waitCountersStable returns once two reads of every counter agree across
// an update of the kernel's sums: IPVS refreshes the counters it reports
// only every 2 s (the estimator), and late packets of closing connections
// (FIN retransmits on a slow emulated machine) would otherwise move them
// under the test.
func waitCountersStable(t *testing.T) {
	t.Helper()
	prev := counters(t)
	for range 12 {
		time.Sleep(2500 * time.Millisecond)
		cur := counters(t)
		if cur == prev {
			return
		}
		prev = cur
	}
	t.Fatalf("counters still moving after 30 s:\n%s", prev)
}

// get fetches a page from the client namespace. Not netlab.sh's fetch:
// the lab's busybox 1.35 wget segfaults when given -T.
func get(t *testing.T, hostPort string) string {
	t.Helper()
	return strings.TrimSpace(sh(t, "ip netns exec client timeout 5 busybox wget -q -O - http://"+hostPort+"/"))
}

// counters is Debian's view of every counter, exactly.
func counters(t *testing.T) string {
	t.Helper()
	out, errs, rc := run(t, debianIpvsadm, "-Ln", "--stats", "--exact")
	if rc != 0 {
		t.Fatalf("ipvsadm --stats: %d %s", rc, errs)
	}
	return out
}

func debianSave(t *testing.T) string {
	t.Helper()
	out, _, _ := run(t, debianIpvsadm, "-Sn")
	return out
}

func writeTable(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "ipvs.rules")
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestApplyOneWeightKeepsCounters(t *testing.T) {
	requireLab(t)
	applySite(t)
	saved, _, _ := run(t, lvsctlBin(t), "-S", "-n")
	before := counters(t)
	if !strings.Contains(before, "TCP  192.0.2.100:8080") || strings.Contains(before, "192.0.2.100:8080                    0") {
		t.Fatalf("no traffic through the second service:\n%s", before)
	}

	// the saved table is the kernel's: nothing to do, nothing done
	same := writeTable(t, saved)
	if out, errs, rc := run(t, lvsctlBin(t), "diff", same); rc != 0 || out != "" {
		t.Fatalf("diff of -S output: rc %d %q %q", rc, out, errs)
	}
	if out, errs, rc := run(t, lvsctlBin(t), "apply", same); rc != 0 || out != "" || errs != "" {
		t.Fatalf("apply of -S output: rc %d %q %q", rc, out, errs)
	}

	file := writeTable(t, strings.Replace(saved, "-r 10.10.2.2:80 -m -w 1", "-r 10.10.2.2:80 -m -w 5", 1))
	const edit = "-e -t 192.0.2.100:80 -r 10.10.2.2:80 -m -w 5\n"
	if out, errs, rc := run(t, lvsctlBin(t), "diff", file); rc != 1 || out != edit {
		t.Fatalf("diff: rc %d %q %q", rc, out, errs)
	}
	out, errs, rc := run(t, lvsctlBin(t), "diff", "--json", file)
	var doc ipvsadm.JSONDiff
	if err := json.Unmarshal([]byte(out), &doc); err != nil || rc != 1 || len(doc.Changes) != 1 ||
		doc.Changes[0].Op != "edit_destination" || doc.Changes[0].Dest.Weight != 5 {
		t.Fatalf("diff --json: rc %d %v %q\n%s", rc, err, errs, out)
	}
	if out, errs, rc := run(t, lvsctlBin(t), "apply", file); rc != 0 || out != edit || errs != "" {
		t.Fatalf("apply: rc %d %q %q", rc, out, errs)
	}
	if got := debianSave(t); !strings.Contains(got, "-a -t 192.0.2.100:80 -r 10.10.2.2:80 -m -w 5\n") {
		t.Errorf("weight not applied:\n%s", got)
	}
	after := counters(t)
	if after != before {
		t.Errorf("counters changed (-before +after):\n%s", lineDiff(before, after))
	}

	// applying the same file again is a no-op
	if out, errs, rc := run(t, lvsctlBin(t), "apply", file); rc != 0 || out != "" || errs != "" {
		t.Errorf("second apply: rc %d %q %q", rc, out, errs)
	}
	if out, _, rc := run(t, lvsctlBin(t), "diff", file); rc != 0 || out != "" {
		t.Errorf("diff after apply: rc %d %q", rc, out)
	}
	if again := counters(t); again != before {
		t.Errorf("counters changed by the second apply:\n%s", lineDiff(before, again))
	}
	t.Logf("counters kept through apply:\n%s", after)
}

func TestApplyBadLineChangesNothing(t *testing.T) {
	requireLab(t)
	applySite(t)
	saved, _, _ := run(t, lvsctlBin(t), "-Sn")
	before, table := counters(t), debianSave(t)
	bad := strings.Replace(saved, "-r 10.10.2.2:80 -m -w 1", "-r 10.10.2.2:80 -m -w 9", 1) +
		"-a -t 192.0.2.100:80 -r 10.10.3.2:80 -m -w heavy\n"
	file := writeTable(t, bad)
	out, errs, rc := run(t, lvsctlBin(t), "apply", file)
	if rc != 2 || out != "" || errs != "lvsctl apply: "+file+": line 6: illegal weight specified\n" {
		t.Errorf("apply of a bad file: rc %d %q %q", rc, out, errs)
	}
	if got := debianSave(t); got != table {
		t.Errorf("table changed by a refused file:\n%s", lineDiff(table, got))
	}
	if got := counters(t); got != before {
		t.Errorf("counters changed:\n%s", lineDiff(before, got))
	}

	// -R --atomic: the same input through restore; nothing applied, while
	// plain -R (Debian's and ours) applies the lines before the bad one
	input := "-e -t 192.0.2.100:80 -r 10.10.2.2:80 -m -w 9\n-a -t 192.0.2.100:80 -r 10.10.3.2:80 -m -w heavy\n"
	_, errs, rc = runIn(t, input, lvsctlBin(t), "-R", "--atomic")
	if rc != 2 || !strings.HasSuffix(errs, "-R --atomic: input line 2 refused, nothing applied\n") {
		t.Errorf("-R --atomic: rc %d %q", rc, errs)
	}
	if got := debianSave(t); got != table {
		t.Errorf("-R --atomic changed the table:\n%s", lineDiff(table, got))
	}
	_, _, rc = runIn(t, input, debianIpvsadm, "-R")
	if got := debianSave(t); rc != 2 || !strings.Contains(got, "-r 10.10.2.2:80 -m -w 9\n") {
		t.Errorf("Debian's -R: rc %d, first line not applied:\n%s", rc, got)
	}
}

// TestApplyJSONMatchesIpvsadm: the numbers of -L --json are the numbers
// Debian's ipvsadm prints, after real traffic.
func TestApplyJSONMatchesIpvsadm(t *testing.T) {
	requireLab(t)
	applySite(t)
	out, errs, rc := run(t, lvsctlBin(t), "-L", "-n", "--stats", "--json")
	var doc ipvsadm.JSONServices
	if err := json.Unmarshal([]byte(out), &doc); err != nil || rc != 0 {
		t.Fatalf("-L --json: rc %d %v %q", rc, err, errs)
	}
	t.Logf("lvsctl -L -n --stats --json:\n%s", out)
	// rebuild Debian's --stats --exact table from the JSON
	var b strings.Builder
	b.WriteString("IP Virtual Server version " + doc.IPVS.Version + " (size=" + strconv.Itoa(int(doc.IPVS.ConnTabSize)) + ")\n")
	b.WriteString("Prot LocalAddress:Port               Conns   InPkts  OutPkts  InBytes OutBytes\n  -> RemoteAddress:Port\n")
	row := func(name string, s ipvsctl.JSONStats) {
		b.WriteString(name)
		for _, v := range []uint64{s.Conns, s.InPackets, s.OutPackets, s.InBytes, s.OutBytes} {
			n := strconv.FormatUint(v, 10)
			b.WriteString(strings.Repeat(" ", max(9-len(n), 1)) + n)
		}
		b.WriteString("\n")
	}
	pad := func(s string, w int) string { return s + strings.Repeat(" ", max(w-len(s), 0)) }
	for _, s := range doc.Services {
		row(pad(strings.ToUpper(*s.Protocol)+"  "+*s.Address+":"+strconv.Itoa(int(s.Port)), 33), s.Stats)
		for _, d := range s.Destinations {
			row("  -> "+pad(d.Address+":"+strconv.Itoa(int(d.Port)), 28), d.Stats)
		}
	}
	if want := counters(t); b.String() != want {
		t.Errorf("JSON counters differ from ipvsadm's (-ipvsadm +json):\n%s", lineDiff(want, b.String()))
	}
	// weights and connection entries too
	out, _, _ = run(t, lvsctlBin(t), "-Lcn", "--json")
	var conns ipvsadm.JSONConnections
	if err := json.Unmarshal([]byte(out), &conns); err != nil {
		t.Fatal(err)
	}
	text, _, _ := run(t, debianIpvsadm, "-Lcn")
	if n := strings.Count(text, "\n") - 2; n != len(conns.Connections) || n == 0 {
		t.Errorf("-Lcn has %d entries, --json %d:\n%s", n, len(conns.Connections), text)
	}
	for _, c := range conns.Connections {
		if c.ClientAddress != "192.0.2.10" || c.VirtualAddress != "192.0.2.100" || c.Protocol != "tcp" {
			t.Errorf("connection %+v", c)
		}
	}
}
