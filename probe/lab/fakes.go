package lab

import (
	"crypto/rand"
	"crypto/tls"
	"math/big"

	"github.com/mhealthsec/mhealthsec/probe/fakeserver"
	"github.com/mhealthsec/mhealthsec/probe/pki"
	"github.com/mhealthsec/mhealthsec/probe/result"
	"github.com/mhealthsec/mhealthsec/probe/vuln"
)

// fakeServers are the fleet members Go's crypto/tls cannot be: they speak the first flight
// of protocols and bugs no maintained library serves any more (probe/fakeserver). Most
// never finish a handshake, so nothing that needs one (HTTP, HSTS, the certificate checks
// done with crypto/tls) is declared for them; the Ticketbleed lookalike serves ordinary
// handshakes with crypto/tls and answers HTTP. Like Catalog's, the rows look alike on
// purpose: each is one server's data, declared by hand.
func fakeServers() []Server {
	return []Server{
		{
			Name: "sslv3-only", Description: "SSL 3.0 only (fake): RC4-SHA, DES-CBC3-SHA, AES128-SHA, RSA 2048",
			TLS: true, Cert: Cert{Key: pki.RSA2048},
			Fake: func(cert tls.Certificate) (Running, error) {
				return fakeserver.Start(fakeserver.SSLv3(fakeserver.SSLv3Options{Chain: cert.Certificate}))
			},
			Expect: Expect{
				Grades:    grades("F", "F", "F"),
				Why:       "SSL 3.0 is the best protocol → F (POODLE's C and RC4's B are higher caps)",
				Protocols: protocols(result.SSLv3),
				Vulns:     map[string]bool{"POODLE_SSL": true, "RC4": true, "SWEET32": true},
			},
		},
		{
			Name: "sslv2-only", Description: "SSL 2.0 only (fake): all seven SSL 2.0 cipher kinds, RSA 2048 (the key of drown-shared-key)",
			TLS: true, Cert: Cert{Key: pki.RSA2048, SharedKey: "drown"},
			Fake: func(cert tls.Certificate) (Running, error) {
				return fakeserver.Start(fakeserver.SSLv2(fakeserver.SSLv2Options{Certificate: cert.Certificate[0]}))
			},
			Expect: Expect{
				Grades:    grades("F", "F", "F"),
				Why:       "SSL 2.0 supported → F (all versions)",
				Protocols: protocols(result.SSLv2),
				Vulns:     map[string]bool{"DROWN": true},
				// drown-shared-key shares the key but speaks no SSL 2.0.
				DROWNSameKey: []string{},
			},
		},
		{
			Name: "heartbleed", Description: "OpenSSL 1.0.1f lookalike (fake): Heartbleed, TLS 1.0–1.2, RSA key exchange",
			TLS: true, Cert: Cert{Key: pki.RSA2048},
			Fake: func(cert tls.Certificate) (Running, error) {
				return fakeserver.Start(fakeserver.Heartbleed(fakeserver.VulnOptions{Chain: cert.Certificate}))
			},
			Expect: Expect{
				Grades:    grades("F", "F", "F"),
				Why:       "Heartbleed → F (all versions)",
				Protocols: protocols(result.TLS10, result.TLS11, result.TLS12),
				Vulns:     map[string]bool{"heartbleed": true, "CCS": false},
			},
		},
		{
			Name: "ccs-injection", Description: "OpenSSL 1.0.1g lookalike (fake): accepts an early ChangeCipherSpec, TLS 1.0–1.2",
			TLS: true, Cert: Cert{Key: pki.RSA2048},
			Fake: func(cert tls.Certificate) (Running, error) {
				return fakeserver.Start(fakeserver.CCSInjection(fakeserver.VulnOptions{Chain: cert.Certificate}))
			},
			Expect: Expect{
				Grades:    grades("F", "F", "F"),
				Why:       "CCS injection → F (all versions)",
				Protocols: protocols(result.TLS10, result.TLS11, result.TLS12),
				Vulns:     map[string]bool{"CCS": true, "heartbleed": false},
			},
		},
		{
			Name: "robot", Description: "Bleichenbacher padding oracle (fake): ROBOT, TLS 1.0–1.2, RSA key exchange only",
			TLS: true, Cert: Cert{Key: pki.RSA2048},
			Fake: func(cert tls.Certificate) (Running, error) {
				h, err := fakeserver.ROBOT(fakeserver.ROBOTOptions{Certificate: cert})
				if err != nil {
					return nil, err
				}
				return fakeserver.Start(h)
			},
			Expect: Expect{
				Grades:    grades("A", "F", "F"),
				Why:       "95/90/90 → 91.5 A; the ROBOT F cap starts with 2009o; no HTTP answer, so no HSTS and no A+ in 2009n",
				Protocols: protocols(result.TLS10, result.TLS11, result.TLS12),
				Vulns:     map[string]bool{"ROBOT": true, "heartbleed": false, "CCS": false},
				Cert:      soundCert("RSA", 2048),
			},
		},
		{
			Name: "export", Description: "export suites only (fake): RSA_EXPORT and DHE_EXPORT 512-bit on SSL 3.0 and TLS 1.0",
			TLS: true, Cert: Cert{Key: pki.RSA2048},
			Fake: func(cert tls.Certificate) (Running, error) {
				h, err := fakeserver.Export(fakeserver.ExportOptions{Chain: cert.Certificate})
				if err != nil {
					return nil, err
				}
				return fakeserver.Start(h)
			},
			Expect: Expect{
				Grades:    grades("F", "F", "F"),
				Why:       "export suites offered (and 512-bit key exchange) → F (all versions)",
				Protocols: protocols(result.SSLv3, result.TLS10),
				Vulns:     map[string]bool{"FREAK": true, "LOGJAM": true},
			},
		},
		{
			Name: "dhe1024-own", Description: "TLS 1.2 DHE-RSA only (fake), a 1024-bit DH group of its own",
			TLS: true, Cert: Cert{Key: pki.RSA2048},
			Fake: func(cert tls.Certificate) (Running, error) {
				p, err := rand.Prime(rand.Reader, 1024)
				if err != nil {
					return nil, err
				}
				return startDHE(cert, p)
			},
			Expect: Expect{
				Grades: grades("B", "B", "B"),
				Why: "100/80 (DH 1024)/80 → 86 A, capped B: DH parameters below 2048 bits; " +
					"the group is the server's own, not a shared prime, so not Logjam",
				Protocols: protocols(result.TLS12),
				Vulns:     map[string]bool{"LOGJAM": false, "FREAK": false},
			},
		},
		{
			Name: "dhe1024-oakley2", Description: "TLS 1.2 DHE-RSA only (fake), RFC 2409 Oakley group 2 (the most shared 1024-bit prime)",
			TLS: true, Cert: Cert{Key: pki.RSA2048},
			Fake: func(cert tls.Certificate) (Running, error) {
				p, err := vuln.SharedPrime("RFC2409/Oakley Group 2")
				if err != nil {
					return nil, err
				}
				return startDHE(cert, p)
			},
			Expect: Expect{
				Grades:    grades("B", "B", "B"),
				Why:       "100/80 (DH 1024)/80 → 86 A, capped B: DH parameters below 2048 bits (Logjam caps nothing more)",
				Protocols: protocols(result.TLS12),
				Vulns:     map[string]bool{"LOGJAM": true, "FREAK": false},
			},
		},
		{
			Name: "crime", Description: "TLS compression (fake): DEFLATE chosen when offered, TLS 1.0–1.2, RSA key exchange with AES and 3DES",
			TLS: true, Cert: Cert{Key: pki.RSA2048},
			Fake: func(cert tls.Certificate) (Running, error) {
				return fakeserver.Start(fakeserver.Compression(fakeserver.VulnOptions{Chain: cert.Certificate}))
			},
			Expect: Expect{
				Grades: grades("C", "C", "C"),
				Why: "95/90/(100+80)/2=90 → 91.5 A, capped C: CRIME (TLS compression), all versions; " +
					"the B caps (no FS 2009o+, TLS 1.0/1.1 2009q+) are higher, 3DES is not what modern clients get",
				Protocols: protocols(result.TLS10, result.TLS11, result.TLS12),
				Vulns: map[string]bool{"CRIME_TLS": true, "secure_renego": true, "insecure_renego": false,
					"heartbleed": false, "CCS": false, "ROBOT": false, "SWEET32": true, "RC4": false, "fallback_SCSV": false},
				Cert: soundCert("RSA", 2048),
			},
		},
		{
			Name: "renego-insecure", Description: "pre-RFC 5746 server (fake): TLS 1.2 ECDHE-RSA-AES128-GCM, no renegotiation_info, accepts client renegotiation",
			TLS: true, Cert: Cert{Key: pki.RSA2048},
			Fake: func(cert tls.Certificate) (Running, error) {
				return fakeserver.Start(fakeserver.Renegotiation(fakeserver.RenegotiationOptions{Chain: cert.Certificate}))
			},
			Expect: Expect{
				Grades:    grades("F", "F", "F"),
				Why:       "100/90/80 → 89 A, capped F: insecure (legacy) renegotiation supported, all versions",
				Protocols: protocols(result.TLS12),
				// The client-renegotiation check asks with renegotiation_info; this server ignores
				// the extension and renegotiates anyway, so it is also open to that DoS.
				Vulns: map[string]bool{"secure_renego": false, "insecure_renego": true, "secure_client_renego": true,
					"CRIME_TLS": false, "heartbleed": false, "CCS": false, "ROBOT": false, "SWEET32": false, "RC4": false},
				Cert: soundCert("RSA", 2048),
			},
		},
		{
			Name: "renego-client", Description: "RFC 5746 server that accepts client-initiated renegotiation (fake): TLS 1.2 ECDHE-RSA-AES128-GCM",
			TLS: true, Cert: Cert{Key: pki.RSA2048},
			Fake: func(cert tls.Certificate) (Running, error) {
				return fakeserver.Start(fakeserver.Renegotiation(fakeserver.RenegotiationOptions{Chain: cert.Certificate, Secure: true}))
			},
			Expect: Expect{
				Grades: grades("A", "A", "A-"),
				Why: "100/90/80 → 89 A; grading.md has no rule for secure client-initiated renegotiation (a DoS finding); " +
					"no HTTP answer, so no HSTS and no A+; 2009r warns 'TLS 1.3 not supported' and 'HSTS missing' → A-",
				Protocols: protocols(result.TLS12),
				Vulns: map[string]bool{"secure_renego": true, "insecure_renego": false, "secure_client_renego": true,
					"CRIME_TLS": false, "heartbleed": false, "CCS": false, "ROBOT": false, "SWEET32": false, "RC4": false},
				Cert: soundCert("RSA", 2048),
			},
		},
		paddingFake("padding-poodle-tls", "POODLE over TLS (fake): checks only the last CBC padding byte", fakeserver.PaddingPOODLETLS,
			grades("F", "F", "F"), "100/90/80 → 89 A, capped F: POODLE over TLS, all versions", "POODLE_TLS"),
		paddingFake("padding-sleeping-poodle", "Sleeping POODLE (fake): no answer to wrong CBC padding bytes under a valid MAC", fakeserver.PaddingSleepingPOODLE,
			grades("A", "F", "F"), "100/90/80 → 89 A; Sleeping POODLE caps F from 2009p (none in 2009n, and no HSTS for A+)", "sleeping_poodle"),
		paddingFake("padding-zombie-poodle", "Zombie POODLE (fake): closes without an alert on wrong CBC padding bytes under a valid MAC", fakeserver.PaddingZombiePOODLE,
			grades("A", "F", "F"), "100/90/80 → 89 A; Zombie POODLE caps F from 2009p (none in 2009n, and no HSTS for A+)", "zombie_poodle"),
		paddingFake("padding-goldendoodle", "GOLDENDOODLE (fake): decryption_failed for bad CBC padding, bad_record_mac for a bad MAC", fakeserver.PaddingGOLDENDOODLE,
			grades("A", "F", "F"), "100/90/80 → 89 A; GOLDENDOODLE caps F from 2009p (none in 2009n, and no HSTS for A+)", "goldendoodle"),
		paddingFake("padding-cve-2016-2107", "OpenSSL AES-NI padding oracle lookalike (fake): record_overflow when MAC and padding do not fit", fakeserver.Padding2016_2107,
			grades("F", "F", "F"), "100/90/80 → 89 A, capped F: OpenSSL padding oracle CVE-2016-2107, all versions", "padding_oracle_2016_2107"),
		paddingFake("padding-zero-length", "0-length padding oracle (fake): closes without an alert on a record of padding only", fakeserver.PaddingZeroLength,
			grades("A", "F", "F"), "100/90/80 → 89 A; the 0-length padding oracle caps F from 2009p (none in 2009n, and no HSTS for A+)", "zero_length_padding_oracle"),
		{
			Name: "null-cipher", Description: "NULL encryption only (fake): NULL-SHA256, NULL-SHA, NULL-MD5 on TLS 1.0–1.2, RSA key exchange",
			TLS: true, Cert: Cert{Key: pki.RSA2048},
			Fake: func(cert tls.Certificate) (Running, error) {
				return fakeserver.Start(fakeserver.NullCipher(fakeserver.VulnOptions{Chain: cert.Certificate}))
			},
			Expect: Expect{
				Grades:    grades("F", "F", "F"),
				Why:       "cipher score 0 (NULL only) → overall 0 → F in every version (and 'suites < 112 bits' caps F from 2009n)",
				Protocols: protocols(result.TLS10, result.TLS11, result.TLS12),
				Vulns: map[string]bool{"secure_renego": true, "CRIME_TLS": false, "heartbleed": false, "CCS": false,
					"ROBOT": false, "SWEET32": false, "RC4": false, "fallback_SCSV": false},
				// The certificate check reads the chain through its raw fallback hellos, which
				// offer every certificate-authenticated suite, NULL ones included.
				Cert: soundCert("RSA", 2048),
			},
		},
		{
			Name: "ticketbleed", Description: "F5 BIG-IP lookalike (fake): Ticketbleed, crypto/tls TLS 1.2 with session tickets, RSA 2048",
			TLS: true, Cert: Cert{Key: pki.RSA2048},
			Fake: func(cert tls.Certificate) (Running, error) {
				return fakeserver.Start(fakeserver.Ticketbleed(fakeserver.TicketbleedOptions{Certificate: cert}))
			},
			Expect: Expect{
				Grades: grades("A", "A", "A-"),
				Why: "100/90/(100+80)/2=90 → 93 A; grading.md has no Ticketbleed cap (finding only); HTTP answered without HSTS, " +
					"so no A+; 2009r warns 'TLS 1.3 not supported' and 'HSTS missing' → A-",
				Protocols: protocols(result.TLS12), HSTS: &HSTS{Valid: false},
				Vulns: map[string]bool{"ticketbleed": true, "secure_renego": true, "insecure_renego": false, "secure_client_renego": false,
					"CRIME_TLS": false, "heartbleed": false, "CCS": false, "ROBOT": false, "SWEET32": false, "RC4": false},
				Cert: soundCert("RSA", 2048),
			},
		},
	}
}

// startDHE starts the DHE fake with prime p.
func startDHE(cert tls.Certificate, p *big.Int) (Running, error) {
	h, err := fakeserver.DHE(fakeserver.DHEOptions{Chain: cert.Certificate, Prime: p})
	if err != nil {
		return nil, err
	}
	return fakeserver.Start(h)
}

// paddingFake is a CBC padding oracle fake of probe/fakeserver: TLS 1.2 only,
// ECDHE-RSA-AES128-SHA only (X25519), RSA 2048, with one flaw; vuln is the id of the one
// padding oracle check it shows. Scores: TLS 1.2 100, RSA 2048 90, AES-128 80 → 89 (A) before
// caps; the no-AEAD B cap of 2009o+ is above every cap declared here.
func paddingFake(name, desc string, flaw fakeserver.PaddingFlaw, g map[string]string, why, vuln string) Server {
	vulns := noPaddingOracle(map[string]bool{"LUCKY13": true, "BEAST": false,
		"secure_renego": true, "heartbleed": false, "CCS": false, "ROBOT": false, "SWEET32": false, "RC4": false})
	vulns[vuln] = true
	if flaw == fakeserver.Padding2016_2107 {
		// Its record_overflow for a record of padding only hides the 0-length oracle: null.
		delete(vulns, "zero_length_padding_oracle")
	}
	return Server{
		Name: name, Description: desc + ", TLS 1.2 ECDHE-RSA-AES128-SHA, RSA 2048",
		TLS: true, Cert: Cert{Key: pki.RSA2048},
		Fake: func(cert tls.Certificate) (Running, error) {
			return fakeserver.Start(fakeserver.PaddingOracle(fakeserver.PaddingOracleOptions{Chain: cert.Certificate, Flaw: flaw}))
		},
		Expect: Expect{Grades: g, Why: why, Protocols: protocols(result.TLS12), Vulns: vulns, Cert: soundCert("RSA", 2048)},
	}
}
