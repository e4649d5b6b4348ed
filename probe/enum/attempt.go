package enum

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/mhealthsec/mhealthsec/probe/result"
	"github.com/mhealthsec/mhealthsec/probe/suites"
	"github.com/mhealthsec/mhealthsec/probe/tlswire"
)

// outcome is what one hello got.
type outcome int

const (
	// rejected: the server said no (an alert, a close or reset before any byte, a
	// different version). It is an answer, not a failure.
	rejected outcome = iota
	// accepted: the server chose a suite we offered in the version we asked for.
	accepted
	// failed: no answer could be read (timeout, garbage, malformed bytes, no connection).
	failed
)

// attempt is the result of one connection.
type attempt struct {
	out     outcome
	version uint16
	suite   uint16
	// group is the TLS 1.3 key share group or HRR group; ske the TLS 1.2 key exchange.
	group   uint16
	ske     *tlswire.ServerKeyExchange
	certKey int // RSA modulus bits of the leaf, for RSA key exchange
	kinds   []uint32
	// sslv2Cert is the certificate of an SSL 2.0 SERVER-HELLO.
	sslv2Cert []byte
	// sawTLS is true when the server sent at least one well-formed TLS record.
	sawTLS bool
	// why describes a rejection ("alert handshake_failure", "closed") for notes.
	why string
	// err is set for failed attempts, and for accepted ones whose flight broke after the
	// ServerHello (the answer counts, but the endpoint misbehaves).
	err *result.Error
}

// connector makes connections under the per-endpoint limit.
type connector struct {
	cfg Config
	sem chan struct{}
	tab *suites.Table
	// busy counts exchanges under way or waiting for a connection.
	busy atomic.Int32
}

// idle reports whether the connection budget has room for one more exchange.
func (c *connector) idle() bool { return int(c.busy.Load()) < cap(c.sem) }

// exchange dials, writes hello and runs read on the connection under the attempt deadline.
func (c *connector) exchange(ctx context.Context, hello []byte, read func(net.Conn) attempt) attempt {
	c.busy.Add(1)
	defer c.busy.Add(-1)
	select {
	case c.sem <- struct{}{}:
	case <-ctx.Done():
		return failure(ctx.Err())
	}
	defer func() { <-c.sem }()
	actx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	conn, err := c.cfg.Dial(actx)
	if err != nil {
		if ctx.Err() != nil {
			return failure(ctx.Err())
		}
		if actx.Err() != nil {
			return failure(fmt.Errorf("connect: %w", actx.Err()))
		}
		return attempt{out: failed, err: &result.Error{Kind: dialKind(err), Message: "connect: " + err.Error()}}
	}
	defer conn.Close()
	if dl, ok := actx.Deadline(); ok {
		conn.SetDeadline(dl)
	}
	// Cancellation of ctx must unblock reads at once, not at the deadline.
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Now()) })
	defer stop()
	if _, err := conn.Write(hello); err != nil {
		if ctx.Err() != nil {
			return failure(ctx.Err())
		}
		if isReset(err) {
			return attempt{out: rejected, why: "reset before the hello was written"}
		}
		return failure(fmt.Errorf("write hello: %w", err))
	}
	a := read(conn)
	if a.err != nil && ctx.Err() != nil {
		a.err = &result.Error{Kind: classify(ctx.Err()), Message: ctx.Err().Error()}
	}
	return a
}

// tls sends a TLS (or SSL 3.0) ClientHello and reads the server's first flight. want is
// the version asked for; an answer in another version is a rejection. want 0 accepts any
// version (reference clients).
func (c *connector) tls(ctx context.Context, ch *tlswire.ClientHello, want uint16) attempt {
	recVersion := tlswire.VersionTLS10
	if want == tlswire.VersionSSL3 {
		recVersion = tlswire.VersionSSL3
	}
	hello, err := ch.Record(recVersion)
	if err != nil {
		return failure(err)
	}
	return c.exchange(ctx, hello, func(conn net.Conn) attempt {
		hr := tlswire.NewHandshakeReader(conn)
		f, err := tlswire.ReadFlight(hr, c.kxLayout)
		if f == nil {
			a := readFailure(err, hr.Records > 0)
			return a
		}
		sh := f.Hello
		a := attempt{out: accepted, version: sh.SelectedVersion, suite: sh.CipherSuite, sawTLS: true}
		switch {
		case want != 0 && sh.SelectedVersion != want:
			return attempt{out: rejected, sawTLS: true, why: fmt.Sprintf("answered version 0x%04x", sh.SelectedVersion)}
		case !offered(ch, sh.CipherSuite):
			return attempt{out: failed, sawTLS: true, err: &result.Error{Kind: result.ErrProtocol,
				Message: fmt.Sprintf("server chose suite 0x%04x, which was not offered", sh.CipherSuite)}}
		}
		if sh.SelectedVersion >= tlswire.VersionTLS13 {
			a.group = sh.KeyShareGroup
			return a
		}
		a.ske = f.KeyExchange
		if len(f.Chain) > 0 {
			if cert, perr := x509.ParseCertificate(f.Chain[0]); perr == nil {
				if pk, ok := cert.PublicKey.(interface{ Size() int }); ok && cert.PublicKeyAlgorithm == x509.RSA {
					a.certKey = pk.Size() * 8
				}
			}
		}
		if err != nil {
			a.err = &result.Error{Kind: classify(err), Message: "after ServerHello: " + err.Error()}
		}
		return a
	})
}

// sslv2 sends an SSL 2.0 CLIENT-HELLO offering kinds.
func (c *connector) sslv2(ctx context.Context, kinds []uint32) attempt {
	ch := tlswire.SSLv2ClientHello{Version: tlswire.VersionSSL2, CipherKinds: kinds, Challenge: make([]byte, 16)}
	randRead(ch.Challenge)
	hello, err := ch.Record()
	if err != nil {
		return failure(err)
	}
	return c.exchange(ctx, hello, func(conn net.Conn) attempt {
		body, err := tlswire.ReadSSLv2Record(conn)
		if err != nil {
			var notV2 *tlswire.NotSSLv2Error
			if errors.As(err, &notV2) {
				if notV2.LooksLikeTLS() {
					return attempt{out: rejected, sawTLS: true, why: "answered with TLS"}
				}
				return attempt{out: failed, err: &result.Error{Kind: result.ErrNotTLS, Message: err.Error()}}
			}
			return readFailure(err, false)
		}
		sh, err := tlswire.ParseSSLv2ServerHello(body)
		if err != nil {
			return attempt{out: rejected, why: err.Error()}
		}
		return attempt{out: accepted, version: tlswire.VersionSSL2, kinds: sh.CipherKinds, sslv2Cert: sh.Certificate, sawTLS: true}
	})
}

// kxLayout says how to read the ServerKeyExchange of suite.
func (c *connector) kxLayout(suite uint16) tlswire.KeyExchange {
	s, ok := c.tab.ByID(suite)
	if !ok {
		return 0
	}
	switch {
	case s.Kx == "DHE":
		return tlswire.KxDHE
	case s.Kx == "ECDHE":
		return tlswire.KxECDHE
	case s.Kx == "RSA" && s.Export:
		return tlswire.KxRSAExport
	}
	return 0
}

func offered(ch *tlswire.ClientHello, suite uint16) bool {
	for _, s := range ch.CipherSuites {
		if s == suite {
			return true
		}
	}
	return false
}

// readFailure turns an error before a ServerHello into an attempt. An alert, or a close or
// reset before any byte, is a rejection; everything else a failure.
func readFailure(err error, sawRecord bool) attempt {
	var alert tlswire.Alert
	switch {
	case errors.As(err, &alert):
		return attempt{out: rejected, sawTLS: true, why: "alert " + alert.Name()}
	case errors.Is(err, io.EOF) && !sawRecord:
		return attempt{out: rejected, why: "closed without answer"}
	case isReset(err) && !sawRecord:
		return attempt{out: rejected, why: "reset without answer"}
	}
	a := failure(err)
	a.sawTLS = sawRecord
	return a
}

func failure(err error) attempt {
	return attempt{out: failed, err: &result.Error{Kind: classify(err), Message: err.Error()}}
}

func isReset(err error) bool {
	return errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

// classify sorts an error after the connection was made into the result's error kinds.
func classify(err error) result.ErrorKind {
	var notTLS *tlswire.NotTLSError
	var ne net.Error
	switch {
	case errors.Is(err, context.Canceled):
		return result.ErrCanceled
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return result.ErrTimeout
	case errors.As(err, &notTLS):
		return result.ErrNotTLS
	}
	return result.ErrProtocol
}

// dialKind classifies a failed dial.
func dialKind(err error) result.ErrorKind {
	var dnsErr *net.DNSError
	switch {
	case errors.As(err, &dnsErr):
		return result.ErrDNS
	case errors.Is(err, context.Canceled):
		return result.ErrCanceled
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return result.ErrTimeout
	}
	return result.ErrConnect
}
