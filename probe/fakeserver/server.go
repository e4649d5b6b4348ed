// Package fakeserver runs loopback servers that speak the bytes of servers no maintained
// library serves any more (SSL 2.0, SSL 3.0, heartbleed, CBC padding oracles, ...) and of
// hostile peers (garbage, slow drips, resets, oversized records, absurd chains, silence), so
// that the probe can be tested against them and the lab can serve them at run time.
//
// A fake is a Handler: a function that owns one accepted connection. Start serves a Handler
// on 127.0.0.1 (never any other address); Close stops it and waits for every handler to
// return. The helpers ReadClientHello, WriteHandshake, WriteAlert and Drain cover what most
// fakes do, so a new fake is a few lines (see SSLv3 for the pattern).
package fakeserver

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"

	"github.com/mhealthsec/mhealthsec/probe/tlswire"
)

// Handler serves one connection. ctx is canceled when the server closes; the connection is
// closed by the server after the handler returns, and also on Close, so a handler blocked
// in a read returns then.
type Handler func(ctx context.Context, conn net.Conn)

// Server is a loopback TCP server running one Handler per connection.
type Server struct {
	ln      net.Listener
	handler Handler
	ctx     context.Context
	cancel  context.CancelFunc
	wg      sync.WaitGroup

	mu    sync.Mutex
	conns map[net.Conn]struct{}
}

// Start listens on 127.0.0.1 on a free port and serves h until Close.
func Start(h Handler) (*Server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("fakeserver: listen: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Server{ln: ln, handler: h, ctx: ctx, cancel: cancel, conns: map[net.Conn]struct{}{}}
	s.wg.Add(1)
	go s.serve()
	return s, nil
}

// Addr is the listening address, "127.0.0.1:port".
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Dial connects to the server; it has the signature of enum.Config.Dial.
func (s *Server) Dial(ctx context.Context) (net.Conn, error) {
	var d net.Dialer
	return d.DialContext(ctx, "tcp", s.Addr())
}

// Close stops accepting, cancels every handler's context, closes open connections and waits
// for all handler goroutines to return.
func (s *Server) Close() error {
	s.cancel()
	err := s.ln.Close()
	s.mu.Lock()
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
	return err
}

func (s *Server) serve() {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return // listener closed
		}
		if !s.track(c) {
			c.Close()
			return
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer s.untrack(c)
			s.handler(s.ctx, c)
		}()
	}
}

// track registers c unless the server is closing.
func (s *Server) track(c net.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ctx.Err() != nil {
		return false
	}
	s.conns[c] = struct{}{}
	return true
}

func (s *Server) untrack(c net.Conn) {
	c.Close()
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
}

// ReadClientHello reads the first handshake message from conn and parses it as a
// ClientHello. It returns the record version as well, which some fakes echo.
func ReadClientHello(conn net.Conn) (*tlswire.ClientHello, uint16, error) {
	hr := tlswire.NewHandshakeReader(conn)
	m, err := hr.ReadMessage()
	if err != nil {
		return nil, 0, fmt.Errorf("fakeserver: read ClientHello: %w", err)
	}
	if m.Type != tlswire.TypeClientHello {
		return nil, 0, fmt.Errorf("fakeserver: expected ClientHello, got handshake type %d", m.Type)
	}
	ch, err := tlswire.ParseClientHello(m.Body)
	if err != nil {
		return nil, 0, err
	}
	return ch, hr.Version, nil
}

// WriteHandshake writes handshake messages (each with its 4-byte header) as records of
// version ver, in one write so that the peer sees one flight.
func WriteHandshake(conn net.Conn, ver uint16, msgs ...[]byte) error {
	var flight []byte
	for _, m := range msgs {
		flight = append(flight, m...)
	}
	return tlswire.WriteRecords(conn, tlswire.RecordHandshake, ver, flight)
}

// WriteAlert writes a fatal alert with description desc.
func WriteAlert(conn net.Conn, ver uint16, desc uint8) error {
	return tlswire.WriteRecords(conn, tlswire.RecordAlert, ver,
		tlswire.Alert{Level: tlswire.AlertLevelFatal, Description: desc}.Marshal())
}

// Drain reads and discards from conn until the peer closes, an error occurs, ctx is
// canceled or limit passes; fakes call it after their last write so that they do not close
// before the client has read everything.
func Drain(ctx context.Context, conn net.Conn, limit time.Duration) {
	stop := context.AfterFunc(ctx, func() { conn.SetReadDeadline(time.Now()) })
	defer stop()
	conn.SetReadDeadline(time.Now().Add(limit))
	_, _ = io.Copy(io.Discard, conn)
}

// errNoSharedSuite is what a fake says when the client offered none of its suites.
var errNoSharedSuite = errors.New("fakeserver: no shared cipher suite")

// pickSuite returns the first of the server's suites that the client offers (server order).
func pickSuite(server, client []uint16) (uint16, error) {
	for _, s := range server {
		for _, c := range client {
			if s == c {
				return s, nil
			}
		}
	}
	return 0, errNoSharedSuite
}
