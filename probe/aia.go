package probe

import (
	"context"
	"net"
	"net/netip"

	"github.com/mhealthsec/mhealthsec/probe/certcheck"
	"github.com/mhealthsec/mhealthsec/probe/fetchpolicy"
)

// fetcher is the one way to a URL the scanned server chose (AIA caIssuers, OCSP, CRL):
// the fetch policy of probe/fetchpolicy decides, in the dialer, whether the resolved
// address may be reached from ep's, and the address it checked goes to the scanner's own
// dial, so the rate and host limits and loopback-only apply as to every connection.
func (s *Scanner) fetcher(ep endpoint) *fetchpolicy.Fetcher {
	dial := s.serverChosenDial
	if dial == nil {
		dial = s.dial
	}
	return &fetchpolicy.Fetcher{
		Policy: fetchpolicy.Policy{Target: ep.addr, Allow: s.cfg.AllowFetchTo},
		Resolve: func(ctx context.Context, host string) ([]netip.Addr, error) {
			return s.cfg.Resolver.LookupNetIP(ctx, "ip", host)
		},
		Dial: func(ctx context.Context, addr netip.AddrPort) (net.Conn, error) {
			return dial(ctx, ep.ctx, addr)
		},
		Timeout: s.cfg.ReadTimeout,
	}
}

// fetchIssuer is what certcheck completes a chain that lacks its issuer with: the
// caIssuers URLs of AIA, through f. Nil when Config.NoAIA.
func (s *Scanner) fetchIssuer(f *fetchpolicy.Fetcher) certcheck.FetchFunc {
	if s.cfg.NoAIA {
		return nil
	}
	return certcheck.HTTPFetcher{Fetcher: f}.Fetch
}
