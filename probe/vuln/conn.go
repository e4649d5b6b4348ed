package vuln

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"syscall"
	"time"

	"github.com/mhealthsec/mhealthsec/probe/tlswire"
)

// prober runs the active probes against one endpoint.
type prober struct {
	cfg  Config
	plan plan
}

// session is one raw connection that has sent a ClientHello.
type session struct {
	conn    net.Conn
	hr      *tlswire.HandshakeReader
	version uint16
	stop    func() bool
}

func (s *session) Close() {
	s.stop()
	s.conn.Close()
}

// dial opens a connection whose deadline is the probe timeout, and which ctx can cut.
// The dial itself is bounded by ctx when it has a deadline, not by the probe timeout: a
// scanner's dialer may queue for a per-host connection slot, and a probe that waited its
// turn is still worth running.
func (p *prober) dial(ctx context.Context) (net.Conn, func() bool, error) {
	dctx := ctx
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		dctx, cancel = context.WithTimeout(ctx, p.cfg.Timeout)
		defer cancel()
	}
	conn, err := p.cfg.Dial(dctx)
	if err != nil {
		return nil, nil, fmt.Errorf("dial: %w", err)
	}
	conn.SetDeadline(time.Now().Add(p.cfg.Timeout))
	// Closing on cancellation unblocks reads; stop detaches the hook.
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	return conn, stop, nil
}

// hello is the ClientHello every probe starts from: the plan's version and suites, SNI and
// the extensions a modern client sends, so servers do not reject it for looking odd.
func (p *prober) hello() *tlswire.ClientHello {
	ch := &tlswire.ClientHello{
		Version:             p.plan.version,
		CipherSuites:        p.plan.suites,
		ServerName:          p.cfg.SNI,
		SupportedGroups:     []uint16{tlswire.GroupX25519, tlswire.GroupSecp256r1, tlswire.GroupSecp384r1, tlswire.GroupSecp521r1, tlswire.GroupFFDHE2048},
		PointFormats:        []uint8{0},
		SignatureAlgorithms: []uint16{0x0804, 0x0805, 0x0806, 0x0401, 0x0501, 0x0601, 0x0403, 0x0503, 0x0603, 0x0201, 0x0203},
	}
	rand.Read(ch.Random[:])
	if ch.Version < tlswire.VersionTLS12 {
		ch.SignatureAlgorithms = nil
	}
	return ch
}

// start dials, sends ch and reads the server's first flight up to ServerHelloDone.
func (p *prober) start(ctx context.Context, ch *tlswire.ClientHello) (*session, *tlswire.Flight, error) {
	return p.exchange(ctx, ch, true)
}

// startHello dials, sends ch and reads only the ServerHello (what an abbreviated,
// resumed handshake or a version probe needs).
func (p *prober) startHello(ctx context.Context, ch *tlswire.ClientHello) (*session, *tlswire.ServerHello, error) {
	s, fl, err := p.exchange(ctx, ch, false)
	if err != nil {
		return nil, nil, err
	}
	return s, fl.Hello, nil
}

func (p *prober) exchange(ctx context.Context, ch *tlswire.ClientHello, full bool) (*session, *tlswire.Flight, error) {
	conn, stop, err := p.dial(ctx)
	if err != nil {
		return nil, nil, err
	}
	s := &session{conn: conn, hr: tlswire.NewHandshakeReader(conn), version: ch.Version, stop: stop}
	rec, err := ch.Record(recordVersion(ch.Version))
	if err == nil {
		_, err = conn.Write(rec)
	}
	if err != nil {
		s.Close()
		return nil, nil, fmt.Errorf("send ClientHello: %w", err)
	}
	var fl *tlswire.Flight
	if full {
		fl, err = tlswire.ReadFlight(s.hr, nil)
	} else {
		fl, err = readServerHello(s.hr)
	}
	if err != nil {
		s.Close()
		return nil, fl, fmt.Errorf("read server flight: %w", err)
	}
	if fl.Hello.SelectedVersion != 0 {
		s.version = fl.Hello.SelectedVersion
	}
	return s, fl, nil
}

// recordVersion is what clients put in the ClientHello record header: TLS 1.0 for any
// TLS hello (many servers reject a higher one), SSL 3.0 for an SSL 3.0 hello.
func recordVersion(v uint16) uint16 {
	if v == tlswire.VersionSSL3 {
		return v
	}
	return tlswire.VersionTLS10
}

// write sends records of type typ with the session's version.
func (s *session) write(typ uint8, payload []byte) error {
	return tlswire.WriteRecords(s.conn, typ, s.version, payload)
}

// reply is how a server answered a probe.
type reply struct {
	// alert is set when the server sent an alert.
	alert *tlswire.Alert
	// record is set when the server sent some other record.
	record *tlswire.Record
	// closed is true when the server closed the connection, reset too when it reset it;
	// timeout when it stayed silent until the deadline.
	closed, reset, timeout bool
	// err holds a read error that is neither (a reset counts as closed).
	err error
}

func (r reply) String() string {
	switch {
	case r.alert != nil:
		return "alert " + r.alert.Name()
	case r.record != nil:
		return fmt.Sprintf("record type %d of %d bytes", r.record.Type, len(r.record.Payload))
	case r.closed:
		return "connection closed"
	case r.timeout:
		return "no answer (timeout)"
	}
	return "error: " + r.err.Error()
}

// readReply reads the next record and classifies it, waiting at most wait.
func (s *session) readReply(wait time.Duration) reply {
	if wait > 0 {
		s.conn.SetReadDeadline(time.Now().Add(wait))
	}
	rec, err := tlswire.ReadRecord(s.conn)
	switch {
	case err == nil && rec.Type == tlswire.RecordAlert:
		if a, perr := tlswire.ParseAlert(rec.Payload); perr == nil {
			return reply{alert: &a}
		}
		return reply{record: &rec}
	case err == nil:
		return reply{record: &rec}
	case errors.Is(err, os.ErrDeadlineExceeded):
		return reply{timeout: true}
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return reply{closed: true}
	case isReset(err):
		return reply{closed: true, reset: errors.Is(err, syscall.ECONNRESET)}
	}
	return reply{err: err}
}

func isReset(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && !op.Timeout()
}

// isAlert reports whether err is a TLS alert from the server, and which.
func isAlert(err error) (tlswire.Alert, bool) {
	var a tlswire.Alert
	ok := errors.As(err, &a)
	return a, ok
}

func readServerHello(hr *tlswire.HandshakeReader) (*tlswire.Flight, error) {
	m, err := hr.ReadMessage()
	if err != nil {
		return nil, err
	}
	if m.Type != tlswire.TypeServerHello {
		return nil, fmt.Errorf("expected ServerHello, got handshake type %d", m.Type)
	}
	sh, err := tlswire.ParseServerHello(m.Body)
	if err != nil {
		return nil, err
	}
	return &tlswire.Flight{Hello: sh}, nil
}
