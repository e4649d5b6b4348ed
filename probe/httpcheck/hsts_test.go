package httpcheck

import (
	"math"
	"strings"
	"testing"

	"github.com/mhealthsec/mhealthsec/probe/result"
)

func TestParseHSTS(t *testing.T) {
	tests := []struct {
		name    string
		values  []string
		want    *result.HSTS // Raw and Note are checked separately
		noteHas string
	}{
		{"missing", nil, &result.HSTS{}, ""},
		{"long", []string{"max-age=31536000; includeSubDomains; preload"},
			&result.HSTS{Present: true, MaxAge: 31536000, IncludeSubdomains: true, Preload: true}, ""},
		{"short", []string{"max-age=300"}, &result.HSTS{Present: true, MaxAge: 300}, ""},
		{"zero clears", []string{"max-age=0"}, &result.HSTS{Present: true}, ""},
		{"case and space", []string{"  Max-Age = 86400 ;INCLUDESUBDOMAINS  "},
			&result.HSTS{Present: true, MaxAge: 86400, IncludeSubdomains: true}, ""},
		{"quoted max-age", []string{`max-age="600"; includeSubDomains`},
			&result.HSTS{Present: true, MaxAge: 600, IncludeSubdomains: true}, ""},
		{"empty directives", []string{";;max-age=10;;"}, &result.HSTS{Present: true, MaxAge: 10}, ""},
		{"unknown directive ignored", []string{`max-age=10; report-uri="https://x/"; foo`},
			&result.HSTS{Present: true, MaxAge: 10}, ""},
		{"huge max-age clamps", []string{"max-age=99999999999999999999999"},
			&result.HSTS{Present: true, MaxAge: math.MaxInt64}, ""},
		{"no max-age", []string{"includeSubDomains"}, &result.HSTS{Present: true, Invalid: true}, "max-age directive missing"},
		{"empty header", []string{""}, &result.HSTS{Present: true, Invalid: true}, "missing"},
		{"negative", []string{"max-age=-1"}, &result.HSTS{Present: true, Invalid: true}, "not a number"},
		{"not a number", []string{"max-age=1y"}, &result.HSTS{Present: true, Invalid: true}, "not a number"},
		{"quoted not a number", []string{`max-age="1y"`}, &result.HSTS{Present: true, Invalid: true}, "not a number"},
		{"empty value", []string{"max-age=; preload"}, &result.HSTS{Present: true, Invalid: true}, "empty value"},
		{"no value", []string{"max-age"}, &result.HSTS{Present: true, Invalid: true}, "no value"},
		{"duplicate directive", []string{"max-age=10; max-age=20"}, &result.HSTS{Present: true, Invalid: true}, "more than once"},
		{"duplicate differing case", []string{"max-age=10; includeSubDomains; includesubdomains"},
			&result.HSTS{Present: true, Invalid: true}, "more than once"},
		{"value on flag", []string{"max-age=10; includeSubDomains=yes"}, &result.HSTS{Present: true, Invalid: true}, "takes no value"},
		{"comma separated", []string{"max-age=10, includeSubDomains"}, &result.HSTS{Present: true, Invalid: true}, "unexpected"},
		{"unterminated quote", []string{`max-age="10`}, &result.HSTS{Present: true, Invalid: true}, "unterminated"},
		{"two headers, first wins", []string{"max-age=100", "max-age=31536000; includeSubDomains"},
			&result.HSTS{Present: true, MaxAge: 100}, "only the first"},
		{"two headers, first invalid", []string{"max-age=x", "max-age=100"},
			&result.HSTS{Present: true, Invalid: true}, "only the first"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ParseHSTS(tt.values)
			if got == nil {
				t.Fatal("got nil")
			}
			if want := strings.Join(tt.values[:min(len(tt.values), 1)], ""); got.Raw != want {
				t.Errorf("raw = %q, want %q", got.Raw, want)
			}
			if !strings.Contains(got.Note, tt.noteHas) || tt.noteHas == "" && got.Note != "" {
				t.Errorf("note = %q, want it to contain %q", got.Note, tt.noteHas)
			}
			got.Raw, got.Note = "", ""
			if *got != *tt.want {
				t.Errorf("got %+v, want %+v", *got, *tt.want)
			}
		})
	}
}

// FuzzParseHSTS checks that any header parses without panic and that an invalid header
// never carries a policy.
func FuzzParseHSTS(f *testing.F) {
	for _, s := range []string{"max-age=31536000; includeSubDomains; preload", `max-age="10"`, "max-age=1;max-age=2", `a="\"`, ";;", "max-age=18446744073709551616"} {
		f.Add(s, "max-age=1")
	}
	f.Fuzz(func(t *testing.T, first, second string) {
		h := ParseHSTS([]string{first, second})
		if h == nil || !h.Present || h.Raw != first {
			t.Fatalf("ParseHSTS(%q) = %+v", first, h)
		}
		if h.Invalid && (h.MaxAge != 0 || h.IncludeSubdomains || h.Preload) {
			t.Fatalf("invalid header %q carries a policy: %+v", first, h)
		}
		if h.MaxAge < 0 {
			t.Fatalf("negative max-age from %q", first)
		}
	})
}
