package checks

import (
	"bufio"
	"bytes"
	"crypto/md5"
	"encoding/binary"
	"encoding/hex"
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

func TestRadius(t *testing.T) {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	const secret = "testing123"
	go func() {
		buf := make([]byte, 4096)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			req := buf[:n]
			auth := req[4:20]
			var user, pass string
			for a := req[20:]; len(a) >= 2 && int(a[1]) <= len(a); a = a[a[1]:] {
				switch a[0] {
				case radUserName:
					user = string(a[2:a[1]])
				case radUserPassword:
					// hiding is an XOR stream: hiding again reveals
					pass = strings.TrimRight(string(radiusHidePasswordRaw(a[2:a[1]], secret, auth)), "\x00")
				}
			}
			code := byte(radAccessReject)
			if user == "joe" && pass == "pw" {
				code = radAccessAccept
			}
			key := secret
			if user == "forger" {
				key = "other"
			}
			resp := []byte{code, req[1], 0, 20}
			h := md5.New()
			h.Write(resp)
			h.Write(auth)
			h.Write([]byte(key))
			_, _ = pc.WriteTo(append(resp, h.Sum(nil)...), from)
		}
	}()
	tg := target("radius", uint16(pc.LocalAddr().(*net.UDPAddr).Port))
	tg.Protocol, tg.Login, tg.Passwd, tg.Secret = "udp", "joe", "pw", secret
	wantUp(t, check(t, Radius{}, tg))
	// A reject is down: Authen::Radius check_pwd returns "" for it.
	tg.Passwd = "wrong"
	r := check(t, Radius{}, tg)
	wantDown(t, r)
	if r.Reason != "Access-Reject" {
		t.Errorf("reason %q", r.Reason)
	}
	tg.Login = "forger"
	wantDown(t, check(t, Radius{}, tg))
	// Nobody listening / nobody answering.
	silent, _ := net.ListenPacket("udp", "127.0.0.1:0")
	defer silent.Close()
	tg.RealPort, tg.NegotiateTimeout = uint16(silent.LocalAddr().(*net.UDPAddr).Port), 200*time.Millisecond
	wantDown(t, check(t, Radius{}, tg))
}

// radiusHidePasswordRaw reverses the hiding (the XOR pad depends on the
// ciphertext, so decode block by block).
func radiusHidePasswordRaw(c []byte, secret string, auth []byte) []byte {
	out := make([]byte, len(c))
	prev := auth
	for i := 0; i+16 <= len(c); i += 16 {
		h := md5.Sum(append([]byte(secret), prev...))
		for j := range 16 {
			out[i+j] = c[i+j] ^ h[j]
		}
		prev = c[i : i+16]
	}
	return out
}

func TestLDAP(t *testing.T) {
	port := serve(t, func(c net.Conn) {
		r := bufio.NewReader(c)
		for {
			msg, err := berRead(r, 1<<16)
			if err != nil {
				return
			}
			_, seq, _, _ := berNext(msg)
			_, id, rest, _ := berNext(seq)
			op, body, _, _ := berNext(rest)
			reply := func(op byte, content ...[]byte) {
				_, _ = c.Write(berTLV(0x30, berTLV(0x02, id), berTLV(op, content...)))
			}
			done := [][]byte{berInt(0x0a, 0), berTLV(0x04, nil), berTLV(0x04, nil)}
			switch op {
			case ldapBindRequest:
				_, _, r1, _ := berNext(body)
				_, dn, _, _ := berNext(r1)
				if string(dn) == "cn=bad" {
					reply(ldapBindResponse, berInt(0x0a, 49), berTLV(0x04, nil), berTLV(0x04, nil))
					continue
				}
				reply(ldapBindResponse, done...)
			case ldapSearchReq:
				_, base, _, _ := berNext(body)
				switch string(base) {
				case "dc=example,dc=com":
					reply(ldapSearchEntry, berTLV(0x04, base), berTLV(0x30))
				case "dc=two":
					reply(ldapSearchEntry, berTLV(0x04, []byte("cn=a,dc=two")), berTLV(0x30))
					reply(ldapSearchEntry, berTLV(0x04, []byte("cn=b,dc=two")), berTLV(0x30))
				default:
					reply(ldapSearchDone, berInt(0x0a, 32), berTLV(0x04, nil), berTLV(0x04, nil))
					continue
				}
				reply(ldapSearchDone, done...)
			default:
				return
			}
		}
	})
	tg := target("ldap", port)
	tg.Request, tg.Receive = "/dc=example,dc=com", "example"
	wantUp(t, check(t, LDAP{}, tg))
	tg.Receive = "^cn="
	wantDown(t, check(t, LDAP{}, tg))
	tg.Receive = ""
	tg.Request = "/dc=missing"
	wantDown(t, check(t, LDAP{}, tg))
	tg.Request = "/dc=two"
	wantDown(t, check(t, LDAP{}, tg))
	tg.Request, tg.Login, tg.Passwd = "/dc=example,dc=com", "cn=bad", "x"
	wantDown(t, check(t, LDAP{}, tg))
	// Garbage (read as a BER header announcing more than is sent) and a
	// black hole.
	tg.NegotiateTimeout = 300 * time.Millisecond
	tg.RealPort = lineServer(t, "HTTP/1.0 400 Bad Request\r\n\r\n", nil)
	wantDown(t, check(t, LDAP{}, tg))
	tg.RealPort, tg.NegotiateTimeout = blackHole(t), 200*time.Millisecond
	wantDown(t, check(t, LDAP{}, tg))
}

// mysqlServer speaks just enough of the server side: native password auth
// for user joe/pw, "SELECT 1" (one row), "SELECT 0" (no rows), else error.
func mysqlServer(t *testing.T) uint16 {
	scramble := []byte("abcdefghijklmnopqrst")
	return serve(t, func(c net.Conn) {
		r := bufio.NewReader(c)
		write := func(seq byte, p []byte) {
			_, _ = c.Write(append([]byte{byte(len(p)), byte(len(p) >> 8), byte(len(p) >> 16), seq}, p...))
		}
		read := func() []byte {
			var h [4]byte
			if _, err := io.ReadFull(r, h[:]); err != nil {
				return nil
			}
			p := make([]byte, int(h[0])|int(h[1])<<8|int(h[2])<<16)
			if _, err := io.ReadFull(r, p); err != nil {
				return nil
			}
			return p
		}
		hs := []byte{10}
		hs = append(hs, "10.11.6-MariaDB\x00"...)
		hs = append(hs, 1, 0, 0, 0)
		hs = append(hs, scramble[:8]...)
		hs = append(hs, 0, 0xff, 0xf7, 45, 2, 0, 0xff, 0x81, 21)
		hs = append(hs, make([]byte, 10)...)
		hs = append(hs, scramble[8:]...)
		hs = append(hs, 0)
		hs = append(hs, "mysql_native_password\x00"...)
		write(0, hs)
		resp := read()
		if len(resp) < 33 {
			return
		}
		rest := resp[32:]
		i := bytes.IndexByte(rest, 0)
		user := string(rest[:i])
		auth := rest[i+2 : i+2+int(rest[i+1])]
		if user != "joe" || !bytes.Equal(auth, myScramble(myNativePassword, "pw", scramble)) {
			write(2, append([]byte{0xff, 0x15, 0x04}, "#28000Access denied"...))
			return
		}
		write(2, []byte{0, 0, 0, 2, 0, 0, 0})
		q := read()
		if len(q) == 0 || q[0] != 3 {
			return
		}
		switch string(q[1:]) {
		case "SELECT 1", "SELECT 0":
			write(1, []byte{1})
			write(2, append([]byte{3}, "def\x00\x00\x00\x011\x00\x0c\x3f\x00\x01\x00\x00\x00\x08\x81\x00\x00\x00\x00"...))
			write(3, []byte{0xfe, 0, 0, 2, 0})
			seq := byte(4)
			if string(q[1:]) == "SELECT 1" {
				write(seq, []byte{1, '1'})
				seq++
			}
			write(seq, []byte{0xfe, 0, 0, 2, 0})
		default:
			write(1, append([]byte{0xff, 0x28, 0x04}, "#42000You have an error"...))
		}
	})
}

func TestMySQL(t *testing.T) {
	tg := target("mysql", mysqlServer(t))
	tg.Login, tg.Passwd, tg.Request = "joe", "pw", "/SELECT 1"
	wantUp(t, check(t, MySQL{}, tg))
	tg.Request = "/SELECT 0"
	wantDown(t, check(t, MySQL{}, tg))
	tg.Request = "/SELEKT"
	wantDown(t, check(t, MySQL{}, tg))
	tg.Request, tg.Passwd = "/SELECT 1", "bad"
	r := check(t, MySQL{}, tg)
	wantDown(t, r)
	if !strings.Contains(r.Reason, "Access denied") {
		t.Errorf("reason %q", r.Reason)
	}
	tg.Login = "" // check_sql refuses without login
	wantDown(t, check(t, MySQL{}, tg))
	tg.Login, tg.RealPort, tg.NegotiateTimeout = "joe", blackHole(t), 200*time.Millisecond
	wantDown(t, check(t, MySQL{}, tg))
	tg.RealPort = serve(t, streamer("\xff\xff\xff\x00"))
	wantDown(t, check(t, MySQL{}, tg))
}

// pgServer: no TLS, md5 auth for joe/pw, queries like mysqlServer's.
func pgServer(t *testing.T) uint16 {
	return serve(t, func(c net.Conn) {
		r := bufio.NewReader(c)
		msg := func(typ byte, body []byte) {
			h := []byte{typ, 0, 0, 0, 0}
			binary.BigEndian.PutUint32(h[1:], uint32(len(body)+4))
			_, _ = c.Write(append(h, body...))
		}
		readRaw := func(typed bool) (byte, []byte) {
			var typ byte
			if typed {
				typ, _ = r.ReadByte()
			}
			var l [4]byte
			if _, err := io.ReadFull(r, l[:]); err != nil {
				return 0, nil
			}
			b := make([]byte, binary.BigEndian.Uint32(l[:])-4)
			_, _ = io.ReadFull(r, b)
			return typ, b
		}
		if _, b := readRaw(false); len(b) == 4 { // SSLRequest
			_, _ = c.Write([]byte{'N'})
		}
		_, startup := readRaw(false)
		params := strings.Split(string(startup[4:]), "\x00")
		user := ""
		for i := 0; i+1 < len(params); i += 2 {
			if params[i] == "user" {
				user = params[i+1]
			}
		}
		salt := []byte{1, 2, 3, 4}
		msg('R', append([]byte{0, 0, 0, 5}, salt...))
		_, pw := readRaw(true)
		inner := md5.Sum([]byte("pw" + user))
		outer := md5.Sum(append([]byte(hex.EncodeToString(inner[:])), salt...))
		if user != "joe" || string(pw) != "md5"+hex.EncodeToString(outer[:])+"\x00" {
			msg('E', []byte("SFATAL\x00C28P01\x00Mpassword authentication failed\x00\x00"))
			return
		}
		msg('R', []byte{0, 0, 0, 0})
		msg('S', []byte("server_version\x0015\x00"))
		msg('Z', []byte{'I'})
		_, q := readRaw(true)
		switch string(q) {
		case "SELECT 1\x00":
			msg('T', []byte{0, 1, '?', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 23, 0, 4, 0xff, 0xff, 0xff, 0xff, 0, 0})
			msg('D', []byte{0, 1, 0, 0, 0, 1, '1'})
			msg('C', []byte("SELECT 1\x00"))
		case "SELECT 0\x00":
			msg('C', []byte("SELECT 0\x00"))
		case "UPDATE t\x00":
			msg('C', []byte("UPDATE 2\x00"))
		default:
			msg('E', []byte("SERROR\x00Msyntax error\x00\x00"))
		}
		msg('Z', []byte{'I'})
	})
}

func TestPgSQL(t *testing.T) {
	tg := target("pgsql", pgServer(t))
	tg.Login, tg.Passwd, tg.Database, tg.Request = "joe", "pw", "app", "/SELECT 1"
	wantUp(t, check(t, PgSQL{}, tg))
	tg.Request = "/UPDATE t" // affected rows count, as DBI's rows does
	wantUp(t, check(t, PgSQL{}, tg))
	tg.Request = "/SELECT 0"
	wantDown(t, check(t, PgSQL{}, tg))
	tg.Request = "/SELEKT"
	wantDown(t, check(t, PgSQL{}, tg))
	tg.Request, tg.Passwd = "/SELECT 1", "bad"
	r := check(t, PgSQL{}, tg)
	wantDown(t, r)
	if !strings.Contains(r.Reason, "password authentication failed") {
		t.Errorf("reason %q", r.Reason)
	}
	tg.RealPort, tg.NegotiateTimeout = blackHole(t), 200*time.Millisecond
	wantDown(t, check(t, PgSQL{}, tg))
}

// TestSCRAM uses the SCRAM-SHA-256 example exchange of RFC 7677.
func TestSCRAM(t *testing.T) {
	s := &scramState{nonce: "rOprNGfwEbeRWgbNEkqO", clientFirstBare: "n=user,r=rOprNGfwEbeRWgbNEkqO"}
	final, err := s.clientFinal("r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096", "pencil")
	if err != nil {
		t.Fatal(err)
	}
	if want := "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="; final != want {
		t.Errorf("client-final\n got %s\nwant %s", final, want)
	}
	if !s.verifyServer("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=") {
		t.Error("server signature not verified")
	}
}
