package lab

import (
	"context"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mhealthsec/mhealthsec/internal/testenv"
	"github.com/mhealthsec/mhealthsec/probe/result"
)

func TestCatalogDeclaresEverything(t *testing.T) {
	servers := Catalog()
	if len(servers) < 20 {
		t.Errorf("catalog has %d servers, want at least 20", len(servers))
	}
	names := map[string]bool{}
	for _, s := range servers {
		if names[s.Name] {
			t.Errorf("%s: name used twice", s.Name)
		}
		names[s.Name] = true
		if s.Expect.Why == "" || s.Description == "" {
			t.Errorf("%s: no reason or description", s.Name)
		}
		for _, c := range CriteriaVersions() {
			if _, ok := s.Expect.Grades[c]; !ok {
				t.Errorf("%s: no declared grade for %s", s.Name, c)
			}
		}
		if s.TLS && len(s.Expect.Protocols) != len(result.AllProtocols()) {
			t.Errorf("%s: declares %d protocols, want all %d", s.Name, len(s.Expect.Protocols), len(result.AllProtocols()))
		}
	}
}

// allSuites are every TLS 1.0–1.2 suite Go's client can offer, secure or not.
func allSuites() []*tls.CipherSuite {
	return append(tls.CipherSuites(), tls.InsecureCipherSuites()...)
}

// handshake connects to e with a plain crypto/tls client restricted to one protocol
// version and, below TLS 1.3, to the given suites (nil: all). verify checks the chain
// against the fleet's root and the server's name.
func handshake(e Endpoint, pool *x509.CertPool, version uint16, suites []uint16, verify bool) (tls.ConnectionState, error) {
	cfg := &tls.Config{
		ServerName:         e.SNI,
		RootCAs:            pool,
		InsecureSkipVerify: !verify,
		MinVersion:         version,
		MaxVersion:         version,
		CipherSuites:       suites,
	}
	if suites == nil {
		for _, s := range allSuites() {
			cfg.CipherSuites = append(cfg.CipherSuites, s.ID)
		}
	}
	d := &tls.Dialer{NetDialer: &net.Dialer{Timeout: 5 * time.Second}, Config: cfg}
	c, err := d.Dial("tcp", e.Addr())
	if err != nil {
		return tls.ConnectionState{}, err
	}
	defer c.Close()
	return c.(*tls.Conn).ConnectionState(), nil
}

var goVersions = map[result.Protocol]uint16{
	result.TLS10: tls.VersionTLS10, result.TLS11: tls.VersionTLS11,
	result.TLS12: tls.VersionTLS12, result.TLS13: tls.VersionTLS13,
}

// TestServersBehaveAsDeclared checks every catalog server with Go's own client: protocol
// support, offered suites, certificate key and trust, HSTS and the plain-HTTP companion.
// SSL 2.0/3.0 (Go clients cannot speak them) are left to the probe. Then it closes the
// fleet and checks that nothing is left: one fleet serves both, since starting one (its
// RSA keys) is most of this package's test time.
func TestServersBehaveAsDeclared(t *testing.T) {
	before := testenv.StableGoroutines()
	fl, err := Start(context.Background(), Catalog())
	if err != nil {
		t.Fatal(err)
	}
	defer fl.Close()
	t.Run("declared", func(t *testing.T) { checkDeclared(t, fl) })
	checkClose(t, fl, before) // not in a subtest: its goroutine would count as left running
}

// checkDeclared checks every server of fl, all at once.
func checkDeclared(t *testing.T, fl *Fleet) {
	for _, e := range fl.Endpoints {
		t.Run(e.Name, func(t *testing.T) {
			t.Parallel()
			if !e.TLS {
				if _, err := handshake(e, nil, tls.VersionTLS12, nil, false); err == nil {
					t.Error("TLS handshake succeeded on a plain-HTTP server")
				}
				body := get(t, "http://"+e.Addr()+"/", nil, 200)
				if !strings.Contains(body, e.Name) {
					t.Errorf("body %q does not name the server", body)
				}
				return
			}
			checkProtocols(t, e, fl.Pool())
			if e.Fake != nil {
				return // Go's client speaks none of what fakes serve; the probe's tests cover them.
			}
			checkSuites(t, e, fl.Pool())
			checkCertificate(t, e, fl.Pool())
			checkHTTP(t, e)
		})
	}
}

func checkProtocols(t *testing.T, e Endpoint, pool *x509.CertPool) {
	t.Helper()
	for p, v := range goVersions {
		want := e.Expect.Protocols[p]
		if e.Fake == nil {
			_, err := handshake(e, pool, v, nil, false)
			if (err == nil) != want {
				t.Errorf("%s: handshake error %v, declared supported=%v", p, err, want)
			}
			continue
		}
		reached, err := reachesCertificate(e, v)
		if want && !reached && strings.Contains(err.Error(), "remote error: tls: handshake failure") {
			t.Logf("%s: not checkable with Go's client, which offers none of the fake's suites", p)
			continue
		}
		if reached != want {
			t.Errorf("%s: certificate reached=%v (%v), declared supported=%v", p, reached, err, want)
		}
	}
}

// reachesCertificate tells whether a fake, which never finishes a handshake, answers a
// hello restricted to one protocol version with a ServerHello of that version and its
// Certificate.
func reachesCertificate(e Endpoint, version uint16) (bool, error) {
	reached := false
	cfg := &tls.Config{
		ServerName: e.SNI, InsecureSkipVerify: true, MinVersion: version, MaxVersion: version,
		VerifyPeerCertificate: func([][]byte, [][]*x509.Certificate) error {
			reached = true
			return errors.New("enough: the certificate came")
		},
	}
	for _, s := range allSuites() {
		cfg.CipherSuites = append(cfg.CipherSuites, s.ID)
	}
	d := &tls.Dialer{NetDialer: &net.Dialer{Timeout: 5 * time.Second}, Config: cfg}
	c, err := d.Dial("tcp", e.Addr())
	if err == nil {
		c.Close()
		return true, nil
	}
	return reached, err
}

// checkSuites offers each TLS 1.0–1.2 suite alone and compares what the server accepts with
// its configuration, so that RC4, 3DES and RSA key exchange are really served.
func checkSuites(t *testing.T, e Endpoint, pool *x509.CertPool) {
	t.Helper()
	if e.CipherSuites == nil {
		return
	}
	top := e.MaxVersion
	if top == 0 || top > tls.VersionTLS12 {
		top = tls.VersionTLS12
	}
	var accepted []uint16
	for _, s := range allSuites() {
		if !slices.Contains(s.SupportedVersions, top) {
			continue
		}
		if _, err := handshake(e, pool, top, []uint16{s.ID}, false); err == nil {
			accepted = append(accepted, s.ID)
		}
	}
	want := slices.Clone(e.CipherSuites)
	slices.Sort(want)
	slices.Sort(accepted)
	if !slices.Equal(accepted, want) {
		t.Errorf("accepted suites %s, configured %s", suiteNames(accepted), suiteNames(want))
	}
}

func suiteNames(ids []uint16) string {
	var names []string
	for _, id := range ids {
		names = append(names, tls.CipherSuiteName(id))
	}
	return strings.Join(names, ",")
}

func checkCertificate(t *testing.T, e Endpoint, pool *x509.CertPool) {
	t.Helper()
	top := tls.VersionTLS12
	if e.Expect.Protocols[result.TLS13] {
		top = tls.VersionTLS13
	}
	if !e.Expect.Protocols[result.TLS12] && !e.Expect.Protocols[result.TLS13] {
		top = tls.VersionTLS10
	}
	st, err := handshake(e, pool, uint16(top), nil, false)
	if err != nil {
		t.Fatalf("handshake: %v", err)
	}
	c := e.Expect.Cert
	leaf := st.PeerCertificates[0]
	alg, bits := "", 0
	switch k := leaf.PublicKey.(type) {
	case *rsa.PublicKey:
		alg, bits = "RSA", k.N.BitLen()
	case *ecdsa.PublicKey:
		alg, bits = "EC", k.Curve.Params().BitSize
	}
	if alg != c.KeyAlg || bits != c.KeyBits {
		t.Errorf("key %s %d, declared %s %d", alg, bits, c.KeyAlg, c.KeyBits)
	}
	if got := len(st.PeerCertificates) == 1; got != (e.Cert.SelfSigned || e.Cert.OmitIntermediates) {
		t.Errorf("served chain of %d certificates", len(st.PeerCertificates))
	}

	// Go's verifier is stricter than the declarations need (it also refuses SHA-1 and MD5), so it
	// must fail whenever anything is declared wrong and pass when everything is right. It
	// fetches no AIA, so it also fails an incomplete chain, however trusted.
	md5 := c.MD5InChain != nil && *c.MD5InChain
	sound := *c.Trusted && *c.HostnameMatch && !*c.Expired && !*c.NotYetValid && !*c.SHA1InChain && !md5 && *c.ChainComplete
	if e.Cert.AIA {
		checkAIA(t, leaf, pool, *c.Trusted)
	}
	_, err = handshake(e, pool, uint16(top), nil, true)
	if (err == nil) != sound {
		t.Errorf("verified handshake error %v, declared sound=%v", err, sound)
	}
	if !*c.HostnameMatch && leaf.VerifyHostname(e.SNI) == nil {
		t.Errorf("certificate matches %s, declared mismatch", e.SNI)
	}
	if *c.SHA1InChain != (leaf.SignatureAlgorithm == x509.ECDSAWithSHA1) {
		t.Errorf("leaf signed %v, declared sha1=%v", leaf.SignatureAlgorithm, *c.SHA1InChain)
	}
	if md5 != (leaf.SignatureAlgorithm == x509.MD5WithRSA) {
		t.Errorf("leaf signed %v, declared md5=%v", leaf.SignatureAlgorithm, md5)
	}
	if now := time.Now(); now.After(leaf.NotAfter) != *c.Expired || now.Before(leaf.NotBefore) != *c.NotYetValid {
		t.Errorf("validity %v–%v, declared expired=%v not-yet-valid=%v", leaf.NotBefore, leaf.NotAfter, *c.Expired, *c.NotYetValid)
	}
}

// checkAIA fetches the leaf's caIssuers URL, as a browser would, and verifies the leaf
// with what it got: the chain is then trusted exactly when declared so.
func checkAIA(t *testing.T, leaf *x509.Certificate, pool *x509.CertPool, trusted bool) {
	t.Helper()
	if len(leaf.IssuingCertificateURL) != 1 || !strings.HasPrefix(leaf.IssuingCertificateURL[0], "http://"+Loopback+":") {
		t.Fatalf("caIssuers %q, want one http URL on %s", leaf.IssuingCertificateURL, Loopback)
	}
	resp, err := http.Get(leaf.IssuingCertificateURL[0])
	if err != nil {
		t.Fatal(err)
	}
	der, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	issuer, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatalf("caIssuers body: %v", err)
	}
	inter := x509.NewCertPool()
	inter.AddCert(issuer)
	_, err = leaf.Verify(x509.VerifyOptions{Roots: pool, Intermediates: inter})
	if (err == nil) != trusted {
		t.Errorf("leaf verified with the AIA issuer: %v, declared trusted=%v", err, trusted)
	}
}

func checkHTTP(t *testing.T, e Endpoint) {
	t.Helper()
	tr := &http.Transport{
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true, ServerName: e.SNI, MinVersion: tls.VersionTLS10},
	}
	if e.Expect.Protocols[result.TLS12] || e.Expect.Protocols[result.TLS13] {
		tr.TLSClientConfig.MinVersion = 0
	}
	for _, s := range allSuites() {
		tr.TLSClientConfig.CipherSuites = append(tr.TLSClientConfig.CipherSuites, s.ID)
	}
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr}).Get("https://" + e.Addr() + "/")
	if err != nil {
		t.Fatalf("GET over TLS: %v", err)
	}
	resp.Body.Close()
	// The transport asked for gzip itself, so it reports whether the server compressed.
	if resp.Uncompressed != e.Gzip {
		t.Errorf("compressed=%v, configured gzip=%v", resp.Uncompressed, e.Gzip)
	}
	if got := resp.Header.Get("Strict-Transport-Security"); got != e.HSTS {
		t.Errorf("HSTS header %q, configured %q", got, e.HSTS)
	}
	if h := e.Expect.HSTS; h != nil && h.Valid != (e.HSTS != "" && e.HSTS != hstsBroken) {
		t.Errorf("declared HSTS valid=%v for header %q", h.Valid, e.HSTS)
	}

	p := e.Expect.PlainHTTP
	if (p != nil) != (e.HTTPPort != 0) {
		t.Fatalf("plain HTTP port %d, declared %+v", e.HTTPPort, p)
	}
	if p == nil {
		return
	}
	url := "http://" + net.JoinHostPort(e.IP, strconv.Itoa(e.HTTPPort)) + "/x"
	if p.RedirectsToHTTPS {
		want := "https://" + net.JoinHostPort(e.SNI, strconv.Itoa(e.Port)) + "/x"
		get(t, url, func(r *http.Response) {
			if loc := r.Header.Get("Location"); loc != want {
				t.Errorf("redirect to %q, want %q", loc, want)
			}
		}, http.StatusMovedPermanently)
		return
	}
	get(t, url, nil, http.StatusOK)
}

// get fetches url without following redirects and checks the status.
func get(t *testing.T, url string, check func(*http.Response), status int) string {
	t.Helper()
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != status {
		t.Errorf("GET %s: status %d, want %d", url, resp.StatusCode, status)
	}
	if check != nil {
		check(resp)
	}
	return string(b)
}

// ports lists every port the fleet listens on.
func ports(fl *Fleet) []int {
	var ps []int
	for _, e := range fl.Endpoints {
		ps = append(ps, e.Port)
		if e.HTTPPort != 0 {
			ps = append(ps, e.HTTPPort)
		}
	}
	return ps
}

func assertShutDown(t *testing.T, fl *Fleet, before int) {
	t.Helper()
	testenv.NoLeakedGoroutines(t, before)
	for _, p := range ports(fl) {
		addr := net.JoinHostPort(Loopback, strconv.Itoa(p))
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.Close()
			t.Errorf("port %d still accepts connections", p)
		}
	}
}

// checkClose closes fl, a running fleet, and checks that its ports and goroutines (more
// than before) are gone.
func checkClose(t *testing.T, fl *Fleet, before int) {
	// Leave a connection open mid-handshake and one idle HTTP connection: Close must not
	// wait for clients.
	e, _ := fl.Endpoint("modern-hsts")
	raw, err := net.Dial("tcp", e.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := handshake(e, fl.Pool(), tls.VersionTLS13, nil, true); err != nil {
		t.Fatal(err)
	}
	if err := fl.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := fl.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	raw.Close()
	assertShutDown(t, fl, before)
}

func TestCancelShutsFleetDown(t *testing.T) {
	before := testenv.StableGoroutines()
	ctx, cancel := context.WithCancel(context.Background())
	fl, err := Start(ctx, Catalog()[:3])
	if err != nil {
		t.Fatal(err)
	}
	e := fl.Endpoints[0]
	if _, err := handshake(e, fl.Pool(), tls.VersionTLS13, nil, true); err != nil {
		t.Fatal(err)
	}
	cancel()
	// Close after cancellation waits for the shutdown the cancellation started.
	if err := fl.Close(); err != nil {
		t.Fatalf("Close after cancel: %v", err)
	}
	assertShutDown(t, fl, before)
}

func TestStartRejectsBadFleets(t *testing.T) {
	before := testenv.StableGoroutines()
	broken := errors.New("fake failed")
	tests := []struct {
		name    string
		servers []Server
		want    string
	}{
		{"empty name", []Server{{TLS: true}}, "empty or used twice"},
		{"duplicate", []Server{{Name: "a"}, {Name: "a"}}, "used twice"},
		{"bad key", []Server{{Name: "a", TLS: true}, {Name: "b", TLS: true, Cert: Cert{Key: "rsa7"}}}, "start b"},
		{"fake fails", []Server{{Name: "a"}, {Name: "b", Fake: func(tls.Certificate) (Running, error) { return nil, broken }}}, "fake failed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fl, err := Start(context.Background(), tt.servers)
			if err == nil {
				fl.Close()
				t.Fatal("Start succeeded")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q, want it to contain %q", err, tt.want)
			}
		})
	}
	// A failed Start must not leave the servers it had started running.
	testenv.NoLeakedGoroutines(t, before)
}

func ExampleStart() {
	// Two servers of the catalog; Start(ctx, Catalog()) starts the whole fleet, at the cost
	// of an RSA key for each of its many RSA servers.
	var servers []Server
	for _, s := range Catalog() {
		if s.Name == "tls10-only" || s.Name == "modern-hsts" {
			servers = append(servers, s)
		}
	}
	fl, err := Start(context.Background(), servers)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer fl.Close()
	e, _ := fl.Endpoint("tls10-only")
	fmt.Println(e.SNI, e.Expect.Grades[V2009r])
	// Output: tls10-only.lab.test C
}
