package httpcheck

import (
	"net/http"
	"strings"

	"github.com/mhealthsec/mhealthsec/probe/result"
)

// maxValue bounds a header value kept in the result: enough to read a policy, not a
// page's worth of CSP.
const maxValue = 512

// SecurityHeaders reads the security-relevant headers of an answer, as testssl.sh -h
// reports them: each is present or not, with its first value (cut to 512 bytes), and
// each Set-Cookie by name with its Secure, HttpOnly and SameSite attributes.
func SecurityHeaders(h http.Header) *result.SecurityHeaders {
	first := func(names ...string) result.HeaderValue {
		for _, n := range names {
			if vs := h.Values(n); len(vs) > 0 {
				v := vs[0]
				if len(v) > maxValue {
					v = v[:maxValue]
				}
				return result.HeaderValue{Present: true, Value: v}
			}
		}
		return result.HeaderValue{}
	}
	out := &result.SecurityHeaders{
		HSTS:                first("Strict-Transport-Security"),
		HPKP:                first("Public-Key-Pins", "Public-Key-Pins-Report-Only"),
		CSP:                 first("Content-Security-Policy", "Content-Security-Policy-Report-Only"),
		XFrameOptions:       first("X-Frame-Options"),
		XContentTypeOptions: first("X-Content-Type-Options"),
		ReferrerPolicy:      first("Referrer-Policy"),
		PermissionsPolicy:   first("Permissions-Policy", "Feature-Policy"),
		Server:              first("Server"),
		XPoweredBy:          first("X-Powered-By"),
		Cookies:             []result.Cookie{},
	}
	for _, line := range h.Values("Set-Cookie") {
		out.Cookies = append(out.Cookies, parseCookie(line))
	}
	return out
}

// parseCookie reads a Set-Cookie line's name and flags (RFC 6265, 4.1; SameSite from
// RFC 6265bis). Attribute names are case-insensitive; the value is not kept.
func parseCookie(line string) result.Cookie {
	parts := strings.Split(line, ";")
	name, _, _ := strings.Cut(parts[0], "=")
	c := result.Cookie{Name: strings.TrimSpace(name)}
	for _, a := range parts[1:] {
		k, v, _ := strings.Cut(strings.TrimSpace(a), "=")
		switch strings.ToLower(strings.TrimSpace(k)) {
		case "secure":
			c.Secure = true
		case "httponly":
			c.HTTPOnly = true
		case "samesite":
			c.SameSite = strings.TrimSpace(v)
		}
	}
	return c
}
