package director

import (
	"bufio"
	"context"
	"net"
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
