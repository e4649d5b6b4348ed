// Package certcheck fetches the certificate chain a TLS server presents and judges it the
// way a browser would, with our own checks rather than crypto/tls's: trust against the
// system roots or a given pool, validity window, hostname, self-signature, signature and
// key algorithms (including the weak ones Go refuses to verify), chain completeness and
// order. The verdicts fill a result.Certificate.
//
// A chain the server sent without its intermediate is completed, as browsers and SSL Labs
// do, from the caIssuers URLs in the certificates' Authority Information Access when
// Config.FetchIssuer is set: plain HTTP only, bounded in size, time, hops and URLs. Such a
// chain is trusted but not complete (SSL Labs: "chain issues: incomplete", grade cap B).
//
// With Config.Fetcher set, the leaf's revocation status is asked of its OCSP responder
// (RFC 6960, POST over HTTP) and, failing that, read from its CRL; the OCSP response the
// server staples and the SCTs it sends (embedded, TLS extension, in the staple) are
// judged from the handshake. Each is null with a note when it cannot be measured.
//
// Fetching uses crypto/tls with verification off; for servers Go cannot handshake with
// up to their Certificate message (SSL 3.0 only, DHE- or Camellia-only suites, keys Go
// refuses to parse) it falls back to raw TLS 1.2 and SSL 3.0 hellos (probe/tlswire) and
// reads the chain from the server's first flight. SSL 2.0-only servers yield no chain.
package certcheck

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/mhealthsec/mhealthsec/probe/result"
	"github.com/mhealthsec/mhealthsec/probe/tlswire"
)

// Config says how to reach the server and what to judge its chain against.
type Config struct {
	// Dial opens a TCP connection to the endpoint. Every connection goes through it, so
	// the caller's rate and host limits apply.
	Dial func(ctx context.Context) (net.Conn, error)
	// SNI is the server name sent in the ClientHello; empty sends none.
	SNI string
	// Hostname is the name the certificate must match (DNS name or IP literal); empty
	// means SNI.
	Hostname string
	// Roots are the trusted roots; nil means the system roots.
	Roots *x509.CertPool
	// RootCerts are the certificates in Roots, which crypto/x509 does not hand out. They
	// are read only to check an MD5 signature crypto/x509 refuses to verify on a
	// certificate whose issuer the server did not send. Nil with Roots nil reads the
	// system bundle when needed.
	RootCerts []*x509.Certificate
	// Now is the clock for the validity checks; nil means time.Now.
	Now func() time.Time
	// Timeout bounds one handshake (connect excluded), and one caIssuers fetch; zero
	// means 10 s.
	Timeout time.Duration
	// FetchIssuer gets a caIssuers URL of Authority Information Access, to complete a
	// chain the server sent without its intermediate, as browsers and SSL Labs do (the
	// chain is then trusted but not complete). Nil fetches nothing: the chain is judged as
	// served. HTTPFetcher.Fetch is the usual value.
	FetchIssuer FetchFunc
	// Fetcher queries the leaf's OCSP responder and CRL (revocation.go); nil leaves
	// revocation null with a note.
	Fetcher Fetcher
}

func (c Config) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func (c Config) hostname() string {
	if c.Hostname != "" {
		return c.Hostname
	}
	return c.SNI
}

func (c Config) timeout() time.Duration {
	if c.Timeout > 0 {
		return c.Timeout
	}
	return 10 * time.Second
}

// HandshakeError is a TLS handshake that failed; the chain may still have been captured
// if the failure came after the server's Certificate message.
type HandshakeError struct {
	Attempt string
	Err     error
}

func (e *HandshakeError) Error() string { return "tls handshake (" + e.Attempt + "): " + e.Err.Error() }
func (e *HandshakeError) Unwrap() error { return e.Err }

// attempt is one ClientHello shape.
type attempt struct {
	name       string
	suites     []uint16
	maxVersion uint16
}

func attempts() []attempt {
	return []attempt{
		{"TLS 1.0-1.3, every secure suite", suiteIDs(tls.CipherSuites()), tls.VersionTLS13},
		// Old servers that only speak RC4, 3DES or CBC-SHA256 suites.
		{"TLS 1.0-1.2, insecure suites", suiteIDs(tls.InsecureCipherSuites()), tls.VersionTLS12},
	}
}

func suiteIDs(cs []*tls.CipherSuite) []uint16 {
	ids := make([]uint16, len(cs))
	for i, c := range cs {
		ids[i] = c.ID
	}
	return ids
}

// Fetch returns the DER chain the server sends, in the order sent. It tries crypto/tls
// with the secure suites, then with Go's insecure ones, then raw TLS 1.2 and SSL 3.0
// hellos offering legacy suites Go lacks (DHE, Camellia, export, ...). A handshake that fails after the
// Certificate message still yields the chain (with a nil error). Dial and context errors
// are returned as they are; handshake failures as *HandshakeError.
func Fetch(ctx context.Context, cfg Config) ([][]byte, error) {
	s, err := fetchServed(ctx, cfg)
	return s.chain, err
}

// served is what a server sent in the handshake that gave its chain. handshook is true
// when a hello that asked for an OCSP staple (status_request) and SCTs
// (signed_certificate_timestamp) got the server's whole answer: a crypto/tls handshake that
// completed, or a raw hello's first flight (rawStapling). staple and scts are then what the
// server sent, empty when nothing; otherwise unmeasured says why not.
type served struct {
	chain      [][]byte
	handshook  bool
	staple     []byte
	scts       [][]byte
	unmeasured string
}

func fetchServed(ctx context.Context, cfg Config) (served, error) {
	var tries []func() (served, error)
	for _, a := range attempts() {
		tries = append(tries, func() (served, error) { return fetchOnce(ctx, cfg, a) })
	}
	for _, a := range rawAttempts() {
		tries = append(tries, func() (served, error) {
			chain, err := rawFetch(ctx, cfg, a)
			s := served{chain: chain}
			if a.version == tlswire.VersionSSL3 {
				s.unmeasured = "the server answered only an SSL 3.0 hello, which carries no extensions to ask for them"
			}
			return s, err
		})
	}
	var errs []error
	for _, try := range tries {
		s, err := try()
		if len(s.chain) > 0 && !s.handshook && s.unmeasured == "" {
			// crypto/tls failed after the Certificate, or a raw hello gave the chain.
			var rerr error
			s.staple, s.scts, s.handshook, rerr = rawStapling(ctx, cfg)
			if rerr != nil {
				s.unmeasured = "no crypto/tls handshake completed and no raw TLS 1.2 hello asking for them got a whole first flight: " + rerr.Error()
			}
		}
		if len(s.chain) > 0 {
			return s, nil
		}
		var he *HandshakeError
		if !errors.As(err, &he) || ctx.Err() != nil || isTimeout(err) {
			// No connection, canceled or silent server: another hello won't help.
			return served{}, err
		}
		errs = append(errs, err)
	}
	return served{}, errors.Join(errs...)
}

func fetchOnce(ctx context.Context, cfg Config, a attempt) (served, error) {
	conn, err := cfg.Dial(ctx)
	if err != nil {
		return served{}, err
	}
	defer conn.Close()
	var chain [][]byte
	tc := tls.Client(conn, &tls.Config{
		ServerName:         cfg.SNI,
		InsecureSkipVerify: true, // we judge the chain ourselves, including what Go rejects
		MinVersion:         tls.VersionTLS10,
		MaxVersion:         a.maxVersion,
		CipherSuites:       a.suites,
		VerifyPeerCertificate: func(raw [][]byte, _ [][]*x509.Certificate) error {
			chain = make([][]byte, len(raw))
			for i, der := range raw {
				chain[i] = append([]byte(nil), der...)
			}
			return nil
		},
	})
	hctx, cancel := context.WithTimeout(ctx, cfg.timeout())
	defer cancel()
	err = tc.HandshakeContext(hctx)
	if len(chain) > 0 {
		s := served{chain: chain}
		if err == nil {
			st := tc.ConnectionState()
			s.handshook, s.staple, s.scts = true, st.OCSPResponse, st.SignedCertificateTimestamps
		}
		return s, nil
	}
	if err == nil {
		return served{}, &HandshakeError{a.name, errors.New("server sent no certificate")}
	}
	if ctx.Err() != nil {
		return served{}, fmt.Errorf("tls handshake: %w", ctx.Err())
	}
	return served{}, &HandshakeError{a.name, err}
}

// Measure fetches the chain and checks it, completing it from AIA if the server left out
// an issuer and cfg.FetchIssuer is set; then it asks the leaf's OCSP responder or CRL
// through cfg.Fetcher and judges the stapled OCSP response and the SCTs (revocation.go).
func Measure(ctx context.Context, cfg Config) (*result.Certificate, error) {
	s, err := fetchServed(ctx, cfg)
	if err != nil {
		return nil, err
	}
	out, err := CheckContext(ctx, s.chain, cfg)
	if err != nil {
		return nil, err
	}
	checkServed(ctx, cfg, s, out)
	return out, nil
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout()
}
