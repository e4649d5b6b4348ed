//go:debug tlsrsakex=1
//go:debug tls3des=1

package enum

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mhealthsec/mhealthsec/probe/check"
	"github.com/mhealthsec/mhealthsec/probe/fakeserver"
	"github.com/mhealthsec/mhealthsec/probe/internal/peertest"
	"github.com/mhealthsec/mhealthsec/probe/pki"
	"github.com/mhealthsec/mhealthsec/probe/result"
	"github.com/mhealthsec/mhealthsec/probe/tlswire"
)

// The go:debug lines at the top make crypto/tls serve the RSA key exchange and 3DES suites when a
// config lists them, so that the configured list is the whole truth about the server.

func dialer(addr string) func(context.Context) (net.Conn, error) {
	return func(ctx context.Context) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "tcp", addr)
	}
}

// acceptedByGo derives from a crypto/tls config which suites it accepts in each protocol:
// a listed suite that the protocol version supports and whose authentication matches the
// certificate. TLS 1.3 suites are not configurable in crypto/tls: all three are accepted.
func acceptedByGo(cfg *tls.Config, ecdsaCert bool) map[result.Protocol][]string {
	info := map[uint16]*tls.CipherSuite{}
	for _, s := range append(tls.CipherSuites(), tls.InsecureCipherSuites()...) {
		info[s.ID] = s
	}
	out := map[result.Protocol][]string{}
	for v := cfg.MinVersion; v <= cfg.MaxVersion; v++ {
		p, _ := result.ProtocolFromVersion(v)
		if v == tls.VersionTLS13 {
			out[p] = []string{"0x1301", "0x1302", "0x1303"}
			continue
		}
		for _, id := range cfg.CipherSuites {
			s := info[id]
			if !slices.Contains(s.SupportedVersions, v) || strings.Contains(s.Name, "ECDSA") != ecdsaCert {
				continue
			}
			out[p] = append(out[p], fmt.Sprintf("0x%04x", id))
		}
	}
	return out
}

func suiteIDs(ids []*tls.CipherSuite) []uint16 {
	var out []uint16
	for _, s := range ids {
		out = append(out, s.ID)
	}
	return out
}

// acceptedSets groups r.Ciphers by protocol, sorted.
func acceptedSets(r *result.Result) map[result.Protocol][]string {
	out := map[result.Protocol][]string{}
	for _, c := range r.Ciphers {
		out[c.Protocol] = append(out[c.Protocol], c.ID)
	}
	for _, ids := range out {
		slices.Sort(ids)
	}
	return out
}

func sameSets(t *testing.T, got, want map[result.Protocol][]string) {
	t.Helper()
	for _, p := range result.AllProtocols() {
		w := slices.Clone(want[p])
		slices.Sort(w)
		if !slices.Equal(got[p], w) {
			t.Errorf("%s: accepted %v, want %v", p, got[p], w)
		}
	}
}

func TestMeasureGoServers(t *testing.T) {
	t.Parallel()
	rsa, ecdsa := peertest.Leaf(t, pki.RSA2048), peertest.Leaf(t, pki.ECDSA256)
	all := suiteIDs(append(tls.CipherSuites(), tls.InsecureCipherSuites()...))
	tests := []struct {
		name      string
		cfg       *tls.Config
		ecdsa     bool
		wantGroup string
		wantBits  int
	}{
		{"tls12-13 rsa", &tls.Config{Certificates: []tls.Certificate{rsa}, MinVersion: tls.VersionTLS12, MaxVersion: tls.VersionTLS13,
			CipherSuites: []uint16{0xc02f, 0xc030, 0xcca8}}, false, "x25519", 253},
		{"tls10-12 insecure rsa p384", &tls.Config{Certificates: []tls.Certificate{rsa}, MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS12,
			CipherSuites: all, CurvePreferences: []tls.CurveID{tls.CurveP384}}, false, "secp384r1", 384},
		{"tls11-13 ecdsa", &tls.Config{Certificates: []tls.Certificate{ecdsa}, MinVersion: tls.VersionTLS11, MaxVersion: tls.VersionTLS13,
			CipherSuites: all}, true, "x25519", 253},
		{"tls13 only", &tls.Config{Certificates: []tls.Certificate{ecdsa}, MinVersion: tls.VersionTLS13, MaxVersion: tls.VersionTLS13},
			true, "x25519", 253},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addr := peertest.ServeGo(t, tt.cfg, nil).Addr
			var r result.Result
			if err := Measure(context.Background(), Config{ConnConfig: check.ConnConfig{Dial: dialer(addr), SNI: "localhost"}}, &r); err != nil {
				t.Fatalf("Measure: %v (notes %v)", err, r.Notes)
			}
			for _, p := range result.AllProtocols() {
				want := p.Version() >= tt.cfg.MinVersion && p.Version() <= tt.cfg.MaxVersion
				if got := r.Protocols.Get(p); got == nil || *got != want {
					t.Errorf("%s = %v, want %v", p, got, want)
				}
			}
			sameSets(t, acceptedSets(&r), acceptedByGo(tt.cfg, tt.ecdsa))
			for _, c := range r.Ciphers {
				if c.Name == "" || c.Name == "unknown" || c.Bits == 0 {
					t.Errorf("cipher %+v lacks table properties", c)
				}
				if c.ForwardSecrecy && (c.Group != tt.wantGroup || c.KxBits != tt.wantBits) {
					t.Errorf("%s %s: group %s/%d, want %s/%d", c.Protocol, c.Name, c.Group, c.KxBits, tt.wantGroup, tt.wantBits)
				}
				if c.Kx == "RSA" && c.KxBits != 2048 {
					t.Errorf("%s %s: RSA key exchange of %d bits, want the 2048-bit certificate key", c.Protocol, c.Name, c.KxBits)
				}
			}
			// crypto/tls always picks by its own preference for TLS 1.0–1.2.
			for _, p := range []result.Protocol{result.TLS10, result.TLS11, result.TLS12} {
				if len(acceptedByGo(tt.cfg, tt.ecdsa)[p]) >= 2 {
					if o, ok := r.ServerOrder[p]; !ok || !o {
						t.Errorf("server order %s = %v (%v), want true", p, o, ok)
					}
				}
			}
			if len(r.ModernClients) != 3 || r.ModernClient == nil {
				t.Fatalf("modern clients: %+v", r.ModernClients)
			}
			for _, n := range r.ModernClients {
				best := result.TLS12
				if tt.cfg.MaxVersion == tls.VersionTLS13 {
					best = result.TLS13
				}
				if n.Error != "" || n.Protocol != best {
					t.Errorf("%s negotiated %+v, want %s", n.Client, n, best)
				}
			}
		})
	}
}

func TestMeasureFakes(t *testing.T) {
	t.Parallel()
	chain, err := fakeserver.NewChain(pki.RSA2048)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		h       fakeserver.Handler
		want    map[result.Protocol][]string
		only    result.Protocol
		ordered bool
	}{
		{"sslv3", fakeserver.SSLv3(fakeserver.SSLv3Options{Suites: []uint16{0x000a, 0x0005, 0x0004}, Chain: chain}),
			map[result.Protocol][]string{result.SSLv3: {"0x000a", "0x0005", "0x0004"}}, result.SSLv3, true},
		{"sslv2", fakeserver.SSLv2(fakeserver.SSLv2Options{Certificate: chain[0],
			CipherKinds: []uint32{tlswire.SSLv2RC4128WithMD5, tlswire.SSLv2DES192EDE3CBCWithMD5}}),
			map[result.Protocol][]string{result.SSLv2: {"0x010080", "0x0700c0"}}, result.SSLv2, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := fakeserver.Start(tt.h)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			var r result.Result
			if err := Measure(context.Background(), Config{ConnConfig: check.ConnConfig{Dial: s.Dial, Timeout: 2 * time.Second}}, &r); err != nil {
				t.Fatalf("Measure: %v", err)
			}
			for _, p := range result.AllProtocols() {
				if got := r.Protocols.Get(p); got == nil || *got != (p == tt.only) {
					t.Errorf("%s = %v, want %v", p, got, p == tt.only)
				}
			}
			sameSets(t, acceptedSets(&r), tt.want)
			if tt.ordered && !r.ServerOrder[tt.only] {
				t.Errorf("server order %s = %v, want true", tt.only, r.ServerOrder)
			}
			for _, n := range r.ModernClients {
				if n.Error == "" {
					t.Errorf("%s negotiated with a %s-only server: %+v", n.Client, tt.only, n)
				}
			}
		})
	}
}

func TestMeasureHostile(t *testing.T) {
	t.Parallel()
	chain, err := fakeserver.NewChain(pki.ECDSA256)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		h    fakeserver.Handler
		want result.ErrorKind
	}{
		{"garbage", fakeserver.Garbage(), result.ErrNotTLS},
		{"plain http", fakeserver.PlainHTTP(), result.ErrNotTLS},
		{"drip", fakeserver.Drip(100 * time.Millisecond), result.ErrTimeout},
		{"reset", fakeserver.Reset(), result.ErrProtocol},
		{"oversized record", fakeserver.Oversized(), result.ErrProtocol},
		{"100-certificate chain", fakeserver.LongChain(chain[0], 100), result.ErrProtocol},
		{"silent", fakeserver.Silent(), result.ErrTimeout},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, err := fakeserver.Start(tt.h)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			// The context is a backstop far above the per-connection timeout: Measure
			// must come back on its own, with a classified error.
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			var r result.Result
			err = Measure(ctx, Config{ConnConfig: check.ConnConfig{Dial: s.Dial, Timeout: 1500 * time.Millisecond}}, &r)
			if ctx.Err() != nil {
				t.Fatal("Measure ran into the backstop context")
			}
			var re *result.Error
			if !errors.As(err, &re) || r.Error == nil || r.Error.Kind != tt.want {
				t.Fatalf("err = %v, r.Error = %+v; want kind %s", err, r.Error, tt.want)
			}
		})
	}
}

func TestMeasureConnectAndCancel(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens here now
	var r result.Result
	if err := Measure(context.Background(), Config{ConnConfig: check.ConnConfig{Dial: dialer(addr), Timeout: time.Second}}, &r); r.Error == nil || r.Error.Kind != result.ErrConnect {
		t.Errorf("closed port: err %v, r.Error %+v; want connect", err, r.Error)
	}
	for _, p := range result.AllProtocols() {
		if r.Protocols.Get(p) != nil {
			t.Errorf("closed port: %s = %v, want null (not checked)", p, *r.Protocols.Get(p))
		}
	}

	s, err := fakeserver.Start(fakeserver.Silent())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	r = result.Result{}
	Measure(ctx, Config{ConnConfig: check.ConnConfig{Dial: s.Dial, Timeout: time.Minute}}, &r)
	if r.Error == nil || r.Error.Kind != result.ErrCanceled {
		t.Errorf("canceled: r.Error = %+v, want canceled", r.Error)
	}

	if err := Measure(context.Background(), Config{}, &r); !errors.Is(err, ErrNoDial) {
		t.Errorf("nil Dial: %v", err)
	}
}

// teeConn records what a handler reads, so a test can look at the hellos it was sent.
type teeConn struct {
	net.Conn
	read func([]byte)
}

func (c teeConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	c.read(b[:n])
	return n, err
}

// TestMeasureChunksAndSNI checks that suites far down the candidate list (only in a later
// hello) are found, that no hello carries more than 128 suites, and that SNI is sent.
func TestMeasureChunksAndSNI(t *testing.T) {
	t.Parallel()
	chain, err := fakeserver.NewChain(pki.RSA2048)
	if err != nil {
		t.Fatal(err)
	}
	exotic := []uint16{0x0080, 0x001e, 0x000a} // GOST, KRB5, 3DES
	inner := fakeserver.SSLv3(fakeserver.SSLv3Options{Suites: exotic, Chain: chain})
	var mu sync.Mutex
	var hellos []*tlswire.ClientHello
	s, err := fakeserver.Start(func(ctx context.Context, conn net.Conn) {
		var buf []byte
		inner(ctx, teeConn{conn, func(b []byte) { buf = append(buf, b...) }})
		if m, err := tlswire.NewHandshakeReader(bytes.NewReader(buf)).ReadMessage(); err == nil && m.Type == tlswire.TypeClientHello {
			if ch, err := tlswire.ParseClientHello(m.Body); err == nil {
				mu.Lock()
				hellos = append(hellos, ch)
				mu.Unlock()
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	var r result.Result
	err = Measure(context.Background(), Config{ConnConfig: check.ConnConfig{Dial: s.Dial, SNI: "example.test"}}, &r)
	s.Close() // waits for the handlers, so hellos is complete
	if err != nil {
		t.Fatal(err)
	}
	sameSets(t, acceptedSets(&r), map[result.Protocol][]string{result.SSLv3: {"0x0080", "0x001e", "0x000a"}})
	if len(hellos) == 0 {
		t.Fatal("no hellos recorded")
	}
	sni := 0
	for _, ch := range hellos {
		if len(ch.CipherSuites) > tlswire.MaxHelloSuites {
			t.Errorf("hello with %d suites", len(ch.CipherSuites))
		}
		if ch.ServerName == "example.test" {
			sni++
		} else if ch.Version != tlswire.VersionSSL3 && ch.ServerName != "" {
			t.Errorf("hello with server name %q", ch.ServerName)
		}
	}
	if sni == 0 {
		t.Error("no hello carried the SNI")
	}
}

// TestMeasureRetriesOnce checks that one broken connection does not cost a suite or the
// endpoint, while a failure that repeats is reported.
func TestMeasureRetriesOnce(t *testing.T) {
	t.Parallel()
	chain, err := fakeserver.NewChain(pki.RSA2048)
	if err != nil {
		t.Fatal(err)
	}
	sslv3 := fakeserver.SSLv3(fakeserver.SSLv3Options{Suites: []uint16{0x000a, 0x0005}, Chain: chain})
	garbage := fakeserver.Garbage()
	tests := []struct {
		name      string
		broken    func(n int64) bool // which connections (1 = the first) get garbage
		wantError bool
	}{
		{"second connection broken", func(n int64) bool { return n == 2 }, false},
		{"every connection after the first broken", func(n int64) bool { return n > 1 }, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var count atomic.Int64
			s, err := fakeserver.Start(func(ctx context.Context, conn net.Conn) {
				if tt.broken(count.Add(1)) {
					garbage(ctx, conn)
					return
				}
				sslv3(ctx, conn)
			})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			var r result.Result
			err = Measure(context.Background(), Config{ConnConfig: check.ConnConfig{Dial: s.Dial, Timeout: 2 * time.Second}}, &r)
			if tt.wantError {
				if err == nil || r.Error == nil {
					t.Fatalf("persistent failures: no error (protocols %+v)", r.Protocols)
				}
				return
			}
			if err != nil {
				t.Fatalf("one broken connection: %v (notes %v)", err, r.Notes)
			}
			sameSets(t, acceptedSets(&r), map[result.Protocol][]string{result.SSLv3: {"0x000a", "0x0005"}})
		})
	}
}
