package probe

import (
	"bufio"
	"cmp"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"slices"
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
	// Addr, when valid, is the address measured instead of what Host resolves to (a
	// name pinned with --resolve, for names no resolver knows).
	Addr netip.Addr
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

// ParseTargetLine reads one line of a targets file: "host[:port]", optionally followed,
// after blanks, by the server name to send and match ("127.0.0.1:8443 expired.lab.test":
// the line carries the address, the name says which site). A missing port is
// defaultPort.
func ParseTargetLine(line string, defaultPort int) (Target, error) {
	fields := strings.Fields(line)
	switch len(fields) {
	case 0:
		return Target{}, errors.New("empty target")
	case 1, 2:
	default:
		return Target{}, fmt.Errorf("target line %q: want host[:port] and at most a server name after it", strings.TrimSpace(line))
	}
	t, err := ParseTarget(fields[0], defaultPort)
	if err != nil || len(fields) == 1 {
		return t, err
	}
	sni := strings.ToLower(strings.TrimSuffix(fields[1], "."))
	if _, err := netip.ParseAddr(sni); err == nil || !validHostname(sni) {
		return Target{}, fmt.Errorf("target line %q: server name %q is not a host name", strings.TrimSpace(line), fields[1])
	}
	t.SNI = sni
	return t, nil
}

// Pin is one --resolve entry: connections to Host:Port go to Addr.
type Pin struct {
	Host string
	Port int
	Addr netip.Addr
}

// ParsePin reads curl's --resolve form "host:port:addr" (an IPv6 address may be in
// brackets: "host:443:[::1]").
func ParsePin(s string) (Pin, error) {
	host, rest, ok := strings.Cut(s, ":")
	portStr, addrStr, ok2 := strings.Cut(rest, ":")
	if !ok || !ok2 {
		return Pin{}, fmt.Errorf("resolve %q: want host:port:address", s)
	}
	port, err := strconv.Atoi(portStr)
	if err != nil || port < 1 || port > 65535 {
		return Pin{}, fmt.Errorf("resolve %q: port %q is not a number from 1 to 65535", s, portStr)
	}
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	if !validHostname(host) {
		return Pin{}, fmt.Errorf("resolve %q: %q is not a host name", s, host)
	}
	addr, err := netip.ParseAddr(strings.Trim(addrStr, "[]"))
	if err != nil || addr.Zone() != "" {
		return Pin{}, fmt.Errorf("resolve %q: %q is not an IP address", s, addrStr)
	}
	return Pin{Host: host, Port: port, Addr: addr.Unmap()}, nil
}

// PinAll sets Addr on every target that a pin names (by host and port) and returns how
// many pins named no target.
func PinAll(targets []Target, pins []Pin) (unused int) {
	for _, p := range pins {
		used := false
		for i := range targets {
			if targets[i].Host == p.Host && targets[i].Port == p.Port {
				targets[i].Addr, used = p.Addr, true
			}
		}
		if !used {
			unused++
		}
	}
	return unused
}

// IsRankedList reports whether the first line of b that is not blank looks like a
// popularity list: the header "rank,domain", or a rank and a domain ("1,example.org").
func IsRankedList(b []byte) bool {
	sc := bufio.NewScanner(strings.NewReader(string(b)))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		rank, domain, ok := strings.Cut(line, ",")
		if !ok || strings.Contains(domain, ",") {
			return false
		}
		if strings.EqualFold(rank, "rank") && strings.EqualFold(domain, "domain") {
			return true
		}
		_, err := strconv.Atoi(rank)
		return err == nil
	}
	return false
}

// ReadRankedList reads a popularity list as the Tranco, Umbrella and similar lists
// publish it: CSV rows of "rank,domain", with or without a "rank,domain" header. It
// returns the top domains (all when top is 0), best rank first, each on port; a domain
// listed twice keeps its best rank. Any bad row fails the read, naming name:line.
func ReadRankedList(r io.Reader, name string, top, port int) ([]Target, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = 2
	type entry struct {
		rank int
		t    Target
	}
	var list []entry
	best := map[string]int{}
	for first := true; ; first = false {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err) // csv.ParseError names the line
		}
		line, _ := cr.FieldPos(0)
		rankStr, domain := strings.TrimSpace(rec[0]), strings.TrimSpace(rec[1])
		if first && strings.EqualFold(rankStr, "rank") {
			continue
		}
		rank, err := strconv.Atoi(rankStr)
		if err != nil || rank < 1 {
			return nil, fmt.Errorf("%s:%d: rank %q is not a whole number from 1", name, line, rankStr)
		}
		if strings.Contains(domain, ":") || !validHostname(domain) {
			return nil, fmt.Errorf("%s:%d: domain %q is not a host name", name, line, domain)
		}
		t := Target{Host: strings.ToLower(strings.TrimSuffix(domain, ".")), Port: port}
		if i, ok := best[t.Host]; ok {
			list[i].rank = min(list[i].rank, rank)
			continue
		}
		best[t.Host] = len(list)
		list = append(list, entry{rank, t})
	}
	slices.SortStableFunc(list, func(a, b entry) int { return cmp.Compare(a.rank, b.rank) })
	if top > 0 && len(list) > top {
		list = list[:top]
	}
	out := make([]Target, len(list))
	for i, e := range list {
		out[i] = e.t
	}
	return out, nil
}
