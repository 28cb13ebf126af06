package cli

import (
	"context"
	"encoding/pem"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/lvsctl/lvsctl/checks"
	"github.com/lvsctl/lvsctl/ldconf"
)

// checkRun runs lvsctl check on args with stdin; it returns stdout,
// stderr and the exit status.
func checkRun(t *testing.T, stdin string, args ...string) (string, string, int) {
	t.Helper()
	tf := newTestFactory()
	tf.ConfigOptions = staticHosts(t)
	tf.IOStreams.In = strings.NewReader(stdin)
	out, errOut, code := tf.main(append([]string{"check"}, args...)...)
	return out, errOut, code
}

// A check that would check nothing is a usage error, never an UP.
func TestCheckNothingToCheck(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--real", "127.0.0.1:18080"}, "lvsctl check: nothing to check: port 18080 has no well-known service and --service is not given; give --service (http, https, smtp, mysql...) or --type connect\n"},
		{[]string{"--real", "127.0.0.1:80", "--service", "none"}, "lvsctl check: nothing to check: service none is always up; give --type connect, ping or negotiate with a --service\n"},
		{[]string{"--real", "127.0.0.1:80", "--type", "on"}, "lvsctl check: nothing to check: checktype on counts the real up without checking it; give --type connect, ping or negotiate with a --service\n"},
		{[]string{"--real", "127.0.0.1:80", "--type", "off"}, "lvsctl check: nothing to check: checktype off never checks the real; give --type connect, ping or negotiate with a --service\n"},
		{[]string{"--real", "127.0.0.1:18080", "--type", "2"}, "lvsctl check: nothing to check: port 18080 has no well-known service and --service is not given; give --service (http, https, smtp, mysql...) or --type connect\n"},
	} {
		if out, errOut, code := checkRun(t, "", c.args...); code != 2 || out != "" || errOut != c.want {
			t.Errorf("%q: exit %d, %q %q; want 2 and %q", c.args, code, out, errOut, c.want)
		}
	}
	// from a configuration too
	cf := filepath.Join(t.TempDir(), "on.cf")
	if err := os.WriteFile(cf, []byte("virtual=192.0.2.1:80\n\treal=127.0.0.1:80 gate\n\tchecktype=on\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	want := "lvsctl check: nothing to check: virtual 192.0.2.1:80 checks its reals with on, and checktype on counts the real up without checking it\n"
	if out, errOut, code := checkRun(t, "", "-c", cf, "192.0.2.1:80", "127.0.0.1:80"); code != 2 || out != "" || errOut != want {
		t.Errorf("-c with checktype=on: exit %d, %q %q", code, out, errOut)
	}
	if _, errOut, code := checkRun(t, "", "-c", cf, "--service", "http", "192.0.2.1:80", "127.0.0.1:80"); code != 2 ||
		errOut != "lvsctl check: -c takes the whole check from the configuration: --service cannot be given with it\n" {
		t.Errorf("-c with --service: exit %d, %q", code, errOut)
	}
}

// The label names the check that ran: an https check is negotiate:https,
// and --tlscafile reaches it (the test server's own certificate as CA).
func TestCheckLabelAndTLSFlags(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "ok") }))
	defer srv.Close()
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o644); err != nil {
		t.Fatal(err)
	}
	real := strings.TrimPrefix(srv.URL, "https://")
	out, errOut, code := checkRun(t, "", "--service", "https", "--real", real, "--timeout", "5s")
	if code != 1 || !strings.HasPrefix(out, "DOWN negotiate:https "+real+": ") || errOut != "" {
		t.Errorf("self-signed, no CA: exit %d, %q %q; want DOWN negotiate:https", code, out, errOut)
	}
	out, errOut, code = checkRun(t, "", "--service", "https", "--real", real, "--tlscafile", ca, "--tlsminversion", "1.2", "--timeout", "5s")
	if code != 0 || !strings.HasPrefix(out, "UP negotiate:https "+real+": ") || errOut != "" {
		t.Errorf("with its CA: exit %d, %q %q; want UP negotiate:https", code, out, errOut)
	}
	// httptest's certificate names example.com and 127.0.0.1
	out, _, code = checkRun(t, "", "--service", "https", "--real", real, "--tlscafile", ca, "--tlsverifyhost", "--tlsservername", "wrong.example.test", "--timeout", "5s")
	if code != 1 || !strings.HasPrefix(out, "DOWN negotiate:https ") {
		t.Errorf("wrong server name verified: exit %d, %q", code, out)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--service", "https", "--real", real, "--tlsminversion", "1.4"}, "lvsctl check: --tlsminversion must be 1.0, 1.1, 1.2 or 1.3, not \"1.4\"\n"},
		{[]string{"--service", "http", "--real", real, "--tlsverifyhost"}, "lvsctl check: --tlsverifyhost does nothing for negotiate:http: only the https, imaps, ldaps, pgsql, pops or smtps checks use TLS\n"},
		{[]string{"--type", "connect", "--real", real, "--tlscafile", ca}, "lvsctl check: --tlscafile does nothing for connect: only the https, imaps, ldaps, pgsql, pops or smtps checks use TLS\n"},
		{[]string{"--service", "mysql", "--real", real, "--pgsqlcleartext", "no"}, "lvsctl check: --pgsqlcleartext does nothing for negotiate:mysql: only the pgsql check uses it\n"},
		{[]string{"--service", "pgsql", "--real", real, "--pgsqlcleartext", "maybe"}, "lvsctl check: --pgsqlcleartext must be yes or no, not \"maybe\"\n"},
		{[]string{"--service", "https", "--real", real, "--tlscafile", "/nonexistent/ca.pem"}, "lvsctl check: tlscafile: stat /nonexistent/ca.pem: no such file or directory\n"},
	} {
		if out, errOut, code := checkRun(t, "", c.args...); code != 2 || out != "" || errOut != c.want {
			t.Errorf("%q: exit %d, %q %q; want 2 and %q", c.args, code, out, errOut, c.want)
		}
	}
}

// Flags reach the Target: the TLS knobs, pgsqlcleartext, and the secrets
// from a file, standard input or the environment.
func TestCheckSecurityAndSecretsReachTarget(t *testing.T) {
	pw := filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(pw, []byte("hunter2\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	run := func(stdin string, args ...string) (checks.Target, string, int) {
		tf := newTestFactory()
		tf.ConfigOptions = staticHosts(t)
		tf.IOStreams.In = strings.NewReader(stdin)
		var got checks.Target
		cmd := newCmdCheck(tf.Factory, func(o *checkOptions) error {
			var err error
			got, err = o.target(o.ctx)
			return err
		})
		code := tf.run(cmd, args...)
		return got, tf.errOut.String(), code
	}
	got, errOut, code := run("", "--service", "pgsql", "--real", "10.0.0.2:5432", "--login", "mon", "--passwd-file", pw,
		"--tlsverifyhost", "--tlsservername", "db.example.test", "--tlsminversion", "1.3", "--pgsqlcleartext", "no")
	want := checks.Security{VerifyHost: true, ServerName: "db.example.test", MinTLS: 0x0304, RefuseCleartext: true}
	if code != 0 || got.Passwd != "hunter2" || got.Security != want || got.Login != "mon" {
		t.Errorf("exit %d %s: passwd %q, security %+v", code, errOut, got.Passwd, got.Security)
	}
	got, _, code = run("s3cret\r\n", "--service", "radius", "--real", "10.0.0.2:1812", "--secret-file", "-")
	if code != 0 || got.Secret != "s3cret" {
		t.Errorf("secret from stdin: exit %d, %q", code, got.Secret)
	}
	t.Setenv("LVSCTL_PASSWD", "from-env")
	t.Setenv("LVSCTL_SECRET", "env-secret")
	got, _, code = run("", "--service", "radius", "--real", "10.0.0.2:1812")
	if code != 0 || got.Passwd != "from-env" || got.Secret != "env-secret" {
		t.Errorf("from the environment: exit %d, %q %q", code, got.Passwd, got.Secret)
	}
	got, _, _ = run("", "--service", "mysql", "--real", "10.0.0.2:3306", "--passwd-file", pw)
	if got.Passwd != "hunter2" {
		t.Errorf("the file does not win over the environment: %q", got.Passwd)
	}
}

// --passwd and --secret put the value in every user's ps: refused, the
// value never repeated.
func TestCheckSecretsNotFromArgv(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--service", "mysql", "--real", "10.0.0.2:3306", "--passwd", "Pl4nted"}, "lvsctl check: --passwd would show its value to every user of this machine (ps, /proc/PID/cmdline): use --passwd-file FILE or the environment variable LVSCTL_PASSWD\n"},
		{[]string{"--service", "radius", "--real", "10.0.0.2:1812", "--secret=Pl4nted"}, "lvsctl check: --secret would show its value to every user of this machine (ps, /proc/PID/cmdline): use --secret-file FILE or the environment variable LVSCTL_SECRET\n"},
		{[]string{"--service", "radius", "--real", "10.0.0.2:1812", "--secret-file", "-", "--passwd-file", "-"}, "lvsctl check: --passwd-file and --secret-file cannot both read standard input\n"},
		{[]string{"--service", "mysql", "--real", "10.0.0.2:3306", "--passwd-file", "/nonexistent/pw"}, "lvsctl check: --passwd-file: open /nonexistent/pw: no such file or directory\n"},
	} {
		out, errOut, code := checkRun(t, "", c.args...)
		if code != 2 || out != "" || errOut != c.want {
			t.Errorf("%q: exit %d, %q %q; want 2 and %q", c.args, code, out, errOut, c.want)
		}
	}
	tf := newTestFactory()
	out, _, _ := tf.main("check", "-h")
	if strings.Contains(out, "--passwd ") || strings.Contains(out, "--secret ") || !strings.Contains(out, "--passwd-file FILE") {
		t.Errorf("check -h offers --passwd or --secret, or not --passwd-file:\n%s", out)
	}
}

// Host names are resolved as a real= line's; what cannot be is told in
// a sentence.
func TestCheckResolvesNames(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := ln.Addr().(*net.TCPAddr).Port
	out, errOut, code := checkRun(t, "", "--type", "connect", "--real", fmt.Sprintf("localhost:%d", port))
	if code != 0 || !strings.HasPrefix(out, fmt.Sprintf("UP connect 127.0.0.1:%d: ", port)) || errOut != "" {
		t.Errorf("localhost: exit %d, %q %q", code, out, errOut)
	}
	out, _, code = checkRun(t, "", "--type", "connect", "--real", fmt.Sprintf("real1.example.test:%d", port))
	if code != 1 || !strings.HasPrefix(out, fmt.Sprintf("DOWN connect 192.0.2.11:%d: ", port)) {
		t.Errorf("real1.example.test: exit %d, %q", code, out)
	}
	tf := newTestFactory()
	tf.ConfigOptions = staticHosts(t)
	var got checks.Target
	cmd := newCmdCheck(tf.Factory, func(o *checkOptions) error {
		var err error
		got, err = o.target(o.ctx)
		return err
	})
	if code := tf.run(cmd, "--real", "vip6.example.test:http"); code != 0 || got.RealAddr.String() != "2001:db8::10" || got.RealPort != 80 || got.Label() != "negotiate:http" {
		t.Errorf("IPv6 only host, service name: exit %d %s, %v port %d %s", code, tf.errOut.String(), got.RealAddr, got.RealPort, got.Label())
	}
	for _, c := range []struct {
		real, want string
	}{
		{"nosuch.example.test:80", "lvsctl check: --real \"nosuch.example.test:80\": the host name nosuch.example.test has no address (not in /etc/hosts, not in DNS)\n"},
		{"1.2.3.4:5:6", "lvsctl check: --real \"1.2.3.4:5:6\": not an address: IP[:PORT], [IPv6][:PORT] or HOST[:PORT] is wanted\n"},
		{"10.0.0.2:99999", "lvsctl check: --real \"10.0.0.2:99999\": port 99999 is not between 0 and 65535\n"},
		{"10.0.0.2:nosuchport", "lvsctl check: --real \"10.0.0.2:nosuchport\": \"nosuchport\" is neither a port number nor a service name of /etc/services\n"},
		{":80", "lvsctl check: --real \":80\": no host before the port\n"},
	} {
		if out, errOut, code := checkRun(t, "", "--service", "http", "--real", c.real); code != 2 || out != "" || errOut != c.want {
			t.Errorf("--real %s: exit %d, %q %q; want 2 and %q", c.real, code, out, errOut, c.want)
		}
	}
}

// hangingResolver answers nothing until its caller gives up.
type hangingResolver struct{}

func (hangingResolver) LookupHost(ctx context.Context, _ string, _ ldconf.Family) (netip.Addr, error) {
	<-ctx.Done()
	return netip.Addr{}, ctx.Err()
}

func (hangingResolver) LookupPort(ctx context.Context, _, _ string) (int, error) {
	<-ctx.Done()
	return 0, ctx.Err()
}

// A name that DNS does not answer is refused after the look-up's bound,
// in a sentence, with nothing checked.
func TestCheckResolveTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		for _, c := range []struct{ real, want string }{
			{"web1.example.test:80", "lvsctl check: --real \"web1.example.test:80\": the host name web1.example.test could not be resolved within 5s\n"},
			{"10.0.0.2:webport", "lvsctl check: --real \"10.0.0.2:webport\": the service name webport could not be resolved within 5s\n"},
		} {
			tf := newTestFactory()
			tf.ConfigOptions = []ldconf.Option{ldconf.WithResolver(hangingResolver{})}
			start := time.Now()
			out, errOut, code := tf.main("check", "--service", "http", "--real", c.real)
			if code != 2 || out != "" || errOut != c.want {
				t.Errorf("--real %s: exit %d, %q %q; want 2 and %q", c.real, code, out, errOut, c.want)
			}
			if d := time.Since(start); d != resolveTimeout {
				t.Errorf("--real %s: refused after %v, want %v", c.real, d, resolveTimeout)
			}
		}
	})
}
