package clientsim

import (
	enchex "encoding/hex"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"testing"

	"github.com/mhealthsec/mhealthsec/probe/tlswire"
)

// captureDir is where Debian's testssl.sh package puts its client-simulation data.
const captureDir = "/etc/testssl"

// capturePeers pairs clients with the captured ClientHello (testssl.sh id) whose fields
// their Source says they equal: the hellos were written from these captures and the
// platform documents, and this keeps them from drifting apart.
var capturePeers = []struct {
	client, file, id string
	// suites compares every suite; tls13 only the TLS 1.3 ones, in order.
	suites, tls13, groups, sigalgs, alpn bool
}{
	{"android-5", "client-simulation.txt", "android_500", false, false, false, true, false},
	{"android-7", "client-simulation.wiresharked.txt", "android_70", false, false, true, true, false},
	{"android-8", "client-simulation.wiresharked.txt", "android_81", true, false, true, true, true},
	{"android-11", "client-simulation.wiresharked.txt", "android_11", true, false, true, true, false},
	{"android-12", "client-simulation.wiresharked.txt", "android_12", true, false, true, true, false},
	{"ios-9", "client-simulation.txt", "apple_ats_9_ios9", true, false, true, true, true},
	{"ios-10", "client-simulation.txt", "safari_10_ios10", false, false, true, true, true},
	{"ios-12", "client-simulation.wiresharked.txt", "safari_121_ios_122", false, true, true, true, true},
	{"chrome-like", "client-simulation.txt", "chrome_101_win10", true, false, true, true, true},
	{"firefox-like", "client-simulation.txt", "firefox_100_win10", true, false, true, true, true},
	{"safari-like", "client-simulation.txt", "safari_154_osx_1231", true, false, true, true, true},
	{"ios-15", "client-simulation.txt", "safari_154_osx_1231", false, true, true, true, true},
}

// TestAgainstCaptures compares the clients' hellos with the captured ClientHello bytes in
// testssl.sh's client-simulation files, field by field as capturePeers says.
func TestAgainstCaptures(t *testing.T) {
	clients := map[string]Client{}
	for _, c := range Clients() {
		clients[c.Name] = c
	}
	for _, p := range capturePeers {
		t.Run(p.client, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(captureDir, p.file))
			if err != nil {
				t.Skipf("testssl.sh client-simulation data not installed (Debian package testssl.sh): %v", err)
			}
			got := captured(t, data, p.id)
			c, ok := clients[p.client]
			if !ok {
				t.Fatalf("no client %s", p.client)
			}
			check := func(field string, on bool, ours, theirs any, eq bool) {
				if on && !eq {
					t.Errorf("%s: %s %v, capture %s has %v", c.Name, field, ours, p.id, theirs)
				}
			}
			check("suites", p.suites, c.Suites, got.CipherSuites, slices.Equal(c.Suites, got.CipherSuites))
			check("TLS 1.3 suites", p.tls13, tls13Of(c.Suites), tls13Of(got.CipherSuites), slices.Equal(tls13Of(c.Suites), tls13Of(got.CipherSuites)))
			check("groups", p.groups, c.Groups, got.SupportedGroups, slices.Equal(c.Groups, got.SupportedGroups))
			check("signature schemes", p.sigalgs, c.SigAlgs, got.SignatureAlgorithms, slices.Equal(c.SigAlgs, deduplicate(got.SignatureAlgorithms)))
			check("ALPN", p.alpn, c.ALPN, got.ALPN, slices.Equal(c.ALPN, got.ALPN))
		})
	}
}

// captured finds id's handshakebytes in a testssl.sh client-simulation file and parses the
// ClientHello in them.
func captured(t *testing.T, data []byte, id string) *tlswire.ClientHello {
	t.Helper()
	re := regexp.MustCompile(`short\+=\("` + regexp.QuoteMeta(id) + `"\)(?s:.*?)handshakebytes\+=\("([0-9a-f]+)"\)`)
	m := re.FindSubmatch(data)
	if m == nil {
		t.Fatalf("%s: no handshakebytes", id)
	}
	b, err := enchex.DecodeString(string(m[1]))
	// A record header (5 bytes) and a handshake header (4) come before the hello's body.
	if err != nil || len(b) < 9 {
		t.Fatalf("%s: handshakebytes unreadable: %v", id, err)
	}
	ch, err := tlswire.ParseClientHello(b[9:])
	if err != nil {
		t.Fatalf("%s: %v", id, err)
	}
	// Our hellos send no GREASE values (RFC 8701), which servers ignore.
	ch.CipherSuites = slices.DeleteFunc(ch.CipherSuites, isGREASE)
	ch.SupportedGroups = slices.DeleteFunc(ch.SupportedGroups, isGREASE)
	return ch
}

// isGREASE reports an RFC 8701 GREASE value (0x0a0a, 0x1a1a, ... 0xfafa).
func isGREASE(v uint16) bool { return v&0x0f0f == 0x0a0a && v>>8 == v&0xff }

// deduplicate drops repeated entries (Safari 12.1's capture lists 0x0805 twice).
func deduplicate(s []uint16) []uint16 {
	var out []uint16
	for _, v := range s {
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

// tls13Of keeps the TLS 1.3 suites (0x1301–0x1305) of a list, in order.
func tls13Of(s []uint16) []uint16 {
	var out []uint16
	for _, v := range s {
		if v >= 0x1301 && v <= 0x1305 {
			out = append(out, v)
		}
	}
	return out
}
