package session

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"

	"github.com/mhealthsec/mhealthsec/probe/tlswire"
)

// sessionID measures resumption by session id: a TLS 1.2-or-older handshake without the
// ticket extension, then a raw ClientHello offering its session id and cipher suite. The
// server resumes when its ServerHello echoes the id (RFC 5246, 7.4.1.3); the probe closes
// the connection there, so the abbreviated handshake is not completed.
func (m *measurer) sessionID(ctx context.Context, notes *[]string) *bool {
	first, err := m.handshake(ctx, m.config(tls.VersionTLS12, nil, nil), false)
	if err != nil {
		if v, decided := failed12(ctx, err, "session_resumption.session_id", notes); decided {
			return v
		}
		return m.rawSessionID(ctx, tls.VersionTLS12, suiteIDsAt(tls.VersionTLS12), err, notes)
	}
	sh, err := serverHello(first.in)
	if err != nil {
		*notes = append(*notes, "session_resumption.session_id: not measured: "+err.Error())
		return nil
	}
	if len(sh.SessionID) == 0 {
		f := false // the server keeps no session to resume (RFC 5246, 7.4.1.3)
		return &f
	}
	// crypto/tls used the extended master secret if the server offered it; a server must
	// not resume such a session without the extension (RFC 7627, 5.3).
	echoed, err := m.offer(ctx, first.state.Version, first.state.CipherSuite, sh.SessionID, nil, true)
	if err != nil {
		*notes = append(*notes, "session_resumption.session_id: not measured: resuming: "+err.Error())
		return nil
	}
	return &echoed
}

// serverHello returns the ServerHello at the start of what a server sent.
func serverHello(in []byte) (*tlswire.ServerHello, error) {
	msg, err := tlswire.NewHandshakeReader(bytes.NewReader(in)).ReadMessage()
	if err != nil {
		return nil, fmt.Errorf("reading the ServerHello: %w", err)
	}
	if msg.Type != tlswire.TypeServerHello {
		return nil, fmt.Errorf("first handshake message is of type %d, not ServerHello", msg.Type)
	}
	sh, err := tlswire.ParseServerHello(msg.Body)
	if err != nil {
		return nil, fmt.Errorf("reading the ServerHello: %w", err)
	}
	return sh, nil
}

// offer sends a ClientHello offering session id (and ticket, when not nil) with version and
// suite, the extended master secret when ems, and reports whether the server resumes.
func (m *measurer) offer(ctx context.Context, version, suite uint16, id, ticket []byte, ems bool) (bool, error) {
	ch := m.baseHello(version, []uint16{suite})
	ch.SessionID = id
	ch.ExtendedMasterSecret = ems
	if ticket != nil {
		ch.Extra = append(ch.Extra, tlswire.Extension{Type: tlswire.ExtSessionTicket, Data: ticket})
	}
	var resumed bool
	err := m.exchange(ctx, ch, func(r io.Reader) (err error) {
		resumed, err = resumes(r, id)
		return err
	})
	return resumed, err
}

// resumes reads the server's answer to a ClientHello that offered session id and reports
// whether the server resumes: its ServerHello echoes id and what follows is not the
// Certificate flight of a full handshake but a NewSessionTicket or ChangeCipherSpec
// (RFC 5246, 7.3). Both are checked, as some servers echo any id on a full handshake.
func resumes(r io.Reader, id []byte) (bool, error) {
	var hs []byte
	var sh *tlswire.ServerHello
	for {
		rec, err := tlswire.ReadRecord(r)
		if err != nil {
			return false, fmt.Errorf("reading the server's answer: %w", err)
		}
		switch rec.Type {
		case tlswire.RecordAlert:
			a, err := tlswire.ParseAlert(rec.Payload)
			if err != nil {
				return false, err
			}
			return false, a
		case tlswire.RecordChangeCipherSpec:
			if sh == nil {
				return false, errors.New("ChangeCipherSpec before the ServerHello")
			}
			return true, nil // the abbreviated handshake
		case tlswire.RecordHandshake:
			hs = append(hs, rec.Payload...)
		default:
			return false, fmt.Errorf("record of type %d in the handshake", rec.Type)
		}
		if sh == nil {
			if len(hs) < 4 {
				continue
			}
			n := int(hs[1])<<16 | int(hs[2])<<8 | int(hs[3])
			if len(hs) < 4+n {
				if n > tlswire.MaxHandshakeMessage {
					return false, tlswire.ErrMessageTooLarge
				}
				continue
			}
			if hs[0] != tlswire.TypeServerHello {
				return false, fmt.Errorf("first handshake message is of type %d, not ServerHello", hs[0])
			}
			if sh, err = tlswire.ParseServerHello(hs[4 : 4+n]); err != nil {
				return false, fmt.Errorf("reading the ServerHello: %w", err)
			}
			if !bytes.Equal(sh.SessionID, id) {
				return false, nil
			}
			hs = hs[4+n:]
		}
		if len(hs) > 0 {
			// The next message: a resuming server sends a NewSessionTicket or goes straight
			// to ChangeCipherSpec; a full handshake goes on with Certificate and the rest.
			return hs[0] == tlswire.TypeNewSessionTicket, nil
		}
	}
}

// alpn returns the protocols of offeredALPN that the server agrees to. first is what it
// selected when offered all of them; each other one is offered alone on one more
// connection. A server that selected none when offered all does not negotiate ALPN: [].
func (m *measurer) alpn(ctx context.Context, first string, notes *[]string) []string {
	agreed := []string{}
	if first == "" {
		return agreed
	}
	for _, p := range offeredALPN {
		if p == first {
			agreed = append(agreed, p)
			continue
		}
		c, err := m.handshake(ctx, m.config(tls.VersionTLS13, []string{p}, nil), false)
		switch {
		case isAlert(err, tlswire.AlertNoApplicationProtocol):
		case err != nil:
			*notes = append(*notes, "alpn: not measured: offering "+p+" alone: "+err.Error())
			return nil
		case c.state.NegotiatedProtocol == p:
			agreed = append(agreed, p)
		}
	}
	return agreed
}

// signatureAlgorithms are those a current client offers (RFC 8446, 4.2.3), so that the
// resumption hello does not look odd to the server.
var signatureAlgorithms = []uint16{0x0403, 0x0503, 0x0603, 0x0804, 0x0805, 0x0806, 0x0401, 0x0501, 0x0601, 0x0203, 0x0201}
