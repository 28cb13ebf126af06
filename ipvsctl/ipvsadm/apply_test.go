package ipvsadm_test

import (
	"bufio"
	"bytes"
	"errors"
	"net/netip"
	"strings"
	"testing"

	"github.com/lvsctl/lvsctl/ipvsctl"
	"github.com/lvsctl/lvsctl/ipvsctl/ipvsadm"
	"github.com/lvsctl/lvsctl/ipvsctl/ipvstest"
)

const siteFile = `-A -t 192.0.2.1:80 -s wrr -p 600 -M 255.255.255.0
-a -t 192.0.2.1:80 -r 10.0.0.2:80 -m -w 1
-a -t 192.0.2.1:80 -r 10.0.0.3:80 -m -w 2
-A -u 192.0.2.1:53 -s rr
-a -u 192.0.2.1:53 -r 10.0.0.5:53 -m -w 1 -x 50 -y 5
-A -f 7 -s sh -b sh-port
-a -f 7 -r 10.0.0.4:0 -g -w 1
`

// applyFile is lvsctl apply without the CLI: read, diff, apply.
func applyFile(t *testing.T, f *ipvstest.Fake, file string) ([]ipvsctl.Change, ipvsadm.ApplyResult) {
	t.Helper()
	want, err := ipvsadm.ReadTable(strings.NewReader(file), "lvsctl", nameless{})
	if err != nil {
		t.Fatalf("read table: %v", err)
	}
	have, err := ipvsctl.ReadKernelTable(f)
	if err != nil {
		t.Fatal(err)
	}
	changes := ipvsctl.DiffTables(have, want)
	var out bytes.Buffer
	r := &ipvsadm.Runner{Prog: "lvsctl", Client: f, Res: nameless{}, Stdout: bufio.NewWriter(&out), Extensions: true}
	return changes, r.Apply(changes)
}

func lines(changes []ipvsctl.Change) []string {
	var s []string
	for i := range changes {
		s = append(s, ipvsadm.CommandLine(&changes[i]))
	}
	return s
}

func TestApplyFromEmptyThenNoOp(t *testing.T) {
	f := ipvstest.NewFake()
	changes, res := applyFile(t, f, siteFile)
	if got := strings.Join(lines(changes), "\n") + "\n"; got != siteFile {
		t.Errorf("changes from an empty table:\n%s\nwant the file itself:\n%s", got, siteFile)
	}
	if res.Refused != -1 {
		t.Errorf("change %d refused: %v", res.Refused, res.Errs[res.Refused])
	}
	for i, st := range res.States {
		if st != ipvsadm.ChangeMade || res.Errs[i] != nil {
			t.Errorf("change %d: %s %v", i, st, res.Errs[i])
		}
	}
	// the applied table saves back as the file
	out, _, _ := runIpvsadm(f, "", "-Sn")
	if strings.ReplaceAll(siteFile, " -x 50 -y 5", "") != out {
		t.Errorf("-Sn after apply:\n%s", out)
	}
	f.ResetCalls()
	changes, _ = applyFile(t, f, siteFile)
	if len(changes) != 0 || len(f.Calls()) != 0 {
		t.Errorf("second apply: changes %q, writes %q", lines(changes), f.Calls())
	}
}

func TestApplyOneWeightIsOneEdit(t *testing.T) {
	f := ipvstest.NewFake()
	applyFile(t, f, siteFile)
	f.ResetCalls()
	changes, res := applyFile(t, f, strings.Replace(siteFile, "10.0.0.3:80 -m -w 2", "10.0.0.3:80 -m -w 5", 1))
	if got := lines(changes); len(got) != 1 || got[0] != "-e -t 192.0.2.1:80 -r 10.0.0.3:80 -m -w 5" || res.States[0] != ipvsadm.ChangeMade {
		t.Fatalf("changes %q %v", got, res)
	}
	if c := f.Calls(); len(c) != 1 || c[0] != "-e -t 192.0.2.1:80 -r 10.0.0.3:80 -m -w 5" {
		t.Errorf("writes %q", c)
	}
}

func TestDiffEveryKind(t *testing.T) {
	f := ipvstest.NewFake()
	applyFile(t, f, siteFile)
	want := `-A -t 192.0.2.1:80 -s rr
-a -t 192.0.2.1:80 -r 10.0.0.3:80 -m -w 2
-a -t 192.0.2.1:80 -r 10.0.0.6:80 -m -w 3
-A -f 7 -s sh -b sh-port
-a -f 7 -r 10.0.0.4:0 -g -w 1 -x 9 -y 3
-A -t 192.0.2.2:443 -s wlc
-a -t 192.0.2.2:443 -r 10.0.0.7 -i --tun-type gre --tun-csum
`
	f.ResetCalls()
	changes, res := applyFile(t, f, want)
	wantChanges := []string{
		"-D -u 192.0.2.1:53",
		"-E -t 192.0.2.1:80 -s rr",
		"-d -t 192.0.2.1:80 -r 10.0.0.2:80",
		"-a -t 192.0.2.1:80 -r 10.0.0.6:80 -m -w 3",
		"-e -f 7 -r 10.0.0.4:0 -g -w 1 -x 9 -y 3",
		"-A -t 192.0.2.2:443 -s wlc",
		"-a -t 192.0.2.2:443 -r 10.0.0.7:443 -i -w 1 --tun-type gre --tun-csum",
	}
	if got := lines(changes); strings.Join(got, "\n") != strings.Join(wantChanges, "\n") {
		t.Errorf("changes:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(wantChanges, "\n"))
	}
	if len(f.Calls()) != len(wantChanges) || errors.Join(res.Errs...) != nil || res.Refused != -1 {
		t.Errorf("writes %q errors %v", f.Calls(), res.Errs)
	}
	// every change line is a command lvsctl -R accepts, and the result is
	// the wanted table
	g := ipvstest.NewFake()
	applyFile(t, g, siteFile)
	if _, e, rc := lvsctlRun(g, strings.Join(wantChanges, "\n")+"\n", "-R", "--atomic"); rc != 0 {
		t.Fatalf("-R of the changes: %d %s", rc, e)
	}
	if g.Dump() != f.Dump() {
		t.Errorf("-R of the diff:\n%s\napply:\n%s", g.Dump(), f.Dump())
	}
	// and the JSON form decodes with its ops
	doc := ipvsadm.DiffJSON(changes)
	if doc.SchemaVersion != 1 || doc.Changes[0].Op != ipvsctl.OpDelSvc || doc.Changes[1].Was == nil ||
		doc.Changes[4].Dest.UpperThreshold != 9 || doc.Changes[4].Was.(ipvsctl.JSONDestinationConfig).UpperThreshold != 0 {
		t.Errorf("json %+v", doc)
	}
}

func TestReadTableRefusesBadFiles(t *testing.T) {
	for name, file := range map[string]string{
		"parse error":       siteFile + "-a -t 192.0.2.1:80 -r 10.0.0.9 -w many\n",
		"unknown option":    "-A -t 192.0.2.1:80 --bogus\n",
		"not a rule":        siteFile + "-C\n",
		"orphan real":       "-a -t 192.0.2.1:80 -r 10.0.0.2\n",
		"duplicate service": "-A -t 192.0.2.1:80\n-A -t 192.0.2.1:80 -s rr\n",
		"duplicate real":    "-A -t 192.0.2.1:80\n-a -t 192.0.2.1:80 -r 10.0.0.2\n-a -t 192.0.2.1:80 -r 10.0.0.2 -w 2\n",
		"thresholds":        "-A -t 192.0.2.1:80\n-a -t 192.0.2.1:80 -r 10.0.0.2 -x 5 -y 6\n",
		"comment":           "# saved\n" + siteFile,
	} {
		_, err := ipvsadm.ReadTable(strings.NewReader(file), "lvsctl", nameless{})
		var le *ipvsadm.LineError
		if !errors.As(err, &le) {
			t.Errorf("%s: %v", name, err)
			continue
		}
		t.Logf("%s: %v", name, err)
	}
	// every bad line is reported, with its number
	_, err := ipvsadm.ReadTable(strings.NewReader("-A -t 192.0.2.1:80 -s\n\n-a -t 192.0.2.1:80 -r x!y\n"), "lvsctl", nameless{})
	if msg := err.Error(); !strings.Contains(msg, "line 1: ") || !strings.Contains(msg, "line 3: illegal real server address[:port] specified") {
		t.Errorf("all errors: %q", msg)
	}
}

func TestRestoreAtomic(t *testing.T) {
	in := "-A -t 192.0.2.1:80\n-a -t 192.0.2.1:80 -r 10.0.0.2\n-a -t 192.0.2.1:80 -r 10.0.0.3 -w bogus\n"
	// plain -R, as ipvsadm: the first two lines are applied
	f := ipvstest.NewFake()
	if _, errs, rc := lvsctlRun(f, in, "-R"); rc != 2 || errs != "illegal weight specified\n" || len(f.Calls()) != 2 {
		t.Errorf("-R: rc %d %q writes %q", rc, errs, f.Calls())
	}
	// --atomic: nothing
	f = ipvstest.NewFake()
	_, errs, rc := lvsctlRun(f, in, "-R", "--atomic")
	if rc != 2 || errs != "illegal weight specified\nlvsctl: -R --atomic: input line 3 refused, nothing applied\n" || len(f.Calls()) != 0 {
		t.Errorf("-R --atomic: rc %d %q writes %q", rc, errs, f.Calls())
	}
	for _, bad := range []string{"-L --bogus\n", "-A -t 192.0.2.9:80\n-R\n", "-A -t 192.0.2.9:80 -s rr\n-h\n", "-A -t 192.0.2.9:80\n-A -t x\n"} {
		f = ipvstest.NewFake()
		if _, errs, rc := lvsctlRun(f, bad, "--atomic", "-R"); rc == 0 || len(f.Calls()) != 0 {
			t.Errorf("%q: rc %d %q writes %q", bad, rc, errs, f.Calls())
		}
	}
}

// names is a hermetic resolver for a table saved without -n.
type names struct{ nameless }

func (names) HostToAddr(h string) (netip.Addr, bool) {
	a, ok := map[string]netip.Addr{"vip": netip.MustParseAddr("192.0.2.1"), "web1": netip.MustParseAddr("10.0.0.2")}[h]
	return a, ok
}

func (names) ServiceToPort(s string, _ ipvsctl.Protocol) (uint16, bool) {
	p, ok := map[string]uint16{"http": 80, "domain": 53}[s]
	return p, ok
}

func TestReadTableResolvesNamesAsIpvsadm(t *testing.T) {
	f := ipvstest.NewFake()
	mustRun(t, f, "-A -t 192.0.2.1:80 -s wlc")
	mustRun(t, f, "-a -t 192.0.2.1:80 -r 10.0.0.2:80 -m -w 1")
	want, err := ipvsadm.ReadTable(strings.NewReader("-A -t vip:http -s wlc\n-a -t vip:http -r web1:http -m -w 1\n"), "lvsctl", names{})
	if err != nil {
		t.Fatal(err)
	}
	have, _ := ipvsctl.ReadKernelTable(f)
	if c := ipvsctl.DiffTables(have, want); len(c) != 0 {
		t.Errorf("a table saved without -n differs from its kernel table: %q", lines(c))
	}
}
