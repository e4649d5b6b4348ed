package fetchpolicy

import (
	"net/netip"
	"strconv"
)

// Class is the kind of network an address belongs to, as far as fetching from it is
// concerned.
type Class uint8

// The classes. Public is global unicast; every other class is somewhere a scanned public
// server must not steer the probe to.
const (
	Public        Class = iota
	Loopback            // 127.0.0.0/8, ::1
	Private             // RFC 1918, fc00::/7 (ULA), fec0::/10 (site-local), 64:ff9b:1::/48 (local NAT64)
	LinkLocal           // 169.254.0.0/16 (cloud metadata lives here), fe80::/10
	CGNAT               // 100.64.0.0/10 (RFC 6598, shared address space)
	Multicast           // 224.0.0.0/4, ff00::/8
	Unspecified         // 0.0.0.0/8 ("this network"), ::
	Documentation       // 192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32, 3fff::/20
	Reserved            // 240.0.0.0/4 and broadcast, 192.0.0.0/24, 198.18.0.0/15, 192.88.99.0/24, 100::/64, 2001::/23, ::/96, 5f00::/16
	Invalid             // the zero netip.Addr
)

var classNames = [...]string{
	Public:        "public",
	Loopback:      "loopback",
	Private:       "private",
	LinkLocal:     "link-local",
	CGNAT:         "CGNAT",
	Multicast:     "multicast",
	Unspecified:   "unspecified",
	Documentation: "documentation",
	Reserved:      "reserved",
	Invalid:       "invalid",
}

func (c Class) String() string {
	if int(c) < len(classNames) {
		return classNames[c]
	}
	return "class(" + strconv.Itoa(int(c)) + ")"
}

// prefixes maps special-purpose ranges (IANA IPv4 and IPv6 Special-Purpose Address
// Registries) to their class. Ranges Go's netip methods know (loopback, RFC 1918, ULA,
// link-local, multicast, unspecified) are classified by them first.
var prefixes = []struct {
	p netip.Prefix
	c Class
}{
	{netip.MustParsePrefix("0.0.0.0/8"), Unspecified},
	{netip.MustParsePrefix("100.64.0.0/10"), CGNAT},
	{netip.MustParsePrefix("192.0.0.0/24"), Reserved},
	{netip.MustParsePrefix("192.0.2.0/24"), Documentation},
	{netip.MustParsePrefix("192.88.99.0/24"), Reserved},
	{netip.MustParsePrefix("198.18.0.0/15"), Reserved},
	{netip.MustParsePrefix("198.51.100.0/24"), Documentation},
	{netip.MustParsePrefix("203.0.113.0/24"), Documentation},
	{netip.MustParsePrefix("240.0.0.0/4"), Reserved},
	{netip.MustParsePrefix("64:ff9b:1::/48"), Private},
	{netip.MustParsePrefix("100::/64"), Reserved},
	{netip.MustParsePrefix("2001::/23"), Reserved}, // Teredo, ORCHID, benchmarking, ...
	{netip.MustParsePrefix("2001:db8::/32"), Documentation},
	{netip.MustParsePrefix("3fff::/20"), Documentation},
	{netip.MustParsePrefix("5f00::/16"), Reserved},
	{netip.MustParsePrefix("fec0::/10"), Private},
	{netip.MustParsePrefix("::/96"), Reserved}, // IPv4-compatible, deprecated
}

var (
	nat64   = netip.MustParsePrefix("64:ff9b::/96")
	sixToFo = netip.MustParsePrefix("2002::/16")
)

// Classify says which class a belongs to. IPv6 forms that embed an IPv4 address
// (IPv4-mapped ::ffff:0:0/96, NAT64 64:ff9b::/96, 6to4 2002::/16) take the class of the
// embedded address, so that ::ffff:10.0.0.1 or 2002:a00:1:: is as private as 10.0.0.1.
func Classify(a netip.Addr) Class {
	if !a.IsValid() {
		return Invalid
	}
	a = a.WithZone("")
	if a.Is4In6() {
		return Classify(a.Unmap())
	}
	if a.Is6() {
		b := a.As16()
		switch {
		case nat64.Contains(a):
			return Classify(netip.AddrFrom4([4]byte(b[12:16])))
		case sixToFo.Contains(a):
			if c := Classify(netip.AddrFrom4([4]byte(b[2:6]))); c != Public {
				return c
			}
			return Public
		}
	}
	switch {
	case a.IsUnspecified():
		return Unspecified
	case a.IsLoopback():
		return Loopback
	case a.IsPrivate():
		return Private
	case a.IsLinkLocalUnicast():
		return LinkLocal
	case a.IsMulticast():
		return Multicast
	}
	// The most specific prefix wins (2001:db8::/32 inside 2001::/23 is documentation).
	best, bits := Public, -1
	for _, p := range prefixes {
		if p.p.Contains(a) && p.p.Bits() > bits {
			best, bits = p.c, p.p.Bits()
		}
	}
	return best
}
