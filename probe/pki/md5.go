package pki

import (
	"bytes"
	"crypto"
	_ "crypto/md5" // registers MD5 for the signature
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"time"
)

// DER of the AlgorithmIdentifiers sha256WithRSAEncryption and md5WithRSAEncryption
// (RFC 4055, RFC 3279), both with NULL parameters: the same length, so one replaces the
// other in the TBS without changing any length field.
var (
	algSHA256RSA = []byte{0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b, 0x05, 0x00}
	algMD5RSA    = []byte{0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x04, 0x05, 0x00}
)

// NewRSAIntermediate issues under a an intermediate CA with an RSA-2048 key (an MD5
// signature needs an RSA issuer, and a's own key may be ECDSA), valid from an hour ago for
// five years, that may issue further intermediates. With signMD5 a signs it with MD5,
// which needs a's key to be RSA.
func (a *Authority) NewRSAIntermediate(name string, signMD5 bool) (*Authority, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: serial(), Subject: pkix.Name{CommonName: name, Organization: []string{"mhealthsec test PKI"}},
		NotBefore: now.Add(-time.Hour), NotAfter: now.AddDate(5, 0, 0),
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign, BasicConstraintsValid: true, IsCA: true,
	}
	var parentKey *rsa.PrivateKey
	if signMD5 {
		var ok bool
		if parentKey, ok = a.Key.(*rsa.PrivateKey); !ok {
			return nil, fmt.Errorf("pki: MD5 intermediate %q: the issuer's key is not RSA", name)
		}
		tmpl.SignatureAlgorithm = x509.SHA256WithRSA
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, a.Cert, key.Public(), a.Key)
	if err != nil {
		return nil, fmt.Errorf("pki: RSA intermediate %q: %w", name, err)
	}
	if signMD5 {
		if der, err = ResignMD5(der, parentKey); err != nil {
			return nil, err
		}
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	return &Authority{Cert: cert, Key: key, Parent: a}, nil
}

// IssueMD5 issues a leaf signed with MD5 (md5WithRSAEncryption) under a: an RSA-2048
// intermediate named interName, issued by a, signs it. The served chain is the leaf, that
// intermediate and a's chain. opt.Key, opt.SignatureAlgorithm and opt.SelfSigned are
// ignored.
func (a *Authority) IssueMD5(interName string, opt LeafOptions) (tls.Certificate, error) {
	inter, err := a.NewRSAIntermediate(interName, false)
	if err != nil {
		return tls.Certificate{}, err
	}
	opt.Key, opt.SignatureAlgorithm, opt.SelfSigned = RSA2048, x509.SHA256WithRSA, false
	leaf, err := inter.Issue(opt)
	if err != nil {
		return tls.Certificate{}, err
	}
	if leaf.Certificate[0], err = ResignMD5(leaf.Certificate[0], inter.Key.(*rsa.PrivateKey)); err != nil {
		return tls.Certificate{}, err
	}
	leaf.Leaf, err = x509.ParseCertificate(leaf.Certificate[0])
	return leaf, err
}

// ResignMD5 returns the certificate der (signed SHA256-RSA by key) signed again with
// md5WithRSAEncryption by the same key: the insecure signature SSL Labs grades F, which
// crypto/x509 refuses to make. The lab serves such a leaf.
func ResignMD5(der []byte, key *rsa.PrivateKey) ([]byte, error) {
	var cert struct {
		TBS    asn1.RawValue
		SigAlg pkix.AlgorithmIdentifier
		Sig    asn1.BitString
	}
	if rest, err := asn1.Unmarshal(der, &cert); err != nil || len(rest) > 0 {
		return nil, fmt.Errorf("pki: ResignMD5: not one DER certificate (%v)", err)
	}
	if n := bytes.Count(cert.TBS.FullBytes, algSHA256RSA); n != 1 {
		return nil, fmt.Errorf("pki: ResignMD5: want one sha256WithRSAEncryption identifier in the TBS, found %d", n)
	}
	tbs := bytes.Replace(cert.TBS.FullBytes, algSHA256RSA, algMD5RSA, 1)
	digest := crypto.MD5.New()
	digest.Write(tbs)
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.MD5, digest.Sum(nil))
	if err != nil {
		return nil, fmt.Errorf("pki: ResignMD5: sign: %w", err)
	}
	var alg pkix.AlgorithmIdentifier
	if _, err := asn1.Unmarshal(algMD5RSA, &alg); err != nil {
		return nil, err
	}
	out, err := asn1.Marshal(struct {
		TBS    asn1.RawValue
		SigAlg pkix.AlgorithmIdentifier
		Sig    asn1.BitString
	}{asn1.RawValue{FullBytes: tbs}, alg, asn1.BitString{Bytes: sig, BitLength: 8 * len(sig)}})
	if err != nil {
		return nil, err
	}
	if c, err := x509.ParseCertificate(out); err != nil || c.SignatureAlgorithm != x509.MD5WithRSA {
		return nil, errors.New("pki: ResignMD5: the result does not parse as an MD5-RSA certificate")
	}
	return out, nil
}
