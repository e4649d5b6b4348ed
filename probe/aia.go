package probe

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"strconv"

	"github.com/mhealthsec/mhealthsec/probe/certcheck"
)

// fetchIssuer is what certcheck completes a chain that lacks its issuer with: the
// caIssuers URLs of AIA, fetched over plain HTTP through the scanner's own dial, so the
// rate and host limits and loopback-only apply to them as to every connection. Nil when
// Config.NoAIA.
func (s *Scanner) fetchIssuer(measurement context.Context) certcheck.FetchFunc {
	if s.cfg.NoAIA {
		return nil
	}
	f := certcheck.HTTPFetcher{
		Timeout: s.cfg.ReadTimeout,
		Dial: func(ctx context.Context, _, hostport string) (net.Conn, error) {
			addr, err := s.resolveHostPort(ctx, hostport)
			if err != nil {
				return nil, err
			}
			return s.dial(ctx, measurement, addr)
		},
	}
	return f.Fetch
}

// resolveHostPort turns the "host:port" of a URL into the first address the resolver
// gives.
func (s *Scanner) resolveHostPort(ctx context.Context, hostport string) (netip.AddrPort, error) {
	host, portStr, err := net.SplitHostPort(hostport)
	if err != nil {
		return netip.AddrPort{}, err
	}
	port, err := strconv.ParseUint(portStr, 10, 16)
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("port %q: %w", portStr, err)
	}
	if a, err := netip.ParseAddr(host); err == nil {
		return netip.AddrPortFrom(a.Unmap(), uint16(port)), nil
	}
	addrs, err := s.cfg.Resolver.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("resolve %s: %w", host, err)
	}
	if len(addrs) == 0 {
		return netip.AddrPort{}, &net.DNSError{Err: "no address", Name: host, IsNotFound: true}
	}
	return netip.AddrPortFrom(addrs[0].Unmap(), uint16(port)), nil
}
