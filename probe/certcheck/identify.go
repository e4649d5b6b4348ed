package certcheck

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"fmt"

	"github.com/mhealthsec/mhealthsec/probe/result"
)

// Identify fingerprints a DER certificate: the SHA-256 of its bytes as sent, and of its
// SubjectPublicKeyInfo, which names one key whatever certificate carries it. A certificate
// that does not parse keeps its fingerprint; Error says why its key is unknown.
func Identify(der []byte) result.CertificateID {
	c, err := x509.ParseCertificate(der)
	if err != nil {
		sum := sha256.Sum256(der)
		return result.CertificateID{SHA256: hex.EncodeToString(sum[:]), Error: fmt.Sprintf("certificate does not parse: %v", err)}
	}
	id := result.CertificateID{Subject: c.Subject.String()}
	id.SHA256, id.SPKISHA256 = fingerprints(c)
	id.KeyAlg, id.KeyBits, _ = keyInfo(c)
	return id
}

// fingerprints returns the SHA-256 of c's DER and of its SubjectPublicKeyInfo, in hex.
func fingerprints(c *x509.Certificate) (cert, spki string) {
	a, b := sha256.Sum256(c.Raw), sha256.Sum256(c.RawSubjectPublicKeyInfo)
	return hex.EncodeToString(a[:]), hex.EncodeToString(b[:])
}
