package httpcheck

import (
	"context"
	"errors"
	"net"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mhealthsec/mhealthsec/probe/fakeserver"
	"github.com/mhealthsec/mhealthsec/probe/internal/peertest"
	"github.com/mhealthsec/mhealthsec/probe/vuln"
)

// TestMeasureFallback reads GET / from OpenSSL servers crypto/tls cannot connect to (DHE
// suites only, at TLS 1.2, 1.1 or 1.0; an RSA-512 key) through the raw TLS client: the answer is measured (no
// HSTS header: {present: false}; not compressed: BREACH false) instead of null.
func TestMeasureFallback(t *testing.T) {
	openssl := peertest.Tool(t, "openssl")
	dir := t.TempDir()
	certPath, keyPath := filepath.Join(dir, "c.pem"), filepath.Join(dir, "k.pem")
	key512Cert, key512 := filepath.Join(dir, "c512.pem"), filepath.Join(dir, "k512.pem")
	for _, args := range [][]string{
		{"req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", keyPath, "-out", certPath, "-days", "30", "-subj", "/CN=localhost"},
		{"req", "-x509", "-newkey", "rsa:512", "-nodes", "-keyout", key512, "-out", key512Cert, "-days", "30", "-subj", "/CN=localhost"},
	} {
		if out, err := exec.Command(openssl, args...).CombinedOutput(); err != nil {
			t.Fatalf("openssl %v: %v\n%s", args, err, out)
		}
	}
	tests := []struct {
		name  string
		flags []string
	}{
		{"DHE only", []string{"-cert", certPath, "-key", keyPath, "-cipher", "DHE-RSA-AES128-GCM-SHA256"}},
		{"RSA-512 key", []string{"-cert", key512Cert, "-key", key512, "-cipher", "ALL:@SECLEVEL=0"}},
		// The raw client offers TLS 1.2 and connects again at the version the server chose.
		{"DHE only, TLS 1.0", []string{"-cert", certPath, "-key", keyPath, "-no_tls1_2", "-no_tls1_1", "-cipher", "DHE-RSA-AES256-SHA:@SECLEVEL=0"}},
		{"DHE only, TLS 1.1", []string{"-cert", certPath, "-key", keyPath, "-no_tls1_2", "-no_tls1", "-cipher", "DHE-RSA-AES128-SHA:@SECLEVEL=0"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			addr := peertest.Start(t, "openssl", func(port int) []string {
				return append([]string{"s_server", "-accept", "127.0.0.1:" + strconv.Itoa(port), "-www", "-quiet", "-no_tls1_3"}, tc.flags...)
			}).Addr
			dial := func(ctx context.Context) (net.Conn, error) {
				var d net.Dialer
				return d.DialContext(ctx, "tcp", addr)
			}
			cfg := Config{Dial: dial, Host: "localhost", Port: 443, SNI: "localhost", Timeout: 5 * time.Second}
			if _, err := Measure(context.Background(), cfg); err == nil {
				t.Fatal("crypto/tls connected; the test needs a server it cannot reach")
			}
			cfg.DialTLSFallback = func(ctx context.Context) (net.Conn, error) {
				return vuln.DialTLS12(ctx, dial, "localhost", 5*time.Second)
			}
			got, err := Measure(context.Background(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != 200 || got.HSTS == nil || got.HSTS.Present || got.Compression != "" || !strings.Contains(got.Note, "raw TLS client") {
				t.Errorf("got %+v (hsts %+v); want 200, hsts {present: false}, no compression, a note on the raw client", got, got.HSTS)
			}
			// s_server -www sends only Content-type: every security header is a measured absence.
			if sh := got.SecurityHeaders; sh == nil || sh.CSP.Present || sh.XFrameOptions.Present || sh.Server.Present || len(sh.Cookies) != 0 {
				t.Errorf("security_headers %+v; want all absent", sh)
			}
		})
	}
}

// TestMeasureNoFallbackAfterTimeout: a server silent to crypto/tls is not asked again by
// the fallback (a second wait would teach nothing).
func TestMeasureNoFallbackAfterTimeout(t *testing.T) {
	silent, err := fakeserver.Start(fakeserver.Silent())
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	calls := 0
	_, err = Measure(context.Background(), Config{Dial: silent.Dial, Host: "localhost", Timeout: 300 * time.Millisecond,
		DialTLSFallback: func(context.Context) (net.Conn, error) { calls++; return nil, errors.New("unused") }})
	if err == nil || calls != 0 {
		t.Errorf("err %v, fallback called %d times; want an error and no fallback", err, calls)
	}
}
