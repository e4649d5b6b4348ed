package enum

import (
	"cmp"
	"crypto/rand"
	"slices"

	"github.com/mhealthsec/mhealthsec/probe/clientsim"
	"github.com/mhealthsec/mhealthsec/probe/result"
	"github.com/mhealthsec/mhealthsec/probe/suites"
	"github.com/mhealthsec/mhealthsec/probe/tlswire"
)

// ecGroups are offered in TLS 1.0–1.2 hellos, strongest first. Finite-field groups are left
// out on purpose: offering them (RFC 7919) would make servers pick an ffdhe group instead of
// their configured DH parameters, hiding a weak dhparam.
func ecGroups() []uint16 {
	return []uint16{tlswire.GroupX25519, tlswire.GroupSecp256r1, tlswire.GroupSecp384r1,
		tlswire.GroupSecp521r1, tlswire.GroupX448, 26, 27, 28, 21, 19}
}

// tls13Groups are offered in TLS 1.3 hellos; only an X25519 share is sent, so a server that
// prefers another group answers with a HelloRetryRequest, which still names suite and group.
func tls13Groups() []uint16 {
	return []uint16{tlswire.GroupX25519, tlswire.GroupSecp256r1, tlswire.GroupSecp384r1,
		tlswire.GroupSecp521r1, tlswire.GroupX448, tlswire.GroupFFDHE2048, tlswire.GroupFFDHE3072, tlswire.GroupFFDHE4096}
}

// sigAlgs is every signature scheme a server might need, SHA-1 and DSA included, so that
// no suite is refused for want of a signature algorithm.
func sigAlgs() []uint16 {
	return []uint16{0x0403, 0x0503, 0x0603, 0x0807, 0x0808, 0x0804, 0x0805, 0x0806, 0x0809, 0x080a, 0x080b,
		0x0401, 0x0501, 0x0601, 0x0303, 0x0301, 0x0302, 0x0402, 0x0502, 0x0602, 0x0203, 0x0201, 0x0202}
}

// rank orders candidate suites so that the ones real servers accept come first and a
// typical server's whole set falls in the first hello: authenticated ephemeral AEAD, then
// other mainstream kx/cipher pairs, then the exotic rest.
func rank(s suites.Suite) int {
	score := 0
	switch s.Kx {
	case "ECDHE", "DHE":
		if s.Anonymous() {
			score += 30
		}
	case "RSA":
		score += 10
	case "DH", "ECDH":
		score += 40
	default:
		score += 60
	}
	switch s.Cipher {
	case "AES", "CHACHA20":
	case "CAMELLIA", "ARIA", "SEED", "3DES", "RC4":
		score += 5
	default:
		score += 20
	}
	if !s.AEAD {
		score += 2
	}
	if s.Export {
		score += 3
	}
	return score
}

// candidates returns the suite ids to enumerate under p, best-known first.
func candidates(tab *suites.Table, p result.Protocol) []uint16 {
	var list []suites.Suite
	for _, s := range tab.All() {
		switch {
		case s.SSLv2, s.MinProtocol == result.TLS13:
		case p == result.TLS12, s.MinProtocol == result.SSLv3, s.MinProtocol == result.TLS10:
			list = append(list, s)
		}
	}
	slices.SortStableFunc(list, func(a, b suites.Suite) int { return cmp.Compare(rank(a), rank(b)) })
	ids := make([]uint16, len(list))
	for i, s := range list {
		ids[i] = uint16(s.ID)
	}
	return ids
}

// tls13Suites are the five suites of RFC 8446.
func tls13Suites() []uint16 {
	return []uint16{0x1301, 0x1302, 0x1303, 0x1304, 0x1305}
}

// chunks splits ids into hellos of at most tlswire.MaxHelloSuites.
func chunks(ids []uint16) [][]uint16 {
	var out [][]uint16
	for len(ids) > 0 {
		n := min(len(ids), tlswire.MaxHelloSuites)
		out = append(out, ids[:n:n])
		ids = ids[n:]
	}
	return out
}

// legacyHello is the ClientHello offering suites under SSL 3.0–TLS 1.2.
func legacyHello(version uint16, sni string, suiteIDs []uint16) *tlswire.ClientHello {
	ch := &tlswire.ClientHello{Version: version, CipherSuites: suiteIDs}
	rand.Read(ch.Random[:])
	if version == tlswire.VersionSSL3 {
		return ch // SSL 3.0 servers may fail on extensions
	}
	ch.ServerName = sni
	ch.SupportedGroups = ecGroups()
	ch.PointFormats = []uint8{0}
	ch.SignatureAlgorithms = sigAlgs()
	ch.SecureRenegotiation = true
	ch.Pad = true
	return ch
}

// tls13Hello is a ClientHello that offers TLS 1.3 only.
func tls13Hello(sni string, suiteIDs []uint16) (*tlswire.ClientHello, error) {
	share, _, err := tlswire.NewX25519Share(nil)
	if err != nil {
		return nil, err
	}
	ch := &tlswire.ClientHello{Version: tlswire.VersionTLS12, CipherSuites: suiteIDs, SessionID: make([]byte, 32),
		ServerName: sni, SupportedGroups: tls13Groups(), SignatureAlgorithms: sigAlgs(),
		SupportedVersions: []uint16{tlswire.VersionTLS13}, KeyShares: []tlswire.KeyShare{share}, PSKModes: []uint8{1}, Pad: true}
	rand.Read(ch.Random[:])
	rand.Read(ch.SessionID)
	return ch, nil
}

// A referenceClient is the hello of a current browser family: the "browser" entries of
// clientsim.Clients(), written from the public TLS specifications and the browsers'
// documented defaults (suite order, groups, signature schemes, versions), not copied bytes. GREASE and post-quantum shares are left out: they
// do not change which of the classic suites a server picks.
type referenceClient struct {
	name     string
	suites   []uint16
	groups   []uint16
	sigAlgs  []uint16
	versions []uint16
}

func referenceClients() []referenceClient {
	var out []referenceClient
	for _, c := range clientsim.Clients() {
		if c.Platform == clientsim.PlatformBrowser {
			out = append(out, referenceClient{name: c.Name, suites: c.Suites, groups: c.Groups, sigAlgs: c.SigAlgs, versions: c.Versions})
		}
	}
	return out
}

func (c referenceClient) hello(sni string) (*tlswire.ClientHello, error) {
	share, _, err := tlswire.NewX25519Share(nil)
	if err != nil {
		return nil, err
	}
	ch := &tlswire.ClientHello{Version: tlswire.VersionTLS12, CipherSuites: c.suites, SessionID: make([]byte, 32),
		RenegotiationSCSV: false, ServerName: sni, SupportedGroups: c.groups, PointFormats: []uint8{0},
		SignatureAlgorithms: c.sigAlgs, SecureRenegotiation: true, SessionTicket: true, ExtendedMasterSecret: true,
		StatusRequest: true, ALPN: []string{"h2", "http/1.1"}, SupportedVersions: c.versions,
		KeyShares: []tlswire.KeyShare{share}, PSKModes: []uint8{1}, Pad: true}
	rand.Read(ch.Random[:])
	rand.Read(ch.SessionID)
	return ch, nil
}
