package checks

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/md5"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// PgSQL is negotiate with service=pgsql (check_sql via DBD::Pg): log in to
// database as login/passwd and run the request; up iff it returns at least
// one row (or affects one). Protocol 3.0, spoken here: TLS when the
// server offers it (libpq's sslmode=prefer, no verification; with
// Security.VerifyHost or CAFile, TLS is required and verified, as libpq's
// verify-full and verify-ca), password, md5 and SCRAM-SHA-256
// authentication (the password in clear only if Security allows it),
// simple query.
type PgSQL struct{}

func (PgSQL) String() string { return "negotiate:pgsql" }

// pgSSLRequest asks the server for TLS; it answers 'S' (go TLS) or 'N'.
var pgSSLRequest = []byte{0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f}

// errPgNoTLS refuses a server without TLS when verification was asked for.
var errPgNoTLS = errors.New("server does not offer TLS, which tlsverifyhost and tlscafile require")

func (PgSQL) Check(ctx context.Context, t Target) Result {
	return t.run(ctx, t.serviceTimeout(), func(ctx context.Context) Result {
		query, err := sqlQuery(t)
		if err != nil {
			return down(err.Error(), err)
		}
		c, err := dial(ctx, "tcp", t.Addr())
		if err != nil {
			return fail("connect "+t.Addr(), err)
		}
		defer func() { _ = c.Close() }()
		if _, err := c.Write(pgSSLRequest); err != nil {
			return fail("connect", err)
		}
		b, err := c.r.ReadByte()
		if err != nil {
			return fail("connect", err)
		}
		peer := t.tlsPeerFor(tlsNoVerify, "")
		switch {
		case b == 'S':
			tc, err := startTLS(ctx, c, peer)
			if err != nil {
				return fail("tls", err)
			}
			c = tc
		case peer.chain:
			return fail("tls", errPgNoTLS)
		}
		return pgSession(c, t, query)
	})
}

// pgSession logs in and runs query over c, TLS settled.
func pgSession(c *conn, t Target, query string) Result {
	p := &pgConn{c: c, noCleartext: t.Security.RefuseCleartext}
	if err := p.login(t.Login, t.Passwd, t.Database); err != nil {
		return fail("login", err)
	}
	rows, err := p.query(query)
	_ = p.send('X', nil)
	if err != nil {
		return fail("query", err)
	}
	if rows == 0 {
		return down("query returned no rows", errors.New("pgsql: no rows"))
	}
	return up("query returned rows")
}

type pgConn struct {
	c           *conn
	noCleartext bool // refuse AuthenticationCleartextPassword
}

// errPgCleartext refuses to send the password in clear text.
var errPgCleartext = errors.New("server asks for the password in clear text, refused (pgsqlcleartext=no)")

func (p *pgConn) send(typ byte, body []byte) error {
	msg := []byte{typ, 0, 0, 0, 0}
	binary.BigEndian.PutUint32(msg[1:], uint32(len(body)+4))
	_, err := p.c.Write(append(msg, body...))
	return err
}

func (p *pgConn) read() (byte, []byte, error) {
	var h [5]byte
	if _, err := io.ReadFull(p.c.r, h[:]); err != nil {
		return 0, nil, err
	}
	n := int(binary.BigEndian.Uint32(h[1:])) - 4
	if n < 0 {
		return 0, nil, errors.New("bad message length")
	}
	if n > maxMsg {
		return 0, nil, errMsgTooLong
	}
	body := make([]byte, n)
	if _, err := io.ReadFull(p.c.r, body); err != nil {
		return 0, nil, err
	}
	if h[0] == 'E' {
		return 0, nil, pgError(body)
	}
	return h[0], body, nil
}

// pgError extracts severity and message from an ErrorResponse.
func pgError(body []byte) error {
	var sev, msg string
	for _, f := range bytes.Split(body, []byte{0}) {
		if len(f) == 0 {
			continue
		}
		switch f[0] {
		case 'S':
			sev = string(f[1:])
		case 'M':
			msg = string(f[1:])
		}
	}
	return fmt.Errorf("postgres %s: %s", sev, short(msg))
}

func (p *pgConn) login(user, pass, db string) error {
	body := binary.BigEndian.AppendUint32(nil, 3<<16)
	body = append(append(append(body, "user\x00"...), user...), 0)
	if db != "" {
		body = append(append(append(body, "database\x00"...), db...), 0)
	}
	body = append(body, 0)
	msg := binary.BigEndian.AppendUint32(nil, uint32(len(body)+4))
	if _, err := p.c.Write(append(msg, body...)); err != nil {
		return err
	}
	var scram *scramState
	for range 100 {
		typ, b, err := p.read()
		if err != nil {
			return err
		}
		switch typ {
		case 'Z':
			return nil
		case 'R':
			if len(b) < 4 {
				return errors.New("bad authentication message")
			}
			switch code := binary.BigEndian.Uint32(b); code {
			case 0: // AuthenticationOk
			case 3:
				if p.noCleartext {
					return errPgCleartext
				}
				err = p.send('p', append([]byte(pass), 0))
			case 5:
				if len(b) < 8 {
					return errors.New("bad md5 salt")
				}
				inner := md5.Sum([]byte(pass + user))
				outer := md5.Sum(append([]byte(hex.EncodeToString(inner[:])), b[4:8]...))
				err = p.send('p', append([]byte("md5"+hex.EncodeToString(outer[:])), 0))
			case 10:
				if !bytes.Contains(b[4:], []byte("SCRAM-SHA-256\x00")) {
					return errors.New("no supported SASL mechanism")
				}
				scram = newScram()
				first := scram.clientFirst()
				msg := append([]byte("SCRAM-SHA-256\x00"), binary.BigEndian.AppendUint32(nil, uint32(len(first)))...)
				err = p.send('p', append(msg, first...))
			case 11:
				if scram == nil {
					return errors.New("unexpected SASL continue")
				}
				final, serr := scram.clientFinal(string(b[4:]), pass)
				if serr != nil {
					return serr
				}
				err = p.send('p', []byte(final))
			case 12:
				if scram == nil || !scram.verifyServer(string(b[4:])) {
					return errors.New("SCRAM server signature mismatch")
				}
			default:
				return fmt.Errorf("unsupported authentication method %d", code)
			}
			if err != nil {
				return err
			}
		}
	}
	return errors.New("no ReadyForQuery")
}

// query runs q; 1 as soon as a row arrives, else the count of the command
// tag ("UPDATE 3"). The rest of the result is not read.
func (p *pgConn) query(q string) (int, error) {
	if err := p.send('Q', append([]byte(q), 0)); err != nil {
		return 0, err
	}
	rows := 0
	for range 1000 {
		typ, b, err := p.read()
		if err != nil {
			return 0, err
		}
		switch typ {
		case 'D':
			return 1, nil
		case 'C':
			tag := strings.TrimRight(string(b), "\x00")
			if i := strings.LastIndexByte(tag, ' '); i >= 0 && !strings.HasPrefix(tag, "SELECT") {
				rows, _ = strconv.Atoi(tag[i+1:])
			}
		case 'Z':
			return rows, nil
		}
	}
	return 0, errors.New("query did not finish")
}

// scramState is one SCRAM-SHA-256 exchange (RFC 5802/7677) without
// channel binding.
type scramState struct {
	nonce, clientFirstBare, authMessage string
	saltedPassword                      []byte
}

func newScram() *scramState {
	var n [18]byte
	_, _ = rand.Read(n[:])
	s := &scramState{nonce: base64.RawStdEncoding.EncodeToString(n[:])}
	s.clientFirstBare = "n=,r=" + s.nonce
	return s
}

func (s *scramState) clientFirst() string { return "n,," + s.clientFirstBare }

func (s *scramState) clientFinal(serverFirst, pass string) (string, error) {
	var nonce, salt string
	iter := 0
	for _, kv := range strings.Split(serverFirst, ",") {
		k, v, _ := strings.Cut(kv, "=")
		switch k {
		case "r":
			nonce = v
		case "s":
			salt = v
		case "i":
			iter, _ = strconv.Atoi(v)
		}
	}
	rawSalt, err := base64.StdEncoding.DecodeString(salt)
	if err != nil || !strings.HasPrefix(nonce, s.nonce) || iter <= 0 || iter > 1<<20 {
		return "", errors.New("bad SCRAM server-first message")
	}
	s.saltedPassword, err = pbkdf2.Key(sha256.New, pass, rawSalt, iter, 32)
	if err != nil {
		return "", fmt.Errorf("scram: %w", err)
	}
	withoutProof := "c=biws,r=" + nonce
	s.authMessage = s.clientFirstBare + "," + serverFirst + "," + withoutProof
	clientKey := hmacSHA256(s.saltedPassword, "Client Key")
	stored := sha256.Sum256(clientKey)
	proof := xorBytes(clientKey, hmacSHA256(stored[:], s.authMessage))
	return withoutProof + ",p=" + base64.StdEncoding.EncodeToString(proof), nil
}

func (s *scramState) verifyServer(serverFinal string) bool {
	v, ok := strings.CutPrefix(serverFinal, "v=")
	if !ok {
		return false
	}
	want := hmacSHA256(hmacSHA256(s.saltedPassword, "Server Key"), s.authMessage)
	got, err := base64.StdEncoding.DecodeString(v)
	return err == nil && hmac.Equal(got, want)
}

func hmacSHA256(key []byte, msg string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(msg))
	return m.Sum(nil)
}
