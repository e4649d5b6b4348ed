package lab

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/mhealthsec/mhealthsec/probe/result"
)

// Expect is what a fleet server declares it should be measured as. Nil and empty fields
// are not declared and not compared; everything declared must be measured exactly.
type Expect struct {
	// Grades maps a criteria version ("2009r") to the letter; "" declares that the endpoint
	// gets no grade (it could not be assessed, ErrorKind says why).
	Grades map[string]string
	// TrustIgnored maps a criteria version to the letter the server gets when trust is
	// ignored, declared for servers graded T or M.
	TrustIgnored map[string]string
	// Why is the one-line reason for the grades, derived by hand from
	// docs/grading.md.
	Why string

	// ErrorKind is the error the probe must report ("not_tls"); "" means none.
	ErrorKind result.ErrorKind
	Protocols map[result.Protocol]bool
	HSTS      *HSTS
	// Vulns maps testssl.sh ids as the result JSON spells them ("heartbleed", "RC4",
	// "SWEET32", "fallback_SCSV") to the expected value.
	Vulns     map[string]bool
	Cert      *CertVerdicts
	PlainHTTP *PlainHTTPVerdict
	Sessions  *SessionVerdicts
	// DROWNSameKey names the fleet servers (Server.Name) whose SSL 2.0 speaks with this
	// server's key, compared with vulnerabilities.drown_same_key; empty declares none, nil
	// is not declared.
	DROWNSameKey []string
}

// SessionVerdicts declare session_resumption, alpn and early_data (probe/session); nil
// fields are not declared.
type SessionVerdicts struct {
	SessionID, Ticket, TLS13PSK, EarlyData *bool
	// ALPN is the declared alpn list, compared in order; nil is not declared.
	ALPN []string
}

// HSTS is the declared Strict-Transport-Security finding.
type HSTS struct {
	// Valid means a well-formed header is present; the rest is compared only when it is.
	Valid             bool
	MaxAge            int64
	IncludeSubdomains bool
	Preload           bool
}

// CertVerdicts are the declared certificate verdicts; nil fields are not declared.
type CertVerdicts struct {
	Trusted, HostnameMatch, Expired, NotYetValid, SelfSigned, ChainComplete, SHA1InChain, MD5InChain *bool
	// Revoked is certificate.revoked (null measured when not checked); Stapled is
	// ocsp_stapling offered with a valid good response.
	Revoked, Stapled *bool
	KeyAlg           string
	KeyBits          int
}

// PlainHTTPVerdict is the declared plain-HTTP finding.
type PlainHTTPVerdict struct {
	Reachable, RedirectsToHTTPS bool
	// OnTarget declares the check made on the target's own port (it answered plain HTTP
	// instead of TLS).
	OnTarget bool
}

// Check is one declared value set beside its measurement.
type Check struct {
	Server   string
	What     string // "grade 2009r", "protocol TLS1", "hsts max_age", "vuln heartbleed", ...
	Declared string
	Measured string
	Agree    bool
}

// Grades are the measured grades of one endpoint per criteria version; a nil grade means
// the endpoint was not graded.
type Grades map[string]*result.Grade

// Compare sets every declared value of e beside what r and grades measured. The checks come
// in a stable order: grades by criteria, then findings.
func Compare(e Endpoint, r result.Result, grades Grades) []Check {
	x := e.Expect
	var cs []Check
	add := func(what, declared, measured string) {
		cs = append(cs, Check{Server: e.Name, What: what, Declared: declared, Measured: measured, Agree: declared == measured})
	}
	for _, c := range sortedKeys(x.Grades) {
		add("grade "+c, letter(x.Grades[c]), measuredLetter(grades[c]))
	}
	for _, c := range sortedKeys(x.TrustIgnored) {
		m := "null"
		if g := grades[c]; g != nil {
			m = letter(g.TrustIgnored)
		}
		add("trust-ignored grade "+c, letter(x.TrustIgnored[c]), m)
	}

	measuredErr := "none"
	if r.Error != nil {
		measuredErr = string(r.Error.Kind)
	}
	declaredErr := "none"
	if x.ErrorKind != "" {
		declaredErr = string(x.ErrorKind)
	}
	add("error", declaredErr, measuredErr)

	for _, p := range result.AllProtocols() {
		want, ok := x.Protocols[p]
		if !ok {
			continue
		}
		add("protocol "+string(p), strconv.FormatBool(want), boolPtr(r.Protocols.Get(p)))
	}

	if h := x.HSTS; h != nil {
		var m *result.HSTS
		if r.HTTP != nil {
			m = r.HTTP.HSTS
		}
		switch {
		case m == nil && r.HTTP != nil && r.HTTP.Status != 0:
			// An HTTP answer without an HSTS object has no header.
			add("hsts valid", strconv.FormatBool(h.Valid), "false")
		case m == nil:
			add("hsts valid", strconv.FormatBool(h.Valid), "null")
		default:
			add("hsts valid", strconv.FormatBool(h.Valid), strconv.FormatBool(m.Present && !m.Invalid))
			if h.Valid {
				add("hsts max_age", strconv.FormatInt(h.MaxAge, 10), strconv.FormatInt(m.MaxAge, 10))
				add("hsts include_subdomains", strconv.FormatBool(h.IncludeSubdomains), strconv.FormatBool(m.IncludeSubdomains))
				add("hsts preload", strconv.FormatBool(h.Preload), strconv.FormatBool(m.Preload))
			}
		}
	}

	vulns := vulnFields(&r.Vulnerabilities)
	for _, id := range sortedKeys(x.Vulns) {
		v, known := vulns[id]
		m := "null"
		if !known {
			m = "unknown id"
		} else if v != nil {
			m = strconv.FormatBool(*v)
		}
		add("vuln "+id, strconv.FormatBool(x.Vulns[id]), m)
	}
	if x.DROWNSameKey != nil {
		add("drown_same_key", sameKeyList(x.DROWNSameKey), measuredSameKey(r.Vulnerabilities.DROWNSameKey))
	}

	if c := x.Cert; c != nil {
		m := r.Certificate
		field := func(what string, want *bool, got func(*result.Certificate) bool) {
			if want == nil {
				return
			}
			measured := "null"
			if m != nil {
				measured = strconv.FormatBool(got(m))
			}
			add("cert "+what, strconv.FormatBool(*want), measured)
		}
		if c.Trusted != nil {
			measured := "null"
			if m != nil {
				measured = boolPtr(m.Trusted) // null too when trust could not be decided
			}
			add("cert trusted", strconv.FormatBool(*c.Trusted), measured)
		}
		field("hostname_match", c.HostnameMatch, func(m *result.Certificate) bool { return m.HostnameMatch })
		field("expired", c.Expired, func(m *result.Certificate) bool { return m.Expired })
		field("not_yet_valid", c.NotYetValid, func(m *result.Certificate) bool { return m.NotYetValid })
		field("self_signed", c.SelfSigned, func(m *result.Certificate) bool { return m.SelfSigned })
		field("chain_complete", c.ChainComplete, func(m *result.Certificate) bool { return m.ChainComplete })
		field("sha1_in_chain", c.SHA1InChain, func(m *result.Certificate) bool { return m.SHA1InChain })
		field("md5_in_chain", c.MD5InChain, func(m *result.Certificate) bool { return m.MD5InChain })
		if c.Revoked != nil {
			measured := "null"
			if m != nil && m.Revoked != nil {
				measured = strconv.FormatBool(*m.Revoked)
			}
			add("cert revoked", strconv.FormatBool(*c.Revoked), measured)
		}
		field("ocsp_stapling good", c.Stapled, func(m *result.Certificate) bool {
			s := m.OCSPStapling
			return s != nil && s.Offered && s.Valid != nil && *s.Valid && s.Status != nil && *s.Status == result.RevocationGood
		})
		if c.KeyAlg != "" {
			measured := "null"
			if m != nil {
				measured = fmt.Sprintf("%s %d", m.KeyAlg, m.KeyBits)
			}
			add("cert key", fmt.Sprintf("%s %d", c.KeyAlg, c.KeyBits), measured)
		}
	}

	if v := x.Sessions; v != nil {
		sr := r.SessionResumption
		field := func(what string, want *bool, got func(*result.SessionResumption) *bool) {
			if want == nil {
				return
			}
			measured := "null"
			if sr != nil {
				measured = boolPtr(got(sr))
			}
			add(what, strconv.FormatBool(*want), measured)
		}
		field("session_resumption session_id", v.SessionID, func(m *result.SessionResumption) *bool { return m.SessionID })
		field("session_resumption ticket", v.Ticket, func(m *result.SessionResumption) *bool { return m.Ticket })
		field("session_resumption tls13_psk", v.TLS13PSK, func(m *result.SessionResumption) *bool { return m.TLS13PSK })
		if v.EarlyData != nil {
			add("early_data", strconv.FormatBool(*v.EarlyData), boolPtr(r.EarlyData))
		}
		if v.ALPN != nil {
			measured := "null"
			if r.ALPN != nil {
				measured = "[" + strings.Join(r.ALPN, " ") + "]"
			}
			add("alpn", "["+strings.Join(v.ALPN, " ")+"]", measured)
		}
	}

	if p := x.PlainHTTP; p != nil {
		m := r.PlainHTTP
		if m == nil || !m.Checked {
			add("plain_http reachable", strconv.FormatBool(p.Reachable), "null")
		} else {
			add("plain_http reachable", strconv.FormatBool(p.Reachable), strconv.FormatBool(m.Reachable))
			add("plain_http redirects_to_https", strconv.FormatBool(p.RedirectsToHTTPS), strconv.FormatBool(m.RedirectsToHTTPS))
			if p.OnTarget {
				add("plain_http on_target", "true", strconv.FormatBool(m.OnTarget))
			}
		}
	}
	return cs
}

// letter spells a declared or measured letter; "-" means no grade.
func letter(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func measuredLetter(g *result.Grade) string {
	if g == nil {
		return "-"
	}
	return letter(g.Letter)
}

func boolPtr(b *bool) string {
	if b == nil {
		return "null"
	}
	return strconv.FormatBool(*b)
}

// vulnFields maps the result's vulnerability ids to their values.
func vulnFields(v *result.Vulnerabilities) map[string]*bool {
	return map[string]*bool{
		"heartbleed":                 v.Heartbleed,
		"CCS":                        v.CCS,
		"ticketbleed":                v.Ticketbleed,
		"ROBOT":                      v.ROBOT,
		"secure_renego":              v.SecureRenego,
		"secure_client_renego":       v.SecureClientRenego,
		"CRIME_TLS":                  v.CRIME,
		"BREACH":                     v.BREACH,
		"POODLE_SSL":                 v.POODLESSL,
		"fallback_SCSV":              v.FallbackSCSV,
		"SWEET32":                    v.SWEET32,
		"FREAK":                      v.FREAK,
		"DROWN":                      v.DROWN,
		"LOGJAM":                     v.LOGJAM,
		"BEAST":                      v.BEAST,
		"LUCKY13":                    v.LUCKY13,
		"RC4":                        v.RC4,
		"insecure_renego":            v.InsecureRenego,
		"POODLE_TLS":                 v.POODLETLS,
		"padding_oracle_2016_2107":   v.PaddingOracle,
		"zombie_poodle":              v.ZombiePOODLE,
		"goldendoodle":               v.GOLDENDOODLE,
		"sleeping_poodle":            v.SleepingPOODLE,
		"zero_length_padding_oracle": v.ZeroLengthPaddingOracle,
	}
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// sameKeyList writes declared server names as the list Compare shows: sorted, in brackets.
func sameKeyList(names []string) string {
	names = append([]string(nil), names...)
	sort.Strings(names)
	return "[" + strings.Join(names, " ") + "]"
}

// measuredSameKey turns measured targets ("sslv2-only.lab.test:40123") back into server
// names; a target outside the fleet's domain is kept whole. Null when not compared.
func measuredSameKey(targets []string) string {
	if targets == nil {
		return "null"
	}
	names := make([]string, len(targets))
	for i, t := range targets {
		host := t
		if h, _, ok := strings.Cut(t, ":"); ok {
			host = h
		}
		if name, ok := strings.CutSuffix(host, "."+Domain); ok {
			host = name
		} else {
			host = t
		}
		names[i] = host
	}
	return sameKeyList(names)
}
