package peertest

import (
	"context"
	"crypto/tls"
	"net"
	"testing"
	"time"

	"github.com/mhealthsec/mhealthsec/probe/pki"
)

// connBound bounds how long a GoServer spends on one connection, so that a client that
// stalls cannot hold a handler past the test. It is a bound, not a measurement.
const connBound = 10 * time.Second

// GoServer is a crypto/tls server on a loopback port, for tests that need a TLS peer
// whose configuration they control exactly.
type GoServer struct {
	// Addr is the host:port the server listens on.
	Addr string
}

// ServeGo starts a crypto/tls server with cfg on 127.0.0.1 and serves until the test
// ends; t.Cleanup closes the listener and waits for the accept loop to stop. Each
// connection is handshaken; when the handshake succeeds and afterHandshake is not nil,
// afterHandshake gets the connection (to answer a request, or to read on so that the
// client gets the server's last flight). The connection is closed when it returns.
func ServeGo(t testing.TB, cfg *tls.Config, afterHandshake func(*tls.Conn)) *GoServer {
	t.Helper()
	ln, err := tls.Listen("tcp", "127.0.0.1:0", cfg)
	if err != nil {
		t.Fatalf("start crypto/tls server: %v", err)
	}
	done := make(chan struct{})
	t.Cleanup(func() { ln.Close(); <-done })
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				c.SetDeadline(time.Now().Add(connBound))
				tc := c.(*tls.Conn)
				if tc.Handshake() == nil && afterHandshake != nil {
					afterHandshake(tc)
				}
			}()
		}
	}()
	return &GoServer{Addr: ln.Addr().String()}
}

// Dial connects to the server; it has the shape of the probe packages' Dial options.
func (s *GoServer) Dial(ctx context.Context) (net.Conn, error) {
	var d net.Dialer
	return d.DialContext(ctx, "tcp", s.Addr)
}

// Leaf issues a certificate with a key of spec under a fresh test root, for a server
// whose chain the test does not verify. Tests that check the chain keep their root.
func Leaf(t testing.TB, spec pki.KeySpec) tls.Certificate {
	t.Helper()
	root, err := pki.NewRoot("peertest root")
	if err != nil {
		t.Fatalf("test root: %v", err)
	}
	cert, err := root.Issue(pki.LeafOptions{Key: spec})
	if err != nil {
		t.Fatalf("test leaf (%s): %v", spec, err)
	}
	return cert
}
