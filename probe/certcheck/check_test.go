package certcheck

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mhealthsec/mhealthsec/probe/fakeserver"
	"github.com/mhealthsec/mhealthsec/probe/internal/peertest"
	"github.com/mhealthsec/mhealthsec/probe/pki"
	"github.com/mhealthsec/mhealthsec/probe/tlswire"
)

// readOne waits for the client after the handshake, so that it reads the server's last
// flight before the server closes.
func readOne(c *tls.Conn) { c.Read(make([]byte, 1)) }

func dialer(addr string) func(context.Context) (net.Conn, error) {
	return func(ctx context.Context) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "tcp", addr)
	}
}

type fixture struct {
	root  *pki.Authority
	inter *pki.Authority
}

// newFixture makes a root and an intermediate CA: every test, fuzz target and benchmark
// here that needs a chain starts from one.
func newFixture(t testing.TB) fixture {
	t.Helper()
	root, err := pki.NewRoot("certcheck test root")
	if err != nil {
		t.Fatal(err)
	}
	inter, err := root.NewIntermediate("certcheck test intermediate")
	if err != nil {
		t.Fatal(err)
	}
	return fixture{root, inter}
}

func (f fixture) issue(t *testing.T, opt pki.LeafOptions) tls.Certificate {
	t.Helper()
	c, err := f.inter.Issue(opt)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestMeasureVerdicts(t *testing.T) {
	f := newFixture(t)
	now := time.Now()
	sound := f.issue(t, pki.LeafOptions{})
	// [leaf, root, intermediate]: complete but out of order.
	misordered := f.issue(t, pki.LeafOptions{})
	misordered.Certificate = [][]byte{misordered.Certificate[0], f.root.Cert.Raw, f.inter.Cert.Raw}
	withRoot := f.issue(t, pki.LeafOptions{})
	withRoot.Certificate = append(withRoot.Certificate, f.root.Cert.Raw)

	type want struct {
		trusted, expired, notYetValid, selfSigned, match, complete, ordered, sha1 bool
		chainLen                                                                  int
		keyAlg                                                                    string
		keyBits, exponent                                                         int
		trustErr                                                                  string
	}
	tests := []struct {
		name     string
		cert     tls.Certificate
		hostname string
		now      time.Time
		want     want
	}{
		{"sound", sound, "localhost", now,
			want{trusted: true, match: true, complete: true, ordered: true, chainLen: 2, keyAlg: "EC", keyBits: 256}},
		{"ip SAN", sound, "127.0.0.1", now,
			want{trusted: true, match: true, complete: true, ordered: true, chainLen: 2, keyAlg: "EC", keyBits: 256}},
		{"wrong name", sound, "other.example", now,
			want{trusted: true, complete: true, ordered: true, chainLen: 2, keyAlg: "EC", keyBits: 256}},
		{"clock before not_before", sound, "localhost", now.Add(-48 * time.Hour),
			want{notYetValid: true, match: true, complete: true, ordered: true, chainLen: 2, keyAlg: "EC", keyBits: 256, trustErr: "not yet valid"}},
		{"expired", f.issue(t, pki.LeafOptions{NotBefore: now.AddDate(-1, 0, 0), NotAfter: now.AddDate(0, 0, -1)}), "localhost", now,
			want{expired: true, match: true, complete: true, ordered: true, chainLen: 2, keyAlg: "EC", keyBits: 256, trustErr: "expired"}},
		{"self-signed", f.issue(t, pki.LeafOptions{SelfSigned: true}), "localhost", now,
			want{selfSigned: true, match: true, complete: true, ordered: true, chainLen: 1, keyAlg: "EC", keyBits: 256, trustErr: "unknown authority"}},
		{"incomplete chain", f.issue(t, pki.LeafOptions{OmitIntermediates: true}), "localhost", now,
			want{match: true, ordered: true, chainLen: 1, keyAlg: "EC", keyBits: 256, trustErr: "unknown authority"}},
		{"misordered", misordered, "localhost", now,
			want{trusted: true, match: true, complete: true, chainLen: 3, keyAlg: "EC", keyBits: 256}},
		{"root included", withRoot, "localhost", now,
			want{trusted: true, match: true, complete: true, ordered: true, chainLen: 3, keyAlg: "EC", keyBits: 256}},
		{"rsa1024", f.issue(t, pki.LeafOptions{Key: pki.RSA1024}), "localhost", now,
			want{trusted: true, match: true, complete: true, ordered: true, chainLen: 2, keyAlg: "RSA", keyBits: 1024, exponent: 65537}},
		{"sha1 leaf", f.issue(t, pki.LeafOptions{SignatureAlgorithm: x509.ECDSAWithSHA1}), "localhost", now,
			want{match: true, complete: true, ordered: true, sha1: true, chainLen: 2, keyAlg: "EC", keyBits: 256, trustErr: "insecure algorithm"}},
		{"wildcard", f.issue(t, pki.LeafOptions{Names: []string{"*.example.test"}}), "a.example.test", now,
			want{trusted: true, match: true, complete: true, ordered: true, chainLen: 2, keyAlg: "EC", keyBits: 256}},
		{"wildcard one label only", f.issue(t, pki.LeafOptions{Names: []string{"*.example.test"}}), "a.b.example.test", now,
			want{trusted: true, complete: true, ordered: true, chainLen: 2, keyAlg: "EC", keyBits: 256}},
		{"wildcard not apex", f.issue(t, pki.LeafOptions{Names: []string{"*.example.test"}}), "example.test", now,
			want{trusted: true, complete: true, ordered: true, chainLen: 2, keyAlg: "EC", keyBits: 256}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addr := peertest.ServeGo(t, &tls.Config{Certificates: []tls.Certificate{tt.cert}}, readOne).Addr
			got, err := Measure(context.Background(), Config{
				Dial: dialer(addr), SNI: "localhost", Hostname: tt.hostname,
				Roots: f.root.Pool(), Now: func() time.Time { return tt.now },
			})
			if err != nil {
				t.Fatal(err)
			}
			w := tt.want
			checks := []struct {
				field     string
				got, want any
			}{
				{"trusted", fmtBool(got.Trusted), strconv.FormatBool(w.trusted)},
				{"expired", got.Expired, w.expired},
				{"not_yet_valid", got.NotYetValid, w.notYetValid},
				{"self_signed", got.SelfSigned, w.selfSigned},
				{"hostname_match", got.HostnameMatch, w.match},
				{"chain_complete", got.ChainComplete, w.complete},
				{"chain_order_ok", got.ChainOrderOK, w.ordered},
				{"sha1_in_chain", got.SHA1InChain, w.sha1},
				{"chain_len", got.ChainLen, w.chainLen},
				{"len(chain)", len(got.Chain), w.chainLen},
				{"key_alg", got.KeyAlg, w.keyAlg},
				{"key_bits", got.KeyBits, w.keyBits},
				{"key_exponent", got.KeyExponent, w.exponent},
			}
			for _, c := range checks {
				if c.got != c.want {
					t.Errorf("%s = %v, want %v (trust_error %q)", c.field, c.got, c.want, got.TrustError)
				}
			}
			if w.trustErr == "" && got.TrustError != "" || !strings.Contains(got.TrustError, w.trustErr) {
				t.Errorf("trust_error = %q, want it to contain %q", got.TrustError, w.trustErr)
			}
			if got.Revoked != nil || got.DebianWeakKey != nil {
				t.Errorf("unchecked verdicts must be null: revoked %v, debian_weak_key %v", got.Revoked, got.DebianWeakKey)
			}
		})
	}
}

func TestCheckDetails(t *testing.T) {
	f := newFixture(t)
	c := f.issue(t, pki.LeafOptions{Names: []string{"api.example.test", "10.0.0.1"}, Key: pki.RSA2048})
	got, err := Check(c.Certificate, Config{Hostname: "api.example.test", Roots: f.root.Pool()})
	if err != nil {
		t.Fatal(err)
	}
	if got.Subject != "CN=api.example.test" || !strings.Contains(got.Issuer, "certcheck test intermediate") {
		t.Errorf("subject %q issuer %q", got.Subject, got.Issuer)
	}
	if strings.Join(got.SAN, ",") != "api.example.test,10.0.0.1" {
		t.Errorf("san = %v", got.SAN)
	}
	if got.SigAlg != "ECDSA-SHA256" || got.Chain[1].KeyAlg != "EC" || got.Chain[0].KeyBits != 2048 {
		t.Errorf("sig_alg %q chain %+v", got.SigAlg, got.Chain)
	}
	if !got.NotAfter.Equal(c.Leaf.NotAfter) || !got.NotBefore.Equal(c.Leaf.NotBefore) {
		t.Errorf("validity %v..%v, want %v..%v", got.NotBefore, got.NotAfter, c.Leaf.NotBefore, c.Leaf.NotAfter)
	}
}

func TestCheckRejectsGarbage(t *testing.T) {
	tests := [][][]byte{nil, {}, {[]byte("not a certificate")}}
	for _, chain := range tests {
		if got, err := Check(chain, Config{}); err == nil {
			t.Errorf("Check(%q) = %+v, want error", chain, got)
		}
	}
	// A garbage intermediate is reported, not fatal.
	f := newFixture(t)
	c := f.issue(t, pki.LeafOptions{})
	got, err := Check([][]byte{c.Certificate[0], []byte("junk")}, Config{Hostname: "localhost", Roots: f.root.Pool()})
	if err != nil {
		t.Fatal(err)
	}
	if fmtBool(got.Trusted) != "false" || got.ChainOrderOK || !strings.Contains(got.TrustError, "certificate 1 does not parse") {
		t.Errorf("garbage intermediate: trusted %s order %v trust_error %q", fmtBool(got.Trusted), got.ChainOrderOK, got.TrustError)
	}
}

func TestFetchAfterFailedHandshake(t *testing.T) {
	f := newFixture(t)
	c := f.issue(t, pki.LeafOptions{})
	// The server demands a client certificate: the handshake fails after the server's
	// Certificate message, and the chain must still be captured.
	addr := peertest.ServeGo(t, &tls.Config{Certificates: []tls.Certificate{c}, MaxVersion: tls.VersionTLS12, ClientAuth: tls.RequireAnyClientCert}, readOne).Addr
	chain, err := Fetch(context.Background(), Config{Dial: dialer(addr), SNI: "localhost"})
	if err != nil {
		t.Fatal(err)
	}
	if len(chain) != 2 {
		t.Fatalf("chain length %d, want 2", len(chain))
	}
}

func TestFetchInsecureFallback(t *testing.T) {
	f := newFixture(t)
	c := f.issue(t, pki.LeafOptions{Key: pki.RSA2048})
	addr := peertest.ServeGo(t, &tls.Config{
		Certificates: []tls.Certificate{c}, MaxVersion: tls.VersionTLS12,
		CipherSuites: []uint16{tls.TLS_RSA_WITH_RC4_128_SHA},
	}, readOne).Addr
	chain, err := Fetch(context.Background(), Config{Dial: dialer(addr), SNI: "localhost"})
	if err != nil {
		t.Fatal(err)
	}
	if len(chain) != 2 {
		t.Fatalf("chain length %d, want 2", len(chain))
	}
}

func TestFetchErrors(t *testing.T) {
	// A server that answers in plain text.
	plain, err := fakeserver.Start(fakeserver.PlainHTTP())
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	_, err = Fetch(context.Background(), Config{Dial: plain.Dial, SNI: "localhost"})
	var he *HandshakeError
	var rh tls.RecordHeaderError
	if !errors.As(err, &he) || !errors.As(err, &rh) {
		t.Errorf("plain-text server: err = %v, want a HandshakeError wrapping tls.RecordHeaderError", err)
	}

	// Nothing listening.
	dead, _ := net.Listen("tcp", "127.0.0.1:0")
	deadAddr := dead.Addr().String()
	dead.Close()
	_, err = Fetch(context.Background(), Config{Dial: dialer(deadAddr)})
	if err == nil || errors.As(err, &he) {
		t.Errorf("closed port: err = %v, want the dial error", err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = Fetch(ctx, Config{Dial: plain.Dial})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("canceled: err = %v, want context.Canceled", err)
	}
}

// FuzzCheck feeds arbitrary leaf and intermediate bytes: Check must never panic.
func FuzzCheck(f *testing.F) {
	fx := newFixture(f)
	root := fx.root
	c, err := fx.inter.Issue(pki.LeafOptions{Key: pki.RSA1024})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(c.Certificate[0], c.Certificate[1])
	f.Add(c.Certificate[0], []byte{})
	f.Add(c.Certificate[1], c.Certificate[0])
	f.Fuzz(func(t *testing.T, leaf, next []byte) {
		got, err := Check([][]byte{leaf, next}, Config{Hostname: "localhost", Roots: root.Pool()})
		if err == nil && got.ChainLen != 2 {
			t.Fatalf("chain_len %d for two certificates", got.ChainLen)
		}
	})
}

func TestFetchRawFallbackSSLv3(t *testing.T) {
	f := newFixture(t)
	c := f.issue(t, pki.LeafOptions{Key: pki.RSA2048})
	srv, err := fakeserver.Start(fakeserver.SSLv3(fakeserver.SSLv3Options{Chain: c.Certificate}))
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	got, err := Measure(context.Background(), Config{Dial: srv.Dial, SNI: "localhost", Roots: f.root.Pool()})
	if err != nil {
		t.Fatalf("SSLv3-only server: %v", err)
	}
	if fmtBool(got.Trusted) != "true" || got.ChainLen != 2 || got.KeyAlg != "RSA" {
		t.Errorf("SSLv3-only server: %+v", got)
	}
}

// TestFetchRawFallbackNullCipher serves only NULL-encryption suites, which neither
// crypto/tls nor the hand-typed legacy list offered: the chain must still be read.
func TestFetchRawFallbackNullCipher(t *testing.T) {
	f := newFixture(t)
	c := f.issue(t, pki.LeafOptions{Key: pki.RSA2048})
	srv, err := fakeserver.Start(fakeserver.NullCipher(fakeserver.VulnOptions{Chain: c.Certificate}))
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	got, err := Measure(context.Background(), Config{Dial: srv.Dial, SNI: "localhost", Roots: f.root.Pool()})
	if err != nil {
		t.Fatalf("NULL-only server: %v", err)
	}
	if fmtBool(got.Trusted) != "true" || got.ChainLen != 2 || got.KeyAlg != "RSA" || got.KeyBits != 2048 {
		t.Errorf("NULL-only server: %+v", got)
	}
}

func TestCertSuiteChunksFitHellosAndCoverTheTable(t *testing.T) {
	chunks := certSuiteChunks()
	seen := map[uint16]bool{}
	for i, c := range chunks {
		if len(c) == 0 || len(c) > tlswire.MaxHelloSuites {
			t.Fatalf("chunk %d has %d suites", i, len(c))
		}
		for _, id := range c {
			if seen[id] {
				t.Fatalf("suite 0x%04x offered twice", id)
			}
			seen[id] = true
		}
	}
	// Spot checks by name, independent of how the list is built.
	for _, want := range []uint16{0xc02f, 0x0001, 0x003b, 0x0033, 0x0041, 0x0003, 0xc010} {
		if !seen[want] {
			t.Errorf("suite 0x%04x not offered", want)
		}
	}
	for _, unwanted := range []uint16{0x0018 /* ADH RC4 */, 0x008c /* PSK */, 0x1301 /* TLS 1.3 */} {
		if seen[unwanted] {
			t.Errorf("suite 0x%04x offered, but its server sends no certificate", unwanted)
		}
	}
}

// TestFetchRawFallbackDHE serves only a DHE suite, which crypto/tls does not implement,
// from OpenSSL.
func TestFetchRawFallbackDHE(t *testing.T) {
	f := newFixture(t)
	c := f.issue(t, pki.LeafOptions{Key: pki.RSA2048})
	dir := t.TempDir()
	certPath, keyPath, err := pki.WritePEM(dir, "dhe", c)
	if err != nil {
		t.Fatal(err)
	}
	dhParams := writeDHParams(t, dir)
	addr := peertest.Start(t, "openssl", func(port int) []string {
		return []string{"s_server", "-accept", "127.0.0.1:" + strconv.Itoa(port), "-cert", certPath, "-key", keyPath,
			"-tls1_2", "-cipher", "DHE-RSA-AES128-SHA:@SECLEVEL=0", "-dhparam", dhParams, "-quiet", "-naccept", "10"}
	}).Addr
	chain, err := Fetch(context.Background(), Config{Dial: dialer(addr), SNI: "localhost"})
	if err != nil {
		t.Fatalf("DHE-only server: %v", err)
	}
	// s_server sends the leaf alone unless told about the chain.
	if len(chain) != 1 || !bytes.Equal(chain[0], c.Certificate[0]) {
		t.Fatalf("got %d certificates, want the leaf", len(chain))
	}
}

// writeDHParams writes a fixed 2048-bit group (RFC 7919 ffdhe2048) so the test does
// not spend seconds generating one.
func writeDHParams(t *testing.T, dir string) string {
	const ffdhe2048 = `-----BEGIN DH PARAMETERS-----
MIIBCAKCAQEA//////////+t+FRYortKmq/cViAnPTzx2LnFg84tNpWp4TZBFGQz
+8yTnc4kmz75fS/jY2MMddj2gbICrsRhetPfHtXV/WVhJDP1H18GbtCFY2VVPe0a
87VXE15/V8k1mE8McODmi3fipona8+/och3xWKE2rec1MKzKT0g6eXq8CrGCsyT7
YdEIqUuyyOP7uWrat2DX9GgdT0Kj3jlN9K5W7edjcrsZCwenyO4KbXCeAvzhzffi
7MA0BM0oNC9hkXL+nOmFg/+OTxIy7vKBg8P+OxtMb61zO7X8vC7CIAXFjvGDfRaD
ssbzSibBsu/6iGtCOGEoXJf//////////wIBAg==
-----END DH PARAMETERS-----
`
	p := filepath.Join(dir, "dh.pem")
	if err := os.WriteFile(p, []byte(ffdhe2048), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestRSA512 checks a key crypto/rsa refuses to use (below 1024 bits): the chain is still
// fetched and judged, the refusal shows in trust_error, nothing panics. OpenSSL makes the
// key because Go will not.
func TestRSA512(t *testing.T) {
	openssl := peertest.Tool(t, "openssl")
	dir := t.TempDir()
	certPath, keyPath := filepath.Join(dir, "c.pem"), filepath.Join(dir, "k.pem")
	out, err := exec.Command(openssl, "req", "-x509", "-newkey", "rsa:512", "-nodes", "-keyout", keyPath, "-out", certPath,
		"-days", "30", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost").CombinedOutput()
	if err != nil {
		t.Fatalf("openssl req: %v\n%s", err, out)
	}
	addr := peertest.Start(t, "openssl", func(port int) []string {
		return []string{"s_server", "-accept", "127.0.0.1:" + strconv.Itoa(port), "-cert", certPath, "-key", keyPath,
			"-cipher", "ALL:@SECLEVEL=0", "-quiet", "-naccept", "10"}
	}).Addr

	pemBytes, err := os.ReadFile(certPath)
	if err != nil {
		t.Fatal(err)
	}
	for _, trustIt := range []bool{false, true} {
		roots := x509.NewCertPool()
		if trustIt {
			roots.AppendCertsFromPEM(pemBytes)
		}
		got, err := Measure(context.Background(), Config{Dial: dialer(addr), SNI: "localhost", Roots: roots})
		if err != nil {
			t.Fatalf("RSA-512 server: %v", err)
		}
		if got.KeyAlg != "RSA" || got.KeyBits != 512 || !got.SelfSigned || !got.HostnameMatch || got.ChainLen != 1 {
			t.Errorf("RSA-512 (root trusted %v): %+v", trustIt, got)
		}
		// A root in the pool is trusted as itself without its signature checked, as in
		// browsers; the weak key is for the grader to judge.
		if fmtBool(got.Trusted) != strconv.FormatBool(trustIt) || trustIt == (got.TrustError != "") {
			t.Errorf("RSA-512 (root trusted %v): trusted %s, trust_error %q", trustIt, fmtBool(got.Trusted), got.TrustError)
		}
	}
}
