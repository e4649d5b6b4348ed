package pki

import (
	"crypto/tls"
	"crypto/x509"
	"testing"
	"time"
)

func TestIssueVerifiesAndShapesChain(t *testing.T) {
	root, err := NewRoot("Test Root")
	if err != nil {
		t.Fatal(err)
	}
	inter, err := root.NewIntermediate("Test Intermediate")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		opt        LeafOptions
		chainLen   int
		verifyFail bool
	}{
		{"sound", LeafOptions{}, 2, false},
		{"incomplete chain", LeafOptions{OmitIntermediates: true}, 1, true},
		{"self-signed", LeafOptions{SelfSigned: true}, 1, true},
		{"expired", LeafOptions{NotBefore: time.Now().AddDate(-1, 0, 0), NotAfter: time.Now().AddDate(0, 0, -1)}, 2, true},
		{"rsa1024", LeafOptions{Key: RSA1024}, 2, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := inter.Issue(tt.opt)
			if err != nil {
				t.Fatal(err)
			}
			if len(c.Certificate) != tt.chainLen {
				t.Fatalf("chain length %d, want %d", len(c.Certificate), tt.chainLen)
			}
			_, err = c.Leaf.Verify(x509.VerifyOptions{DNSName: "localhost", Roots: inter.Pool(), Intermediates: pool(c)})
			if (err != nil) != tt.verifyFail {
				t.Fatalf("verify error = %v, want failure %v", err, tt.verifyFail)
			}
		})
	}
}

func pool(c tls.Certificate) *x509.CertPool {
	p := x509.NewCertPool()
	for _, der := range c.Certificate[1:] {
		cert, _ := x509.ParseCertificate(der)
		p.AddCert(cert)
	}
	return p
}
