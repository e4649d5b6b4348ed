package vuln

import (
	"context"
	"errors"
	"io"
	"net"
	"time"

	"github.com/mhealthsec/mhealthsec/probe/tlswire"
)

// DialTLS12 opens a TLS 1.2 connection with the raw client (client12.go) for what Go's
// crypto/tls cannot connect to: DHE-only servers, RSA keys below 1024 bits. It
// authenticates nobody; it is for reading what a server says (an HTTP answer), never for
// sending secrets. timeout bounds the handshake and the connection's life.
func DialTLS12(ctx context.Context, dial func(context.Context) (net.Conn, error), sni string, timeout time.Duration) (net.Conn, error) {
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	p := &prober{cfg: Config{Dial: dial, SNI: sni, Timeout: timeout}, plan: plan{version: tlswire.VersionTLS12}}
	ch := p.hello()
	ch.CipherSuites = client12SuiteIDs(tlswire.VersionTLS12)
	ch.SupportedGroups = []uint16{tlswire.GroupX25519, tlswire.GroupSecp256r1, tlswire.GroupSecp384r1, tlswire.GroupSecp521r1}
	ch.SecureRenegotiation = true
	c, err := p.fullHandshake(ctx, ch)
	if err != nil {
		return nil, err
	}
	return &appConn{Conn: c.s.conn, c: c}, nil
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
