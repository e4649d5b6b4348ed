package probe

import "testing"

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
