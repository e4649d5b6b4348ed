package pki

import (
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// WriteCAFiles writes a's certificate and key to dir/name.crt and dir/name.key (PEM), for
// OpenSSL tools that sign as a (openssl ocsp -CA, -rsigner, -rkey).
func (a *Authority) WriteCAFiles(dir, name string) (certPath, keyPath string, err error) {
	keyDER, err := x509.MarshalPKCS8PrivateKey(a.Key)
	if err != nil {
		return "", "", fmt.Errorf("pki: marshal key: %w", err)
	}
	certPath = filepath.Join(dir, name+".crt")
	keyPath = filepath.Join(dir, name+".key")
	if err := os.WriteFile(certPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: a.Cert.Raw}), 0o644); err != nil {
		return "", "", err
	}
	if err := os.WriteFile(keyPath, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		return "", "", err
	}
	return certPath, keyPath, nil
}

// WriteOpenSSLIndex writes the certificate database of an OpenSSL CA (the -index of
// openssl ca and openssl ocsp) to path: one tab-separated line per certificate, V(alid)
// or R(evoked) at revokedAt; and path.attr allowing leaves with the same subject.
func WriteOpenSSLIndex(path string, valid, revoked []*x509.Certificate, revokedAt time.Time) error {
	if err := os.WriteFile(path+".attr", []byte("unique_subject = no\n"), 0o644); err != nil {
		return err
	}
	return os.WriteFile(path, openSSLIndex(valid, revoked, revokedAt), 0o644)
}

func openSSLIndex(valid, revoked []*x509.Certificate, revokedAt time.Time) []byte {
	var b strings.Builder
	line := func(status string, c *x509.Certificate, rev string) {
		fmt.Fprintf(&b, "%s\t%s\t%s\t%X\tunknown\t/CN=%s\n", status, opensslTime(c.NotAfter), rev, c.SerialNumber, c.Subject.CommonName)
	}
	for _, c := range valid {
		line("V", c, "")
	}
	for _, c := range revoked {
		line("R", c, opensslTime(revokedAt))
	}
	return []byte(b.String())
}

// opensslTime is the UTCTime form the index uses, YYMMDDHHMMSSZ.
func opensslTime(t time.Time) string { return t.UTC().Format("060102150405Z") }

// CRL returns a DER CRL signed by a that lists revoked as revoked at revokedAt, issued at
// now and valid for a day.
func (a *Authority) CRL(revoked []*x509.Certificate, revokedAt, now time.Time) ([]byte, error) {
	var serials []*big.Int
	for _, c := range revoked {
		serials = append(serials, c.SerialNumber)
	}
	return a.CRLOfSerials(serials, revokedAt, now)
}

// CRLOfSerials is CRL by serial numbers.
func (a *Authority) CRLOfSerials(revoked []*big.Int, revokedAt, now time.Time) ([]byte, error) {
	var entries []x509.RevocationListEntry
	for _, n := range revoked {
		entries = append(entries, x509.RevocationListEntry{SerialNumber: n, RevocationTime: revokedAt})
	}
	der, err := x509.CreateRevocationList(rand.Reader, &x509.RevocationList{
		Number:                    big.NewInt(now.Unix()),
		ThisUpdate:                now.Add(-time.Minute),
		NextUpdate:                now.Add(24 * time.Hour),
		RevokedCertificateEntries: entries,
	}, a.Cert, a.Key)
	if err != nil {
		return nil, fmt.Errorf("pki: CRL of %q: %w", a.Cert.Subject.CommonName, err)
	}
	return der, nil
}
