package checks

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"syscall"
	"time"
)

// timed runs fn under the tighter of ctx's deadline and d, and stamps the
// latency. Every checker goes through it.
func timed(ctx context.Context, d time.Duration, fn func(ctx context.Context) Result) Result {
	start := time.Now()
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	r := fn(ctx)
	r.Latency = time.Since(start)
	if !r.Up && timedOut(ctx, r.Err) {
		r.Timeout = true
	}
	return r
}

// timedOut reports whether a check failed for lack of time. The socket
// deadline and the context's timer fire at the same instant, so either
// may be seen first.
func timedOut(ctx context.Context, err error) bool {
	return ctx.Err() != nil || errors.Is(err, os.ErrDeadlineExceeded) || errors.Is(err, context.DeadlineExceeded)
}

// conn is a connection whose every read and write is bounded by the check's
// deadline and whose reads are bounded in size.
type conn struct {
	net.Conn
	r    *bufio.Reader
	stop func() bool
}

// dial connects to addr over network within ctx.
func dial(ctx context.Context, network, addr string) (*conn, error) {
	var d net.Dialer
	c, err := d.DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	return wrap(ctx, c), nil
}

// wrap ties c to ctx: the deadline applies to all I/O and cancelling ctx
// unblocks it.
func wrap(ctx context.Context, c net.Conn) *conn {
	if dl, ok := ctx.Deadline(); ok {
		_ = c.SetDeadline(dl)
	}
	stop := context.AfterFunc(ctx, func() { _ = c.SetDeadline(time.Now()) })
	lr := &io.LimitedReader{R: c, N: maxRead}
	return &conn{Conn: c, r: bufio.NewReaderSize(lr, 4096), stop: stop}
}

func (c *conn) Close() error {
	c.stop()
	return c.Conn.Close()
}

// readLine returns one line without its CR LF; longer lines are an error.
func (c *conn) readLine() (string, error) {
	var line []byte
	for {
		frag, err := c.r.ReadSlice('\n')
		line = append(line, frag...)
		if len(line) > maxLine {
			return "", errors.New("line too long")
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if err != nil {
			if err == io.EOF && len(line) > 0 {
				return trimEOL(line), nil
			}
			return "", err
		}
		return trimEOL(line), nil
	}
}

func trimEOL(b []byte) string {
	if n := len(b); n > 0 && b[n-1] == '\n' {
		b = b[:n-1]
	}
	if n := len(b); n > 0 && b[n-1] == '\r' {
		b = b[:n-1]
	}
	return string(b)
}

// cmd writes one CRLF-terminated command line.
func (c *conn) cmd(format string, args ...any) error {
	_, err := fmt.Fprintf(c.Conn, format+"\r\n", args...)
	return err
}

// tlsMode is how much of the server's certificate a TLS check verifies;
// each service follows the Perl library ldirectord uses for it.
type tlsMode int

const (
	tlsNoVerify      tlsMode = iota // Net::LDAP (verify => none), DBD::Pg sslmode=prefer
	tlsVerifyChain                  // LWP with verify_hostname => 0
	tlsVerifyChainIP                // IO::Socket::SSL defaults: chain and the dialed IP
)

// startTLS runs a TLS client handshake over c. serverName is sent as SNI
// (IP addresses are not, as OpenSSL clients do not send them); ip is what
// tlsVerifyChainIP matches the certificate against.
func startTLS(ctx context.Context, c *conn, mode tlsMode, serverName, ip string) (*conn, error) {
	cfg := &tls.Config{
		// Verification is done below, because the standard one always
		// checks the name and ldirectord's libraries do not (or check the
		// IP).
		InsecureSkipVerify: true,
		MinVersion:         tls.VersionTLS10,
	}
	if net.ParseIP(serverName) == nil {
		cfg.ServerName = serverName
	}
	if mode != tlsNoVerify {
		name := ""
		if mode == tlsVerifyChainIP {
			name = ip
		}
		cfg.VerifyPeerCertificate = func(raw [][]byte, _ [][]*x509.Certificate) error {
			return verifyChain(raw, name)
		}
	}
	c.stop()
	tc := tls.Client(c.Conn, cfg)
	if err := tc.HandshakeContext(ctx); err != nil {
		_ = c.Conn.Close()
		return nil, fmt.Errorf("tls handshake: %w", err)
	}
	return wrap(ctx, tc), nil
}

// verifyChain verifies the presented chain against the system trust store
// (which honours SSL_CERT_FILE and SSL_CERT_DIR); name, if set, must match.
func verifyChain(raw [][]byte, name string) error {
	if len(raw) == 0 {
		return errors.New("no certificate presented")
	}
	certs := make([]*x509.Certificate, len(raw))
	for i, b := range raw {
		c, err := x509.ParseCertificate(b)
		if err != nil {
			return fmt.Errorf("parse certificate: %w", err)
		}
		certs[i] = c
	}
	roots, err := x509.SystemCertPool()
	if err != nil {
		return fmt.Errorf("system trust store: %w", err)
	}
	inter := x509.NewCertPool()
	for _, c := range certs[1:] {
		inter.AddCert(c)
	}
	_, err = certs[0].Verify(x509.VerifyOptions{
		Roots: roots, Intermediates: inter, DNSName: name,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	})
	if err != nil {
		return fmt.Errorf("certificate verify failed: %w", err)
	}
	return nil
}

// reason turns a network error into a short reason.
func reason(err error) string {
	switch {
	case err == nil:
		return ""
	case errors.Is(err, os.ErrDeadlineExceeded), errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, syscall.ECONNRESET):
		return "connection reset"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "connection closed"
	}
	return err.Error()
}

// fail builds a down result from an error, prefixed with what was tried.
func fail(what string, err error) Result {
	return down(what+": "+reason(err), fmt.Errorf("%s: %w", what, err))
}

// bufioFull is what ReadSlice returns for a line longer than the buffer;
// such a line is matched in pieces.
var bufioFull = bufio.ErrBufferFull

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
