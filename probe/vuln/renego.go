package vuln

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"golang.org/x/crypto/cryptobyte"

	"github.com/mhealthsec/mhealthsec/probe/result"
	"github.com/mhealthsec/mhealthsec/probe/tlswire"
)

// Renegotiation needs what tlswire deliberately leaves out: a whole TLS 1.2 handshake and
// record protection. client12.go holds the smallest client that can do it, for the common
// suites; it authenticates nobody and only wants to know whether the server lets the
// client start a second handshake.

// clientRenegotiation decides secure_client_renego (testssl.sh's id): after a full TLS 1.2
// handshake the client sends a second ClientHello, with renegotiation_info carrying its
// Finished (RFC 5746). A server that answers with a ServerHello lets clients renegotiate
// (testssl.sh: "VULNERABLE, potential DoS threat"); a no_renegotiation alert, a fatal alert
// or a closed connection is not vulnerable.
func (p *prober) clientRenegotiation(ctx context.Context) (*bool, string) {
	if p.plan.tls13Only {
		return result.Bool(false), "not vulnerable: TLS 1.3 only, which has no renegotiation"
	}
	accepted, why, err := p.renegotiate(ctx, true)
	if err != nil {
		return nil, "not tested: " + err.Error()
	}
	return result.Bool(accepted), why
}

// insecureRenegotiation decides insecure_renego for a server without RFC 5746: the same
// renegotiation without any renegotiation_info. A server that accepts it is open to the
// 2009 renegotiation attack (CVE-2009-3555).
func (p *prober) insecureRenegotiation(ctx context.Context) (*bool, string) {
	accepted, why, err := p.renegotiate(ctx, false)
	if err != nil {
		return nil, "not tested: " + err.Error()
	}
	return result.Bool(accepted), why
}

// renegotiate runs a TLS 1.2 handshake and then asks for a new one; secure selects RFC 5746
// (renegotiation_info in both hellos) or the legacy form (none).
func (p *prober) renegotiate(ctx context.Context, secure bool) (accepted bool, why string, err error) {
	if !client12Speaks(p.plan.version) {
		return false, "", fmt.Errorf("renegotiation client speaks TLS 1.0–1.2; best protocol is %s", verLabel(p.plan.version))
	}
	ch := p.hello12()
	ch.SecureRenegotiation = secure
	c, err := p.fullHandshake(ctx, ch)
	if err != nil {
		return false, "", err
	}
	defer c.s.Close()

	again := p.hello12()
	if secure {
		ri := append([]byte{byte(len(c.clientVerify))}, c.clientVerify...)
		again.Extra = append(again.Extra, tlswire.Extension{Type: tlswire.ExtRenegotiationInfo, Data: ri})
	}
	msg, err := again.Marshal()
	if err != nil {
		return false, "", err
	}
	if err := c.writeEncrypted(tlswire.RecordHandshake, msg); err != nil {
		return false, "not vulnerable: connection closed on renegotiation", nil
	}
	// Application data the server sent after the handshake (a banner, an HTTP answer)
	// may come before the answer to the hello.
	typ, plain, rep := c.readEncrypted()
	for i := 0; i < 8 && typ == tlswire.RecordApplicationData; i++ {
		typ, plain, rep = c.readEncrypted()
	}
	switch {
	case rep.closed:
		return false, "not vulnerable: connection closed on renegotiation", nil
	case rep.timeout:
		return false, "not vulnerable: renegotiation ignored (no answer)", nil
	case rep.err != nil:
		return false, "", rep.err
	case typ == tlswire.RecordAlert && len(plain) == 2:
		a := tlswire.Alert{Level: plain[0], Description: plain[1]}
		return false, "not vulnerable: renegotiation refused with alert " + a.Name(), nil
	case typ == tlswire.RecordHandshake && len(plain) > 0 && plain[0] == tlswire.TypeServerHello:
		if secure {
			return true, "VULNERABLE (DoS threat): server accepts client-initiated renegotiation", nil
		}
		return true, "VULNERABLE: server renegotiates without RFC 5746 (CVE-2009-3555)", nil
	}
	return false, "", fmt.Errorf("unexpected answer to renegotiation: record type %d", typ)
}

// conn12 is an established TLS 1.0–1.2 connection with AES-GCM or AES-CBC record protection.
type conn12 struct {
	s              *session
	client, server protector
	clientVerify   []byte
	// ticket is the session ticket the server issued (NewSessionTicket), nil if none.
	ticket []byte
	// version is the negotiated protocol, TLS 1.0–1.2.
	version uint16
	// hello is the server's ServerHello.
	hello *tlswire.ServerHello
}

// fullHandshake runs a TLS 1.2 handshake (one of client12Suites) to the server's Finished.
func (p *prober) fullHandshake(ctx context.Context, ch *tlswire.ClientHello) (*conn12, error) {
	conn, stop, err := p.dial(ctx)
	if err != nil {
		return nil, err
	}
	s := &session{conn: conn, hr: tlswire.NewHandshakeReader(conn), version: ch.Version, stop: stop}
	c, err := handshake12(s, ch)
	if err != nil {
		s.Close()
		return nil, err
	}
	return c, nil
}

func handshake12(s *session, ch *tlswire.ClientHello) (*conn12, error) {
	hello, err := ch.Marshal()
	if err != nil {
		return nil, err
	}
	var transcript []byte
	transcript = append(transcript, hello...)
	if _, err := s.conn.Write(tlswire.AppendRecords(nil, tlswire.RecordHandshake, tlswire.VersionTLS10, hello)); err != nil {
		return nil, fmt.Errorf("send ClientHello: %w", err)
	}
	var (
		sh            *tlswire.ServerHello
		suite         suite12
		chain         [][]byte
		ske           []byte
		certRequested bool
	)
	for done := false; !done; {
		m, err := s.hr.ReadMessage()
		if err != nil {
			return nil, fmt.Errorf("read server flight: %w", err)
		}
		transcript = tlswire.AppendMessage(transcript, m.Type, m.Body)
		switch m.Type {
		case tlswire.TypeServerHello:
			if sh, err = tlswire.ParseServerHello(m.Body); err != nil {
				return nil, err
			}
			if sh.SelectedVersion != ch.Version {
				return nil, &versionError{chosen: sh.SelectedVersion, offered: ch.Version}
			}
			var ok bool
			if suite, ok = lookupReadSuite(sh.CipherSuite); !ok || !suite.usable(ch.Version) || !slices.Contains(ch.CipherSuites, sh.CipherSuite) {
				return nil, fmt.Errorf("server chose suite 0x%04x, which was not offered", sh.CipherSuite)
			}
		case tlswire.TypeCertificate:
			if chain, err = tlswire.ParseCertificate(m.Body, false); err != nil {
				return nil, err
			}
		case tlswire.TypeServerKeyExchange:
			ske = m.Body
		case tlswire.TypeServerHelloDone:
			done = true
		case tlswire.TypeCertificateStatus:
		case tlswire.TypeCertificateRequest:
			// Answered below with an empty Certificate: we have none, and a server that
			// only asks (gnutls-serv does by default) goes on without.
			certRequested = true
		default:
			return nil, fmt.Errorf("unexpected handshake message %d", m.Type)
		}
	}
	if sh == nil || suite.kx != 0 && ske == nil {
		return nil, errors.New("server sent no key exchange")
	}
	preMaster, ckx, err := suite.clientKeyExchange(ske, chain, ch.Version)
	if err != nil {
		return nil, err
	}
	var flight []byte
	if certRequested {
		flight = tlswire.AppendMessage(flight, tlswire.TypeCertificate, []byte{0, 0, 0})
	}
	flight = tlswire.AppendMessage(flight, tlswire.TypeClientKeyExchange, ckx)
	transcript = append(transcript, flight...)

	v := ch.Version
	master, client, server, err := suite.keys(v, preMaster, ch.Random, sh.Random)
	if err != nil {
		return nil, err
	}
	c := &conn12{s: s, client: client, server: server, version: v, hello: sh}
	c.clientVerify = suite.prfBytes(v, master, "client finished", suite.transcriptHash(v, transcript), tlswire.VerifyDataLen)
	finished := tlswire.AppendMessage(nil, tlswire.TypeFinished, c.clientVerify)

	out := tlswire.AppendRecords(nil, tlswire.RecordHandshake, v, flight)
	out = tlswire.AppendRecords(out, tlswire.RecordChangeCipherSpec, v, []byte{1})
	if _, err := s.conn.Write(out); err != nil {
		return nil, fmt.Errorf("send key exchange: %w", err)
	}
	if err := c.writeEncrypted(tlswire.RecordHandshake, finished); err != nil {
		return nil, fmt.Errorf("send Finished: %w", err)
	}
	// The server answers NewSessionTicket (in the clear, if it issues one), CCS and its
	// encrypted Finished.
	encrypted := false
	for range 4 {
		rec, err := tlswire.ReadRecord(s.conn)
		if err != nil {
			return nil, fmt.Errorf("read server Finished: %w", err)
		}
		switch {
		case rec.Type == tlswire.RecordChangeCipherSpec:
			encrypted = true
		case rec.Type == tlswire.RecordAlert && !encrypted:
			if a, err := tlswire.ParseAlert(rec.Payload); err == nil {
				return nil, fmt.Errorf("handshake refused: %w", a)
			}
			return nil, errors.New("handshake refused with a malformed alert")
		case rec.Type == tlswire.RecordAlert:
			return nil, errors.New("handshake refused with an encrypted alert")
		case rec.Type == tlswire.RecordHandshake && !encrypted:
			if t := newSessionTicket(rec.Payload); t != nil {
				c.ticket = t
			}
		case rec.Type == tlswire.RecordHandshake:
			plain, err := c.server.Open(rec.Type, rec.Payload)
			if err != nil {
				return nil, fmt.Errorf("server Finished: %w", err)
			}
			if len(plain) > 0 && plain[0] == tlswire.TypeFinished {
				return c, nil
			}
			return nil, fmt.Errorf("expected server Finished, got handshake type %d", plain[0])
		default:
			return nil, fmt.Errorf("unexpected record type %d before server Finished", rec.Type)
		}
	}
	return nil, errors.New("no server Finished")
}

// newSessionTicket returns the ticket of a record holding one NewSessionTicket message
// (RFC 5077, 3.3), nil for anything else.
func newSessionTicket(payload []byte) []byte {
	in := cryptobyte.String(payload)
	var typ uint8
	var body, ticket cryptobyte.String
	var lifetime uint32
	if !in.ReadUint8(&typ) || typ != tlswire.TypeNewSessionTicket || !in.ReadUint24LengthPrefixed(&body) ||
		!body.ReadUint32(&lifetime) || !body.ReadUint16LengthPrefixed(&ticket) || len(ticket) == 0 {
		return nil
	}
	return append([]byte{}, ticket...)
}

// writeEncrypted sends one record protected with the client's AES-GCM state.
func (c *conn12) writeEncrypted(typ uint8, plain []byte) error {
	return tlswire.WriteRecords(c.s.conn, typ, c.version, c.client.Seal(typ, plain))
}

// readEncrypted reads and decrypts the next record.
func (c *conn12) readEncrypted() (typ uint8, plain []byte, rep reply) {
	return c.readEncryptedWithin(0)
}

// readEncryptedWithin is readEncrypted waiting at most wait (0: until the connection's
// deadline).
func (c *conn12) readEncryptedWithin(wait time.Duration) (typ uint8, plain []byte, rep reply) {
	rep = c.s.readReply(wait)
	if rep.record == nil && rep.alert == nil {
		return 0, nil, rep
	}
	rec := rep.record
	if rep.alert != nil { // a two-byte plaintext alert
		return tlswire.RecordAlert, rep.alert.Marshal(), reply{}
	}
	plain, err := c.server.Open(rec.Type, rec.Payload)
	if err != nil {
		return 0, nil, reply{err: err}
	}
	return rec.Type, plain, reply{}
}
