package checks

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"encoding/binary"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
)

// MySQL is negotiate with service=mysql (check_sql via DBD::mysql): log in
// to database as login/passwd and run the request as a query; up iff it
// returns at least one row (or, for a statement that is not a SELECT,
// affects one). It speaks the client protocol itself: handshake v10 with
// mysql_native_password or caching_sha2_password (RSA key exchange when
// the server wants the full password on a plain connection), COM_QUERY.
type MySQL struct{}

func (MySQL) String() string { return "negotiate:mysql" }

// Capability flags of the client protocol.
const (
	myLongPassword   = 0x00000001
	myConnectWithDB  = 0x00000008
	myProtocol41     = 0x00000200
	myTransactions   = 0x00002000
	mySecureConn     = 0x00008000
	myMultiResults   = 0x00020000
	myPluginAuth     = 0x00080000
	myNativePassword = "mysql_native_password"
	myCachingSHA2    = "caching_sha2_password"
)

func (MySQL) Check(ctx context.Context, t Target) Result {
	return t.run(ctx, t.serviceTimeout(), func(ctx context.Context) Result {
		query, err := sqlQuery(t)
		if err != nil {
			return down(err.Error(), err)
		}
		c, err := dial(ctx, "tcp", t.Addr())
		if err != nil {
			return fail("connect "+t.Addr(), err)
		}
		defer c.Close()
		return mysqlSession(c, t, query)
	})
}

// mysqlSession logs in and runs query over c.
func mysqlSession(c *conn, t Target, query string) Result {
	m := &myConn{c: c}
	if err := m.login(t.Login, t.Passwd, t.Database); err != nil {
		return fail("login", err)
	}
	rows, err := m.query(query)
	_ = m.write([]byte{0x01}, 0) // COM_QUIT
	if err != nil {
		return fail("query", err)
	}
	if rows == 0 {
		return down("query returned no rows", errors.New("mysql: no rows"))
	}
	return up("query returned rows")
}

// errMsgTooLong refuses a database or LDAP message longer than maxMsg.
var errMsgTooLong = fmt.Errorf("message longer than %d MiB: refused", maxMsg>>20)

type myConn struct {
	c   *conn
	seq byte
}

func (m *myConn) read() ([]byte, error) {
	var h [4]byte
	if _, err := io.ReadFull(m.c.r, h[:]); err != nil {
		return nil, err
	}
	n := int(h[0]) | int(h[1])<<8 | int(h[2])<<16
	if n > maxMsg {
		return nil, errMsgTooLong
	}
	m.seq = h[3] + 1
	p := make([]byte, n)
	if _, err := io.ReadFull(m.c.r, p); err != nil {
		return nil, err
	}
	if len(p) > 0 && p[0] == 0xff {
		return nil, myError(p)
	}
	return p, nil
}

func (m *myConn) write(p []byte, seq byte) error {
	h := []byte{byte(len(p)), byte(len(p) >> 8), byte(len(p) >> 16), seq}
	_, err := m.c.Write(append(h, p...))
	m.seq = seq + 1
	return err
}

// myError decodes an ERR packet.
func myError(p []byte) error {
	if len(p) < 3 {
		return errors.New("mysql error")
	}
	code := binary.LittleEndian.Uint16(p[1:])
	msg := p[3:]
	if len(msg) > 0 && msg[0] == '#' && len(msg) >= 6 {
		msg = msg[6:]
	}
	return fmt.Errorf("mysql error %d: %s", code, short(string(msg)))
}

// login reads the server's handshake, answers it and sees the
// authentication through.
func (m *myConn) login(user, pass, db string) error {
	p, err := m.read()
	if err != nil {
		return fmt.Errorf("handshake: %w", err)
	}
	scramble, plugin, err := parseMyHandshake(p)
	if err != nil {
		return err
	}
	resp := myHandshakeResponse(user, db, plugin, myScramble(plugin, pass, scramble))
	if err := m.write(resp, m.seq); err != nil {
		return err
	}
	return m.authenticate(pass, scramble)
}

// parseMyHandshake reads a v10 handshake packet: the scramble and the auth
// plugin to answer with (caching_sha2_password when the server names it,
// else mysql_native_password).
func parseMyHandshake(p []byte) (scramble []byte, plugin string, err error) {
	if len(p) < 1 || p[0] != 10 {
		return nil, "", errors.New("not a MySQL handshake")
	}
	i := bytes.IndexByte(p[1:], 0)
	if i < 0 || len(p) < 1+i+1+4+8+1+2 {
		return nil, "", errors.New("short handshake")
	}
	rest := p[1+i+1+4:] // past the version and the connection id
	scramble = bytes.Clone(rest[:8])
	rest = rest[8+1:]
	caps := uint32(binary.LittleEndian.Uint16(rest))
	rest = rest[2:]
	plugin = myNativePassword
	if len(rest) >= 16 {
		caps |= uint32(binary.LittleEndian.Uint16(rest[3:])) << 16
		alen := int(rest[5])
		rest = rest[16:]
		if caps&mySecureConn != 0 {
			n := max(13, alen-8)
			if n > len(rest) {
				return nil, "", errors.New("short handshake")
			}
			scramble = append(scramble, bytes.TrimRight(rest[:n], "\x00")...)
			rest = rest[n:]
		}
		if caps&myPluginAuth != 0 {
			if j := bytes.IndexByte(rest, 0); j >= 0 {
				plugin = string(rest[:j])
			} else if len(rest) > 0 {
				plugin = string(rest)
			}
		}
	}
	if caps&myProtocol41 == 0 {
		return nil, "", errors.New("server too old (no protocol 4.1)")
	}
	if plugin != myCachingSHA2 {
		plugin = myNativePassword
	}
	return scramble, plugin, nil
}

// myHandshakeResponse is the HandshakeResponse41 packet for user (and db
// when set) answering with plugin's auth.
func myHandshakeResponse(user, db, plugin string, auth []byte) []byte {
	flags := uint32(myLongPassword | myProtocol41 | myTransactions | mySecureConn | myMultiResults | myPluginAuth)
	if db != "" {
		flags |= myConnectWithDB
	}
	resp := binary.LittleEndian.AppendUint32(nil, flags)
	resp = binary.LittleEndian.AppendUint32(resp, 1<<24)
	resp = append(resp, 45) // utf8mb4
	resp = append(resp, make([]byte, 23)...)
	resp = append(append(resp, user...), 0)
	resp = append(append(resp, byte(len(auth))), auth...)
	if db != "" {
		resp = append(append(resp, db...), 0)
	}
	return append(append(resp, plugin...), 0)
}

// authenticate answers the server's replies to the handshake response
// until an OK, for at most five rounds: an auth switch, caching_sha2's
// fast auth or its full auth with the server's RSA key.
func (m *myConn) authenticate(pass string, scramble []byte) error {
	for range 5 {
		p, err := m.read()
		if err != nil {
			return err
		}
		var answer []byte
		switch {
		case len(p) == 0:
			return errors.New("empty auth reply")
		case p[0] == 0x00:
			return nil
		case p[0] == 0xfe: // auth switch
			var plugin string
			if plugin, scramble, err = parseMyAuthSwitch(p); err != nil {
				return err
			}
			answer = myScramble(plugin, pass, scramble)
		case p[0] == 0x01 && len(p) == 2 && p[1] == 3: // fast auth ok, OK follows
			continue
		case p[0] == 0x01 && len(p) == 2 && p[1] == 4: // full auth: ask for the RSA key
			answer = []byte{0x02}
		case p[0] == 0x01: // the RSA public key
			if answer, err = myRSAPassword(p[1:], pass, scramble); err != nil {
				return err
			}
		default:
			return fmt.Errorf("unexpected auth reply 0x%02x", p[0])
		}
		if err := m.write(answer, m.seq); err != nil {
			return err
		}
	}
	return errors.New("authentication did not finish")
}

// parseMyAuthSwitch reads an AuthSwitchRequest: the plugin, which must be
// one this client speaks, and its scramble.
func parseMyAuthSwitch(p []byte) (plugin string, scramble []byte, err error) {
	j := bytes.IndexByte(p[1:], 0)
	if j < 0 {
		return "", nil, errors.New("bad auth switch")
	}
	plugin = string(p[1 : 1+j])
	if plugin != myNativePassword && plugin != myCachingSHA2 {
		return "", nil, fmt.Errorf("unsupported auth plugin %q", plugin)
	}
	return plugin, bytes.TrimRight(p[2+j:], "\x00"), nil
}

// myScramble answers the server's challenge for a plugin.
func myScramble(plugin, pass string, scramble []byte) []byte {
	if pass == "" {
		return nil
	}
	if plugin == myCachingSHA2 {
		h1 := sha256.Sum256([]byte(pass))
		h2 := sha256.Sum256(h1[:])
		h3 := sha256.Sum256(append(h2[:], scramble...))
		return xorBytes(h1[:], h3[:])
	}
	h1 := sha1.Sum([]byte(pass))
	h2 := sha1.Sum(h1[:])
	h3 := sha1.Sum(append(bytes.Clone(scramble), h2[:]...))
	return xorBytes(h1[:], h3[:])
}

// myRSAPassword encrypts the password for caching_sha2_password's full
// authentication on a connection without TLS.
func myRSAPassword(keyPEM []byte, pass string, scramble []byte) ([]byte, error) {
	blk, _ := pem.Decode(keyPEM)
	if blk == nil {
		return nil, errors.New("bad RSA public key from server")
	}
	k, err := x509.ParsePKIXPublicKey(blk.Bytes)
	if err != nil {
		return nil, fmt.Errorf("server RSA key: %w", err)
	}
	pub, ok := k.(*rsa.PublicKey)
	if !ok {
		return nil, errors.New("server key is not RSA")
	}
	pw := append([]byte(pass), 0)
	for i := range pw {
		pw[i] ^= scramble[i%len(scramble)]
	}
	return rsa.EncryptOAEP(sha1.New(), rand.Reader, pub, pw, nil)
}

func xorBytes(a, b []byte) []byte {
	out := make([]byte, len(a))
	for i := range a {
		out[i] = a[i] ^ b[i]
	}
	return out
}

// query runs q and returns 1 as soon as a row arrives, else the affected
// row count of an OK reply; the rest of a result set is not read.
func (m *myConn) query(q string) (int, error) {
	if err := m.write(append([]byte{0x03}, q...), 0); err != nil {
		return 0, err
	}
	p, err := m.read()
	if err != nil {
		return 0, err
	}
	if len(p) > 0 && p[0] == 0x00 {
		n, _ := lenenc(p[1:])
		return int(min(n, 1<<30)), nil
	}
	cols, _ := lenenc(p)
	for range cols {
		if _, err := m.read(); err != nil {
			return 0, err
		}
	}
	if p, err = m.read(); err != nil { // EOF after column definitions
		return 0, err
	}
	if len(p) == 0 || p[0] != 0xfe {
		return 0, errors.New("bad result set")
	}
	p, err = m.read()
	if err != nil {
		return 0, err
	}
	if len(p) > 0 && p[0] == 0xfe && len(p) < 9 {
		return 0, nil // EOF: no rows
	}
	return 1, nil
}

// lenenc decodes a length-encoded integer.
func lenenc(p []byte) (uint64, int) {
	if len(p) == 0 {
		return 0, 0
	}
	switch p[0] {
	case 0xfc:
		if len(p) >= 3 {
			return uint64(binary.LittleEndian.Uint16(p[1:])), 3
		}
	case 0xfd:
		if len(p) >= 4 {
			return uint64(p[1]) | uint64(p[2])<<8 | uint64(p[3])<<16, 4
		}
	case 0xfe:
		if len(p) >= 9 {
			return binary.LittleEndian.Uint64(p[1:]), 9
		}
	default:
		return uint64(p[0]), 1
	}
	return 0, 0
}
