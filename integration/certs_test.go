package integration

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// writeTestCertificates makes a certificate authority and a server
// certificate for 127.0.0.1, ::1 and localhost signed by it, and writes them
// as PEM files into dir. A separate CA (rather than one self-signed leaf)
// keeps OpenSSL-based clients such as the aws CLI as happy as Go's.
func writeTestCertificates(dir string) (testCertificates, error) {
	var out testCertificates
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return out, fmt.Errorf("create certificate folder: %w", err)
	}
	now := time.Now()

	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return out, fmt.Errorf("generate CA key: %w", err)
	}
	caTemplate := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "zones3 integration test CA"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTemplate, caTemplate, &caKey.PublicKey, caKey)
	if err != nil {
		return out, fmt.Errorf("create CA certificate: %w", err)
	}
	caCert, err := x509.ParseCertificate(caDER)
	if err != nil {
		return out, fmt.Errorf("parse CA certificate: %w", err)
	}

	serverKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return out, fmt.Errorf("generate server key: %w", err)
	}
	serverTemplate := &x509.Certificate{
		SerialNumber: big.NewInt(2),
		Subject:      pkix.Name{CommonName: "localhost"},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:     []string{"localhost"},
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1"), net.ParseIP("::1")},
	}
	serverDER, err := x509.CreateCertificate(rand.Reader, serverTemplate, caCert, &serverKey.PublicKey, caKey)
	if err != nil {
		return out, fmt.Errorf("create server certificate: %w", err)
	}
	serverKeyDER, err := x509.MarshalPKCS8PrivateKey(serverKey)
	if err != nil {
		return out, fmt.Errorf("marshal server key: %w", err)
	}

	out.caCert = filepath.Join(dir, "ca.pem")
	out.serverCert = filepath.Join(dir, "server.pem")
	out.serverKey = filepath.Join(dir, "server-key.pem")
	files := []struct {
		path  string
		block *pem.Block
	}{
		{out.caCert, &pem.Block{Type: "CERTIFICATE", Bytes: caDER}},
		{out.serverCert, &pem.Block{Type: "CERTIFICATE", Bytes: serverDER}},
		{out.serverKey, &pem.Block{Type: "PRIVATE KEY", Bytes: serverKeyDER}},
	}
	for _, f := range files {
		if err := os.WriteFile(f.path, pem.EncodeToMemory(f.block), 0o600); err != nil {
			return out, fmt.Errorf("write %s: %w", f.path, err)
		}
	}
	out.pool = x509.NewCertPool()
	out.pool.AddCert(caCert)
	return out, nil
}
