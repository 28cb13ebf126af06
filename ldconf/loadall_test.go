package ldconf

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// LoadAll reports every error of a file, each in lvsctl's words with the
// offending value and a hint; Load's error is one of them.
func TestLoadAllEveryError(t *testing.T) {
	src := `checktimeout=abc
logfile="local0"
virtual=192.0.2.300:80
	real=10.0.0.2:80 gatee
	schedular=rr
	logfile="/tmp/x"
	quiescent=maybe
virtual=192.0.2.10:80
	real=10.0.0.3:80 masq
	scheduler=wlcc
	service=htttp
real=10.0.0.4:80 gate
virtual=bad address
	checktype=conect
	passwd=s3cr3t
  checkinterval=5
virtual=192.0.2.10:80
	real=10.0.0.5:80 gate
`
	path := filepath.Join(t.TempDir(), "site.cf")
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, errs := LoadAll(path, testOptions(t)...)
	var got []string
	for _, e := range errs {
		got = append(got, strings.TrimPrefix(e.Explain(), path))
	}
	want := []string{
		`:1: invalid check timeout value: "abc"; a number of seconds, 1 or more`,
		`:3: invalid address for virtual service "192.0.2.300:80": lookup 192.0.2.300: no such host`,
		`:4: forward method must be gate, masq or ipip: "gatee"; did you mean "gate"?`,
		`:5: unknown directive "schedular"; did you mean "scheduler"?`,
		`:6: logfile is a global directive: it cannot be inside a virtual block (the lines indented under virtual= belong to it)`,
		`:7: quiescent must be 'yes' or 'no': "maybe"`,
		`:11: unknown service "htttp"; did you mean "http"? (one of none, dns, ftp, http, https, http_proxy, imap, imaps, ldap, ldaps, nntp, mysql, oracle, pop, pops, radius, pgsql, sip, smtp, submission, simpletcp or smtps)`,
		`:12: real is a directive of virtual blocks: indent it under its virtual= line (four spaces or a tab)`,
		`:13: invalid address for virtual server: "bad address"; the forms are IPV4:PORT, HOST:PORT, [IPV6]:PORT (virtual6=) and a firewall mark`,
		`:14: checktype must be "connect", "negotiate", "on", "off", "ping", "external", "external-perl" or a positive number: "conect"; did you mean "connect"?`,
		`:15: passwd needs its value in double quotes`,
		`:16: "checkinterval=5" is indented by less than four spaces: a line of a virtual block needs four (or a tab), a global directive none`,
		`:18: duplicate virtual server tcp:192.0.2.10:80 (the block ending here; the first is on line 8)`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("errors:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	_, first := Load(path, testOptions(t)...)
	found := false
	for _, e := range errs {
		found = found || e.Error() == first.Error()
	}
	if !found {
		t.Errorf("Load's error %q is not among LoadAll's", first)
	}
	// ldirectord's own words stay in Msg.
	if errs[3].Msg != "Unknown command \"\tschedular=rr\n\"" && errs[3].Msg != "Unknown command \"\tschedular=rr\"" {
		t.Errorf("Msg %q is not ldirectord's", errs[3].Msg)
	}
	// the one virtual read to its end; the scheduler warning at its line
	if len(cfg.Virtuals) != 1 || cfg.Virtuals[0].Line != 8 {
		t.Errorf("virtuals kept: %+v", cfg.Virtuals)
	}
	var warned bool
	for _, w := range cfg.Warnings {
		if w.Line == 10 && w.Explain() == path+`:10: scheduler "wlcc" is not one Linux ships; the kernel may refuse the virtual service; did you mean "wlc"? (Linux ships rr, wrr, lc, wlc, lblc, lblcr, dh, sh, sed, nq, fo, ovf, mh and twos)` {
			warned = true
		}
	}
	if !warned {
		t.Errorf("no scheduler warning at line 10: %+v", cfg.Warnings)
	}
	if b, _ := json.Marshal(errs); strings.Contains(string(b), "s3cr3t") {
		t.Error("a secret in the errors")
	}
}

// Every file of the corpus: a valid one gives LoadAll no error and
// Load's configuration; an invalid one gives Load's error among others.
func TestLoadAllCorpus(t *testing.T) {
	for _, dir := range []string{"valid", "invalid", "bgp/valid", "bgp/invalid"} {
		files, _ := filepath.Glob(filepath.Join(corpusDir, dir, "*.cf"))
		if len(files) == 0 {
			t.Fatalf("no corpus in %s", dir)
		}
		for _, f := range files {
			cfg, err := Load(f, testOptions(t)...)
			all, errs := LoadAll(f, testOptions(t)...)
			if err == nil {
				a, _ := json.Marshal(cfg)
				b, _ := json.Marshal(all)
				if len(errs) != 0 || string(a) != string(b) {
					t.Errorf("%s: LoadAll %v, or another configuration than Load's", f, errs)
				}
				continue
			}
			found := false
			for _, e := range errs {
				found = found || (e.Error() == err.Error() && e.Line == err.(*Error).Line)
			}
			if !found {
				t.Errorf("%s: Load's %q not among LoadAll's %v", f, err, errs)
			}
		}
	}
}

// LoadAll stops at maxAllErrors and says so.
func TestLoadAllBounded(t *testing.T) {
	path := filepath.Join(t.TempDir(), "many.cf")
	if err := os.WriteFile(path, []byte(strings.Repeat("frob=1\n", 2*maxAllErrors)), 0o644); err != nil {
		t.Fatal(err)
	}
	_, errs := LoadAll(path, testOptions(t)...)
	if len(errs) != maxAllErrors+1 || errs[maxAllErrors].Msg != "more than 50 errors: the rest of the file is not checked" || errs[maxAllErrors-1].Line != maxAllErrors {
		t.Errorf("%d errors, the last %v", len(errs), errs[len(errs)-1])
	}
}
