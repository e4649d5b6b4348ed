package grade

import (
	"fmt"
	"strings"

	"github.com/mhealthsec/mhealthsec/probe/result"
)

// rule is one row of the rating criteria: a cap (effect "F", "C", "B") or a warning
// (effect "warning") that applies to the versions from since to until, when check holds.
//
// Sources are what we found (searched 2026-11-23):
//   - guide-2009e: ssllabs/research docs/SSL_Server_Rating_Guide.xml, "Changes in 2009c/2009e"
//   - blog-2014-01: blog.qualys.com 2014/01/21 "SSL Labs: Stricter Security Requirements for 2014"
//   - blog-2015-05: Qualys Security Labs 2015/05/22 "increased penalty when TLS 1.2 is not
//     supported" (SSL Labs 1.17.10: RC4 with TLS 1.1+ → C, no TLS 1.2 → C)
//   - blog-2017-01: blog.qualys.com 2017/01/18 "SSL Labs Grading Changes January 2017" (2009n;
//     live in 1.28.3, April 2017): 64-bit block ciphers with TLS 1.1+ → C, no TLS 1.2 → C
//   - blog-2018-02: blog.qualys.com 2018/02/02 "Forward Secrecy, Authenticated Encryption and
//     ROBOT" (live 1 March 2018, SSL Labs 1.31.0; after 2009n)
//   - blog-2018-11: blog.qualys.com 2018/11/19 "Grade Change for TLS 1.0 and TLS 1.1" (cap B
//     live 31 January 2020: 2009q)
//   - notice-2025-02: notifications.qualys.com 2025/02/26 "Key Changes in SSL Labs Grading"
//     (2009r: TLS_FALLBACK_SCSV dropped from grading, more weight on TLS 1.3)
//   - blog-tag-grading: blog.qualys.com/tag/grading (RC4-only → F from October 2015, SSL Labs
//     1.20.28; 2009l: DROWN → F, RSA exponent 1 → F; 2009m: CVE-2016-2107 → F)
//   - spec: docs/grading.md where we found no primary source for the row.
type rule struct {
	id     string
	effect string
	since  string
	until  string
	source string
	// text says what the rule is about; check adds the evidence when it holds.
	text  string
	check func(f *facts) (holds bool, evidence string)
}

const warning = "warning"

func (r rule) appliesTo(c Criteria) bool { return c.atLeast(r.since) && c.atMost(r.until) }

// reason is the sentence a person reads: "TLS 1.0 or 1.1 supported (cap B since 2009q)".
func (r rule) reason(evidence string) string {
	var b strings.Builder
	b.WriteString(r.text)
	if evidence != "" {
		b.WriteString(": ")
		b.WriteString(evidence)
	}
	if r.effect == warning {
		b.WriteString(" (warning")
	} else {
		b.WriteString(" (cap ")
		b.WriteString(r.effect)
	}
	if r.since != "" {
		b.WriteString(" since ")
		b.WriteString(r.since)
	}
	b.WriteString(")")
	return b.String()
}

// rules returns the criteria table. It is built on each call (no package state); the slice
// is small and grading is not on a hot path that would notice.
func rules() []rule {
	return []rule{
		// ---- F ----
		{id: "sslv2", effect: "F", source: "guide-2009e (2009c: SSL 2.0 not allowed)",
			text: "SSL 2.0 supported", check: func(f *facts) (bool, string) {
				return f.supports(result.SSLv2), ""
			}},
		{id: "insecure_renego", effect: "F", source: "guide-2009e (2009c: insecure renegotiation not allowed)",
			text: "insecure (legacy) renegotiation supported", check: func(f *facts) (bool, string) {
				return isTrue(f.r.Vulnerabilities.InsecureRenego), ""
			}},
		{id: "sslv3_best", effect: "F", source: "spec (POODLE-era rule; no primary source found)",
			text: "SSL 3.0 is the best protocol", check: func(f *facts) (bool, string) {
				return f.best == result.SSLv3, ""
			}},
		{id: "rc4_only", effect: "F", source: "blog-tag-grading (RC4-only → F from October 2015)",
			text: "only RC4 suites", check: func(f *facts) (bool, string) {
				if len(f.suites) == 0 {
					return false, ""
				}
				for _, s := range f.suites {
					if !s.rc4 {
						return false, ""
					}
				}
				return true, ""
			}},
		{id: "export", effect: "F", source: "spec (FREAK/Logjam 2015; no primary source found)",
			text: "export cipher suites offered", check: func(f *facts) (bool, string) {
				return f.any(func(s suite) bool { return s.export })
			}},
		{id: "key_lt1024", effect: "F", source: "blog-2014-01 (keys below 1024 bits → F); DH added with Logjam (spec)",
			text: "key or DH parameters below 1024 bits", check: func(f *facts) (bool, string) {
				bits, what := f.weakestKey()
				return bits > 0 && bits < 1024, fmt.Sprintf("%s is %d bits", what, bits)
			}},
		{id: "cert_insecure_signature", effect: "F", source: "guide-2009e (MD2, and MD5 since 2009e)",
			text: "certificate signed with an insecure hash", check: func(f *facts) (bool, string) {
				if f.cert == nil {
					return false, ""
				}
				// An MD5 signature anywhere below the root can be forged (the 2008 rogue CA
				// was an MD5-signed certificate), so an MD5 intermediate counts too.
				alg := strings.ToUpper(f.cert.SigAlg)
				if f.cert.MD5InChain && !strings.Contains(alg, "MD5") {
					return true, "MD5-signed intermediate"
				}
				return strings.Contains(alg, "MD5") || strings.Contains(alg, "MD2"), f.cert.SigAlg
			}},
		{id: "rsa_exponent_1", effect: "F", source: "blog-tag-grading (2009l: RSA exponent 1 → F)",
			text: "RSA public exponent 1", check: func(f *facts) (bool, string) {
				return f.cert != nil && f.cert.KeyExponent == 1, ""
			}},
		{id: "debian_weak_key", effect: "F", source: "guide-2009e (Debian OpenSSL flaw scores 0)",
			text: "known Debian weak key", check: func(f *facts) (bool, string) {
				return f.cert != nil && isTrue(f.cert.DebianWeakKey), ""
			}},
		{id: "weak_cipher_lt112", effect: "F", since: "2009n", source: "spec (2009n)",
			text: "cipher suites weaker than 112 bits offered", check: func(f *facts) (bool, string) {
				return f.any(func(s suite) bool { return s.bitsKnown && s.bits < 112 })
			}},
		{id: "heartbleed", effect: "F", source: "spec (Heartbleed, April 2014)",
			text: "vulnerable to Heartbleed", check: vuln(func(v *result.Vulnerabilities) *bool { return v.Heartbleed })},
		{id: "ccs_injection", effect: "F", source: "spec (CVE-2014-0224, June 2014)",
			text: "vulnerable to CCS injection (CVE-2014-0224)", check: vuln(func(v *result.Vulnerabilities) *bool { return v.CCS })},
		{id: "poodle_tls", effect: "F", source: "spec (POODLE over TLS, December 2014)",
			text: "vulnerable to POODLE over TLS", check: vuln(func(v *result.Vulnerabilities) *bool { return v.POODLETLS })},
		{id: "padding_oracle_2016_2107", effect: "F", source: "blog-tag-grading (2009m: CVE-2016-2107 → F)",
			text: "vulnerable to the OpenSSL padding oracle CVE-2016-2107", check: vuln(func(v *result.Vulnerabilities) *bool { return v.PaddingOracle })},
		{id: "drown", effect: "F", source: "blog-tag-grading (2009l: DROWN → F)",
			text: "vulnerable to DROWN", check: func(f *facts) (bool, string) {
				// Through another service: name it, as SSL Labs' "same key with SSL 2".
				if v := &f.r.Vulnerabilities; isTrue(v.DROWN) && len(v.DROWNSameKey) > 0 {
					return true, "its RSA key speaks SSL 2.0 at " + strings.Join(v.DROWNSameKey, ", ")
				}
				return vuln(func(v *result.Vulnerabilities) *bool { return v.DROWN })(f)
			}},
		{id: "robot", effect: "F", since: "2009o", source: "blog-2018-02 (ROBOT → F from 1 March 2018)",
			text: "vulnerable to ROBOT", check: vuln(func(v *result.Vulnerabilities) *bool { return v.ROBOT })},
		{id: "zombie_poodle", effect: "F", since: "2009p", source: "spec (2019 padding oracles)",
			text: "vulnerable to Zombie POODLE", check: vuln(func(v *result.Vulnerabilities) *bool { return v.ZombiePOODLE })},
		{id: "goldendoodle", effect: "F", since: "2009p", source: "spec (2019 padding oracles)",
			text: "vulnerable to GOLDENDOODLE", check: vuln(func(v *result.Vulnerabilities) *bool { return v.GOLDENDOODLE })},
		{id: "sleeping_poodle", effect: "F", since: "2009p", source: "spec (2019 padding oracles)",
			text: "vulnerable to Sleeping POODLE", check: vuln(func(v *result.Vulnerabilities) *bool { return v.SleepingPOODLE })},
		{id: "zero_length_padding_oracle", effect: "F", since: "2009p", source: "spec (2019 padding oracles)",
			text: "vulnerable to the 0-length padding oracle (CVE-2019-1559)", check: vuln(func(v *result.Vulnerabilities) *bool { return v.ZeroLengthPaddingOracle })},

		// ---- C ----
		{id: "tls12_missing", effect: "C", source: "blog-2015-05 (raised from B to C); blog-2017-01 confirms C",
			text: "TLS 1.2 not supported", check: func(f *facts) (bool, string) {
				return !f.supports(result.TLS12) && !f.supports(result.TLS13), ""
			}},
		{id: "crime", effect: "C", source: "guide-2009e says B (2009c); grading.md says C for every version we implement and we found no source for the change, so we follow grading.md",
			text: "TLS compression supported (CRIME)", check: vuln(func(v *result.Vulnerabilities) *bool { return v.CRIME })},
		{id: "poodle_ssl", effect: "C", source: "spec (POODLE, October 2014)",
			text: "SSL 3.0 with CBC suites (POODLE)", check: func(f *facts) (bool, string) {
				if isTrue(f.r.Vulnerabilities.POODLESSL) {
					return true, ""
				}
				return f.any(func(s suite) bool { return s.protocol == result.SSLv3 && s.cbc })
			}},
		{id: "rc4_modern", effect: "C", source: "blog-2015-05 (RC4 with TLS 1.1+ → C)",
			text: "RC4 used with TLS 1.1+ by modern clients", check: func(f *facts) (bool, string) {
				return f.modernPicks(func(s suite) bool { return s.rc4 })
			}},
		{id: "block64_modern", effect: "C", since: "2009n", source: "blog-2017-01 (64-bit block ciphers with TLS 1.1 and 1.2 → C)",
			text: "64-bit block cipher used with TLS 1.1+ by modern clients", check: func(f *facts) (bool, string) {
				return f.modernPicks(func(s suite) bool { return s.block64 })
			}},

		// ---- B ----
		{id: "sslv3", effect: "B", source: "spec (POODLE, October 2014)",
			text: "SSL 3.0 supported", check: func(f *facts) (bool, string) {
				return f.supports(result.SSLv3), ""
			}},
		{id: "rc4", effect: "B", source: "spec (2015 RC4 rules)",
			text: "RC4 supported", check: func(f *facts) (bool, string) {
				return f.any(func(s suite) bool { return s.rc4 })
			}},
		{id: "key_lt2048", effect: "B", source: "blog-2014-01 (keys below 2048 bits → B); DH parameters per spec",
			text: "key or DH parameters below 2048 bits", check: func(f *facts) (bool, string) {
				bits, what := f.weakestKey()
				return bits > 0 && bits < 2048, fmt.Sprintf("%s is %d bits", what, bits)
			}},
		{id: "chain_incomplete", effect: "B", source: "spec",
			text: "incomplete certificate chain", check: func(f *facts) (bool, string) {
				return f.cert != nil && !f.cert.ChainComplete, ""
			}},
		{id: "no_fs_modern", effect: "B", since: "2009o", source: "blog-2018-02 (no forward secrecy → B, from 1 March 2018)",
			text: "no forward secrecy with modern clients", check: func(f *facts) (bool, string) {
				return f.modernLacks(func(s suite) bool { return s.fs })
			}},
		{id: "no_aead_modern", effect: "B", since: "2009o", source: "blog-2018-02 (no AEAD → B, from 1 March 2018)",
			text: "no AEAD suite with modern clients", check: func(f *facts) (bool, string) {
				return f.modernLacks(func(s suite) bool { return s.aead })
			}},
		{id: "tls10_tls11", effect: "B", since: "2009q", source: "blog-2018-11 (TLS 1.0/1.1 → B, live 31 January 2020)",
			text: "TLS 1.0 or 1.1 supported", check: func(f *facts) (bool, string) {
				return f.supports(result.TLS10) || f.supports(result.TLS11), ""
			}},

		// ---- warnings (A → A−) ----
		{id: "no_secure_renego", effect: warning, source: "blog-2014-01 (no secure renegotiation → warning)",
			text: "secure renegotiation not supported", check: func(f *facts) (bool, string) {
				return isFalse(f.r.Vulnerabilities.SecureRenego), ""
			}},
		{id: "tls13_missing", effect: warning, since: "2009r", source: "notice-2025-02 (more weight on TLS 1.3); spec: warning",
			text: "TLS 1.3 not supported", check: func(f *facts) (bool, string) {
				return !f.supports(result.TLS13), ""
			}},
		{id: "hsts_missing", effect: warning, since: "2009r", source: "spec (2009r)",
			text: "HSTS missing, invalid or shorter than 180 days", check: func(f *facts) (bool, string) {
				ok, why := hstsGood(f.r)
				return !ok, why
			}},
	}
}

// vuln makes a check from a vulnerability flag: it holds only when the probe found the
// server vulnerable; null (not checked) never caps.
func vuln(get func(*result.Vulnerabilities) *bool) func(*facts) (bool, string) {
	return func(f *facts) (bool, string) { return isTrue(get(&f.r.Vulnerabilities)), "" }
}

// minHSTSMaxAge is the 180 days SSL Labs asks of HSTS for A+.
const minHSTSMaxAge = 15552000

// hstsGood reports whether the result shows a valid HSTS header of at least 180 days, and
// if not, why.
func hstsGood(r *result.Result) (bool, string) {
	switch h := r.HTTP; {
	case h == nil:
		return false, "HTTP not checked"
	case h.HSTS == nil || !h.HSTS.Present:
		return false, "no Strict-Transport-Security header"
	case h.HSTS.Invalid:
		return false, "invalid Strict-Transport-Security header"
	case h.HSTS.MaxAge < minHSTSMaxAge:
		return false, fmt.Sprintf("max-age %d s is below %d s", h.HSTS.MaxAge, minHSTSMaxAge)
	}
	return true, ""
}
