//go:build e2e

package e2e

import (
	"bufio"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The fault tests: what the director does when something it runs or
// checks misbehaves, on the real kernel (docs/reliability.md names each
// and its test).

// smtpSink is an SMTP server on 127.0.0.1:25 (smtp= takes no port) that
// accepts every message and keeps its Subject, with when it came.
type smtpSink struct {
	mu  sync.Mutex
	got map[string]time.Time
}

func startSMTPSink(t *testing.T) *smtpSink {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:25")
	if err != nil {
		t.Fatal(err)
	}
	s := &smtpSink{got: map[string]time.Time{}}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go s.serve(c)
		}
	}()
	return s
}

func (s *smtpSink) serve(c net.Conn) {
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(time.Minute))
	r := bufio.NewReader(c)
	reply := func(l string) { _, _ = c.Write([]byte(l + "\r\n")) }
	reply("220 sink")
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		switch cmd := strings.ToUpper(strings.TrimSpace(line)); {
		case strings.HasPrefix(cmd, "DATA"):
			reply("354 go on")
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
				if subj, ok := strings.CutPrefix(l, "Subject: "); ok {
					s.mu.Lock()
					s.got[strings.TrimSpace(subj)] = time.Now()
					s.mu.Unlock()
				}
			}
			reply("250 kept")
		case strings.HasPrefix(cmd, "QUIT"):
			reply("221 bye")
			return
		default:
			reply("250 ok")
		}
	}
}

// received is when the mail with this subject came, or the zero time.
func (s *smtpSink) received(subject string) time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.got[subject]
}

// processRuns reports whether pid runs (a zombie does not).
func processRuns(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	s := string(b)
	return !strings.HasPrefix(s[strings.LastIndexByte(s, ')')+1:], " Z ")
}

func readPid(t *testing.T, path string) int {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return pid
}

// waitUntil polls cond every 50 ms for up to limit.
func waitUntil(t *testing.T, what string, limit time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not after %s", what, limit)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// waitStopped runs ACTION stop and waits for the daemon of pidFile to be
// gone; it returns how long that took.
func waitStopped(t *testing.T, bin, cfg, pidFile string, limit time.Duration) time.Duration {
	t.Helper()
	pid := livePid(pidFile)
	if pid == 0 {
		t.Fatalf("no daemon in %s", pidFile)
	}
	start := time.Now()
	if out, err := exec.Command(bin, cfg, "stop").CombinedOutput(); err != nil {
		t.Fatalf("stop: %v\n%s", err, out)
	}
	waitUntil(t, "the daemon to stop", limit, func() bool { return syscall.Kill(pid, 0) != nil })
	return time.Since(start)
}

// TestFaultHungFallbackCommand: a fallbackcommand that hangs (with a
// child that ignores SIGTERM) does not hold up the alert mails of
// another virtual, and is killed with its whole process group at
// commandtimeout; the stop then is prompt.
func TestFaultHungFallbackCommand(t *testing.T) {
	requireLab(t)
	resetKernel(t)
	ldCleanup()
	defer ldCleanup()
	ldBackends(t)
	dir := t.TempDir()
	script := filepath.Join(dir, "hang.sh")
	if err := os.WriteFile(script, []byte(`#!/bin/sh
[ "$1" = start ] || exit 0
date +%s.%N >`+dir+`/started
(trap '' TERM; exec sleep 600) &
echo $! >`+dir+`/child
echo $$ >`+dir+`/shell.new && mv `+dir+`/shell.new `+dir+`/shell
sleep 600
`), 0o755); err != nil {
		t.Fatal(err)
	}
	mail := startSMTPSink(t)
	const cfg = "/etc/ha.d/faults-cmd.cf"
	if err := os.WriteFile(cfg, []byte(ldHeader+"commandtimeout=20\nemailalert=\"ops@example.org\"\nsmtp=127.0.0.1\n"+
		"virtual=192.168.100.1:80\n\treal=10.0.2.2:80 gate\n\tchecktype=connect\n\tfallbackcommand="+script+"\n\n"+
		"virtual=192.168.100.2:80\n\treal=10.0.3.2:80 gate\n\tchecktype=connect\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	defer os.Remove(cfg)
	defer func() {
		if t.Failed() {
			log, _ := os.ReadFile("/var/log/ldirectord.log")
			t.Logf("daemon log:\n%s", log)
		}
	}()
	ld := ldLink(t)
	if out, err := exec.Command(ld, cfg, "start").CombinedOutput(); err != nil {
		t.Fatalf("start: %v\n%s", err, out)
	}
	// No real is up: the first virtual's fallbackcommand start runs, and
	// hangs.
	// shell is renamed into place last: once it is there, all three are
	// written whole.
	waitUntil(t, "the fallbackcommand to start", 15*time.Second, func() bool {
		_, err := os.Stat(filepath.Join(dir, "shell"))
		return err == nil
	})
	b, _ := os.ReadFile(filepath.Join(dir, "started"))
	secs, _ := strconv.ParseFloat(strings.TrimSpace(string(b)), 64)
	started := time.Unix(0, int64(secs*1e9))
	child, shell := readPid(t, filepath.Join(dir, "child")), readPid(t, filepath.Join(dir, "shell"))

	// The other virtual's real comes up: its mail goes out meanwhile.
	sh(t, "ip netns exec rs3 busybox httpd -p 80 -h /tmp/www")
	const subject = "Added real server: 10.0.3.2:80 (192.168.100.2:80) (Weight set to 1)"
	waitUntil(t, "the other virtual's alert", 15*time.Second, func() bool { return !mail.received(subject).IsZero() })
	if !processRuns(shell) || !processRuns(child) {
		t.Fatalf("the fallbackcommand ended before the mail came (shell %v, child %v)", processRuns(shell), processRuns(child))
	}
	t.Logf("mail %.1f s after the fallbackcommand started, while it hung", mail.received(subject).Sub(started).Seconds())

	// At commandtimeout (20 s) the command and its child are killed.
	waitUntil(t, "the hung command's child to be killed", 40*time.Second, func() bool { return !processRuns(child) })
	killed := time.Since(started)
	if processRuns(shell) {
		t.Error("the command's shell outlived its child")
	}
	if killed < 20*time.Second || killed > 30*time.Second {
		t.Errorf("killed %.1f s after it started, want 20 s (commandtimeout) plus at most a second's grace", killed.Seconds())
	}
	// The daemon kills first and logs after: wait for the line.
	want := "system(" + script + " start 192.168.100.1:80 tcp) did not finish within 20s (commandtimeout): killed with its process group"
	hasLine := func() bool {
		log, _ := os.ReadFile("/var/log/ldirectord.log")
		return strings.Contains(string(log), want)
	}
	waitUntil(t, "the kill's log line", 5*time.Second, hasLine)
	took := waitStopped(t, ld, cfg, "/run/ldirectord.faults-cmd.cf.pid", 20*time.Second)
	t.Logf("killed after %.1f s; stop took %.1f s", killed.Seconds(), took.Seconds())
	if took > 15*time.Second {
		t.Errorf("stop took %v", took)
	}
}
