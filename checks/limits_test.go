package checks

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

// A server that sends without end (a 10 MB line, endless headers, a huge
// length prefix) is refused at the documented bound with a reason that
// says so and quotes none of it. The deadline is far away so that only
// the bound can end the check: a timeout fails the test, whatever the
// machine's load.
func TestReplySizeLimits(t *testing.T) {
	afterRequest := func(reply string) func(net.Conn) {
		return func(c net.Conn) {
			_, _ = bufio.NewReader(c).ReadString('\n')
			streamer(reply)(c)
		}
	}
	for _, c := range []struct {
		name    string
		service string
		server  func(net.Conn)
		setup   func(*Target)
		want    string // %d: the port
	}{
		{name: "http status line", service: "http", server: afterRequest("HTTP/1.1 200 "),
			want: "GET http://127.0.0.1:%d/: read response: response header longer than 64 KiB: refused"},
		{name: "http header", service: "http", server: afterRequest("HTTP/1.1 200 OK\r\nX-Filler: "),
			want: "GET http://127.0.0.1:%d/: read response: response header longer than 64 KiB: refused"},
		{name: "smtp greeting", service: "smtp", server: streamer("220 "),
			want: "greeting: line longer than 8 KiB: refused"},
		{name: "ftp greeting", service: "ftp", server: streamer("220-"),
			want: "ftp: greeting: line longer than 8 KiB: refused"},
		{name: "pop greeting", service: "pop", server: streamer("+OK "),
			want: "greeting: line longer than 8 KiB: refused"},
		{name: "sip status", service: "sip", server: afterRequest("SIP/2.0 200 OK"),
			want: "OPTIONS: line longer than 8 KiB: refused"},
		{name: "imap untagged lines", service: "imap", setup: func(tg *Target) { tg.Login, tg.Passwd = "joe", "pw" },
			server: func(c net.Conn) {
				_, _ = io.WriteString(c, "* OK ready\r\n")
				line := []byte(strings.Repeat("* filler\r\n", 3000))
				for {
					if _, err := c.Write(line); err != nil {
						return
					}
				}
			},
			want: "login: server sent more than 16 MiB: refused"},
		{name: "mysql packet", service: "mysql", setup: func(tg *Target) { tg.Login, tg.Request = "joe", "/SELECT 1" },
			server: streamer("\xff\xff\xfe\x00"),
			want:   "login: handshake: message longer than 1 MiB: refused"},
		{name: "pgsql message", service: "pgsql", setup: func(tg *Target) { tg.Login, tg.Request = "joe", "/SELECT 1" },
			server: func(c net.Conn) {
				_, _ = c.Read(make([]byte, 8)) // SSLRequest
				_, _ = c.Write([]byte{'N'})
				_, _ = c.Read(make([]byte, 512)) // startup
				streamer("R\x7f\xff\xff\xff")(c)
			},
			want: "login: message longer than 1 MiB: refused"},
		{name: "ldap message", service: "ldap", server: streamer("\x30\x84\x7f\xff\xff\xff"),
			want: "bind: message longer than 1 MiB: refused"},
	} {
		t.Run(c.name, func(t *testing.T) {
			port := serve(t, c.server)
			tg := target(c.service, port)
			tg.CheckTimeout, tg.NegotiateTimeout = 10*time.Minute, 10*time.Minute
			if c.setup != nil {
				c.setup(&tg)
			}
			r := check(t, ForService(c.service), tg)
			want := c.want
			if strings.Contains(want, "%d") {
				want = fmt.Sprintf(want, port)
			}
			if r.Up || r.Unchanged || r.Timeout || r.Reason != want {
				t.Errorf("got %+v\nwant down: %s", r, want)
			}
		})
	}
}

// The budget counts what is buffered too: a reader may be given less
// than its buffer holds, and then reads nothing more.
func TestBudget(t *testing.T) {
	a, b := net.Pipe()
	defer a.Close()
	go func() {
		_, _ = b.Write([]byte("0123456789"))
		b.Close()
	}()
	c := newConn(a, func() bool { return true })
	if _, err := c.r.Peek(4); err != nil {
		t.Fatal(err)
	}
	buffered := c.r.Buffered()
	c.limit(int64(buffered), errHeaderTooLong)
	got, err := io.ReadAll(c.r)
	if string(got) != "0123456789"[:buffered] || err != errHeaderTooLong {
		t.Errorf("read %q, %v (buffered %d)", got, err, buffered)
	}
}

func TestDNSNameBounds(t *testing.T) {
	// 5 labels of 63 bytes: 320 bytes of name.
	m := make([]byte, 12)
	for range 5 {
		m = append(m, 63)
		m = append(m, strings.Repeat("a", 63)...)
	}
	m = append(m, 0)
	if _, _, err := dnsName(m, 12); err == nil || err.Error() != "name longer than 255 bytes" {
		t.Errorf("long name: %v", err)
	}
	// The longest name allowed (4 labels of 63 = 255 bytes with lengths).
	m = m[:12]
	for range 3 {
		m = append(m, 63)
		m = append(m, strings.Repeat("a", 63)...)
	}
	m = append(m, 62)
	m = append(m, strings.Repeat("b", 62)...)
	m = append(m, 0)
	name, end, err := dnsName(m, 12)
	if err != nil || len(name) != 254 || end != len(m) {
		t.Errorf("255-byte name: %d bytes, %d, %v", len(name), end, err)
	}
	// Pointers that make a name longer than 255 by repetition.
	m = binary.BigEndian.AppendUint16(make([]byte, 12), 0)
	m = append(m[:12], 10, 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 0xc0, 12)
	if _, _, err := dnsName(m, 12); err == nil {
		t.Error("a pointer loop gave a name")
	}
}
