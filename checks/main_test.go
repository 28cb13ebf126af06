package checks

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// Certificates for the TLS tests: a leaf signed by a test CA that is put in
// SSL_CERT_FILE before anything loads the system pool (Go loads it once),
// and a self-signed leaf nobody trusts. Neither names 127.0.0.1.
var trustedCert, untrustedCert tls.Certificate

// The test CA, for tests that sign more leaves (tls_test.go), and its file.
var (
	testCA     *x509.Certificate
	testCAKey  *ecdsa.PrivateKey
	testCAFile string
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "checks-test")
	if err != nil {
		panic(err)
	}
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "lvsctl test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		panic(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	caFile := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}), 0o644); err != nil {
		panic(err)
	}
	testCA, testCAKey, testCAFile = ca, caKey, caFile
	os.Setenv("SSL_CERT_FILE", caFile)
	os.Setenv("SSL_CERT_DIR", dir)
	trustedCert = leaf(ca, caKey, "www.example.com")
	untrustedCert = leaf(nil, nil, "www.example.com")
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func leaf(ca *x509.Certificate, caKey *ecdsa.PrivateKey, name string) tls.Certificate {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: name}, DNSNames: []string{name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, KeyUsage: x509.KeyUsageDigitalSignature,
	}
	parent, signer := tmpl, key
	if ca != nil {
		parent, signer = ca, caKey
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, signer)
	if err != nil {
		panic(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

type tlsCert = tls.Certificate

func tlsServer(c net.Conn, cert tls.Certificate) *tls.Conn {
	return tls.Server(c, &tls.Config{Certificates: []tls.Certificate{cert}})
}
