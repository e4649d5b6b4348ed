// Package fetchpolicy decides where the probe may go when a scanned server chooses the
// URL: the caIssuers, OCSP and CRL URLs in its certificate, the Location of its
// redirects, anything added later. A hostile server could otherwise point them at the
// scanning machine's neighbourhood (10.0.0.1, 169.254.169.254 cloud metadata,
// localhost:8080/admin, a ULA, or a public name resolving to one of those) and use the
// probe as its proxy.
//
// The rule is one: the address dialled, after resolution, must be in the same class as the
// scanned target's address (Classify). A public target leads to public addresses only; a
// loopback or private target (the lab, an intranet study) also to its own class. Only
// http:// URLs, ports 80, 443 and the target's own. Policy.Allow widens the rule for
// prefixes the researcher names. Fetcher applies it in its dialer: it resolves the name
// once, checks the addresses, and dials the address it checked (no second lookup a
// rebinding DNS server could answer differently).
package fetchpolicy

import (
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
)

// Policy says where the server-chosen fetches of one measurement may go.
type Policy struct {
	// Target is the scanned endpoint's address and port. The zero value allows public
	// addresses on ports 80 and 443 only.
	Target netip.AddrPort
	// Allow widens the policy: an address inside one of these prefixes may be fetched,
	// whatever its class, at any port (--allow-fetch-to).
	Allow []netip.Prefix
}

// The rules a fetch can be refused by, as named in RefusedError and the result's notes.
const (
	RuleURL     = "url"     // not an absolute URL with a host, or with user info
	RuleScheme  = "scheme"  // only http://
	RulePort    = "port"    // ports 80, 443 and the target's own
	RuleAddress = "address" // the address's class is not the target's
	RuleHops    = "hops"    // too many redirects
)

// RefusedError is a fetch the policy did not allow; no connection was attempted.
type RefusedError struct {
	URL  string // the URL refused (the redirect target for a redirect), if known
	Rule string // one of the Rule constants
	Why  string
}

// Error leaves the URL out: the caller names what it fetched (and a redirect's error
// says where it was redirected to).
func (e *RefusedError) Error() string {
	return "refused by the fetch policy (rule " + e.Rule + "): " + e.Why
}

// IsRefused reports whether err is, or wraps, a refusal by the policy.
func IsRefused(err error) bool {
	var re *RefusedError
	return errors.As(err, &re)
}

// AllowedClasses are the address classes fetches may reach: public, and the target's own
// class when it is loopback, private, link-local or CGNAT.
func (p Policy) AllowedClasses() []Class {
	switch c := Classify(p.Target.Addr()); c {
	case Loopback, Private, LinkLocal, CGNAT:
		return []Class{Public, c}
	}
	return []Class{Public}
}

// CheckURL checks what can be checked before resolving: an absolute http:// URL with a
// host and no user info, and, for an IP literal host, its address and port.
func (p Policy) CheckURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, &RefusedError{URL: raw, Rule: RuleURL, Why: "not a URL"}
	}
	switch {
	case !strings.EqualFold(u.Scheme, "http"):
		return nil, &RefusedError{URL: raw, Rule: RuleScheme, Why: fmt.Sprintf("scheme %q: only http:// is fetched", u.Scheme)}
	case u.Host == "" || u.Hostname() == "":
		return nil, &RefusedError{URL: raw, Rule: RuleURL, Why: "no host"}
	case u.User != nil:
		return nil, &RefusedError{URL: raw, Rule: RuleURL, Why: "user info in the URL"}
	}
	port := 80
	if ps := u.Port(); ps != "" {
		n, err := strconv.Atoi(ps)
		if err != nil || n < 1 || n > 65535 {
			return nil, &RefusedError{URL: raw, Rule: RulePort, Why: fmt.Sprintf("port %q", ps)}
		}
		port = n
	}
	if a, err := netip.ParseAddr(u.Hostname()); err == nil {
		if err := p.CheckAddr(netip.AddrPortFrom(a, uint16(port))); err != nil {
			err.(*RefusedError).URL = raw
			return nil, err
		}
	}
	return u, nil
}

// CheckAddr checks an address about to be dialled: its class must be allowed and its
// port 80, 443 or the target's, unless Allow holds it. The error is a *RefusedError.
func (p Policy) CheckAddr(ap netip.AddrPort) error {
	a := ap.Addr().WithZone("")
	for _, pre := range p.Allow {
		if pre.Contains(a) || a.Is4In6() && pre.Contains(a.Unmap()) {
			return nil
		}
	}
	c := Classify(a)
	allowed := p.AllowedClasses()
	ok := false
	for _, ac := range allowed {
		ok = ok || c == ac
	}
	if !ok {
		return &RefusedError{Rule: RuleAddress, Why: fmt.Sprintf("%s is %s, the target %s is %s (allowed: %s)",
			a, c, p.Target.Addr(), Classify(p.Target.Addr()), joinClasses(allowed))}
	}
	switch port := ap.Port(); {
	case port == 80, port == 443, p.Target.IsValid() && port == p.Target.Port():
		return nil
	default:
		return &RefusedError{Rule: RulePort, Why: fmt.Sprintf("port %d of %s: only 80, 443 and the target's port %d", port, a, p.Target.Port())}
	}
}

func joinClasses(cs []Class) string {
	s := make([]string, len(cs))
	for i, c := range cs {
		s[i] = c.String()
	}
	return strings.Join(s, ", ")
}

// ParseAllow reads --allow-fetch-to values: CIDR prefixes or single addresses.
func ParseAllow(vals []string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, v := range vals {
		for _, f := range strings.Split(v, ",") {
			f = strings.TrimSpace(f)
			if f == "" {
				continue
			}
			if a, err := netip.ParseAddr(f); err == nil {
				out = append(out, netip.PrefixFrom(a, a.BitLen()))
				continue
			}
			p, err := netip.ParsePrefix(f)
			if err != nil {
				return nil, fmt.Errorf("%q: not a CIDR prefix or an address", f)
			}
			out = append(out, p.Masked())
		}
	}
	return out, nil
}
