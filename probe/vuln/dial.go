package vuln

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/mhealthsec/mhealthsec/probe/tlswire"
)

// DialTLS12 opens a TLS 1.2 connection with the raw client (client12.go) for what Go's
// crypto/tls cannot connect to: DHE-only, 3DES-with-DHE or NULL-cipher servers, RSA keys
// below 1024 bits (it offers legacy12Suites after client12Suites). A server that
// answers with TLS 1.1 or 1.0 is connected to again at that version. It authenticates
// nobody; it is for reading what a server says (an HTTP answer), never for sending
// secrets. timeout bounds the handshake and the connection's life.
func DialTLS12(ctx context.Context, dial func(context.Context) (net.Conn, error), sni string, timeout time.Duration) (net.Conn, error) {
	c, err := handshakeAt(ctx, dial, sni, timeout, tlswire.VersionTLS12, false)
	var ve *versionError
	if errors.As(err, &ve) && ve.chosen >= tlswire.VersionTLS10 && ve.chosen < tlswire.VersionTLS12 {
		c, err = handshakeAt(ctx, dial, sni, timeout, ve.chosen, false)
	}
	if err != nil {
		return nil, err
	}
	return &appConn{Conn: c.s.conn, c: c}, nil
}

// handshakeAt runs a full handshake of the raw client at version, offering every suite the
// client runs there and, with ticket, an empty session_ticket extension.
func handshakeAt(ctx context.Context, dial func(context.Context) (net.Conn, error), sni string, timeout time.Duration, version uint16, ticket bool) (*conn12, error) {
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	p := &prober{cfg: Config{Dial: dial, SNI: sni, Timeout: timeout}, plan: plan{version: version}}
	ch := p.hello()
	ch.CipherSuites = readSuiteIDs(version)
	ch.SupportedGroups = client12Groups()
	ch.SecureRenegotiation = true
	ch.SessionTicket = ticket
	return p.fullHandshake(ctx, ch)
}

// versionError is a server choosing another protocol version than the raw client offered.
type versionError struct{ chosen, offered uint16 }

func (e *versionError) Error() string {
	return fmt.Sprintf("server chose %s, not the %s offered", verLabel(e.chosen), verLabel(e.offered))
}

// appConn carries application data over a conn12.
type appConn struct {
	net.Conn
	c   *conn12
	buf []byte
	eof bool
}

func (a *appConn) Write(b []byte) (int, error) {
	const maxPlain = 1 << 14
	for n := 0; n < len(b); {
		chunk := b[n:min(len(b), n+maxPlain)]
		if err := a.c.writeEncrypted(tlswire.RecordApplicationData, chunk); err != nil {
			return n, err
		}
		n += len(chunk)
	}
	return len(b), nil
}

func (a *appConn) Read(b []byte) (int, error) {
	for len(a.buf) == 0 {
		if a.eof {
			return 0, io.EOF
		}
		typ, plain, rep := a.c.readEncrypted()
		switch {
		case rep.closed:
			a.eof = true
		case rep.timeout:
			return 0, errors.New("tls12: read timeout")
		case rep.err != nil:
			return 0, rep.err
		case typ == tlswire.RecordApplicationData:
			a.buf = plain
		case typ == tlswire.RecordAlert:
			a.eof = true // close_notify or a fatal alert: nothing more will come
		}
		// Handshake records (a HelloRequest) are ignored: this client never renegotiates.
	}
	n := copy(b, a.buf)
	a.buf = a.buf[n:]
	return n, nil
}

func (a *appConn) Close() error {
	a.c.s.Close()
	return nil
}
