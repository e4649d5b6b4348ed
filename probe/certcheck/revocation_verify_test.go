package certcheck

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/ocsp"

	"github.com/mhealthsec/mhealthsec/probe/internal/peertest"
	"github.com/mhealthsec/mhealthsec/probe/pki"
)

// bodyFetcher answers every request with one body: responses crafted to fail one check.
type bodyFetcher []byte

func (b bodyFetcher) Get(context.Context, string, int64) ([]byte, error) { return b, nil }
func (b bodyFetcher) Post(context.Context, string, string, []byte, int64) ([]byte, error) {
	return b, nil
}

// TestRevocationRefusesBadAnswers: an OCSP response or CRL that is not signed by the
// leaf's issuer, is stale, is for another CA, or is garbage gives no status.
func TestRevocationRefusesBadAnswers(t *testing.T) {
	f := newFixture(t)
	other := newFixture(t)
	leaf := f.issue(t, pki.LeafOptions{OCSPServer: []string{"http://ocsp.example/"}}).Leaf
	crlLeaf := f.issue(t, pki.LeafOptions{CRLDistributionPoints: []string{"http://crl.example/x.crl"}}).Leaf
	now := time.Now()
	resp := func(a *pki.Authority, this, next time.Time, serialOf *x509.Certificate) []byte {
		der, err := ocsp.CreateResponse(a.Cert, a.Cert, ocsp.Response{Status: ocsp.Good, SerialNumber: serialOf.SerialNumber,
			ThisUpdate: this, NextUpdate: next}, a.Key)
		if err != nil {
			t.Fatal(err)
		}
		return der
	}
	crl := func(a *pki.Authority, at time.Time) []byte {
		der, err := a.CRL(nil, at, at)
		if err != nil {
			t.Fatal(err)
		}
		return der
	}
	hour := time.Hour
	tests := []struct {
		name string
		leaf *x509.Certificate
		body []byte
		want string
	}{
		{"OCSP sound", leaf, resp(f.inter, now.Add(-hour), now.Add(hour), leaf), ""},
		{"OCSP by another CA", leaf, resp(other.inter, now.Add(-hour), now.Add(hour), leaf), "not signed by the leaf's issuer"},
		{"OCSP stale", leaf, resp(f.inter, now.Add(-48*hour), now.Add(-24*hour), leaf), "stale response"},
		{"OCSP from the future", leaf, resp(f.inter, now.Add(24*hour), now.Add(48*hour), leaf), "response not valid before"},
		{"OCSP for another serial", leaf, resp(f.inter, now.Add(-hour), now.Add(hour), crlLeaf), "response:"},
		{"OCSP garbage", leaf, []byte("garbage"), "response:"},
		{"CRL sound", crlLeaf, crl(f.inter, now), ""},
		// The two test CAs have the same name: the signature tells them apart.
		{"CRL of another CA", crlLeaf, crl(other.inter, now), "signature:"},
		{"CRL stale", crlLeaf, crl(f.inter, now.Add(-48*hour)), "stale CRL"},
		{"CRL garbage", crlLeaf, []byte("garbage"), "parse:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rev, note := checkRevocation(context.Background(), Config{Fetcher: bodyFetcher(tt.body)}, tt.leaf, f.inter.Cert)
			if tt.want == "" {
				if rev == nil || rev.Status != "good" {
					t.Fatalf("revocation %+v, note %q; want good", rev, note)
				}
				return
			}
			if rev != nil || !strings.Contains(note, tt.want) || !strings.HasPrefix(note, "revocation: not checked: ") {
				t.Errorf("revocation %+v, note %q; want null and a note with %q", rev, note, tt.want)
			}
		})
	}
}

// FuzzParseOCSP: arbitrary bytes as an OCSP response never panic and never pass as a
// response signed by the issuer.
func FuzzParseOCSP(f *testing.F) {
	inter := newFixture(f).inter
	c, err := inter.Issue(pki.LeafOptions{})
	if err != nil {
		f.Fatal(err)
	}
	good, err := ocsp.CreateResponse(inter.Cert, inter.Cert, ocsp.Response{Status: ocsp.Good, SerialNumber: c.Leaf.SerialNumber,
		ThisUpdate: time.Now().Add(-time.Hour), NextUpdate: time.Now().Add(time.Hour)}, inter.Key)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add([]byte{0x30, 0x03, 0x0a, 0x01, 0x01})
	f.Fuzz(func(t *testing.T, der []byte) {
		now := time.Now()
		resp, err := parseOCSP(der, c.Leaf, inter.Cert, now)
		if err != nil {
			return
		}
		if resp == nil || resp.SerialNumber.Cmp(c.Leaf.SerialNumber) != 0 || resp.ThisUpdate.After(now.Add(clockSkew)) {
			t.Fatalf("accepted %+v for serial %v", resp, c.Leaf.SerialNumber)
		}
	})
}

// TestRevocationAfterAIA: a leaf served without its intermediate is checked against its
// CRL with the issuer fetched from AIA, as the chain was completed.
func TestRevocationAfterAIA(t *testing.T) {
	f := newFixture(t)
	issuer, err := f.inter.ServeIssuer(pki.DER)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { issuer.Close() })
	var crl atomic.Pointer[[]byte]
	crlSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.Write(*crl.Load()) }))
	t.Cleanup(crlSrv.Close)
	cert := f.issue(t, pki.LeafOptions{OmitIntermediates: true, IssuingCertificateURL: []string{issuer.URL()},
		CRLDistributionPoints: []string{crlSrv.URL + "/x.crl"}})
	body, err := f.inter.CRL([]*x509.Certificate{cert.Leaf}, time.Now().Add(-time.Hour), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	crl.Store(&body)
	fe := loopbackFetcher()
	addr := peertest.ServeGo(t, &tls.Config{Certificates: []tls.Certificate{cert}}, readOne).Addr
	c, err := Measure(context.Background(), Config{Dial: dialer(addr), SNI: "localhost", Roots: f.root.Pool(),
		FetchIssuer: HTTPFetcher{fe}.Fetch, Fetcher: fe})
	if err != nil {
		t.Fatal(err)
	}
	if fmtBool(c.Trusted) != "true" || c.Revocation == nil || c.Revocation.Status != "revoked" || c.Revoked == nil || !*c.Revoked {
		t.Errorf("trusted %s, revocation %+v, revoked %s; notes %q", fmtBool(c.Trusted), c.Revocation, fmtBool(c.Revoked), c.Notes)
	}
}
