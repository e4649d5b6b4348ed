package lab

import (
	"strings"
	"testing"

	"github.com/mhealthsec/mhealthsec/probe/result"
)

// measured builds the result that modern-hsts declares, field by field.
func measured() (result.Result, Grades) {
	var r result.Result
	for _, p := range result.AllProtocols() {
		r.Protocols.Set(p, p == result.TLS12 || p == result.TLS13)
	}
	r.HTTP = &result.HTTP{Status: 200, HSTS: &result.HSTS{Present: true, MaxAge: 31536000}}
	v := &r.Vulnerabilities
	v.Heartbleed, v.CCS, v.RC4, v.SWEET32, v.POODLESSL = result.Bool(false), result.Bool(false), result.Bool(false), result.Bool(false), result.Bool(false)
	v.SecureRenego, v.FallbackSCSV, v.BREACH = result.Bool(true), result.Bool(true), result.Bool(false)
	r.Certificate = &result.Certificate{Trusted: result.Bool(true), HostnameMatch: true, ChainComplete: true, KeyAlg: "EC", KeyBits: 256}
	r.PlainHTTP = &result.PlainHTTP{Checked: true, Reachable: true, RedirectsToHTTPS: true}
	g := Grades{}
	for _, c := range CriteriaVersions() {
		g[c] = &result.Grade{Letter: "A+", Criteria: c}
	}
	return r, g
}

func modernHSTS(t *testing.T) Endpoint {
	t.Helper()
	for _, s := range Catalog() {
		if s.Name == "modern-hsts" {
			return Endpoint{Server: s}
		}
	}
	t.Fatal("modern-hsts not in the catalog")
	return Endpoint{}
}

func TestCompare(t *testing.T) {
	e := modernHSTS(t)
	tests := []struct {
		name     string
		edit     func(*result.Result, Grades)
		disagree []string // the checks that must disagree, "what: declared → measured"
	}{
		{"all as declared", func(*result.Result, Grades) {}, nil},
		{"grade", func(_ *result.Result, g Grades) { g[V2009q].Letter = "A" }, []string{"grade 2009q: A+ → A"}},
		{"not graded", func(_ *result.Result, g Grades) { g[V2009n] = nil }, []string{"grade 2009n: A+ → -"}},
		{"protocol", func(r *result.Result, _ Grades) { r.Protocols.Set(result.TLS10, true) }, []string{"protocol TLS1: false → true"}},
		{"protocol unchecked", func(r *result.Result, _ Grades) { r.Protocols.SSLv2 = nil }, []string{"protocol SSLv2: false → null"}},
		{"hsts missing", func(r *result.Result, _ Grades) { r.HTTP.HSTS = nil }, []string{"hsts valid: true → false"}},
		{"hsts invalid", func(r *result.Result, _ Grades) { r.HTTP.HSTS.Invalid = true }, []string{"hsts valid: true → false"}},
		{"hsts short", func(r *result.Result, _ Grades) { r.HTTP.HSTS.MaxAge = 10 }, []string{"hsts max_age: 31536000 → 10"}},
		{"no http answer", func(r *result.Result, _ Grades) { r.HTTP = nil }, []string{"hsts valid: true → null"}},
		{"vuln", func(r *result.Result, _ Grades) { r.Vulnerabilities.Heartbleed = result.Bool(true) }, []string{"vuln heartbleed: false → true"}},
		{"vuln unchecked", func(r *result.Result, _ Grades) { r.Vulnerabilities.FallbackSCSV = nil }, []string{"vuln fallback_SCSV: true → null"}},
		{"cert", func(r *result.Result, _ Grades) { r.Certificate.Expired = true }, []string{"cert expired: false → true"}},
		{"cert key", func(r *result.Result, _ Grades) { r.Certificate.KeyAlg = "RSA" }, []string{"cert key: EC 256 → RSA 256"}},
		{"cert trust undecided", func(r *result.Result, _ Grades) { r.Certificate.Trusted = nil }, []string{"cert trusted: true → null"}},
		{"cert untrusted", func(r *result.Result, _ Grades) { r.Certificate.Trusted = result.Bool(false) }, []string{"cert trusted: true → false"}},
		{"error", func(r *result.Result, _ Grades) {
			r.Error = &result.Error{Kind: result.ErrTimeout}
		}, []string{"error: none → timeout"}},
		{"plain http", func(r *result.Result, _ Grades) { r.PlainHTTP.RedirectsToHTTPS = false }, []string{"plain_http redirects_to_https: true → false"}},
		{"plain http unchecked", func(r *result.Result, _ Grades) { r.PlainHTTP = nil }, []string{"plain_http reachable: true → null"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, g := measured()
			tt.edit(&r, g)
			var got []string
			checks := Compare(e, r, g)
			for _, c := range checks {
				if c.Server != "modern-hsts" {
					t.Errorf("check %+v names another server", c)
				}
				if !c.Agree {
					got = append(got, c.What+": "+c.Declared+" → "+c.Measured)
				}
			}
			if strings.Join(got, "\n") != strings.Join(tt.disagree, "\n") {
				t.Errorf("disagreements:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.disagree, "\n"))
			}
			if len(checks) < 25 {
				t.Errorf("only %d checks for modern-hsts", len(checks))
			}
		})
	}
}

func TestCompareTrustIgnoredAndErrors(t *testing.T) {
	var expired, plain Endpoint
	for _, s := range Catalog() {
		switch s.Name {
		case "expired":
			expired.Server = s
		case "http-only":
			plain.Server = s
		}
	}
	g := Grades{V2009n: {Letter: "T", TrustIgnored: "A+"}, V2009q: {Letter: "T", TrustIgnored: "A"}, V2009r: nil}
	var disagree []string
	for _, c := range Compare(expired, result.Result{}, g) {
		if !c.Agree && strings.Contains(c.What, "grade") {
			disagree = append(disagree, c.What+": "+c.Declared+" → "+c.Measured)
		}
	}
	want := "grade 2009r: T → -\ntrust-ignored grade 2009q: A+ → A\ntrust-ignored grade 2009r: A+ → null"
	if got := strings.Join(disagree, "\n"); got != want {
		t.Errorf("grade disagreements:\n%s\nwant:\n%s", got, want)
	}

	r := result.Result{Error: &result.Error{Kind: result.ErrNotTLS},
		PlainHTTP: &result.PlainHTTP{Checked: true, Reachable: true, OnTarget: true, Status: 200}}
	for _, c := range Compare(plain, r, Grades{}) {
		if !c.Agree {
			t.Errorf("http-only: %s: declared %s, measured %s", c.What, c.Declared, c.Measured)
		}
	}
}

// TestCompareDROWNSameKey: measured targets are read back as fleet server names; null (the
// pass did not run) and other partners disagree.
func TestCompareDROWNSameKey(t *testing.T) {
	e := Endpoint{Server: Server{Name: "s", Expect: Expect{DROWNSameKey: []string{"sslv2-only"}}}}
	for _, tc := range []struct {
		measured []string
		want     string
		agree    bool
	}{
		{[]string{"sslv2-only." + Domain + ":40295"}, "[sslv2-only]", true},
		{nil, "null", false},
		{[]string{}, "[]", false},
		{[]string{"sslv2-only." + Domain + ":1", "mail.example:25"}, "[mail.example:25 sslv2-only]", false},
	} {
		r := result.Result{Vulnerabilities: result.Vulnerabilities{DROWNSameKey: tc.measured}}
		var got *Check
		for _, c := range Compare(e, r, Grades{}) {
			if c.What == "drown_same_key" {
				got = &c
			}
		}
		if got == nil || got.Measured != tc.want || got.Agree != tc.agree {
			t.Errorf("measured %q: check %+v, want measured %s, agree %v", tc.measured, got, tc.want, tc.agree)
		}
	}
}
