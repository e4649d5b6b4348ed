package certcheck

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/mhealthsec/mhealthsec/probe/fetchpolicy"
)

// Limits on completing a chain from Authority Information Access. A scanned server
// chooses these URLs, so every fetch is bounded.
const (
	// MaxIssuerBytes bounds the body at a caIssuers URL; a CA certificate is 1-2 KiB.
	MaxIssuerBytes = 64 << 10
	// maxAIAHops is how many issuers are fetched one after the other (leaf's issuer, its issuer).
	maxAIAHops = 2
	// maxAIAURLs is how many caIssuers URLs of one certificate are tried.
	maxAIAURLs = 2
)

// FetchFunc returns the body served at a caIssuers URL. Config.FetchIssuer is one;
// HTTPFetcher.Fetch is the usual implementation.
type FetchFunc func(ctx context.Context, url string) ([]byte, error)

// HTTPFetcher gets caIssuers URLs through the fetch policy of probe/fetchpolicy: http://
// only (RFC 5280 4.2.2.1: CAs publish their certificates over http, never https, to
// avoid a chicken-and-egg validation loop), to the addresses the policy allows, at most
// MaxIssuerBytes, fetchpolicy.MaxRedirects redirects and its Timeout.
type HTTPFetcher struct{ *fetchpolicy.Fetcher }

// Fetch GETs url and returns its body.
func (h HTTPFetcher) Fetch(ctx context.Context, url string) ([]byte, error) {
	return h.Get(ctx, url, MaxIssuerBytes)
}

// ParseIssuers reads the certificates published at a caIssuers URL: one DER certificate
// (what RFC 5280 asks for and most CAs serve), a DER PKCS#7 certs-only bundle (.p7c), or
// PEM blocks of either. BER with indefinite lengths is not read.
func ParseIssuers(body []byte) ([]*x509.Certificate, error) {
	if len(body) == 0 {
		return nil, errors.New("empty body")
	}
	if bytes.HasPrefix(bytes.TrimSpace(body), []byte("-----BEGIN")) {
		return parsePEMIssuers(body)
	}
	c, derErr := x509.ParseCertificate(body)
	if derErr == nil {
		return []*x509.Certificate{c}, nil
	}
	certs, p7Err := parsePKCS7(body)
	if p7Err == nil {
		return certs, nil
	}
	return nil, fmt.Errorf("neither a DER certificate (%v) nor a PKCS#7 bundle (%v)", derErr, p7Err)
}

func parsePEMIssuers(body []byte) ([]*x509.Certificate, error) {
	var out []*x509.Certificate
	for i := 1; ; i++ {
		var b *pem.Block
		b, body = pem.Decode(body)
		if b == nil {
			break
		}
		switch b.Type {
		case "CERTIFICATE":
			c, err := x509.ParseCertificate(b.Bytes)
			if err != nil {
				return nil, fmt.Errorf("PEM block %d (CERTIFICATE): %w", i, err)
			}
			out = append(out, c)
		case "PKCS7":
			cs, err := parsePKCS7(b.Bytes)
			if err != nil {
				return nil, fmt.Errorf("PEM block %d (PKCS7): %w", i, err)
			}
			out = append(out, cs...)
		}
	}
	if len(out) == 0 {
		return nil, errors.New("PEM without a CERTIFICATE or PKCS7 block")
	}
	return out, nil
}

var oidSignedData = []int{1, 2, 840, 113549, 1, 7, 2}

// parsePKCS7 reads the certificates of a PKCS#7 (RFC 2315) ContentInfo holding
// SignedData; signatures, CRLs and signer infos are ignored.
func parsePKCS7(der []byte) ([]*x509.Certificate, error) {
	in := cryptobyte.String(der)
	var ci, content, sd, certs cryptobyte.String
	var oid cryptobyte.String
	var version int64
	var present bool
	switch {
	case !in.ReadASN1(&ci, cbasn1.SEQUENCE) || !in.Empty():
		return nil, errors.New("ContentInfo: not one DER SEQUENCE")
	case !ci.ReadASN1(&oid, cbasn1.OBJECT_IDENTIFIER):
		return nil, errors.New("ContentInfo.contentType: not an OBJECT IDENTIFIER")
	case !oidEqual(oid, oidSignedData):
		return nil, errors.New("ContentInfo.contentType: not signedData")
	case !ci.ReadASN1(&content, cbasn1.Tag(0).Constructed().ContextSpecific()):
		return nil, errors.New("ContentInfo.content: missing [0]")
	case !content.ReadASN1(&sd, cbasn1.SEQUENCE):
		return nil, errors.New("SignedData: not a SEQUENCE")
	case !sd.ReadASN1Int64WithTag(&version, cbasn1.INTEGER):
		return nil, errors.New("SignedData.version: not an INTEGER")
	case !sd.SkipASN1(cbasn1.SET):
		return nil, errors.New("SignedData.digestAlgorithms: not a SET")
	case !sd.SkipASN1(cbasn1.SEQUENCE):
		return nil, errors.New("SignedData.contentInfo: not a SEQUENCE")
	case !sd.ReadOptionalASN1(&certs, &present, cbasn1.Tag(0).Constructed().ContextSpecific()):
		return nil, errors.New("SignedData.certificates: malformed")
	case !present:
		return nil, errors.New("SignedData.certificates: absent")
	}
	var out []*x509.Certificate
	for i := 1; !certs.Empty(); i++ {
		var raw cryptobyte.String
		var tag cbasn1.Tag
		if !certs.ReadAnyASN1Element(&raw, &tag) {
			return nil, fmt.Errorf("SignedData.certificates[%d]: malformed", i)
		}
		if tag != cbasn1.SEQUENCE {
			continue // an obsolete choice (extendedCertificate, attribute certificate)
		}
		c, err := x509.ParseCertificate(raw)
		if err != nil {
			return nil, fmt.Errorf("SignedData.certificates[%d]: %w", i, err)
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		return nil, errors.New("SignedData.certificates: no X.509 certificate")
	}
	return out, nil
}

// oidEqual compares DER OBJECT IDENTIFIER contents with a dotted OID, without decoding
// arbitrary input into ints.
func oidEqual(der cryptobyte.String, want []int) bool {
	var b cryptobyte.Builder
	b.AddASN1ObjectIdentifier(want)
	enc, err := b.Bytes()
	if err != nil {
		return false
	}
	// enc is tag, length, contents; der holds the contents only.
	return len(enc) > 2 && bytes.Equal(enc[2:], der)
}

// aiaOutcome is what completing a chain from caIssuers URLs found.
type aiaOutcome struct {
	fetched  []*x509.Certificate // every certificate fetched, for path building
	from     []string            // the URLs whose certificates extended the chain
	problems []string            // why a URL did not help
	// cut says where we, not the server, stopped the search: a URL the fetch policy
	// refused, URLs or hops beyond our limits, ctx ended. Empty when the server's URLs
	// were all followed.
	cut []string
}

// completeFromAIA follows caIssuers URLs up from top, the last certificate the served
// chain reaches from the leaf, until a certificate a root signed (or a self-issued one)
// is fetched: at most maxAIAHops issuers, maxAIAURLs URLs each.
func completeFromAIA(ctx context.Context, cfg Config, top *x509.Certificate) aiaOutcome {
	var out aiaOutcome
	tried := map[string]bool{}
	for range maxAIAHops {
		urls := top.IssuingCertificateURL
		if len(urls) == 0 {
			out.problems = append(out.problems, fmt.Sprintf("%q names no caIssuers URL (AIA)", top.Subject.String()))
			return out
		}
		var issuer *x509.Certificate
		for _, u := range urls[:min(len(urls), maxAIAURLs)] {
			if tried[u] {
				continue
			}
			tried[u] = true
			certs, err := fetchIssuers(ctx, cfg, u)
			if err != nil {
				out.problems = append(out.problems, fmt.Sprintf("fetch %s: %v", u, err))
				switch {
				case ctx.Err() != nil:
					out.cut = append(out.cut, fmt.Sprintf("fetch %s: the scan ended (%v)", u, ctx.Err()))
					return out
				case ourRefusal(err):
					out.cut = append(out.cut, fmt.Sprintf("fetch %s %v", u, err))
				}
				continue
			}
			out.fetched = append(out.fetched, certs...)
			for _, c := range certs {
				if signedBy(top, c) == sigOK {
					issuer = c
					break
				}
			}
			if issuer == nil {
				out.problems = append(out.problems, fmt.Sprintf("%s: no certificate there signed %q", u, top.Subject.String()))
				continue
			}
			out.from = append(out.from, u)
			break
		}
		if issuer == nil && len(urls) > maxAIAURLs {
			out.cut = append(out.cut, fmt.Sprintf("%d more caIssuers URLs of %q not tried (at most %d are)",
				len(urls)-maxAIAURLs, top.Subject.String(), maxAIAURLs))
		}
		if ctx.Err() != nil {
			out.cut = append(out.cut, fmt.Sprintf("the scan ended (%v)", ctx.Err()))
			return out
		}
		if issuer == nil {
			return out
		}
		if isSelfIssued(issuer) || rootSigned(issuer, cfg) {
			return out
		}
		top = issuer
	}
	out.cut = append(out.cut, fmt.Sprintf("issuer of %q not fetched: at most %d AIA hops are followed", top.Subject.String(), maxAIAHops))
	return out
}

// ourRefusal reports whether err is the fetch policy refusing a URL that a client could
// have fetched: any rule but url (a URL with no host, or unparsable, which no client can
// fetch: the server's fault, not ours).
func ourRefusal(err error) bool {
	var re *fetchpolicy.RefusedError
	return errors.As(err, &re) && re.Rule != fetchpolicy.RuleURL
}

// fetchIssuers gets and parses one caIssuers URL within the handshake timeout.
func fetchIssuers(ctx context.Context, cfg Config, u string) ([]*x509.Certificate, error) {
	ctx, cancel := context.WithTimeout(ctx, cfg.timeout())
	defer cancel()
	body, err := cfg.FetchIssuer(ctx, u)
	if err != nil {
		return nil, err
	}
	// The fetcher is the caller's: hold it to the same bound.
	if len(body) > MaxIssuerBytes {
		return nil, fmt.Errorf("body larger than %d bytes", MaxIssuerBytes)
	}
	certs, err := ParseIssuers(body)
	if err != nil {
		return nil, fmt.Errorf("parse: %w", err)
	}
	return certs, nil
}

// rootSigned reports whether a trusted root signed c, judged inside c's own validity
// window (the chain's validity is a separate verdict).
func rootSigned(c *x509.Certificate, cfg Config) bool {
	_, err := c.Verify(x509.VerifyOptions{
		Roots:       cfg.Roots,
		CurrentTime: c.NotBefore.Add(c.NotAfter.Sub(c.NotBefore) / 2),
		KeyUsages:   []x509.ExtKeyUsage{x509.ExtKeyUsageAny},
	})
	return err == nil
}

func aiaNote(from []string) string {
	return "chain completed via AIA from " + strings.Join(from, ", ")
}
