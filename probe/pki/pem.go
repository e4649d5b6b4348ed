package pki

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// WritePEM writes the served chain to dir/name.crt and the key to dir/name.key, for servers
// outside Go (OpenSSL s_server, gnutls-serv, nginx). It returns the two paths.
// ErrNoKey is returned when a certificate has no private key to save.
var ErrNoKey = errors.New("pki: certificate has no private key")

func WritePEM(dir, name string, c tls.Certificate) (certPath, keyPath string, err error) {
	if c.PrivateKey == nil {
		return "", "", ErrNoKey
	}
	var chain []byte
	for _, der := range c.Certificate {
		chain = append(chain, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})...)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(c.PrivateKey)
	if err != nil {
		return "", "", fmt.Errorf("pki: marshal key: %w", err)
	}
	certPath = filepath.Join(dir, name+".crt")
	keyPath = filepath.Join(dir, name+".key")
	if err := os.WriteFile(certPath, chain, 0o644); err != nil {
		return "", "", err
	}
	if err := os.WriteFile(keyPath, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		return "", "", err
	}
	return certPath, keyPath, nil
}

// WriteRootPEM writes a's root certificate to path, for --ca-file and peers' trust stores.
func (a *Authority) WriteRootPEM(path string) error {
	root := a
	for root.Parent != nil {
		root = root.Parent
	}
	return os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: root.Cert.Raw}), 0o644)
}
