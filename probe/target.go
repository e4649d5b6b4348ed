package probe

import (
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
)

// Family restricts which addresses of a host are measured.
type Family int

// Address families.
const (
	AnyFamily Family = iota
	IPv4
	IPv6
)

func (f Family) network() string {
	switch f {
	case IPv4:
		return "ip4"
	case IPv6:
		return "ip6"
	}
	return "ip"
}

// Target is one endpoint to measure: a host name or IP literal and a TLS port.
type Target struct {
	Host string
	Port int
	// SNI overrides the server name sent; empty means Host (none for IP literals).
	SNI    string
	Family Family
	// HTTPPort is the port of the plain-HTTP check; zero means the scanner's default.
	HTTPPort int
}

// String is the target key of the result ("host:port", "[2001:db8::1]:443"); resume
// matches on it.
func (t Target) String() string { return net.JoinHostPort(t.Host, strconv.Itoa(t.Port)) }

// serverName is the SNI to send: the override, else the host unless it is an IP literal.
func (t Target) serverName() string {
	if t.SNI != "" {
		return t.SNI
	}
	if _, err := netip.ParseAddr(t.Host); err == nil {
		return ""
	}
	return t.Host
}

// ParseTarget reads "host", "host:port", "1.2.3.4:443", "[2001:db8::1]:443" or a bare
// IPv6 literal. A missing port is defaultPort.
func ParseTarget(s string, defaultPort int) (Target, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Target{}, fmt.Errorf("empty target")
	}
	if strings.Contains(s, "://") {
		return Target{}, fmt.Errorf("target %q: want host[:port], not a URL", s)
	}
	// A bare IPv6 literal has colons but no brackets and no port.
	if a, err := netip.ParseAddr(s); err == nil {
		if a.Zone() != "" {
			return Target{}, fmt.Errorf("target %q: zoned addresses are not supported", s)
		}
		return Target{Host: a.String(), Port: defaultPort}, nil
	}
	host, portStr := s, ""
	if strings.HasPrefix(s, "[") || strings.Count(s, ":") == 1 {
		h, p, err := net.SplitHostPort(s)
		if err != nil {
			if !strings.HasPrefix(s, "[") || !strings.HasSuffix(s, "]") {
				return Target{}, fmt.Errorf("target %q: %w", s, err)
			}
			h = strings.Trim(s, "[]") // "[::1]" without a port
		}
		host, portStr = h, p
	}
	port := defaultPort
	if portStr != "" {
		n, err := strconv.Atoi(portStr)
		if err != nil || n < 1 || n > 65535 {
			return Target{}, fmt.Errorf("target %q: port %q is not a number from 1 to 65535", s, portStr)
		}
		port = n
	}
	if a, err := netip.ParseAddr(host); err == nil {
		if a.Zone() != "" {
			return Target{}, fmt.Errorf("target %q: zoned addresses are not supported", s)
		}
		return Target{Host: a.String(), Port: port}, nil
	}
	if strings.HasPrefix(s, "[") {
		return Target{}, fmt.Errorf("target %q: %q in brackets is not an IPv6 address", s, host)
	}
	if !validHostname(host) {
		return Target{}, fmt.Errorf("target %q: %q is not a host name", s, host)
	}
	return Target{Host: strings.ToLower(strings.TrimSuffix(host, ".")), Port: port}, nil
}

// validHostname accepts LDH labels (and underscores, which real service names use).
func validHostname(h string) bool {
	h = strings.TrimSuffix(h, ".")
	if h == "" || len(h) > 253 {
		return false
	}
	for _, label := range strings.Split(h, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
				return false
			}
		}
	}
	return true
}
