package session

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mhealthsec/mhealthsec/internal/testenv"
	"github.com/mhealthsec/mhealthsec/probe/fakeserver"
	"github.com/mhealthsec/mhealthsec/probe/internal/peertest"
	"github.com/mhealthsec/mhealthsec/probe/pki"
	"github.com/mhealthsec/mhealthsec/probe/result"
)

// rawConns bounds the connections of a measurement that falls back to raw hellos: the
// crypto/tls attempt, up to nine hellos to find an accepted version and suite, the TLS 1.3
// hello, one ALPN hello, two full handshakes and two resuming hellos, and one session-id
// hello when the raw client cannot complete a handshake.
const rawConns = 17

// TestMeasureRawFakes: servers crypto/tls cannot handshake with are measured from their
// ServerHello and with the raw client; what neither can show stays null with a note.
func TestMeasureRawFakes(t *testing.T) {
	chain, err := fakeserver.NewChain(pki.RSA2048)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		h    fakeserver.Handler
		want want
	}{
		// Its ServerHello names a session id but the fake never completes a handshake,
		// and the raw client speaks no SSL 3.0: session_id unknown.
		{"SSL 3.0 only", fakeserver.SSLv3(fakeserver.SSLv3Options{Chain: chain}),
			want{"null", "false", "false", "false", []string{}}},
		// Completes a TLS 1.2 handshake with the raw client; names no session id and
		// acknowledges no ticket extension.
		{"renegotiating TLS 1.2", fakeserver.Renegotiation(fakeserver.RenegotiationOptions{Chain: chain, Secure: true}),
			want{"false", "false", "false", "false", []string{}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, err := fakeserver.Start(tc.h)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { srv.Close() })
			checkConns(t, srv.Dial, "", tc.want, rawConns)
		})
	}
}

// TestMeasureRawNoAnswer: a server that answers no hello leaves all three null, with the
// note naming them and both reasons.
func TestMeasureRawNoAnswer(t *testing.T) {
	srv, err := fakeserver.Start(fakeserver.Reset())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	var r result.Result
	Measure(context.Background(), Config{Dial: srv.Dial, Timeout: 5 * time.Second}, &r)
	if r.SessionResumption != nil || r.ALPN != nil || r.EarlyData != nil {
		t.Errorf("measured %+v %v %v from a server that answers nothing", r.SessionResumption, r.ALPN, r.EarlyData)
	}
	if len(r.Notes) != 1 || !strings.HasPrefix(r.Notes[0], "session_resumption, alpn, early_data: not measured: crypto/tls: ") ||
		!strings.Contains(r.Notes[0], "; raw hello: ") {
		t.Errorf("notes %q", r.Notes)
	}
}

// legacyServer is a peer crypto/tls cannot handshake with (DHE suites only) and the
// s_client flags that speak its protocol and suites.
type legacyServer struct {
	name          string
	args, sClient []string
	want          want
}

// TestMeasureRawOpenSSL measures OpenSSL servers of DHE suites only, which crypto/tls does
// not speak, and compares session_id and ticket with what openssl s_client reports on
// the same server (-reconnect, -sess_out/-sess_in).
func TestMeasureRawOpenSSL(t *testing.T) {
	testenv.Slow(t, "starts OpenSSL s_server six times")
	cert, key, err := pki.WritePEM(t.TempDir(), "leaf", peertest.Leaf(t, pki.RSA2048))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []legacyServer{
		{"DHE, TLS 1.2, cache and tickets, alpn", []string{"-tls1_2", "-cipher", "DHE-RSA-AES128-GCM-SHA256", "-alpn", "h2,http/1.1"},
			[]string{"-tls1_2", "-cipher", "DHE-RSA-AES128-GCM-SHA256"},
			want{"true", "true", "false", "false", []string{"h2", "http/1.1"}}},
		{"DHE, TLS 1.0 at security level 0, no tickets", []string{"-tls1", "-cipher", "DHE-RSA-AES256-SHA:@SECLEVEL=0", "-no_ticket"},
			[]string{"-tls1", "-cipher", "DHE-RSA-AES256-SHA:@SECLEVEL=0"},
			want{"true", "false", "false", "false", []string{}}},
		{"DHE, TLS 1.2, no cache", []string{"-tls1_2", "-cipher", "DHE-RSA-AES256-GCM-SHA384", "-no_cache", "-alpn", "http/1.1"},
			[]string{"-tls1_2", "-cipher", "DHE-RSA-AES256-GCM-SHA384"},
			want{"false", "true", "false", "false", []string{"http/1.1"}}},
		// crypto/tls handshakes at TLS 1.3 only: ticket and session id come from the raw client.
		{"TLS 1.3, and DHE only at TLS 1.2", []string{"-cipher", "DHE-RSA-AES128-GCM-SHA256"},
			[]string{"-tls1_2", "-cipher", "DHE-RSA-AES128-GCM-SHA256"},
			want{"true", "true", "true", "false", []string{}}},
		{"NULL cipher only", []string{"-tls1_2", "-cipher", "NULL-SHA256:@SECLEVEL=0"},
			[]string{"-tls1_2", "-cipher", "NULL-SHA256:@SECLEVEL=0"},
			want{"true", "true", "false", "false", []string{}}},
		// Camellia is no suite of the raw client: resumption stays unknown, with a note.
		{"DHE with Camellia only", []string{"-tls1_2", "-cipher", "DHE-RSA-CAMELLIA128-SHA256:@SECLEVEL=0"},
			nil, want{"null", "null", "false", "false", []string{}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := peertest.Start(t, "openssl", func(port int) []string {
				return append([]string{"s_server", "-quiet", "-accept", "127.0.0.1:" + strconv.Itoa(port),
					"-cert", cert, "-key", key}, tc.args...)
			})
			checkConns(t, dialer(srv.Addr), "", tc.want, rawConns)
			differential(t, srv.Addr, tc)
		})
	}
}

// TestMeasureRawGnuTLS: gnutls-serv with a legacy priority string of DHE-RSA key exchange
// only, as old servers were configured.
func TestMeasureRawGnuTLS(t *testing.T) {
	testenv.Slow(t, "starts gnutls-serv three times")
	cert, key, err := pki.WritePEM(t.TempDir(), "leaf", peertest.Leaf(t, pki.RSA2048))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []legacyServer{
		{"DHE-RSA only, TLS 1.2, alpn", []string{"--priority", "NORMAL:-KX-ALL:+DHE-RSA:-VERS-TLS1.3", "--alpn", "h2", "--alpn", "http/1.1"},
			[]string{"-tls1_2", "-cipher", "DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:DHE-RSA-AES128-SHA:DHE-RSA-AES256-SHA"},
			want{"true", "true", "false", "false", []string{"h2", "http/1.1"}}},
		// OpenSSL here has no 3DES: no s_client to compare with.
		{"DHE-RSA with 3DES only", []string{"--priority", "NONE:+VERS-TLS1.2:+DHE-RSA:+3DES-CBC:+SHA1:+COMP-NULL:+SIGN-ALL:+GROUP-ALL"},
			nil, want{"true", "true", "false", "false", []string{}}},
		{"DHE-RSA only, no tickets, no db", []string{"--priority", "NORMAL:-KX-ALL:+DHE-RSA:-VERS-TLS1.3", "--noticket", "--nodb"},
			[]string{"-tls1_2", "-cipher", "DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:DHE-RSA-AES128-SHA:DHE-RSA-AES256-SHA"},
			want{"false", "false", "false", "false", []string{}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := peertest.Start(t, "gnutls-serv", func(port int) []string {
				return append([]string{"--port", strconv.Itoa(port), "--x509certfile", cert, "--x509keyfile", key}, tc.args...)
			})
			checkConns(t, dialer(srv.Addr), "", tc.want, rawConns)
			differential(t, srv.Addr, tc)
		})
	}
}

// differential checks the declared session_id and ticket against openssl s_client on the
// same server: resumption by id is s_client -reconnect without tickets; resumption by ticket
// is a session saved with -sess_out that holds a ticket and is reused with -sess_in.
func differential(t *testing.T, addr string, tc legacyServer) {
	t.Helper()
	if tc.sClient == nil {
		return
	}
	bin := peertest.Tool(t, "openssl")
	run := func(args ...string) string {
		cmd := exec.Command(bin, append([]string{"s_client", "-connect", addr}, append(args, tc.sClient...)...)...)
		cmd.Stdin = bytes.NewReader(nil)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("openssl %s: %v\n%s", strings.Join(cmd.Args[1:], " "), err, out)
		}
		return string(out)
	}
	byID := strings.Contains(run("-reconnect", "-no_ticket"), "\nReused, ")
	if strconv.FormatBool(byID) != tc.want.sessionID {
		t.Errorf("s_client -reconnect -no_ticket: reused %v, declared session_id %s", byID, tc.want.sessionID)
	}
	sess := filepath.Join(t.TempDir(), "session.pem")
	run("-sess_out", sess)
	text, err := exec.Command(bin, "sess_id", "-in", sess, "-noout", "-text").CombinedOutput()
	if err != nil {
		t.Fatalf("openssl sess_id: %v\n%s", err, text)
	}
	byTicket := strings.Contains(string(text), "TLS session ticket:") && strings.Contains(run("-sess_in", sess), "\nReused, ")
	if strconv.FormatBool(byTicket) != tc.want.ticket {
		t.Errorf("s_client -sess_out/-sess_in: reused with a ticket %v, declared ticket %s", byTicket, tc.want.ticket)
	}
	_ = os.Remove(sess)
}
