// Package probe is the scanner: it measures TLS endpoints (protocols and ciphers,
// certificate, HTTP and plain-HTTP behaviour, vulnerabilities), grades them and writes one
// result per endpoint. The measurements live in sub-packages (enum, certcheck, httpcheck,
// vuln, grade); this package resolves targets, owns the one dialer every connection goes
// through (per-host and global rate limits, per-host bounds, timeouts, loopback-only for
// tests), runs the checks (probe/check) by the table in Scanner.steps, classifies
// failures, and streams results of a whole scan with resume.
//
// # Adding a check
//
// A check is one file and one table row. Write a type with the check.Check methods in
// the package that measures (a check.go beside the measurement, as in probe/vuln): Name,
// and Run, which fills the check's fields of the result from the check.Endpoint it is
// given, leaves what it cannot measure null with a note, and returns an error only when
// it could not measure at all. Configure it in the scanner's table (Scanner.steps) with
// whether its failure makes the endpoint unassessable (core), whether it handshakes
// with SSL 3.0 or TLS (tls: it waits for the enumeration's first TLS answer and is
// skipped on an SSL 2.0-only endpoint), and whether it reads what the others found
// (late).
package probe

import (
	"context"
	"crypto/x509"
	"fmt"
	"net"
	"net/netip"
	"os"
	"reflect"
	"sync"
	"time"

	"github.com/mhealthsec/mhealthsec/probe/certcheck"
	"github.com/mhealthsec/mhealthsec/probe/check"
	"github.com/mhealthsec/mhealthsec/probe/clientsim"
	"github.com/mhealthsec/mhealthsec/probe/enum"
	"github.com/mhealthsec/mhealthsec/probe/grade"
	"github.com/mhealthsec/mhealthsec/probe/httpcheck"
	"github.com/mhealthsec/mhealthsec/probe/result"
	"github.com/mhealthsec/mhealthsec/probe/session"
	"github.com/mhealthsec/mhealthsec/probe/vuln"
)

// Config tunes a Scanner. Zero values take the defaults named.
type Config struct {
	// Concurrency is how many endpoints Run measures at once (default 16).
	Concurrency int
	// PerHost is how many endpoints of one IP address are measured at once (default 2).
	PerHost int
	// PerHostConns is how many connections to one IP address are open at once, over all
	// its endpoints and the steps' parallel probes (default 4). A connection a step
	// leaves open is closed when its endpoint's measurement ends.
	PerHostConns int
	// HostRate is the number of new connections per second to one IP address (default
	// 50), after a burst of HostBurst (default 60: one endpoint's measurement needs 32
	// connections on crypto/tls's defaults, 56 on OpenSSL's with an RSA key, 68 on
	// GnuTLS's, so it starts at once); negative means unlimited. It is the politeness limit: what one server sees
	// of us, however many of its endpoints are measured.
	HostRate  float64
	HostBurst int
	// Rate is the ceiling on new connections per second over the whole scan (default
	// 1000), after a burst of RateBurst (default 100); negative means unlimited. It keeps
	// a scan of many hosts from flooding our own machine and network.
	Rate      float64
	RateBurst int
	// ConnectTimeout bounds one TCP connect (default 5 s); ReadTimeout one exchange on an
	// open connection, such as a handshake or an HTTP request (default 5 s).
	ConnectTimeout time.Duration
	ReadTimeout    time.Duration
	// Deadline bounds the whole measurement of one endpoint (default 3 min).
	Deadline time.Duration
	// OverallDeadline bounds a Run; when it passes Run stops like on cancel (0: none).
	OverallDeadline time.Duration
	// CAFile is a PEM bundle trusted instead of the system roots (Roots wins if set).
	CAFile string
	Roots  *x509.CertPool
	// HTTPPort is the port of the plain-HTTP check (default 80); negative skips the check.
	HTTPPort int
	// Criteria is the grading version (default grade.Default).
	Criteria grade.Criteria
	// LoopbackOnly refuses every connection outside 127.0.0.0/8 and ::1 (tests, the lab).
	LoopbackOnly bool
	// NoAIA stops completing a chain that lacks its issuer from the certificate's AIA
	// caIssuers URL, as SSL Labs and browsers do (the chain then stays untrusted, T,
	// instead of trusted but incomplete, cap B).
	NoAIA bool
	// AllowFetchTo widens the fetch policy (probe/fetchpolicy) for URLs the scanned
	// server chooses (AIA, OCSP, CRL): addresses in these prefixes may be fetched at any
	// port, whatever the target's class (--allow-fetch-to).
	AllowFetchTo []netip.Prefix
	// Resolver resolves host names; nil means net.DefaultResolver.
	Resolver *net.Resolver
	// DialContext makes the TCP connections after the limits are applied; nil means a
	// net.Dialer. Tests use it to count.
	DialContext func(ctx context.Context, network, addr string) (net.Conn, error)
	// Now is the clock for certificate validity; nil means time.Now.
	Now func() time.Time
}

// Defaults.
const (
	DefaultConcurrency    = 16
	DefaultPerHost        = 2
	DefaultPerHostConns   = 4
	DefaultHostRate       = 50
	DefaultHostBurst      = 60
	DefaultRate           = 1000
	DefaultRateBurst      = 100
	DefaultConnectTimeout = 5 * time.Second
	DefaultReadTimeout    = 5 * time.Second
	DefaultDeadline       = 3 * time.Minute
	DefaultHTTPPort       = 80
)

func (c Config) withDefaults() Config {
	if c.Concurrency <= 0 {
		c.Concurrency = DefaultConcurrency
	}
	if c.PerHost <= 0 {
		c.PerHost = DefaultPerHost
	}
	if c.PerHostConns <= 0 {
		c.PerHostConns = DefaultPerHostConns
	}
	if c.HostRate == 0 {
		c.HostRate = DefaultHostRate
	}
	if c.HostBurst <= 0 {
		c.HostBurst = DefaultHostBurst
	}
	if c.Rate == 0 {
		c.Rate = DefaultRate
	}
	if c.RateBurst <= 0 {
		c.RateBurst = DefaultRateBurst
	}
	if c.ConnectTimeout <= 0 {
		c.ConnectTimeout = DefaultConnectTimeout
	}
	if c.ReadTimeout <= 0 {
		c.ReadTimeout = DefaultReadTimeout
	}
	if c.Deadline <= 0 {
		c.Deadline = DefaultDeadline
	}
	if c.HTTPPort == 0 {
		c.HTTPPort = DefaultHTTPPort
	}
	if c.Criteria == "" {
		c.Criteria = grade.Default
	}
	if c.Resolver == nil {
		c.Resolver = net.DefaultResolver
	}
	if c.DialContext == nil {
		c.DialContext = (&net.Dialer{}).DialContext
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c
}

// Scanner measures endpoints. It is safe for concurrent use; the limits are shared by
// every Measure and Run on it.
type Scanner struct {
	cfg   Config
	rate  *rateLimiter
	hosts *hostSlots // endpoints per IP
	conns *hostSlots // connections per IP
	// measure is what Run calls per target: Measure, or a counting stand-in in tests.
	measure func(context.Context, Target) result.Result
	// skipTLSStepsOnSSLv2 is always true outside tests, which turn it off to count the
	// connections the skip saves.
	skipTLSStepsOnSSLv2 bool
	// steps are the checks, configured at New.
	steps []step
	// serverChosenDial replaces dial for server-chosen fetches in the test that proves
	// they all go through fetcher; nil means dial.
	serverChosenDial func(ctx, measurement context.Context, addr netip.AddrPort) (net.Conn, error)
}

// New makes a scanner, loading CAFile if given.
func New(cfg Config) (*Scanner, error) {
	cfg = cfg.withDefaults()
	if cfg.Roots == nil && cfg.CAFile != "" {
		pem, err := os.ReadFile(cfg.CAFile)
		if err != nil {
			return nil, fmt.Errorf("read CA file: %w", err)
		}
		cfg.Roots = x509.NewCertPool()
		if !cfg.Roots.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("CA file %s: no PEM certificate in it", cfg.CAFile)
		}
	}
	s := &Scanner{
		cfg:   cfg,
		rate:  newRateLimiter(cfg.Rate, cfg.RateBurst, cfg.HostRate, cfg.HostBurst, realClock()),
		hosts: newHostSlots(cfg.PerHost),
		conns: newHostSlots(cfg.PerHostConns),

		skipTLSStepsOnSSLv2: true,
	}
	var rootCerts []*x509.Certificate
	if cfg.CAFile != "" {
		rootCerts = certcheck.PEMCertificates(cfg.CAFile)
	}
	s.steps = []step{
		{Check: enum.Checker{}, core: true},
		{Check: certcheck.Checker{Roots: cfg.Roots, RootCerts: rootCerts, Now: cfg.Now, NoAIA: cfg.NoAIA}, core: true, tls: true},
		{Check: httpcheck.Checker{DialTLSFallback: dialTLS12}, tls: true},
		{Check: httpcheck.PlainChecker{}},
		{Check: session.Checker{}, tls: true},
		{Check: vuln.Checker{}, late: true},
		{Check: clientsim.Checker{}, late: true},
	}
	s.measure = s.Measure
	return s, nil
}

// Config returns the configuration in effect, defaults filled in.
func (s *Scanner) Config() Config { return s.cfg }

// dial opens a connection to addr once the per-host connection limit and the per-host
// and global rates allow. Every connection of every step comes through here. ctx bounds the wait and the connect; the connection is closed at the
// latest when measurement (the endpoint's context) ends.
func (s *Scanner) dial(ctx, measurement context.Context, addr netip.AddrPort) (net.Conn, error) {
	if s.cfg.LoopbackOnly && !addr.Addr().IsLoopback() {
		return nil, fmt.Errorf("connect %s: %w", addr, errNotLoopback)
	}
	release, err := s.conns.acquire(ctx, addr.Addr().String())
	if err != nil {
		return nil, fmt.Errorf("connect %s: waiting for a free connection slot: %w", addr, err)
	}
	if err := s.rate.wait(ctx, addr.Addr().String()); err != nil {
		release()
		return nil, fmt.Errorf("connect %s: waiting for the rate limit: %w", addr, err)
	}
	cctx, cancel := context.WithTimeout(ctx, s.cfg.ConnectTimeout)
	defer cancel()
	conn, err := s.cfg.DialContext(cctx, "tcp", addr.String())
	if err != nil {
		release()
		if ctx.Err() != nil {
			// The caller's deadline or cancel, not the connect timeout.
			return nil, fmt.Errorf("dial %s: %w", addr, ctx.Err())
		}
		return nil, err // a *net.OpError already names the address
	}
	lc := &limitedConn{Conn: conn, release: release}
	lc.stop = context.AfterFunc(measurement, func() { lc.Close() })
	return lc, nil
}

// limitedConn gives its host connection slot back when closed.
type limitedConn struct {
	net.Conn
	once    sync.Once
	release func()
	stop    func() bool
}

func (c *limitedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() {
		if c.stop != nil {
			c.stop()
		}
		c.release()
	})
	return err
}

// endpoint describes addr of t to the checks; their connections are closed at the latest
// when measurement ends.
func (s *Scanner) endpoint(measurement context.Context, t Target, addr netip.AddrPort) check.Endpoint {
	e := check.Endpoint{
		Addr:     addr,
		Host:     t.Host,
		HTTPPort: t.HTTPPort,
		ConnConfig: check.ConnConfig{
			Dial:    func(ctx context.Context) (net.Conn, error) { return s.dial(ctx, measurement, addr) },
			SNI:     t.serverName(),
			Timeout: s.cfg.ReadTimeout,
		},
		DialPort: func(ctx context.Context, port uint16) (net.Conn, error) {
			return s.dial(ctx, measurement, netip.AddrPortFrom(addr.Addr(), port))
		},
		Fetcher: s.fetcher(measurement, addr),
	}
	if t.SNI != "" {
		e.Host = t.SNI
	}
	if e.HTTPPort == 0 {
		e.HTTPPort = s.cfg.HTTPPort
	}
	return e
}

// step is a row of the scanner's table: a check and how it is scheduled. A core check's
// failure means the endpoint cannot be assessed. A tls check handshakes with SSL 3.0 or
// TLS, so it is skipped on an endpoint that enumeration found to speak SSL 2.0 only,
// rather than left to wait out its timeouts. A late check reads what the others put in
// the result, so it starts once they are done; the others run at the same time, within
// the per-host connection budget: at a real round-trip time a measurement is a few
// rounds of connections, not a sum of checks.
//
// The table (New) lists the checks in the order their results and failures are
// reported. Enumeration comes first and writes the result itself; the vulnerability
// checks read the enumerated suites and the HTTP answer; grading reads all.
type step struct {
	check.Check
	core bool
	tls  bool
	late bool
}

// dialTLS12 is the HTTP check's way to a server crypto/tls cannot handshake with: the
// probe's raw TLS 1.2 client.
func dialTLS12(ctx context.Context, e check.Endpoint) (net.Conn, error) {
	return vuln.DialTLS12(ctx, e.Dial, e.SNI, e.Timeout)
}

// stepRun is what one concurrent step produced, merged into the result in step order.
type stepRun struct {
	part    result.Result
	err     error
	skipped bool
}

// Measure resolves t and measures its first address (the first the resolver returns in
// t.Family; the others are named in Notes). It always returns a result: an endpoint
// that cannot be assessed has Error set and Grade nil.
func (s *Scanner) Measure(ctx context.Context, t Target) (r result.Result) {
	start := time.Now()
	r = result.Result{
		Target:    t.String(),
		Host:      t.Host,
		Port:      t.Port,
		SNI:       t.serverName(),
		StartedAt: start.UTC().Truncate(time.Millisecond),
		Source:    result.SourceProbe,
	}
	defer func() { r.DurationMS = time.Since(start).Milliseconds() }()
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Deadline)
	defer cancel()

	addr, others, err := s.resolve(ctx, t)
	if err != nil {
		r.Error = newError(err)
		return r
	}
	r.IP = addr.String()
	for _, o := range others {
		r.Notes = append(r.Notes, "also resolves to "+o.String()+" (not measured)")
	}
	release, err := s.hosts.acquire(ctx, r.IP)
	if err != nil {
		r.Error = newError(fmt.Errorf("waiting for a free slot on %s: %w", r.IP, err))
		return r
	}
	defer release()

	ep := s.endpoint(ctx, t, netip.AddrPortFrom(addr, uint16(t.Port)))
	// The tls steps start as soon as enumeration saw an SSL 3.0/TLS answer (its first
	// hello, usually), or once it ended without one.
	tlsSeen := make(chan struct{})
	var once sync.Once
	ep.TLSSeen = func() { once.Do(func() { close(tlsSeen) }) }
	enumDone := make(chan struct{})

	steps := s.steps
	runs := make([]stepRun, len(steps))
	var wg sync.WaitGroup
	for i, st := range steps {
		if st.late {
			continue
		}
		wg.Go(func() {
			if i == 0 {
				defer close(enumDone)
				runs[i].err = st.Run(ctx, ep, &r)
				return
			}
			if st.tls {
				select {
				case <-tlsSeen:
				case <-enumDone:
					// r and runs[0] are the enumeration's and complete: safe to read.
					if runs[0].err != nil && !s.otherProtocols(&r) {
						// The endpoint is unassessable (not TLS, silent, refused): Measure
						// returns at the enumeration's error and drops what this step
						// would measure, so do not wait out its timeouts on, say, a
						// plain-HTTP port that never answers a ClientHello.
						runs[i].skipped = true
						return
					}
					if s.skipTLSStepsOnSSLv2 && onlySSLv2(&r) {
						runs[i].skipped = true
						return
					}
				}
			}
			runs[i].err = st.Run(ctx, ep, &runs[i].part)
		})
	}
	wg.Wait()
	for i, st := range steps {
		if st.late {
			runs[i].err = st.Run(ctx, ep, &r)
		}
		if i > 0 && !st.late {
			if runs[i].skipped {
				r.Notes = append(r.Notes, st.Name()+": skipped: the endpoint speaks SSL 2.0 only")
				continue
			}
			merge(&r, &runs[i].part)
		}
		err := runs[i].err
		if err == nil {
			continue
		}
		err = fmt.Errorf("%s: %w", st.Name(), err)
		if ctx.Err() != nil {
			// Whatever the step said, the measurement ran out of time or was canceled.
			r.Error = newError(fmt.Errorf("%w (%v)", ctx.Err(), err))
			return r
		}
		if st.core && !s.otherProtocols(&r) {
			if r.Error == nil { // a step may have classified its failure itself
				r.Error = newError(err)
			}
			s.plainHTTPOnTarget(ctx, ep, &r)
			return r
		}
		r.Notes = append(r.Notes, err.Error())
	}
	if ok, why := grade.Gradable(&r); !ok {
		r.Notes = append(r.Notes, "not graded: "+why)
		return r
	}
	r.Grade = grade.Grade(&r, s.cfg.Criteria)
	return r
}

// merge copies what a concurrent check measured into r: every field it set (each check
// writes only its own, so no new check needs a line here), its notes after r's, and its
// error if r has none.
func merge(r, part *result.Result) {
	notes, err := part.Notes, part.Error
	part.Notes, part.Error = nil, nil
	dst, src := reflect.ValueOf(r).Elem(), reflect.ValueOf(part).Elem()
	for i := range src.NumField() {
		if f := src.Field(i); !f.IsZero() {
			dst.Field(i).Set(f)
		}
	}
	r.Notes = append(r.Notes, notes...)
	if r.Error == nil {
		r.Error = err
	}
}

// otherProtocols reports whether enumeration found a protocol, so that a failing
// crypto/tls handshake (which cannot do SSLv2/SSLv3) does not make the endpoint
// unassessable.
func (s *Scanner) otherProtocols(r *result.Result) bool { return len(r.Protocols.List()) > 0 }

// onlySSLv2 reports whether enumeration found SSL 2.0 and no other protocol.
func onlySSLv2(r *result.Result) bool {
	ps := r.Protocols.List()
	return len(ps) == 1 && ps[0] == result.SSLv2
}

func (s *Scanner) resolve(ctx context.Context, t Target) (netip.Addr, []netip.Addr, error) {
	if t.Addr.IsValid() {
		return t.Addr.Unmap(), nil, nil
	}
	if a, err := netip.ParseAddr(t.Host); err == nil {
		a = a.Unmap()
		if t.Family == IPv4 && !a.Is4() || t.Family == IPv6 && !a.Is6() {
			return netip.Addr{}, nil, &net.DNSError{Err: "address is not of the requested family", Name: t.Host, IsNotFound: true}
		}
		return a, nil, nil
	}
	addrs, err := s.cfg.Resolver.LookupNetIP(ctx, t.Family.network(), t.Host)
	if err != nil {
		if ctx.Err() != nil {
			return netip.Addr{}, nil, fmt.Errorf("resolve %s: %w", t.Host, ctx.Err())
		}
		return netip.Addr{}, nil, fmt.Errorf("resolve %s: %w", t.Host, err)
	}
	if len(addrs) == 0 {
		return netip.Addr{}, nil, &net.DNSError{Err: "no address", Name: t.Host, IsNotFound: true}
	}
	for i := range addrs {
		addrs[i] = addrs[i].Unmap()
	}
	return addrs[0], addrs[1:], nil
}

// plainHTTPOnTarget reports, for a target that answered plain text instead of TLS, what
// its own port serves over plain HTTP.
func (s *Scanner) plainHTTPOnTarget(ctx context.Context, ep check.Endpoint, r *result.Result) {
	if r.Error == nil || r.Error.Kind != result.ErrNotTLS {
		return
	}
	r.PlainHTTP = httpcheck.MeasureNotTLS(ctx, httpcheck.Config{
		Dial:    ep.Dial,
		Host:    ep.Host,
		Port:    ep.Port(),
		Timeout: ep.Timeout,
	})
}
