package session

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"io"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mhealthsec/mhealthsec/internal/testenv"
	"github.com/mhealthsec/mhealthsec/probe/internal/peertest"
	"github.com/mhealthsec/mhealthsec/probe/pki"
	"github.com/mhealthsec/mhealthsec/probe/result"
)

// maxConns is the most connections one measurement makes, as documented.
const maxConns = 7

// want is the expected measurement; "null" marks a field that must stay null.
type want struct {
	sessionID, ticket, psk, early string
	alpn                          []string
}

func b(v *bool) string {
	if v == nil {
		return "null"
	}
	return strconv.FormatBool(*v)
}

// check measures the server behind dial, compares with w and returns the notes.
func check(t *testing.T, dial func(context.Context) (net.Conn, error), sni string, w want) []string {
	t.Helper()
	return checkConns(t, dial, sni, w, maxConns)
}

// checkConns is check with most connections allowed.
func checkConns(t *testing.T, dial func(context.Context) (net.Conn, error), sni string, w want, most int32) []string {
	t.Helper()
	var r result.Result
	var dials atomic.Int32
	counted := func(ctx context.Context) (net.Conn, error) { dials.Add(1); return dial(ctx) }
	Measure(context.Background(), Config{Dial: counted, SNI: sni, Timeout: 20 * time.Second}, &r)
	if n := dials.Load(); n > most {
		t.Errorf("%d connections, want at most %d (docs/result-format.md)", n, most)
	}
	for _, fc := range result.Coverage(&r) {
		if fc.State == result.NullWithoutNote && slices.Contains([]string{"session_resumption", "alpn", "early_data"}, strings.Split(fc.Field, ".")[0]) {
			t.Errorf("%s null without a note; notes %q", fc.Field, r.Notes)
		}
	}
	if r.SessionResumption == nil {
		t.Fatalf("session_resumption null; notes %q", r.Notes)
		return nil
	}
	sr := r.SessionResumption
	got := want{b(sr.SessionID), b(sr.Ticket), b(sr.TLS13PSK), b(r.EarlyData), r.ALPN}
	if got.sessionID != w.sessionID || got.ticket != w.ticket || got.psk != w.psk || got.early != w.early ||
		!slices.Equal(got.alpn, w.alpn) || (got.alpn == nil) != (w.alpn == nil) {
		t.Errorf("got %+v, want %+v; notes %q", got, w, r.Notes)
	}
	if _, err := json.Marshal(r); err != nil {
		t.Error(err)
	}
	return r.Notes
}

// drain reads until the client closes, so that it gets the server's tickets.
func drain(c *tls.Conn) { _, _ = io.Copy(io.Discard, c) }

func TestMeasureGo(t *testing.T) {
	root, err := pki.NewRoot("session test root")
	if err != nil {
		t.Fatal(err)
	}
	cert, err := root.Issue(pki.LeafOptions{Key: pki.ECDSA256})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		cfg  *tls.Config
		want want
	}{
		// crypto/tls servers keep no session cache: no resumption by session id.
		{"tls13 tickets, server prefers http/1.1", &tls.Config{NextProtos: []string{"http/1.1", "h2"}},
			want{"false", "true", "true", "false", []string{"h2", "http/1.1"}}},
		{"tickets disabled, h2 only", &tls.Config{SessionTicketsDisabled: true, NextProtos: []string{"h2"}},
			want{"false", "false", "false", "false", []string{"h2"}}},
		{"tls12 only, no alpn", &tls.Config{MaxVersion: tls.VersionTLS12},
			want{"false", "true", "false", "false", []string{}}},
		{"tls13 only", &tls.Config{MinVersion: tls.VersionTLS13, NextProtos: []string{"http/1.1"}},
			want{"false", "false", "true", "false", []string{"http/1.1"}}},
	}
	// crypto/tls offers no session for an expired certificate unless its clock is moved.
	expired, err := root.Issue(pki.LeafOptions{Key: pki.ECDSA256,
		NotBefore: time.Now().AddDate(0, -2, 0), NotAfter: time.Now().AddDate(0, -1, 0)})
	if err != nil {
		t.Fatal(err)
	}
	tests = append(tests, struct {
		name string
		cfg  *tls.Config
		want want
	}{"expired certificate", &tls.Config{Certificates: []tls.Certificate{expired}},
		want{"false", "true", "true", "false", []string{}}})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.cfg.Certificates == nil {
				tt.cfg.Certificates = []tls.Certificate{cert}
			}
			srv := peertest.ServeGo(t, tt.cfg, drain)
			notes := check(t, srv.Dial, "", tt.want)
			if tt.cfg.MinVersion != tls.VersionTLS13 {
				return
			}
			// Measured false because the server refuses TLS 1.2, not left to the raw client.
			for _, field := range []string{"session_id", "ticket"} {
				if n := "session_resumption." + field + ": false: the server refused TLS 1.2 and older"; !slices.Contains(notes, n) {
					t.Errorf("no note %q in %q", n, notes)
				}
			}
		})
	}
}

func TestMeasureOpenSSL(t *testing.T) {
	testenv.Slow(t, "starts OpenSSL s_server three times")
	cert, key, err := pki.WritePEM(t.TempDir(), "leaf", peertest.Leaf(t, pki.RSA2048))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		want want
	}{
		// s_server caches sessions by id; -no_ticket leaves TLS 1.3 with stateful PSKs
		// (OpenSSL's SSL_OP_NO_TICKET).
		{"early data, alpn", []string{"-early_data", "-alpn", "h2,http/1.1"},
			want{"true", "true", "true", "true", []string{"h2", "http/1.1"}}},
		{"no ticket", []string{"-no_ticket", "-alpn", "http/1.1"},
			want{"true", "false", "true", "false", []string{"http/1.1"}}},
		{"no cache, tls12", []string{"-no_cache", "-tls1_2"},
			want{"false", "true", "false", "false", []string{}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := peertest.Start(t, "openssl", func(port int) []string {
				return append([]string{"s_server", "-quiet", "-accept", "127.0.0.1:" + strconv.Itoa(port),
					"-cert", cert, "-key", key}, tt.args...)
			})
			check(t, dialer(srv.Addr), "", tt.want)
		})
	}
}

func TestMeasureGnuTLS(t *testing.T) {
	testenv.Slow(t, "starts gnutls-serv twice")
	cert, key, err := pki.WritePEM(t.TempDir(), "leaf", peertest.Leaf(t, pki.ECDSA256))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		want want
	}{
		{"defaults, early data, alpn", []string{"--earlydata", "--alpn", "h2", "--alpn", "http/1.1"},
			want{"true", "true", "true", "true", []string{"h2", "http/1.1"}}},
		// Without --alpn-fatal gnutls-serv ignores an ALPN offer it has no match for.
		{"no ticket, no db", []string{"--noticket", "--nodb", "--alpn", "http/1.1"},
			want{"false", "false", "false", "false", []string{"http/1.1"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// gnutls-serv has no listen-address option; the test still only connects to loopback.
			srv := peertest.Start(t, "gnutls-serv", func(port int) []string {
				return append([]string{"--port", strconv.Itoa(port), "--x509certfile", cert, "--x509keyfile", key}, tt.args...)
			})
			check(t, dialer(srv.Addr), "", tt.want)
		})
	}
}

func TestMeasureNginx(t *testing.T) {
	testenv.Slow(t, "starts nginx three times")
	cert, key, err := pki.WritePEM(t.TempDir(), "leaf", peertest.Leaf(t, pki.RSA2048))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		listen     string
		directives string
		want       want
	}{
		// nginx's default ssl_session_cache none names a session id it does not keep.
		{"defaults", "", tls13, want{"false", "true", "true", "false", []string{"http/1.1"}}},
		{"cache, no tickets, http2", " http2", tls13 + "ssl_session_cache shared:S:1m; ssl_session_tickets off;",
			want{"true", "false", "true", "false", []string{"h2", "http/1.1"}}},
		{"early data", "", tls13 + "ssl_early_data on;", want{"false", "true", "true", "true", []string{"http/1.1"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := peertest.NginxWith(t, cert, key, tt.listen, tt.directives)
			check(t, dialer(srv.Addr), "", tt.want)
		})
	}
}

// tls13 turns TLS 1.3 on in nginx before 1.23.4, whose default protocols end at TLS 1.2.
const tls13 = "ssl_protocols TLSv1.2 TLSv1.3; "

func dialer(addr string) func(context.Context) (net.Conn, error) {
	return func(ctx context.Context) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "tcp", addr)
	}
}
