package certcheck

import (
	"bytes"
	"context"
	"crypto"
	//lint:ignore SA1019 old servers still present DSA keys; we must recognise them to grade them
	"crypto/dsa"
	"crypto/ecdsa"
	"crypto/ed25519"
	_ "crypto/md5" // registers MD5 so MD5-signed chains can be checked for order
	"crypto/rsa"
	_ "crypto/sha1" // registers SHA-1 for the same reason
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/mhealthsec/mhealthsec/probe/result"
)

// Check judges a chain as served (leaf first), fetching nothing (cfg.FetchIssuer is
// ignored). Only the leaf must parse: an unparsable leaf is an error; unparsable
// intermediates are listed in TrustError and left out of the path building.
func Check(chain [][]byte, cfg Config) (*result.Certificate, error) {
	cfg.FetchIssuer = nil
	return CheckContext(context.Background(), chain, cfg)
}

// CheckContext is Check that, when the served chain lacks an issuer and cfg.FetchIssuer
// is set, completes it from the caIssuers URLs (AIA) of the last certificate it reaches.
// A chain so completed is trusted, not complete, and says where its issuer came from in
// Notes; when completing fails, TrustError says why. Trusted is left nil (unknown, with a
// note) when completing was cut short by us rather than by the server: the fetch policy
// refused a URL, a limit on URLs or hops was reached, or ctx ended. ctx bounds the fetches.
func CheckContext(ctx context.Context, chain [][]byte, cfg Config) (*result.Certificate, error) {
	if len(chain) == 0 {
		return nil, errors.New("certcheck: empty chain")
	}
	certs := make([]*x509.Certificate, len(chain))
	var problems []string
	for i, der := range chain {
		c, err := x509.ParseCertificate(der)
		if err != nil {
			if i == 0 {
				return nil, fmt.Errorf("certcheck: parse leaf certificate: %w", err)
			}
			problems = append(problems, fmt.Sprintf("certificate %d does not parse: %v", i, err))
			continue
		}
		certs[i] = c
	}
	leaf := certs[0]
	now := cfg.now()
	out := &result.Certificate{
		Subject:     leaf.Subject.String(),
		Issuer:      leaf.Issuer.String(),
		SAN:         sans(leaf),
		NotBefore:   timePtr(leaf.NotBefore),
		NotAfter:    timePtr(leaf.NotAfter),
		SigAlg:      leaf.SignatureAlgorithm.String(),
		Expired:     now.After(leaf.NotAfter),
		NotYetValid: now.Before(leaf.NotBefore),
		ChainLen:    len(chain),
	}
	out.KeyAlg, out.KeyBits, out.KeyExponent = keyInfo(leaf)
	out.SHA256, out.SPKISHA256 = fingerprints(leaf)
	out.SelfSigned = bytes.Equal(leaf.RawSubject, leaf.RawIssuer) && signedBy(leaf, leaf) != sigBad
	if name := cfg.hostname(); name != "" {
		out.HostnameMatch = leaf.VerifyHostname(strings.TrimSuffix(name, ".")) == nil
	}
	for i, c := range certs {
		if c == nil {
			out.Chain = append(out.Chain, result.ChainEntry{Subject: "(unparsable)"})
			continue
		}
		e := result.ChainEntry{
			Subject:  c.Subject.String(),
			Issuer:   c.Issuer.String(),
			SigAlg:   c.SignatureAlgorithm.String(),
			NotAfter: timePtr(c.NotAfter),
		}
		e.KeyAlg, e.KeyBits, _ = keyInfo(c)
		out.Chain = append(out.Chain, e)
		// A root's own signature does not matter: nobody checks it.
		if i > 0 && isSelfIssued(c) {
			continue
		}
		switch hashOf(c.SignatureAlgorithm) {
		case crypto.SHA1:
			out.SHA1InChain = true
		case crypto.MD5:
			out.MD5InChain = true
		}
	}
	out.ChainOrderOK = chainOrdered(certs)

	opts := x509.VerifyOptions{
		Roots:         cfg.Roots,
		Intermediates: pool(certs[1:]),
		CurrentTime:   now,
		KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageAny},
	}
	chains, err := leaf.Verify(opts)
	out.Trusted = result.Bool(err == nil)
	out.ChainComplete = rootedInServed(chains, certs) || pathIgnoringTime(leaf, certs, opts) || endsInSelfSigned(certs)
	if err != nil && out.MD5InChain {
		// crypto/x509 refuses MD5 signatures outright, so its refusal says nothing about
		// who signed. Judge the signatures here; the insecure hash is its own verdict
		// (md5_in_chain, and the grade's F), as SSL Labs has it.
		if ok, complete := trustedDespiteMD5(cfg, certs, opts); ok {
			err = nil
			out.Trusted = result.Bool(true)
			out.ChainComplete = out.ChainComplete || complete
			out.Notes = append(out.Notes, "MD5 signature verified by mhealthsec (crypto/x509 refuses MD5): the chain leads to a trusted root, but MD5 is insecure")
		}
	}
	var why []string // why the chain is not trusted, first the verifier's word
	if err != nil {
		why = append(why, err.Error())
	}
	switch {
	case out.ChainComplete:
	case *out.Trusted:
		// Only a non-root in the trust store (a CA file holding an intermediate) could
		// have stood in for the issuer the server did not send.
		out.Notes = append(out.Notes, "issuer not sent by the server; trusted only because the trust store holds it")
	default:
		out.Trusted, why = completeChain(ctx, cfg, out, certs, opts)
	}
	out.TrustError = strings.Join(append(why, problems...), "; ")
	return out, nil
}

// completeChain tries to complete, from AIA, a chain that lacks an issuer and does not
// verify. It adds to out.Notes and returns the verdict and why the chain is not trusted.
// The verdict is nil (unknown) when the chain stays incomplete only because completing it
// was cut short by us (aiaOutcome.cut) and every certificate reached is valid now: the
// missing issuer alone decides, and we did not look for it. A server whose AIA URL is
// dead, answers with an error or with garbage is untrusted, as SSL Labs has it.
// With fetching off (no FetchIssuer, probe --no-aia) the chain is judged as served:
// untrusted, as a client that fetches nothing judges it.
func completeChain(ctx context.Context, cfg Config, out *result.Certificate, certs []*x509.Certificate, opts x509.VerifyOptions) (*bool, []string) {
	untrusted := result.Bool(false)
	leaf := certs[0]
	_, err := leaf.Verify(opts)
	top := lastReached(certs)
	if cfg.FetchIssuer == nil {
		if len(top.IssuingCertificateURL) == 0 {
			return untrusted, []string{err.Error(), fmt.Sprintf("issuer of %q not sent, and it names no caIssuers URL (AIA)", top.Subject.String())}
		}
		return untrusted, []string{err.Error(), fmt.Sprintf("issuer of %q not sent; AIA fetching is off (caIssuers %s)",
			top.Subject.String(), strings.Join(top.IssuingCertificateURL, ", "))}
	}
	aia := completeFromAIA(ctx, cfg, top)
	all := append(append([]*x509.Certificate(nil), certs...), aia.fetched...)
	if len(aia.from) > 0 {
		opts.Intermediates = pool(all[1:])
		_, verr := leaf.Verify(opts)
		if verr == nil {
			out.Notes = append(out.Notes, aiaNote(aia.from))
			return result.Bool(true), nil
		}
		if pathIgnoringTime(leaf, all, opts) {
			// Completed, but something else (validity, algorithm) keeps it untrusted.
			out.Notes = append(out.Notes, aiaNote(aia.from))
			return untrusted, []string{verr.Error()}
		}
		err = verr
	}
	why := []string{err.Error()}
	if len(aia.problems) > 0 {
		why = append(why, "AIA: "+strings.Join(aia.problems, "; "))
	} else {
		why = append(why, "AIA: the fetched issuers do not lead to a trusted root")
	}
	if len(aia.cut) > 0 && validOnPath(all, cfg.now()) {
		out.Notes = append(out.Notes, "trusted: unknown, the chain could not be completed from AIA because we cut the search short: "+
			strings.Join(aia.cut, "; "))
		return nil, why
	}
	return untrusted, why
}

// validOnPath reports whether every certificate reached from the leaf (certs[0]) by
// signature is valid at now. One that is not makes the chain untrusted whatever issuer is
// missing above it.
func validOnPath(certs []*x509.Certificate, now time.Time) bool {
	cur := certs[0]
	for range certs {
		if now.Before(cur.NotBefore) || now.After(cur.NotAfter) {
			return false
		}
		next := servedIssuer(cur, certs, sigBad)
		if next == nil {
			return true
		}
		cur = next
	}
	return true
}

// trustedDespiteMD5 follows the served chain from the leaf, checking each link's
// signature itself (MD5 included) until crypto/x509 accepts a certificate that no longer
// depends on an MD5 signature, or a trusted root signs the last one: trusted when it
// gets there, each MD5-signed certificate valid now. complete is true when the server
// sent every certificate but the root.
func trustedDespiteMD5(cfg Config, certs []*x509.Certificate, opts x509.VerifyOptions) (trusted, complete bool) {
	now := cfg.now()
	cur := certs[0]
	for hop := range certs {
		if hop > 0 && hashOf(cur.SignatureAlgorithm) != crypto.MD5 {
			if _, err := cur.Verify(opts); err == nil {
				return true, true
			}
		}
		if now.Before(cur.NotBefore) || now.After(cur.NotAfter) {
			return false, false
		}
		next := servedIssuer(cur, certs, sigBad, sigUnknown)
		if next == nil || signedBy(cur, next) != sigOK {
			break
		}
		if isSelfIssued(next) {
			_, err := next.Verify(opts) // a served root: trusted if the trust store holds it
			return err == nil, true
		}
		cur = next
	}
	for _, r := range cfg.rootCerts() {
		if signedBy(cur, r) == sigOK && !now.Before(r.NotBefore) && !now.After(r.NotAfter) {
			return true, true
		}
	}
	return false, false
}

// rootCerts returns cfg.RootCerts or, when no trust store is configured, the system
// bundle (read on demand: only an MD5-signed certificate whose issuer is missing needs it).
func (c Config) rootCerts() []*x509.Certificate {
	if c.RootCerts != nil || c.Roots != nil {
		return c.RootCerts
	}
	files := []string{"/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt", "/etc/ssl/cert.pem"}
	if f := os.Getenv("SSL_CERT_FILE"); f != "" {
		files = []string{f}
	}
	for _, f := range files {
		if certs := PEMCertificates(f); certs != nil {
			return certs
		}
	}
	return nil
}

// PEMCertificates reads the certificates of a PEM file (a trust store), nil when it cannot
// be read or holds none.
func PEMCertificates(path string) []*x509.Certificate {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	certs, _ := parsePEMIssuers(data)
	return certs
}

// lastReached follows the served certificates from the leaf by signature and returns the
// last one reached: the certificate whose issuer is missing.
func lastReached(certs []*x509.Certificate) *x509.Certificate {
	cur := certs[0]
	for range certs {
		next := servedIssuer(cur, certs, sigBad)
		if next == nil {
			return cur
		}
		cur = next
	}
	return cur
}

// rootedInServed reports whether one of the verified chains needs nothing the server did
// not send but a root: its anchor is self-issued or was sent too. A trust store holding an
// intermediate (a CA file, say) must not make a chain that omits it look complete.
func rootedInServed(chains [][]*x509.Certificate, served []*x509.Certificate) bool {
	for _, ch := range chains {
		if len(ch) < 2 {
			continue // the leaf itself is in the trust store
		}
		ok := true
		for i, c := range ch[1:] {
			anchor := i == len(ch)-2
			if !sent(c, served) && !(anchor && isSelfIssued(c)) {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

func sent(c *x509.Certificate, served []*x509.Certificate) bool {
	for _, s := range served {
		if s != nil && bytes.Equal(s.Raw, c.Raw) {
			return true
		}
	}
	return false
}

// pool holds the non-nil certificates of certs.
func pool(certs []*x509.Certificate) *x509.CertPool {
	p := x509.NewCertPool()
	for _, c := range certs {
		if c != nil {
			p.AddCert(c)
		}
	}
	return p
}

// pathIgnoringTime reports whether the served certificates, followed from the leaf by
// signature, reach one that a trusted root signed. Each link is judged inside its own
// validity window, so an expired leaf or intermediate does not pass for a missing one.
func pathIgnoringTime(leaf *x509.Certificate, certs []*x509.Certificate, opts x509.VerifyOptions) bool {
	opts.Intermediates = nil
	cur := leaf
	for range certs {
		opts.CurrentTime = cur.NotBefore.Add(cur.NotAfter.Sub(cur.NotBefore) / 2)
		if chains, err := cur.Verify(opts); err == nil && rootedInServed(chains, certs) {
			return true
		}
		if cur = servedIssuer(cur, certs, sigBad); cur == nil {
			return false
		}
	}
	return false
}

// endsInSelfSigned reports whether the served certificates, followed from the leaf by
// signature, reach a self-signed one: the chain is whole even if its root is not trusted.
func endsInSelfSigned(certs []*x509.Certificate) bool {
	cur := certs[0]
	for range certs {
		if isSelfIssued(cur) && signedBy(cur, cur) != sigBad {
			return true
		}
		if cur = servedIssuer(cur, certs, sigBad, sigUnknown); cur == nil {
			return false
		}
	}
	return false
}

// servedIssuer returns the first other served certificate whose signature check on cur
// is none of reject, or nil.
func servedIssuer(cur *x509.Certificate, certs []*x509.Certificate, reject ...sigVerdict) *x509.Certificate {
	for _, c := range certs {
		if c != nil && c != cur && !slices.Contains(reject, signedBy(cur, c)) {
			return c
		}
	}
	return nil
}

// chainOrdered reports whether each served certificate is signed by the next one.
func chainOrdered(certs []*x509.Certificate) bool {
	for i := 0; i+1 < len(certs); i++ {
		if certs[i] == nil || certs[i+1] == nil || signedBy(certs[i], certs[i+1]) == sigBad {
			return false
		}
	}
	return true
}

func isSelfIssued(c *x509.Certificate) bool { return bytes.Equal(c.RawSubject, c.RawIssuer) }

type sigVerdict int

const (
	sigBad     sigVerdict = iota
	sigOK                 // the parent's key verifies the child's signature
	sigUnknown            // names chain but the signature cannot be checked (algorithm or key Go refuses)
)

// signedBy checks child's signature with parent's key. Go refuses SHA-1 and MD5
// signatures outright, so those are verified here directly: the question is who signed,
// not whether the algorithm is acceptable (that is a separate verdict).
func signedBy(child, parent *x509.Certificate) sigVerdict {
	if !bytes.Equal(child.RawIssuer, parent.RawSubject) {
		return sigBad
	}
	err := parent.CheckSignature(child.SignatureAlgorithm, child.RawTBSCertificate, child.Signature)
	if err == nil {
		return sigOK
	}
	var insecure x509.InsecureAlgorithmError
	if !errors.As(err, &insecure) {
		if k, ok := parent.PublicKey.(*rsa.PublicKey); ok && k.N.BitLen() < 1024 {
			return sigUnknown // crypto/rsa refuses keys this small
		}
		return sigBad
	}
	h := hashOf(child.SignatureAlgorithm)
	if h == 0 || !h.Available() {
		return sigUnknown
	}
	hh := h.New()
	hh.Write(child.RawTBSCertificate)
	digest := hh.Sum(nil)
	switch k := parent.PublicKey.(type) {
	case *rsa.PublicKey:
		if err := rsa.VerifyPKCS1v15(k, h, digest, child.Signature); err != nil {
			if k.N.BitLen() < 1024 {
				return sigUnknown
			}
			return sigBad
		}
		return sigOK
	case *ecdsa.PublicKey:
		if ecdsa.VerifyASN1(k, digest, child.Signature) {
			return sigOK
		}
		return sigBad
	}
	return sigUnknown
}

// hashOf names the digest of a signature algorithm, 0 when unknown.
func hashOf(a x509.SignatureAlgorithm) crypto.Hash {
	switch a {
	case x509.MD5WithRSA:
		return crypto.MD5
	case x509.SHA1WithRSA, x509.DSAWithSHA1, x509.ECDSAWithSHA1:
		return crypto.SHA1
	case x509.SHA256WithRSA, x509.SHA256WithRSAPSS, x509.DSAWithSHA256, x509.ECDSAWithSHA256:
		return crypto.SHA256
	case x509.SHA384WithRSA, x509.SHA384WithRSAPSS, x509.ECDSAWithSHA384:
		return crypto.SHA384
	case x509.SHA512WithRSA, x509.SHA512WithRSAPSS, x509.ECDSAWithSHA512:
		return crypto.SHA512
	}
	return 0
}

// keyInfo names the public key as SSL Labs does: algorithm, size in bits and, for RSA,
// the public exponent.
func keyInfo(c *x509.Certificate) (alg string, bits, exponent int) {
	switch k := c.PublicKey.(type) {
	case *rsa.PublicKey:
		return "RSA", k.N.BitLen(), k.E
	case *ecdsa.PublicKey:
		return "EC", k.Curve.Params().BitSize, 0
	case ed25519.PublicKey:
		return "Ed25519", 256, 0
	case *dsa.PublicKey:
		return "DSA", k.P.BitLen(), 0
	}
	return c.PublicKeyAlgorithm.String(), 0, 0
}

func sans(c *x509.Certificate) []string {
	out := append([]string(nil), c.DNSNames...)
	for _, ip := range c.IPAddresses {
		out = append(out, ip.String())
	}
	return out
}

func timePtr(t time.Time) *time.Time {
	t = t.UTC()
	return &t
}
