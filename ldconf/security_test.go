package ldconf

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lvsctl/lvsctl/checks"
)

// writeCA writes a CA certificate as PEM and returns its path.
func writeCA(t *testing.T) string {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test CA"},
		NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestSecurityDirectives: the global values are the defaults, a virtual's
// own override them one by one, and nothing set is ldirectord's behaviour.
func TestSecurityDirectives(t *testing.T) {
	ca := writeCA(t)
	c := mustParse(t, `
tlsverifyhost = yes
tlsminversion = 1.2
tlscafile = "`+ca+`"
pgsqlcleartext = no

virtual=192.0.2.1:443
	service=https
	real=10.0.0.2:443 masq

virtual=192.0.2.2:636
	service=ldaps
	tlsverifyhost = no
	tlsservername = ldap.example.com
	tlsminversion = 1.3
	real=10.0.0.2:636 masq

virtual=192.0.2.3:5432
	service=pgsql
	pgsqlcleartext = yes
	tlscafile = `+ca+`
	tlsservername = "10.0.0.9"
	real=10.0.0.2:5432 masq
`)
	global := checks.Security{VerifyHost: true, MinTLS: tls.VersionTLS12, CAFile: ca, RefuseCleartext: true}
	if c.Global.Security != global {
		t.Errorf("global %+v", c.Global.Security)
	}
	for i, want := range []checks.Security{
		global,
		{VerifyHost: false, ServerName: "ldap.example.com", MinTLS: tls.VersionTLS13, CAFile: ca, RefuseCleartext: true},
		{VerifyHost: true, ServerName: "10.0.0.9", MinTLS: tls.VersionTLS12, CAFile: ca, RefuseCleartext: false},
	} {
		if got := c.Virtuals[i].Security; got != want {
			t.Errorf("virtual %d: %+v, want %+v", i, got, want)
		}
	}
	if len(c.Warnings) != 0 {
		t.Errorf("warnings: %v", c.Warnings)
	}

	// Globals may follow the blocks that use them, as ldirectord's do.
	c = mustParse(t, "virtual=192.0.2.1:443\n\tservice=https\n\treal=10.0.0.2 masq\n\ntlsverifyhost=yes\n")
	if !c.Virtuals[0].Security.VerifyHost {
		t.Error("a later global does not apply")
	}
	// None: the zero value, ldirectord's behaviour.
	c = mustParse(t, "virtual=192.0.2.1:443\n\tservice=https\n\treal=10.0.0.2 masq\n")
	if c.Virtuals[0].Security != (checks.Security{}) || c.Global.Security != (checks.Security{}) {
		t.Errorf("defaults: %+v %+v", c.Virtuals[0].Security, c.Global.Security)
	}
}

func TestSecurityDirectiveErrors(t *testing.T) {
	dir := t.TempDir()
	notPEM := filepath.Join(dir, "notpem")
	if err := os.WriteFile(notPEM, []byte("hello\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	block := func(l string) string {
		return "virtual=192.0.2.1:443\n\tservice=https\n\t" + l + "\n\treal=10.0.0.2 masq\n"
	}
	for _, c := range []struct {
		src, msg string
		line     int
	}{
		{"tlsverifyhost = maybe\n", "tlsverifyhost must be 'yes' or 'no'", 1},
		{block("tlsverifyhost = 1"), "tlsverifyhost must be 'yes' or 'no'", 3},
		{"pgsqlcleartext = never\n", "pgsqlcleartext must be 'yes' or 'no'", 1},
		{block("pgsqlcleartext="), "pgsqlcleartext must be 'yes' or 'no'", 3},
		{"tlsminversion = 1.4\n", "tlsminversion must be 1.0, 1.1, 1.2 or 1.3", 1},
		{block("tlsminversion = TLSv1.2"), "tlsminversion must be 1.0, 1.1, 1.2 or 1.3", 3},
		{"tlsservername = bad name\n", "invalid tlsservername: a host name or an IP address is required", 1},
		{block("tlsservername = "), "invalid tlsservername: a host name or an IP address is required", 3},
		{block(`tlsservername = "-x.example.com"`), "invalid tlsservername: a host name or an IP address is required", 3},
		{"tlscafile = \n", "tlscafile not specified", 1},
		{block("tlscafile = " + dir + "/missing.pem"), "unable to read tlscafile " + dir + "/missing.pem: No such file or directory", 3},
		{"tlscafile=" + notPEM + "\n", "tlscafile " + notPEM + ": no PEM certificate found", 1},
	} {
		msg, line, status := parseErr(t, c.src)
		if msg != c.msg || line != c.line || status != ExitConfigError {
			t.Errorf("%q: %d: %q (exit %d), want %d: %q", c.src, line, msg, status, c.line, c.msg)
		}
	}
}

// A virtual's tls* or pgsqlcleartext directive that its check cannot use
// is warned about (lvsctl's own warning: the log, not stderr).
func TestSecurityDirectiveWarnings(t *testing.T) {
	c := mustParse(t, `virtual=192.0.2.1:80
	service=http
	tlsminversion=1.2
	tlsverifyhost=yes
	pgsqlcleartext=no
	real=10.0.0.2 masq

virtual=192.0.2.2:443
	checktype=connect
	tlsverifyhost=yes
	real=10.0.0.2 masq

virtual=192.0.2.3:5432
	service=pgsql
	pgsqlcleartext=no
	tlsverifyhost=yes
	real=10.0.0.2 masq
`)
	var got []string
	for _, w := range c.Warnings {
		got = append(got, w.String())
	}
	want := []string{
		"test.cf:3: tlsminversion does nothing for this virtual's check (checktype negotiate, service http): only the https, imaps, ldaps, pgsql, pops and smtps checks use TLS",
		"test.cf:5: pgsqlcleartext does nothing for this virtual's check (checktype negotiate, service http): only the pgsql check uses it",
		"test.cf:10: tlsverifyhost does nothing for this virtual's check (checktype connect, service https): only the https, imaps, ldaps, pgsql, pops and smtps checks use TLS",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("warnings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// smtps is lvsctl's service: port 465 when the real has none, but never
// the default service of a virtual on 465 (ldirectord's is none).
func TestSMTPSService(t *testing.T) {
	c := mustParse(t, "virtual=192.0.2.1:465\n\tservice=smtps\n\treal=10.0.0.2 masq\n\nvirtual=192.0.2.2:465\n\treal=10.0.0.2 masq\n")
	if v := c.Virtuals[0]; v.Service != ServiceSMTPS || v.Service.String() != "smtps" || v.Reals[0].CheckPort != 465 {
		t.Errorf("smtps: %v %d", v.Service, v.Reals[0].CheckPort)
	}
	if v := c.Virtuals[1]; v.Service != ServiceNone {
		t.Errorf("port 465 without service= is %v, want none", v.Service)
	}
	msg, _, _ := parseErr(t, "virtual=192.0.2.1:25\n\tservice=smtpz\n\treal=10.0.0.2 masq\n")
	if !strings.HasPrefix(msg, "service must be dns, ftp,") || strings.Contains(msg, "smtps") {
		t.Errorf("ldirectord's message changed: %s", msg)
	}
}

// A line longer than 64 KiB is refused where it stands, not quoted; a
// configuration larger than 64 MiB is refused whole.
func TestInputBounds(t *testing.T) {
	long := strings.Repeat("x", maxLineLen+1)
	for src, line := range map[string]string{
		"checktimeout=5\n" + long + "\n":   "2",
		"checktimeout=5\n# " + long + "\n": "2",
		"checktimeout=5\nvirtual=192.0.2.1:80\n\treal=10.0.0.2 masq\n\treceive=\"" + long + "\"\n": "4",
	} {
		if _, err := parseString(t, src); err == nil || err.Error() != "test.cf:"+line+": line longer than 64 KiB: refused" {
			t.Errorf("long line: %.80v", err)
		}
	}
	// The first error wins, as ldirectord stops at it.
	if _, err := parseString(t, "nosuch=1\n"+long+"\n"); err == nil || err.Error() != "test.cf:1: Unknown command nosuch=1" {
		t.Errorf("earlier error: %.80v", err)
	}
	// A line of exactly 64 KiB is read.
	if _, err := parseString(t, "# "+strings.Repeat("x", maxLineLen-2)+"\n"); err != nil {
		t.Errorf("64 KiB line: %.80v", err)
	}
	big := strings.NewReader(strings.Repeat("# filler line\n", maxConfig/14+1))
	if _, err := Parse("big.cf", big); err == nil || err.Error() != "big.cf: larger than 64 MiB: refused" || ExitStatus(err) != ExitConfigError {
		t.Errorf("large file: %v", err)
	}
}
