package clientsim

import (
	"context"
	"net"
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	"github.com/mhealthsec/mhealthsec/probe/check"
	"github.com/mhealthsec/mhealthsec/probe/internal/peertest"
	"github.com/mhealthsec/mhealthsec/probe/pki"
	"github.com/mhealthsec/mhealthsec/probe/result"
	"github.com/mhealthsec/mhealthsec/probe/tlswire"
)

// TestOpenSSLDHEOnly runs every client against OpenSSL s_server offering only
// DHE-RSA-AES128-GCM-SHA256 under TLS 1.2 with a 1024-bit group: only clients that offer
// that suite and TLS 1.2 and accept a 1024-bit prime connect, with group dh1024.
func TestOpenSSLDHEOnly(t *testing.T) {
	peertest.Tool(t, "openssl")
	cert := peertest.Leaf(t, pki.RSA2048)
	certPath, keyPath, err := pki.WritePEM(t.TempDir(), "leaf", cert)
	if err != nil {
		t.Fatal(err)
	}
	dh := filepath.Join("..", "enum", "testdata", "dh1024.pem")
	addr := peertest.Start(t, "openssl", func(port int) []string {
		return []string{"s_server", "-accept", "127.0.0.1:" + strconv.Itoa(port), "-cert", certPath, "-key", keyPath, "-quiet",
			"-tls1_2", "-dhparam", dh, "-cipher", "DHE-RSA-AES128-GCM-SHA256:@SECLEVEL=0"}
	}).Addr
	dial := func(ctx context.Context) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "tcp", addr)
	}
	sims := Simulate(t.Context(), Config{ConnConfig: check.ConnConfig{Dial: dial}})
	for i, c := range Clients() {
		s := sims[i]
		want := slices.Contains(c.Versions, tlswire.VersionTLS12) && slices.Contains(c.Suites, 0x009e) && c.MinDHBits <= 1024
		if s.Connects == nil || *s.Connects != want {
			t.Errorf("%s: got %+v, want connects %v", c.Name, s, want)
			continue
		}
		if want && (s.Protocol != result.TLS12 || s.ID != "0x009e" || s.Group != "dh1024") {
			t.Errorf("%s: got %s %s %s, want TLS1_2 0x009e dh1024", c.Name, s.Protocol, s.ID, s.Group)
		}
	}
	if !*byName(sims)["android-7"].Connects || *byName(sims)["android-8"].Connects {
		t.Error("Android 7 (DHE enabled to API 25) should connect and Android 8 not")
	}
}
