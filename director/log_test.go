package director

import (
	"bytes"
	"fmt"
	"log/syslog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// ldirectord 4.12's ld_log destinations and line formats: -d to stderr,
// supervised to stdout with a date, a logfile path with date, config
// name and pid, anything else a syslog facility.
func TestLoggerFormats(t *testing.T) {
	at := time.Date(2026, 11, 1, 20, 2, 38, 0, time.Local)
	dir := t.TempDir()
	file := filepath.Join(dir, "ld.log")
	var out, errOut bytes.Buffer
	l := NewLogger(&out, &errOut, "site.cf")
	l.now = func() time.Time { return at }

	l.Configure(false, false, file)
	l.Log("Added virtual server: 192.168.100.1:80\n") // one newline is chomped
	want := fmt.Sprintf("[Sun Nov  1 20:02:38 2026|site.cf|%d] Added virtual server: 192.168.100.1:80\n", os.Getpid())
	if b, _ := os.ReadFile(file); string(b) != want {
		t.Errorf("logfile %q, want %q", b, want)
	}

	l.Configure(false, true, file)
	l.Log("supervised")
	if out.String() != "[Sun Nov  1 20:02:38 2026] supervised\n" {
		t.Errorf("supervised stdout %q", out.String())
	}

	l.Configure(true, true, file)
	l.Log("debug")
	l.Debugf(3, "detail %d", 7)
	if errOut.String() != "DEBUG2: debug\ndebug\nDEBUG3: detail 7\n" {
		t.Errorf("-d stderr %q", errOut.String())
	}

	// An unwritable log file: the message goes to stderr.
	errOut.Reset()
	l.Configure(false, false, filepath.Join(dir, "no", "such", "dir.log"))
	l.Log("lost?")
	if errOut.String() != "lost?\n" {
		t.Errorf("unwritable logfile: stderr %q", errOut.String())
	}
	l.Debugf(3, "hidden")
	if errOut.String() != "lost?\n" {
		t.Errorf("DEBUG line without -d: %q", errOut.String())
	}
}

func TestSyslogFacility(t *testing.T) {
	for name, want := range map[string]syslog.Priority{
		"local0": syslog.LOG_LOCAL0, "LOCAL7": syslog.LOG_LOCAL7, "daemon": syslog.LOG_DAEMON,
		"authpriv": syslog.LOG_AUTHPRIV, "bogus": syslog.LOG_DAEMON,
	} {
		if got := facility(name); got != want {
			t.Errorf("facility(%q) = %d, want %d", name, got, want)
		}
	}
}

// TestSyslogDelivery: a facility logfile sends each line to syslog with
// that facility, priority info, ident ldirectord and the pid (ldirectord's
// openlog("ldirectord", "pid", FACILITY)).
func TestSyslogDelivery(t *testing.T) {
	addr := filepath.Join(t.TempDir(), "log")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: addr, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var out, errOut bytes.Buffer
	l := NewLogger(&out, &errOut, "site.cf")
	l.sysAddr = addr
	l.Configure(false, false, "local0")
	defer l.Close()
	l.Log("Added real server: 10.0.0.2:80 (192.168.100.1:80) (Weight set to 1)\n")
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 4096)
	n, err := conn.Read(buf)
	if err != nil {
		t.Fatal(err)
	}
	got := string(buf[:n])
	// <134> is local0 (16<<3) | info (6).
	if !strings.HasPrefix(got, "<134>") || !strings.HasSuffix(got, fmt.Sprintf(" ldirectord[%d]: Added real server: 10.0.0.2:80 (192.168.100.1:80) (Weight set to 1)\n", os.Getpid())) {
		t.Errorf("syslog got %q", got)
	}
	if out.Len()+errOut.Len() != 0 {
		t.Errorf("also printed %q %q", out.String(), errOut.String())
	}
	// A reload to another facility reconnects with it.
	l.Configure(false, false, "daemon")
	l.Log("x")
	if n, err = conn.Read(buf); err != nil || !strings.HasPrefix(string(buf[:n]), "<30>") {
		t.Errorf("after reload: %q %v", buf[:n], err)
	}
}
