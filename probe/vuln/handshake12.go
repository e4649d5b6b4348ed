package vuln

import (
	"context"
	"fmt"
	"net"
	"time"

	"github.com/mhealthsec/mhealthsec/probe/tlswire"
)

// Session12 is what one full handshake of the raw TLS 1.0–1.2 client established.
type Session12 struct {
	Version, CipherSuite uint16
	// SessionID is the ServerHello's session id; empty when the server keeps no session.
	SessionID []byte
	// Ticket is the NewSessionTicket's ticket (RFC 5077), nil when the server issued none.
	Ticket []byte
}

// Handshake12 runs one full handshake with the raw client (client12.go) at version, TLS
// 1.0–1.2, offering every suite the client runs there and, with ticket, an empty
// session_ticket extension, for what crypto/tls cannot connect to (DHE-only servers, RSA
// keys below 1024 bits). It ends the connection with close_notify, as OpenSSL forgets the
// session of a connection that ends without one. The client offers no extended master
// secret, so a hello resuming the session must not offer it either (RFC 7627, 5.3). Like
// DialTLS12 it authenticates nobody.
func Handshake12(ctx context.Context, dial func(context.Context) (net.Conn, error), sni string, timeout time.Duration, version uint16, ticket bool) (Session12, error) {
	if !client12Speaks(version) {
		return Session12{}, fmt.Errorf("the raw client speaks TLS 1.0–1.2, not %s", verLabel(version))
	}
	c, err := handshakeAt(ctx, dial, sni, timeout, version, ticket)
	if err != nil {
		return Session12{}, err
	}
	defer c.s.Close()
	_ = c.writeEncrypted(tlswire.RecordAlert, tlswire.Alert{Level: tlswire.AlertLevelWarning, Description: tlswire.AlertCloseNotify}.Marshal())
	return Session12{Version: c.version, CipherSuite: c.hello.CipherSuite, SessionID: c.hello.SessionID, Ticket: c.ticket}, nil
}
