package classify

import (
	"errors"
	"strings"
	"testing"
)

func TestDefaultRules(t *testing.T) {
	def, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	c := &Classifier{Builtin: def}
	tests := []struct {
		host string
		want Category
	}{
		{"googleads.g.doubleclick.net", Advertising},
		{"pagead2.googlesyndication.com", Advertising},
		{"ms.applovin.com", Advertising},
		{"www.google-analytics.com", Tracking},
		{"app-measurement.com", Tracking},
		{"settings.crashlytics.com", Tracking},
		{"firebaselogging.googleapis.com", Tracking},
		{"api2.branch.io", Tracking},
		{"api.mixpanel.com", Tracking},
		{"d1234.cloudfront.net", Content},
		{"fonts.googleapis.com", Content},
		{"FONTS.GSTATIC.COM.", Content},
		{"i.ytimg.com", Content},
		{"cdnjs.cloudflare.com", Content},
		{"images.cdn.example.org", Content}, // glob *.cdn.*
		{"connectivitycheck.gstatic.com", Disregarded},
		{"api.push.apple.com", Disregarded},
		{"update.googleapis.com", Disregarded},
	}
	for _, tt := range tests {
		m, ok := c.Classify(tt.host, nil)
		if !ok || m.Category != tt.want {
			t.Errorf("Classify(%q) = %+v %v, want %s", tt.host, m, ok, tt.want)
		}
	}
	for _, h := range []string{"api.mhealth-example.de", "cloudflare.com", "notdoubleclick.net"} {
		if m, ok := c.Classify(h, nil); ok {
			t.Errorf("Classify(%q) = %+v, want unclassified", h, m)
		}
	}
}

func TestLayersAndSpecificity(t *testing.T) {
	def, err := Parse(strings.NewReader(`
content googleapis.com
disregarded =www.googleapis.com
tracking *.metrics.*
advertising ads.example.com
`), "def.rules")
	if err != nil {
		t.Fatal(err)
	}
	user, err := Parse(strings.NewReader("functional  =ads.example.com # the app's own ad-free API\nother googleapis.com\n"), "mine.rules")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		c          *Classifier
		host       string
		firstParty []string
		want       Category
		source     string
	}{
		{"exact beats suffix", &Classifier{Builtin: def}, "www.googleapis.com", nil, Disregarded, "default"},
		{"suffix", &Classifier{Builtin: def}, "storage.googleapis.com", nil, Content, "default"},
		{"glob", &Classifier{Builtin: def}, "eu.metrics.vendor.io", nil, Tracking, "default"},
		{"first party beats default", &Classifier{Builtin: def}, "x.ads.example.com", []string{"example.com"}, Functional, "first_party"},
		{"user beats first party", &Classifier{User: user, Builtin: def}, "ads.example.com", []string{"example.com"}, Functional, "rules"},
		{"user layer first", &Classifier{User: user, Builtin: def}, "www.googleapis.com", nil, Other, "rules"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, ok := tt.c.Classify(tt.host, tt.firstParty)
			if !ok || m.Category != tt.want || m.Source != tt.source {
				t.Errorf("got %+v %v, want %s from %s", m, ok, tt.want, tt.source)
			}
		})
	}
	if r, _ := user.Match("ads.example.com"); r.Line != 1 || r.File != "mine.rules" {
		t.Errorf("rule position = %s", r)
	}
}

func TestParseErrorsNameFileLineField(t *testing.T) {
	tests := []struct{ in, want string }{
		{"advertising a.com\nadverts b.com\n", `x.rules:2: field "category": unknown category "adverts"`},
		{"\n\ncontent\n", `x.rules:3: field "rule"`},
		{"content a.com b.com\n", `x.rules:1: field "rule"`},
		{"tracking =a*.com\n", `x.rules:1: field "pattern"`},
		{"tracking http://a.com/\n", `x.rules:1: field "pattern"`},
		{"tracking *.*\n", `x.rules:1: field "pattern": empty`},
	}
	for _, tt := range tests {
		_, err := Parse(strings.NewReader(tt.in), "x.rules")
		var le *LineError
		if !errors.As(err, &le) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Parse(%q) err = %v, want %q", tt.in, err, tt.want)
		}
	}
}

func TestGlobMatch(t *testing.T) {
	tests := []struct {
		p, s string
		want bool
	}{
		{"*.cdn.*", "a.cdn.b", true}, {"*.cdn.*", "cdn.b", false}, {"a*b*c", "abc", true},
		{"a*b*c", "acb", false}, {"*x", "x", true}, {"x*", "y", false}, {"a*a", "a", false},
	}
	for _, tt := range tests {
		if got := globMatch(tt.p, tt.s); got != tt.want {
			t.Errorf("globMatch(%q, %q) = %v", tt.p, tt.s, got)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add(defaultRules)
	f.Add("tracking *.a*b.*\n# c\n=x\n")
	f.Fuzz(func(t *testing.T, s string) {
		rs, err := Parse(strings.NewReader(s), "fuzz")
		if err == nil {
			rs.Match("a.b.example.com")
		}
	})
}
