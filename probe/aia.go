package probe

import (
	"context"
	"net"
	"net/netip"

	"github.com/mhealthsec/mhealthsec/probe/fetchpolicy"
)

// fetcher is the one way to a URL the scanned server chose (AIA caIssuers, OCSP, CRL):
// the fetch policy of probe/fetchpolicy decides, in the dialer, whether the resolved
// address may be reached from target's, and the address it checked goes to the scanner's
// own dial, so the rate and host limits and loopback-only apply as to every connection.
// Its connections are closed at the latest when measurement ends.
func (s *Scanner) fetcher(measurement context.Context, target netip.AddrPort) *fetchpolicy.Fetcher {
	dial := s.serverChosenDial
	if dial == nil {
		dial = s.dial
	}
	return &fetchpolicy.Fetcher{
		Policy: fetchpolicy.Policy{Target: target, Allow: s.cfg.AllowFetchTo},
		Resolve: func(ctx context.Context, host string) ([]netip.Addr, error) {
			return s.cfg.Resolver.LookupNetIP(ctx, "ip", host)
		},
		Dial: func(ctx context.Context, addr netip.AddrPort) (net.Conn, error) {
			return dial(ctx, measurement, addr)
		},
		Timeout: s.cfg.ReadTimeout,
	}
}
