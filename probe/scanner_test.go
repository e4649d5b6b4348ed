package probe

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"net/http"
	"net/netip"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mhealthsec/mhealthsec/probe/fakeserver"
	"github.com/mhealthsec/mhealthsec/probe/grade"
	"github.com/mhealthsec/mhealthsec/probe/pki"
	"github.com/mhealthsec/mhealthsec/probe/result"
)

// lab is a set of loopback servers for the scanner tests.
type lab struct {
	root  *pki.Authority
	inter *pki.Authority
	cert  tls.Certificate
}

func newLab(t testing.TB) *lab {
	t.Helper()
	root, err := pki.NewRoot("probe test root")
	if err != nil {
		t.Fatal(err)
	}
	inter, err := root.NewIntermediate("probe test intermediate")
	if err != nil {
		t.Fatal(err)
	}
	cert, err := inter.Issue(pki.LeafOptions{Names: []string{"localhost", "127.0.0.1", "::1"}})
	if err != nil {
		t.Fatal(err)
	}
	return &lab{root: root, inter: inter, cert: cert}
}

// httpsServer serves h over TLS on ip (port 0) and returns its port.
func (l *lab) httpsServer(t testing.TB, ip string, h http.Handler) int {
	t.Helper()
	ln, err := net.Listen("tcp", net.JoinHostPort(ip, "0"))
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h, TLSConfig: &tls.Config{Certificates: []tls.Certificate{l.cert}}, ErrorLog: discardLog()}
	go srv.ServeTLS(ln, "", "")
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().(*net.TCPAddr).Port
}

func plainServer(t testing.TB, h http.Handler) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h, ErrorLog: discardLog()}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().(*net.TCPAddr).Port
}

// fakePort is the loopback port a fake server listens on.
func fakePort(t testing.TB, s *fakeserver.Server) int {
	t.Helper()
	_, p, err := net.SplitHostPort(s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	port, err := strconv.Atoi(p)
	if err != nil {
		t.Fatal(err)
	}
	return port
}

func hsts(v string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if v != "" {
			w.Header().Set("Strict-Transport-Security", v)
		}
		w.Write([]byte("ok"))
	})
}

func redirectTo(url string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, url, http.StatusMovedPermanently) })
}

// countingDial counts the TCP connections made and the most open at once to one IP.
type countingDial struct {
	n    atomic.Int64
	mu   sync.Mutex
	open map[string]int
	peak int
}

func (c *countingDial) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	c.n.Add(1)
	var d net.Dialer
	conn, err := d.DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	host, _, _ := net.SplitHostPort(addr)
	c.mu.Lock()
	if c.open == nil {
		c.open = map[string]int{}
	}
	c.open[host]++
	c.peak = max(c.peak, c.open[host])
	c.mu.Unlock()
	return &countedConn{Conn: conn, c: c, host: host}, nil
}

func (c *countingDial) peakOpen() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.peak
}

type countedConn struct {
	net.Conn
	c    *countingDial
	host string
	once sync.Once
}

func (cc *countedConn) Close() error {
	cc.once.Do(func() {
		cc.c.mu.Lock()
		cc.c.open[cc.host]--
		cc.c.mu.Unlock()
	})
	return cc.Conn.Close()
}

func (l *lab) scanner(t testing.TB, cfg Config) *Scanner {
	t.Helper()
	cfg.LoopbackOnly = true
	cfg.Roots = l.root.Pool()
	// Loopback servers of our own: the limits' arithmetic is tested with a fake clock
	// (limit_test.go); here only that every connection passes them (counted).
	if cfg.Rate == 0 {
		cfg.Rate = -1
	}
	if cfg.HostRate == 0 {
		cfg.HostRate = -1
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestMeasureSound(t *testing.T) {
	l := newLab(t)
	port := l.httpsServer(t, "127.0.0.1", hsts("max-age=31536000; includeSubDomains"))
	httpPort := plainServer(t, redirectTo("https://localhost/"))
	dials := &countingDial{}
	s := l.scanner(t, Config{HTTPPort: httpPort, DialContext: dials.dial})
	r := s.Measure(context.Background(), Target{Host: "localhost", Port: port, Family: IPv4})

	if r.Error != nil {
		t.Fatalf("error %v", r.Error)
	}
	if r.DurationMS < 0 || r.StartedAt.IsZero() {
		t.Errorf("started_at %v duration_ms %d", r.StartedAt, r.DurationMS)
	}
	if r.Target != "localhost:"+strconv.Itoa(port) || r.IP != "127.0.0.1" || r.SNI != "localhost" || r.Source != "probe" {
		t.Errorf("identity: %q %q %q %q", r.Target, r.IP, r.SNI, r.Source)
	}
	c := r.Certificate
	if c == nil || boolText(c.Trusted) != "true" || !c.HostnameMatch || !c.ChainComplete || c.ChainLen != 2 {
		t.Errorf("certificate %+v", c)
	}
	if r.HTTP == nil || r.HTTP.Status != 200 || r.HTTP.HSTS == nil || r.HTTP.HSTS.MaxAge != 31536000 || !r.HTTP.HSTS.IncludeSubdomains {
		t.Errorf("http %+v", r.HTTP)
	}
	if p := r.PlainHTTP; p == nil || !p.Reachable || !p.RedirectsToHTTPS || p.Port != httpPort {
		t.Errorf("plain_http %+v", p)
	}
	// Grading needs the enumerated protocols; without them the grade is null, with a note.
	if gradable, _ := grade.Gradable(&r); gradable != (r.Grade != nil) || r.Grade == nil && len(r.Notes) == 0 {
		t.Errorf("grade %+v (gradable %v), notes %q", r.Grade, gradable, r.Notes)
	}
	global, host := s.rate.counts()
	if global != dials.n.Load() || host != dials.n.Load() || global < 3 {
		t.Errorf("%d connections made, %d passed the global rate limit and %d the host's; want equal and at least 3", dials.n.Load(), global, host)
	}
	// The default host burst is sized so that a default server's whole measurement starts
	// at once; if the steps grow past it, every endpoint is paced and the burst must grow.
	if n := dials.n.Load(); n > DefaultHostBurst {
		t.Errorf("%d connections for one crypto/tls endpoint, more than DefaultHostBurst %d", n, DefaultHostBurst)
	}
}

func TestMeasureHTTPVariants(t *testing.T) {
	l := newLab(t)
	tests := []struct {
		name     string
		hsts     string
		plain    http.Handler // nil: nothing listening on the HTTP port
		maxAge   int64
		invalid  bool
		present  bool
		redirect bool
		reach    bool
	}{
		{"short hsts, no redirect", "max-age=300", hsts(""), 300, false, true, false, true},
		{"invalid hsts", "max-age=abc", redirectTo("https://localhost:8443/"), 0, true, true, true, true},
		{"no hsts, no plain http", "", nil, 0, false, false, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			port := l.httpsServer(t, "127.0.0.1", hsts(tt.hsts))
			httpPort := closedPort(t)
			if tt.plain != nil {
				httpPort = plainServer(t, tt.plain)
			}
			r := l.scanner(t, Config{HTTPPort: httpPort}).Measure(context.Background(), Target{Host: "localhost", Port: port, Family: IPv4})
			if r.Error != nil {
				t.Fatal(r.Error)
			}
			h := r.HTTP.HSTS
			// A response without the header is a measured {present: false}, never null.
			if h == nil || tt.present != h.Present || h.MaxAge != tt.maxAge || h.Invalid != tt.invalid {
				t.Errorf("hsts %+v", h)
			}
			if p := r.PlainHTTP; p == nil || !p.Checked || p.Reachable != tt.reach || p.RedirectsToHTTPS != tt.redirect {
				t.Errorf("plain_http %+v", p)
			}
		})
	}
}

// TestMeasureNotTLS: a target that speaks plain HTTP on its port gets error not_tls and
// what that port does over plain HTTP: reachable, the redirect to HTTPS, and an HSTS
// header there flagged as ignored (RFC 6797, 8.1).
func TestMeasureNotTLS(t *testing.T) {
	t.Parallel()
	l := newLab(t)
	tests := []struct {
		name                  string
		handler               http.Handler
		redirect, hstsIgnored bool
		status                int
	}{
		{"redirects to https", redirectTo("https://localhost/"), true, false, http.StatusMovedPermanently},
		{"serves a page with an HSTS header", hsts("max-age=31536000"), false, true, http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			port := plainServer(t, tt.handler)
			r := l.scanner(t, Config{ReadTimeout: time.Second}).Measure(context.Background(), Target{Host: "localhost", Port: port, Family: IPv4})
			if r.Error == nil || r.Error.Kind != result.ErrNotTLS {
				t.Fatalf("error %v, want not_tls", r.Error)
			}
			p := r.PlainHTTP
			if p == nil || !p.Checked || !p.Reachable || !p.OnTarget || p.Port != port || p.Status != tt.status ||
				p.RedirectsToHTTPS != tt.redirect || p.HSTSIgnored != tt.hstsIgnored {
				t.Errorf("plain_http %+v", p)
			}
		})
	}
}

func TestMeasureErrors(t *testing.T) {
	t.Parallel()
	l := newLab(t)
	// A plain-text server on the TLS port.
	notTLS := plainServer(t, hsts(""))
	// A server that accepts and never answers.
	silent, err := fakeserver.Start(fakeserver.Silent())
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	noDNS := &net.Resolver{PreferGo: true, Dial: func(context.Context, string, string) (net.Conn, error) {
		return nil, errors.New("no DNS in tests")
	}}
	canceled, cancel := context.WithCancel(context.Background())
	cancel()

	tests := []struct {
		name   string
		ctx    context.Context
		target Target
		cfg    Config
		want   result.ErrorKind
	}{
		{"refused", context.Background(), Target{Host: "127.0.0.1", Port: closedPort(t)}, Config{}, result.ErrConnect},
		{"not tls", context.Background(), Target{Host: "127.0.0.1", Port: notTLS}, Config{ReadTimeout: time.Second}, result.ErrNotTLS},
		{"silent", context.Background(), Target{Host: "127.0.0.1", Port: fakePort(t, silent)}, Config{ReadTimeout: 300 * time.Millisecond}, result.ErrTimeout},
		{"dns", context.Background(), Target{Host: "no-such-host.invalid", Port: 443}, Config{Resolver: noDNS}, result.ErrDNS},
		{"wrong family", context.Background(), Target{Host: "127.0.0.1", Port: 443, Family: IPv6}, Config{}, result.ErrDNS},
		{"not loopback", context.Background(), Target{Host: "192.0.2.1", Port: 443}, Config{}, result.ErrConnect},
		{"canceled", canceled, Target{Host: "127.0.0.1", Port: notTLS}, Config{}, result.ErrCanceled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.cfg.HTTPPort = -1
			r := l.scanner(t, tt.cfg).Measure(tt.ctx, tt.target)
			if r.Error == nil || r.Error.Kind != tt.want {
				t.Fatalf("error %v, want kind %s", r.Error, tt.want)
			}
			if r.Grade != nil || r.Target != tt.target.String() {
				t.Errorf("failed endpoint: grade %+v target %q", r.Grade, r.Target)
			}
		})
	}
}

func TestMeasureIPv6(t *testing.T) {
	ln, err := net.Listen("tcp", "[::1]:0")
	if err != nil {
		t.Skip("no IPv6 loopback here:", err)
	}
	ln.Close()
	l := newLab(t)
	port := l.httpsServer(t, "::1", hsts(""))
	r := l.scanner(t, Config{HTTPPort: -1}).Measure(context.Background(), Target{Host: "::1", Port: port})
	if r.Error != nil || r.IP != "::1" || r.Target != "[::1]:"+strconv.Itoa(port) || r.SNI != "" {
		t.Fatalf("ipv6: error %v ip %q target %q sni %q", r.Error, r.IP, r.Target, r.SNI)
	}
	if r.Certificate == nil || !r.Certificate.HostnameMatch {
		t.Errorf("certificate %+v, want a match on the IP SAN ::1", r.Certificate)
	}
	if r.PlainHTTP != nil {
		t.Errorf("plain_http %+v with the check off, want null", r.PlainHTTP)
	}
}

func closedPort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	return port
}

func TestDialClosesLeftoverConnections(t *testing.T) {
	l := newLab(t)
	port := l.httpsServer(t, "127.0.0.1", hsts(""))
	s := l.scanner(t, Config{PerHostConns: 1})
	measurement, end := context.WithCancel(context.Background())
	addr := netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(port))
	conn, err := s.dial(context.Background(), measurement, addr)
	if err != nil {
		t.Fatal(err)
	}
	// The only slot is taken: a second dial waits.
	short, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.dial(short, measurement, addr); err == nil {
		t.Fatal("second connection granted past PerHostConns 1")
	}
	end() // the measurement ends with conn still open: it is closed and its slot freed
	conn2, err := s.dial(context.Background(), context.Background(), addr)
	if err != nil {
		t.Fatal(err)
	}
	conn2.Close()
	if _, err := conn.Write([]byte("x")); err == nil {
		t.Error("leftover connection still writable after its measurement ended")
	}
}

// TestMeasureSSLv2Only checks that an endpoint enumeration found to speak SSL 2.0 only is
// assessed (protocol, grade F) without the certificate and HTTP-over-TLS steps, which
// cannot talk to it: they are skipped with a note and open no connection.
func TestMeasureSSLv2Only(t *testing.T) {
	t.Parallel()
	l := newLab(t)
	leaf, err := l.inter.Issue(pki.LeafOptions{Key: pki.RSA2048})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := fakeserver.Start(fakeserver.SSLv2(fakeserver.SSLv2Options{Certificate: leaf.Certificate[0]}))
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	port := fakePort(t, srv)
	// measure returns what the endpoint measures as and how many connections it took; its
	// scanner is made here, on the test's goroutine, where t.Fatal may be called.
	measure := func(skip bool) func() (result.Result, int64) {
		dials := &countingDial{}
		s := l.scanner(t, Config{HTTPPort: -1, ReadTimeout: time.Second, DialContext: dials.dial})
		if !skip {
			s.skipTLSStepsOnSSLv2 = false
		}
		return func() (result.Result, int64) {
			r := s.Measure(context.Background(), Target{Host: "127.0.0.1", Port: port})
			return r, dials.n.Load()
		}
	}
	withSkipRun, withoutRun := measure(true), measure(false)
	// The two measurements wait out the same timeouts: take them side by side.
	var without int64
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, without = withoutRun()
	}()
	r, withSkip := withSkipRun()
	<-done
	if r.Error != nil {
		t.Fatalf("error %v, notes %q", r.Error, r.Notes)
	}
	if got := r.Protocols.List(); len(got) != 1 || got[0] != result.SSLv2 {
		t.Errorf("protocols %v, want SSLv2 only", got)
	}
	for _, step := range []string{"certificate", "http"} {
		if !slices.Contains(r.Notes, step+": skipped: the endpoint speaks SSL 2.0 only") {
			t.Errorf("no skip note for %s in %q", step, r.Notes)
		}
	}
	if r.Certificate != nil || r.HTTP != nil {
		t.Errorf("certificate %+v http %+v, want both null (not measured)", r.Certificate, r.HTTP)
	}
	if r.Grade == nil || r.Grade.Letter != "F" {
		t.Errorf("grade %+v, want F (SSL 2.0)", r.Grade)
	}
	if withSkip >= without {
		t.Errorf("%d connections with the skip, %d without: the skipped steps still dialled", withSkip, without)
	}
}

// TestMeasureSSLv3Only checks an endpoint crypto/tls cannot talk to at all: enumeration
// and the raw certificate fallback still assess it; HTTP fails without failing it.
func TestMeasureSSLv3Only(t *testing.T) {
	l := newLab(t)
	rsa, err := l.inter.Issue(pki.LeafOptions{Key: pki.RSA2048})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := fakeserver.Start(fakeserver.SSLv3(fakeserver.SSLv3Options{Chain: rsa.Certificate}))
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	port := fakePort(t, srv)
	r := l.scanner(t, Config{HTTPPort: -1, ReadTimeout: time.Second}).Measure(context.Background(), Target{Host: "127.0.0.1", Port: port})
	if r.Error != nil {
		t.Fatalf("error %v, notes %q", r.Error, r.Notes)
	}
	if !r.Protocols.Supported(result.SSLv3) || r.Protocols.Supported(result.TLS12) {
		t.Errorf("protocols %v", r.Protocols.List())
	}
	if r.Certificate == nil || r.Certificate.ChainLen != 2 || boolText(r.Certificate.Trusted) != "true" {
		t.Errorf("certificate %+v", r.Certificate)
	}
	if r.HTTP == nil || r.HTTP.Error == "" {
		t.Errorf("http %+v, want an error recorded", r.HTTP)
	}
	if r.Grade == nil {
		t.Errorf("no grade; notes %q", r.Notes)
	}
}

// TestMeasureNotTLSWaitsNoTimeout: once enumeration finds a port that does not speak TLS,
// the TLS checks are not started, so none of them waits out its read timeout on a server
// that waits for the end of an HTTP request line (a ClientHello holds no newline, often).
// The timeout is long enough that waiting it out even once fails the test.
func TestMeasureNotTLSWaitsNoTimeout(t *testing.T) {
	t.Parallel()
	l := newLab(t)
	port := plainServer(t, hsts(""))
	const timeout = 20 * time.Second
	start := time.Now()
	r := l.scanner(t, Config{ReadTimeout: timeout, HTTPPort: -1}).Measure(context.Background(), Target{Host: "127.0.0.1", Port: port})
	if r.Error == nil || r.Error.Kind != result.ErrNotTLS {
		t.Fatalf("error %v, want not_tls", r.Error)
	}
	if took := time.Since(start); took >= timeout {
		t.Errorf("a not-TLS endpoint took %v: some check waited out its %v read timeout", took, timeout)
	}
}
