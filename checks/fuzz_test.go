package checks

import (
	"bytes"
	"crypto/md5"
	"encoding/binary"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// Fuzz targets of every parser of a server's reply (and of the receive
// regexp translation): no input may panic or hang a parser, and what it
// returns is bounded. Each target drives the check's own code over a
// connection that replays the fuzzer's bytes as the server's side.
// make fuzz-short runs each briefly, make fuzz for longer
// (e2e/fuzz.sh); crashers go to testdata/fuzz/FuzzX/ and stay there as
// regression tests.

// replay is a net.Conn whose peer sends data and then closes; what is
// written to it is dropped.
type replay struct{ r *bytes.Reader }

func (c replay) Read(p []byte) (int, error)         { return c.r.Read(p) }
func (c replay) Write(p []byte) (int, error)        { return len(p), nil }
func (c replay) Close() error                       { return nil }
func (c replay) LocalAddr() net.Addr                { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 40000} }
func (c replay) RemoteAddr() net.Addr               { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 80} }
func (c replay) SetDeadline(t time.Time) error      { return nil }
func (c replay) SetReadDeadline(t time.Time) error  { return nil }
func (c replay) SetWriteDeadline(t time.Time) error { return nil }

func replayConn(data []byte) *conn {
	return newConn(replay{bytes.NewReader(data)}, func() bool { return true })
}

// fuzzTarget is a target with every credential set.
func fuzzTarget(service string) Target {
	tg := target(service, 1)
	tg.Login, tg.Passwd, tg.Database, tg.Secret = "joe", "pw", "app", "s3cret"
	tg.Request, tg.Receive = "/dc=example,dc=com", "example"
	return tg
}

// bounded fails if a session's result quotes too much of the server.
func bounded(t *testing.T, r Result) {
	t.Helper()
	if len(r.Reason) > 512 {
		t.Fatalf("reason of %d bytes: %.80q...", len(r.Reason), r.Reason)
	}
	if r.Up && r.Reason == "" {
		t.Fatal("up without a reason")
	}
	s := fuzzTarget("none")
	if got := s.scrub(r); len(got.Reason) > maxReason || !utf8.ValidString(got.Reason) || strings.ContainsAny(got.Reason, "\r\n\x00\x1b") {
		t.Fatalf("scrubbed reason %q", got.Reason)
	}
}

func lines(s ...string) []byte { return []byte(strings.Join(s, "")) }

func FuzzHTTPReply(f *testing.F) {
	for _, s := range []string{
		"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 12\r\n\r\nall is well\n",
		"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nhealthy xxxxxxxx",
		"HTTP/1.1 302 Found\r\nLocation: /ok\r\nContent-Length: 0\r\n\r\n",
		"HTTP/1.1 301 Moved Permanently\r\nLocation: http://other.example.net/ok\r\n\r\n",
		"HTTP/1.1 307 Temporary Redirect\r\nLocation: https://[::1]:8443/x\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
		"HTTP/1.0 404 Not Found\r\n\r\nnope",
		"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 21\r\n\r\nTest Page but broken\n",
		"SSH-2.0-OpenSSH_9.2\r\n",
	} {
		f.Add([]byte(s))
	}
	tg := fuzzTarget("http")
	tg.VirtualHost = "www.example.com"
	first, _ := url.Parse(tg.URL())
	match, _ := matcher("well$")
	f.Fuzz(func(t *testing.T, data []byte) {
		req, _ := http.NewRequest(http.MethodGet, first.String(), nil)
		rep, _, err := readHTTPReply(replayConn(data), req)
		if err != nil {
			return
		}
		if len(rep.body) > maxBody || len(rep.status) > 63 {
			t.Fatalf("body %d bytes, status %q", len(rep.body), rep.status)
		}
		_ = match(rep.body)
		if next, err := first.Parse(rep.location); err == nil {
			_, _ = tg.redirectHost(first, next)
		}
	})
}

func FuzzDNSAnswer(f *testing.F) {
	q, _, _ := dnsQuery("www.example.com", dnsTypeA)
	f.Add(dnsAnswer(q, dnsTypeA, []byte{192, 0, 2, 10}, false))
	f.Add(dnsAnswer(q, dnsTypeA, []byte{192, 0, 2, 10}, true))
	p, _, _ := dnsQuery(dnsQuestion("10.9.9.9"))
	f.Add(dnsAnswer(p, dnsTypePTR, []byte("\x04host\x07example\x00"), false))
	f.Add(dnsAnswer(p, dnsTypePTR, []byte{0xc0, 12}, false))
	f.Fuzz(func(t *testing.T, m []byte) {
		if len(m) < 2 {
			return
		}
		answers, err := dnsAnswers(m, binary.BigEndian.Uint16(m))
		if err != nil {
			return
		}
		for _, a := range answers {
			if len(a) > maxDNSName {
				t.Fatalf("answer of %d bytes", len(a))
			}
		}
	})
}

// ldapReply is one LDAPMessage of the server.
func ldapReply(id int, op byte, content ...[]byte) []byte {
	return berTLV(0x30, berInt(0x02, id), berTLV(op, content...))
}

func FuzzLDAPSession(f *testing.F) {
	done := [][]byte{berInt(0x0a, 0), berTLV(0x04, nil), berTLV(0x04, nil)}
	f.Add(bytes.Join([][]byte{
		ldapReply(1, ldapBindResponse, done...),
		ldapReply(2, ldapSearchEntry, berTLV(0x04, []byte("dc=example,dc=com")), berTLV(0x30)),
		ldapReply(2, ldapSearchDone, done...),
	}, nil))
	f.Add(ldapReply(1, ldapBindResponse, berInt(0x0a, 49), berTLV(0x04, nil), berTLV(0x04, nil)))
	f.Add(bytes.Join([][]byte{
		ldapReply(1, ldapBindResponse, done...),
		ldapReply(0, 0x78, berInt(0x0a, 52)), // notice of disconnection
	}, nil))
	f.Add([]byte("\x30\x84\x00\x00\x00\x05\x02\x01\x01\x61\x00"))
	f.Add([]byte("HTTP/1.0 400 Bad Request\r\n\r\n"))
	tg := fuzzTarget("ldap")
	match, _ := matcher(tg.Receive)
	f.Fuzz(func(t *testing.T, data []byte) {
		bounded(t, ldapSession(replayConn(data), tg, match))
	})
}

func FuzzRadiusReply(f *testing.F) {
	auth := bytes.Repeat([]byte{7}, 16)
	const secret = "s3cret"
	sign := func(code, id byte, attrs []byte) []byte {
		p := append([]byte{code, id, 0, 0}, auth...)
		p = append(p, attrs...)
		binary.BigEndian.PutUint16(p[2:], uint16(len(p)))
		h := md5.New()
		h.Write(p[:4])
		h.Write(auth)
		h.Write(p[20:])
		h.Write([]byte(secret))
		copy(p[4:20], h.Sum(nil))
		return p
	}
	f.Add(sign(radAccessAccept, 9, nil))
	f.Add(sign(radAccessReject, 9, []byte{18, 7, 'n', 'o', 'p', 'e', '!'}))
	f.Add(sign(radAccessChallenge, 9, nil))
	f.Add(sign(radAccessAccept, 8, nil))
	f.Fuzz(func(t *testing.T, b []byte) {
		code, err := radiusReply(b, 9, auth, secret)
		if err == nil && len(b) < 20 {
			t.Fatalf("code %d from %d bytes", code, len(b))
		}
	})
}

// myPacket frames a MySQL packet.
func myPacket(seq byte, p []byte) []byte {
	return append([]byte{byte(len(p)), byte(len(p) >> 8), byte(len(p) >> 16), seq}, p...)
}

func FuzzMySQLSession(f *testing.F) {
	scramble := []byte("abcdefghijklmnopqrst")
	hs := []byte{10}
	hs = append(hs, "10.11.6-MariaDB\x00"...)
	hs = append(hs, 1, 0, 0, 0)
	hs = append(hs, scramble[:8]...)
	hs = append(hs, 0, 0xff, 0xf7, 45, 2, 0, 0xff, 0x81, 21)
	hs = append(hs, make([]byte, 10)...)
	hs = append(hs, scramble[8:]...)
	hs = append(hs, 0)
	handshake := myPacket(0, append(hs, "mysql_native_password\x00"...))
	ok := myPacket(2, []byte{0, 0, 0, 2, 0, 0, 0})
	rows := bytes.Join([][]byte{
		myPacket(1, []byte{1}),
		myPacket(2, append([]byte{3}, "def\x00\x00\x00\x011\x00\x0c\x3f\x00\x01\x00\x00\x00\x08\x81\x00\x00\x00\x00"...)),
		myPacket(3, []byte{0xfe, 0, 0, 2, 0}),
		myPacket(4, []byte{1, '1'}),
		myPacket(5, []byte{0xfe, 0, 0, 2, 0}),
	}, nil)
	f.Add(bytes.Join([][]byte{handshake, ok, rows}, nil))
	f.Add(bytes.Join([][]byte{handshake, ok, myPacket(1, []byte{0, 3, 0, 2, 0, 0, 0})}, nil))
	f.Add(bytes.Join([][]byte{handshake, myPacket(2, append([]byte{0xff, 0x15, 0x04}, "#28000Access denied"...))}, nil))
	f.Add(bytes.Join([][]byte{handshake, myPacket(2, append([]byte{0xfe}, "caching_sha2_password\x00abcdefghijklmnopqrst\x00"...)),
		myPacket(4, []byte{1, 3}), ok, rows}, nil))
	f.Add(bytes.Join([][]byte{handshake, myPacket(2, []byte{1, 4}), myPacket(4, []byte("\x01-----BEGIN PUBLIC KEY-----\nMFkw\n-----END PUBLIC KEY-----\n"))}, nil))
	tg := fuzzTarget("mysql")
	f.Fuzz(func(t *testing.T, data []byte) {
		bounded(t, mysqlSession(replayConn(data), tg, "SELECT 1"))
	})
}

// pgMessage frames a PostgreSQL message.
func pgMessage(typ byte, body string) []byte {
	return append(binary.BigEndian.AppendUint32([]byte{typ}, uint32(len(body)+4)), body...)
}

func FuzzPgSQLSession(f *testing.F) {
	ready := bytes.Join([][]byte{pgMessage('R', "\x00\x00\x00\x00"), pgMessage('S', "server_version\x0015\x00"), pgMessage('Z', "I")}, nil)
	row := bytes.Join([][]byte{
		pgMessage('T', "\x00\x01?\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x17\x00\x04\xff\xff\xff\xff\x00\x00"),
		pgMessage('D', "\x00\x01\x00\x00\x00\x011"), pgMessage('C', "SELECT 1\x00"), pgMessage('Z', "I"),
	}, nil)
	f.Add(bytes.Join([][]byte{pgMessage('R', "\x00\x00\x00\x05\x01\x02\x03\x04"), ready, row}, nil))
	f.Add(bytes.Join([][]byte{pgMessage('R', "\x00\x00\x00\x03"), ready, pgMessage('C', "UPDATE 2\x00"), pgMessage('Z', "I")}, nil))
	f.Add(bytes.Join([][]byte{pgMessage('R', "\x00\x00\x00\x05\x01\x02\x03\x04"),
		pgMessage('E', "SFATAL\x00C28P01\x00Mpassword authentication failed\x00\x00")}, nil))
	f.Add(bytes.Join([][]byte{pgMessage('R', "\x00\x00\x00\x0aSCRAM-SHA-256\x00\x00"),
		pgMessage('R', "\x00\x00\x00\x0br=AAAAAAAAAAAAAAAAAAAAAAAAextra,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"),
		pgMessage('R', "\x00\x00\x00\x0cv=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="), ready, row}, nil))
	tg := fuzzTarget("pgsql")
	f.Fuzz(func(t *testing.T, data []byte) {
		bounded(t, pgSession(replayConn(data), tg, "SELECT 1"))
	})
}

func FuzzSMTPSession(f *testing.F) {
	f.Add(lines("220-mx ESMTP\r\n220 ready\r\n", "250-mx\r\n250 PIPELINING\r\n"))
	f.Add(lines("220 old\r\n", "500 ?\r\n", "250 ok\r\n"))
	f.Add(lines("554 go away\r\n"))
	f.Add(lines("garbage\r\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		bounded(t, smtpSession(replayConn(data)))
	})
}

func FuzzPOPSession(f *testing.F) {
	f.Add(lines("+OK POP3 ready\r\n", "+OK\r\n", "+OK in\r\n"))
	f.Add(lines("+OK POP3 ready\r\n", "+OK\r\n", "-ERR no\r\n"))
	f.Add(lines("-ERR busy\r\n"))
	tg := fuzzTarget("pop")
	f.Fuzz(func(t *testing.T, data []byte) {
		bounded(t, popSession(replayConn(data), tg))
	})
}

func FuzzIMAPSession(f *testing.F) {
	f.Add(lines("* OK IMAP ready\r\n", "* CAPABILITY IMAP4rev1\r\na1 OK done\r\n"))
	f.Add(lines("* OK IMAP ready\r\n", "a1 NO bad\r\n"))
	f.Add(lines("* PREAUTH hi\r\n"))
	f.Add(lines("* BYE overloaded\r\n"))
	tg := fuzzTarget("imap")
	f.Fuzz(func(t *testing.T, data []byte) {
		bounded(t, imapSession(replayConn(data), tg))
	})
}

func FuzzFTPSession(f *testing.F) {
	f.Add(lines("220-welcome\r\n220 ftp ready\r\n", "331 pass?\r\n", "230 in\r\n", "250 ok\r\n", "200 ok\r\n",
		"227 Entering Passive Mode (10,9,9,9,117,48)\r\n"), []byte("file says hello\n"), lines("150 here\r\n226 done\r\n"))
	f.Add(lines("220 ftp\r\n", "230 in\r\n", "250 ok\r\n", "200 ok\r\n", "227 (1,2,3,4,300,1)\r\n"), []byte{}, []byte{})
	f.Add(lines("421 too many\r\n"), []byte{}, []byte{})
	f.Add(lines("220 x\r\n", "230 in\r\n", "250 ok\r\n", "200 ok\r\n", "227 (1,2,3,4,5,6)\r\n"), []byte("data"), lines("550 no such file\r\n"))
	tg := fuzzTarget("ftp")
	f.Fuzz(func(t *testing.T, control, data, retr []byte) {
		c := replayConn(control)
		port, err := ftpPassive(c, tg)
		if err != nil {
			if len(err.Error()) > 512 {
				t.Fatalf("error of %d bytes", len(err.Error()))
			}
			return
		}
		if port < 0 || port > 65535 {
			t.Fatalf("port %d", port)
		}
		got, err := ftpRetrieve(replayConn(retr), replayConn(data), tg)
		if len(got) > maxBody || err != nil && len(err.Error()) > 512 {
			t.Fatalf("%d bytes, %v", len(got), err)
		}
	})
}

func FuzzNNTPGreeting(f *testing.F) {
	f.Add([]byte("200 news ready\r\n"))
	f.Add([]byte("502 no permission\r\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) == 0 || len(data) > 64 {
			return // the check reads 1 to 64 bytes
		}
		bounded(t, nntpGreeting(data))
	})
}

func FuzzSIPReply(f *testing.F) {
	f.Add([]byte("SIP/2.0 200 OK\r\nVia: x\r\n\r\n"))
	f.Add([]byte("SIP/2.0 404 Not Found\r\n\r\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 65536 {
			return // one datagram
		}
		bounded(t, sipStatus(sipStatusLine(data)))
		if line, err := replayConn(data).readLine(); err == nil {
			bounded(t, sipStatus(line))
		}
	})
}

func FuzzSimpleTCPAnswer(f *testing.F) {
	f.Add([]byte("HTTP/1.0 200 OK\r\n\r\n<html>Test Page</html>\n"), "Test Page")
	f.Add([]byte("+OK\r\n"), "^ok$")
	f.Fuzz(func(t *testing.T, data []byte, receive string) {
		match, err := matcher(receive)
		if err != nil {
			return
		}
		bounded(t, simpleTCPAnswer(replayConn(data), match))
	})
}

func FuzzICMPReply(f *testing.F) {
	token := bytes.Repeat([]byte{0xab}, 16)
	f.Add(append([]byte{0, 0, 0, 0, 0x12, 0x34, 0, 1}, token...))
	f.Add(append([]byte{129, 0, 0, 0, 0x12, 0x34, 0, 1}, token...))
	f.Fuzz(func(t *testing.T, b []byte) {
		if isEchoReply(b, 0, true, 0x1234, 1, token) && !bytes.Equal(b[8:24], token) {
			t.Fatal("accepted another token")
		}
	})
}

// FuzzTranslateRegexp: every receive= string either translates to a
// regexp Go compiles or is refused with an error; any text quoted with
// QuoteMeta translates to a regexp that matches that text.
func FuzzTranslateRegexp(f *testing.F) {
	for _, s := range []string{`well$`, `^HTTP/1\.[01] 200`, `\h+ok\v`, `[[:alpha:]]\Z`, `a\Qb.c\Ed`, `(?i)test`,
		`(?#comment)x`, `\cA\e\N\R`, `[]a]`, `[^]a]`, `x{2,3}+`, `(?=ahead)`, `\1`, `(?x) a b`, `\x{263a}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, perl string) {
		if re, err := TranslateRegexp(perl); err == nil {
			_, _ = regexp.Compile(re)
		}
		if !utf8.ValidString(perl) {
			return
		}
		re, err := CompileReceive(regexp.QuoteMeta(perl))
		if err != nil {
			t.Fatalf("quoted %q: %v", perl, err)
		}
		if !re.MatchString(perl) {
			t.Fatalf("quoted %q (%s) does not match itself", perl, re)
		}
	})
}
