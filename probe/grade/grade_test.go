package grade

import (
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mhealthsec/mhealthsec/probe/result"
)

// Suites used to build synthetic results.
var (
	tls13AES128 = result.Cipher{Protocol: result.TLS13, ID: "0x1301", Name: "TLS_AES_128_GCM_SHA256", Bits: 128, Kx: "ECDHE", KxBits: 253, ForwardSecrecy: true, AEAD: true, Cipher: "AES"}
	tls13AES256 = result.Cipher{Protocol: result.TLS13, ID: "0x1302", Name: "TLS_AES_256_GCM_SHA384", Bits: 256, Kx: "ECDHE", KxBits: 253, ForwardSecrecy: true, AEAD: true, Cipher: "AES"}
	ecdheGCM128 = result.Cipher{Protocol: result.TLS12, ID: "0xc02f", Name: "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", Bits: 128, Kx: "ECDHE", KxBits: 256, ForwardSecrecy: true, AEAD: true, Cipher: "AES"}
	ecdheGCM256 = result.Cipher{Protocol: result.TLS12, ID: "0xc030", Name: "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", Bits: 256, Kx: "ECDHE", KxBits: 256, ForwardSecrecy: true, AEAD: true, Cipher: "AES"}
	ecdheCBC128 = result.Cipher{Protocol: result.TLS12, ID: "0xc013", Name: "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", Bits: 128, Kx: "ECDHE", KxBits: 256, ForwardSecrecy: true, Cipher: "AES", BlockBits: 128}
	ecdheCBC256 = result.Cipher{Protocol: result.TLS12, ID: "0xc014", Name: "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", Bits: 256, Kx: "ECDHE", KxBits: 256, ForwardSecrecy: true, Cipher: "AES", BlockBits: 128}
	rsaGCM128   = result.Cipher{Protocol: result.TLS12, ID: "0x009c", Name: "TLS_RSA_WITH_AES_128_GCM_SHA256", Bits: 128, Kx: "RSA", KxBits: 2048, AEAD: true, Cipher: "AES"}
	rsaGCM256   = result.Cipher{Protocol: result.TLS12, ID: "0x009d", Name: "TLS_RSA_WITH_AES_256_GCM_SHA384", Bits: 256, Kx: "RSA", KxBits: 2048, AEAD: true, Cipher: "AES"}
	rsaRC4      = result.Cipher{Protocol: result.TLS12, ID: "0x0005", Name: "TLS_RSA_WITH_RC4_128_SHA", Bits: 128, Kx: "RSA", KxBits: 2048, Cipher: "RC4"}
	rsa3DES     = result.Cipher{Protocol: result.TLS12, ID: "0x000a", Name: "TLS_RSA_WITH_3DES_EDE_CBC_SHA", Bits: 168, Kx: "RSA", KxBits: 2048, Cipher: "3DES", BlockBits: 64}
	rsaNULL     = result.Cipher{Protocol: result.TLS12, ID: "0x003b", Name: "TLS_RSA_WITH_NULL_SHA256", Bits: 0, Kx: "RSA", KxBits: 2048, Cipher: "NULL"}
	expRC4      = result.Cipher{Protocol: result.TLS10, ID: "0x0003", Name: "TLS_RSA_EXPORT_WITH_RC4_40_MD5", Bits: 40, Kx: "RSA", KxBits: 512, Cipher: "RC4", Export: true}
	dhe1024     = result.Cipher{Protocol: result.TLS12, ID: "0x009e", Name: "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256", Bits: 128, Kx: "DHE", KxBits: 1024, ForwardSecrecy: true, AEAD: true, Cipher: "AES"}
)

func at(c result.Cipher, p result.Protocol) result.Cipher { c.Protocol = p; return c }

func neg(c result.Cipher) result.Negotiation {
	return result.Negotiation{Client: "ref", Protocol: c.Protocol, Cipher: c.Name, ID: c.ID}
}

// goodResult is a well configured server: TLS 1.2 and 1.3, ECDHE with AEAD, RSA 2048,
// trusted complete chain, HSTS for a year, secure renegotiation and fallback SCSV.
func goodResult() *result.Result {
	nb := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	na := nb.AddDate(1, 0, 0)
	r := &result.Result{Target: "good.test:443", Host: "good.test", Port: 443, Source: result.SourceProbe}
	r.Protocols.Set(result.SSLv2, false)
	r.Protocols.Set(result.SSLv3, false)
	r.Protocols.Set(result.TLS10, false)
	r.Protocols.Set(result.TLS11, false)
	r.Protocols.Set(result.TLS12, true)
	r.Protocols.Set(result.TLS13, true)
	r.Ciphers = []result.Cipher{tls13AES128, tls13AES256, ecdheGCM128, ecdheGCM256}
	r.ModernClients = []result.Negotiation{neg(tls13AES128), neg(ecdheGCM128)}
	r.Certificate = &result.Certificate{Subject: "CN=good.test", SAN: []string{"good.test"}, NotBefore: &nb, NotAfter: &na,
		SigAlg: "SHA256-RSA", KeyAlg: "RSA", KeyBits: 2048, Trusted: result.Bool(true), HostnameMatch: true, ChainComplete: true, ChainLen: 2}
	r.Vulnerabilities = result.Vulnerabilities{SecureRenego: result.Bool(true), FallbackSCSV: result.Bool(true),
		InsecureRenego: result.Bool(false), Heartbleed: result.Bool(false), CCS: result.Bool(false), ROBOT: result.Bool(false)}
	r.HTTP = &result.HTTP{Status: 200, HSTS: &result.HSTS{Present: true, MaxAge: 31536000}}
	return r
}

func onlyTLS12(r *result.Result) {
	r.Protocols.Set(result.TLS13, false)
	r.Ciphers = slices.DeleteFunc(r.Ciphers, func(c result.Cipher) bool { return c.Protocol == result.TLS13 })
	r.ModernClients = slices.DeleteFunc(r.ModernClients, func(n result.Negotiation) bool { return n.Protocol == result.TLS13 })
}

type want struct {
	letter, trustIgnored string
	caps, warnings       []string
}

func TestGradeRules(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(r *result.Result)
		// by criteria version
		want map[Criteria]want
	}{
		{"good config with HSTS", func(*result.Result) {},
			all(want{letter: "A+"})},
		{"no HSTS", func(r *result.Result) { r.HTTP.HSTS = &result.HSTS{} },
			byVersion(want{letter: "A"}, want{letter: "A"}, want{letter: "A-", warnings: []string{"hsts_missing"}})},
		{"short HSTS", func(r *result.Result) { r.HTTP.HSTS.MaxAge = 86400 },
			byVersion(want{letter: "A"}, want{letter: "A"}, want{letter: "A-", warnings: []string{"hsts_missing"}})},
		{"TLS 1.2 only", onlyTLS12,
			byVersion(want{letter: "A+"}, want{letter: "A+"}, want{letter: "A-", warnings: []string{"tls13_missing"}})},
		{"TLS 1.0 to 1.2", func(r *result.Result) {
			onlyTLS12(r)
			r.Protocols.Set(result.TLS10, true)
			r.Protocols.Set(result.TLS11, true)
			r.Ciphers = append(r.Ciphers, at(ecdheCBC128, result.TLS10), at(ecdheCBC128, result.TLS11))
		}, byVersion(want{letter: "A+"}, want{letter: "B", caps: []string{"tls10_tls11"}},
			want{letter: "B", caps: []string{"tls10_tls11"}, warnings: []string{"tls13_missing"}})},
		{"TLS 1.0 only", func(r *result.Result) {
			r.Protocols.Set(result.TLS12, false)
			r.Protocols.Set(result.TLS13, false)
			r.Protocols.Set(result.TLS10, true)
			r.Ciphers = []result.Cipher{at(ecdheCBC128, result.TLS10), at(ecdheCBC256, result.TLS10)}
			r.ModernClients = []result.Negotiation{neg(at(ecdheCBC128, result.TLS10))}
		}, byVersion(want{letter: "C", caps: []string{"tls12_missing"}},
			want{letter: "C", caps: []string{"tls12_missing", "no_aead_modern", "tls10_tls11"}},
			want{letter: "C", caps: []string{"tls12_missing", "no_aead_modern", "tls10_tls11"}, warnings: []string{"tls13_missing"}})},
		{"SSL 2.0 supported", func(r *result.Result) { r.Protocols.Set(result.SSLv2, true) },
			all(want{letter: "F", caps: []string{"sslv2"}})},
		{"SSL 3.0 with CBC", func(r *result.Result) {
			r.Protocols.Set(result.SSLv3, true)
			r.Ciphers = append(r.Ciphers, result.Cipher{Protocol: result.SSLv3, ID: "0x002f", Name: "TLS_RSA_WITH_AES_128_CBC_SHA", Bits: 128, Kx: "RSA", Cipher: "AES", BlockBits: 128})
		}, all(want{letter: "C", caps: []string{"poodle_ssl", "sslv3"}})},
		{"SSL 3.0 with RC4 only", func(r *result.Result) {
			r.Protocols.Set(result.SSLv3, true)
			r.Ciphers = append(r.Ciphers, at(rsaRC4, result.SSLv3))
		}, all(want{letter: "B", caps: []string{"sslv3", "rc4"}})},
		{"SSL 3.0 best protocol", func(r *result.Result) {
			r.Protocols = result.Protocols{}
			r.Protocols.Set(result.SSLv3, true)
			r.Ciphers = []result.Cipher{at(rsa3DES, result.SSLv3)}
			r.ModernClients = nil
		}, byVersion(want{letter: "F", caps: []string{"sslv3_best", "tls12_missing", "poodle_ssl", "sslv3"}},
			want{letter: "F", caps: []string{"sslv3_best", "tls12_missing", "poodle_ssl", "sslv3", "no_fs_modern", "no_aead_modern"}},
			want{letter: "F", caps: []string{"sslv3_best", "tls12_missing", "poodle_ssl", "sslv3", "no_fs_modern", "no_aead_modern"}, warnings: []string{"tls13_missing"}})},
		{"RC4 offered, not used by modern clients", func(r *result.Result) { r.Ciphers = append(r.Ciphers, rsaRC4) },
			all(want{letter: "B", caps: []string{"rc4"}})},
		{"RC4 negotiated by modern clients", func(r *result.Result) {
			r.Ciphers = append(r.Ciphers, rsaRC4)
			r.ModernClients = append(r.ModernClients, neg(rsaRC4))
		}, all(want{letter: "C", caps: []string{"rc4_modern", "rc4"}})},
		{"RC4 only", func(r *result.Result) {
			onlyTLS12(r)
			r.Ciphers = []result.Cipher{rsaRC4}
			r.ModernClients = []result.Negotiation{neg(rsaRC4)}
		}, byVersion(want{letter: "F", caps: []string{"rc4_only", "rc4_modern", "rc4"}},
			want{letter: "F", caps: []string{"rc4_only", "rc4_modern", "rc4", "no_fs_modern", "no_aead_modern"}},
			want{letter: "F", caps: []string{"rc4_only", "rc4_modern", "rc4", "no_fs_modern", "no_aead_modern"}, warnings: []string{"tls13_missing"}})},
		{"RC4 only on TLS 1.1+ without reference-client data", func(r *result.Result) {
			onlyTLS12(r)
			r.Protocols.Set(result.TLS10, true)
			r.Ciphers = []result.Cipher{rsaRC4, at(ecdheCBC128, result.TLS10)}
			r.ModernClients = nil
		}, byVersion(want{letter: "C", caps: []string{"rc4_modern", "rc4"}},
			want{letter: "C", caps: []string{"rc4_modern", "rc4", "no_aead_modern", "tls10_tls11"}},
			want{letter: "C", caps: []string{"rc4_modern", "rc4", "no_aead_modern", "tls10_tls11"}, warnings: []string{"tls13_missing"}})},
		{"3DES only on TLS 1.2", func(r *result.Result) {
			onlyTLS12(r)
			r.Ciphers = []result.Cipher{rsa3DES}
			r.ModernClients = []result.Negotiation{neg(rsa3DES)}
		}, byVersion(want{letter: "C", caps: []string{"block64_modern"}},
			want{letter: "C", caps: []string{"block64_modern", "no_fs_modern", "no_aead_modern"}},
			want{letter: "C", caps: []string{"block64_modern", "no_fs_modern", "no_aead_modern"}, warnings: []string{"tls13_missing"}})},
		{"3DES offered last, never negotiated", func(r *result.Result) { r.Ciphers = append(r.Ciphers, rsa3DES) },
			all(want{letter: "A+"})},
		{"export suite", func(r *result.Result) {
			r.Protocols.Set(result.TLS10, true)
			r.Ciphers = append(r.Ciphers, expRC4)
		}, byVersion(want{letter: "F", caps: []string{"export", "key_lt1024", "weak_cipher_lt112", "rc4", "key_lt2048"}},
			want{letter: "F", caps: []string{"export", "key_lt1024", "weak_cipher_lt112", "rc4", "key_lt2048", "tls10_tls11"}},
			want{letter: "F", caps: []string{"export", "key_lt1024", "weak_cipher_lt112", "rc4", "key_lt2048", "tls10_tls11"}})},
		{"NULL suite", func(r *result.Result) { r.Ciphers = append(r.Ciphers, rsaNULL) },
			all(want{letter: "F", caps: []string{"weak_cipher_lt112"}})},
		{"RSA 1024 certificate", func(r *result.Result) { r.Certificate.KeyBits = 1024 },
			all(want{letter: "B", caps: []string{"key_lt2048"}})},
		{"RSA 512 certificate", func(r *result.Result) { r.Certificate.KeyBits = 512 },
			all(want{letter: "F", caps: []string{"key_lt1024", "key_lt2048"}})},
		{"DHE 1024-bit parameters", func(r *result.Result) { r.Ciphers = append(r.Ciphers, dhe1024) },
			all(want{letter: "B", caps: []string{"key_lt2048"}})},
		{"incomplete chain", func(r *result.Result) { r.Certificate.ChainComplete = false },
			all(want{letter: "B", caps: []string{"chain_incomplete"}})},
		{"no forward secrecy with modern clients", func(r *result.Result) {
			onlyTLS12(r)
			r.Ciphers = []result.Cipher{rsaGCM128, rsaGCM256}
			r.ModernClients = []result.Negotiation{neg(rsaGCM128)}
		}, byVersion(want{letter: "A+"}, want{letter: "B", caps: []string{"no_fs_modern"}},
			want{letter: "B", caps: []string{"no_fs_modern"}, warnings: []string{"tls13_missing"}})},
		{"FS offered but reference clients pick RSA", func(r *result.Result) {
			onlyTLS12(r)
			r.Ciphers = []result.Cipher{rsaGCM128, rsaGCM256, ecdheGCM128}
			r.ModernClients = []result.Negotiation{neg(rsaGCM128)}
		}, byVersion(want{letter: "A+"}, want{letter: "B", caps: []string{"no_fs_modern"}},
			want{letter: "B", caps: []string{"no_fs_modern"}, warnings: []string{"tls13_missing"}})},
		{"no AEAD with modern clients", func(r *result.Result) {
			onlyTLS12(r)
			r.Ciphers = []result.Cipher{ecdheCBC128, ecdheCBC256}
			r.ModernClients = []result.Negotiation{neg(ecdheCBC128)}
		}, byVersion(want{letter: "A+"}, want{letter: "B", caps: []string{"no_aead_modern"}},
			want{letter: "B", caps: []string{"no_aead_modern"}, warnings: []string{"tls13_missing"}})},
		{"Heartbleed", func(r *result.Result) { r.Vulnerabilities.Heartbleed = result.Bool(true) },
			all(want{letter: "F", caps: []string{"heartbleed"}})},
		{"CCS injection", func(r *result.Result) { r.Vulnerabilities.CCS = result.Bool(true) },
			all(want{letter: "F", caps: []string{"ccs_injection"}})},
		{"DROWN", func(r *result.Result) { r.Vulnerabilities.DROWN = result.Bool(true) },
			all(want{letter: "F", caps: []string{"drown"}})},
		{"POODLE over TLS", func(r *result.Result) { r.Vulnerabilities.POODLETLS = result.Bool(true) },
			all(want{letter: "F", caps: []string{"poodle_tls"}})},
		{"CVE-2016-2107", func(r *result.Result) { r.Vulnerabilities.PaddingOracle = result.Bool(true) },
			all(want{letter: "F", caps: []string{"padding_oracle_2016_2107"}})},
		{"ROBOT", func(r *result.Result) { r.Vulnerabilities.ROBOT = result.Bool(true) },
			byVersion(want{letter: "A+"}, want{letter: "F", caps: []string{"robot"}}, want{letter: "F", caps: []string{"robot"}})},
		{"Zombie POODLE", func(r *result.Result) { r.Vulnerabilities.ZombiePOODLE = result.Bool(true) },
			byVersion(want{letter: "A+"}, want{letter: "F", caps: []string{"zombie_poodle"}}, want{letter: "F", caps: []string{"zombie_poodle"}})},
		{"GOLDENDOODLE", func(r *result.Result) { r.Vulnerabilities.GOLDENDOODLE = result.Bool(true) },
			byVersion(want{letter: "A+"}, want{letter: "F", caps: []string{"goldendoodle"}}, want{letter: "F", caps: []string{"goldendoodle"}})},
		{"Sleeping POODLE", func(r *result.Result) { r.Vulnerabilities.SleepingPOODLE = result.Bool(true) },
			byVersion(want{letter: "A+"}, want{letter: "F", caps: []string{"sleeping_poodle"}}, want{letter: "F", caps: []string{"sleeping_poodle"}})},
		{"0-length padding oracle", func(r *result.Result) { r.Vulnerabilities.ZeroLengthPaddingOracle = result.Bool(true) },
			byVersion(want{letter: "A+"}, want{letter: "F", caps: []string{"zero_length_padding_oracle"}}, want{letter: "F", caps: []string{"zero_length_padding_oracle"}})},
		{"insecure renegotiation", func(r *result.Result) { r.Vulnerabilities.InsecureRenego = result.Bool(true) },
			all(want{letter: "F", caps: []string{"insecure_renego"}})},
		{"CRIME", func(r *result.Result) { r.Vulnerabilities.CRIME = result.Bool(true) },
			all(want{letter: "C", caps: []string{"crime"}})},
		{"no secure renegotiation", func(r *result.Result) { r.Vulnerabilities.SecureRenego = result.Bool(false) },
			all(want{letter: "A-", warnings: []string{"no_secure_renego"}})},
		{"unchecked vulnerabilities never cap", func(r *result.Result) { r.Vulnerabilities = result.Vulnerabilities{} },
			byVersion(want{letter: "A"}, want{letter: "A"}, want{letter: "A+"})},
		{"no fallback SCSV", func(r *result.Result) { r.Vulnerabilities.FallbackSCSV = result.Bool(false) },
			byVersion(want{letter: "A"}, want{letter: "A"}, want{letter: "A+"})},
		{"SHA-1 intermediate", func(r *result.Result) { r.Certificate.SHA1InChain = true },
			all(want{letter: "A"})},
		{"expired certificate", func(r *result.Result) { r.Certificate.Expired = true; r.Certificate.Trusted = result.Bool(false) },
			all(want{letter: "T", trustIgnored: "A+", caps: []string{"cert_not_trusted"}})},
		{"self-signed certificate", func(r *result.Result) { r.Certificate.SelfSigned = true; r.Certificate.Trusted = result.Bool(false) },
			all(want{letter: "T", trustIgnored: "A+", caps: []string{"cert_not_trusted"}})},
		{"unknown issuer", func(r *result.Result) {
			r.Certificate.Trusted = result.Bool(false)
			r.Certificate.TrustError = "unknown authority"
		},
			all(want{letter: "T", trustIgnored: "A+", caps: []string{"cert_not_trusted"}})},
		{"SHA-1 leaf", func(r *result.Result) { r.Certificate.SigAlg = "SHA1-RSA"; r.Certificate.SHA1InChain = true },
			all(want{letter: "T", trustIgnored: "A", caps: []string{"cert_not_trusted"}})},
		// Trust unknown, but a fault of the leaf itself decides: T all the same.
		{"expired, trust unknown", func(r *result.Result) { r.Certificate.Expired = true; r.Certificate.Trusted = nil },
			all(want{letter: "T", trustIgnored: "A+", caps: []string{"cert_not_trusted"}})},
		// Trust unknown, but the name decides first: M.
		{"wrong name, trust unknown", func(r *result.Result) { r.Certificate.HostnameMatch = false; r.Certificate.Trusted = nil },
			all(want{letter: "M", trustIgnored: "A+", caps: []string{"cert_name_mismatch"}})},
		{"wrong name", func(r *result.Result) { r.Certificate.HostnameMatch = false },
			all(want{letter: "M", trustIgnored: "A+", caps: []string{"cert_name_mismatch"}})},
		{"wrong name on a weak server", func(r *result.Result) {
			r.Certificate.HostnameMatch = false
			r.Certificate.KeyBits = 1024
		}, all(want{letter: "M", trustIgnored: "B", caps: []string{"key_lt2048", "cert_name_mismatch"}})},
		{"MD5 signature", func(r *result.Result) { r.Certificate.SigAlg = "MD5-RSA" },
			all(want{letter: "F", caps: []string{"cert_insecure_signature"}})},
		{"MD5-signed intermediate", func(r *result.Result) { r.Certificate.MD5InChain = true },
			all(want{letter: "F", caps: []string{"cert_insecure_signature"}})},
		{"Debian weak key", func(r *result.Result) { r.Certificate.DebianWeakKey = result.Bool(true) },
			all(want{letter: "F", caps: []string{"debian_weak_key"}})},
		{"certificate not checked", func(r *result.Result) { r.Certificate = nil },
			byVersion(want{letter: "A-", warnings: []string{"certificate_unchecked"}}, want{letter: "A-", warnings: []string{"certificate_unchecked"}},
				want{letter: "A-", warnings: []string{"certificate_unchecked"}})},
	}
	for _, tc := range tests {
		for _, c := range Versions() {
			t.Run(tc.name+"/"+string(c), func(t *testing.T) {
				r := goodResult()
				tc.mutate(r)
				g := Grade(r, c)
				if g == nil {
					t.Fatal("Grade returned nil for a gradable result")
				}
				w := tc.want[c]
				if w.trustIgnored == "" {
					w.trustIgnored = w.letter
				}
				if g.Letter != w.letter || g.TrustIgnored != w.trustIgnored {
					t.Errorf("letter %s (trust ignored %s), want %s (%s); caps %v warnings %v",
						g.Letter, g.TrustIgnored, w.letter, w.trustIgnored, g.Caps, g.Warnings)
				}
				if got := ruleIDs(g.Caps); !sameSet(got, w.caps) {
					t.Errorf("caps %v, want %v", got, w.caps)
				}
				if got := ruleIDs(g.Warnings); !sameSet(got, w.warnings) {
					t.Errorf("warnings %v, want %v", got, w.warnings)
				}
				if g.Criteria != string(c) {
					t.Errorf("criteria %q, want %q", g.Criteria, c)
				}
				for _, rl := range append(g.Caps, g.Warnings...) {
					if rl.Reason == "" || rl.Effect == "" {
						t.Errorf("rule %+v lacks a reason or effect", rl)
					}
				}
			})
		}
	}
}

func TestScores(t *testing.T) {
	tests := []struct {
		name                        string
		mutate                      func(*result.Result)
		score, protocol, kx, cipher int
	}{
		// Matches the example in probe-result.md.
		{"good", func(*result.Result) {}, 93, 100, 90, 90},
		{"4096-bit RSA and P-384", func(r *result.Result) {
			r.Certificate.KeyBits = 4096
			for i := range r.Ciphers {
				r.Ciphers[i].KxBits = 384
			}
		}, 96, 100, 100, 90},
		{"TLS 1.0 to 1.2", func(r *result.Result) {
			r.Protocols.Set(result.TLS10, true)
			r.Protocols.Set(result.TLS11, true)
		}, 92, 95, 90, 90},
		{"RSA 1024", func(r *result.Result) { r.Certificate.KeyBits = 1024 }, 90, 100, 80, 90},
		{"export RC4-40", func(r *result.Result) { r.Ciphers = append(r.Ciphers, expRC4) }, 66, 100, 40, 60},
		{"NULL halves the cipher score (average of best and worst)", func(r *result.Result) { r.Ciphers = append(r.Ciphers, rsaNULL) }, 77, 100, 90, 50},
		{"3DES counts 168 bits", func(r *result.Result) { r.Ciphers = []result.Cipher{rsa3DES} }, 89, 100, 90, 80},
		{"anonymous key exchange zeroes the total", func(r *result.Result) {
			r.Ciphers = append(r.Ciphers, result.Cipher{Protocol: result.TLS12, ID: "0x0034", Name: "TLS_DH_anon_WITH_AES_128_CBC_SHA", Bits: 128, Kx: "DH", KxBits: 2048})
		}, 0, 100, 0, 90},
		{"TLS 1.3 with ffdhe2048 counts as 2048-bit DH", func(r *result.Result) {
			r.Certificate.KeyBits = 4096
			for i := range r.Ciphers {
				r.Ciphers[i].KxBits = 384 // otherwise 100: only the DH group can make it 90
			}
			r.Ciphers = append(r.Ciphers, result.Cipher{Protocol: result.TLS13, ID: "0x1303", Name: "TLS_CHACHA20_POLY1305_SHA256", Bits: 256, KxBits: 2048, Group: "ffdhe2048", AEAD: true, ForwardSecrecy: true})
		}, 93, 100, 90, 90},
		{"SSL 2.0 scores 20 per the rating guide", func(r *result.Result) { r.Protocols.Set(result.SSLv2, true) }, 81, 60, 90, 90},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := goodResult()
			tc.mutate(r)
			g := Grade(r, V2009r)
			got := [4]int{g.Score, g.Protocol, g.KeyExchange, g.Cipher}
			want := [4]int{tc.score, tc.protocol, tc.kx, tc.cipher}
			if got != want {
				t.Errorf("score/protocol/kx/cipher = %v, want %v", got, want)
			}
		})
	}
}

func TestUngradable(t *testing.T) {
	failed := goodResult()
	failed.Error = &result.Error{Kind: result.ErrConnect, Message: "refused"}
	none := goodResult()
	none.Protocols = result.Protocols{}
	allFalse := goodResult()
	for _, p := range result.AllProtocols() {
		allFalse.Protocols.Set(p, false)
	}
	// Only the missing issuer stands between this server and its letter, and the fetch
	// policy kept us from it: T or A+, and no letter may pretend to know which.
	unknownTrust := goodResult()
	unknownTrust.Certificate.Trusted = nil
	unknownTrust.Certificate.ChainComplete = false
	unknownTrust.Certificate.TrustError = "x509: certificate signed by unknown authority; AIA: fetch http://10.0.0.1/ca.crt refused by the fetch policy (rule address)"
	for name, r := range map[string]*result.Result{"error": failed, "no protocols": none, "all false": allFalse, "nil": nil, "trust unknown": unknownTrust} {
		if g := Grade(r, V2009r); g != nil {
			t.Errorf("%s: got grade %+v, want nil", name, g)
		}
		if ok, why := Gradable(r); ok || why == "" {
			t.Errorf("%s: Gradable = %v, %q", name, ok, why)
		}
	}
	if _, why := Gradable(unknownTrust); !strings.Contains(why, "certificate trust unknown") || !strings.Contains(why, "rule address") {
		t.Errorf("trust unknown: Gradable says %q, want the reason and the refusal", why)
	}
}

func TestReasonsAreReadable(t *testing.T) {
	r := goodResult()
	r.Protocols.Set(result.TLS10, true)
	g := Grade(r, V2009q)
	if len(g.Caps) != 1 || g.Caps[0].Reason != "TLS 1.0 or 1.1 supported (cap B since 2009q)" {
		t.Errorf("caps %+v", g.Caps)
	}
	r = goodResult()
	r.Ciphers = append(r.Ciphers, rsaRC4)
	g = Grade(r, V2009n)
	if len(g.Caps) != 1 || !strings.Contains(g.Caps[0].Reason, "TLS_RSA_WITH_RC4_128_SHA") {
		t.Errorf("RC4 cap should name the suite: %+v", g.Caps)
	}
}

func TestParseCriteria(t *testing.T) {
	for _, s := range []string{"2009n", "2009Q", " 2009r "} {
		if _, err := ParseCriteria(s); err != nil {
			t.Errorf("ParseCriteria(%q): %v", s, err)
		}
	}
	for _, s := range []string{"", "2009o", "2009", "latest"} {
		_, err := ParseCriteria(s)
		if err == nil || !strings.Contains(err.Error(), "2009n, 2009q, 2009r") {
			t.Errorf("ParseCriteria(%q) error %v should list the versions", s, err)
		}
	}
}

func TestGradeDoesNotModifyResult(t *testing.T) {
	r := goodResult()
	before := goodResult()
	Grade(r, V2009n)
	if !reflect.DeepEqual(r, before) {
		t.Error("Grade modified its input")
	}
}

func all(w want) map[Criteria]want { return byVersion(w, w, w) }

func byVersion(n, q, r want) map[Criteria]want {
	return map[Criteria]want{V2009n: n, V2009q: q, V2009r: r}
}

func ruleIDs(rs []result.Rule) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.Rule
	}
	return out
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

func BenchmarkGrade(b *testing.B) {
	r := goodResult()
	r.Protocols.Set(result.TLS10, true)
	r.Ciphers = append(r.Ciphers, rsaRC4, rsa3DES, dhe1024, ecdheCBC128, ecdheCBC256, rsaGCM128)
	b.ReportAllocs()
	for b.Loop() {
		Grade(r, V2009r)
	}
}

func TestUnknownCriteriaUsesDefault(t *testing.T) {
	if g := Grade(goodResult(), Criteria("2009z")); g == nil || g.Criteria != string(Default) {
		t.Errorf("grade %+v, want criteria %s", g, Default)
	}
}
