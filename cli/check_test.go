package cli

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lvsctl/lvsctl/checks"
)

func runCheckCmd(t *testing.T, args ...string) (string, int) {
	t.Helper()
	tf := newTestFactory()
	tf.ConfigOptions = staticHosts(t)
	code := tf.run(newCmdCheck(tf.Factory, nil), args...)
	return tf.out.String() + tf.errOut.String(), code
}

func TestCheckCmdFlags(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/health" {
			fmt.Fprint(w, "status ok")
			return
		}
		http.NotFound(w, r)
	}))
	defer srv.Close()
	real := strings.TrimPrefix(srv.URL, "http://")

	out, code := runCheckCmd(t, "--service", "http", "--real", real, "--request", "/health", "--receive", "ok$", "--timeout", "2s")
	if code != 0 || !strings.HasPrefix(out, "UP negotiate:http") {
		t.Errorf("up: code %d, %q", code, out)
	}
	out, code = runCheckCmd(t, "--service", "http", "--real", real, "--request", "missing", "--timeout", "2s")
	if code != 1 || !strings.Contains(out, "DOWN") || !strings.Contains(out, "404") {
		t.Errorf("down: code %d, %q", code, out)
	}
	out, code = runCheckCmd(t, "--type", "connect", "--real", real)
	if code != 0 {
		t.Errorf("connect: code %d, %q", code, out)
	}
	for _, args := range [][]string{
		{"--service", "http"},                          // no real
		{"--real", "nonsense"},                         // no such host
		{"--real", "1.2.3.4:5:6"},                      // not an address
		{"--real", real, "--service", "oracle"},        // refused at config time
		{"--real", real, "--receive", "a(?=b)"},        // RE2 cannot
		{"--real", real, "--bogus"},                    // unknown flag
		{"--real", real, "extra"},                      // stray argument
		{"--real", real, "--httpmethod", "POST"},       // not GET/HEAD
		{"-c", "/nonexistent/ldirectord.cf", "a", "b"}, // missing config
	} {
		if out, code := runCheckCmd(t, args...); code != 2 {
			t.Errorf("%q: code %d, want 2 (%q)", args, code, out)
		}
	}
}

func TestCheckCmdConfig(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := ln.Addr().(*net.TCPAddr).Port
	cf := filepath.Join(t.TempDir(), "ldirectord.cf")
	conf := fmt.Sprintf("logfile=\"local0\"\nvirtual=192.0.2.1:80\n    real=127.0.0.1:%d gate\n    checktype=connect\n    checktimeout=2\n", port)
	if err := os.WriteFile(cf, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	out, code := runCheckCmd(t, "-c", cf, "192.0.2.1:80", fmt.Sprintf("127.0.0.1:%d", port))
	if code != 0 || !strings.HasPrefix(out, "UP connect") {
		t.Errorf("config up: code %d, %q", code, out)
	}
	out, code = runCheckCmd(t, "-c", cf, "192.0.2.1:80", "127.0.0.9")
	if code != 2 || !strings.Contains(out, "not in virtual") {
		t.Errorf("unknown real: code %d, %q", code, out)
	}
	ln.Close()
	if out, code = runCheckCmd(t, "-c", cf, "192.0.2.1:80", "127.0.0.1"); code != 1 {
		t.Errorf("config down: code %d, %q", code, out)
	}
}

// An HTTP check that times out is Unchanged in the checks package (what
// check_http means); a one-shot check has no state to keep and the
// daemon counts a timeout down, so it answers down (exit 1), within the
// timeout, saying it timed out.
func TestCheckCmdHTTPTimeoutIsDown(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-release
	}))
	defer srv.Close()
	defer close(release)
	real := strings.TrimPrefix(srv.URL, "http://")
	start := time.Now()
	out, code := runCheckCmd(t, "--service", "http", "--real", real, "--timeout", "300ms")
	if code != 1 || !strings.HasPrefix(out, "DOWN negotiate:http "+real+": timeout: ") || strings.Contains(out, "unchanged") {
		t.Errorf("code %d, %q; want 1 and a DOWN timeout", code, out)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v with a 300ms timeout", d)
	}
}

// Flags reach the check's options (runF in place of the check):
// --timeout sets both timeouts, a numeric --type is combined, and the
// service defaults from the real's port.
func TestCheckCmdOptions(t *testing.T) {
	tf := newTestFactory()
	var got checks.Target
	cmd := newCmdCheck(tf.Factory, func(o *checkOptions) error {
		var err error
		got, err = o.target(context.Background())
		return err
	})
	if code := tf.run(cmd, "--real", "10.0.0.2:443", "--type", "3", "--timeout", "7s", "--request", "health"); code != 0 {
		t.Fatalf("exit %d: %s", code, tf.errOut.String())
	}
	if got.CheckTimeout != 7*time.Second || got.NegotiateTimeout != 7*time.Second || got.CheckType != checks.TypeCombined ||
		got.NumConnects != 3 || got.Service != "https" || got.Request != "/health" || got.RealPort != 443 {
		t.Errorf("target %+v", got)
	}
	tf = newTestFactory()
	cmd = newCmdCheck(tf.Factory, func(*checkOptions) error { t.Error("ran with a bad flag"); return nil })
	if code := tf.run(cmd, "--checkport", "x"); code != 2 || !strings.HasPrefix(tf.errOut.String(), "lvsctl check: invalid argument \"x\"") {
		t.Errorf("bad flag: exit %d, %q", code, tf.errOut.String())
	}
}
