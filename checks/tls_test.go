package checks

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/binary"
	"encoding/pem"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// issue makes a leaf for dns and ips signed by ca (self-signed if ca is
// nil).
func issue(t *testing.T, ca *x509.Certificate, caKey *ecdsa.PrivateKey, dns []string, ips ...string) tls.Certificate {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: "leaf"}, DNSNames: dns,
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, KeyUsage: x509.KeyUsageDigitalSignature,
	}
	for _, ip := range ips {
		tmpl.IPAddresses = append(tmpl.IPAddresses, net.ParseIP(ip))
	}
	parent, signer := tmpl, key
	if ca != nil {
		parent, signer = ca, caKey
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, signer)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// newCA makes a CA nobody trusts and writes it to a PEM file.
func newCA(t *testing.T, name string) (*x509.Certificate, *ecdsa.PrivateKey, string) {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(der)
	file := filepath.Join(t.TempDir(), name+".pem")
	if err := os.WriteFile(file, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	return ca, key, file
}

// sniLog records the server names TLS clients sent.
type sniLog struct {
	mu    sync.Mutex
	names []string
}

func (l *sniLog) add(s string) { l.mu.Lock(); l.names = append(l.names, s); l.mu.Unlock() }

func (l *sniLog) last() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.names) == 0 {
		return "(no handshake)"
	}
	return l.names[len(l.names)-1]
}

// tlsFront terminates TLS with cfg and relays to the plain server on
// inner.
func tlsFront(t *testing.T, cfg *tls.Config, sni *sniLog, inner uint16) uint16 {
	return serve(t, func(c net.Conn) {
		tc := tls.Server(c, cfg)
		if tc.Handshake() != nil {
			return
		}
		sni.add(tc.ConnectionState().ServerName)
		b, err := net.Dial("tcp", "127.0.0.1:"+itoa(inner))
		if err != nil {
			return
		}
		defer b.Close()
		go func() {
			_, _ = io.Copy(b, tc)
			b.Close() // the client is gone: so is the inner server's peer
		}()
		_, _ = io.Copy(tc, b)
	})
}

// ldapStub answers any bind with success and a search of
// dc=example,dc=com with that one entry.
func ldapStub(t *testing.T) uint16 {
	return serve(t, func(c net.Conn) {
		r := bufio.NewReader(c)
		for {
			msg, err := berRead(r, 1<<16)
			if err != nil {
				return
			}
			id, op, _, err := ldapMessage(msg)
			if err != nil {
				return
			}
			reply := func(op byte, content ...[]byte) {
				_, _ = c.Write(berTLV(0x30, berInt(0x02, id), berTLV(op, content...)))
			}
			done := [][]byte{berInt(0x0a, 0), berTLV(0x04, nil), berTLV(0x04, nil)}
			switch op {
			case ldapBindRequest:
				reply(ldapBindResponse, done...)
			case ldapSearchReq:
				reply(ldapSearchEntry, berTLV(0x04, []byte("dc=example,dc=com")), berTLV(0x30))
				reply(ldapSearchDone, done...)
			default:
				return
			}
		}
	})
}

// pgStub is a PostgreSQL server for user joe, password pw: with tlsCfg it
// accepts the SSLRequest, else it declines it; with cleartext it asks for
// the password in clear (the "password" method), else it trusts. Each
// password it receives goes to got.
func pgStub(t *testing.T, tlsCfg *tls.Config, sni *sniLog, cleartext bool, got chan<- string) uint16 {
	return serve(t, func(raw net.Conn) {
		var c net.Conn = raw
		r := bufio.NewReader(c)
		read := func(typed bool) (byte, []byte) {
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
		msg := func(typ byte, body []byte) {
			h := []byte{typ, 0, 0, 0, 0}
			binary.BigEndian.PutUint32(h[1:], uint32(len(body)+4))
			_, _ = c.Write(append(h, body...))
		}
		if _, b := read(false); len(b) == 4 { // SSLRequest
			if tlsCfg == nil {
				_, _ = c.Write([]byte{'N'})
			} else {
				_, _ = c.Write([]byte{'S'})
				tc := tls.Server(raw, tlsCfg)
				if tc.Handshake() != nil {
					return
				}
				sni.add(tc.ConnectionState().ServerName)
				c, r = tc, bufio.NewReader(tc)
			}
		}
		if _, startup := read(false); startup == nil {
			return
		}
		if cleartext {
			msg('R', []byte{0, 0, 0, 3})
			typ, pw := read(true)
			if typ != 'p' {
				return
			}
			got <- strings.TrimSuffix(string(pw), "\x00")
			if string(pw) != "pw\x00" {
				msg('E', []byte("SFATAL\x00C28P01\x00Mpassword authentication failed\x00\x00"))
				return
			}
		}
		msg('R', []byte{0, 0, 0, 0})
		msg('Z', []byte{'I'})
		if typ, _ := read(true); typ != 'Q' {
			return
		}
		msg('D', []byte{0, 1, 0, 0, 0, 1, '1'})
		msg('C', []byte("SELECT 1\x00"))
		msg('Z', []byte{'I'})
	})
}

// tlsService is one check that speaks TLS, with a server for it.
type tlsService struct {
	name   string
	server func(t *testing.T, cfg *tls.Config, sni *sniLog) uint16
	target func(port uint16) Target
}

var tlsServices = []tlsService{
	{"https", func(t *testing.T, cfg *tls.Config, sni *sniLog) uint16 {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		cfg = cfg.Clone()
		cfg.GetConfigForClient = func(h *tls.ClientHelloInfo) (*tls.Config, error) { sni.add(h.ServerName); return nil, nil }
		srv := &http.Server{TLSConfig: cfg, ErrorLog: log.New(io.Discard, "", 0),
			Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "secure ok") })}
		go srv.ServeTLS(ln, "", "")
		t.Cleanup(func() { srv.Close() })
		return uint16(ln.Addr().(*net.TCPAddr).Port)
	}, func(port uint16) Target {
		tg := target("https", port)
		tg.Receive = "ok"
		return tg
	}},
	{"ldaps", func(t *testing.T, cfg *tls.Config, sni *sniLog) uint16 {
		return tlsFront(t, cfg, sni, ldapStub(t))
	}, func(port uint16) Target {
		tg := target("ldaps", port)
		tg.Request = "/dc=example,dc=com"
		return tg
	}},
	{"pgsql", func(t *testing.T, cfg *tls.Config, sni *sniLog) uint16 {
		return pgStub(t, cfg, sni, false, nil)
	}, func(port uint16) Target {
		tg := target("pgsql", port)
		tg.Login, tg.Passwd, tg.Request = "joe", "pw", "/SELECT 1"
		return tg
	}},
	{"pops", func(t *testing.T, cfg *tls.Config, sni *sniLog) uint16 {
		return tlsFront(t, cfg, sni, lineServer(t, "+OK ready\r\n", [][2]string{{"QUIT", "+OK\r\n"}}))
	}, func(port uint16) Target { return target("pops", port) }},
	{"imaps", func(t *testing.T, cfg *tls.Config, sni *sniLog) uint16 {
		return tlsFront(t, cfg, sni, lineServer(t, "* OK ready\r\n", [][2]string{{"a2 LOGOUT", "* BYE\r\na2 OK\r\n"}}))
	}, func(port uint16) Target { return target("imaps", port) }},
	{"smtps", func(t *testing.T, cfg *tls.Config, sni *sniLog) uint16 {
		return tlsFront(t, cfg, sni, lineServer(t, "220 ready\r\n", [][2]string{{"EHLO", "250 ok\r\n"}, {"QUIT", "221 bye\r\n"}}))
	}, func(port uint16) Target { return target("smtps", port) }},
}

// TestTLSKnobs: each TLS check against servers with a certificate naming
// another host, a certificate from a CA nobody trusts, and TLS 1.0 only;
// ldirectord's decisions by default, and what each knob changes.
func TestTLSKnobs(t *testing.T) {
	otherCA, otherKey, otherCAFile := newCA(t, "other CA")
	nameCert := trustedCert // test CA, names www.example.com only
	ipCert := issue(t, testCA, testCAKey, []string{"www.example.com"}, "127.0.0.1")
	otherCert := issue(t, otherCA, otherKey, []string{"www.example.com"}, "127.0.0.1")
	const (
		wrongName = "x509: cannot validate certificate for 127.0.0.1 because it doesn't contain any IP SANs"
		unknownCA = "x509: certificate signed by unknown authority"
		oldTLS    = "tls: protocol version not supported"
	)
	all := func(why string) map[string]string {
		m := map[string]string{}
		for _, s := range tlsServices {
			m[s.name] = why
		}
		return m
	}
	for _, c := range []struct {
		name   string
		cert   tls.Certificate
		tls10  bool // the server speaks TLS 1.0 only
		vhost  string
		sec    Security
		downBy map[string]string // service: what its reason says; absent = up
	}{
		// ldirectord: https verifies the chain only, ldaps and pgsql
		// nothing, pops/imaps (and smtps like them) the chain and the
		// real's address.
		{name: "name mismatch, defaults", cert: nameCert,
			downBy: map[string]string{"pops": wrongName, "imaps": wrongName, "smtps": wrongName}},
		{name: "name mismatch, tlsverifyhost", cert: nameCert, sec: Security{VerifyHost: true}, downBy: all(wrongName)},
		{name: "tlsverifyhost, tlsservername names the certificate", cert: nameCert,
			sec: Security{VerifyHost: true, ServerName: "www.example.com"}},
		{name: "tlsservername alone", cert: nameCert, sec: Security{ServerName: "www.example.com"}},
		{name: "tlsverifyhost, virtualhost names the certificate", cert: nameCert, vhost: "www.example.com",
			sec: Security{VerifyHost: true}},
		{name: "tlsverifyhost, certificate names the address", cert: ipCert, sec: Security{VerifyHost: true}},
		{name: "untrusted CA, defaults", cert: otherCert,
			downBy: map[string]string{"https": unknownCA, "pops": unknownCA, "imaps": unknownCA, "smtps": unknownCA}},
		{name: "untrusted CA, tlscafile of another CA", cert: otherCert, sec: Security{CAFile: testCAFile}, downBy: all(unknownCA)},
		{name: "untrusted CA, tlscafile of its CA", cert: otherCert, sec: Security{CAFile: otherCAFile}},
		{name: "untrusted CA, tlscafile of its CA, tlsverifyhost", cert: otherCert,
			sec: Security{CAFile: otherCAFile, VerifyHost: true}},
		{name: "TLS 1.0 only, defaults", cert: ipCert, tls10: true},
		{name: "TLS 1.0 only, tlsminversion 1.2", cert: ipCert, tls10: true,
			sec: Security{MinTLS: tls.VersionTLS12}, downBy: all(oldTLS)},
		{name: "TLS 1.3, tlsminversion 1.2", cert: ipCert, sec: Security{MinTLS: tls.VersionTLS12}},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg := &tls.Config{Certificates: []tls.Certificate{c.cert}}
			if c.tls10 {
				cfg.MinVersion, cfg.MaxVersion = tls.VersionTLS10, tls.VersionTLS10
			}
			for _, s := range tlsServices {
				sni := &sniLog{}
				tg := s.target(s.server(t, cfg, sni))
				tg.VirtualHost, tg.Security = c.vhost, c.sec
				r := check(t, ForService(s.name), tg)
				why, wantDown := c.downBy[s.name]
				switch {
				case !wantDown && (!r.Up || r.Unchanged):
					t.Errorf("%s: want up, got %+v", s.name, r)
				case wantDown && (r.Up || r.Unchanged):
					t.Errorf("%s: want down (%s), got %+v", s.name, why, r)
				case wantDown && !strings.HasSuffix(r.Reason, why):
					t.Errorf("%s: reason %q, want it to end in %q", s.name, r.Reason, why)
				}
			}
		})
	}
}

// TestTLSReasons: the whole reason of a refused certificate, per kind of
// check.
func TestTLSReasons(t *testing.T) {
	cfg := &tls.Config{Certificates: []tls.Certificate{trustedCert}}
	for _, c := range []struct{ service, want string }{
		{"https", "GET https://127.0.0.1:%d/: tls handshake: certificate verify failed: x509: cannot validate certificate for 127.0.0.1 because it doesn't contain any IP SANs"},
		{"ldaps", "connection failed: tls handshake: certificate verify failed: x509: cannot validate certificate for 127.0.0.1 because it doesn't contain any IP SANs"},
		{"pgsql", "tls: tls handshake: certificate verify failed: x509: cannot validate certificate for 127.0.0.1 because it doesn't contain any IP SANs"},
		{"pops", "connect 127.0.0.1:%d: tls handshake: certificate verify failed: x509: cannot validate certificate for 127.0.0.1 because it doesn't contain any IP SANs"},
	} {
		for _, s := range tlsServices {
			if s.name != c.service {
				continue
			}
			port := s.server(t, cfg, &sniLog{})
			tg := s.target(port)
			tg.Security.VerifyHost = true
			r := check(t, ForService(s.name), tg)
			want := c.want
			if strings.Contains(want, "%d") {
				want = fmt.Sprintf(want, port)
			}
			if r.Up || r.Reason != want {
				t.Errorf("%s: got %+v\nwant reason %q", s.name, r, want)
			}
		}
	}
}

// TestTLSServerNameIndication: what each check sends as SNI.
func TestTLSServerNameIndication(t *testing.T) {
	cfg := &tls.Config{Certificates: []tls.Certificate{issue(t, testCA, testCAKey, []string{"www.example.com", "vhost.example.com"}, "127.0.0.1")}}
	for _, c := range []struct {
		name  string
		vhost string
		sec   Security
		want  map[string]string // service: SNI ("" none)
	}{
		// ldirectord: https sends the virtualhost, the others nothing.
		{name: "defaults", want: map[string]string{"https": "", "ldaps": "", "pgsql": "", "pops": "", "imaps": "", "smtps": ""}},
		{name: "virtualhost", vhost: "vhost.example.com",
			want: map[string]string{"https": "vhost.example.com", "ldaps": "", "pgsql": "", "pops": "", "imaps": "", "smtps": ""}},
		{name: "tlsservername", vhost: "vhost.example.com", sec: Security{ServerName: "www.example.com"},
			want: map[string]string{"https": "www.example.com", "ldaps": "www.example.com", "pgsql": "www.example.com",
				"pops": "www.example.com", "imaps": "www.example.com", "smtps": "www.example.com"}},
		// The name verified is sent.
		{name: "tlsverifyhost with virtualhost", vhost: "vhost.example.com", sec: Security{VerifyHost: true},
			want: map[string]string{"https": "vhost.example.com", "ldaps": "vhost.example.com", "pgsql": "vhost.example.com",
				"pops": "vhost.example.com", "imaps": "vhost.example.com", "smtps": "vhost.example.com"}},
		// The virtualhost's port is not part of the name.
		{name: "tlsverifyhost with virtualhost and port", vhost: "vhost.example.com:8443", sec: Security{VerifyHost: true},
			want: map[string]string{"https": "vhost.example.com", "ldaps": "vhost.example.com", "pgsql": "vhost.example.com",
				"pops": "vhost.example.com", "imaps": "vhost.example.com", "smtps": "vhost.example.com"}},
		// An address is never sent.
		{name: "tlsverifyhost without a name", sec: Security{VerifyHost: true},
			want: map[string]string{"https": "", "ldaps": "", "pgsql": "", "pops": "", "imaps": "", "smtps": ""}},
	} {
		t.Run(c.name, func(t *testing.T) {
			for _, s := range tlsServices {
				sni := &sniLog{}
				tg := s.target(s.server(t, cfg, sni))
				tg.VirtualHost, tg.Security = c.vhost, c.sec
				wantUp(t, check(t, ForService(s.name), tg))
				if got := sni.last(); got != c.want[s.name] {
					t.Errorf("%s: SNI %q, want %q", s.name, got, c.want[s.name])
				}
			}
		})
	}
}

// TestPgSQLCleartext: by default the password goes in clear when the
// server asks (DBD::Pg does); with RefuseCleartext it is never sent.
func TestPgSQLCleartext(t *testing.T) {
	got := make(chan string, 10)
	tg := target("pgsql", pgStub(t, nil, nil, true, got))
	tg.Login, tg.Passwd, tg.Request = "joe", "pw", "/SELECT 1"
	wantUp(t, check(t, PgSQL{}, tg))
	if pw := <-got; pw != "pw" {
		t.Errorf("server got password %q", pw)
	}
	tg.Security.RefuseCleartext = true
	r := check(t, PgSQL{}, tg)
	if want := "login: server asks for the password in clear text, refused (pgsqlcleartext=no)"; r.Up || r.Reason != want {
		t.Errorf("got %+v, want down: %s", r, want)
	}
	select {
	case pw := <-got:
		t.Errorf("the password was sent: %q", pw)
	default:
	}
	// Over TLS too: the server (or whoever holds its place) would learn
	// the password.
	tg.RealPort = pgStub(t, &tls.Config{Certificates: []tls.Certificate{trustedCert}}, &sniLog{}, true, got)
	r = check(t, PgSQL{}, tg)
	if r.Up || !strings.Contains(r.Reason, "refused (pgsqlcleartext=no)") || len(got) != 0 {
		t.Errorf("over TLS: %+v (%d passwords sent)", r, len(got))
	}
}

// TestPgSQLVerifyNeedsTLS: with verification asked for, a server that
// declines TLS is down (libpq's verify-ca and verify-full); by default it
// is checked in plain text (sslmode=prefer).
func TestPgSQLVerifyNeedsTLS(t *testing.T) {
	tg := target("pgsql", pgStub(t, nil, nil, false, nil))
	tg.Login, tg.Passwd, tg.Request = "joe", "pw", "/SELECT 1"
	wantUp(t, check(t, PgSQL{}, tg))
	for _, sec := range []Security{{VerifyHost: true}, {CAFile: testCAFile}} {
		tg.Security = sec
		r := check(t, PgSQL{}, tg)
		if want := "tls: server does not offer TLS, which tlsverifyhost and tlscafile require"; r.Up || r.Reason != want {
			t.Errorf("%+v: got %+v, want down: %s", sec, r, want)
		}
	}
}

// TestTLSCAFileValidate: a tlscafile that cannot serve is refused when the
// check is built, not at every check.
func TestTLSCAFileValidate(t *testing.T) {
	tg := target("https", 443)
	dir := t.TempDir()
	notPEM := filepath.Join(dir, "ca.txt")
	if err := os.WriteFile(notPEM, []byte("not a certificate\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for file, want := range map[string]string{
		filepath.Join(dir, "missing.pem"): "tlscafile: stat " + filepath.Join(dir, "missing.pem") + ": no such file or directory",
		notPEM:                            "tlscafile " + notPEM + ": no PEM certificate found",
	} {
		tg.Security.CAFile = file
		if err := Validate(tg); err == nil || err.Error() != want {
			t.Errorf("%s: %v, want %s", file, err, want)
		}
	}
	tg.Security.CAFile = testCAFile
	if err := Validate(tg); err != nil {
		t.Error(err)
	}
	tg.Security = Security{MinTLS: 0x0999}
	if err := Validate(tg); err == nil || err.Error() != "unknown minimum TLS version 0x0999" {
		t.Errorf("bad version: %v", err)
	}
}

func TestTLSVersionNames(t *testing.T) {
	for s, v := range map[string]uint16{"1.0": tls.VersionTLS10, "1.1": tls.VersionTLS11, "1.2": tls.VersionTLS12, "1.3": tls.VersionTLS13} {
		if got, ok := ParseTLSVersion(s); !ok || got != v || TLSVersionName(v) != s {
			t.Errorf("%s: %x %v %s", s, got, ok, TLSVersionName(v))
		}
	}
	for _, s := range []string{"", "1", "1.4", "TLS1.2", "1.2 "} {
		if _, ok := ParseTLSVersion(s); ok {
			t.Errorf("%q accepted", s)
		}
	}
	if TLSVersionName(0) != "1.0" {
		t.Error("0 is TLS 1.0")
	}
}
