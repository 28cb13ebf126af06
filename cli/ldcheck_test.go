package cli

import (
	"bytes"
	"path/filepath"
	"testing"

	"github.com/lvsctl/lvsctl/ldconf"
)

// ldirectord --check, under either name: on success the table on stdout
// (for lvsctl diff -) and the summary on stderr; on errors every one of
// them, FILE:LINE: and lvsctl's words, warnings among them by line, then
// FAILED, exit 2 and no table.
func TestLdCheckReport(t *testing.T) {
	lt := newLdTest(t)
	good := lt.config("good.cf", `virtual=192.168.100.1:80
	real=10.0.0.2:80 gate
	real=10.0.0.3:80 gate
	service=https
	scheduler=wlcc
virtual=192.168.100.1:25
	real=10.0.0.2:25 masq
	checktype=connect
`)
	bad := lt.config("bad.cf", `virtual=192.168.100.300:80
	real=10.0.0.2:80 gatee
	schedular=rr
virtual=192.168.100.2:80
	real=10.0.0.2:80 gate
	scheduler=wlcc
	service=htttp
checktimeout=3 5
quiescent=maybe
`)
	cases := []struct {
		config             string
		code               int
		wantOut, wantErr   string
		wantErrUnderLvsctl string
	}{
		{good, 0,
			"-A -t 192.168.100.1:25 -s wrr\n-a -t 192.168.100.1:25 -r 10.0.0.2:25 -m -w 1\n-A -t 192.168.100.1:80 -s wlcc\n-a -t 192.168.100.1:80 -r 10.0.0.2:80 -g -w 1\n-a -t 192.168.100.1:80 -r 10.0.0.3:80 -g -w 1\n",
			good + `:6: warning: scheduler "wlcc" is not one Linux ships; the kernel may refuse the virtual service; did you mean "wlc"? (Linux ships rr, wrr, lc, wlc, lblc, lblcr, dh, sh, sed, nq, fo, ovf, mh and twos)` + "\n" +
				good + ": OK, 2 virtuals, 3 reals, checks: 2 negotiate:https, 1 connect\n", ""},
		{bad, 2, "",
			bad + `:2: invalid address for virtual service "192.168.100.300:80": lookup 192.168.100.300: no such host` + "\n" +
				bad + `:3: forward method must be gate, masq or ipip: "gatee"; did you mean "gate"?` + "\n" +
				bad + `:4: unknown directive "schedular"; did you mean "scheduler"?` + "\n" +
				bad + `:7: warning: scheduler "wlcc" is not one Linux ships; the kernel may refuse the virtual service; did you mean "wlc"? (Linux ships rr, wrr, lc, wlc, lblc, lblcr, dh, sh, sed, nq, fo, ovf, mh and twos)` + "\n" +
				bad + `:8: unknown service "htttp"; did you mean "http"? (one of none, dns, ftp, http, https, http_proxy, imap, imaps, ldap, ldaps, nntp, mysql, oracle, pop, pops, radius, pgsql, sip, smtp, submission, simpletcp or smtps)` + "\n" +
				bad + `:10: quiescent must be 'yes' or 'no': "maybe"` + "\n" +
				bad + ": FAILED, 5 errors, 1 warning\n", ""},
	}
	res := staticHosts(t)
	for _, c := range cases {
		for _, argv0 := range []string{"/usr/sbin/ldirectord", "lvsctl"} {
			var out, errOut bytes.Buffer
			f := lt.factory(&out, &errOut)
			f.ConfigOptions = res
			var code int
			if argv0 == "lvsctl" {
				code = Main([]string{"lvsctl", "ldirectord", "--check", filepath.Base(c.config)}, f)
			} else {
				code = Main([]string{argv0, "--check", filepath.Base(c.config)}, f)
			}
			if code != c.code || out.String() != c.wantOut || errOut.String() != c.wantErr {
				t.Errorf("%s --check %s: exit %d\n%s\n-- stderr\n%s\nwant %d\n%s\n-- stderr\n%s", argv0, filepath.Base(c.config), code, out.String(), errOut.String(), c.code, c.wantOut, c.wantErr)
			}
		}
	}
	var out, errOut bytes.Buffer
	if code := LdirectordMain([]string{"ldirectord", "--check", "none.cf"}, lt.factory(&out, &errOut)); code != 2 || out.Len() != 0 ||
		errOut.String() != "none.cf: not found (looked for "+lt.dir+"/ha/none.cf, "+lt.dir+"/ha/conf/none.cf or none.cf)\n" {
		t.Errorf("missing: exit %d %q %q", code, out.String(), errOut.String())
	}
}

// staticHosts are ldconf options resolving from the corpus' hosts and
// services files, never the machine's.
func staticHosts(t *testing.T) []ldconf.Option {
	t.Helper()
	res, err := ldconf.CorpusResolver(ldCorpus)
	if err != nil {
		t.Fatal(err)
	}
	return []ldconf.Option{ldconf.WithResolver(res)}
}
