package certcheck

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/mhealthsec/mhealthsec/probe/internal/peertest"
	"github.com/mhealthsec/mhealthsec/probe/pki"
)

func readPEMCert(t *testing.T, path string) *x509.Certificate {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	certs, err := parsePEMIssuers(data)
	if err != nil || len(certs) != 1 {
		t.Fatalf("%s: %v", path, err)
	}
	return certs[0]
}

// md5Intermediate serves leaf ← B ← A ← f's root: A an RSA intermediate, B an
// intermediate A signs with MD5, the leaf SHA-256 signed by B.
func md5Intermediate(t *testing.T, f fixture) tls.Certificate {
	t.Helper()
	a, err := f.root.NewRSAIntermediate("md5 test intermediate A", false)
	if err != nil {
		t.Fatal(err)
	}
	b, err := a.NewRSAIntermediate("md5 test intermediate B (MD5-signed)", true)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := b.Issue(pki.LeafOptions{Key: pki.RSA2048})
	if err != nil {
		t.Fatal(err)
	}
	return leaf
}

// TestMD5Leaf: a leaf signed with MD5 is trusted and its chain complete when the
// signatures lead to a trusted root; crypto/x509's refusal of MD5 must not make it
// "untrusted" (SSL Labs grades it F for the insecure signature, not T).
func TestMD5Leaf(t *testing.T) {
	root := readPEMCert(t, filepath.Join("testdata", "md5-root.pem"))
	f := newFixture(t)
	pool := x509.NewCertPool()
	pool.AddCert(root)

	serveOpenSSL := func(t *testing.T) string {
		return peertest.Start(t, "openssl", func(port int) []string {
			return []string{"s_server", "-accept", "127.0.0.1:" + strconv.Itoa(port), "-cert", filepath.Join("testdata", "md5-leaf.pem"),
				"-key", filepath.Join("testdata", "md5-leaf.key"), "-quiet", "-cipher", "DEFAULT:@SECLEVEL=0"}
		}).Addr
	}
	tests := []struct {
		name              string
		addr              func(t *testing.T) string
		roots             *x509.CertPool
		rootCerts         []*x509.Certificate
		trusted, complete bool
	}{
		// OpenSSL serves the leaf alone; its issuer is the root.
		{"openssl s_server, leaf under the root", serveOpenSSL, pool, []*x509.Certificate{root}, true, true},
		// Without the root's certificate the MD5 signature cannot be checked: untrusted, as before.
		{"openssl s_server, root certificate unknown", serveOpenSSL, pool, nil, false, false},
		{"crypto/tls, leaf under a served RSA intermediate", func(t *testing.T) string {
			leaf, err := f.root.IssueMD5("md5 test RSA intermediate", pki.LeafOptions{})
			if err != nil {
				t.Fatal(err)
			}
			return peertest.ServeGo(t, &tls.Config{Certificates: []tls.Certificate{leaf}}, readOne).Addr
		}, f.root.Pool(), nil, true, true},
		{"crypto/tls, SHA-256 leaf under an MD5-signed intermediate", func(t *testing.T) string {
			return peertest.ServeGo(t, &tls.Config{Certificates: []tls.Certificate{md5Intermediate(t, f)}}, readOne).Addr
		}, f.root.Pool(), nil, true, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Measure(context.Background(), Config{Dial: dialer(tc.addr(t)), SNI: "localhost", Hostname: "localhost",
				Roots: tc.roots, RootCerts: tc.rootCerts})
			if err != nil {
				t.Fatal(err)
			}
			if !got.MD5InChain || fmtBool(got.Trusted) != strconv.FormatBool(tc.trusted) || got.ChainComplete != tc.complete {
				t.Errorf("sig_alg %s md5_in_chain %v trusted %s chain_complete %v (%s; %v); want MD5-RSA, true, %v, %v",
					got.SigAlg, got.MD5InChain, fmtBool(got.Trusted), got.ChainComplete, got.TrustError, got.Notes, tc.trusted, tc.complete)
			}
			if tc.trusted && (got.TrustError != "" || !strings.Contains(strings.Join(got.Notes, " "), "MD5")) {
				t.Errorf("trust_error %q, notes %v; want none and a note on MD5", got.TrustError, got.Notes)
			}
		})
	}
}
