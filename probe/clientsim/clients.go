package clientsim

import (
	"slices"

	"github.com/mhealthsec/mhealthsec/probe/tlswire"
)

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
	// ALPN are the application protocols offered (none: no ALPN extension).
	ALPN []string
	// MinDHBits is the smallest DHE prime the client accepts (0: any).
	MinDHBits int
	// Source says where the hello's contents come from, field by field where the sources
	// differ, and what is not confirmed by any source.
	Source string
}

// Sources the table cites (full list with licences in SOURCES.md).
const (
	// Android SSLSocket reference: per-API-level default-enabled protocols and cipher suites.
	androidDoc = "https://developer.android.com/reference/javax/net/ssl/SSLSocket (default-enabled protocols and cipher suites by API level)"
	// Conscrypt's NativeCrypto.DEFAULT_X509_CIPHER_SUITES: the order of the enabled suites.
	conscryptOrder = "AOSP Conscrypt NativeCrypto.java DEFAULT_X509_CIPHER_SUITES"
	// testssl.sh 3.0.8 etc/client-simulation*.txt (Debian package testssl.sh): SSL Labs'
	// captures and testssl.sh's own Wireshark captures, as raw ClientHello bytes.
	testsslSim = "testssl.sh 3.0.8 etc/client-simulation"
)

// Suite lists, built from the documents named in each client's Source.
var (
	// API 19 (4.4): the suites enabled "9–19" and "11–19" in the SSLSocket table:
	// ECDHE/ECDH and DHE with AES-CBC, RSA AES-CBC, RC4, 3DES, DES and export. The set is
	// the table's; the order is not confirmed by KitKat's NativeCrypto (not found).
	android19Suites = []uint16{0xc009, 0xc00a, 0xc013, 0xc014, 0x0033, 0x0039, 0x0032, 0x0038,
		0xc004, 0xc005, 0xc00e, 0xc00f, 0x002f, 0x0035, 0xc007, 0xc011, 0xc002, 0xc00c, 0x0005,
		0x0004, 0xc008, 0xc012, 0xc003, 0xc00d, 0x0016, 0x0013, 0x000a, 0x0015, 0x0012, 0x0009,
		0x0014, 0x0011, 0x0008, 0x0003}
	// API 21–22 (5.x): Lollipop's DEFAULT_X509_CIPHER_SUITES in its order: AES-GCM first,
	// DHE-RSA and DHE-DSS, the ECDHE RC4 suites before RSA key transport, RC4-SHA last;
	// RC4-MD5, ECDH, 3DES, DES and export no longer enabled.
	android21Suites = []uint16{0xc02b, 0xc02c, 0xc02f, 0xc030, 0x009e, 0x009f, 0xc009, 0xc00a,
		0xc013, 0xc014, 0x0033, 0x0039, 0x0032, 0x0038, 0xc007, 0xc011, 0x009c, 0x009d, 0x002f,
		0x0035, 0x0005}
	// API 24–25 (7.x): CHACHA20-POLY1305 added (24+), RC4 and DHE-DSS gone; DHE-RSA enabled
	// up to 25. Android 7.0's own capture (an okhttp app, which keeps the platform's
	// order) shows the same order with okhttp's filter applied.
	android24Suites = []uint16{0xc02b, 0xc02c, 0xcca9, 0xc02f, 0xc030, 0xcca8, 0x009e, 0x009f,
		0xc009, 0xc00a, 0xc013, 0xc014, 0x0033, 0x0039, 0x009c, 0x009d, 0x002f, 0x0035}
	// API 26–28 (8, 9): DHE no longer enabled (DHE-RSA is "9–25"); the order is
	// Conscrypt's for CPUs with AES instructions (without them CHACHA20 comes first).
	android26Suites = []uint16{0xc02b, 0xc02c, 0xcca9, 0xc02f, 0xc030, 0xcca8, 0xc009, 0xc00a,
		0xc013, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035}
	// API 29+ (10–14): the TLS 1.3 suites (29+) in front of the API 26 list.
	android29Suites = append(slices.Clone(tls13Suites), android26Suites...)

	// OpenSSL 1.0.1's default elliptic_curves list (Android 4.1–4.3 captures; 4.4 and 5
	// build on OpenSSL 1.0.1 too): every named curve of RFC 4492, binary ones included.
	openssl101Groups = []uint16{14, 13, 25, 11, 12, 24, 9, 10, 22, 23, 8, 6, 7, 20, 21, 4, 5, 18, 19, 1, 2, 3, 15, 16, 17}
	// Android 7.0 offers P-256 only (a platform bug fixed in 7.1; Google issue 37122132,
	// and the Android 7.0 capture's supported_groups).
	android70Groups = []uint16{tlswire.GroupSecp256r1}
	// BoringSSL's default (Conscrypt from Android 7.1): X25519, P-256, P-384.
	boringGroups = []uint16{tlswire.GroupX25519, tlswire.GroupSecp256r1, tlswire.GroupSecp384r1}

	// OpenSSL 1.0.1's tls12_sigalgs (SHA-512 down to SHA-1 for RSA, DSA and ECDSA, then
	// RSA-MD5), as the Android 4.4.2 and 5.0.0 captures send them.
	openssl101SigAlgs = []uint16{0x0601, 0x0602, 0x0603, 0x0501, 0x0502, 0x0503, 0x0401, 0x0402, 0x0403,
		0x0301, 0x0302, 0x0303, 0x0201, 0x0202, 0x0203, 0x0101}
	// BoringSSL before RSA-PSS (Android 6.0 and 7.0 captures).
	boring2016SigAlgs = []uint16{0x0601, 0x0603, 0x0501, 0x0503, 0x0401, 0x0403, 0x0301, 0x0303, 0x0201, 0x0203}
	// BoringSSL with RSA-PSS (Android 8.1, 11 and 12 captures).
	boringSigAlgs = []uint16{0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601, 0x0201}

	// App Transport Security (iOS 9+): TLS 1.2 or newer and only these forward-secret
	// suites, in the documented order (ECDHE-RSA-AES256-CBC-SHA is not among them); the
	// "Apple ATS 9 iOS 9" capture offers exactly these, in this order.
	atsSuites = []uint16{0xc02c, 0xc02b, 0xc024, 0xc00a, 0xc023, 0xc009, 0xc030, 0xc02f, 0xc028, 0xc027, 0xc013}
	// iOS groups: the NIST curves, and X25519 where TLS 1.3 is on (iOS 12.2+).
	iosGroups   = []uint16{tlswire.GroupSecp256r1, tlswire.GroupSecp384r1, tlswire.GroupSecp521r1}
	ios13Groups = []uint16{tlswire.GroupX25519, tlswire.GroupSecp256r1, tlswire.GroupSecp384r1, tlswire.GroupSecp521r1}
	// iOS signature schemes: the ATS 9 capture (iOS 9), Safari 10's (iOS 10), and
	// Safari 12.1's on iOS 12.2 (RSA-PSS; its duplicate 0x0805 left out).
	ios9SigAlgs  = []uint16{0x0501, 0x0401, 0x0201, 0x0503, 0x0403, 0x0203}
	ios10SigAlgs = []uint16{0x0401, 0x0201, 0x0501, 0x0601, 0x0403, 0x0203, 0x0503, 0x0603}
	iosSigAlgs   = []uint16{0x0403, 0x0804, 0x0401, 0x0503, 0x0203, 0x0805, 0x0501, 0x0806, 0x0601, 0x0201}
	// The TLS 1.3 suites in the order Safari 12.1 on iOS 12.2 offers them: CHACHA20 first,
	// which makes servers that follow the client's AES-or-ChaCha hint (Go's) choose it.
	safari121TLS13 = []uint16{0x1303, 0x1301, 0x1302}
	// The TLS 1.3 suites in RFC 8446's order (no capture of iOS 13+ here).
	tls13Suites = []uint16{0x1301, 0x1302, 0x1303}
	// ALPN as the iOS 9, 10 and 12.2 captures offer it.
	iosALPN = []string{"h2", "h2-16", "h2-15", "h2-14", "spdy/3.1", "spdy/3", "http/1.1"}
	h2ALPN  = []string{"h2", "http/1.1"}

	// okhttp's MODERN_TLS offers APPROVED_CIPHER_SUITES intersected with the socket's
	// enabled suites, in the socket's order (ConnectionSpec.supportedSpec): on Android 10+
	// that drops ECDHE-ECDSA-CBC (not approved) and 3DES (not enabled by the platform).
	okhttpSuites = []uint16{0x1301, 0x1302, 0x1303, 0xc02b, 0xc02c, 0xcca9, 0xc02f, 0xc030, 0xcca8,
		0xc013, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035}
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
	// ios builds an iOS client; tls13 are its TLS 1.3 suites, nil when TLS 1.3 is off.
	ios := func(version string, tls13, groups, sigalgs []uint16, alpn []string, extra string) Client {
		versions, suites := tls12, atsSuites
		if tls13 != nil {
			versions, suites = tls12to13, append(slices.Clone(tls13), atsSuites...)
		}
		return Client{Name: "ios-" + version, Platform: PlatformIOS, Version: version, Versions: versions, Suites: suites,
			Groups: groups, SigAlgs: sigalgs, ALPN: alpn, MinDHBits: 0, Source: ats + extra}
	}
	security := "Apple Platform Security guide, 'TLS security': TLS 1.3 on by default for URLSession and Network.framework from iOS 12.2, so ios-12 is 12.2+"
	tls13ios := "; " + security + "; signature schemes and X25519 as Safari 12.1 on iOS 12.2 offers them (" + testsslSim + ".wiresharked.txt safari_121_ios_122)" +
		"; TLS 1.3 suites' order and ALPN h2, http/1.1 as Safari 15.4 on macOS 12.3.1 offers them (" + testsslSim + ".txt safari_154_osx_1231; Apple's TLS stack of iOS 15.4), not from a capture of this iOS release"
	native := func(id string) string {
		return "; suites, groups and signature schemes equal the native-app capture " + testsslSim + ".wiresharked.txt " + id
	}
	platform := "; SSLSocket sends no ALPN unless the app sets it"
	return []Client{
		android("4.4", "19", []uint16{tlswire.VersionTLS10, tlswire.VersionSSL3}, android19Suites, openssl101Groups, nil, 0,
			"; TLS 1.1/1.2 are supported but enabled only from API 20; suite order not confirmed (KitKat's NativeCrypto not found)"+
				"; curves: OpenSSL 1.0.1 default list, as the Android 4.1–4.3 captures ("+testsslSim+".txt android_411..android_43) send it"+
				"; the 4.4.2 capture (android_442, the browser with TLS 1.2 on) offers P-521, P-384, P-256 only"+platform),
		android("5", "21", []uint16{tlswire.VersionTLS12, tlswire.VersionTLS11, tlswire.VersionTLS10, tlswire.VersionSSL3}, android21Suites, openssl101Groups, openssl101SigAlgs, 0,
			"; SSLv3 enabled up to API 22; suite order: "+conscryptOrder+" (Lollipop)"+
				"; signature schemes: OpenSSL 1.0.1's, as "+testsslSim+".txt android_500 sends them"+
				"; curves: OpenSSL 1.0.1 defaults (android_500, the browser, offers P-521, P-384, P-256 only)"+platform),
		android("7", "24", tls10to12, android24Suites, android70Groups, boring2016SigAlgs, 1024,
			"; Android 7.0 offers only P-256 (https://issuetracker.google.com/issues/37122132, fixed in 7.1)"+
				"; groups and signature schemes as "+testsslSim+".wiresharked.txt android_70 (an okhttp app) sends them"+
				"; 1024-bit DH floor: BoringSSL's client default"+platform),
		android("8", "26", tls10to12, android26Suites, boringGroups, boringSigAlgs, 1024,
			"; suite order: "+conscryptOrder+" (CPU with AES instructions)"+native("android_81")+platform),
		android("9", "28", tls10to12, android26Suites, boringGroups, boringSigAlgs, 1024,
			"; same defaults as API 26-27 in the SSLSocket table (testssl.sh's android_90 is Chrome's BoringSSL with TLS 1.3, not SSLSocket)"+platform),
		android("10", "29", tls10to13, android29Suites, boringGroups, boringSigAlgs, 1024, "; TLS 1.3 enabled from API 29"+platform),
		android("11", "30", tls10to13, android29Suites, boringGroups, boringSigAlgs, 1024, native("android_11")+" (which adds ALPN http/1.1: HttpURLConnection)"+platform),
		android("12", "31", tls10to13, android29Suites, boringGroups, boringSigAlgs, 1024, native("android_12")+" (which adds ALPN http/1.1: HttpURLConnection)"+platform),
		android("13", "33", tls10to13, android29Suites, boringGroups, boringSigAlgs, 1024, "; no change to the SSLSocket table's defaults after API 29; no capture of this release"+platform),
		android("14", "34", tls10to13, android29Suites, boringGroups, boringSigAlgs, 1024, "; no change to the SSLSocket table's defaults after API 29; no capture of this release"+platform),
		ios("9", nil, iosGroups, ios9SigAlgs, iosALPN, "; hello as "+testsslSim+".txt apple_ats_9_ios9 (suites, order, groups, signature schemes, ALPN)"),
		ios("10", nil, iosGroups, ios10SigAlgs, iosALPN, "; signature schemes and ALPN as Safari 10 on iOS 10 ("+testsslSim+".txt safari_10_ios10)"),
		ios("11", nil, iosGroups, ios10SigAlgs, iosALPN, "; no capture of this release: iOS 10's signature schemes and ALPN assumed"),
		ios("12", safari121TLS13, ios13Groups, iosSigAlgs, iosALPN, "; "+security+"; TLS 1.3 suites' order, signature schemes, groups and ALPN as Safari 12.1 on iOS 12.2 ("+testsslSim+".wiresharked.txt safari_121_ios_122)"),
		ios("13", tls13Suites, ios13Groups, iosSigAlgs, h2ALPN, tls13ios),
		ios("14", tls13Suites, ios13Groups, iosSigAlgs, h2ALPN, tls13ios),
		ios("15", tls13Suites, ios13Groups, iosSigAlgs, h2ALPN, tls13ios),
		ios("16", tls13Suites, ios13Groups, iosSigAlgs, h2ALPN, tls13ios),
		ios("17", tls13Suites, ios13Groups, iosSigAlgs, h2ALPN, tls13ios),
		{Name: "okhttp-5", Platform: PlatformLibrary, Version: "5", Versions: tls12to13, Suites: okhttpSuites,
			Groups: boringGroups, SigAlgs: boringSigAlgs, ALPN: h2ALPN, MinDHBits: 1024,
			Source: "square/okhttp okhttp/src/commonJvmAndroid/kotlin/okhttp3/ConnectionSpec.kt at 063c450a, okhttp 5 (MODERN_TLS: TLS 1.3 and 1.2, APPROVED_CIPHER_SUITES intersected with the socket's enabled suites in the socket's order, named groups left to the socket; the same in okhttp 4 at 01062b39, and the Android 7.0 okhttp capture shows the platform's order); " +
				"ALPN h2, http/1.1 (OkHttpClient's default protocols); on Android 10+: suites, groups and signature schemes are the platform's (" + conscryptOrder + ")"},
		// The three browsers are also probe/enum's reference clients (modern_clients),
		// which the grade's "modern clients" caps consult.
		{Name: "chrome-like", Platform: PlatformBrowser, Versions: tls12to13,
			Suites: []uint16{0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8,
				0xc013, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035},
			Groups: boringGroups, SigAlgs: []uint16{0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601},
			ALPN:   h2ALPN,
			Source: "Chrome 101's hello as " + testsslSim + ".txt chrome_101_win10 has it (suites, groups, signature schemes, ALPN), GREASE left out"},
		{Name: "firefox-like", Platform: PlatformBrowser, Versions: tls12to13,
			Suites: []uint16{0x1301, 0x1303, 0x1302, 0xc02b, 0xc02f, 0xcca9, 0xcca8, 0xc02c, 0xc030,
				0xc00a, 0xc009, 0xc013, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035},
			Groups: []uint16{tlswire.GroupX25519, tlswire.GroupSecp256r1, tlswire.GroupSecp384r1,
				tlswire.GroupSecp521r1, tlswire.GroupFFDHE2048, tlswire.GroupFFDHE3072},
			SigAlgs: []uint16{0x0403, 0x0503, 0x0603, 0x0804, 0x0805, 0x0806, 0x0401, 0x0501, 0x0601, 0x0203, 0x0201},
			ALPN:    h2ALPN,
			Source:  "Firefox 100's hello (NSS defaults) as " + testsslSim + ".txt firefox_100_win10 has it (suites, groups, signature schemes, ALPN)"},
		{Name: "safari-like", Platform: PlatformBrowser, Versions: []uint16{tlswire.VersionTLS13, tlswire.VersionTLS12, tlswire.VersionTLS11, tlswire.VersionTLS10},
			Suites: []uint16{0x1301, 0x1302, 0x1303, 0xc02c, 0xc02b, 0xcca9, 0xc030, 0xc02f, 0xcca8,
				0xc00a, 0xc009, 0xc014, 0xc013, 0x009d, 0x009c, 0x0035, 0x002f, 0xc008, 0xc012, 0x000a},
			Groups:  []uint16{tlswire.GroupX25519, tlswire.GroupSecp256r1, tlswire.GroupSecp384r1, tlswire.GroupSecp521r1},
			SigAlgs: iosSigAlgs,
			ALPN:    h2ALPN,
			Source:  "Safari 15.4's hello on macOS 12.3.1 as " + testsslSim + ".txt safari_154_osx_1231 has it (suites, groups, signature schemes, ALPN), GREASE left out"},
	}
}
