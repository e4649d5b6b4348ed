package fetchpolicy

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"testing"
)

func TestClassify(t *testing.T) {
	tests := []struct {
		addr string
		want Class
	}{
		{"93.184.216.34", Public},
		{"2606:2800:220:1:248:1893:25c8:1946", Public},
		{"127.0.0.1", Loopback},
		{"127.255.0.9", Loopback},
		{"::1", Loopback},
		{"10.0.0.1", Private},
		{"172.16.5.4", Private},
		{"172.31.255.255", Private},
		{"172.32.0.1", Public},
		{"192.168.1.1", Private},
		{"fd00::1", Private},
		{"fc00::1", Private},
		{"fec0::1", Private},
		{"64:ff9b:1::a00:1", Private},
		{"169.254.169.254", LinkLocal},
		{"fe80::1", LinkLocal},
		{"fe80::1%eth0", LinkLocal},
		{"100.64.0.1", CGNAT},
		{"100.127.255.255", CGNAT},
		{"100.128.0.1", Public},
		{"224.0.0.1", Multicast},
		{"239.255.255.250", Multicast},
		{"ff02::1", Multicast},
		{"0.0.0.0", Unspecified},
		{"0.1.2.3", Unspecified},
		{"::", Unspecified},
		{"192.0.2.1", Documentation},
		{"198.51.100.7", Documentation},
		{"203.0.113.9", Documentation},
		{"2001:db8::1", Documentation},
		{"3fff::1", Documentation},
		{"240.0.0.1", Reserved},
		{"255.255.255.255", Reserved},
		{"192.0.0.8", Reserved},
		{"198.18.0.1", Reserved},
		{"192.88.99.1", Reserved},
		{"100::1", Reserved},
		{"2001::1", Reserved},    // Teredo
		{"2001:20::1", Reserved}, // ORCHIDv2
		{"5f00::1", Reserved},
		{"::10.0.0.1", Reserved}, // IPv4-compatible, deprecated
		// IPv6 forms that embed an IPv4 address take its class.
		{"::ffff:10.0.0.1", Private},
		{"::ffff:127.0.0.1", Loopback},
		{"::ffff:169.254.169.254", LinkLocal},
		{"::ffff:93.184.216.34", Public},
		{"64:ff9b::a9fe:a9fe", LinkLocal}, // NAT64 of 169.254.169.254
		{"64:ff9b::7f00:1", Loopback},
		{"64:ff9b::5db8:d822", Public},
		{"2002:a00:1::1", Private}, // 6to4 of 10.0.0.1
		{"2002:7f00:1::", Loopback},
		{"2002:5db8:d822::1", Public},
	}
	for _, tt := range tests {
		if got := Classify(netip.MustParseAddr(tt.addr)); got != tt.want {
			t.Errorf("Classify(%s) = %s, want %s", tt.addr, got, tt.want)
		}
	}
	if got := Classify(netip.Addr{}); got != Invalid {
		t.Errorf("Classify(zero) = %s, want invalid", got)
	}
}

var (
	publicTarget   = netip.MustParseAddrPort("93.184.216.34:443")
	loopbackTarget = netip.MustParseAddrPort("127.0.0.1:8443")
	privateTarget  = netip.MustParseAddrPort("10.1.2.3:443")
)

// refusedFromPublic is one address of every range a public target must not lead to.
var refusedFromPublic = []string{
	"127.0.0.1", "::1", "10.0.0.1", "172.16.0.1", "192.168.0.1", "fd12:3456::1",
	"169.254.169.254", "fe80::1", "100.64.0.1", "224.0.0.1", "ff02::1", "0.0.0.0", "::",
	"192.0.2.1", "198.51.100.1", "203.0.113.1", "2001:db8::1", "240.0.0.1",
	"255.255.255.255", "::ffff:10.0.0.1", "::ffff:169.254.169.254", "::ffff:127.0.0.1",
	"64:ff9b::a00:1", "64:ff9b:1::1", "2002:c0a8:1::1", "2001::1",
}

func TestCheckAddr(t *testing.T) {
	for _, a := range refusedFromPublic {
		for _, port := range []uint16{80, 443} {
			err := Policy{Target: publicTarget}.CheckAddr(netip.AddrPortFrom(netip.MustParseAddr(a), port))
			var re *RefusedError
			if !errors.As(err, &re) || re.Rule != RuleAddress {
				t.Errorf("public target, %s port %d: %v, want refused by rule address", a, port, err)
			}
		}
	}
	loopback := []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	tests := []struct {
		name   string
		policy Policy
		addr   string
		rule   string // "" allowed
	}{
		{"public to public 80", Policy{Target: publicTarget}, "93.184.216.35:80", ""},
		{"public to public 443", Policy{Target: publicTarget}, "[2606:2800::1]:443", ""},
		{"public to public, other port", Policy{Target: publicTarget}, "93.184.216.35:8080", RulePort},
		{"public to public, target's port", Policy{Target: netip.MustParseAddrPort("93.184.216.34:8443")}, "93.184.216.35:8443", ""},
		{"loopback to loopback", Policy{Target: loopbackTarget}, "127.0.0.1:80", ""},
		{"loopback to loopback, target's port", Policy{Target: loopbackTarget}, "127.0.0.2:8443", ""},
		{"loopback to loopback, random port", Policy{Target: loopbackTarget}, "127.0.0.1:41234", RulePort},
		{"loopback to public", Policy{Target: loopbackTarget}, "93.184.216.35:80", ""},
		{"loopback to private", Policy{Target: loopbackTarget}, "10.0.0.1:80", RuleAddress},
		{"private to private", Policy{Target: privateTarget}, "192.168.1.1:80", ""},
		{"private to loopback", Policy{Target: privateTarget}, "127.0.0.1:80", RuleAddress},
		{"private to link-local", Policy{Target: privateTarget}, "169.254.169.254:80", RuleAddress},
		{"zero policy to public", Policy{}, "93.184.216.35:80", ""},
		{"zero policy to loopback", Policy{}, "127.0.0.1:80", RuleAddress},
		{"widened: any port", Policy{Target: publicTarget, Allow: loopback}, "127.0.0.1:41234", ""},
		{"widened: mapped form", Policy{Target: publicTarget, Allow: loopback}, "[::ffff:127.0.0.1]:80", ""},
		{"widened elsewhere", Policy{Target: publicTarget, Allow: loopback}, "10.0.0.1:80", RuleAddress},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.policy.CheckAddr(netip.MustParseAddrPort(tt.addr))
			var re *RefusedError
			switch {
			case tt.rule == "" && err != nil:
				t.Errorf("refused: %v", err)
			case tt.rule != "" && (!errors.As(err, &re) || re.Rule != tt.rule):
				t.Errorf("error %v, want refused by rule %s", err, tt.rule)
			}
		})
	}
}

func TestCheckURL(t *testing.T) {
	p := Policy{Target: publicTarget}
	tests := []struct {
		url  string
		rule string
	}{
		{"http://ca.example/i.crt", ""},
		{"HTTP://ca.example:80/i.crt", ""},
		{"http://93.184.216.35/i.crt", ""},
		{"https://ca.example/i.crt", RuleScheme},
		{"file:///etc/passwd", RuleScheme},
		{"ftp://ca.example/i.crt", RuleScheme},
		{"ldap://ca.example/cn=x", RuleScheme},
		{"gopher://ca.example/", RuleScheme},
		{"/relative.crt", RuleScheme},
		{"http:///nohost", RuleURL},
		{"http://user:pw@ca.example/", RuleURL},
		{"http://ca.example:0/", RulePort},
		{"http://ca.example:99999/", RulePort},
		{"http://10.0.0.1/i.crt", RuleAddress},
		{"http://[::ffff:a9fe:a9fe]/latest/meta-data/", RuleAddress},
		{"http://169.254.169.254/latest/meta-data/", RuleAddress},
		{"http://93.184.216.35:22/", RulePort},
		{"http://%zz/", RuleURL},
	}
	for _, tt := range tests {
		_, err := p.CheckURL(tt.url)
		var re *RefusedError
		switch {
		case tt.rule == "" && err != nil:
			t.Errorf("%s refused: %v", tt.url, err)
		case tt.rule != "" && (!errors.As(err, &re) || re.Rule != tt.rule):
			t.Errorf("%s: %v, want refused by rule %s", tt.url, err, tt.rule)
		case tt.rule != "" && re.URL != tt.url:
			t.Errorf("%s: refusal names URL %q", tt.url, re.URL)
		}
	}
}

func TestParseAllow(t *testing.T) {
	got, err := ParseAllow([]string{"10.0.0.0/8, 192.168.1.7", "fd00::/8"})
	if err != nil {
		t.Fatal(err)
	}
	want := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("192.168.1.7/32"), netip.MustParsePrefix("fd00::/8")}
	if !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	if _, err := ParseAllow([]string{"10.0.0.0/33"}); err == nil || !strings.Contains(err.Error(), "10.0.0.0/33") {
		t.Errorf("bad prefix: %v", err)
	}
}

// dialCounter records every address a Fetcher asks to dial and connects none.
type dialCounter struct {
	mu    sync.Mutex
	addrs []netip.AddrPort
}

var errNotDialled = errors.New("test dialer: not connecting")

func (d *dialCounter) dial(_ context.Context, ap netip.AddrPort) (net.Conn, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.addrs = append(d.addrs, ap)
	return nil, errNotDialled
}

// TestFetcherDialsOnlyWhatItChecked: names that resolve to refused ranges are not dialled;
// a name that resolves public first and private second (DNS rebinding) is resolved once
// per connection and only the checked public address is dialled.
func TestFetcherDialsOnlyWhatItChecked(t *testing.T) {
	var mu sync.Mutex
	lookups := map[string]int{}
	zone := map[string][][]string{
		"metadata.example": {{"169.254.169.254"}},
		"intranet.example": {{"10.0.0.7", "fd00::7"}},
		"mixed.example":    {{"10.0.0.7", "93.184.216.40"}},
		"mapped.example":   {{"::ffff:192.168.0.1"}},
		"rebind.example":   {{"93.184.216.41"}, {"10.0.0.8"}},
	}
	resolve := func(_ context.Context, host string) ([]netip.Addr, error) {
		mu.Lock()
		defer mu.Unlock()
		answers, ok := zone[host]
		if !ok {
			return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
		}
		n := lookups[host]
		lookups[host]++
		var out []netip.Addr
		for _, a := range answers[min(n, len(answers)-1)] {
			out = append(out, netip.MustParseAddr(a))
		}
		return out, nil
	}
	tests := []struct {
		url   string
		dials []string // what the dialer is asked for, in order
		rule  string
	}{
		{"http://metadata.example/latest/meta-data/", nil, RuleAddress},
		{"http://intranet.example/ca.crt", nil, RuleAddress},
		{"http://mapped.example/ca.crt", nil, RuleAddress},
		{"http://mixed.example/ca.crt", []string{"93.184.216.40:80"}, ""},
		{"http://rebind.example/ca.crt", []string{"93.184.216.41:80"}, ""},
		{"http://rebind.example/again.crt", nil, RuleAddress},
		{"http://169.254.169.254/", nil, RuleAddress},
		{"http://public.example:8080/", nil, ""}, // unresolvable: a DNS error, no dial
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			d := &dialCounter{}
			f := &Fetcher{Policy: Policy{Target: publicTarget}, Resolve: resolve, Dial: d.dial}
			_, err := f.Get(context.Background(), tt.url, 1<<10)
			if err == nil {
				t.Fatal("fetch succeeded with a dialer that connects nothing")
			}
			var re *RefusedError
			if tt.rule != "" && (!errors.As(err, &re) || re.Rule != tt.rule) {
				t.Errorf("error %v, want refused by rule %s", err, tt.rule)
			}
			var got []string
			for _, a := range d.addrs {
				got = append(got, a.String())
			}
			if !slices.Equal(got, tt.dials) {
				t.Errorf("dialled %q, want %q (error %v)", got, tt.dials, err)
			}
		})
	}
}

// FuzzPolicy feeds arbitrary URLs and resolver answers to a Fetcher: whatever it is given,
// it never panics and dials only addresses the policy allows.
func FuzzPolicy(f *testing.F) {
	f.Add("http://ca.example/i.crt", []byte{93, 184, 216, 34}, uint16(443))
	f.Add("http://[::ffff:a9fe:a9fe]:80/", []byte{10, 0, 0, 1}, uint16(80))
	f.Add("http://x/", []byte{0x20, 0x02, 0xc0, 0xa8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, uint16(8443))
	f.Add("file:///etc/passwd", []byte{127, 0, 0, 1}, uint16(1))
	f.Add("http://u@h:99/", []byte{}, uint16(0))
	f.Fuzz(func(t *testing.T, rawURL string, answer []byte, targetPort uint16) {
		var addrs []netip.Addr
		for len(answer) >= 4 {
			n := 4
			if len(answer) >= 16 && answer[0]&1 == 1 {
				n = 16
			}
			a, _ := netip.AddrFromSlice(answer[:n])
			addrs = append(addrs, a)
			answer = answer[n:]
		}
		for _, target := range []netip.AddrPort{netip.AddrPortFrom(publicTarget.Addr(), targetPort), loopbackTarget, {}} {
			p := Policy{Target: target}
			d := &dialCounter{}
			fe := &Fetcher{Policy: p, Dial: d.dial, Resolve: func(context.Context, string) ([]netip.Addr, error) { return addrs, nil }}
			fe.Get(context.Background(), rawURL, 64)
			for _, ap := range d.addrs {
				if p.CheckAddr(ap) != nil {
					t.Fatalf("dialled %s, which the policy refuses (target %s, URL %q)", ap, target, rawURL)
				}
				c := Classify(ap.Addr())
				if !slices.Contains(p.AllowedClasses(), c) {
					t.Fatalf("dialled %s of class %s from target %s", ap, c, target)
				}
				if port := ap.Port(); port != 80 && port != 443 && port != target.Port() {
					t.Fatalf("dialled port %d from target %s", port, target)
				}
			}
		}
	})
}
