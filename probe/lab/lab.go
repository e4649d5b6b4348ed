// Package lab runs a fleet of deliberately strong and weak servers on 127.0.0.1, each with
// the grade and findings it should get written down before anything probes it. The fleet
// is the ground truth of the whole pipeline: `mhealthsec lab` probes it, grades it, runs the
// study analysis over it and reports where measurement and declaration disagree.
//
// Servers are built with Go's crypto/tls and probe/pki certificates where Go can still serve
// the configuration, and with probe/fakeserver where it cannot (SSL 3.0, Heartbleed). Every
// server listens on an ephemeral loopback port; scanners reach it by IP and send the
// server's name (Endpoint.SNI) as SNI. Certificates chain to the fleet's own root (Fleet.Pool).
package lab

import (
	"compress/gzip"
	"context"
	"crypto"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/mhealthsec/mhealthsec/probe/pki"
)

// Domain is the parent of every fleet server's name. ".test" is reserved (RFC 2606), so no
// fleet name can ever resolve to a host on the internet.
const Domain = "lab.test"

// Loopback is the only address the fleet listens on.
const Loopback = "127.0.0.1"

// PlainHTTP says what a server's companion plain-HTTP listener does.
type PlainHTTP int

// Plain-HTTP companions.
const (
	NoPlainHTTP   PlainHTTP = iota // no plain-HTTP listener
	PlainRedirect                  // 301 to the HTTPS endpoint
	PlainServe                     // 200 over plain HTTP, no redirect
)

// Cert describes a server's certificate. The zero value is a sound ECDSA P-256 certificate
// for the server's name, issued by the fleet's intermediate, served with its chain.
type Cert struct {
	Key               pki.KeySpec
	Expired           bool
	NotYetValid       bool
	SelfSigned        bool
	WrongName         bool // issued for another name than the server's
	OmitIntermediates bool // incomplete chain
	SHA1              bool // leaf signed with SHA-1
	// MD5 signs the leaf with MD5, by an RSA intermediate under the root (served with it).
	MD5 bool
	// AIA names, as the leaf's caIssuers URL (Authority Information Access), where the
	// fleet serves its intermediate over plain HTTP on loopback: what lets SSL Labs and
	// browsers complete an incomplete chain.
	AIA bool
	// Revoked names the fleet's CRL in the leaf and lists the leaf there as revoked.
	Revoked bool
	// Staple makes the server staple a good OCSP response signed by the intermediate.
	Staple bool
	// SharedKey names a key: servers giving the same name get certificates of their own
	// over one key of the first one's Key spec (DROWN across services).
	SharedKey string
}

// Server is one fleet member: how to build it and what it should be measured as.
type Server struct {
	Name        string
	Description string

	// TLS is false for a plain-HTTP-only server.
	TLS          bool
	MinVersion   uint16
	MaxVersion   uint16
	CipherSuites []uint16 // nil: Go's defaults
	Curves       []tls.CurveID
	// SessionTicketsDisabled turns off TLS 1.2 tickets and TLS 1.3 PSKs; crypto/tls keeps
	// no session-id cache, so the server then resumes no session at all.
	SessionTicketsDisabled bool
	// NextProtos are the ALPN protocols the server selects from, in its preference order.
	NextProtos []string
	Cert       Cert
	// HSTS is the Strict-Transport-Security header value served over HTTPS; "" sends none.
	HSTS string
	// Gzip compresses HTTPS responses for clients that accept gzip (what BREACH needs).
	Gzip      bool
	PlainHTTP PlainHTTP
	// Fake serves the endpoint with a server Go's crypto/tls cannot be (probe/fakeserver).
	// When set, only Cert of the fields above is used.
	Fake Fake

	Expect Expect
}

// Fake starts a server Go's crypto/tls cannot be (probe/fakeserver) on 127.0.0.1,
// presenting cert where its protocol has a certificate.
type Fake func(cert tls.Certificate) (Running, error)

// Running is a started fake; *fakeserver.Server is one. Close must return only after every
// goroutine of the server has ended.
type Running interface {
	Addr() string // "127.0.0.1:port"
	Close() error
}

// Endpoint is a running fleet server.
type Endpoint struct {
	Server
	// SNI is the server's name: what a scanner sends as SNI and the name its certificate
	// is checked against.
	SNI  string
	IP   string
	Port int
	// HTTPPort is the companion plain-HTTP listener's port, 0 if there is none.
	HTTPPort int
}

// Addr is "127.0.0.1:port".
func (e Endpoint) Addr() string { return net.JoinHostPort(e.IP, strconv.Itoa(e.Port)) }

// Fleet is a set of running servers. Close stops them all.
type Fleet struct {
	Endpoints []Endpoint
	root      *pki.Authority
	inter     *pki.Authority
	// issuerURL is where the intermediate is served for Cert.AIA leaves ("" if none asks).
	issuerURL string
	// crls serves the intermediate's CRL for Cert.Revoked leaves (nil if none asks).
	crls *crlServer

	mu      sync.Mutex
	closers []io.Closer
	wg      sync.WaitGroup
	stopCtx func() bool
	// closeOnce makes a second Close (the context's, or the caller's) wait for the first
	// and return its error.
	closeOnce sync.Once
	closeErr  error
}

// Pool is the trust store that knows the fleet's root, for the scanner's CA pool.
func (f *Fleet) Pool() *x509.CertPool { return f.root.Pool() }

// Root is the fleet's root CA certificate.
func (f *Fleet) Root() *x509.Certificate { return f.root.Cert }

// WriteRootPEM writes the fleet's root CA certificate to path, for other tools' trust stores.
func (f *Fleet) WriteRootPEM(path string) error { return f.root.WriteRootPEM(path) }

// Intermediates holds the fleet's intermediate CA, the certificate an incomplete chain
// omits: a scanner that completes chains the way SSL Labs does (from AIA or a cache of
// known intermediates) is given it here.
func (f *Fleet) Intermediates() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(f.inter.Cert)
	return p
}

// Endpoint returns the running server called name.
func (f *Fleet) Endpoint(name string) (Endpoint, bool) {
	for _, e := range f.Endpoints {
		if e.Name == name {
			return e, true
		}
	}
	return Endpoint{}, false
}

// Start starts servers on 127.0.0.1 and returns when all of them accept connections. The
// fleet shuts down when ctx is done or Close is called, whichever comes first.
func Start(ctx context.Context, servers []Server) (*Fleet, error) {
	root, err := pki.NewRoot("mhealthsec lab root CA")
	if err != nil {
		return nil, fmt.Errorf("lab: %w", err)
	}
	inter, err := root.NewIntermediate("mhealthsec lab intermediate CA")
	if err != nil {
		return nil, fmt.Errorf("lab: %w", err)
	}
	f := &Fleet{root: root, inter: inter}
	seen := map[string]bool{}
	for _, s := range servers {
		if s.Name == "" || seen[s.Name] {
			return nil, fmt.Errorf("lab: server name %q empty or used twice", s.Name)
		}
		seen[s.Name] = true
	}
	if slices.ContainsFunc(servers, func(s Server) bool { return s.Cert.AIA }) {
		is, err := inter.ServeIssuer(pki.DER)
		if err != nil {
			return nil, fmt.Errorf("lab: AIA issuer server: %w", err)
		}
		f.track(is) // closes with the fleet
		f.issuerURL = is.URL()
	}
	if needsCRL(servers) {
		cs, err := startCRLServer()
		if err != nil {
			return nil, fmt.Errorf("lab: CRL server: %w", err)
		}
		f.track(cs)
		f.crls = cs
	}
	certs, err := f.certificates(servers)
	if err == nil {
		err = f.revocationExtras(servers, certs)
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	for i, s := range servers {
		ep, err := f.start(s, certs[i])
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("lab: start %s: %w", s.Name, err)
		}
		f.Endpoints = append(f.Endpoints, ep)
	}
	// With ctx already done, the AfterFunc's Close runs at once, concurrently with this
	// assignment: hence the lock (its Close then finds no stop func, which is fine).
	stop := context.AfterFunc(ctx, func() { f.Close() })
	f.mu.Lock()
	f.stopCtx = stop
	f.mu.Unlock()
	return f, nil
}

// Close stops every server and waits until their goroutines have returned. It is safe to
// call more than once, and from several goroutines: every call returns when the fleet is down.
func (f *Fleet) Close() error {
	f.closeOnce.Do(func() {
		f.mu.Lock()
		closers := f.closers
		stop := f.stopCtx
		f.mu.Unlock()
		if stop != nil {
			stop()
		}
		var errs []error
		for _, c := range closers {
			if err := c.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
				errs = append(errs, err)
			}
		}
		f.wg.Wait()
		f.closeErr = errors.Join(errs...)
	})
	return f.closeErr
}

func (f *Fleet) track(c io.Closer) {
	f.mu.Lock()
	f.closers = append(f.closers, c)
	f.mu.Unlock()
}

// certificates issues every server's certificate, in parallel: RSA key generation is most
// of the fleet's start-up time.
func (f *Fleet) certificates(servers []Server) ([]tls.Certificate, error) {
	certs := make([]tls.Certificate, len(servers))
	errs := make([]error, len(servers))
	shared := map[string]crypto.Signer{}
	for _, s := range servers {
		if name := s.Cert.SharedKey; name != "" && shared[name] == nil {
			key, err := pki.NewKey(s.Cert.Key)
			if err != nil {
				return nil, fmt.Errorf("lab: shared key %s: %w", name, err)
			}
			shared[name] = key
		}
	}
	var wg sync.WaitGroup
	for i, s := range servers {
		if !s.TLS && s.Fake == nil {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			certs[i], errs[i] = f.certificate(s.Name+"."+Domain, s.Cert, shared[s.Cert.SharedKey])
			if errs[i] != nil {
				errs[i] = fmt.Errorf("lab: start %s: %w", s.Name, errs[i])
			}
		}()
	}
	wg.Wait()
	return certs, errors.Join(errs...)
}

func (f *Fleet) start(s Server, cert tls.Certificate) (Endpoint, error) {
	ep := Endpoint{Server: s, SNI: s.Name + "." + Domain, IP: Loopback}
	if s.Fake != nil {
		run, err := s.Fake(cert)
		if err != nil {
			return ep, err
		}
		f.track(run)
		ep.Port, err = loopbackPort(run.Addr())
		return ep, err
	}

	ln, err := net.Listen("tcp", net.JoinHostPort(Loopback, "0"))
	if err != nil {
		return ep, err
	}
	ep.Port = ln.Addr().(*net.TCPAddr).Port
	if s.TLS {
		cfg := &tls.Config{
			Certificates:     []tls.Certificate{cert},
			MinVersion:       s.MinVersion,
			MaxVersion:       s.MaxVersion,
			CipherSuites:     s.CipherSuites,
			CurvePreferences: s.Curves,

			SessionTicketsDisabled: s.SessionTicketsDisabled,
			NextProtos:             s.NextProtos,
		}
		if s.MinVersion == 0 {
			// An explicit minimum keeps the fleet independent of the tls10server GODEBUG.
			cfg.MinVersion = tls.VersionTLS12
		}
		f.serveHTTP(tls.NewListener(ln, cfg), httpsHandler(s.HSTS, s.Name, s.Gzip))
	} else {
		f.serveHTTP(ln, plainHandler(s.Name))
	}

	if s.TLS && s.PlainHTTP != NoPlainHTTP {
		pl, err := net.Listen("tcp", net.JoinHostPort(Loopback, "0"))
		if err != nil {
			return ep, err
		}
		ep.HTTPPort = pl.Addr().(*net.TCPAddr).Port
		h := plainHandler(s.Name)
		if s.PlainHTTP == PlainRedirect {
			h = redirectHandler("https://" + net.JoinHostPort(ep.SNI, strconv.Itoa(ep.Port)))
		}
		f.serveHTTP(pl, h)
	}
	return ep, nil
}

// loopbackPort checks that addr is on 127.0.0.1 and returns its port.
func loopbackPort(addr string) (int, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return 0, fmt.Errorf("fake address %q: %w", addr, err)
	}
	if host != Loopback {
		return 0, fmt.Errorf("fake listens on %s, not %s", addr, Loopback)
	}
	return strconv.Atoi(port)
}

// serveHTTP serves h on ln until Close. The server's error log is dropped: scanners fail
// handshakes on purpose, thousands of times.
func (f *Fleet) serveHTTP(ln net.Listener, h http.Handler) {
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       10 * time.Second,
		ErrorLog:          log.New(io.Discard, "", 0),
	}
	srv.SetKeepAlivesEnabled(false)
	f.track(srv)
	f.wg.Add(1)
	go func() {
		defer f.wg.Done()
		_ = srv.Serve(ln) // returns http.ErrServerClosed after Close
	}()
}

func httpsHandler(hsts, name string, gz bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hsts != "" {
			w.Header().Set("Strict-Transport-Security", hsts)
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		body := fmt.Sprintf("mhealthsec lab server %s\n", name)
		if gz && strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
			w.Header().Set("Content-Encoding", "gzip")
			zw := gzip.NewWriter(w)
			io.WriteString(zw, body)
			zw.Close()
			return
		}
		io.WriteString(w, body)
	})
}

func plainHandler(name string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintf(w, "mhealthsec lab server %s (plain HTTP)\n", name)
	})
}

func redirectHandler(target string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target+r.URL.RequestURI(), http.StatusMovedPermanently)
	})
}

// certificate issues the certificate c describes for name, over key when it is not nil.
func (f *Fleet) certificate(name string, c Cert, key crypto.Signer) (tls.Certificate, error) {
	opt := pki.LeafOptions{
		Names:             []string{name},
		Key:               c.Key,
		Signer:            key,
		SelfSigned:        c.SelfSigned,
		OmitIntermediates: c.OmitIntermediates,
	}
	if c.WrongName {
		opt.Names = []string{"other." + Domain}
	}
	if c.AIA {
		opt.IssuingCertificateURL = []string{f.issuerURL}
	}
	if c.Revoked {
		opt.CRLDistributionPoints = []string{f.crls.url}
	}
	now := time.Now()
	if c.Expired {
		opt.NotBefore, opt.NotAfter = now.AddDate(-1, 0, 0), now.AddDate(0, 0, -30)
	}
	if c.NotYetValid {
		opt.NotBefore, opt.NotAfter = now.AddDate(0, 0, 30), now.AddDate(0, 0, 120)
	}
	if c.SHA1 {
		// The intermediate has an ECDSA key, so SHA-1 means ECDSA with SHA-1. Go still
		// signs it; only verification of SHA-1 signatures was removed.
		opt.SignatureAlgorithm = x509.ECDSAWithSHA1
	}
	issue := f.inter.Issue
	if c.MD5 {
		issue = func(opt pki.LeafOptions) (tls.Certificate, error) {
			return f.root.IssueMD5("mhealthsec lab RSA intermediate CA", opt)
		}
	}
	cert, err := issue(opt)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("certificate for %s: %w", name, err)
	}
	return cert, nil
}
