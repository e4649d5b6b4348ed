package lab

import (
	"crypto/tls"

	"github.com/mhealthsec/mhealthsec/probe/pki"
	"github.com/mhealthsec/mhealthsec/probe/result"
)

// Criteria versions the fleet declares grades for (docs/grading.md).
const (
	V2009n = "2009n"
	V2009q = "2009q"
	V2009r = "2009r"
)

// CriteriaVersions lists the versions every server declares, oldest first.
func CriteriaVersions() []string { return []string{V2009n, V2009q, V2009r} }

// HSTS header values served by the fleet.
const (
	hstsYear    = "max-age=31536000"
	hstsDay     = "max-age=86400"
	hstsPreload = "max-age=63072000; includeSubDomains; preload"
	hstsBroken  = "max-age=forever"
)

// Catalog is the fleet: Go crypto/tls servers and plain HTTP, each with its declared grades
// per criteria version and its findings. The grades were derived by hand from grading.md
// before any probe ran; Why gives the arithmetic or the rule that decides.
//
// Scores used below: protocol TLS 1.2/1.3 = 100, TLS 1.0 = 90; key exchange: ECDSA P-256
// certificate and X25519/P-256 ephemeral ≈ 3072-bit RSA = 90, RSA 2048 = 90, RSA 1024 = 80,
// P-384 ≈ 7680-bit RSA = 100; cipher: AES-128 (80) … AES-256/ChaCha20 (100) = 90.
// Overall = 0.3·protocol + 0.3·kx + 0.4·cipher.
//
// Servers Go cannot be (SSL 2.0 and 3.0, Heartbleed) come from fakeServers.
//
// The rows look alike on purpose (duplicates lists them as same-shape pairs): each is one
// server's data, declared by hand, and a helper that folded them would hide the declaration
// a reviewer must check against the grading rules.
func Catalog() []Server {
	return append(goServers(), fakeServers()...)
}

// goServers are the fleet members served by Go's crypto/tls and net/http.
func goServers() []Server {
	return []Server{
		{
			Name: "modern-hsts", Description: "TLS 1.2–1.3, ECDHE+AEAD, HSTS 1 year, HTTP redirects to HTTPS",
			TLS: true, MinVersion: tls.VersionTLS12, HSTS: hstsYear, PlainHTTP: PlainRedirect,
			Expect: Expect{
				Grades:    grades("A+", "A+", "A+"),
				Why:       "100/90/90 → 93 A; no cap or warning, HSTS ≥ 180 d, fallback SCSV → A+",
				Protocols: protocols(result.TLS12, result.TLS13), HSTS: &HSTS{Valid: true, MaxAge: 31536000},
				Vulns: with(soundVulns(true), "BREACH", false), Cert: soundCert("EC", 256),
				PlainHTTP: &PlainHTTPVerdict{Reachable: true, RedirectsToHTTPS: true},
			},
		},
		{
			Name: "modern-nohsts", Description: "TLS 1.2–1.3, ECDHE+AEAD, no HSTS, HTTP served without redirect",
			TLS: true, MinVersion: tls.VersionTLS12, PlainHTTP: PlainServe,
			Expect: Expect{
				Grades:    grades("A", "A", "A-"),
				Why:       "93 A; no HSTS → no A+; 2009r warns 'HSTS missing' → A-",
				Protocols: protocols(result.TLS12, result.TLS13), HSTS: &HSTS{Valid: false},
				Vulns: soundVulns(true), Cert: soundCert("EC", 256),
				PlainHTTP: &PlainHTTPVerdict{Reachable: true, RedirectsToHTTPS: false},
			},
		},
		{
			Name: "hsts-short", Description: "modern, HSTS max-age one day",
			TLS: true, MinVersion: tls.VersionTLS12, HSTS: hstsDay,
			Expect: Expect{
				Grades:    grades("A", "A", "A-"),
				Why:       "93 A; HSTS < 180 d → no A+; 2009r warns 'HSTS shorter than 180 days' → A-",
				Protocols: protocols(result.TLS12, result.TLS13), HSTS: &HSTS{Valid: true, MaxAge: 86400},
				Vulns: soundVulns(true), Cert: soundCert("EC", 256),
			},
		},
		{
			Name: "hsts-preload", Description: "modern, HSTS 2 years with includeSubDomains and preload",
			TLS: true, MinVersion: tls.VersionTLS12, HSTS: hstsPreload,
			Expect: Expect{
				Grades:    grades("A+", "A+", "A+"),
				Why:       "93 A; HSTS ≥ 180 d, no cap or warning → A+",
				Protocols: protocols(result.TLS12, result.TLS13),
				HSTS:      &HSTS{Valid: true, MaxAge: 63072000, IncludeSubdomains: true, Preload: true},
				Vulns:     soundVulns(true), Cert: soundCert("EC", 256),
			},
		},
		{
			Name: "hsts-invalid", Description: "modern, malformed HSTS header (max-age=forever)",
			TLS: true, MinVersion: tls.VersionTLS12, HSTS: hstsBroken,
			Expect: Expect{
				Grades:    grades("A", "A", "A-"),
				Why:       "93 A; invalid HSTS → no A+; 2009r warns 'HSTS invalid' → A-",
				Protocols: protocols(result.TLS12, result.TLS13), HSTS: &HSTS{Valid: false},
				Vulns: soundVulns(true), Cert: soundCert("EC", 256),
			},
		},
		{
			Name: "breach-gzip", Description: "modern, HSTS 1 year, HTTP responses gzip-compressed",
			TLS: true, MinVersion: tls.VersionTLS12, HSTS: hstsYear, Gzip: true,
			Expect: Expect{
				Grades:    grades("A+", "A+", "A+"),
				Why:       "93 A, HSTS → A+; HTTP compression (BREACH) is reported but no grading rule uses it",
				Protocols: protocols(result.TLS12, result.TLS13), HSTS: &HSTS{Valid: true, MaxAge: 31536000},
				Vulns: with(soundVulns(true), "BREACH", true), Cert: soundCert("EC", 256),
			},
		},
		{
			Name: "tls13-only", Description: "TLS 1.3 only, HSTS 1 year",
			TLS: true, MinVersion: tls.VersionTLS13, HSTS: hstsYear,
			Expect: Expect{
				Grades:    grades("A+", "A+", "A+"),
				Why:       "100/90/90 → 93 A; one protocol, no fallback SCSV needed; 'TLS 1.2 not supported' caps servers without TLS 1.2 or newer, not TLS 1.3-only ones (as SSL Labs)",
				Protocols: protocols(result.TLS13), HSTS: &HSTS{Valid: true, MaxAge: 31536000},
				// RFC 5746 renegotiation does not exist in TLS 1.3, nor CBC record protection.
				Vulns: noPaddingOracle(without(soundVulns(false), "secure_renego")), Cert: soundCert("EC", 256),
				// crypto/tls resumes by TLS 1.3 PSK; the TLS 1.2 mechanisms are refused with
				// the version; no ALPN configured; early data only over QUIC.
				Sessions: &SessionVerdicts{SessionID: no(), Ticket: no(), TLS13PSK: yes(), EarlyData: no(), ALPN: []string{}},
			},
		},
		{
			Name: "tls10-12", Description: "TLS 1.0–1.2, HSTS 1 year",
			TLS: true, MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS12, HSTS: hstsYear,
			Expect: Expect{
				Grades:    grades("A+", "B", "B"),
				Why:       "protocol (100+90)/2 = 95 → 91.5 A; 2009n: no cap, HSTS, fallback SCSV → A+; TLS 1.0/1.1 cap B from 2009q",
				Protocols: protocols(result.TLS10, result.TLS11, result.TLS12), HSTS: &HSTS{Valid: true, MaxAge: 31536000},
				Vulns: soundVulns(true), Cert: soundCert("EC", 256),
			},
		},
		{
			Name: "tls10-only", Description: "TLS 1.0 only (AES-CBC), HSTS 1 year",
			TLS: true, MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS10, HSTS: hstsYear,
			Expect: Expect{
				Grades:    grades("C", "C", "C"),
				Why:       "90/90/90 → 90 A, capped C: TLS 1.2 not supported (all versions; the B caps no AEAD and TLS 1.0 are higher)",
				Protocols: protocols(result.TLS10), HSTS: &HSTS{Valid: true, MaxAge: 31536000},
				// crypto/tls judges every bad CBC record alike (TLS 1.0: IV chained).
				Vulns: noPaddingOracle(soundVulns(false)), Cert: soundCert("EC", 256),
			},
		},
		{
			Name: "max-strength", Description: "TLS 1.2 only, AES-256-GCM and ChaCha20 only, P-384 key and group",
			TLS: true, MinVersion: tls.VersionTLS12, MaxVersion: tls.VersionTLS12, HSTS: hstsYear,
			CipherSuites: []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256},
			Curves:       []tls.CurveID{tls.CurveP384},
			Cert:         Cert{Key: pki.ECDSA384},
			Expect: Expect{
				Grades:    grades("A+", "A+", "A-"),
				Why:       "100/100/100 → 100 A; HSTS, one protocol → A+; 2009r warns 'TLS 1.3 not supported' → A-",
				Protocols: protocols(result.TLS12), HSTS: &HSTS{Valid: true, MaxAge: 31536000},
				Vulns: soundVulns(false), Cert: soundCert("EC", 384),
			},
		},
		{
			Name: "rsa1024", Description: "RSA 1024-bit certificate key, otherwise modern",
			TLS: true, MinVersion: tls.VersionTLS12, HSTS: hstsYear, Cert: Cert{Key: pki.RSA1024},
			Expect: Expect{
				Grades:    grades("B", "B", "B"),
				Why:       "kx 80 (1024 bits) → 90 A, capped B: key < 2048 bits",
				Protocols: protocols(result.TLS12, result.TLS13), HSTS: &HSTS{Valid: true, MaxAge: 31536000},
				Vulns: soundVulns(true), Cert: soundCert("RSA", 1024),
			},
		},
		{
			Name: "drown-shared-key", Description: "TLS 1.2–1.3, Go's defaults, HSTS 1 year; its RSA 2048 key is sslv2-only's (another certificate)",
			TLS: true, MinVersion: tls.VersionTLS12, HSTS: hstsYear,
			Cert: Cert{Key: pki.RSA2048, SharedKey: "drown"},
			Expect: Expect{
				Grades:    grades("F", "F", "F"),
				Why:       "100/90/90 → 93 A+ on its own, capped F: DROWN, its key speaks SSL 2.0 at sslv2-only (found by the scan-wide pass)",
				Protocols: protocols(result.TLS12, result.TLS13), HSTS: &HSTS{Valid: true, MaxAge: 31536000},
				Vulns: with(soundVulns(true), "DROWN", true), Cert: soundCert("RSA", 2048),
				DROWNSameKey: []string{"sslv2-only"},
			},
		},
		{
			Name: "rsa-kex", Description: "TLS 1.2, RSA key exchange only (no forward secrecy), AES-GCM",
			TLS: true, MinVersion: tls.VersionTLS12, MaxVersion: tls.VersionTLS12, HSTS: hstsYear,
			CipherSuites: []uint16{tls.TLS_RSA_WITH_AES_128_GCM_SHA256, tls.TLS_RSA_WITH_AES_256_GCM_SHA384},
			Cert:         Cert{Key: pki.RSA2048},
			Expect: Expect{
				Grades:    grades("A+", "B", "B"),
				Why:       "100/90/90 → 93 A; 2009n has no forward-secrecy cap → A+; 'no FS with modern clients' caps B from 2009o",
				Protocols: protocols(result.TLS12), HSTS: &HSTS{Valid: true, MaxAge: 31536000},
				Vulns: with(with(soundVulns(false), "ROBOT", false), "DROWN", false), Cert: soundCert("RSA", 2048),
				// An RSA key of its own: no SSL 2.0 endpoint of the fleet shares it.
				DROWNSameKey: []string{},
			},
		},
		{
			Name: "cbc-only", Description: "TLS 1.2, ECDHE with AES-CBC only (no AEAD)",
			TLS: true, MinVersion: tls.VersionTLS12, MaxVersion: tls.VersionTLS12, HSTS: hstsYear,
			CipherSuites: []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA, tls.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA},
			Expect: Expect{
				Grades:    grades("A+", "B", "B"),
				Why:       "100/90/90 → 93 A; 2009n has no AEAD cap → A+; 'no AEAD with modern clients' caps B from 2009o",
				Protocols: protocols(result.TLS12), HSTS: &HSTS{Valid: true, MaxAge: 31536000},
				// crypto/tls judges every bad CBC record alike.
				Vulns: noPaddingOracle(soundVulns(false)), Cert: soundCert("EC", 256),
			},
		},
		{
			Name: "rc4-3des", Description: "TLS 1.2, AES-GCM preferred, RC4 and 3DES also offered",
			TLS: true, MinVersion: tls.VersionTLS12, MaxVersion: tls.VersionTLS12, HSTS: hstsYear,
			CipherSuites: []uint16{tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
				tls.TLS_ECDHE_RSA_WITH_RC4_128_SHA, tls.TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA},
			Cert: Cert{Key: pki.RSA2048},
			Expect: Expect{
				Grades:    grades("B", "B", "B"),
				Why:       "93 A, capped B: RC4 supported (modern clients get AES-GCM, so not the C cap; 3DES merely offered has no cap)",
				Protocols: protocols(result.TLS12), HSTS: &HSTS{Valid: true, MaxAge: 31536000},
				Vulns: with(with(soundVulns(false), "RC4", true), "SWEET32", true), Cert: soundCert("RSA", 2048),
			},
		},
		{
			Name: "rc4-only", Description: "TLS 1.2, ECDHE-RSA-RC4-SHA only",
			TLS: true, MinVersion: tls.VersionTLS12, MaxVersion: tls.VersionTLS12, HSTS: hstsYear,
			CipherSuites: []uint16{tls.TLS_ECDHE_RSA_WITH_RC4_128_SHA},
			Cert:         Cert{Key: pki.RSA2048},
			Expect: Expect{
				Grades:    grades("F", "F", "F"),
				Why:       "100/90/80 → 89 A, capped F: only RC4 suites",
				Protocols: protocols(result.TLS12), HSTS: &HSTS{Valid: true, MaxAge: 31536000},
				Vulns: with(soundVulns(false), "RC4", true), Cert: soundCert("RSA", 2048),
			},
		},
		{
			Name: "3des-only", Description: "TLS 1.2, ECDHE-RSA-3DES-EDE-CBC-SHA only (3DES negotiated)",
			TLS: true, MinVersion: tls.VersionTLS12, MaxVersion: tls.VersionTLS12, HSTS: hstsYear,
			CipherSuites: []uint16{tls.TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA},
			Cert:         Cert{Key: pki.RSA2048},
			Expect: Expect{
				Grades:    grades("C", "C", "C"),
				Why:       "cipher 80 (3DES counted as 168 bits) → 89 A, capped C: 64-bit block cipher negotiated with TLS 1.1+ by modern clients (2009n+)",
				Protocols: protocols(result.TLS12), HSTS: &HSTS{Valid: true, MaxAge: 31536000},
				Vulns: with(soundVulns(false), "SWEET32", true), Cert: soundCert("RSA", 2048),
			},
		},
		{
			Name: "expired", Description: "modern, certificate expired 30 days ago",
			TLS: true, MinVersion: tls.VersionTLS12, HSTS: hstsYear, Cert: Cert{Expired: true},
			Expect: Expect{
				Grades: grades("T", "T", "T"), TrustIgnored: grades("A+", "A+", "A+"),
				Why:       "expired certificate → not trusted → T; trust ignored it is modern-hsts → A+",
				Protocols: protocols(result.TLS12, result.TLS13), HSTS: &HSTS{Valid: true, MaxAge: 31536000},
				Vulns: soundVulns(true),
				Cert:  certVerdicts(soundCert("EC", 256), func(c *CertVerdicts) { c.Trusted, c.Expired = no(), yes() }),
				// Resumed as any crypto/tls server: the expired leaf must not hide it.
				Sessions: &SessionVerdicts{SessionID: no(), Ticket: yes(), TLS13PSK: yes(), EarlyData: no(), ALPN: []string{}},
			},
		},
		{
			Name: "not-yet-valid", Description: "modern, certificate valid from 30 days from now",
			TLS: true, MinVersion: tls.VersionTLS12, HSTS: hstsYear, Cert: Cert{NotYetValid: true},
			Expect: Expect{
				Grades: grades("T", "T", "T"), TrustIgnored: grades("A+", "A+", "A+"),
				Why:       "certificate not yet valid → not trusted → T; trust ignored → A+",
				Protocols: protocols(result.TLS12, result.TLS13), HSTS: &HSTS{Valid: true, MaxAge: 31536000},
				Vulns: soundVulns(true),
				Cert:  certVerdicts(soundCert("EC", 256), func(c *CertVerdicts) { c.Trusted, c.NotYetValid = no(), yes() }),
			},
		},
		{
			Name: "self-signed", Description: "modern, self-signed certificate",
			TLS: true, MinVersion: tls.VersionTLS12, HSTS: hstsYear, Cert: Cert{SelfSigned: true},
			Expect: Expect{
				Grades: grades("T", "T", "T"), TrustIgnored: grades("A+", "A+", "A+"),
				Why:       "self-signed → not trusted → T; trust ignored → A+",
				Protocols: protocols(result.TLS12, result.TLS13), HSTS: &HSTS{Valid: true, MaxAge: 31536000},
				Vulns: soundVulns(true),
				Cert: certVerdicts(soundCert("EC", 256), func(c *CertVerdicts) {
					c.Trusted, c.SelfSigned, c.ChainComplete = no(), yes(), nil
				}),
			},
		},
		{
			Name: "wrong-host", Description: "modern, trusted certificate for other.lab.test",
			TLS: true, MinVersion: tls.VersionTLS12, HSTS: hstsYear, Cert: Cert{WrongName: true},
			Expect: Expect{
				Grades: grades("M", "M", "M"), TrustIgnored: grades("A+", "A+", "A+"),
				Why:       "hostname mismatch → M (the chain itself is trusted); trust ignored → A+",
				Protocols: protocols(result.TLS12, result.TLS13), HSTS: &HSTS{Valid: true, MaxAge: 31536000},
				Vulns: soundVulns(true),
				Cert:  certVerdicts(soundCert("EC", 256), func(c *CertVerdicts) { c.HostnameMatch = no() }),
			},
		},
		{
			Name: "incomplete-chain", Description: "modern, intermediate CA not sent but named by the leaf's AIA caIssuers URL (served by the fleet)",
			TLS: true, MinVersion: tls.VersionTLS12, HSTS: hstsYear, Cert: Cert{OmitIntermediates: true, AIA: true},
			Expect: Expect{
				Grades:    grades("B", "B", "B"),
				Why:       "incomplete chain, completed via AIA: cap B",
				Protocols: protocols(result.TLS12, result.TLS13), HSTS: &HSTS{Valid: true, MaxAge: 31536000},
				Vulns: soundVulns(true),
				Cert: certVerdicts(soundCert("EC", 256), func(c *CertVerdicts) {
					c.ChainComplete = no()
				}),
			},
		},
		{
			Name: "revoked", Description: "modern, leaf listed as revoked in the CRL its CRL Distribution Point names (served by the fleet)",
			TLS: true, MinVersion: tls.VersionTLS12, HSTS: hstsYear, Cert: Cert{Revoked: true},
			Expect: Expect{
				Grades: grades("T", "T", "T"), TrustIgnored: grades("A+", "A+", "A+"),
				Why:       "revoked leaf → not trusted, T (docs/grading.md); trust ignored → A+ as modern-hsts",
				Protocols: protocols(result.TLS12, result.TLS13), HSTS: &HSTS{Valid: true, MaxAge: 31536000},
				Vulns: soundVulns(true),
				Cert:  certVerdicts(soundCert("EC", 256), func(c *CertVerdicts) { c.Revoked = yes() }),
			},
		},
		{
			Name: "ocsp-stapled", Description: "modern, staples a good OCSP response signed by the intermediate",
			TLS: true, MinVersion: tls.VersionTLS12, HSTS: hstsYear, Cert: Cert{Staple: true},
			Expect: Expect{
				Grades:    grades("A+", "A+", "A+"),
				Why:       "as modern-hsts: stapling is reported, not graded",
				Protocols: protocols(result.TLS12, result.TLS13), HSTS: &HSTS{Valid: true, MaxAge: 31536000},
				Vulns: soundVulns(true),
				Cert:  certVerdicts(soundCert("EC", 256), func(c *CertVerdicts) { c.Stapled = yes() }),
			},
		},
		{
			Name: "no-resumption-h2", Description: "modern, session tickets off (no resumption at all), ALPN h2 and http/1.1",
			TLS: true, MinVersion: tls.VersionTLS12, HSTS: hstsYear,
			SessionTicketsDisabled: true, NextProtos: []string{"h2", "http/1.1"},
			Expect: Expect{
				Grades:    grades("A+", "A+", "A+"),
				Why:       "as modern-hsts: resumption and ALPN are reported, not graded",
				Protocols: protocols(result.TLS12, result.TLS13), HSTS: &HSTS{Valid: true, MaxAge: 31536000},
				Vulns: soundVulns(true), Cert: soundCert("EC", 256),
				Sessions: &SessionVerdicts{SessionID: no(), Ticket: no(), TLS13PSK: no(), EarlyData: no(), ALPN: []string{"h2", "http/1.1"}},
			},
		},
		{
			Name: "sha1-leaf", Description: "modern, leaf signed ECDSA-with-SHA1",
			TLS: true, MinVersion: tls.VersionTLS12, HSTS: hstsYear, Cert: Cert{SHA1: true},
			Expect: Expect{
				Grades: grades("T", "T", "T"), TrustIgnored: grades("A", "A", "A"),
				Why:       "SHA-1 signed leaf (2017 on) → not trusted → T; trust ignored 93 A, SHA-1 in chain forbids A+",
				Protocols: protocols(result.TLS12, result.TLS13), HSTS: &HSTS{Valid: true, MaxAge: 31536000},
				Vulns: soundVulns(true),
				Cert:  certVerdicts(soundCert("EC", 256), func(c *CertVerdicts) { c.Trusted, c.SHA1InChain = no(), yes() }),
			},
		},
		{
			Name: "md5-leaf", Description: "modern, leaf signed MD5-with-RSA by an RSA intermediate",
			TLS: true, MinVersion: tls.VersionTLS12, HSTS: hstsYear, Cert: Cert{MD5: true},
			Expect: Expect{
				Grades: grades("F", "F", "F"),
				Why: "100/90 (RSA 2048)/90 → 93 A, capped F: certificate signed with an insecure hash (MD5); " +
					"the chain is complete and leads to the root, so trusted (F, not T)",
				Protocols: protocols(result.TLS12, result.TLS13), HSTS: &HSTS{Valid: true, MaxAge: 31536000},
				Vulns: soundVulns(true),
				Cert:  certVerdicts(soundCert("RSA", 2048), func(c *CertVerdicts) { c.MD5InChain = yes() }),
			},
		},
		{
			Name: "http-only", Description: "plain HTTP only, no TLS at all",
			PlainHTTP: NoPlainHTTP,
			Expect: Expect{
				Grades:    grades("", "", ""),
				Why:       "no TLS: the probe reports not_tls and the endpoint gets no grade; its port serves a page over plain HTTP, no redirect",
				ErrorKind: result.ErrNotTLS,
				PlainHTTP: &PlainHTTPVerdict{Reachable: true, RedirectsToHTTPS: false, OnTarget: true},
			},
		},
	}
}

func grades(n, q, r string) map[string]string {
	return map[string]string{V2009n: n, V2009q: q, V2009r: r}
}

// protocols declares the listed protocols supported and every other one not.
func protocols(on ...result.Protocol) map[result.Protocol]bool {
	m := map[result.Protocol]bool{}
	for _, p := range result.AllProtocols() {
		m[p] = false
	}
	for _, p := range on {
		m[p] = true
	}
	return m
}

// soundVulns are the findings of any Go crypto/tls server: no Heartbleed, CCS, RC4, 3DES or
// SSL 3.0, secure renegotiation (RFC 5746) supported below TLS 1.3. multiProtocol servers also declare
// TLS_FALLBACK_SCSV support, which Go implements.
func soundVulns(multiProtocol bool) map[string]bool {
	v := map[string]bool{
		"heartbleed": false, "CCS": false, "RC4": false, "SWEET32": false, "POODLE_SSL": false,
		"secure_renego": true,
	}
	if multiProtocol {
		v["fallback_SCSV"] = true
	}
	return v
}

// noPaddingOracle declares the six CBC padding oracle checks not vulnerable: measured on a
// server that judges every bad CBC record alike, derived on one without CBC suites.
func noPaddingOracle(m map[string]bool) map[string]bool {
	for _, id := range []string{"POODLE_TLS", "sleeping_poodle", "zombie_poodle", "goldendoodle", "padding_oracle_2016_2107", "zero_length_padding_oracle"} {
		m[id] = false
	}
	return m
}

func without(m map[string]bool, id string) map[string]bool {
	delete(m, id)
	return m
}

func with(m map[string]bool, id string, v bool) map[string]bool {
	m[id] = v
	return m
}

func soundCert(keyAlg string, bits int) *CertVerdicts {
	return &CertVerdicts{
		Trusted: yes(), HostnameMatch: yes(), Expired: no(), NotYetValid: no(), SelfSigned: no(),
		ChainComplete: yes(), SHA1InChain: no(), KeyAlg: keyAlg, KeyBits: bits,
	}
}

func certVerdicts(c *CertVerdicts, edit func(*CertVerdicts)) *CertVerdicts {
	edit(c)
	return c
}

func yes() *bool { return result.Bool(true) }

func no() *bool { return result.Bool(false) }
