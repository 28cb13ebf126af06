package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestMain runs lvsctl itself when asked to (by the tests below, which
// execute this binary).
func TestMain(m *testing.M) {
	if os.Getenv("LVSCTL_TEST_RUN_MAIN") == "1" {
		main()
	}
	os.Exit(m.Run())
}

// lvsctl runs the command with args; it returns its output and status.
func lvsctl(t *testing.T, args ...string) (string, int) {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "LVSCTL_TEST_RUN_MAIN=1")
	cmd.WaitDelay = 5 * time.Second
	out, err := cmd.CombinedOutput()
	if _, ok := err.(*exec.ExitError); err != nil && !ok {
		t.Fatal(err)
	}
	return string(out), cmd.ProcessState.ExitCode()
}

const planted = "Pl4nted-S3cret"

// TestSecretsNotInOutput: what `ldirectord --check` and `check -c` print
// (the error, the warnings, the table, a check's reason) never holds a
// passwd= or secret= value.
func TestSecretsNotInOutput(t *testing.T) {
	// A POP server that quotes the password it refuses.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				_ = c.SetDeadline(time.Now().Add(10 * time.Second))
				_, _ = io.WriteString(c, "+OK ready\r\n")
				r := bufio.NewReader(c)
				for {
					l, err := r.ReadString('\n')
					if err != nil {
						return
					}
					if strings.HasPrefix(l, "PASS") {
						_, _ = io.WriteString(c, "-ERR unknown command "+l)
						continue
					}
					_, _ = io.WriteString(c, "+OK\r\n")
				}
			}()
		}
	}()
	port := ln.Addr().(*net.TCPAddr).Port
	dir := t.TempDir()
	write := func(name, src string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	valid := write("valid.cf", fmt.Sprintf("logfile=\"local0\"\n\nvirtual=192.0.2.1:110\n\tservice=pop\n\tlogin=\"joe\"\n\tpasswd=\"%s\"\n\treal=127.0.0.1:%d masq passwd=%s 5\n", planted, port, planted))
	bad := write("bad.cf", "virtual=192.0.2.1:110\n\tservice=pop\n\tsecret="+planted+"\n\treal=127.0.0.1 masq\n")

	for _, c := range []struct {
		args   []string
		status int
		has    []string // what the output must hold
	}{
		{[]string{"ldirectord", "--check", valid}, 0, []string{
			valid + `:7: warning: ignored by ldirectord: "passwd=<redacted>"`,
			"-a -t 192.0.2.1:110 -r 127.0.0.1:" + fmt.Sprint(port) + " -m -w 5"}},
		{[]string{"ldirectord", "--check", bad}, 2, []string{
			bad + ":3: secret needs its value in double quotes\n"}},
		{[]string{"ldirectord", "-d", bad, "start"}, 2, []string{
			"reading file " + bad + " at line 3: Unknown command \"\tsecret=<redacted>\n\"\n"}},
		{[]string{"check", "-c", valid, "192.0.2.1:110", fmt.Sprintf("127.0.0.1:%d", port)}, 1, []string{
			"login failed: -ERR unknown command PASS <redacted>"}},
	} {
		out, status := lvsctl(t, c.args...)
		if strings.Contains(out, planted) {
			t.Errorf("lvsctl %s shows the secret:\n%s", strings.Join(c.args, " "), out)
		}
		if status != c.status {
			t.Errorf("lvsctl %s: exit %d, want %d\n%s", strings.Join(c.args, " "), status, c.status, out)
		}
		for _, h := range c.has {
			if !strings.Contains(out, h) {
				t.Errorf("lvsctl %s: output lacks %q:\n%s", strings.Join(c.args, " "), h, out)
			}
		}
	}
}
