package checks

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
)

// Security is what makes a check stricter than ldirectord's: lvsctl's own
// settings (the tls* and pgsqlcleartext directives). The zero value is
// ldirectord's behaviour for every service.
type Security struct {
	// VerifyHost (tlsverifyhost) verifies the certificate chain and that
	// the certificate names the server: ServerName, else the virtualhost
	// (https: the Host of the request), else the real's address. It
	// applies to https, ldaps, pgsql, imaps, pops and smtps.
	VerifyHost bool `json:",omitempty"`
	// ServerName (tlsservername) is the name the real's certificate
	// carries: sent as SNI, checked with VerifyHost, and checked instead
	// of the address by the services that check a name by default (pops,
	// imaps, smtps).
	ServerName string `json:",omitempty"`
	// CAFile (tlscafile) is a PEM file of the CAs a chain must lead to,
	// instead of the system trust store. Setting it turns chain
	// verification on for ldaps and pgsql, which verify nothing by
	// default.
	CAFile string `json:",omitempty"`
	// MinTLS (tlsminversion) is the lowest TLS version accepted, a
	// crypto/tls VersionTLS* constant; 0 is TLS 1.0.
	MinTLS uint16 `json:",omitempty"`
	// RefuseCleartext (pgsqlcleartext=no) makes the pgsql check refuse a
	// server that asks for the password in clear text (PostgreSQL's
	// "password" method) instead of sending it.
	RefuseCleartext bool `json:",omitempty"`
}

// tlsVersions are tlsminversion's values.
var tlsVersions = map[string]uint16{
	"1.0": tls.VersionTLS10, "1.1": tls.VersionTLS11,
	"1.2": tls.VersionTLS12, "1.3": tls.VersionTLS13,
}

// ParseTLSVersion reads "1.0", "1.1", "1.2" or "1.3".
func ParseTLSVersion(s string) (uint16, bool) {
	v, ok := tlsVersions[s]
	return v, ok
}

// TLSVersionName is the inverse of ParseTLSVersion ("1.0" for 0).
func TLSVersionName(v uint16) string {
	for s, x := range tlsVersions {
		if x == v {
			return s
		}
	}
	if v == 0 {
		return "1.0"
	}
	return fmt.Sprintf("0x%04x", v)
}

// maxCAFile bounds what a tlscafile may make us read.
const maxCAFile = 4 << 20

// ParseCAPEM reads the certificates of a PEM file into a pool; a file
// without one is an error.
func ParseCAPEM(pemData []byte) (*x509.CertPool, error) {
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pemData) {
		return nil, errors.New("no PEM certificate found")
	}
	return pool, nil
}

// LoadCAFile reads a tlscafile.
func LoadCAFile(path string) (*x509.CertPool, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("tlscafile: %w", err)
	}
	if st.Size() > maxCAFile {
		return nil, fmt.Errorf("tlscafile %s: larger than %d MiB", path, maxCAFile>>20)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("tlscafile: %w", err)
	}
	pool, err := ParseCAPEM(b)
	if err != nil {
		return nil, fmt.Errorf("tlscafile %s: %w", path, err)
	}
	return pool, nil
}

// validate is Validate's part for Security.
func (s Security) validate() error {
	if s.MinTLS != 0 && TLSVersionName(s.MinTLS)[0] == '0' {
		return fmt.Errorf("unknown minimum TLS version 0x%04x", s.MinTLS)
	}
	if s.CAFile != "" {
		if _, err := LoadCAFile(s.CAFile); err != nil {
			return err
		}
	}
	return nil
}

// minTLS is MinTLS with its default.
func (s Security) minTLS() uint16 {
	if s.MinTLS == 0 {
		return tls.VersionTLS10
	}
	return s.MinTLS
}
