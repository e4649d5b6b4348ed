// Package pki makes certificate authorities and server certificates for the lab fleet and the
// tests: any key type and size, validity window, names, signature algorithm and chain shape,
// so that every certificate verdict the grader knows (expired, self-signed, wrong name,
// incomplete chain, weak key, SHA-1) can be served on loopback. An IssuerServer publishes a
// CA's certificate over HTTP on loopback for leaves whose caIssuers URL (Authority
// Information Access) points to it, so an incomplete chain can be completed as browsers do.
package pki

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"math/big"
	"net"
	"time"
)

// KeySpec names a key: "rsa2048", "rsa1024", "ecdsa256", "ecdsa384".
type KeySpec string

// Common key specs.
const (
	RSA1024  KeySpec = "rsa1024"
	RSA2048  KeySpec = "rsa2048"
	RSA4096  KeySpec = "rsa4096"
	ECDSA256 KeySpec = "ecdsa256"
	ECDSA384 KeySpec = "ecdsa384"
)

// NewKey generates a key for spec.
func NewKey(spec KeySpec) (crypto.Signer, error) {
	switch spec {
	case RSA1024:
		return rsa.GenerateKey(rand.Reader, 1024)
	case RSA2048:
		return rsa.GenerateKey(rand.Reader, 2048)
	case RSA4096:
		return rsa.GenerateKey(rand.Reader, 4096)
	case ECDSA256:
		return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case ECDSA384:
		return ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	}
	return nil, fmt.Errorf("pki: unknown key spec %q", spec)
}

// Authority is a CA that can issue certificates. An intermediate has a Parent.
type Authority struct {
	Cert   *x509.Certificate
	Key    crypto.Signer
	Parent *Authority
}

// NewRoot creates a self-signed root CA valid from an hour ago for ten years.
func NewRoot(name string) (*Authority, error) {
	return newCA(name, nil, 10)
}

// NewIntermediate issues an intermediate CA under a, valid from an hour ago for five
// years, that may issue only leaf certificates.
func (a *Authority) NewIntermediate(name string) (*Authority, error) {
	return newCA(name, a, 5)
}

// newCA creates a CA named name with a fresh ECDSA P-256 key, valid from an hour ago for
// years years: self-signed when parent is nil, otherwise issued by parent and limited
// to issuing leaves (path length zero).
func newCA(name string, parent *Authority, years int) (*Authority, error) {
	kind := "root"
	if parent != nil {
		kind = "intermediate"
	}
	key, err := NewKey(ECDSA256)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: name, Organization: []string{"mhealthsec test PKI"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.AddDate(years, 0, 0),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        parent != nil,
	}
	issuer, signer := tmpl, key
	if parent != nil {
		issuer, signer = parent.Cert, parent.Key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, issuer, key.Public(), signer)
	if err != nil {
		return nil, fmt.Errorf("pki: create %s %q: %w", kind, name, err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("pki: parse %s %q: %w", kind, name, err)
	}
	return &Authority{Cert: cert, Key: key, Parent: parent}, nil
}

// Pool returns a cert pool holding the root of a's chain.
func (a *Authority) Pool() *x509.CertPool {
	root := a
	for root.Parent != nil {
		root = root.Parent
	}
	p := x509.NewCertPool()
	p.AddCert(root.Cert)
	return p
}

// LeafOptions describes a server certificate. Zero values give a sound certificate valid for
// "localhost" and 127.0.0.1, from an hour ago for 90 days, with an ECDSA P-256 key.
type LeafOptions struct {
	Names []string // DNS names and IP addresses
	Key   KeySpec
	// Signer, when set, is the leaf's key instead of a new one of Key: certificates that
	// share one key (DROWN across services).
	Signer    crypto.Signer
	NotBefore time.Time
	NotAfter  time.Time
	// SelfSigned signs the leaf with its own key instead of the authority's.
	SelfSigned bool
	// OmitIntermediates leaves the intermediates out of the served chain (incomplete chain).
	OmitIntermediates bool
	// SignatureAlgorithm overrides the default (for example x509.SHA1WithRSA); the
	// issuing key must be able to make it.
	SignatureAlgorithm x509.SignatureAlgorithm
	// IssuingCertificateURL goes into the Authority Information Access extension as
	// caIssuers: where a client finds the issuer's certificate when the server omits it
	// (see IssuerServer).
	IssuingCertificateURL []string
	// OCSPServer goes into Authority Information Access as the OCSP responder's URL;
	// CRLDistributionPoints into the CRL Distribution Points extension.
	OCSPServer            []string
	CRLDistributionPoints []string
	// ExtraExtensions go into the leaf as they are (an embedded SCT list, say).
	ExtraExtensions []pkix.Extension
}

// Issue makes a leaf certificate and returns it as a tls.Certificate with the served chain.
func (a *Authority) Issue(opt LeafOptions) (tls.Certificate, error) {
	if len(opt.Names) == 0 {
		opt.Names = []string{"localhost", "127.0.0.1"}
	}
	if opt.Key == "" {
		opt.Key = ECDSA256
	}
	now := time.Now()
	if opt.NotBefore.IsZero() {
		opt.NotBefore = now.Add(-time.Hour)
	}
	if opt.NotAfter.IsZero() {
		opt.NotAfter = now.AddDate(0, 0, 90)
	}
	key := opt.Signer
	if key == nil {
		var err error
		if key, err = NewKey(opt.Key); err != nil {
			return tls.Certificate{}, err
		}
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: opt.Names[0]},
		NotBefore:             opt.NotBefore,
		NotAfter:              opt.NotAfter,
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		SignatureAlgorithm:    opt.SignatureAlgorithm,
		IssuingCertificateURL: opt.IssuingCertificateURL,
		OCSPServer:            opt.OCSPServer,
		CRLDistributionPoints: opt.CRLDistributionPoints,
		ExtraExtensions:       opt.ExtraExtensions,
	}
	for _, n := range opt.Names {
		if ip := net.ParseIP(n); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, n)
		}
	}
	parent, signer := a.Cert, a.Key
	if opt.SelfSigned {
		parent, signer = tmpl, key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, key.Public(), signer)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("pki: issue %v: %w", opt.Names, err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, err
	}
	chain := [][]byte{der}
	if !opt.SelfSigned && !opt.OmitIntermediates {
		for ca := a; ca.Parent != nil; ca = ca.Parent {
			chain = append(chain, ca.Cert.Raw)
		}
	}
	return tls.Certificate{Certificate: chain, PrivateKey: key, Leaf: leaf}, nil
}

func serial() *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
	if err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return n
}
