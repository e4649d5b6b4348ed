package certcheck

import (
	"context"
	"crypto/x509"
	"time"

	"github.com/mhealthsec/mhealthsec/probe/check"
	"github.com/mhealthsec/mhealthsec/probe/result"
)

// Checker is Measure as a check.Check, with what the chain is judged against. Requests
// to the URLs the certificate names go through the endpoint's Fetcher, and what its
// policy refused is added to the certificate's notes. An error (no handshake reached the
// Certificate message) leaves r.Certificate null.
type Checker struct {
	// Roots, RootCerts and Now are Config's.
	Roots     *x509.CertPool
	RootCerts []*x509.Certificate
	Now       func() time.Time
	// NoAIA keeps a chain that lacks its issuer as served, instead of completing it from
	// the caIssuers URLs of AIA.
	NoAIA bool
}

var _ check.Check = Checker{}

// Name is "certificate".
func (Checker) Name() string { return "certificate" }

// Run fills r.Certificate.
func (c Checker) Run(ctx context.Context, e check.Endpoint, r *result.Result) error {
	cfg := Config{
		Dial:      e.Dial,
		SNI:       e.SNI,
		Hostname:  e.Host,
		Roots:     c.Roots,
		RootCerts: c.RootCerts,
		Now:       c.Now,
		Timeout:   e.Timeout,
	}
	if e.Fetcher != nil {
		cfg.Fetcher = e.Fetcher
		if !c.NoAIA {
			cfg.FetchIssuer = HTTPFetcher{Fetcher: e.Fetcher}.Fetch
		}
	}
	out, err := Measure(ctx, cfg)
	if err != nil {
		return err
	}
	if e.Fetcher != nil {
		out.Notes = append(out.Notes, e.Fetcher.Refused()...)
	}
	r.Certificate = out
	return nil
}
