package vuln

import (
	"bufio"
	"context"
	"crypto/sha1"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mhealthsec/mhealthsec/internal/testenv"
	"github.com/mhealthsec/mhealthsec/probe/fakeserver"
	"github.com/mhealthsec/mhealthsec/probe/internal/peertest"
	"github.com/mhealthsec/mhealthsec/probe/pki"
	"github.com/mhealthsec/mhealthsec/probe/result"
	"github.com/mhealthsec/mhealthsec/probe/tlswire"
)

// paddingValues are the five padding oracle checks as "true", "false" or "null".
func paddingValues(f paddingFindings) map[string]string {
	return map[string]string{"POODLE_TLS": tri(f.poodleTLS), "sleeping_poodle": tri(f.sleeping),
		"zombie_poodle": tri(f.zombie), "goldendoodle": tri(f.golden), "padding_oracle_2016_2107": tri(f.cve2107),
		"zero_length_padding_oracle": tri(f.zeroLength)}
}

// enumerated is a result whose enumeration found the given suites at one protocol.
func enumerated(p result.Protocol, suites ...uint16) *result.Result {
	r := protocols(p)
	for _, id := range suites {
		r.Ciphers = append(r.Ciphers, result.Cipher{Protocol: p, ID: fmt.Sprintf("0x%04x", id), Name: tls.CipherSuiteName(id)})
	}
	return r
}

func runPadding(t *testing.T, dial func(context.Context) (net.Conn, error), r *result.Result, timeout time.Duration) paddingFindings {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	p := &prober{cfg: Config{Dial: dial, SNI: "localhost", Timeout: timeout}, plan: planFor(r)}
	return p.paddingOracles(ctx, r)
}

func checkPadding(t *testing.T, f paddingFindings, want map[string]string) {
	t.Helper()
	t.Logf("POODLE_TLS: %s", f.notes["POODLE_TLS"])
	got := paddingValues(f)
	for _, id := range paddingIDs() {
		w := want[id]
		if w == "" {
			w = "false"
		}
		if got[id] != w {
			t.Errorf("%s = %s, want %s (note: %s)", id, got[id], w, f.notes[id])
		}
		if f.notes[id] == "" {
			t.Errorf("%s has no note", id)
		}
	}
}

// TestPaddingOraclesFakes runs the probe against each flawed fake: each shows its finding
// and no other, and the sound fake none.
func TestPaddingOraclesFakes(t *testing.T) {
	t.Parallel()
	chain := peertest.Leaf(t, pki.RSA2048).Certificate
	tests := []struct {
		flaw  fakeserver.PaddingFlaw
		suite uint16
		want  string // the one true id, "" for none
	}{
		{fakeserver.PaddingSound, 0, ""},
		{fakeserver.PaddingSound, tlswire.SuiteECDHERSAWithAES128CBCSHA256, ""},
		{fakeserver.PaddingPOODLETLS, 0, "POODLE_TLS"},
		{fakeserver.PaddingPOODLETLS, tlswire.SuiteECDHERSAWithAES128CBCSHA256, "POODLE_TLS"},
		{fakeserver.PaddingSleepingPOODLE, 0, "sleeping_poodle"},
		{fakeserver.PaddingZombiePOODLE, 0, "zombie_poodle"},
		{fakeserver.PaddingGOLDENDOODLE, 0, "goldendoodle"},
		{fakeserver.Padding2016_2107, 0, "padding_oracle_2016_2107"},
		{fakeserver.Padding2016_2107, tlswire.SuiteECDHERSAWithAES128CBCSHA256, "padding_oracle_2016_2107"},
		{fakeserver.PaddingZeroLength, 0, "zero_length_padding_oracle"},
	}
	for _, tc := range tests {
		suite := tc.suite
		if suite == 0 {
			suite = tlswire.SuiteECDHERSAWithAES128CBCSHA
		}
		t.Run(tc.want+" "+tls.CipherSuiteName(suite), func(t *testing.T) {
			t.Parallel()
			dial := fake(t, fakeserver.PaddingOracle(fakeserver.PaddingOracleOptions{Chain: chain, Flaw: tc.flaw, Suite: tc.suite}))
			// The timeout bounds the handshakes (it once ran out at load 9 with 1.5 s); the
			// Sleeping POODLE fake's silence is waited for 1 s a round whatever it is
			// (silenceWait).
			f := runPadding(t, dial, enumerated(result.TLS12, suite), 3*time.Second)
			want := map[string]string{}
			if tc.want != "" {
				want[tc.want] = "true"
			}
			if tc.flaw == fakeserver.Padding2016_2107 {
				want["zero_length_padding_oracle"] = "null" // hidden by CVE-2016-2107's answer
			}
			checkPadding(t, f, want)
		})
	}
}

// serveHTTP answers each HTTP request on c with an empty 200 until the client stops, asks
// to close, or a record fails (crypto/tls then sends its alert).
func serveHTTP(c *tls.Conn) {
	br := bufio.NewReader(c)
	for {
		req, err := http.ReadRequest(br)
		if err != nil {
			return
		}
		req.Body.Close()
		io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
		if req.Close { // Connection: close, as the probe asks
			return
		}
	}
}

// TestPaddingOraclesGo runs the probe against crypto/tls, which judges every bad CBC record
// alike (bad_record_mac): every check is false. That the well-formed record is answered at
// each version also proves the CBC record layer of TLS 1.0 (IV chained from the Finished
// record) and 1.1 against crypto/tls, with HMAC-SHA1 and HMAC-SHA256 and both key sizes.
func TestPaddingOraclesGo(t *testing.T) {
	t.Parallel()
	cert := peertest.Leaf(t, pki.RSA2048)
	tests := []struct {
		proto result.Protocol
		suite uint16
		after func(*tls.Conn)
	}{
		{result.TLS12, tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA, serveHTTP},
		{result.TLS12, tls.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA, serveHTTP},
		{result.TLS12, tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256, serveHTTP},
		{result.TLS12, tls.TLS_RSA_WITH_AES_128_CBC_SHA, serveHTTP},
		{result.TLS11, tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA, serveHTTP},
		{result.TLS10, tls.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA, serveHTTP},
		{result.TLS10, tls.TLS_RSA_WITH_AES_128_CBC_SHA, serveHTTP},
		// A server that speaks first (a banner, as SMTP or IMAP over TLS do) and then
		// reads: answers start with its data.
		{result.TLS12, tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA, answerHTTP},
	}
	for _, tc := range tests {
		t.Run(tc.proto.Label()+" "+tls.CipherSuiteName(tc.suite), func(t *testing.T) {
			t.Parallel()
			v := tc.proto.Version()
			dial := peertest.ServeGo(t, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: v, MaxVersion: v,
				CipherSuites: []uint16{tc.suite}}, tc.after).Dial
			f := runPadding(t, dial, enumerated(tc.proto, tc.suite), 2*time.Second)
			checkPadding(t, f, nil)
			if !strings.Contains(f.notes["POODLE_TLS"], "well-formed: data") {
				t.Errorf("the well-formed record was not answered with data: %s", f.notes["POODLE_TLS"])
			}
		})
	}
}

// TestPaddedRecord checks the shapes of the records against the CBC rules they break.
func TestPaddedRecord(t *testing.T) {
	key := make([]byte, 16)
	for _, rec := range padRecords() {
		w, err := tlswire.NewCBCProtector(tlswire.VersionTLS12, key, key, nil, sha1.New)
		if err != nil {
			t.Fatal(err)
		}
		r, _ := tlswire.NewCBCProtector(tlswire.VersionTLS12, key, key, nil, sha1.New)
		data := PaddedRecord(rec, w, "localhost")
		if len(data)%16 != 0 {
			t.Fatalf("%s: %d bytes, not whole blocks", rec, len(data))
		}
		payload, err := w.Encrypt(data)
		if err != nil {
			t.Fatal(err)
		}
		_, err = r.Open(tlswire.RecordApplicationData, payload)
		want := map[PadRecord]error{PadWellFormed: nil, PadBadMAC: tlswire.ErrCBCMAC, PadBadBoth: tlswire.ErrCBCPadding,
			PadPOODLE: tlswire.ErrCBCPadding, PadAllPadding: tlswire.ErrCBCPadding, PadOverflow: tlswire.ErrCBCPadding}[rec]
		if (err == nil) != (want == nil) || err != nil && !strings.Contains(err.Error(), want.Error()) {
			t.Errorf("%s: Open error %v, want %v", rec, err, want)
		}
		if rec == PadWellFormed && data[len(data)-1] != 15 {
			t.Errorf("well-formed record ends in padding length %d, want a full block (15)", data[len(data)-1])
		}
		if rec == PadPOODLE && (data[len(data)-1] != 15 || data[len(data)-2] == 15) {
			t.Errorf("POODLE record padding % x: want only the last byte right", data[len(data)-16:])
		}
	}
}

// TestDecidePadding checks the decisions on answer patterns no server here produces.
func TestDecidePadding(t *testing.T) {
	data := padAnswer{seq: "data, then silent", data: true}
	badMAC := padAnswer{seq: "alert bad_record_mac, then closed", refused: true, alert: "bad_record_mac"}
	silent := padAnswer{seq: padNoAnswer}
	tests := []struct {
		name    string
		answers map[PadRecord]padAnswer
		want    map[string]string
	}{
		{"uniform", map[PadRecord]padAnswer{PadWellFormed: data, PadBadMAC: badMAC, PadBadBoth: badMAC, PadPOODLE: badMAC, PadAllPadding: badMAC, PadOverflow: badMAC}, nil},
		{"well-formed refused", map[PadRecord]padAnswer{PadWellFormed: badMAC, PadBadMAC: badMAC}, allNull()},
		{"bad MAC not refused", map[PadRecord]padAnswer{PadWellFormed: data, PadBadMAC: silent}, allNull()},
		{"silent service accepts bad padding", map[PadRecord]padAnswer{PadWellFormed: silent, PadBadMAC: badMAC, PadBadBoth: badMAC, PadPOODLE: silent, PadAllPadding: badMAC, PadOverflow: badMAC},
			map[string]string{"POODLE_TLS": "true"}},
		{"record_overflow everywhere is no CVE-2016-2107", map[PadRecord]padAnswer{PadWellFormed: data,
			PadBadMAC: padAnswer{seq: "alert record_overflow, then closed", refused: true, alert: "record_overflow"}},
			map[string]string{"goldendoodle": "true"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := decidePadding(tc.answers)
			got := paddingValues(f)
			for _, id := range paddingIDs() {
				w := tc.want[id]
				if w == "" {
					w = "false"
				}
				if got[id] != w {
					t.Errorf("%s = %s, want %s (%s)", id, got[id], w, f.notes[id])
				}
			}
		})
	}
}

func allNull() map[string]string {
	m := map[string]string{}
	for _, id := range paddingIDs() {
		m[id] = "null"
	}
	return m
}

// TestCBCTarget checks which suite the probe picks and when it does not run.
func TestCBCTarget(t *testing.T) {
	tls13 := protocols(result.TLS13)
	gcmOnly := enumerated(result.TLS12, tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256)
	tripleDES := enumerated(result.TLS12, tls.TLS_RSA_WITH_3DES_EDE_CBC_SHA)
	tripleDES.Ciphers[0].Cipher = "3DES"
	mixed := enumerated(result.TLS12, tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256)
	mixed.Protocols.Set(result.TLS10, true)
	mixed.Ciphers = append(mixed.Ciphers, result.Cipher{Protocol: result.TLS10, ID: "0xc014", Name: "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA"})
	tests := []struct {
		name    string
		r       *result.Result
		version uint16
		suite   uint16
		why     string
		none    bool
	}{
		{"TLS 1.3 only", tls13, 0, 0, "TLS 1.3 only", true},
		{"AEAD only", gcmOnly, 0, 0, "no CBC suite", true},
		{"3DES only", tripleDES, 0, 0, "none the probe runs", false},
		{"CBC at TLS 1.0 only", mixed, tlswire.VersionTLS10, 0xc014, "", false},
		{"not enumerated", protocols(result.TLS12), tlswire.VersionTLS12, tlswire.SuiteECDHERSAWithAES128CBCSHA, "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			version, suites, why, none := cbcTarget(tc.r, planFor(tc.r))
			if version != tc.version || (tc.suite != 0 && (len(suites) == 0 || suites[0] != tc.suite)) ||
				!strings.Contains(why, tc.why) || none != tc.none {
				t.Errorf("cbcTarget = %s %x %q %v; want %s %x %q %v", verLabel(version), suites, why, none, verLabel(tc.version), tc.suite, tc.why, tc.none)
			}
		})
	}
}

// TestPaddingOraclesPeers runs the probe against the real servers of the study's toolbox
// with CBC suites enabled: OpenSSL's s_server (-www), gnutls-serv (--http) and nginx from
// Debian. Each judges every bad CBC record alike: all five checks are measured false, and
// each server answered the well-formed record (so the record layer works with it too).
func TestPaddingOraclesPeers(t *testing.T) {
	testenv.Slow(t, "starts OpenSSL, GnuTLS and nginx servers")
	cert := peertest.Leaf(t, pki.RSA2048)
	certPath, keyPath, err := pki.WritePEM(t.TempDir(), "leaf", cert)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		proto result.Protocol
		suite uint16
		dial  func(t *testing.T) func(context.Context) (net.Conn, error)
	}{
		{"openssl s_server TLS 1.2 AES128-SHA", result.TLS12, tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA, func(t *testing.T) func(context.Context) (net.Conn, error) {
			return opensslServer(t, cert, "-www", "-cipher", "ECDHE-RSA-AES128-SHA")
		}},
		{"openssl s_server TLS 1.2 AES128-SHA256", result.TLS12, tls.TLS_RSA_WITH_AES_128_CBC_SHA256, func(t *testing.T) func(context.Context) (net.Conn, error) {
			return opensslServer(t, cert, "-www", "-cipher", "AES128-SHA256")
		}},
		{"openssl s_server TLS 1.0", result.TLS10, tls.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA, func(t *testing.T) func(context.Context) (net.Conn, error) {
			return externalServer(t, "openssl", cert, func(port, certPath, keyPath string) []string {
				return []string{"s_server", "-accept", "127.0.0.1:" + port, "-cert", certPath, "-key", keyPath, "-quiet", "-www",
					"-tls1", "-cipher", "ECDHE-RSA-AES256-SHA:@SECLEVEL=0"}
			})
		}},
		{"gnutls-serv TLS 1.2", result.TLS12, tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA, func(t *testing.T) func(context.Context) (net.Conn, error) {
			return externalServer(t, "gnutls-serv", cert, func(port, certPath, keyPath string) []string {
				return []string{"--http", "-p", port, "--x509certfile", certPath, "--x509keyfile", keyPath, "-q",
					"--priority", "NORMAL:-VERS-ALL:+VERS-TLS1.2:-CIPHER-ALL:+AES-128-CBC:-MAC-ALL:+SHA1"}
			})
		}},
		{"nginx TLS 1.2", result.TLS12, tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256, func(t *testing.T) func(context.Context) (net.Conn, error) {
			addr := peertest.NginxWith(t, certPath, keyPath, "", "ssl_protocols TLSv1.2; ssl_ciphers ECDHE-RSA-AES128-SHA256;").Addr
			return func(ctx context.Context) (net.Conn, error) {
				var d net.Dialer
				return d.DialContext(ctx, "tcp", addr)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := runPadding(t, tc.dial(t), enumerated(tc.proto, tc.suite), 3*time.Second)
			checkPadding(t, f, nil)
			if !strings.Contains(f.notes["POODLE_TLS"], "well-formed: data") {
				t.Errorf("the well-formed record was not answered with data: %s", f.notes["POODLE_TLS"])
			}
		})
	}
}

// slowAlerts is a server's end of a connection that sends each alert record late: a server
// slow to refuse.
type slowAlerts struct {
	net.Conn
	delay time.Duration
}

func (c slowAlerts) Write(b []byte) (int, error) {
	if len(b) > 0 && b[0] == tlswire.RecordAlert {
		time.Sleep(c.delay)
	}
	return c.Conn.Write(b)
}

// serveGoSlowAlerts runs a crypto/tls HTTP server whose alerts go out delay late.
func serveGoSlowAlerts(t *testing.T, cfg *tls.Config, delay time.Duration) func(context.Context) (net.Conn, error) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Go(func() {
				defer c.Close()
				c.SetDeadline(time.Now().Add(20 * time.Second))
				if tc := tls.Server(slowAlerts{c, delay}, cfg); tc.Handshake() == nil {
					serveHTTP(tc)
				}
			})
		}
	})
	return func(ctx context.Context) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "tcp", ln.Addr().String())
	}
}

// TestPaddingSilenceWait checks the shortened wait for silence (silenceWait): refusals
// that come late, but before the timeout, are answers, never silence, and a server that
// refuses slowly does not have its silences judged by the short wait. Each case fails if
// the wait were the floor alone, without the round's check.
func TestPaddingSilenceWait(t *testing.T) {
	t.Parallel()
	cert := peertest.Leaf(t, pki.RSA2048)
	goCfg := &tls.Config{Certificates: []tls.Certificate{cert}, MaxVersion: tls.VersionTLS12,
		CipherSuites: []uint16{tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA}}
	sleeping := fakeserver.PaddingOracle(fakeserver.PaddingOracleOptions{Chain: cert.Certificate, Flaw: fakeserver.PaddingSleepingPOODLE})
	tests := []struct {
		name    string
		dial    func(t *testing.T) func(context.Context) (net.Conn, error)
		timeout time.Duration
		want    map[string]string
	}{
		// Within the floor: answered, whatever the wait.
		{"crypto/tls refusing 300 ms late", func(t *testing.T) func(context.Context) (net.Conn, error) {
			return serveGoSlowAlerts(t, goCfg, 300*time.Millisecond)
		}, 3 * time.Second, nil},
		// Past the floor: every malformed record unanswered at 1 s, none refused, so the
		// round runs again with the whole timeout and sees the refusals: false, not null
		// ("did not refuse a bad MAC").
		{"crypto/tls refusing 1.5 s late", func(t *testing.T) func(context.Context) (net.Conn, error) {
			return serveGoSlowAlerts(t, goCfg, 1500*time.Millisecond)
		}, 3 * time.Second, nil},
		// Refusals at 300 ms: a silence at 1 s is less than 10 times that, so the round
		// runs again with the whole timeout; the silence holds, and the finding with it.
		{"Sleeping POODLE fake refusing 300 ms late", func(t *testing.T) func(context.Context) (net.Conn, error) {
			return fake(t, func(ctx context.Context, c net.Conn) { sleeping(ctx, slowAlerts{c, 300 * time.Millisecond}) })
		}, 3 * time.Second, map[string]string{"sleeping_poodle": "true"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := runPadding(t, tc.dial(t), enumerated(result.TLS12, tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA), tc.timeout)
			checkPadding(t, f, tc.want)
			if strings.Contains(f.notes["POODLE_TLS"], "none within") {
				t.Errorf("silence judged by the short wait on a server slow to refuse: %s", f.notes["POODLE_TLS"])
			}
		})
	}
}

func TestSilenceWaitBounds(t *testing.T) {
	tests := []struct {
		slowest, timeout, want time.Duration
	}{
		{time.Millisecond, 3 * time.Second, silenceFloor},
		{200 * time.Millisecond, 3 * time.Second, 2 * time.Second},
		{300 * time.Millisecond, 3 * time.Second, 0}, // the timeout itself
		{time.Millisecond, time.Second, 0},           // the floor is no shorter than the timeout
	}
	for _, tc := range tests {
		if got := silenceWait(tc.slowest, tc.timeout); got != tc.want {
			t.Errorf("silenceWait(%v, %v) = %v, want %v", tc.slowest, tc.timeout, got, tc.want)
		}
	}
}
