package vuln

import (
	"context"
	"crypto/tls"
	"io"
	"net"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mhealthsec/mhealthsec/probe/fakeserver"
	"github.com/mhealthsec/mhealthsec/probe/internal/peertest"
	"github.com/mhealthsec/mhealthsec/probe/pki"
	"github.com/mhealthsec/mhealthsec/probe/result"
)

// answerHTTP writes an empty HTTP 200 response after the handshake and reads on, so that
// a renegotiating client gets crypto/tls's answer.
func answerHTTP(c *tls.Conn) {
	c.Write([]byte("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"))
	io.Copy(io.Discard, c)
}

func fake(t testing.TB, h fakeserver.Handler) func(context.Context) (net.Conn, error) {
	t.Helper()
	s, err := fakeserver.Start(h)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s.Dial
}

// rsaKx are RSA key transport suites Go serves when asked explicitly.
var rsaKx = []uint16{tls.TLS_RSA_WITH_AES_128_GCM_SHA256, tls.TLS_RSA_WITH_AES_128_CBC_SHA, tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256}

// protocols makes a result that says which protocols the server speaks, as enum would.
func protocols(ps ...result.Protocol) *result.Result {
	r := &result.Result{}
	for _, p := range result.AllProtocols() {
		r.Protocols.Set(p, false)
	}
	for _, p := range ps {
		r.Protocols.Set(p, true)
	}
	return r
}

func tri(b *bool) string {
	if b == nil {
		return "null"
	}
	if *b {
		return "true"
	}
	return "false"
}

func TestCheckActive(t *testing.T) {
	t.Parallel()
	rsaCert := peertest.Leaf(t, pki.RSA2048)
	chain := rsaCert.Certificate
	robotH, err := fakeserver.ROBOT(fakeserver.ROBOTOptions{Certificate: rsaCert})
	if err != nil {
		t.Fatal(err)
	}
	tls12 := func() *result.Result { return protocols(result.TLS12) }

	tests := []struct {
		name string
		dial func(context.Context) (net.Conn, error)
		r    *result.Result
		// want maps a check id to "true", "false" or "null".
		want map[string]string
	}{
		{"Go TLS 1.2/1.3 with RSA key transport",
			peertest.ServeGo(t, &tls.Config{Certificates: []tls.Certificate{rsaCert}, CipherSuites: rsaKx, MinVersion: tls.VersionTLS12}, answerHTTP).Dial,
			protocols(result.TLS12, result.TLS13),
			map[string]string{"heartbleed": "false", "CCS": "false", "ROBOT": "false", "secure_renego": "true",
				"CRIME_TLS": "false", "fallback_SCSV": "true", "ticketbleed": "false", "insecure_renego": "false",
				"secure_client_renego": "false", "POODLE_TLS": "false", "sleeping_poodle": "false", "zombie_poodle": "false",
				"goldendoodle": "false", "padding_oracle_2016_2107": "false"}},
		{"Go TLS 1.2 only, ECDSA",
			peertest.ServeGo(t, &tls.Config{Certificates: []tls.Certificate{peertest.Leaf(t, pki.ECDSA256)}, MaxVersion: tls.VersionTLS12}, answerHTTP).Dial,
			tls12(),
			map[string]string{"heartbleed": "false", "CCS": "false", "ROBOT": "false", "secure_renego": "true",
				"CRIME_TLS": "false", "fallback_SCSV": "null", "ticketbleed": "false", "secure_client_renego": "false"}},
		{"Go TLS 1.3 only",
			peertest.ServeGo(t, &tls.Config{Certificates: []tls.Certificate{rsaCert}, MinVersion: tls.VersionTLS13}, answerHTTP).Dial,
			protocols(result.TLS13),
			map[string]string{"heartbleed": "false", "CCS": "false", "ROBOT": "false", "secure_renego": "null",
				"CRIME_TLS": "false", "fallback_SCSV": "null", "ticketbleed": "false"}},
		// The fakes ignore TLS_FALLBACK_SCSV: with three protocols the check runs and fails.
		{"Heartbleed fake", fake(t, fakeserver.Heartbleed(fakeserver.VulnOptions{Chain: chain})), protocols(result.TLS10, result.TLS11, result.TLS12),
			map[string]string{"heartbleed": "true", "CCS": "false", "secure_renego": "true", "CRIME_TLS": "false", "fallback_SCSV": "false"}},
		{"CCS injection fake", fake(t, fakeserver.CCSInjection(fakeserver.VulnOptions{Chain: chain})), tls12(),
			map[string]string{"CCS": "true", "heartbleed": "false"}},
		{"ROBOT fake", fake(t, robotH), tls12(),
			map[string]string{"ROBOT": "true", "heartbleed": "false", "CCS": "false"}},
		{"compression fake", fake(t, fakeserver.Compression(fakeserver.VulnOptions{Chain: chain})), tls12(),
			map[string]string{"CRIME_TLS": "true", "secure_renego": "true", "heartbleed": "false", "CCS": "false", "ROBOT": "false"}},
		{"insecure renegotiation fake", fake(t, fakeserver.Renegotiation(fakeserver.RenegotiationOptions{Chain: chain})), tls12(),
			map[string]string{"secure_renego": "false", "insecure_renego": "true", "heartbleed": "false", "CCS": "false"}},
		{"client renegotiation fake", fake(t, fakeserver.Renegotiation(fakeserver.RenegotiationOptions{Chain: chain, Secure: true})), tls12(),
			map[string]string{"secure_renego": "true", "secure_client_renego": "true", "insecure_renego": "false"}},
		{"Ticketbleed fake", fake(t, fakeserver.Ticketbleed(fakeserver.TicketbleedOptions{Certificate: rsaCert})), tls12(),
			map[string]string{"ticketbleed": "true", "CRIME_TLS": "false"}},
		{"POODLE over TLS fake", fake(t, fakeserver.PaddingOracle(fakeserver.PaddingOracleOptions{Chain: chain, Flaw: fakeserver.PaddingPOODLETLS})), tls12(),
			map[string]string{"POODLE_TLS": "true", "zombie_poodle": "false", "goldendoodle": "false", "heartbleed": "false"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			Check(ctx, Config{Dial: tc.dial, SNI: "localhost", Timeout: 3 * time.Second}, tc.r)
			got := idValues(&tc.r.Vulnerabilities)
			for id, want := range tc.want {
				if got[id] != want {
					t.Errorf("%s = %s, want %s (note: %q)", id, got[id], want, tc.r.Vulnerabilities.Notes[id])
				}
				if got[id] == "null" && tc.r.Vulnerabilities.Notes[id] == "" {
					t.Errorf("%s is null without a note", id)
				}
			}
		})
	}
}

func idValues(v *result.Vulnerabilities) map[string]string {
	return map[string]string{
		"heartbleed": tri(v.Heartbleed), "CCS": tri(v.CCS), "ROBOT": tri(v.ROBOT), "ticketbleed": tri(v.Ticketbleed),
		"secure_renego": tri(v.SecureRenego), "secure_client_renego": tri(v.SecureClientRenego),
		"insecure_renego": tri(v.InsecureRenego), "CRIME_TLS": tri(v.CRIME), "fallback_SCSV": tri(v.FallbackSCSV),
		"BREACH": tri(v.BREACH), "POODLE_SSL": tri(v.POODLESSL), "SWEET32": tri(v.SWEET32), "FREAK": tri(v.FREAK),
		"DROWN": tri(v.DROWN), "LOGJAM": tri(v.LOGJAM), "BEAST": tri(v.BEAST), "LUCKY13": tri(v.LUCKY13), "RC4": tri(v.RC4),
		"POODLE_TLS": tri(v.POODLETLS), "sleeping_poodle": tri(v.SleepingPOODLE), "zombie_poodle": tri(v.ZombiePOODLE),
		"goldendoodle": tri(v.GOLDENDOODLE), "padding_oracle_2016_2107": tri(v.PaddingOracle),
		"zero_length_padding_oracle": tri(v.ZeroLengthPaddingOracle),
	}
}

func TestCheckUnreachable(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens any more
	r := protocols(result.TLS12)
	Check(context.Background(), Config{Dial: func(ctx context.Context) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "tcp", addr)
	}, Timeout: time.Second}, r)
	for _, id := range activeIDs() {
		if got := idValues(&r.Vulnerabilities)[id]; got != "null" {
			t.Errorf("%s = %s on an unreachable endpoint, want null", id, got)
		}
		if r.Vulnerabilities.Notes[id] == "" {
			t.Errorf("%s has no note saying why it is null", id)
		}
	}
}

func TestDerive(t *testing.T) {
	c := func(p result.Protocol, name string, mod func(*result.Cipher)) result.Cipher {
		x := result.Cipher{Protocol: p, Name: name, Bits: 128}
		if mod != nil {
			mod(&x)
		}
		return x
	}
	tests := []struct {
		name string
		r    func() *result.Result
		want map[string]string
	}{
		{"modern AEAD only", func() *result.Result {
			r := protocols(result.TLS12, result.TLS13)
			r.Ciphers = []result.Cipher{c(result.TLS12, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", func(x *result.Cipher) { x.Kx = "ECDHE"; x.AEAD = true }),
				c(result.TLS13, "TLS_AES_128_GCM_SHA256", nil)}
			r.HTTP = &result.HTTP{Status: 200}
			return r
		}, map[string]string{"SWEET32": "false", "FREAK": "false", "DROWN": "false", "LOGJAM": "false", "BEAST": "false",
			"LUCKY13": "false", "RC4": "false", "POODLE_SSL": "false", "BREACH": "false"}},
		{"legacy zoo", func() *result.Result {
			r := protocols(result.SSLv2, result.SSLv3, result.TLS10, result.TLS12)
			r.Ciphers = []result.Cipher{
				c(result.SSLv3, "TLS_RSA_WITH_AES_128_CBC_SHA", func(x *result.Cipher) { x.Kx = "RSA" }),
				c(result.TLS10, "TLS_RSA_WITH_3DES_EDE_CBC_SHA", func(x *result.Cipher) { x.Kx = "RSA"; x.Cipher = "3DES"; x.BlockBits = 64 }),
				c(result.TLS10, "TLS_RSA_EXPORT_WITH_RC4_40_MD5", func(x *result.Cipher) { x.Kx = "RSA"; x.Export = true; x.Bits = 40 }),
				c(result.TLS12, "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256", func(x *result.Cipher) { x.Kx = "DHE"; x.KxBits = 1024 }),
			}
			r.HTTP = &result.HTTP{Status: 200, Compression: "gzip"}
			return r
		}, map[string]string{"SWEET32": "true", "FREAK": "true", "DROWN": "true", "LOGJAM": "null", "BEAST": "true",
			"LUCKY13": "true", "RC4": "true", "POODLE_SSL": "true", "BREACH": "true"}},
		{"SSL 3.0 with RC4 only is not POODLE", func() *result.Result {
			r := protocols(result.SSLv3)
			r.Ciphers = []result.Cipher{c(result.SSLv3, "TLS_RSA_WITH_RC4_128_SHA", func(x *result.Cipher) { x.Kx = "RSA"; x.Cipher = "RC4" })}
			return r
		}, map[string]string{"POODLE_SSL": "false", "RC4": "true", "BEAST": "false", "LUCKY13": "false", "BREACH": "null"}},
		{"nothing enumerated", func() *result.Result { return &result.Result{} },
			map[string]string{"SWEET32": "null", "FREAK": "null", "DROWN": "null", "LOGJAM": "null", "BEAST": "null",
				"LUCKY13": "null", "RC4": "null", "POODLE_SSL": "null", "BREACH": "null"}},
		{"1024-bit DH seen in ephemeral keys", func() *result.Result {
			r := protocols(result.TLS12)
			r.Ciphers = []result.Cipher{c(result.TLS12, "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256", func(x *result.Cipher) { x.Kx = "DHE"; x.AEAD = true })}
			r.Ephemeral = []result.EphemeralKey{{Kx: "DHE", Group: "dh1024", Bits: 1024}}
			return r
		}, map[string]string{"LOGJAM": "null"}}, // 1024 bits: Logjam only if the prime is a shared one, which only a probe can ask
		{"export DHE is Logjam without asking", func() *result.Result {
			r := protocols(result.TLS10)
			r.Ciphers = []result.Cipher{c(result.TLS10, "TLS_DHE_RSA_EXPORT_WITH_DES40_CBC_SHA", func(x *result.Cipher) { x.Kx = "DHE"; x.Export = true; x.KxBits = 512 })}
			return r
		}, map[string]string{"LOGJAM": "true"}},
		{"2048-bit DHE is not Logjam", func() *result.Result {
			r := protocols(result.TLS12)
			r.Ciphers = []result.Cipher{c(result.TLS12, "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256", func(x *result.Cipher) { x.Kx = "DHE"; x.KxBits = 2048 })}
			return r
		}, map[string]string{"LOGJAM": "false"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.r()
			Check(context.Background(), Config{}, r) // no dialer: derived checks only
			got := idValues(&r.Vulnerabilities)
			for id, want := range tc.want {
				if got[id] != want {
					t.Errorf("%s = %s, want %s (note %q)", id, got[id], want, r.Vulnerabilities.Notes[id])
				}
			}
			for _, id := range activeIDs() {
				if got[id] != "null" || !strings.Contains(r.Vulnerabilities.Notes[id], "no dialer") {
					t.Errorf("%s = %s, note %q; want null with a note", id, got[id], r.Vulnerabilities.Notes[id])
				}
			}
		})
	}
}

func TestPaddedPMS(t *testing.T) {
	for _, v := range pmsVariants() {
		b, err := PaddedPMS(v, 256, 0x0303)
		if err != nil {
			t.Fatal(err)
		}
		if len(b) != 256 {
			t.Errorf("%s: %d bytes, want 256", v, len(b))
		}
		sep := -1
		for i := 2; i < len(b); i++ {
			if b[i] == 0 {
				sep = i
				break
			}
		}
		valid := b[0] == 0 && b[1] == 2 && sep == 256-49 && b[sep+1] == 3 && b[sep+2] == 3
		if valid != (v == PMSCorrect) {
			t.Errorf("%s: valid PKCS#1 with version = %v", v, valid)
		}
	}
	if _, err := PaddedPMS(PMSCorrect, 40, 0x0303); err == nil {
		t.Error("a modulus too short for a premaster secret was accepted")
	}
}

func BenchmarkCheckGoServer(b *testing.B) {
	cert := peertest.Leaf(b, pki.RSA2048)
	dial := peertest.ServeGo(b, &tls.Config{Certificates: []tls.Certificate{cert}, CipherSuites: rsaKx}, answerHTTP).Dial
	ctx := context.Background()
	for b.Loop() {
		r := protocols(result.TLS12, result.TLS13)
		r.Ciphers = []result.Cipher{{Protocol: result.TLS12, ID: "0x009c", Name: "TLS_RSA_WITH_AES_128_GCM_SHA256", Kx: "RSA", Bits: 128, AEAD: true},
			{Protocol: result.TLS12, ID: "0xc02f", Name: "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", Kx: "ECDHE", Bits: 128, AEAD: true}}
		Check(ctx, Config{Dial: dial, SNI: "localhost", Timeout: 3 * time.Second}, r)
	}
}

// TestCheckHostile runs every probe against peers that break the protocol: each check must
// come back (bounded by the timeout) as null with a note, never as a false "not
// vulnerable" it did not establish.
func TestCheckHostile(t *testing.T) {
	t.Parallel()
	chain := peertest.Leaf(t, pki.RSA2048).Certificate
	all := []string{"heartbleed", "CCS", "ROBOT", "CRIME_TLS", "secure_renego", "ticketbleed"}
	tests := []struct {
		name string
		h    fakeserver.Handler
		null []string
	}{
		{"garbage", fakeserver.Garbage(), all},
		{"reset", fakeserver.Reset(), all},
		{"oversized record", fakeserver.Oversized(), all},
		{"silent", fakeserver.Silent(), all},
		{"drip", fakeserver.Drip(50 * time.Millisecond), all},
		// Its ServerHello is sound (and says: no renegotiation_info, no compression); only
		// the probes that need the whole flight fail.
		{"long chain", fakeserver.LongChain(chain[0], 64), []string{"heartbleed", "CCS", "ROBOT", "ticketbleed"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := protocols(result.TLS12)
			Check(context.Background(), Config{Dial: fake(t, tc.h), SNI: "localhost", Timeout: 300 * time.Millisecond}, r)
			got := idValues(&r.Vulnerabilities)
			for _, id := range tc.null {
				if got[id] != "null" {
					t.Errorf("%s = %s against a hostile peer, want null (note %q)", id, got[id], r.Vulnerabilities.Notes[id])
				}
				if r.Vulnerabilities.Notes[id] == "" {
					t.Errorf("%s has no note", id)
				}
			}
		})
	}
}

// TestClientRenegotiation runs the renegotiation client against crypto/tls (which refuses
// renegotiation) and OpenSSL's s_server with and without -client_renegotiation.
func TestClientRenegotiation(t *testing.T) {
	t.Parallel()
	cert := peertest.Leaf(t, pki.RSA2048)
	tests := []struct {
		name string
		dial func(t *testing.T) func(context.Context) (net.Conn, error)
		want string
	}{
		{"crypto/tls", func(t *testing.T) func(context.Context) (net.Conn, error) {
			return peertest.ServeGo(t, &tls.Config{Certificates: []tls.Certificate{cert}, MaxVersion: tls.VersionTLS12}, answerHTTP).Dial
		}, "false"},
		{"openssl s_server", func(t *testing.T) func(context.Context) (net.Conn, error) {
			return opensslServer(t, cert)
		}, "false"},
		{"openssl s_server -client_renegotiation", func(t *testing.T) func(context.Context) (net.Conn, error) {
			return opensslServer(t, cert, "-client_renegotiation")
		}, "true"},
		// Every suite family of the client: a refusal must be a measured false, an
		// acceptance true, whatever suite the server insists on.
		{"crypto/tls, ECDHE AES-CBC only", func(t *testing.T) func(context.Context) (net.Conn, error) {
			return peertest.ServeGo(t, &tls.Config{Certificates: []tls.Certificate{cert}, MaxVersion: tls.VersionTLS12,
				CipherSuites: []uint16{tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA}}, answerHTTP).Dial
		}, "false"},
		{"crypto/tls, RSA key transport only", func(t *testing.T) func(context.Context) (net.Conn, error) {
			return peertest.ServeGo(t, &tls.Config{Certificates: []tls.Certificate{cert}, MaxVersion: tls.VersionTLS12,
				CipherSuites: []uint16{tls.TLS_RSA_WITH_AES_128_GCM_SHA256}}, answerHTTP).Dial
		}, "false"},
		{"crypto/tls, AES-256-GCM-SHA384 only", func(t *testing.T) func(context.Context) (net.Conn, error) {
			return peertest.ServeGo(t, &tls.Config{Certificates: []tls.Certificate{cert}, MaxVersion: tls.VersionTLS12,
				CipherSuites: []uint16{tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384}}, answerHTTP).Dial
		}, "false"},
		{"openssl s_server, DHE only", func(t *testing.T) func(context.Context) (net.Conn, error) {
			return opensslServer(t, cert, "-cipher", "DHE-RSA-AES128-GCM-SHA256")
		}, "false"},
		{"openssl s_server -client_renegotiation, DHE AES-CBC", func(t *testing.T) func(context.Context) (net.Conn, error) {
			return opensslServer(t, cert, "-client_renegotiation", "-cipher", "DHE-RSA-AES256-SHA")
		}, "true"},
		{"openssl s_server -client_renegotiation, RSA AES-CBC-SHA256", func(t *testing.T) func(context.Context) (net.Conn, error) {
			return opensslServer(t, cert, "-client_renegotiation", "-cipher", "AES128-SHA256")
		}, "true"},
		{"openssl s_server -client_renegotiation, ECDHE AES-256-GCM", func(t *testing.T) func(context.Context) (net.Conn, error) {
			return opensslServer(t, cert, "-client_renegotiation", "-cipher", "ECDHE-RSA-AES256-GCM-SHA384")
		}, "true"},
		// gnutls-serv asks for an (optional) client certificate and renegotiates.
		{"gnutls-serv", func(t *testing.T) func(context.Context) (net.Conn, error) {
			return gnutlsServer(t, cert)
		}, "true"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := &prober{cfg: Config{Dial: tc.dial(t), SNI: "localhost", Timeout: 3 * time.Second}, plan: planFor(protocols(result.TLS12))}
			got, note := p.clientRenegotiation(context.Background())
			t.Log(note)
			if tri(got) != tc.want {
				t.Errorf("secure_client_renego = %s, want %s (%s)", tri(got), tc.want, note)
			}
		})
	}
}

// opensslServer runs `openssl s_server` on a free loopback port with extra flags.
func opensslServer(t *testing.T, cert tls.Certificate, flags ...string) func(context.Context) (net.Conn, error) {
	return externalServer(t, "openssl", cert, func(port, certPath, keyPath string) []string {
		return append([]string{"s_server", "-accept", "127.0.0.1:" + port, "-cert", certPath, "-key", keyPath, "-quiet", "-tls1_2"}, flags...)
	})
}

// gnutlsServer runs gnutls-serv on a free port (it listens on every address; the test only
// connects to 127.0.0.1).
func gnutlsServer(t *testing.T, cert tls.Certificate) func(context.Context) (net.Conn, error) {
	return externalServer(t, "gnutls-serv", cert, func(port, certPath, keyPath string) []string {
		return []string{"--http", "-p", port, "--x509certfile", certPath, "--x509keyfile", keyPath, "-q"}
	})
}

// externalServer starts a TLS server program with cert on a free loopback port (see
// peertest.Start) and returns a dialer to it.
func externalServer(t *testing.T, name string, cert tls.Certificate, argv func(port, certPath, keyPath string) []string) func(context.Context) (net.Conn, error) {
	t.Helper()
	peertest.Tool(t, name) // skip before writing files
	certPath, keyPath, err := pki.WritePEM(t.TempDir(), "leaf", cert)
	if err != nil {
		t.Fatal(err)
	}
	addr := peertest.Start(t, name, func(port int) []string { return argv(strconv.Itoa(port), certPath, keyPath) }).Addr
	return func(ctx context.Context) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "tcp", addr)
	}
}

// BenchmarkCheckMedian runs Check against a mix of loopback endpoints (crypto/tls servers
// and the vulnerable fakes) and reports the median time per endpoint, the figure the
// <100 ms budget is about.
func BenchmarkCheckMedian(b *testing.B) {
	cert := peertest.Leaf(b, pki.RSA2048)
	robotH, err := fakeserver.ROBOT(fakeserver.ROBOTOptions{Certificate: cert})
	if err != nil {
		b.Fatal(err)
	}
	vopt := fakeserver.VulnOptions{Chain: cert.Certificate}
	suite := func(p result.Protocol, id, name, kx string) result.Cipher {
		return result.Cipher{Protocol: p, ID: id, Name: name, Kx: kx, Bits: 128}
	}
	rsaOnly := []result.Cipher{suite(result.TLS12, "0x009c", "TLS_RSA_WITH_AES_128_GCM_SHA256", "RSA"), suite(result.TLS12, "0x002f", "TLS_RSA_WITH_AES_128_CBC_SHA", "RSA")}
	endpoints := []struct {
		dial    func(context.Context) (net.Conn, error)
		ps      []result.Protocol
		ciphers []result.Cipher
	}{
		{peertest.ServeGo(b, &tls.Config{Certificates: []tls.Certificate{cert}}, answerHTTP).Dial, []result.Protocol{result.TLS12, result.TLS13},
			[]result.Cipher{suite(result.TLS12, "0xc02f", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "ECDHE")}},
		{peertest.ServeGo(b, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS10, CipherSuites: rsaKx}, answerHTTP).Dial,
			[]result.Protocol{result.TLS10, result.TLS11, result.TLS12, result.TLS13}, rsaOnly},
		{peertest.ServeGo(b, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS13}, answerHTTP).Dial, []result.Protocol{result.TLS13}, nil},
		{fake(b, fakeserver.Heartbleed(vopt)), []result.Protocol{result.TLS10, result.TLS11, result.TLS12}, rsaOnly},
		{fake(b, fakeserver.CCSInjection(vopt)), []result.Protocol{result.TLS10, result.TLS11, result.TLS12}, rsaOnly},
		{fake(b, robotH), []result.Protocol{result.TLS10, result.TLS11, result.TLS12}, rsaOnly},
	}
	var times []time.Duration
	ctx := context.Background()
	for b.Loop() {
		for _, ep := range endpoints {
			r := protocols(ep.ps...)
			r.Ciphers = ep.ciphers
			start := time.Now()
			Check(ctx, Config{Dial: ep.dial, SNI: "localhost", Timeout: 3 * time.Second}, r)
			times = append(times, time.Since(start))
		}
	}
	slices.Sort(times)
	b.ReportMetric(float64(times[len(times)/2].Microseconds())/1000, "median-ms/endpoint")
	b.ReportMetric(float64(times[len(times)*9/10].Microseconds())/1000, "p90-ms/endpoint")
}

// TestTicketbleedSkipsWhatEnumerationRuledOut counts dials, not time: when the enumeration
// shows that the crypto/tls handshake for a session ticket cannot succeed, the check is
// null with a note and never dials, so a server that drops such hellos in silence no longer
// costs the timeout.
func TestTicketbleedSkipsWhatEnumerationRuledOut(t *testing.T) {
	withCiphers := func(r *result.Result, p result.Protocol, ids ...string) *result.Result {
		for _, id := range ids {
			r.Ciphers = append(r.Ciphers, result.Cipher{Protocol: p, ID: id})
		}
		return r
	}
	tests := []struct {
		name      string
		r         *result.Result
		wantDials bool
	}{
		{"SSL 3.0 only", withCiphers(protocols(result.SSLv3), result.SSLv3, "0x0005", "0x002f"), false},
		{"export suites only", withCiphers(withCiphers(protocols(result.SSLv3, result.TLS10), result.SSLv3, "0x0003"), result.TLS10, "0x0003", "0x0014"), false},
		{"NULL suites only", withCiphers(protocols(result.TLS10, result.TLS12), result.TLS12, "0x0001", "0x0002", "0x003b"), false},
		// The check must still ask when the ticket handshake can work, or is not ruled out.
		{"NULL and AES-GCM", withCiphers(protocols(result.TLS12), result.TLS12, "0x0001", "0xc02f"), true},
		{"protocols without suites", protocols(result.TLS12), true},
		{"no enumeration", &result.Result{}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dials := 0
			p := &prober{cfg: Config{Timeout: time.Second, Dial: func(context.Context) (net.Conn, error) {
				dials++
				return nil, io.ErrClosedPipe
			}}, plan: planFor(tc.r)}
			got, note := p.ticketbleed(context.Background())
			if (dials > 0) != tc.wantDials {
				t.Errorf("dialed %d times, want dials: %v (note %q)", dials, tc.wantDials, note)
			}
			if got != nil || !strings.HasPrefix(note, "not tested: ") {
				t.Errorf("ticketbleed = %s (%q), want null with a 'not tested' note", tri(got), note)
			}
		})
	}
}

// TestTicketbleedRSA512 runs the check on OpenSSL with an RSA-512 key, which crypto/tls
// refuses to handshake with: the raw TLS 1.2 client gets the ticket instead, so the
// verdict is measured (OpenSSL echoes no session id: not vulnerable), not null. The same
// raw client decides client-initiated renegotiation there.
func TestTicketbleedRSA512(t *testing.T) {
	t.Parallel()
	openssl := peertest.Tool(t, "openssl")
	dir := t.TempDir()
	certPath, keyPath := filepath.Join(dir, "c.pem"), filepath.Join(dir, "k.pem")
	out, err := exec.Command(openssl, "req", "-x509", "-newkey", "rsa:512", "-nodes", "-keyout", keyPath, "-out", certPath,
		"-days", "30", "-subj", "/CN=localhost").CombinedOutput()
	if err != nil {
		t.Fatalf("openssl req: %v\n%s", err, out)
	}
	addr := peertest.Start(t, "openssl", func(port int) []string {
		return []string{"s_server", "-accept", "127.0.0.1:" + strconv.Itoa(port), "-cert", certPath, "-key", keyPath,
			"-cipher", "ALL:@SECLEVEL=0", "-quiet", "-no_tls1_3"}
	}).Addr
	dial := func(ctx context.Context) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "tcp", addr)
	}
	r := protocols(result.TLS12)
	Check(context.Background(), Config{Dial: dial, SNI: "localhost", Timeout: 3 * time.Second}, r)
	v := r.Vulnerabilities
	t.Logf("ticketbleed %s (%s); secure_client_renego %s (%s)", tri(v.Ticketbleed), v.Notes["ticketbleed"], tri(v.SecureClientRenego), v.Notes["secure_client_renego"])
	if tri(v.Ticketbleed) != "false" {
		t.Errorf("ticketbleed = %s (%q), want false", tri(v.Ticketbleed), v.Notes["ticketbleed"])
	}
	if tri(v.SecureClientRenego) != "false" {
		t.Errorf("secure_client_renego = %s (%q), want false", tri(v.SecureClientRenego), v.Notes["secure_client_renego"])
	}
}

// TestClientRenegotiationOldTLS: servers whose best protocol is TLS 1.0 or 1.1 are asked
// over AES-CBC with those versions' PRF and IVs (implicit and chained in TLS 1.0).
func TestClientRenegotiationOldTLS(t *testing.T) {
	t.Parallel()
	cert := peertest.Leaf(t, pki.RSA2048)
	goServer := func(v uint16) func(t *testing.T) func(context.Context) (net.Conn, error) {
		return func(t *testing.T) func(context.Context) (net.Conn, error) {
			return peertest.ServeGo(t, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: v, MaxVersion: v}, answerHTTP).Dial
		}
	}
	tests := []struct {
		name  string
		proto result.Protocol
		dial  func(t *testing.T) func(context.Context) (net.Conn, error)
		want  string
	}{
		{"crypto/tls TLS 1.0", result.TLS10, goServer(tls.VersionTLS10), "false"},
		{"crypto/tls TLS 1.1", result.TLS11, goServer(tls.VersionTLS11), "false"},
		{"openssl s_server -client_renegotiation, TLS 1.0", result.TLS10, func(t *testing.T) func(context.Context) (net.Conn, error) {
			return externalServer(t, "openssl", cert, func(port, certPath, keyPath string) []string {
				return []string{"s_server", "-accept", "127.0.0.1:" + port, "-cert", certPath, "-key", keyPath, "-quiet",
					"-tls1", "-client_renegotiation", "-cipher", "ECDHE-RSA-AES128-SHA:@SECLEVEL=0"}
			})
		}, "true"},
		{"openssl s_server, TLS 1.1", result.TLS11, func(t *testing.T) func(context.Context) (net.Conn, error) {
			return externalServer(t, "openssl", cert, func(port, certPath, keyPath string) []string {
				return []string{"s_server", "-accept", "127.0.0.1:" + port, "-cert", certPath, "-key", keyPath, "-quiet",
					"-tls1_1", "-cipher", "AES256-SHA:@SECLEVEL=0"}
			})
		}, "false"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := &prober{cfg: Config{Dial: tc.dial(t), SNI: "localhost", Timeout: 3 * time.Second}, plan: planFor(protocols(tc.proto))}
			got, note := p.clientRenegotiation(context.Background())
			t.Log(note)
			if tri(got) != tc.want {
				t.Errorf("secure_client_renego = %s, want %s (%s)", tri(got), tc.want, note)
			}
		})
	}
}
