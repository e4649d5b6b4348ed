package session

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/mhealthsec/mhealthsec/probe/result"
	"github.com/mhealthsec/mhealthsec/probe/suites"
	"github.com/mhealthsec/mhealthsec/probe/tlswire"
	"github.com/mhealthsec/mhealthsec/probe/vuln"
)

// What crypto/tls cannot handshake with (SSL 3.0, DHE, export, RC4 or 3DES with DHE, NULL
// suites, RSA keys below 1024 bits, groups it lacks) is measured with raw hellos, whose
// ServerHello the server sends before any of that matters, and with the raw TLS 1.0–1.2
// client of probe/vuln for the full handshakes resumption needs:
//
//   - alpn: the ServerHello's ALPN extension, offered both protocols and then the other alone;
//   - session_resumption.ticket: false when the ServerHello does not acknowledge the
//     session_ticket extension (RFC 5077, 3.2: a server that will issue a ticket does);
//     otherwise the raw client gets a ticket and a raw hello offers it;
//   - session_resumption.session_id: false when the ServerHello carries no session id;
//     otherwise the raw client completes a handshake and a raw hello offers its id;
//   - session_resumption.tls13_psk and early_data: false when the server does not answer a
//     raw TLS 1.3 hello with TLS 1.3.

// rawMeasure fills r.SessionResumption, r.ALPN and r.EarlyData for a server crypto/tls
// could not handshake with (tlsErr says why).
func (m *measurer) rawMeasure(ctx context.Context, tlsErr error, r *result.Result) {
	ch, sh, err := m.legacyHello(ctx)
	if err != nil {
		r.Notes = append(r.Notes, fmt.Sprintf("session_resumption, alpn, early_data: not measured: crypto/tls: %v; raw hello: %v", tlsErr, err))
		return
	}
	sr := &result.SessionResumption{}
	r.SessionResumption = sr
	sr.TLS13PSK, r.EarlyData = m.rawTLS13(ctx, sh.CipherSuite, tlsErr, &r.Notes)
	r.ALPN = m.rawALPN(ctx, ch, sh, &r.Notes)
	if sh.SessionTicket {
		sr.Ticket = m.rawTicket(ctx, sh.SelectedVersion, tlsErr, &r.Notes)
	} else {
		sr.Ticket = result.Bool(false) // RFC 5077, 3.2
	}
	sr.SessionID = m.rawSessionID(ctx, sh.SelectedVersion, ch.CipherSuites, tlsErr, &r.Notes)
}

// rawHello sends ch on a new connection and returns the server's ServerHello; a refusal
// is the server's tlswire.Alert.
func (m *measurer) rawHello(ctx context.Context, ch *tlswire.ClientHello) (*tlswire.ServerHello, error) {
	var sh *tlswire.ServerHello
	err := m.exchange(ctx, ch, func(r io.Reader) error {
		msg, err := tlswire.NewHandshakeReader(r).ReadMessage()
		if err != nil {
			return fmt.Errorf("reading the ServerHello: %w", err)
		}
		if msg.Type != tlswire.TypeServerHello {
			return fmt.Errorf("first handshake message is of type %d, not ServerHello", msg.Type)
		}
		if sh, err = tlswire.ParseServerHello(msg.Body); err != nil {
			return fmt.Errorf("reading the ServerHello: %w", err)
		}
		return nil
	})
	return sh, err
}

// exchange sends ch on a new connection, within the timeout, and has read take the answer.
func (m *measurer) exchange(ctx context.Context, ch *tlswire.ClientHello, read func(io.Reader) error) error {
	ctx, cancel := context.WithTimeout(ctx, m.cfg.Timeout)
	defer cancel()
	c, err := m.cfg.Dial(ctx)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer c.Close()
	if d, ok := ctx.Deadline(); ok {
		_ = c.SetDeadline(d)
	}
	stop := context.AfterFunc(ctx, func() { _ = c.Close() })
	defer stop()
	recVersion := tlswire.VersionTLS10 // what clients put in the record header; many servers refuse more
	if ch.Version == tlswire.VersionSSL3 {
		recVersion = tlswire.VersionSSL3
	}
	rec, err := ch.Record(recVersion)
	if err != nil {
		return err
	}
	if _, err := c.Write(rec); err != nil {
		return fmt.Errorf("sending ClientHello: %w", err)
	}
	return read(c)
}

// baseHello is a TLS 1.0–1.2 or SSL 3.0 ClientHello offering suites at version, with the
// extensions a client of that age sends.
func (m *measurer) baseHello(version uint16, suites []uint16) *tlswire.ClientHello {
	ch := &tlswire.ClientHello{
		Version:             version,
		CipherSuites:        suites,
		ServerName:          m.cfg.SNI,
		SupportedGroups:     []uint16{tlswire.GroupX25519, tlswire.GroupSecp256r1, tlswire.GroupSecp384r1, tlswire.GroupSecp521r1, 26, 27, 28, 21, 19},
		PointFormats:        []uint8{0},
		SignatureAlgorithms: signatureAlgorithms,
		SecureRenegotiation: true,
		Pad:                 true,
	}
	_, _ = rand.Read(ch.Random[:]) // never fails (crypto/rand)
	if version < tlswire.VersionTLS12 {
		ch.SignatureAlgorithms = nil
	}
	return ch
}

// legacyVersions are tried best first by legacyHello.
var legacyVersions = []uint16{tlswire.VersionTLS12, tlswire.VersionTLS11, tlswire.VersionTLS10, tlswire.VersionSSL3}

// legacyHello finds a raw hello, at the best version up to TLS 1.2, that the server answers
// with a ServerHello, offering every suite of the version (in hellos of at most
// tlswire.MaxHelloSuites), both ALPN protocols and an empty session_ticket extension.
func (m *measurer) legacyHello(ctx context.Context) (*tlswire.ClientHello, *tlswire.ServerHello, error) {
	var refusals []string
	for _, v := range legacyVersions {
		p, err := result.ProtocolFromVersion(v)
		if err != nil {
			return nil, nil, err
		}
	chunks:
		for ids := range slices.Chunk(suiteIDs(p), tlswire.MaxHelloSuites) {
			ch := m.baseHello(v, ids)
			ch.ALPN = offeredALPN
			ch.SessionTicket = true
			sh, err := m.rawHello(ctx, ch)
			var a tlswire.Alert
			switch {
			case err == nil && sh.SelectedVersion <= v && !sh.HelloRetryRequest:
				return ch, sh, nil
			case err == nil:
				return nil, nil, fmt.Errorf("the server answered a %s hello with version %#04x", p.Label(), sh.SelectedVersion)
			case ctx.Err() != nil:
				return nil, nil, err
			case errors.As(err, &a) && a.Description == tlswire.AlertProtocolVersion:
				refusals = append(refusals, p.Label()+": "+a.Error())
				break chunks
			case errors.As(err, &a), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
				refusals = append(refusals, p.Label()+": "+err.Error())
			default:
				return nil, nil, err
			}
		}
	}
	return nil, nil, fmt.Errorf("no ServerHello to a hello of SSL 3.0 to TLS 1.2 (%s)", summarize(refusals))
}

// summarize keeps a list of refusals short: the distinct ones, in order.
func summarize(refusals []string) string {
	var out []string
	for _, s := range refusals {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	if len(out) > 4 {
		out = append(out[:4], fmt.Sprintf("and %d more", len(out)-4))
	}
	return fmt.Sprint(out)
}

// suiteIDs are the ids of every suite of probe/suites that can be negotiated in p, the
// authenticated ECDHE, DHE and RSA ones with AES, CHACHA20, 3DES or RC4 first, so that the
// first hello holds what nearly every server accepts.
func suiteIDs(p result.Protocol) []uint16 {
	var common, rest []uint16
	for _, s := range suites.Default().For(p) {
		switch {
		case s.SSLv2:
		case slices.Contains([]string{"ECDHE", "DHE", "RSA"}, s.Kx) && !s.Anonymous() && !s.Export &&
			slices.Contains([]string{"AES", "CHACHA20", "3DES", "RC4"}, s.Cipher):
			common = append(common, uint16(s.ID))
		default:
			rest = append(rest, uint16(s.ID))
		}
	}
	return append(common, rest...)
}

// rawTLS13 decides tls13_psk and early_data for a server crypto/tls could not handshake
// with: both false when a raw TLS 1.3 hello gets no TLS 1.3 answer; null when it does (the
// server speaks TLS 1.3, but the handshake that would show a ticket failed). The hello
// offers every TLS 1.3 suite, group and signature scheme, and legacy, the suite the server
// chose in an older hello, so that a server of TLS 1.2 and older answers it with its own
// version rather than a refusal.
func (m *measurer) rawTLS13(ctx context.Context, legacy uint16, tlsErr error, notes *[]string) (psk, early *bool) {
	share, _, err := tlswire.NewX25519Share(rand.Reader)
	if err != nil {
		*notes = append(*notes, "session_resumption.tls13_psk, early_data: not measured: "+err.Error())
		return nil, nil
	}
	ch := m.baseHello(tlswire.VersionTLS12, []uint16{0x1301, 0x1302, 0x1303, 0x1304, 0x1305, legacy})
	ch.SupportedVersions = []uint16{tlswire.VersionTLS13, tlswire.VersionTLS12}
	ch.SupportedGroups = append(ch.SupportedGroups, tlswire.GroupX448, tlswire.GroupFFDHE2048, tlswire.GroupFFDHE3072, tlswire.GroupFFDHE4096)
	ch.SignatureAlgorithms = append(ch.SignatureAlgorithms, 0x0807, 0x0808, 0x0809, 0x080a, 0x080b)
	ch.KeyShares = []tlswire.KeyShare{share}
	ch.PSKModes = []uint8{1}
	ch.SecureRenegotiation = false
	sh, err := m.rawHello(ctx, ch)
	var a tlswire.Alert
	var why string
	switch {
	case err == nil && (sh.SelectedVersion == tlswire.VersionTLS13 || sh.HelloRetryRequest):
		*notes = append(*notes, fmt.Sprintf("session_resumption.tls13_psk, early_data: not measured: the server answers TLS 1.3, but crypto/tls's handshake failed: %v", tlsErr))
		return nil, nil
	case err == nil:
		why = fmt.Sprintf("answered a TLS 1.3 hello with %s", versionLabel(sh.SelectedVersion))
	case errors.As(err, &a):
		why = "refused a TLS 1.3 hello with " + a.Error()
	case ctx.Err() == nil && (errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)):
		why = "closed the connection on a TLS 1.3 hello"
	default:
		*notes = append(*notes, "session_resumption.tls13_psk, early_data: not measured: TLS 1.3 hello: "+err.Error())
		return nil, nil
	}
	*notes = append(*notes, "session_resumption.tls13_psk, early_data: false: the server "+why)
	return result.Bool(false), result.Bool(false)
}

// rawALPN returns the protocols of offeredALPN the server agrees to, from the ServerHello
// sh that answered ch (which offered them all) and, when the server selected one, one more
// raw hello offering the other alone.
func (m *measurer) rawALPN(ctx context.Context, ch *tlswire.ClientHello, sh *tlswire.ServerHello, notes *[]string) []string {
	agreed := []string{}
	if sh.ALPN == "" {
		return agreed
	}
	for _, p := range offeredALPN {
		if p == sh.ALPN {
			agreed = append(agreed, p)
			continue
		}
		alone := m.baseHello(ch.Version, ch.CipherSuites)
		alone.ALPN = []string{p}
		other, err := m.rawHello(ctx, alone)
		var a tlswire.Alert
		switch {
		case errors.As(err, &a) && a.Description == tlswire.AlertNoApplicationProtocol:
		case err != nil:
			*notes = append(*notes, "alpn: not measured: offering "+p+" alone: "+err.Error())
			return nil
		case other.ALPN == p:
			agreed = append(agreed, p)
		}
	}
	return agreed
}

// rawSessionID measures resumption by session id with the raw client at version, for a
// server crypto/tls could not complete a TLS 1.2-or-older handshake with (tlsErr). offered
// are suites the server accepts in a hello at version.
func (m *measurer) rawSessionID(ctx context.Context, version uint16, offered []uint16, tlsErr error, notes *[]string) *bool {
	s, err := vuln.Handshake12(ctx, m.cfg.Dial, m.cfg.SNI, m.cfg.Timeout, version, false)
	if err != nil {
		// Without a completed handshake, a ServerHello with no session id still says
		// the server keeps none (RFC 5246, 7.4.1.3).
		if sh, herr := m.rawHello(ctx, m.baseHello(version, offered)); herr == nil && len(sh.SessionID) == 0 {
			return result.Bool(false)
		}
		*notes = append(*notes, fmt.Sprintf("session_resumption.session_id: not measured: crypto/tls: %v; raw TLS client: %v", tlsErr, err))
		return nil
	}
	if len(s.SessionID) == 0 {
		return result.Bool(false)
	}
	echoed, err := m.offer(ctx, s.Version, s.CipherSuite, s.SessionID, nil, false)
	if err != nil {
		*notes = append(*notes, "session_resumption.session_id: not measured: resuming: "+err.Error())
		return nil
	}
	return &echoed
}

// rawTicket measures resumption by TLS 1.2-or-older ticket with the raw client at version,
// for a server that acknowledged the session_ticket extension but with which crypto/tls
// could not complete a handshake (tlsErr). The resuming hello offers the ticket with a fresh
// session id, which a server that resumes echoes (RFC 5077, 3.4).
func (m *measurer) rawTicket(ctx context.Context, version uint16, tlsErr error, notes *[]string) *bool {
	s, err := vuln.Handshake12(ctx, m.cfg.Dial, m.cfg.SNI, m.cfg.Timeout, version, true)
	if err != nil {
		*notes = append(*notes, fmt.Sprintf("session_resumption.ticket: not measured: crypto/tls: %v; raw TLS client: %v", tlsErr, err))
		return nil
	}
	if s.Ticket == nil {
		return result.Bool(false)
	}
	id := make([]byte, 32)
	_, _ = rand.Read(id) // never fails (crypto/rand)
	ok, err := m.offer(ctx, s.Version, s.CipherSuite, id, s.Ticket, false)
	if err != nil {
		*notes = append(*notes, "session_resumption.ticket: not measured: resuming: "+err.Error())
		return nil
	}
	return &ok
}

// suiteIDsAt is suiteIDs for a wire version, cut to one hello.
func suiteIDsAt(version uint16) []uint16 {
	p, err := result.ProtocolFromVersion(version)
	if err != nil {
		return nil
	}
	ids := suiteIDs(p)
	return ids[:min(len(ids), tlswire.MaxHelloSuites)]
}

// versionLabel names a wire version.
func versionLabel(v uint16) string {
	if p, err := result.ProtocolFromVersion(v); err == nil {
		return p.Label()
	}
	return fmt.Sprintf("version %#04x", v)
}
