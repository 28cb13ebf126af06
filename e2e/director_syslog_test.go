//go:build e2e

package e2e

import (
	"net"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestDirectorSyslogVsDebian: with logfile="local0" both implementations
// send the same messages to /dev/log, with the same priority, ident and
// pid field, from start to stop. The test is the syslog daemon: it binds
// /dev/log itself (moving any existing one aside for the duration).
func TestDirectorSyslogVsDebian(t *testing.T) {
	requireLab(t)
	resetKernel(t)
	ldCleanup()
	defer ldCleanup()
	const devLog = "/dev/log"
	if _, err := os.Lstat(devLog); err == nil {
		if err := os.Rename(devLog, devLog+".e2e"); err != nil {
			t.Fatal(err)
		}
		defer os.Rename(devLog+".e2e", devLog)
	}
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: devLog, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	defer os.Remove(devLog)
	defer conn.Close()
	var mu sync.Mutex
	var got []string
	go func() {
		buf := make([]byte, 8192)
		for {
			n, err := conn.Read(buf)
			if err != nil {
				return
			}
			mu.Lock()
			got = append(got, string(buf[:n]))
			mu.Unlock()
		}
	}()
	take := func() []string {
		mu.Lock()
		defer mu.Unlock()
		g := got
		got = nil
		return g
	}
	const cfgPath = "/etc/ha.d/syslog.cf"
	cfg := "logfile=\"local0\"\ncheckinterval=1\nvirtual=192.168.100.1:80\n\treal=10.0.2.2:80 gate\n\treal=10.0.3.2:80 gate 2\n\tchecktype=on\n"
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	defer os.Remove(cfgPath)
	run := func(ld string) []string {
		take()
		for _, action := range []string{"start", "stop"} {
			if out, err := exec.Command(ld, cfgPath, action).CombinedOutput(); err != nil {
				t.Fatalf("%s %s: %v\n%s", ld, action, err, out)
			}
			if action == "start" {
				waitFor(t, 60*time.Second, "both reals added", func() bool {
					return strings.Count(ipvsTable(), "-a -t") == 2
				})
			}
		}
		waitFor(t, 30*time.Second, "the daemon gone", func() bool {
			return exec.Command("pgrep", "-f", "ldirectord "+cfgPath+" start").Run() != nil
		})
		time.Sleep(500 * time.Millisecond) // the last datagrams
		return normalizeSyslog(take(), ld)
	}
	deb := run(debianLd)
	lv := run(ldLink(t))
	if len(deb) == 0 {
		t.Fatal("Debian's ldirectord sent nothing to /dev/log")
	}
	// Every datagram parsed (same priority and ident, a pid), lvsctl's
	// messages are Debian's but for the start-up add-then-remove it
	// leaves out (docs/compat.md), and the stop is the same sequence.
	debCount := map[string]int{}
	for _, m := range deb {
		debCount[m]++
	}
	for _, m := range lv {
		if debCount[m] == 0 {
			t.Errorf("lvsctl sent %q, Debian's ldirectord did not (or fewer times)", m)
		}
		debCount[m]--
	}
	stopOf := func(ms []string) string {
		for i, m := range ms {
			if strings.Contains(m, "syslog.cf stop") {
				return strings.Join(ms[i:], "\n")
			}
		}
		return ""
	}
	if a, b := stopOf(deb), stopOf(lv); a == "" || a != b {
		t.Errorf("the stop's messages differ (-ldirectord +lvsctl):\n%s", lineDiff(a, b))
	}
	if t.Failed() {
		t.Logf("Debian's messages:\n%s\nlvsctl's:\n%s", strings.Join(deb, "\n"), strings.Join(lv, "\n"))
	}
}

// reSyslog is what Perl's Sys::Syslog and Go's log/syslog send to a
// local socket: <PRI>TIMESTAMP IDENT[PID]: MESSAGE, then a newline (and a
// NUL from Perl).
var reSyslog = regexp.MustCompile(`^<(\d+)>[A-Z][a-z]{2} [ 0-9]\d \d\d:\d\d:\d\d ([^\[]+)\[\d+\]: (.*)$`)

func normalizeSyslog(msgs []string, ld string) []string {
	var out []string
	for _, m := range msgs {
		m = strings.TrimSuffix(strings.TrimSuffix(m, "\x00"), "\n")
		if s := reSyslog.FindStringSubmatch(m); s != nil {
			m = "<" + s[1] + "> " + s[2] + "[PID]: " + strings.ReplaceAll(s[3], ld, "LDIRECTORD")
		} else {
			m = "UNPARSED " + m
		}
		out = append(out, m)
	}
	return out
}
