package probe

import (
	"net/netip"
	"slices"
	"strings"
	"testing"
)

func TestParseTarget(t *testing.T) {
	tests := []struct {
		in      string
		want    Target
		wantKey string
		wantErr bool
	}{
		{"example.org", Target{Host: "example.org", Port: 443}, "example.org:443", false},
		{"Example.ORG.:8443", Target{Host: "example.org", Port: 8443}, "example.org:8443", false},
		{" 127.0.0.1:4433 ", Target{Host: "127.0.0.1", Port: 4433}, "127.0.0.1:4433", false},
		{"[::1]:443", Target{Host: "::1", Port: 443}, "[::1]:443", false},
		{"[2001:db8::1]", Target{Host: "2001:db8::1", Port: 443}, "[2001:db8::1]:443", false},
		{"2001:db8::1", Target{Host: "2001:db8::1", Port: 443}, "[2001:db8::1]:443", false},
		{"_dmarc.example.org", Target{Host: "_dmarc.example.org", Port: 443}, "_dmarc.example.org:443", false},
		{"", Target{}, "", true},
		{"https://example.org/", Target{}, "", true},
		{"example.org:0", Target{}, "", true},
		{"example.org:65536", Target{}, "", true},
		{"example.org:http", Target{}, "", true},
		{"exa mple.org", Target{}, "", true},
		{"-bad.example", Target{}, "", true},
		{"[example.org]:443", Target{}, "", true},
		{"[fe80::1%eth0]:443", Target{}, "", true},
		{"a..b", Target{}, "", true},
	}
	for _, tt := range tests {
		got, err := ParseTarget(tt.in, 443)
		if (err != nil) != tt.wantErr {
			t.Errorf("ParseTarget(%q) error = %v, want error %v", tt.in, err, tt.wantErr)
			continue
		}
		if err == nil && (got != tt.want || got.String() != tt.wantKey) {
			t.Errorf("ParseTarget(%q) = %+v (%s), want %+v (%s)", tt.in, got, got, tt.want, tt.wantKey)
		}
	}
}

func TestServerName(t *testing.T) {
	tests := []struct {
		t    Target
		want string
	}{
		{Target{Host: "a.example"}, "a.example"},
		{Target{Host: "127.0.0.1"}, ""},
		{Target{Host: "::1", SNI: "b.example"}, "b.example"},
	}
	for _, tt := range tests {
		if got := tt.t.serverName(); got != tt.want {
			t.Errorf("%+v: sni %q, want %q", tt.t, got, tt.want)
		}
	}
}

// FuzzParseTarget checks that a parsed target's key parses back to the same target.
func FuzzParseTarget(f *testing.F) {
	for _, s := range []string{"example.org", "[::1]:443", "1.2.3.4:80", "::ffff:1.2.3.4", "a:b:c", "[x]:1", "host:99999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tg, err := ParseTarget(s, 443)
		if err != nil {
			return
		}
		again, err := ParseTarget(tg.String(), 1)
		if err != nil || again != tg {
			t.Fatalf("%q -> %q -> %+v, %v", s, tg.String(), again, err)
		}
	})
}

func TestParseTargetLine(t *testing.T) {
	tests := []struct {
		in      string
		want    Target
		wantErr bool
	}{
		{"example.org", Target{Host: "example.org", Port: 443}, false},
		{"127.0.0.1:8443 Expired.lab.test.", Target{Host: "127.0.0.1", Port: 8443, SNI: "expired.lab.test"}, false},
		{"  [::1]:443\tlocalhost ", Target{Host: "::1", Port: 443, SNI: "localhost"}, false},
		{"127.0.0.1:8443 127.0.0.2", Target{}, true},
		{"127.0.0.1:8443 a b", Target{}, true},
		{"127.0.0.1:8443 -bad", Target{}, true},
		{"   ", Target{}, true},
	}
	for _, tt := range tests {
		got, err := ParseTargetLine(tt.in, 443)
		if (err != nil) != tt.wantErr || err == nil && got != tt.want {
			t.Errorf("ParseTargetLine(%q) = %+v, %v; want %+v (error %v)", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestParsePin(t *testing.T) {
	tests := []struct {
		in      string
		want    Pin
		wantErr bool
	}{
		{"expired.lab.test:8443:127.0.0.1", Pin{"expired.lab.test", 8443, netip.MustParseAddr("127.0.0.1")}, false},
		{"A.example:443:[::1]", Pin{"a.example", 443, netip.MustParseAddr("::1")}, false},
		{"a.example:443:::1", Pin{"a.example", 443, netip.MustParseAddr("::1")}, false},
		{"a.example:443", Pin{}, true},
		{"a.example:0:127.0.0.1", Pin{}, true},
		{"a example:443:127.0.0.1", Pin{}, true},
		{"a.example:443:localhost", Pin{}, true},
	}
	for _, tt := range tests {
		got, err := ParsePin(tt.in)
		if (err != nil) != tt.wantErr || err == nil && got != tt.want {
			t.Errorf("ParsePin(%q) = %+v, %v; want %+v (error %v)", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
	targets := []Target{{Host: "a.example", Port: 443}, {Host: "a.example", Port: 8443}}
	if unused := PinAll(targets, []Pin{{"a.example", 443, netip.MustParseAddr("127.0.0.2")}, {"b.example", 443, netip.MustParseAddr("127.0.0.3")}}); unused != 1 {
		t.Errorf("%d unused pins, want 1", unused)
	}
	if targets[0].Addr != netip.MustParseAddr("127.0.0.2") || targets[1].Addr.IsValid() {
		t.Errorf("pinned %+v", targets)
	}
}

func TestReadRankedList(t *testing.T) {
	tests := []struct {
		in      string
		top     int
		want    []string
		wantErr string
	}{
		{"rank,domain\n2,b.example\n1,a.example\n3,c.example\n", 2, []string{"a.example:443", "b.example:443"}, ""},
		{"1,a.example\r\n2,A.example\r\n3,c.example\r\n", 0, []string{"a.example:443", "c.example:443"}, ""},
		{"1,a.example\n0,b.example\n", 0, nil, "list.csv:2: rank"},
		{"1,a.example\n2,b.example:443\n", 0, nil, "list.csv:2: domain"},
		{"1,a.example\n2,b.example,x\n", 0, nil, "list.csv"},
	}
	for _, tt := range tests {
		got, err := ReadRankedList(strings.NewReader(tt.in), "list.csv", tt.top, 443)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%q: error %v, want %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		var keys []string
		for _, t := range got {
			keys = append(keys, t.String())
		}
		if err != nil || !slices.Equal(keys, tt.want) {
			t.Errorf("%q top %d: %v, %v; want %v", tt.in, tt.top, keys, err, tt.want)
		}
	}
	for in, want := range map[string]bool{"rank,domain\n": true, "\n1,a.example\n": true, "host,port\n": false, "example.org\n": false, "1,a,b\n": false} {
		if got := IsRankedList([]byte(in)); got != want {
			t.Errorf("IsRankedList(%q) = %v", in, got)
		}
	}
}

// FuzzReadRankedList checks that no input makes the ranked-list reader panic, and that
// what it returns is at most top valid targets.
func FuzzReadRankedList(f *testing.F) {
	f.Add("rank,domain\n1,a.example\n", 1)
	f.Add("2,b.example\n1,a.example\n\"x\n", 0)
	f.Fuzz(func(t *testing.T, s string, top int) {
		top = max(0, top%100)
		got, err := ReadRankedList(strings.NewReader(s), "fuzz.csv", top, 443)
		if err != nil {
			return
		}
		if top > 0 && len(got) > top {
			t.Fatalf("%d targets for top %d", len(got), top)
		}
		for _, tg := range got {
			if _, err := ParseTarget(tg.String(), 443); err != nil {
				t.Fatalf("target %v does not parse back: %v", tg, err)
			}
		}
	})
}
