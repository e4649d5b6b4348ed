package certcheck

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mhealthsec/mhealthsec/probe/fetchpolicy"
	"github.com/mhealthsec/mhealthsec/probe/internal/peertest"
	"github.com/mhealthsec/mhealthsec/probe/pki"
	"github.com/mhealthsec/mhealthsec/probe/result"
)

// incompleteWithAIA issues a leaf under f.inter whose chain omits the intermediate and
// whose caIssuers URLs are urls.
func (f fixture) incompleteWithAIA(t *testing.T, urls ...string) tls.Certificate {
	t.Helper()
	return f.issue(t, pki.LeafOptions{OmitIntermediates: true, IssuingCertificateURL: urls})
}

// loopbackFetch fetches caIssuers URLs under a fetch policy widened to loopback, where
// the test servers listen on random ports.
var loopbackFetch = HTTPFetcher{&fetchpolicy.Fetcher{Policy: fetchpolicy.Policy{Allow: []netip.Prefix{
	netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}}}}.Fetch

func measureServed(t *testing.T, f fixture, cert tls.Certificate, fetch FetchFunc) (*result.Certificate, error) {
	t.Helper()
	addr := peertest.ServeGo(t, &tls.Config{Certificates: []tls.Certificate{cert}}, readOne).Addr
	return Measure(context.Background(), Config{Dial: dialer(addr), SNI: "localhost", Roots: f.root.Pool(), FetchIssuer: fetch})
}

// TestAIACompletesChain serves the intermediate in each encoding CAs use, over HTTP on
// loopback, and expects the chain trusted but not complete, with the URL in Notes.
func TestAIACompletesChain(t *testing.T) {
	f := newFixture(t)
	for _, enc := range []pki.Encoding{pki.DER, pki.PEM, pki.PKCS7} {
		srv, err := f.inter.ServeIssuer(enc)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { srv.Close() })
		t.Run(srv.URL(), func(t *testing.T) {
			c, err := measureServed(t, f, f.incompleteWithAIA(t, srv.URL()), loopbackFetch)
			if err != nil {
				t.Fatal(err)
			}
			if fmtBool(c.Trusted) != "true" || c.ChainComplete || c.TrustError != "" || c.ChainLen != 1 {
				t.Errorf("trusted %s, chain_complete %v, chain_len %d, trust_error %q; want trusted, incomplete, 1, no error",
					fmtBool(c.Trusted), c.ChainComplete, c.ChainLen, c.TrustError)
			}
			if want := "chain completed via AIA from " + srv.URL(); strings.Join(ChainNotes(c.Notes), "|") != want {
				t.Errorf("notes %q, want %q", c.Notes, want)
			}
		})
	}
}

// TestAIAFailures: every way the caIssuers URL can fail leaves the chain incomplete, with
// the verifier's error and the fetch's in trust_error: untrusted when the server's URL
// failed (dead, garbage, error, wrong CA, none), unknown (null, with a note) when our
// fetch policy refused it, since then nobody looked.
func TestAIAFailures(t *testing.T) {
	f := newFixture(t)
	other := newFixture(t) // a CA that did not sign our leaf

	dead, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	deadURL := "http://" + dead.Addr().String() + "/gone.crt"
	dead.Close()

	serve := func(path, ctype string, body []byte) string {
		s, err := pki.ServeBody(path, ctype, body)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s.URL()
	}
	garbage := serve("/garbage.crt", "application/pkix-cert", []byte("this is not a certificate"))
	truncated := serve("/truncated.crt", "application/pkix-cert", f.inter.Cert.Raw[:len(f.inter.Cert.Raw)/2])
	oversized := serve("/big.crt", "application/pkix-cert", bytes.Repeat([]byte{0x30}, MaxIssuerBytes+1))
	wrongCA := serve("/other.crt", "application/pkix-cert", other.inter.Cert.Raw)
	notFound := strings.Replace(wrongCA, "/other.crt", "/missing.crt", 1)
	redirectHTTPS := httptest.NewServer(http.RedirectHandler("https://127.0.0.1:1/x.crt", http.StatusFound))
	t.Cleanup(redirectHTTPS.Close)

	tests := []struct {
		name  string
		urls  []string
		fetch FetchFunc
		want  []string // substrings of trust_error
		// unknown: trusted is null and a note says the search was cut short.
		unknown bool
	}{
		{"dead URL", []string{deadURL}, loopbackFetch,
			[]string{"unknown authority", "AIA: fetch " + deadURL + ": ", "connection refused"}, false},
		{"garbage", []string{garbage}, loopbackFetch,
			[]string{"unknown authority", "AIA: fetch " + garbage + ": parse: neither a DER certificate"}, false},
		{"truncated certificate", []string{truncated}, loopbackFetch, []string{"AIA: fetch " + truncated + ": parse:"}, false},
		{"oversized", []string{oversized}, loopbackFetch, []string{"body larger than 65536 bytes"}, false},
		{"oversized from an unbounded fetcher", []string{"http://127.0.0.1:1/x.crt"},
			func(context.Context, string) ([]byte, error) { return make([]byte, MaxIssuerBytes+1), nil },
			[]string{"body larger than 65536 bytes"}, false},
		{"404", []string{notFound}, loopbackFetch, []string{"HTTP status 404"}, false},
		{"another CA's certificate", []string{wrongCA}, loopbackFetch,
			[]string{"AIA: " + wrongCA + `: no certificate there signed "CN=localhost"`}, false},
		{"https", []string{"https://127.0.0.1:1/x.crt"}, loopbackFetch, []string{"refused by the fetch policy (rule scheme)", "only http:// is fetched"}, true},
		{"ldap", []string{"ldap://127.0.0.1/cn=x"}, loopbackFetch, []string{"refused by the fetch policy (rule scheme)", "only http:// is fetched"}, true},
		{"redirect to https", []string{redirectHTTPS.URL + "/x.crt"}, loopbackFetch, []string{"refused by the fetch policy (rule scheme)", "only http:// is fetched"}, true},
		{"no host: the server's URL is unusable, not refused by us", []string{"http:///x.crt"}, loopbackFetch, []string{"refused by the fetch policy (rule url)"}, false},
		{"refused, then a dead URL", []string{"https://127.0.0.1:1/x.crt", deadURL}, loopbackFetch,
			[]string{"rule scheme", "fetch " + deadURL + ": "}, true},
		{"no URL", nil, loopbackFetch, []string{"unknown authority", `AIA: "CN=localhost" names no caIssuers URL`}, false},
		{"fetching off, URL present", []string{deadURL}, nil,
			[]string{"unknown authority", "AIA fetching is off (caIssuers " + deadURL + ")"}, false},
		{"fetching off, no URL", nil, nil, []string{"unknown authority", "names no caIssuers URL"}, false},
		{"two dead URLs, both named", []string{deadURL, deadURL + "?2"}, loopbackFetch,
			[]string{"fetch " + deadURL + ": ", "fetch " + deadURL + "?2: "}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := measureServed(t, f, f.incompleteWithAIA(t, tt.urls...), tt.fetch)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("trust_error: %s", c.TrustError)
			want, notes := "false", 0
			if tt.unknown {
				want, notes = "null", 1
			}
			if fmtBool(c.Trusted) != want || c.ChainComplete || len(ChainNotes(c.Notes)) != notes {
				t.Errorf("trusted %s, chain_complete %v, notes %q; want %s, incomplete, %d notes", fmtBool(c.Trusted), c.ChainComplete, c.Notes, want, notes)
			}
			if tt.unknown && !strings.HasPrefix(strings.Join(ChainNotes(c.Notes), ""), "trusted: unknown") {
				t.Errorf("notes %q do not say why trust is unknown", c.Notes)
			}
			for _, w := range tt.want {
				if !strings.Contains(c.TrustError, w) {
					t.Errorf("trust_error %q lacks %q", c.TrustError, w)
				}
			}
		})
	}
}

// caChain is root → ca1 → ca2 (→ ca3), each CA naming its issuer's URL, made here because
// pki's intermediates may not sign further CAs.
type caChain struct {
	certs []*x509.Certificate // root first
	keys  []*ecdsa.PrivateKey
}

func newCAChain(t *testing.T, depth int, urlOf func(i int) string) caChain {
	t.Helper()
	var ch caChain
	for i := 0; i <= depth; i++ {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		tmpl := &x509.Certificate{
			SerialNumber:          big.NewInt(int64(i + 1)),
			Subject:               pkix.Name{CommonName: "aia test CA " + string(rune('0'+i))},
			NotBefore:             time.Now().Add(-time.Hour),
			NotAfter:              time.Now().Add(24 * time.Hour),
			KeyUsage:              x509.KeyUsageCertSign,
			BasicConstraintsValid: true,
			IsCA:                  true,
		}
		parent, signer := tmpl, key
		if i > 0 {
			parent, signer = ch.certs[i-1], ch.keys[i-1]
			tmpl.IssuingCertificateURL = []string{urlOf(i - 1)}
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, signer)
		if err != nil {
			t.Fatal(err)
		}
		c, err := x509.ParseCertificate(der)
		if err != nil {
			t.Fatal(err)
		}
		ch.certs, ch.keys = append(ch.certs, c), append(ch.keys, key)
	}
	return ch
}

// leaf issues a localhost leaf under the deepest CA, naming urls as caIssuers.
func (ch caChain) leaf(t *testing.T, urls ...string) []byte {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(100),
		Subject:               pkix.Name{CommonName: "localhost"},
		DNSNames:              []string{"localhost"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		IssuingCertificateURL: urls,
	}
	n := len(ch.certs) - 1
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ch.certs[n], &key.PublicKey, ch.keys[n])
	if err != nil {
		t.Fatal(err)
	}
	return der
}

func (ch caChain) roots() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(ch.certs[0])
	return p
}

// mapFetcher serves bodies by URL without any network, counting requests.
type mapFetcher struct {
	mu     sync.Mutex
	bodies map[string][]byte
	asked  []string
}

func (m *mapFetcher) fetch(_ context.Context, u string) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.asked = append(m.asked, u)
	b, ok := m.bodies[u]
	if !ok {
		return nil, errors.New("no such URL")
	}
	return b, nil
}

func caURL(i int) string { return "http://127.0.0.1:1/ca" + string(rune('0'+i)) + ".crt" }

// TestAIAHops follows caIssuers URLs up to two issuers, and no further; the served
// intermediates still count where they lead.
func TestAIAHops(t *testing.T) {
	tests := []struct {
		name      string
		depth     int   // CAs below the root
		served    []int // CA indexes the server sends after the leaf
		trusted   string
		wantAsked int
		wantNote  string
		wantError string
	}{
		{"one hop", 1, nil, "true", 1, "chain completed via AIA from " + caURL(1), ""},
		{"two hops", 2, nil, "true", 2, "chain completed via AIA from " + caURL(2) + ", " + caURL(1), ""},
		// We stopped, not the server: unknown.
		{"three hops is too many", 3, nil, "null", 2,
			`trusted: unknown, the chain could not be completed from AIA because we cut the search short: issuer of "CN=aia test CA 2" not fetched: at most 2 AIA hops are followed`,
			"AIA: the fetched issuers do not lead to a trusted root"},
		{"served intermediate, its issuer fetched", 2, []int{2}, "true", 1, "chain completed via AIA from " + caURL(1), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ch := newCAChain(t, tt.depth, caURL)
			m := &mapFetcher{bodies: map[string][]byte{}}
			for i, c := range ch.certs {
				m.bodies[caURL(i)] = c.Raw
			}
			chain := [][]byte{ch.leaf(t, caURL(tt.depth))}
			for _, i := range tt.served {
				chain = append(chain, ch.certs[i].Raw)
			}
			c, err := CheckContext(context.Background(), chain, Config{SNI: "localhost", Roots: ch.roots(), FetchIssuer: m.fetch})
			if err != nil {
				t.Fatal(err)
			}
			if fmtBool(c.Trusted) != tt.trusted || c.ChainComplete {
				t.Errorf("trusted %s, chain_complete %v; want trusted %s, incomplete (trust_error %q)", fmtBool(c.Trusted), c.ChainComplete, tt.trusted, c.TrustError)
			}
			if len(m.asked) != tt.wantAsked {
				t.Errorf("fetched %q, want %d fetches", m.asked, tt.wantAsked)
			}
			if note := strings.Join(ChainNotes(c.Notes), "|"); note != tt.wantNote {
				t.Errorf("notes %q, want %q", note, tt.wantNote)
			}
			if !strings.Contains(c.TrustError, tt.wantError) {
				t.Errorf("trust_error %q lacks %q", c.TrustError, tt.wantError)
			}
		})
	}
}

// TestAIAURLLimit tries at most two caIssuers URLs per certificate, each once; the
// untried third leaves trust unknown.
func TestAIAURLLimit(t *testing.T) {
	ch := newCAChain(t, 1, caURL)
	bad := []string{"http://127.0.0.1:1/a", "http://127.0.0.1:1/a", "http://127.0.0.1:1/b", caURL(0)}
	m := &mapFetcher{bodies: map[string][]byte{caURL(0): ch.certs[0].Raw}}
	c, err := CheckContext(context.Background(), [][]byte{ch.leaf(t, bad...)}, Config{SNI: "localhost", Roots: ch.roots(), FetchIssuer: m.fetch})
	if err != nil {
		t.Fatal(err)
	}
	if c.Trusted != nil {
		t.Errorf("trusted %s through the third URL, want null", fmtBool(c.Trusted))
	}
	if n := strings.Join(c.Notes, "|"); !strings.Contains(n, `2 more caIssuers URLs of "CN=localhost" not tried (at most 2 are)`) {
		t.Errorf("notes %q do not name the untried URL", n)
	}
	if strings.Join(m.asked, " ") != "http://127.0.0.1:1/a" {
		t.Errorf("fetched %q, want the first URL once (the second is the same)", m.asked)
	}
}

// TestAIAExpiredLeaf: completing the chain does not hide the leaf's own fault.
func TestAIAExpiredLeaf(t *testing.T) {
	f := newFixture(t)
	srv, err := f.inter.ServeIssuer(pki.DER)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	now := time.Now()
	leaf := f.issue(t, pki.LeafOptions{OmitIntermediates: true, IssuingCertificateURL: []string{srv.URL()},
		NotBefore: now.AddDate(-1, 0, 0), NotAfter: now.AddDate(0, 0, -1)})
	c, err := measureServed(t, f, leaf, loopbackFetch)
	if err != nil {
		t.Fatal(err)
	}
	if fmtBool(c.Trusted) != "false" || c.ChainComplete || !c.Expired || !strings.Contains(c.TrustError, "expired") {
		t.Errorf("trusted %s, chain_complete %v, expired %v, trust_error %q", fmtBool(c.Trusted), c.ChainComplete, c.Expired, c.TrustError)
	}
	if want := "chain completed via AIA from " + srv.URL(); strings.Join(ChainNotes(c.Notes), "|") != want {
		t.Errorf("notes %q, want %q", c.Notes, want)
	}
}

// TestTrustStoreIntermediate: an intermediate in the trust store (a CA file) may anchor
// trust, but never makes a chain that omits it complete, and nothing is fetched.
func TestTrustStoreIntermediate(t *testing.T) {
	f := newFixture(t)
	withInter := f.root.Pool()
	withInter.AddCert(f.inter.Cert)
	onlyInter := x509.NewCertPool()
	onlyInter.AddCert(f.inter.Cert)
	incomplete := f.incompleteWithAIA(t, "http://127.0.0.1:1/never.crt")
	complete := f.issue(t, pki.LeafOptions{})
	tests := []struct {
		name              string
		roots             *x509.CertPool
		chain             [][]byte
		trusted, complete bool
	}{
		{"root and intermediate trusted, intermediate not sent", withInter, incomplete.Certificate, true, false},
		{"only the intermediate trusted, not sent", onlyInter, incomplete.Certificate, true, false},
		{"only the intermediate trusted, sent", onlyInter, complete.Certificate, true, true},
		{"root and intermediate trusted, intermediate sent", withInter, complete.Certificate, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := &mapFetcher{}
			c, err := CheckContext(context.Background(), tt.chain, Config{SNI: "localhost", Roots: tt.roots, FetchIssuer: m.fetch})
			if err != nil {
				t.Fatal(err)
			}
			if fmtBool(c.Trusted) != strconv.FormatBool(tt.trusted) || c.ChainComplete != tt.complete {
				t.Errorf("trusted %s, chain_complete %v; want %v, %v (trust_error %q)", fmtBool(c.Trusted), c.ChainComplete, tt.trusted, tt.complete, c.TrustError)
			}
			if len(m.asked) != 0 {
				t.Errorf("fetched %q for a trusted chain", m.asked)
			}
			if !tt.complete && !strings.Contains(strings.Join(c.Notes, "|"), "trust store holds it") {
				t.Errorf("notes %q do not say where the issuer came from", c.Notes)
			}
		})
	}
}

// TestCheckIgnoresFetcher: Check judges the chain as served and never fetches.
func TestCheckIgnoresFetcher(t *testing.T) {
	f := newFixture(t)
	m := &mapFetcher{bodies: map[string][]byte{caURL(0): f.inter.Cert.Raw}}
	c, err := Check(f.incompleteWithAIA(t, caURL(0)).Certificate, Config{SNI: "localhost", Roots: f.root.Pool(), FetchIssuer: m.fetch})
	if err != nil {
		t.Fatal(err)
	}
	if fmtBool(c.Trusted) != "false" || len(m.asked) != 0 {
		t.Errorf("Check trusted %s after %d fetches; want untrusted, none", fmtBool(c.Trusted), len(m.asked))
	}
}

// TestAIACanceled: a canceled context stops fetching and leaves trust unknown: the scan
// ended, the server was not asked.
func TestAIACanceled(t *testing.T) {
	f := newFixture(t)
	srv, err := f.inter.ServeIssuer(pki.DER)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	c, err := CheckContext(ctx, f.incompleteWithAIA(t, srv.URL()).Certificate, Config{SNI: "localhost", Roots: f.root.Pool(), FetchIssuer: loopbackFetch})
	if err != nil {
		t.Fatal(err)
	}
	if c.Trusted != nil || !strings.Contains(c.TrustError, "context canceled") ||
		!strings.Contains(strings.Join(c.Notes, "|"), "the scan ended (context canceled)") {
		t.Errorf("trusted %s, trust_error %q, notes %q; want null, context canceled", fmtBool(c.Trusted), c.TrustError, c.Notes)
	}
}

func TestHTTPFetcher(t *testing.T) {
	body := []byte("issuer bytes")
	mux := http.NewServeMux()
	mux.HandleFunc("/ok", func(w http.ResponseWriter, _ *http.Request) { w.Write(body) })
	mux.HandleFunc("/exact", func(w http.ResponseWriter, _ *http.Request) { w.Write(make([]byte, MaxIssuerBytes)) })
	mux.Handle("/r1", http.RedirectHandler("/ok", http.StatusFound))
	mux.Handle("/r3", http.RedirectHandler("/r2", http.StatusFound))
	mux.Handle("/r2", http.RedirectHandler("/r1b", http.StatusFound))
	mux.Handle("/r1b", http.RedirectHandler("/r0", http.StatusFound))
	mux.Handle("/r0", http.RedirectHandler("/ok", http.StatusFound))
	srv := httptest.NewServer(mux)
	defer srv.Close()

	var dialed []string
	var mu sync.Mutex
	fetcher := HTTPFetcher{&fetchpolicy.Fetcher{
		Policy: fetchpolicy.Policy{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}},
		Dial: func(ctx context.Context, addr netip.AddrPort) (net.Conn, error) {
			mu.Lock()
			dialed = append(dialed, addr.String())
			mu.Unlock()
			var d net.Dialer
			return d.DialContext(ctx, "tcp", addr.String())
		}}}
	tests := []struct {
		path    string
		wantLen int
		wantErr string
	}{
		{"/ok", len(body), ""},
		{"/exact", MaxIssuerBytes, ""},
		{"/r1", len(body), ""},
		{"/r3", 0, "more than 2 redirects"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			got, err := fetcher.Fetch(context.Background(), srv.URL+tt.path)
			if wantError(t, err, tt.wantErr) {
				return
			}
			if err != nil || len(got) != tt.wantLen {
				t.Fatalf("got %d bytes, %v; want %d", len(got), err, tt.wantLen)
			}
		})
	}
	mu.Lock()
	defer mu.Unlock()
	if len(dialed) == 0 || dialed[0] != strings.TrimPrefix(srv.URL, "http://") {
		t.Errorf("dialed %q, want the injected dialer used for %s", dialed, srv.URL)
	}
}

func TestParseIssuers(t *testing.T) {
	f := newFixture(t)
	one := f.inter.Cert
	p7, err := pki.Encode(pki.PKCS7, f.inter.Cert, f.root.Cert)
	if err != nil {
		t.Fatal(err)
	}
	pemBoth, err := pki.Encode(pki.PEM, f.inter.Cert, f.root.Cert)
	if err != nil {
		t.Fatal(err)
	}
	pemP7 := pem.EncodeToMemory(&pem.Block{Type: "PKCS7", Bytes: p7})
	tests := []struct {
		name    string
		body    []byte
		want    int
		wantErr string
	}{
		{"DER", one.Raw, 1, ""},
		{"PKCS#7", p7, 2, ""},
		{"PEM", pemBoth, 2, ""},
		{"PEM PKCS7", pemP7, 2, ""},
		{"PEM with leading blank line", append([]byte("\n"), pemBoth...), 2, ""},
		{"empty", nil, 0, "empty body"},
		{"text", []byte("hello"), 0, "neither a DER certificate"},
		{"PEM of a key only", pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: []byte{1}}), 0, "without a CERTIFICATE"},
		{"PEM bad certificate", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte{0x30, 0}}), 0, "PEM block 1 (CERTIFICATE)"},
		{"PKCS#7 truncated", p7[:len(p7)-10], 0, "PKCS#7 bundle"},
		{"PKCS#7 trailing data", append(append([]byte(nil), p7...), 0), 0, "ContentInfo: not one DER SEQUENCE"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseIssuers(tt.body)
			if wantError(t, err, tt.wantErr) {
				return
			}
			if err != nil || len(got) != tt.want {
				t.Fatalf("%d certificates, %v; want %d", len(got), err, tt.want)
			}
			if !bytes.Equal(got[0].Raw, one.Raw) {
				t.Errorf("first certificate is not the intermediate")
			}
		})
	}
}

// FuzzParseIssuers: no input panics, and whatever parses is a certificate that parses
// again on its own.
func FuzzParseIssuers(f *testing.F) {
	root, err := pki.NewRoot("fuzz root")
	if err != nil {
		f.Fatal(err)
	}
	for _, enc := range []pki.Encoding{pki.DER, pki.PEM, pki.PKCS7} {
		b, err := pki.Encode(enc, root.Cert)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
		f.Add(b[:len(b)/2])
	}
	p7, _ := pki.Encode(pki.PKCS7, root.Cert)
	f.Add(pem.EncodeToMemory(&pem.Block{Type: "PKCS7", Bytes: p7}))
	f.Add([]byte{})
	f.Add([]byte("-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n"))
	f.Add([]byte{0x30, 0x80, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02, 0, 0}) // BER indefinite length
	f.Fuzz(func(t *testing.T, body []byte) {
		certs, err := ParseIssuers(body)
		if err != nil {
			if len(certs) != 0 {
				t.Fatalf("error %v with %d certificates", err, len(certs))
			}
			return
		}
		if len(certs) == 0 {
			t.Fatal("no error and no certificate")
		}
		for _, c := range certs {
			if _, err := x509.ParseCertificate(c.Raw); err != nil {
				t.Fatalf("returned certificate does not parse again: %v", err)
			}
		}
	})
}

// BenchmarkCheckContextAIA judges an incomplete chain completed from AIA (fetcher in
// memory, so only parsing and path building are timed).
func BenchmarkCheckContextAIA(b *testing.B) {
	fx := newFixture(b)
	root, inter := fx.root, fx.inter
	leaf, err := inter.Issue(pki.LeafOptions{OmitIntermediates: true, IssuingCertificateURL: []string{caURL(0)}})
	if err != nil {
		b.Fatal(err)
	}
	m := &mapFetcher{bodies: map[string][]byte{caURL(0): inter.Cert.Raw}}
	cfg := Config{SNI: "localhost", Roots: root.Pool(), FetchIssuer: m.fetch}
	for b.Loop() {
		c, err := CheckContext(context.Background(), leaf.Certificate, cfg)
		if err != nil || c.Trusted == nil || !*c.Trusted {
			b.Fatalf("trusted %v, %v", c, err)
		}
	}
}

func BenchmarkParseIssuersPKCS7(b *testing.B) {
	fx := newFixture(b)
	root, inter := fx.root, fx.inter
	p7, err := pki.Encode(pki.PKCS7, inter.Cert, root.Cert)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := ParseIssuers(p7); err != nil {
			b.Fatal(err)
		}
	}
}

// wantError reports whether a case expects an error (want is not empty), failing t unless
// err is one that contains want.
func wantError(t *testing.T, err error, want string) bool {
	t.Helper()
	if want == "" {
		return false
	}
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("error %v, want %q", err, want)
	}
	return true
}
