package checks

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"encoding/pem"
	"strings"
	"testing"
)

// Exact bytes of the MySQL login: what the client writes for each kind of
// server handshake and auth exchange, and the error text of each refusal.

// recorder is a replay connection that keeps what the client writes.
type recorder struct {
	replay
	out *bytes.Buffer
}

func (c recorder) Write(p []byte) (int, error) { return c.out.Write(p) }

// loginOver runs login against the server's packets and returns what the
// client wrote.
func loginOver(user, pass, db string, server ...[]byte) ([]byte, error) {
	out := &bytes.Buffer{}
	c := newConn(recorder{replay{bytes.NewReader(bytes.Join(server, nil))}, out}, func() bool { return true })
	err := (&myConn{c: c}).login(user, pass, db)
	return out.Bytes(), err
}

// v10Handshake is a server greeting with a 20-byte scramble: caps, the
// length of the scramble (with its NUL) and the plugin name after it.
func v10Handshake(caps uint32, scramble []byte, plugin string) []byte {
	hs := append([]byte{10}, "8.0.36\x00"...)
	hs = append(hs, 7, 0, 0, 0)
	hs = append(hs, scramble[:8]...)
	hs = append(hs, 0, byte(caps), byte(caps>>8), 45, 2, 0, byte(caps>>16), byte(caps>>24), byte(len(scramble)+1))
	hs = append(hs, make([]byte, 10)...)
	hs = append(hs, scramble[8:]...)
	hs = append(hs, 0)
	return myPacket(0, append(hs, plugin...))
}

// nativeAuth is mysql_native_password's answer:
// SHA1(pass) XOR SHA1(scramble + SHA1(SHA1(pass))).
func nativeAuth(pass string, scramble []byte) []byte {
	h1 := sha1.Sum([]byte(pass))
	h2 := sha1.Sum(h1[:])
	h3 := sha1.Sum(append(bytes.Clone(scramble), h2[:]...))
	return xorBytes(h1[:], h3[:])
}

// sha2Auth is caching_sha2_password's answer:
// SHA256(pass) XOR SHA256(SHA256(SHA256(pass)) + scramble).
func sha2Auth(pass string, scramble []byte) []byte {
	h1 := sha256.Sum256([]byte(pass))
	h2 := sha256.Sum256(h1[:])
	h3 := sha256.Sum256(append(h2[:], scramble...))
	return xorBytes(h1[:], h3[:])
}

// handshakeResponse spells out HandshakeResponse41 as sent with sequence
// number 1: capabilities (with CONNECT_WITH_DB when db is set), max packet
// 16 MiB, utf8mb4, 23 reserved bytes, user, auth, db, plugin.
func handshakeResponse(user string, auth []byte, db, plugin string) []byte {
	caps := "\x01\xa2\x0a\x00"
	if db != "" {
		caps = "\x09\xa2\x0a\x00"
	}
	r := []byte(caps + "\x00\x00\x00\x01" + "\x2d" + strings.Repeat("\x00", 23) + user + "\x00")
	r = append(append(r, byte(len(auth))), auth...)
	if db != "" {
		r = append(append(r, db...), 0)
	}
	return myPacket(1, append(append(r, plugin...), 0))
}

const (
	allCaps = 0xc1fff7ff // what MySQL 8 announces
	sha2    = myCachingSHA2 + "\x00"
	native  = myNativePassword + "\x00"
)

var (
	scramble20 = []byte("abcdefghijklmnopqrst")
	scramble2  = []byte("ABCDEFGHIJKLMNOPQRST")
	myOK       = []byte{0, 0, 0, 2, 0, 0, 0}
)

func TestMySQLLoginBytes(t *testing.T) {
	noLen := v10Handshake(allCaps, scramble20, sha2) // scramble length 0: 13 bytes follow
	noLen[32] = 0
	old := append([]byte{10}, "4.1.22\x00\x01\x00\x00\x00abcdefgh\x00\x00\x82"...) // 4.1: no capability upper half, 8-byte scramble
	for _, tc := range []struct {
		name           string
		user, pass, db string
		server         [][]byte
		want           [][]byte
	}{
		{"native with db", "joe", "pw", "app",
			[][]byte{v10Handshake(allCaps, scramble20, native), myPacket(2, myOK)},
			[][]byte{handshakeResponse("joe", nativeAuth("pw", scramble20), "app", myNativePassword)}},
		{"no password, no db", "joe", "", "",
			[][]byte{v10Handshake(allCaps, scramble20, native), myPacket(2, myOK)},
			[][]byte{handshakeResponse("joe", nil, "", myNativePassword)}},
		{"caching_sha2 fast auth", "joe", "pw", "",
			[][]byte{v10Handshake(allCaps, scramble20, sha2), myPacket(2, []byte{1, 3}), myPacket(3, myOK)},
			[][]byte{handshakeResponse("joe", sha2Auth("pw", scramble20), "", myCachingSHA2)}},
		{"scramble length unset", "joe", "pw", "",
			[][]byte{noLen, myPacket(2, myOK)},
			[][]byte{handshakeResponse("joe", sha2Auth("pw", scramble20), "", myCachingSHA2)}},
		{"plugin name without NUL", "joe", "pw", "",
			[][]byte{v10Handshake(allCaps, scramble20, myCachingSHA2), myPacket(2, myOK)},
			[][]byte{handshakeResponse("joe", sha2Auth("pw", scramble20), "", myCachingSHA2)}},
		{"unknown plugin answered as native", "joe", "pw", "",
			[][]byte{v10Handshake(allCaps, scramble20, "sha256_password\x00"), myPacket(2, myOK)},
			[][]byte{handshakeResponse("joe", nativeAuth("pw", scramble20), "", myNativePassword)}},
		{"no plugin auth capability", "joe", "pw", "",
			[][]byte{v10Handshake(allCaps&^myPluginAuth, scramble20, sha2), myPacket(2, myOK)},
			[][]byte{handshakeResponse("joe", nativeAuth("pw", scramble20), "", myNativePassword)}},
		{"4.1 server", "joe", "pw", "",
			[][]byte{myPacket(0, old), myPacket(2, myOK)},
			[][]byte{handshakeResponse("joe", nativeAuth("pw", []byte("abcdefgh")), "", myNativePassword)}},
		{"auth switch to native", "joe", "pw", "",
			[][]byte{v10Handshake(allCaps, scramble20, sha2), myPacket(2, append([]byte("\xfe"+native), append(scramble2, 0)...)), myPacket(4, myOK)},
			[][]byte{handshakeResponse("joe", sha2Auth("pw", scramble20), "", myCachingSHA2), myPacket(3, nativeAuth("pw", scramble2))}},
		{"auth switch to caching_sha2", "joe", "pw", "",
			[][]byte{v10Handshake(allCaps, scramble20, native), myPacket(2, append([]byte("\xfe"+sha2), append(scramble2, 0)...)),
				myPacket(4, []byte{1, 3}), myPacket(5, myOK)},
			[][]byte{handshakeResponse("joe", nativeAuth("pw", scramble20), "", myNativePassword), myPacket(3, sha2Auth("pw", scramble2))}},
	} {
		got, err := loginOver(tc.user, tc.pass, tc.db, tc.server...)
		if want := bytes.Join(tc.want, nil); err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s: error %v, wrote\n%q\nwant\n%q", tc.name, err, got, want)
		}
	}
}

// TestMySQLLoginRSA: caching_sha2_password's full authentication asks for
// the server's key and sends the password XOR the scramble, encrypted.
func TestMySQLLoginRSA(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	pemKey := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	got, err := loginOver("joe", "pw", "",
		v10Handshake(allCaps, scramble20, native),
		myPacket(2, append([]byte("\xfe"+sha2), append(scramble2, 0)...)),
		myPacket(4, []byte{1, 4}),
		myPacket(6, append([]byte{1}, pemKey...)),
		myPacket(8, myOK))
	if err != nil {
		t.Fatal(err)
	}
	want := bytes.Join([][]byte{
		handshakeResponse("joe", nativeAuth("pw", scramble20), "", myNativePassword),
		myPacket(3, sha2Auth("pw", scramble2)),
		myPacket(5, []byte{2}),
	}, nil)
	if !bytes.HasPrefix(got, want) {
		t.Fatalf("wrote\n%q\nwant first\n%q", got, want)
	}
	enc := got[len(want):]
	if len(enc) != 4+256 || !bytes.Equal(enc[:4], []byte{0, 1, 0, 7}) {
		t.Fatalf("RSA packet %q", enc)
	}
	pw, err := rsa.DecryptOAEP(sha1.New(), nil, key, enc[4:], nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := xorBytes([]byte("pw\x00"), scramble2[:3]); !bytes.Equal(pw, want) {
		t.Errorf("decrypted %q, want %q", pw, want)
	}
}

func TestMySQLLoginErrors(t *testing.T) {
	hs := v10Handshake(allCaps, scramble20, native)
	longScramble := bytes.Clone(hs) // announces a 255-byte scramble
	longScramble[32] = 255
	for _, tc := range []struct {
		server [][]byte
		err    string
	}{
		{nil, "handshake: EOF"},
		{[][]byte{myPacket(0, []byte{9, 'x', 0})}, "not a MySQL handshake"},
		{[][]byte{myPacket(0, []byte{10, 'x'})}, "short handshake"},
		{[][]byte{myPacket(0, []byte("\x0a5\x00\x01\x00\x00\x00abcdefgh\x00\x00"))}, "short handshake"},
		{[][]byte{longScramble}, "short handshake"},
		{[][]byte{v10Handshake(allCaps&^myProtocol41, scramble20, native)}, "server too old (no protocol 4.1)"},
		{[][]byte{myPacket(0, append([]byte{0xff, 0x10, 0x04}, "Too many connections"...))}, "handshake: mysql error 1040: Too many connections"},
		{[][]byte{hs}, "EOF"},
		{[][]byte{hs, myPacket(2, nil)}, "empty auth reply"},
		{[][]byte{hs, myPacket(2, append([]byte{0xff, 0x15, 0x04}, "#28000Access denied"...))}, "mysql error 1045: Access denied"},
		{[][]byte{hs, myPacket(2, []byte("\xfecaching_sha2_password"))}, "bad auth switch"},
		{[][]byte{hs, myPacket(2, []byte("\xfesha256_password\x00abc\x00"))}, `unsupported auth plugin "sha256_password"`},
		{[][]byte{hs, myPacket(2, []byte{7})}, "unexpected auth reply 0x07"},
		{[][]byte{hs, myPacket(2, []byte{1, 4}), myPacket(4, []byte("\x01junk"))}, "bad RSA public key from server"},
		{[][]byte{hs, myPacket(2, []byte{1, 3}), myPacket(3, []byte{1, 3}), myPacket(4, []byte{1, 3}),
			myPacket(5, []byte{1, 3}), myPacket(6, []byte{1, 3}), myPacket(7, myOK)}, "authentication did not finish"},
	} {
		_, err := loginOver("joe", "pw", "", tc.server...)
		if err == nil || err.Error() != tc.err {
			t.Errorf("server %q: error %v, want %s", bytes.Join(tc.server, nil), err, tc.err)
		}
	}
}
