package director

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// fakeSMTP accepts one session on loopback and returns its transcript
// of client lines.
func fakeSMTP(t *testing.T) (addr string, session <-chan []string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	ch := make(chan []string, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			ch <- nil
			return
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(10 * time.Second))
		r := bufio.NewReader(c)
		say := func(s string) { c.Write([]byte(s + "\r\n")) }
		say("220 fake ESMTP")
		var lines []string
		data := false
		for {
			l, err := r.ReadString('\n')
			if err != nil {
				break
			}
			l = strings.TrimRight(l, "\r\n")
			lines = append(lines, l)
			switch {
			case data && l == ".":
				data = false
				say("250 queued")
			case data:
			case strings.HasPrefix(l, "EHLO"), strings.HasPrefix(l, "HELO"):
				say("250 fake")
			case l == "DATA":
				data = true
				say("354 go on")
			case l == "QUIT":
				say("221 bye")
				ch <- lines
				return
			default:
				say("250 ok")
			}
		}
		ch <- lines
	}()
	return ln.Addr().String(), ch
}

func TestSendMailSMTP(t *testing.T) {
	addr, session := fakeSMTP(t)
	m := Mail{SMTP: addr, From: "lvs@example.org", To: "a@example.org, b@example.org",
		Subject: "[web] Deleted real server: 10.0.0.2:80 (192.168.100.1:80)",
		Body:    "ldirectord host: h\nLog-Message: x\nDaemon-Status: running\n"}
	if err := SendMail(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	got := strings.Join(<-session, "\n")
	for _, want := range []string{
		// The envelope sender is user@host, as Net::SMTP's in ldirectord;
		// emailalertfrom is only the From: header.
		"MAIL FROM:<" + defaultFrom() + ">",
		"RCPT TO:<a@example.org>", "RCPT TO:<b@example.org>",
		"From: lvs@example.org\nTo: a@example.org, b@example.org\nSubject: [web] Deleted real server: 10.0.0.2:80 (192.168.100.1:80)\n\nldirectord host: h\nLog-Message: x\nDaemon-Status: running\n",
		"QUIT",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("session lacks %q:\n%s", want, got)
		}
	}
}

func TestSendMailUnreachable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	err = SendMail(context.Background(), Mail{SMTP: addr, To: "a@example.org", Subject: "s"})
	if err == nil || !strings.Contains(err.Error(), "smtp "+addr) {
		t.Errorf("err = %v", err)
	}
}

// fakeSendmail installs a sendmail that records its arguments and input
// in dir/args and dir/in, and exits with code.
func fakeSendmail(t *testing.T, code int) string {
	t.Helper()
	dir := t.TempDir()
	bin := filepath.Join(dir, "sendmail")
	script := fmt.Sprintf("#!/bin/sh\necho \"$@\" >%[1]s/args\ncat >%[1]s/in\nexit %[2]d\n", dir, code)
	if err := os.WriteFile(bin, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	old := sendmailPaths
	sendmailPaths = []string{filepath.Join(dir, "missing"), bin}
	t.Cleanup(func() { sendmailPaths = old })
	return dir
}

func TestSendMailSendmail(t *testing.T) {
	for _, tc := range []struct {
		from, head string
	}{
		{"", "To: a@example.org, b@example.org\nSubject: Deleted real server: 10.0.0.2:80 (192.168.100.1:80)\n\n"},
		{"lvs@example.org", "To: a@example.org, b@example.org\nSubject: Deleted real server: 10.0.0.2:80 (192.168.100.1:80)\nFrom: lvs@example.org\n\n"},
	} {
		dir := fakeSendmail(t, 0)
		body := "ldirectord host: h\nLog-Message: x\nDaemon-Status: running\n"
		m := Mail{From: tc.from, To: "a@example.org, b@example.org",
			Subject: "Deleted real server: 10.0.0.2:80 (192.168.100.1:80)", Body: body}
		if err := SendMail(context.Background(), m); err != nil {
			t.Fatal(err)
		}
		args, _ := os.ReadFile(filepath.Join(dir, "args"))
		in, _ := os.ReadFile(filepath.Join(dir, "in"))
		if string(args) != "-t\n" || string(in) != tc.head+body {
			t.Errorf("sendmail got args %q, input:\n%s\nwant -t and:\n%s", args, in, tc.head+body)
		}
	}
}

func TestSendMailSendmailFails(t *testing.T) {
	fakeSendmail(t, 75)
	err := SendMail(context.Background(), Mail{To: "a@example.org", Subject: "s"})
	if err == nil || !strings.Contains(err.Error(), "exit status 75") {
		t.Errorf("err = %v", err)
	}
	sendmailPaths = []string{"/nonexistent/sendmail"}
	if err := SendMail(context.Background(), Mail{To: "a@example.org", Subject: "s"}); err == nil {
		t.Error("no sendmail: no error")
	}
}
