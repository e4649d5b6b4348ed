package enum

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/xml"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/mhealthsec/mhealthsec/internal/testenv"
	"github.com/mhealthsec/mhealthsec/probe/check"
	"github.com/mhealthsec/mhealthsec/probe/fakeserver"
	"github.com/mhealthsec/mhealthsec/probe/internal/peertest"
	"github.com/mhealthsec/mhealthsec/probe/pki"
	"github.com/mhealthsec/mhealthsec/probe/result"
	"github.com/mhealthsec/mhealthsec/probe/suites"
)

// External servers (OpenSSL's s_server, GnuTLS's gnutls-serv) are started by the tests on a
// loopback port and killed when the test ends. Tests skip when the tool is missing.

// pemFiles writes c's chain and key for the external servers.
func pemFiles(t testing.TB, key pki.KeySpec) (cert, keyFile string) {
	t.Helper()
	cert, keyFile, err := pki.WritePEM(t.TempDir(), string(key), peertest.Leaf(t, key))
	if err != nil {
		t.Fatal(err)
	}
	return cert, keyFile
}

func startOpenSSL(t testing.TB, key pki.KeySpec, args ...string) string {
	t.Helper()
	cert, keyFile := pemFiles(t, key)
	return peertest.Start(t, "openssl", func(port int) []string {
		base := []string{"s_server", "-quiet", "-accept", "127.0.0.1:" + strconv.Itoa(port), "-cert", cert, "-key", keyFile}
		return append(base, args...)
	}).Addr
}

func startGnuTLS(t testing.TB, key pki.KeySpec, priority string) string {
	t.Helper()
	cert, keyFile := pemFiles(t, key)
	// gnutls-serv has no listen-address option; the tests still only connect to loopback.
	return peertest.Start(t, "gnutls-serv", func(port int) []string {
		return []string{"--port", strconv.Itoa(port), "--x509certfile", cert, "--x509keyfile", keyFile,
			"--priority", priority, "--dhparams", filepath.Join("testdata", "dh2048.pem")}
	}).Addr
}

// idsOf maps OpenSSL suite names to result ids through the suite table, so that the
// expectation is written in the server's own configuration language.
func idsOf(t *testing.T, names ...string) []string {
	t.Helper()
	var out []string
	for _, n := range names {
		s, ok := suites.Default().ByName(n)
		if !ok {
			t.Fatalf("no suite named %q", n)
		}
		out = append(out, s.IDString())
	}
	return out
}

func TestMeasureOpenSSL(t *testing.T) {
	t.Parallel()
	dh1024 := filepath.Join("testdata", "dh1024.pem")
	tests := []struct {
		name    string
		key     pki.KeySpec
		args    []string
		want    func(t *testing.T) map[result.Protocol][]string
		dhBits  int
		ordered bool
	}{
		{"tls12 explicit list, server order, dh1024", pki.RSA2048,
			[]string{"-no_tls1_3", "-no_tls1", "-no_tls1_1", "-serverpref", "-dhparam", dh1024,
				"-cipher", "DHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-SHA:AES256-SHA:@SECLEVEL=0"},
			func(t *testing.T) map[result.Protocol][]string {
				return map[result.Protocol][]string{result.TLS12: idsOf(t, "DHE-RSA-AES256-GCM-SHA384", "ECDHE-RSA-AES128-SHA", "AES256-SHA")}
			}, 1024, true},
		{"tls10-12 cbc and tls13 subset", pki.RSA2048,
			[]string{"-min_protocol", "TLSv1", "-cipher", "ECDHE-RSA-AES256-SHA:AES128-SHA:@SECLEVEL=0",
				"-ciphersuites", "TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256"},
			func(t *testing.T) map[result.Protocol][]string {
				cbc := idsOf(t, "ECDHE-RSA-AES256-SHA", "AES128-SHA")
				return map[result.Protocol][]string{result.TLS10: cbc, result.TLS11: cbc, result.TLS12: cbc,
					result.TLS13: idsOf(t, "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256")}
			}, 0, false},
		{"tls13 only ecdsa", pki.ECDSA256, []string{"-tls1_3"},
			func(t *testing.T) map[result.Protocol][]string {
				return map[result.Protocol][]string{result.TLS13: idsOf(t, "TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256")}
			}, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addr := startOpenSSL(t, tt.key, tt.args...)
			var r result.Result
			if err := Measure(context.Background(), Config{ConnConfig: check.ConnConfig{Dial: dialer(addr), SNI: "localhost"}}, &r); err != nil {
				t.Fatalf("Measure: %v (notes %v)", err, r.Notes)
			}
			want := tt.want(t)
			sameSets(t, acceptedSets(&r), want)
			for _, p := range result.AllProtocols() {
				if got := r.Protocols.Get(p); got == nil || *got != (len(want[p]) > 0) {
					t.Errorf("%s = %v, want %v", p, got, len(want[p]) > 0)
				}
			}
			for _, c := range r.Ciphers {
				if c.Kx == "DHE" && c.KxBits != tt.dhBits {
					t.Errorf("%s %s: DH of %d bits, want %d", c.Protocol, c.Name, c.KxBits, tt.dhBits)
				}
			}
			if tt.ordered && !r.ServerOrder[result.TLS12] {
				t.Errorf("server order = %v, want TLS1_2 true (-serverpref)", r.ServerOrder)
			}
		})
	}
}

func TestMeasureGnuTLS(t *testing.T) {
	t.Parallel()
	if _, err := os.Stat(filepath.Join("testdata", "dh2048.pem")); err != nil {
		t.Fatal(err)
	}
	addr := startGnuTLS(t, pki.RSA2048, "NONE:+VERS-TLS1.2:+VERS-TLS1.1:+ECDHE-RSA:+DHE-RSA:+AES-128-CBC:+AES-256-GCM:+SHA1:+AEAD:+SIGN-ALL:+COMP-NULL:+GROUP-ALL:%SERVER_PRECEDENCE")
	var r result.Result
	if err := Measure(context.Background(), Config{ConnConfig: check.ConnConfig{Dial: dialer(addr), SNI: "localhost"}}, &r); err != nil {
		t.Fatalf("Measure: %v (notes %v)", err, r.Notes)
	}
	want := map[result.Protocol][]string{
		result.TLS11: idsOf(t, "ECDHE-RSA-AES128-SHA", "DHE-RSA-AES128-SHA"),
		result.TLS12: idsOf(t, "ECDHE-RSA-AES128-SHA", "DHE-RSA-AES128-SHA", "ECDHE-RSA-AES256-GCM-SHA384", "DHE-RSA-AES256-GCM-SHA384"),
	}
	sameSets(t, acceptedSets(&r), want)
	for _, c := range r.Ciphers {
		if c.Kx == "DHE" && c.KxBits != 2048 {
			t.Errorf("%s %s: DH of %d bits, want 2048 (--dhparams)", c.Protocol, c.Name, c.KxBits)
		}
	}
	if !r.ServerOrder[result.TLS12] {
		t.Errorf("server order = %v, want TLS1_2 true (%%SERVER_PRECEDENCE)", r.ServerOrder)
	}
}

// sslscanReport is the part of `sslscan --xml=-` the cross-check reads.
type sslscanReport struct {
	Tests []struct {
		Protocols []struct {
			Type    string `xml:"type,attr"`
			Version string `xml:"version,attr"`
			Enabled string `xml:"enabled,attr"`
		} `xml:"protocol"`
		Ciphers []struct {
			SSLVersion string `xml:"sslversion,attr"`
			ID         string `xml:"id,attr"`
		} `xml:"cipher"`
	} `xml:"ssltest"`
}

// parseSSLScan returns the protocols sslscan tested (and whether enabled) and the accepted
// suite ids per protocol.
func parseSSLScan(b []byte) (map[result.Protocol]bool, map[result.Protocol][]string, error) {
	var rep sslscanReport
	if err := xml.Unmarshal(b, &rep); err != nil {
		return nil, nil, fmt.Errorf("sslscan XML: %w", err)
	}
	if len(rep.Tests) != 1 {
		return nil, nil, fmt.Errorf("sslscan XML: %d ssltest elements, want 1", len(rep.Tests))
	}
	key := map[string]result.Protocol{"ssl2": result.SSLv2, "ssl3": result.SSLv3, "tls1.0": result.TLS10,
		"tls1.1": result.TLS11, "tls1.2": result.TLS12, "tls1.3": result.TLS13, "SSLv2": result.SSLv2, "SSLv3": result.SSLv3,
		"TLSv1.0": result.TLS10, "TLSv1.1": result.TLS11, "TLSv1.2": result.TLS12, "TLSv1.3": result.TLS13}
	protos := map[result.Protocol]bool{}
	for _, p := range rep.Tests[0].Protocols {
		k, ok := key[p.Type+p.Version]
		if !ok {
			return nil, nil, fmt.Errorf("sslscan XML: unknown protocol %s %s", p.Type, p.Version)
		}
		protos[k] = p.Enabled == "1"
	}
	sets := map[result.Protocol][]string{}
	for _, c := range rep.Tests[0].Ciphers {
		k, ok := key[c.SSLVersion]
		if !ok {
			return nil, nil, fmt.Errorf("sslscan XML: unknown cipher protocol %q", c.SSLVersion)
		}
		sets[k] = append(sets[k], strings.ToLower(c.ID))
	}
	for _, ids := range sets {
		slices.Sort(ids)
	}
	return protos, sets, nil
}

// TestCrossCheckSSLScan measures a row of servers with Measure and with sslscan and
// requires the same protocols and the same accepted suites per protocol. Run it alone with
//
//	go test -run CrossCheck -v ./probe/enum/
func TestCrossCheckSSLScan(t *testing.T) {
	testenv.Slow(t, "sslscan on ten servers takes about 12 s")
	sslscan := peertest.Tool(t, "sslscan")
	chain, err := fakeserver.NewChain(pki.RSA2048)
	if err != nil {
		t.Fatal(err)
	}
	all := suiteIDs(append(tls.CipherSuites(), tls.InsecureCipherSuites()...))
	rsa, ecdsa := peertest.Leaf(t, pki.RSA2048), peertest.Leaf(t, pki.ECDSA256)
	fake := func(h fakeserver.Handler) func(t *testing.T) string {
		return func(t *testing.T) string {
			s, err := fakeserver.Start(h)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			return s.Addr()
		}
	}
	servers := []struct {
		name  string
		start func(t *testing.T) string
	}{
		{"go tls12-13 default", func(t *testing.T) string {
			return peertest.ServeGo(t, &tls.Config{Certificates: []tls.Certificate{rsa}, MinVersion: tls.VersionTLS12}, nil).Addr
		}},
		{"go tls10-12 insecure rsa", func(t *testing.T) string {
			return peertest.ServeGo(t, &tls.Config{Certificates: []tls.Certificate{rsa}, MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS12, CipherSuites: all}, nil).Addr
		}},
		{"go tls10-13 ecdsa", func(t *testing.T) string {
			return peertest.ServeGo(t, &tls.Config{Certificates: []tls.Certificate{ecdsa}, MinVersion: tls.VersionTLS10, CipherSuites: all}, nil).Addr
		}},
		{"openssl seclevel0 all", func(t *testing.T) string {
			return startOpenSSL(t, pki.RSA2048, "-cipher", "ALL:COMPLEMENTOFALL:@SECLEVEL=0", "-dhparam", filepath.Join("testdata", "dh1024.pem"))
		}},
		{"openssl default tls12", func(t *testing.T) string { return startOpenSSL(t, pki.RSA2048, "-no_tls1_3") }},
		{"openssl ecdsa tls13", func(t *testing.T) string { return startOpenSSL(t, pki.ECDSA256) }},
		{"gnutls normal", func(t *testing.T) string { return startGnuTLS(t, pki.RSA2048, "NORMAL") }},
		{"gnutls legacy cbc tls10-12", func(t *testing.T) string {
			return startGnuTLS(t, pki.RSA2048, "NORMAL:-VERS-ALL:+VERS-TLS1.2:+VERS-TLS1.1:+VERS-TLS1.0:+3DES-CBC:+RSA:+DHE-RSA")
		}},
		{"fake sslv3", fake(fakeserver.SSLv3(fakeserver.SSLv3Options{Chain: chain}))},
		{"fake sslv2", fake(fakeserver.SSLv2(fakeserver.SSLv2Options{Certificate: chain[0]}))},
	}
	for _, sv := range servers {
		t.Run(sv.name, func(t *testing.T) {
			addr := sv.start(t)
			var r result.Result
			if err := Measure(context.Background(), Config{ConnConfig: check.ConnConfig{Dial: dialer(addr)}}, &r); err != nil {
				t.Fatalf("Measure: %v (notes %v)", err, r.Notes)
			}
			var stderr bytes.Buffer
			cmd := exec.Command(sslscan, "--no-colour", "--timeout=10", "--xml=-", addr)
			cmd.Stderr = &stderr
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("sslscan: %v\n%s\n%s", err, out, stderr.String())
			}
			protos, sets, err := parseSSLScan(out)
			if err != nil {
				t.Fatal(err)
			}
			ours := acceptedSets(&r)
			for _, p := range result.AllProtocols() {
				theirs, tested := protos[p]
				got := r.Protocols.Get(p)
				if !tested {
					continue
				}
				if got == nil || *got != theirs {
					t.Errorf("%s: ours %v, sslscan %v", p, got, theirs)
				}
				// sslscan lists SSLv2/SSLv3 support from raw hellos but cannot list their
				// suites with the OpenSSL 3 it is linked against.
				if (p == result.SSLv2 || p == result.SSLv3) && len(sets[p]) == 0 {
					if len(ours[p]) > 0 {
						t.Logf("%s: sslscan lists no suites (its OpenSSL cannot), ours %v", p, ours[p])
					}
					continue
				}
				if !slices.Equal(ours[p], sets[p]) {
					t.Errorf("%s suites differ:\n ours    %v\n sslscan %v", p, ours[p], sets[p])
				} else if theirs {
					t.Logf("%s: %d suites agree", p, len(ours[p]))
				}
			}
		})
	}
}
