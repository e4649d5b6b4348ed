package certcheck

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mhealthsec/mhealthsec/probe/fetchpolicy"
	"github.com/mhealthsec/mhealthsec/probe/internal/peertest"
	"github.com/mhealthsec/mhealthsec/probe/pki"
	"github.com/mhealthsec/mhealthsec/probe/result"
)

// loopbackFetcher fetches OCSP and CRL URLs under a fetch policy widened to loopback.
func loopbackFetcher() *fetchpolicy.Fetcher {
	return &fetchpolicy.Fetcher{Policy: fetchpolicy.Policy{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}}}
}

// revocationCA is a test CA with a real OpenSSL OCSP responder (openssl ocsp -index) and
// a CRL served over HTTP, both on loopback. Its leaves: good and revoked name both;
// deadGood and deadRevoked name a dead responder and the CRL; crlOnly names the CRL only.
// The index and the CRL list revoked and deadRevoked as revoked.
type revocationCA struct {
	fixture
	ocspURL, crlURL, deadURL string
	revokedAt                time.Time

	good, revoked, deadGood, deadRevoked, crlOnly tls.Certificate
}

func newRevocationCA(t *testing.T) *revocationCA {
	t.Helper()
	f := newFixture(t)
	ca := &revocationCA{fixture: f, revokedAt: time.Now().Add(-time.Hour).Truncate(time.Second), deadURL: "http://127.0.0.1:1/"}
	dir := t.TempDir()
	caCert, caKey, err := f.inter.WriteCAFiles(dir, "inter")
	if err != nil {
		t.Fatal(err)
	}
	// The CRL's URL goes into the leaves, and the leaves into the CRL: serve it first,
	// fill it in after.
	var crl atomic.Pointer[[]byte]
	crlSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/pkix-crl")
		w.Write(*crl.Load())
	}))
	t.Cleanup(crlSrv.Close)
	ca.crlURL = crlSrv.URL + "/inter.crl"
	crlURLs := []string{ca.crlURL}
	srv := startOCSPResponder(t, func(port int) []string {
		ca.ocspURL = "http://127.0.0.1:" + strconv.Itoa(port) + "/"
		ca.good = f.issue(t, pki.LeafOptions{OCSPServer: []string{ca.ocspURL}, CRLDistributionPoints: crlURLs})
		ca.revoked = f.issue(t, pki.LeafOptions{OCSPServer: []string{ca.ocspURL}, CRLDistributionPoints: crlURLs})
		ca.deadGood = f.issue(t, pki.LeafOptions{OCSPServer: []string{ca.deadURL}, CRLDistributionPoints: crlURLs})
		ca.deadRevoked = f.issue(t, pki.LeafOptions{OCSPServer: []string{ca.deadURL}, CRLDistributionPoints: crlURLs})
		ca.crlOnly = f.issue(t, pki.LeafOptions{CRLDistributionPoints: crlURLs})
		revoked := []*x509.Certificate{ca.revoked.Leaf, ca.deadRevoked.Leaf}
		idx := filepath.Join(dir, "index.txt")
		if err := pki.WriteOpenSSLIndex(idx, []*x509.Certificate{ca.good.Leaf, ca.deadGood.Leaf, ca.crlOnly.Leaf}, revoked, ca.revokedAt); err != nil {
			t.Fatal(err)
		}
		body, err := f.inter.CRL(revoked, ca.revokedAt, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		crl.Store(&body)
		return []string{"ocsp", "-index", idx, "-port", strconv.Itoa(port), "-rsigner", caCert, "-rkey", caKey, "-CA", caCert, "-ndays", "1"}
	})
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("openssl ocsp said:\n%s", srv.String())
		}
	})
	return ca
}

// startOCSPResponder runs openssl ocsp with args(port) on a free port and waits until it
// says it waits for clients. Not peertest.Start: its readiness check connects and
// closes, and OpenSSL 3.0's responder then hangs on that empty connection for good.
func startOCSPResponder(t *testing.T, args func(port int) []string) *bytes.Buffer {
	t.Helper()
	bin := peertest.Tool(t, "openssl")
	for attempt := 1; ; attempt++ {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := ln.Addr().(*net.TCPAddr).Port
		ln.Close()
		var out lockedBuffer
		cmd := exec.Command(bin, args(port)...)
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		exited := make(chan struct{})
		go func() { cmd.Wait(); close(exited) }()
		stop := func() { cmd.Process.Kill(); <-exited }
		deadline := time.Now().Add(5 * time.Second)
		for time.Now().Before(deadline) && !strings.Contains(out.String(), "waiting for OCSP client connections") {
			select {
			case <-exited:
				deadline = time.Time{}
			case <-time.After(20 * time.Millisecond):
			}
		}
		if strings.Contains(out.String(), "waiting for OCSP client connections") {
			t.Cleanup(stop)
			return out.snapshot()
		}
		stop()
		if attempt == 3 {
			t.Fatalf("openssl ocsp did not start: %s", out.String())
		}
	}
}

// lockedBuffer is an output buffer a process writes while the test reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func (l *lockedBuffer) snapshot() *bytes.Buffer { return bytes.NewBufferString(l.String()) }

func (ca *revocationCA) measure(t *testing.T, cert tls.Certificate, fetcher Fetcher) *result.Certificate {
	t.Helper()
	addr := peertest.ServeGo(t, &tls.Config{Certificates: []tls.Certificate{cert}}, readOne).Addr
	cfg := Config{Dial: dialer(addr), SNI: "localhost", Roots: ca.root.Pool()}
	if fetcher != nil {
		cfg.Fetcher = fetcher
	}
	c, err := Measure(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestRevocation asks a real OpenSSL OCSP responder about a good and a revoked leaf, and
// falls back to a CRL served over HTTP when the responder is dead.
func TestRevocation(t *testing.T) {
	ca := newRevocationCA(t)
	noURLs := ca.issue(t, pki.LeafOptions{})
	tests := []struct {
		name     string
		cert     tls.Certificate
		fetcher  Fetcher
		status   string // "" wants revocation null
		method   string
		revoked  *bool
		noteHas  string
		ocspURL  string
		revokeAt bool
	}{
		{"good via OCSP", ca.good, loopbackFetcher(), "good", "ocsp", new(false), "", ca.ocspURL, false},
		{"revoked via OCSP", ca.revoked, loopbackFetcher(), "revoked", "ocsp", new(true), "", ca.ocspURL, true},
		{"good via CRL only", ca.crlOnly, loopbackFetcher(), "good", "crl", new(false), "", "", false},
		{"OCSP dead, CRL good", ca.deadGood, loopbackFetcher(), "good", "crl", new(false), "revocation: from the CRL, because OCSP " + ca.deadURL, ca.deadURL, false},
		{"OCSP dead, CRL revoked", ca.deadRevoked, loopbackFetcher(), "revoked", "crl", new(true), "revocation: from the CRL, because OCSP " + ca.deadURL, ca.deadURL, true},
		{"no URLs", noURLs, loopbackFetcher(), "", "", nil, "revocation: not checked: the leaf names no OCSP responder and no CRL", "", false},
		{"fetching off", ca.good, nil, "", "", nil, "revocation: not checked: fetching is off", "", false},
		{"refused by the policy", ca.revoked, &fetchpolicy.Fetcher{}, "", "", nil,
			"revocation: not checked: OCSP " + ca.ocspURL + ": refused by the fetch policy (rule address): 127.0.0.1 is loopback", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := ca.measure(t, tt.cert, tt.fetcher)
			notes := strings.Join(c.Notes, "\n")
			if tt.noteHas != "" && !strings.Contains(notes, tt.noteHas) {
				t.Errorf("notes %q lack %q", notes, tt.noteHas)
			}
			if (c.Revoked == nil) != (tt.revoked == nil) || c.Revoked != nil && *c.Revoked != *tt.revoked {
				t.Errorf("revoked %v, want %v", fmtBool(c.Revoked), fmtBool(tt.revoked))
			}
			r := c.Revocation
			if tt.status == "" {
				if r != nil {
					t.Errorf("revocation %+v, want null", r)
				}
				return
			}
			if r == nil {
				t.Fatalf("revocation null; notes %q", notes)
			}
			if r.Status != tt.status || r.Method != tt.method || r.OCSPURL != tt.ocspURL {
				t.Errorf("revocation %+v, want status %s, method %s, ocsp_url %q; notes %q", r, tt.status, tt.method, tt.ocspURL, notes)
			}
			if len(r.CRLURLs) > 0 && r.CRLURLs[0] != ca.crlURL {
				t.Errorf("crl_urls %q, want %s", r.CRLURLs, ca.crlURL)
			}
			if r.CheckedAt.IsZero() || time.Since(r.CheckedAt) > time.Minute {
				t.Errorf("checked_at %v", r.CheckedAt)
			}
			if (r.RevokedAt != nil) != tt.revokeAt || r.RevokedAt != nil && !r.RevokedAt.Equal(ca.revokedAt) {
				t.Errorf("revoked_at %v, want %v (%v)", r.RevokedAt, ca.revokedAt, tt.revokeAt)
			}
		})
	}
}

func fmtBool(b *bool) string {
	if b == nil {
		return "null"
	}
	return strconv.FormatBool(*b)
}
