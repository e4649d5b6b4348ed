package probe

import (
	"context"
	"slices"
	"strconv"
	"testing"

	"github.com/mhealthsec/mhealthsec/internal/testenv"
	"github.com/mhealthsec/mhealthsec/probe/internal/peertest"
	"github.com/mhealthsec/mhealthsec/probe/pki"
	"github.com/mhealthsec/mhealthsec/probe/result"
)

// TestCoverageLegacyPeers measures real servers of the kind an old app backend runs, each
// configured so that Go's crypto/tls cannot handshake with it (DHE, Camellia, ARIA, CCM, NULL
// or 3DES suites only) or only just can (RC4 at TLS 1.0), and checks the rule of
// result.Coverage: every field is measured, or null with a note saying why. Each server also
// names the fields that must be measured, so the rule cannot hold by notes alone.
func TestCoverageLegacyPeers(t *testing.T) {
	testenv.Slow(t, "starts OpenSSL s_server and gnutls-serv eight times")
	dir := t.TempDir()
	rsaCert, rsaKey, err := pki.WritePEM(dir, "rsa", peertest.Leaf(t, pki.RSA2048))
	if err != nil {
		t.Fatal(err)
	}
	ecCert, ecKey, err := pki.WritePEM(dir, "ec", peertest.Leaf(t, pki.ECDSA256))
	if err != nil {
		t.Fatal(err)
	}
	openssl := func(cert, key string, args ...string) func(port int) []string {
		return func(port int) []string {
			return append([]string{"s_server", "-quiet", "-www", "-accept", "127.0.0.1:" + strconv.Itoa(port), "-cert", cert, "-key", key}, args...)
		}
	}
	gnutls := func(priority string) func(port int) []string {
		return func(port int) []string {
			return []string{"--http", "--port", strconv.Itoa(port), "--x509certfile", rsaCert, "--x509keyfile", rsaKey, "--priority", priority}
		}
	}
	// Measured on every server: what a raw ServerHello or first flight shows.
	always := []string{"session_resumption", "session_resumption.tls13_psk", "alpn", "early_data",
		"certificate.ocsp_stapling", "certificate.sct", "client_simulations"}
	// Measured where the raw TLS 1.0–1.2 client (ECDHE, DHE, RSA with AES, 3DES or NULL)
	// completes a handshake.
	handshake := []string{"session_resumption.session_id", "session_resumption.ticket", "http.security_headers"}
	for _, tc := range []struct {
		name     string
		tool     string
		args     func(port int) []string
		measured []string
	}{
		{"OpenSSL, DHE at TLS 1.0", "openssl", openssl(rsaCert, rsaKey, "-tls1", "-cipher", "DHE-RSA-AES256-SHA:@SECLEVEL=0"), handshake},
		{"OpenSSL, DHE at TLS 1.2", "openssl", openssl(rsaCert, rsaKey, "-tls1_2", "-cipher", "DHE-RSA-AES128-GCM-SHA256"), handshake},
		{"OpenSSL, Camellia only", "openssl", openssl(rsaCert, rsaKey, "-tls1_2", "-cipher", "DHE-RSA-CAMELLIA128-SHA256:@SECLEVEL=0"), nil},
		{"OpenSSL, ARIA only", "openssl", openssl(rsaCert, rsaKey, "-tls1_2", "-cipher", "DHE-RSA-ARIA128-GCM-SHA256:@SECLEVEL=0"), nil},
		{"OpenSSL, AES-CCM only", "openssl", openssl(ecCert, ecKey, "-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-CCM"), nil},
		{"OpenSSL, NULL only", "openssl", openssl(rsaCert, rsaKey, "-tls1_2", "-cipher", "NULL-SHA256:@SECLEVEL=0"), handshake},
		{"GnuTLS, DHE with 3DES", "gnutls-serv", gnutls("NONE:+VERS-TLS1.2:+DHE-RSA:+3DES-CBC:+SHA1:+COMP-NULL:+SIGN-ALL:+GROUP-ALL"), handshake},
		{"GnuTLS, RC4 at TLS 1.0", "gnutls-serv", gnutls("NONE:+VERS-TLS1.0:+RSA:+ARCFOUR-128:+SHA1:+COMP-NULL:+SIGN-ALL"), handshake},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := peertest.Start(t, tc.tool, tc.args)
			s, err := New(Config{LoopbackOnly: true, Rate: -1, HostRate: -1})
			if err != nil {
				t.Fatal(err)
			}
			port, err := strconv.Atoi(srv.Addr[len("127.0.0.1:"):])
			if err != nil {
				t.Fatal(err)
			}
			r := s.Measure(context.Background(), Target{Host: "127.0.0.1", Port: port, SNI: "localhost", Family: IPv4})
			if r.Error != nil {
				t.Fatalf("error %+v; notes %q", r.Error, r.Notes)
			}
			for _, fc := range result.Coverage(&r) {
				switch {
				case fc.State == result.NullWithoutNote:
					t.Errorf("%s null without a note; notes %q", fc.Field, r.Notes)
				case fc.State != result.Measured && (slices.Contains(always, fc.Field) || slices.Contains(tc.measured, fc.Field)):
					t.Errorf("%s not measured: %s", fc.Field, fc.Note)
				case fc.State != result.Measured:
					t.Logf("%s: %s", fc.Field, fc.Note)
				}
			}
		})
	}
}
