package certcheck

import (
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
	"golang.org/x/crypto/ocsp"

	"github.com/mhealthsec/mhealthsec/probe/result"
)

// Fetcher makes the HTTP requests to the URLs a certificate names (OCSP responder, CRL).
// probe's *fetchpolicy.Fetcher is one: it holds every such request to the fetch policy.
type Fetcher interface {
	Get(ctx context.Context, url string, max int64) ([]byte, error)
	Post(ctx context.Context, url, contentType string, body []byte, max int64) ([]byte, error)
}

// Bounds on revocation checking. The URLs come from the scanned server's certificate.
const (
	// MaxOCSPBytes bounds an OCSP response; a real one is 0.5-3 KiB.
	MaxOCSPBytes = 64 << 10
	// MaxCRLBytes bounds a CRL; the largest public CAs' CRLs are a few MiB.
	MaxCRLBytes = 16 << 20
	// maxRevocationURLs is how many OCSP and how many CRL URLs of the leaf are tried.
	maxRevocationURLs = 2
	// clockSkew is the slack on an OCSP response's or CRL's validity window.
	clockSkew = 5 * time.Minute
)

// OIDs of the SignedCertificateTimestampList (RFC 6962 3.3) in a certificate and in an
// OCSP single response.
var (
	oidSCTCertificate = []int{1, 3, 6, 1, 4, 1, 11129, 2, 4, 2}
	oidSCTOCSP        = []int{1, 3, 6, 1, 4, 1, 11129, 2, 4, 5}
)

// servedNotePrefixes begin the notes checkServed adds; ChainNotes leaves them out.
var servedNotePrefixes = []string{"revocation: ", "ocsp_stapling, sct: "}

// ChainNotes returns the notes about the chain's verdicts, without those about
// revocation, stapling and SCTs.
func ChainNotes(notes []string) []string {
	var out []string
	for _, n := range notes {
		if !slices.ContainsFunc(servedNotePrefixes, func(p string) bool { return strings.HasPrefix(n, p) }) {
			out = append(out, n)
		}
	}
	return out
}

// checkServed fills what the handshake and the leaf's URLs tell beyond the chain:
// revocation (OCSP, then CRL), the stapled OCSP response and the SCTs. Each is null with a
// note when it could not be measured.
func checkServed(ctx context.Context, cfg Config, s served, out *result.Certificate) {
	leaf, err := x509.ParseCertificate(s.chain[0])
	if err != nil {
		return // CheckContext refused it already
	}
	issuer := findIssuer(leaf, s.chain[1:], cfg)
	if issuer == nil {
		issuer = aiaIssuer(ctx, cfg, leaf)
	}

	rev, note := checkRevocation(ctx, cfg, leaf, issuer)
	out.Revocation = rev
	if note != "" {
		out.Notes = append(out.Notes, note)
	}
	if rev != nil {
		switch rev.Status {
		case result.RevocationGood:
			out.Revoked = new(false)
		case result.RevocationRevoked:
			out.Revoked = new(true)
		}
	}

	if !s.handshook {
		out.Notes = append(out.Notes, "ocsp_stapling, sct: not measured: "+s.unmeasured)
		return
	}
	var stapled *ocsp.Response
	out.OCSPStapling, stapled = checkStaple(cfg, s.staple, leaf, issuer)
	out.SCT = countSCTs(leaf, s.scts, stapled)
}

// findIssuer returns the certificate that signed leaf: a served one, else the root or
// intermediate a verification with the trusted roots finds; nil when neither does.
func findIssuer(leaf *x509.Certificate, rest [][]byte, cfg Config) *x509.Certificate {
	inter := x509.NewCertPool()
	for _, der := range rest {
		c, err := x509.ParseCertificate(der)
		if err != nil {
			continue
		}
		if signedBy(leaf, c) == sigOK {
			return c
		}
		inter.AddCert(c)
	}
	chains, err := leaf.Verify(x509.VerifyOptions{
		Roots: cfg.Roots, Intermediates: inter,
		CurrentTime: leaf.NotBefore.Add(leaf.NotAfter.Sub(leaf.NotBefore) / 2),
		KeyUsages:   []x509.ExtKeyUsage{x509.ExtKeyUsageAny},
	})
	if err != nil || len(chains) == 0 || len(chains[0]) < 2 {
		return nil
	}
	return chains[0][1]
}

// aiaIssuer fetches the leaf's issuer from its caIssuers URLs, as chain completion did,
// for a chain served without it; nil when fetching is off or nothing there signed leaf.
func aiaIssuer(ctx context.Context, cfg Config, leaf *x509.Certificate) *x509.Certificate {
	if cfg.FetchIssuer == nil {
		return nil
	}
	urls := leaf.IssuingCertificateURL
	for _, u := range urls[:min(len(urls), maxAIAURLs)] {
		certs, err := fetchIssuers(ctx, cfg, u)
		if err != nil {
			continue
		}
		for _, c := range certs {
			if signedBy(leaf, c) == sigOK {
				return c
			}
		}
	}
	return nil
}

// checkRevocation asks the leaf's OCSP responder (RFC 6960, POST over HTTP) and, when
// no responder answers usably, its CRL. It returns nil and a note saying why when the
// status could not be learned.
func checkRevocation(ctx context.Context, cfg Config, leaf, issuer *x509.Certificate) (*result.Revocation, string) {
	ocspURLs, crlURLs := leaf.OCSPServer, leaf.CRLDistributionPoints
	switch {
	case len(ocspURLs) == 0 && len(crlURLs) == 0:
		return nil, "revocation: not checked: the leaf names no OCSP responder and no CRL"
	case cfg.Fetcher == nil:
		return nil, "revocation: not checked: fetching is off"
	case issuer == nil:
		return nil, "revocation: not checked: the leaf's issuer is not known, and OCSP requests and CRL signatures need it"
	}
	rev := &result.Revocation{CRLURLs: crlURLs}
	if len(ocspURLs) > 0 {
		rev.OCSPURL = ocspURLs[0]
	}
	var why []string
	for _, u := range ocspURLs[:min(len(ocspURLs), maxRevocationURLs)] {
		status, revokedAt, err := queryOCSP(ctx, cfg, u, leaf, issuer)
		if err != nil {
			why = append(why, fmt.Sprintf("OCSP %s: %v", u, err))
			continue
		}
		rev.OCSPURL, rev.Method, rev.Status, rev.RevokedAt = u, "ocsp", status, revokedAt
		rev.CheckedAt = cfg.now().UTC().Truncate(time.Second)
		return rev, ""
	}
	for _, u := range crlURLs[:min(len(crlURLs), maxRevocationURLs)] {
		status, revokedAt, err := checkCRL(ctx, cfg, u, leaf, issuer)
		if err != nil {
			why = append(why, fmt.Sprintf("CRL %s: %v", u, err))
			continue
		}
		rev.Method, rev.Status, rev.RevokedAt = "crl", status, revokedAt
		rev.CheckedAt = cfg.now().UTC().Truncate(time.Second)
		if len(why) > 0 {
			return rev, "revocation: from the CRL, because " + strings.Join(why, "; ")
		}
		return rev, ""
	}
	return nil, "revocation: not checked: " + strings.Join(why, "; ")
}

func queryOCSP(ctx context.Context, cfg Config, url string, leaf, issuer *x509.Certificate) (string, *time.Time, error) {
	req, err := ocsp.CreateRequest(leaf, issuer, nil)
	if err != nil {
		return "", nil, fmt.Errorf("build request: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.timeout())
	defer cancel()
	body, err := cfg.Fetcher.Post(ctx, url, "application/ocsp-request", req, MaxOCSPBytes)
	if err != nil {
		return "", nil, err
	}
	resp, err := parseOCSP(body, leaf, issuer, cfg.now())
	if err != nil {
		return "", nil, err
	}
	return ocspStatus(resp), revokedAt(resp), nil
}

// parseOCSP reads an OCSP response for leaf, checks its signature (by issuer or a
// responder issuer delegated) and that now is inside its validity window.
func parseOCSP(der []byte, leaf, issuer *x509.Certificate, now time.Time) (*ocsp.Response, error) {
	// x/crypto/ocsp, given the issuer, wants an embedded certificate to be a delegated
	// responder's; responders that sign as the CA and embed its certificate (OpenSSL's
	// does) fail that. So parse without it and check the signer here.
	resp, err := ocsp.ParseResponseForCert(der, leaf, nil)
	if err != nil {
		return nil, fmt.Errorf("response: %w", err)
	}
	if err := checkOCSPSigner(resp, issuer); err != nil {
		return nil, err
	}
	if resp.ThisUpdate.After(now.Add(clockSkew)) {
		return resp, fmt.Errorf("response not valid before %s", resp.ThisUpdate.UTC().Format(time.RFC3339))
	}
	if !resp.NextUpdate.IsZero() && resp.NextUpdate.Before(now.Add(-clockSkew)) {
		return resp, fmt.Errorf("stale response: next update was %s", resp.NextUpdate.UTC().Format(time.RFC3339))
	}
	return resp, nil
}

// checkOCSPSigner accepts a response signed by the issuer itself, or by a delegated
// responder whose certificate the issuer signed for OCSP signing (RFC 6960 4.2.2.2);
// ocsp.ParseResponseForCert checked the signature against an embedded certificate.
func checkOCSPSigner(resp *ocsp.Response, issuer *x509.Certificate) error {
	if resp.CheckSignatureFrom(issuer) == nil {
		return nil
	}
	rc := resp.Certificate
	if rc == nil {
		return errors.New("response not signed by the leaf's issuer")
	}
	if err := rc.CheckSignatureFrom(issuer); err != nil {
		return fmt.Errorf("responder certificate %q not issued by the leaf's issuer: %w", rc.Subject, err)
	}
	if !slices.Contains(rc.ExtKeyUsage, x509.ExtKeyUsageOCSPSigning) {
		return fmt.Errorf("responder certificate %q not delegated for OCSP signing", rc.Subject)
	}
	return nil
}

func ocspStatus(r *ocsp.Response) string {
	switch r.Status {
	case ocsp.Good:
		return result.RevocationGood
	case ocsp.Revoked:
		return result.RevocationRevoked
	}
	return result.RevocationUnknown
}

func revokedAt(r *ocsp.Response) *time.Time {
	if r.Status != ocsp.Revoked {
		return nil
	}
	return new(r.RevokedAt.UTC())
}

func checkCRL(ctx context.Context, cfg Config, url string, leaf, issuer *x509.Certificate) (string, *time.Time, error) {
	ctx, cancel := context.WithTimeout(ctx, cfg.timeout())
	defer cancel()
	body, err := cfg.Fetcher.Get(ctx, url, MaxCRLBytes)
	if err != nil {
		return "", nil, err
	}
	crl, err := x509.ParseRevocationList(body)
	if err != nil {
		return "", nil, fmt.Errorf("parse: %w", err)
	}
	if !bytes.Equal(crl.RawIssuer, issuer.RawSubject) {
		return "", nil, fmt.Errorf("CRL of %q, not of the leaf's issuer %q", crl.Issuer, issuer.Subject)
	}
	if err := crl.CheckSignatureFrom(issuer); err != nil {
		return "", nil, fmt.Errorf("signature: %w", err)
	}
	now := cfg.now()
	if !crl.NextUpdate.IsZero() && crl.NextUpdate.Before(now.Add(-clockSkew)) {
		return "", nil, fmt.Errorf("stale CRL: next update was %s", crl.NextUpdate.UTC().Format(time.RFC3339))
	}
	for _, e := range crl.RevokedCertificateEntries {
		if e.SerialNumber != nil && e.SerialNumber.Cmp(leaf.SerialNumber) == 0 {
			return result.RevocationRevoked, new(e.RevocationTime.UTC()), nil
		}
	}
	return result.RevocationGood, nil, nil
}

// checkStaple judges the OCSP response stapled to the handshake, and returns it parsed
// (for its SCTs) when it is one for the leaf.
func checkStaple(cfg Config, staple []byte, leaf, issuer *x509.Certificate) (*result.OCSPStapling, *ocsp.Response) {
	out := &result.OCSPStapling{Offered: len(staple) > 0}
	if !out.Offered {
		return out, nil
	}
	if issuer == nil {
		// Without the issuer the signature cannot be checked: read the status only.
		resp, err := ocsp.ParseResponseForCert(staple, leaf, nil)
		if err != nil {
			out.Error = err.Error()
			return out, nil
		}
		out.Status = new(ocspStatus(resp))
		out.Error = "validity not checked: the leaf's issuer is not known"
		return out, resp
	}
	resp, err := parseOCSP(staple, leaf, issuer, cfg.now())
	out.Valid = new(err == nil)
	if err != nil {
		out.Error = err.Error()
	}
	if resp != nil {
		out.Status = new(ocspStatus(resp))
	}
	return out, resp
}

// countSCTs counts the SCTs embedded in the leaf, sent in the TLS extension and carried
// in the stapled OCSP response.
func countSCTs(leaf *x509.Certificate, tlsSCTs [][]byte, stapled *ocsp.Response) *result.SCT {
	out := &result.SCT{Sources: []string{}}
	add := func(n int, source string) {
		if n > 0 {
			out.Count += n
			out.Sources = append(out.Sources, source)
		}
	}
	for _, e := range leaf.Extensions {
		if e.Id.Equal(oidSCTCertificate) {
			add(sctListLen(e.Value), "certificate")
		}
	}
	add(len(tlsSCTs), "tls_extension")
	if stapled != nil {
		for _, e := range stapled.Extensions {
			if e.Id.Equal(oidSCTOCSP) {
				add(sctListLen(e.Value), "ocsp")
			}
		}
	}
	return out
}

// sctListLen counts the SCTs of an extension value: an OCTET STRING holding a TLS
// SignedCertificateTimestampList (a uint16-length list of uint16-length SCTs). Malformed
// input counts as none.
func sctListLen(v []byte) int {
	in := cryptobyte.String(v)
	var inner, list cryptobyte.String
	if !in.ReadASN1(&inner, cbasn1.OCTET_STRING) || !inner.ReadUint16LengthPrefixed(&list) {
		return 0
	}
	n := 0
	for !list.Empty() {
		var sct cryptobyte.String
		if !list.ReadUint16LengthPrefixed(&sct) || sct.Empty() {
			return n
		}
		n++
	}
	return n
}
