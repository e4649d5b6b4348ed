package httpcheck

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/mhealthsec/mhealthsec/probe/result"
)

// TestSecurityHeadersGoServer reads every header testssl.sh -h reports from a Go server
// that sends them all, and from one that sends none: absent is a measured false.
func TestSecurityHeadersGoServer(t *testing.T) {
	all := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Strict-Transport-Security", "max-age=31536000")
		h.Set("Public-Key-Pins-Report-Only", `pin-sha256="x"; max-age=60`)
		h.Set("Content-Security-Policy", "default-src 'self'")
		h.Set("X-Frame-Options", "DENY")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Permissions-Policy", "camera=()")
		h.Set("Server", "test/1.0")
		h.Set("X-Powered-By", "PHP/5.4")
		h.Add("Set-Cookie", "sid=secret; Path=/; Secure; HttpOnly; SameSite=Strict")
		h.Add("Set-Cookie", "pref=1; path=/")
	})
	none := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})
	for _, tc := range []struct {
		name    string
		handler http.Handler
		present bool
		cookies []result.Cookie
	}{
		{"all headers", all, true, []result.Cookie{{Name: "sid", Secure: true, HTTPOnly: true, SameSite: "Strict"}, {Name: "pref"}}},
		{"no headers", none, false, []result.Cookie{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewTLSServer(tc.handler)
			defer srv.Close()
			got, err := Measure(context.Background(), Config{Dial: dialer(srv.Listener.Addr().String()), Host: "localhost", Port: 443, SNI: "localhost"})
			if err != nil {
				t.Fatal(err)
			}
			sh := got.SecurityHeaders
			if sh == nil {
				t.Fatal("security_headers null after an answer")
			}
			for name, v := range map[string]result.HeaderValue{"hsts": sh.HSTS, "hpkp": sh.HPKP, "csp": sh.CSP,
				"x_frame_options": sh.XFrameOptions, "x_content_type_options": sh.XContentTypeOptions, "referrer_policy": sh.ReferrerPolicy,
				"permissions_policy": sh.PermissionsPolicy, "server": sh.Server, "x_powered_by": sh.XPoweredBy} {
				if v.Present != tc.present || v.Present == (v.Value == "") {
					t.Errorf("%s = %+v, want present %v with its value", name, v, tc.present)
				}
			}
			if len(sh.Cookies) != len(tc.cookies) {
				t.Fatalf("cookies %+v, want %+v", sh.Cookies, tc.cookies)
			}
			for i := range sh.Cookies {
				if sh.Cookies[i] != tc.cookies[i] {
					t.Errorf("cookie %d = %+v, want %+v", i, sh.Cookies[i], tc.cookies[i])
				}
			}
		})
	}
}

func TestParseCookie(t *testing.T) {
	tests := []struct {
		line string
		want result.Cookie
	}{
		{"a=b", result.Cookie{Name: "a"}},
		{"a=b; SECURE; httponly; samesite=None", result.Cookie{Name: "a", Secure: true, HTTPOnly: true, SameSite: "None"}},
		{" a =b;Secure=;SameSite = Lax ", result.Cookie{Name: "a", Secure: true, SameSite: "Lax"}},
		{"noequals; HttpOnly", result.Cookie{Name: "noequals", HTTPOnly: true}},
		{"", result.Cookie{}},
	}
	for _, tt := range tests {
		if got := parseCookie(tt.line); got != tt.want {
			t.Errorf("parseCookie(%q) = %+v, want %+v", tt.line, got, tt.want)
		}
	}
}

// FuzzParseCookie: any Set-Cookie line parses without panic, and the name never holds
// the attribute separator.
func FuzzParseCookie(f *testing.F) {
	for _, s := range []string{"a=b; Secure", ";;;", "=; samesite", "x=y; SameSite=Strict; HttpOnly"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		if c := parseCookie(line); strings.Contains(c.Name, ";") {
			t.Fatalf("name %q from %q", c.Name, line)
		}
	})
}
