package clientsim

import "github.com/mhealthsec/mhealthsec/probe/tlswire"

// Platforms of the clients. Android and iOS are spelled as apps.csv's platform column, so
// an app is matched to its platform's releases (analysis tests that they agree).
const (
	PlatformAndroid = "android"
	PlatformIOS     = "ios"
	PlatformLibrary = "library"
	PlatformBrowser = "browser"
)

// Client is one reference client: what its ClientHello offers, what it accepts in the
// answer, and where those facts come from.
type Client struct {
	// Name is the result's client id, "android-4.4", "ios-17", "okhttp-5".
	Name string
	// Platform is android, ios, library or browser; Version is the release, "4.4".
	Platform, Version string
	// Versions are the protocol versions offered, newest first.
	Versions []uint16
	// Suites, Groups and SigAlgs are offered in this order. SigAlgs are sent only with
	// TLS 1.2 and newer.
	Suites, Groups, SigAlgs []uint16
	// MinDHBits is the smallest DHE prime the client accepts (0: any).
	MinDHBits int
	// Source says where the hello's contents come from.
	Source string
}

// Android SSLSocket reference: per-API-level default-enabled protocols and cipher suites.
const androidDoc = "https://developer.android.com/reference/javax/net/ssl/SSLSocket (default-enabled protocols and cipher suites by API level)"

// Suite lists, built from the documents named in each client's Source.
var (
	// API 19 (4.4): the suites enabled "9–19" and "11–19" in the SSLSocket table:
	// ECDHE/ECDH and DHE with AES-CBC, RSA AES-CBC, RC4, 3DES, DES and export.
	android19Suites = []uint16{0xc009, 0xc00a, 0xc013, 0xc014, 0x0033, 0x0039, 0x0032, 0x0038,
		0xc004, 0xc005, 0xc00e, 0xc00f, 0x002f, 0x0035, 0xc007, 0xc011, 0xc002, 0xc00c, 0x0005,
		0x0004, 0xc008, 0xc012, 0xc003, 0xc00d, 0x0016, 0x0013, 0x000a, 0x0015, 0x0012, 0x0009,
		0x0014, 0x0011, 0x0008, 0x0003}
	// API 21–22 (5.x): AES-GCM added (20+), ECDH, export and DES no longer enabled; DHE and
	// RC4 still are.
	android21Suites = []uint16{0xc02b, 0xc02c, 0xc02f, 0xc030, 0x009e, 0x009f, 0xc009, 0xc00a,
		0xc013, 0xc014, 0x0033, 0x0039, 0x0032, 0x0038, 0x009c, 0x009d, 0x002f, 0x0035, 0xc007,
		0xc011, 0x0005, 0x0004}
	// API 24–25 (7.x): CHACHA20-POLY1305 added (24+), RC4 and DHE-DSS gone; DHE-RSA enabled
	// up to 25.
	android24Suites = []uint16{0xc02b, 0xc02c, 0xcca9, 0xc02f, 0xc030, 0xcca8, 0x009e, 0x009f,
		0xc009, 0xc00a, 0xc013, 0xc014, 0x0033, 0x0039, 0x009c, 0x009d, 0x002f, 0x0035}
	// API 26–28 (8, 9): DHE no longer enabled (DHE-RSA is "9–25").
	android26Suites = []uint16{0xc02b, 0xc02c, 0xcca9, 0xc02f, 0xc030, 0xcca8, 0xc009, 0xc00a,
		0xc013, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035}
	// API 29+ (10–14): the TLS 1.3 suites (29+) in front of the API 26 list.
	android29Suites = append([]uint16{0x1301, 0x1302, 0x1303}, android26Suites...)

	// OpenSSL 1.0.1's default elliptic_curves list (Android 4.4 and 5 build on it):
	// every named curve of RFC 4492, binary ones included.
	openssl101Groups = []uint16{14, 13, 25, 11, 12, 24, 9, 10, 22, 23, 8, 6, 7, 20, 21, 4, 5, 18, 19, 1, 2, 3, 15, 16, 17}
	// BoringSSL's default (Conscrypt from Android 7): X25519, P-256, P-384.
	boringGroups = []uint16{tlswire.GroupX25519, tlswire.GroupSecp256r1, tlswire.GroupSecp384r1}

	openssl101SigAlgs = []uint16{0x0601, 0x0603, 0x0501, 0x0503, 0x0401, 0x0403, 0x0301, 0x0303, 0x0201, 0x0203}
	boringSigAlgs     = []uint16{0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601, 0x0201}

	// App Transport Security (iOS 9+): TLS 1.2 or newer and only these forward-secret
	// suites, in the documented order; anything else makes the connection fail.
	atsSuites = []uint16{0xc02c, 0xc02b, 0xc024, 0xc00a, 0xc023, 0xc009, 0xc030, 0xc02f, 0xc028, 0xc027, 0xc013}
	// iOS groups: the NIST curves, and X25519 where TLS 1.3 is on (iOS 13.4+).
	iosGroups   = []uint16{tlswire.GroupSecp256r1, tlswire.GroupSecp384r1, tlswire.GroupSecp521r1}
	ios13Groups = []uint16{tlswire.GroupX25519, tlswire.GroupSecp256r1, tlswire.GroupSecp384r1, tlswire.GroupSecp521r1}
	iosSigAlgs  = []uint16{0x0403, 0x0804, 0x0401, 0x0503, 0x0203, 0x0805, 0x0501, 0x0806, 0x0601, 0x0201}

	// okhttp's APPROVED_CIPHER_SUITES, which MODERN_TLS enables (TLS 1.3 and 1.2).
	okhttpSuites = []uint16{0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8,
		0xc013, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035, 0x000a}
)

var (
	tls10to12 = []uint16{tlswire.VersionTLS12, tlswire.VersionTLS11, tlswire.VersionTLS10}
	tls10to13 = []uint16{tlswire.VersionTLS13, tlswire.VersionTLS12, tlswire.VersionTLS11, tlswire.VersionTLS10}
	tls12     = []uint16{tlswire.VersionTLS12}
	tls12to13 = []uint16{tlswire.VersionTLS13, tlswire.VersionTLS12}
)

// Clients returns the reference clients, oldest first within each platform.
func Clients() []Client {
	android := func(version, api string, versions, suites, groups, sigalgs []uint16, minDH int, extra string) Client {
		return Client{Name: "android-" + version, Platform: PlatformAndroid, Version: version, Versions: versions,
			Suites: suites, Groups: groups, SigAlgs: sigalgs, MinDHBits: minDH,
			Source: androidDoc + ", API " + api + extra}
	}
	ats := "https://developer.apple.com/documentation/security/preventing-insecure-network-connections (ATS: TLS 1.2+, forward-secret suites listed there)"
	ios := func(version string, versions []uint16, groups []uint16, extra string) Client {
		suites := atsSuites
		if versions[0] == tlswire.VersionTLS13 {
			suites = append([]uint16{0x1301, 0x1302, 0x1303}, atsSuites...)
		}
		return Client{Name: "ios-" + version, Platform: PlatformIOS, Version: version, Versions: versions, Suites: suites,
			Groups: groups, SigAlgs: iosSigAlgs, MinDHBits: 0, Source: ats + extra}
	}
	tls13ios := "; TLS 1.3 on by default for URLSession from iOS 13.4 (Apple Platform Security guide, TLS section; WWDC 2020 'What's new in networking'), so ios-13 is 13.4+"
	return []Client{
		android("4.4", "19", []uint16{tlswire.VersionTLS10, tlswire.VersionSSL3}, android19Suites, openssl101Groups, nil, 0,
			"; TLS 1.1/1.2 are supported but enabled only from API 20; curves: OpenSSL 1.0.1 default list (RFC 4492)"),
		android("5", "21", []uint16{tlswire.VersionTLS12, tlswire.VersionTLS11, tlswire.VersionTLS10, tlswire.VersionSSL3}, android21Suites, openssl101Groups, openssl101SigAlgs, 0,
			"; SSLv3 enabled up to API 22; curves and signature schemes: OpenSSL 1.0.1 defaults"),
		android("7", "24", tls10to12, android24Suites, boringGroups, boringSigAlgs, 1024,
			"; groups, signature schemes and the 1024-bit DH floor: BoringSSL defaults (Conscrypt)"),
		android("8", "26", tls10to12, android26Suites, boringGroups, boringSigAlgs, 1024, "; BoringSSL groups and signature schemes"),
		android("9", "28", tls10to12, android26Suites, boringGroups, boringSigAlgs, 1024, "; BoringSSL groups and signature schemes"),
		android("10", "29", tls10to13, android29Suites, boringGroups, boringSigAlgs, 1024, "; TLS 1.3 enabled from API 29"),
		android("11", "30", tls10to13, android29Suites, boringGroups, boringSigAlgs, 1024, ""),
		android("12", "31", tls10to13, android29Suites, boringGroups, boringSigAlgs, 1024, ""),
		android("13", "33", tls10to13, android29Suites, boringGroups, boringSigAlgs, 1024, ""),
		android("14", "34", tls10to13, android29Suites, boringGroups, boringSigAlgs, 1024, ""),
		ios("9", tls12, iosGroups, ""),
		ios("10", tls12, iosGroups, ""),
		ios("11", tls12, iosGroups, ""),
		ios("12", tls12, iosGroups, "; TLS 1.3 not yet on by default for apps"),
		ios("13", tls12to13, ios13Groups, tls13ios),
		ios("14", tls12to13, ios13Groups, tls13ios),
		ios("15", tls12to13, ios13Groups, tls13ios),
		ios("16", tls12to13, ios13Groups, tls13ios),
		ios("17", tls12to13, ios13Groups, tls13ios),
		{Name: "okhttp-5", Platform: PlatformLibrary, Version: "5", Versions: tls12to13, Suites: okhttpSuites,
			Groups: boringGroups, SigAlgs: boringSigAlgs, MinDHBits: 1024,
			Source: "https://square.github.io/okhttp/features/https/ (ConnectionSpec.MODERN_TLS: TLS 1.3, 1.2 and the approved suites); groups and signature schemes are the platform's (Android 10+ BoringSSL)"},
		// The three browsers are also probe/enum's reference clients (modern_clients),
		// which the grade's "modern clients" caps consult.
		{Name: "chrome-like", Platform: PlatformBrowser, Versions: tls12to13,
			Suites: []uint16{0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8,
				0xc013, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035},
			Groups: boringGroups, SigAlgs: []uint16{0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601},
			Source: "Chrome's documented defaults, GREASE and ML-KEM left out"},
		{Name: "firefox-like", Platform: PlatformBrowser, Versions: tls12to13,
			Suites: []uint16{0x1301, 0x1303, 0x1302, 0xc02b, 0xc02f, 0xcca9, 0xcca8, 0xc02c, 0xc030,
				0xc00a, 0xc009, 0xc013, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035},
			Groups: []uint16{tlswire.GroupX25519, tlswire.GroupSecp256r1, tlswire.GroupSecp384r1,
				tlswire.GroupSecp521r1, tlswire.GroupFFDHE2048, tlswire.GroupFFDHE3072},
			SigAlgs: []uint16{0x0403, 0x0503, 0x0603, 0x0804, 0x0805, 0x0806, 0x0401, 0x0501, 0x0601, 0x0203, 0x0201},
			Source:  "NSS defaults"},
		{Name: "safari-like", Platform: PlatformBrowser, Versions: []uint16{tlswire.VersionTLS13, tlswire.VersionTLS12, tlswire.VersionTLS11, tlswire.VersionTLS10},
			Suites: []uint16{0x1301, 0x1302, 0x1303, 0xc02c, 0xc02b, 0xcca9, 0xc030, 0xc02f, 0xcca8,
				0xc00a, 0xc009, 0xc014, 0xc013, 0x009d, 0x009c, 0x0035, 0x002f, 0xc008, 0xc012, 0x000a},
			Groups:  []uint16{tlswire.GroupX25519, tlswire.GroupSecp256r1, tlswire.GroupSecp384r1, tlswire.GroupSecp521r1},
			SigAlgs: iosSigAlgs,
			Source:  "Apple's documented defaults"},
	}
}
