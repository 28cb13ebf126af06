package checks

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"strings"
)

// tlsMode is how much of the server's certificate a service verifies by
// default: what the Perl library ldirectord uses for it verifies.
type tlsMode int

const (
	tlsNoVerify      tlsMode = iota // Net::LDAP (verify => none), DBD::Pg sslmode=prefer
	tlsVerifyChain                  // LWP with verify_hostname => 0
	tlsVerifyChainIP                // IO::Socket::SSL defaults: chain and the dialed IP
)

// tlsPeer is what one TLS handshake sends and verifies.
type tlsPeer struct {
	sni    string // server name sent ("" or an IP address: none)
	chain  bool   // the chain must verify
	name   string // with chain: the certificate must name this ("" = any)
	caFile string // the CAs a chain must lead to; "" = the system trust store
	min    uint16 // lowest TLS version accepted
}

// tlsPeerFor is a service's default verification with t.Security applied.
// host is the name the service addresses (https: the request's Host,
// without its port; "" for the others).
func (t *Target) tlsPeerFor(mode tlsMode, host string) tlsPeer {
	sec := t.Security
	ip := t.RealAddr.Unmap().String()
	p := tlsPeer{min: sec.minTLS(), caFile: sec.CAFile}
	switch mode {
	case tlsVerifyChain:
		p.chain, p.sni = true, host
	case tlsVerifyChainIP:
		p.chain, p.name = true, ip
	}
	if sec.ServerName != "" {
		p.sni = sec.ServerName
		if p.name != "" {
			p.name = sec.ServerName
		}
	}
	if sec.CAFile != "" {
		p.chain = true
	}
	if sec.VerifyHost {
		vhost := t.VirtualHost
		if h, _, err := net.SplitHostPort(vhost); err == nil {
			vhost = h
		}
		p.chain = true
		p.name = firstOf(sec.ServerName, host, strings.Trim(vhost, "[]"), ip)
		if p.sni == "" {
			p.sni = p.name
		}
	}
	return p
}

func firstOf(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}

// startTLS runs a TLS client handshake over c. IP addresses are not sent
// as SNI, as OpenSSL clients do not send them.
func startTLS(ctx context.Context, c *conn, p tlsPeer) (*conn, error) {
	cfg := &tls.Config{
		// Verification is done below, because the standard one always
		// checks the name and ldirectord's libraries do not (or check the
		// IP).
		InsecureSkipVerify: true,
		MinVersion:         p.min,
	}
	if net.ParseIP(p.sni) == nil {
		cfg.ServerName = p.sni
	}
	if p.chain {
		cfg.VerifyPeerCertificate = func(raw [][]byte, _ [][]*x509.Certificate) error {
			return verifyChain(raw, p.name, p.caFile)
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

// verifyChain verifies the presented chain against caFile's CAs, or the
// system trust store (which honours SSL_CERT_FILE and SSL_CERT_DIR);
// name, if set, must match (an IP address matches the certificate's IP
// addresses).
func verifyChain(raw [][]byte, name, caFile string) error {
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
	var roots *x509.CertPool
	var err error
	if caFile != "" {
		roots, err = LoadCAFile(caFile)
	} else if roots, err = x509.SystemCertPool(); err != nil {
		err = fmt.Errorf("system trust store: %w", err)
	}
	if err != nil {
		return err
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

// dialService connects to the check port, with TLS from the first byte if
// useTLS is set (pops, imaps, ldaps, smtps), verified as mode and
// t.Security say.
func dialService(ctx context.Context, t Target, useTLS bool, mode tlsMode) (*conn, error) {
	c, err := dial(ctx, "tcp", t.Addr())
	if err != nil || !useTLS {
		return c, err
	}
	return startTLS(ctx, c, t.tlsPeerFor(mode, ""))
}
