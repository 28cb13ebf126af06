package checks

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/lvsctl/lvsctl/internal/accept"
)

// lineServer sends greeting, then answers each command line with the
// reply of the first matching prefix (or "500 ?").
func lineServer(t *testing.T, greeting string, replies [][2]string) uint16 {
	return serve(t, func(c net.Conn) {
		_, _ = io.WriteString(c, greeting)
		r := bufio.NewReader(c)
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return
			}
			reply := "500 ?\r\n"
			for _, p := range replies {
				if strings.HasPrefix(line, p[0]) {
					reply = p[1]
					break
				}
			}
			if reply == "" {
				return
			}
			_, _ = io.WriteString(c, reply)
		}
	})
}

func TestSMTP(t *testing.T) {
	tg := target("smtp", lineServer(t, "220-mx ESMTP\r\n220 ready\r\n", [][2]string{
		{"EHLO localhost.localdomain", "250-mx\r\n250 PIPELINING\r\n"}, {"QUIT", "221 bye\r\n"}}))
	wantUp(t, check(t, SMTP{}, tg))
	// EHLO refused, HELO accepted: up (Net::SMTP falls back).
	tg.RealPort = lineServer(t, "220 old\r\n", [][2]string{{"HELO", "250 ok\r\n"}})
	wantUp(t, check(t, SMTP{}, tg))
	tg.RealPort = lineServer(t, "554 go away\r\n", nil)
	wantDown(t, check(t, SMTP{}, tg))
	tg.RealPort = lineServer(t, "garbage\r\n", nil)
	wantDown(t, check(t, SMTP{}, tg))
	tg.RealPort, tg.NegotiateTimeout = blackHole(t), 200*time.Millisecond
	wantDown(t, check(t, SMTP{}, tg))
	tg.RealPort = closedPort(t)
	wantDown(t, check(t, SMTP{}, tg))
}

func TestPOP(t *testing.T) {
	ok := [][2]string{{"USER joe", "+OK\r\n"}, {"PASS secret", "+OK in\r\n"}, {"PASS", "-ERR no\r\n"}, {"QUIT", "+OK\r\n"}}
	tg := target("pop", lineServer(t, "+OK POP3 ready\r\n", ok))
	wantUp(t, check(t, POP{}, tg))
	tg.Login, tg.Passwd = "joe", "secret"
	wantUp(t, check(t, POP{}, tg))
	tg.Passwd = "wrong"
	wantDown(t, check(t, POP{}, tg))
	tg.RealPort = lineServer(t, "-ERR busy\r\n", nil)
	wantDown(t, check(t, POP{}, tg))
	tg.RealPort = closedPort(t)
	wantDown(t, check(t, POP{}, tg))

	// pops: TLS, chain and IP verified (IO::Socket::SSL defaults); the
	// test CA's leaf names www.example.com, not 127.0.0.1.
	tg = target("pops", tlsLineServer(t, trustedCert, "+OK POP3 ready\r\n", ok))
	r := check(t, POP{}, tg)
	wantDown(t, r)
	if !strings.Contains(r.Reason, "127.0.0.1") {
		t.Errorf("pops reason %q", r.Reason)
	}
}

// tlsLineServer is lineServer behind TLS.
func tlsLineServer(t *testing.T, cert tlsCert, greeting string, replies [][2]string) uint16 {
	inner := lineServer(t, greeting, replies)
	return serve(t, func(c net.Conn) {
		tc := tlsServer(c, cert)
		if tc.Handshake() != nil {
			return
		}
		b, err := net.Dial("tcp", "127.0.0.1:"+itoa(inner))
		if err != nil {
			return
		}
		defer b.Close()
		go func() { _, _ = io.Copy(b, tc) }()
		_, _ = io.Copy(tc, b)
	})
}

func TestIMAP(t *testing.T) {
	replies := [][2]string{{`a1 LOGIN joe "s\"cret"`, "* CAPABILITY IMAP4rev1\r\na1 OK done\r\n"}, {"a1 LOGIN", "a1 NO bad\r\n"}, {"a2 LOGOUT", "* BYE\r\na2 OK\r\n"}}
	tg := target("imap", lineServer(t, "* OK IMAP ready\r\n", replies))
	wantUp(t, check(t, IMAP{}, tg))
	tg.Login, tg.Passwd = "joe", `s"cret`
	wantUp(t, check(t, IMAP{}, tg))
	tg.Passwd = "x"
	wantDown(t, check(t, IMAP{}, tg))
	tg.RealPort = lineServer(t, "* BYE overloaded\r\n", nil)
	wantDown(t, check(t, IMAP{}, tg))
	tg.RealPort = lineServer(t, "* PREAUTH hi\r\n", replies)
	tg.Login = ""
	wantUp(t, check(t, IMAP{}, tg))
}

func TestNNTP(t *testing.T) {
	tg := target("nntp", lineServer(t, "200 news ready\r\n", nil))
	wantUp(t, check(t, NNTP{}, tg))
	tg.RealPort = lineServer(t, "502 no permission\r\n", nil)
	wantDown(t, check(t, NNTP{}, tg))
	tg.RealPort, tg.NegotiateTimeout = blackHole(t), 200*time.Millisecond
	wantDown(t, check(t, NNTP{}, tg))
}

func TestFTP(t *testing.T) {
	data, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dport := data.Addr().(*net.TCPAddr).Port
	defer accept.Serve(data, func(c net.Conn) { _, _ = io.WriteString(c, "file says hello\n") })()
	// The 227 address is a bogus private one: the real's address is used.
	pasv := fmt.Sprintf("227 Entering Passive Mode (10,9,9,9,%d,%d)\r\n", dport>>8, dport&255)
	replies := [][2]string{
		{"USER anonymous", "331 pass?\r\n"}, {"PASS", "230 in\r\n"}, {"CWD /", "250 ok\r\n"},
		{"TYPE I", "200 ok\r\n"}, {"PASV", pasv}, {"RETR /index.txt", "150 here\r\n226 done\r\n"},
		{"RETR", "550 no such file\r\n"}, {"QUIT", "221 bye\r\n"},
	}
	tg := target("ftp", lineServer(t, "220-welcome\r\n220 ftp ready\r\n", replies))
	tg.Request, tg.Receive = "/index.txt", "hello"
	wantUp(t, check(t, FTP{}, tg))
	tg.Receive = "goodbye"
	wantDown(t, check(t, FTP{}, tg))
	tg.Request, tg.Receive = "/missing", ""
	wantDown(t, check(t, FTP{}, tg))
	tg.RealPort = lineServer(t, "421 too many\r\n", nil)
	wantDown(t, check(t, FTP{}, tg))
}

func TestSIP(t *testing.T) {
	got := make(chan string, 1)
	tg := target("sip", serve(t, func(c net.Conn) {
		r := bufio.NewReader(c)
		line, _ := r.ReadString('\n')
		got <- line
		_, _ = io.WriteString(c, "SIP/2.0 200 OK\r\nVia: x\r\n\r\n")
	}))
	tg.Login = "ldirectord@lb"
	wantUp(t, check(t, SIP{}, tg))
	if l := <-got; l != "OPTIONS sip:ldirectord@lb SIP/2.0\r\n" {
		t.Errorf("request line %q", l)
	}
	tg.RealPort = lineServer(t, "SIP/2.0 404 Not Found\r\n\r\n", nil)
	wantDown(t, check(t, SIP{}, tg))

	pc, _ := net.ListenPacket("udp", "127.0.0.1:0")
	defer pc.Close()
	go func() {
		buf := make([]byte, 2048)
		n, from, err := pc.ReadFrom(buf)
		if err == nil && strings.HasPrefix(string(buf[:n]), "OPTIONS") {
			_, _ = pc.WriteTo([]byte("SIP/2.0 200 OK\r\n\r\n"), from)
		}
	}()
	tg.Protocol, tg.RealPort = "udp", uint16(pc.LocalAddr().(*net.UDPAddr).Port)
	wantUp(t, check(t, SIP{}, tg))
	tg.NegotiateTimeout = 200 * time.Millisecond // nobody answers now
	wantDown(t, check(t, SIP{}, tg))
}
