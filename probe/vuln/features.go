package vuln

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/mhealthsec/mhealthsec/probe/result"
	"github.com/mhealthsec/mhealthsec/probe/tlswire"
)

// helloResult is what one ServerHello tells about renegotiation and compression.
type helloResult struct {
	secureRenego, crime, insecureRenego *bool
	renegoNote, crimeNote, insecureNote string
}

// helloFeatures sends one ClientHello offering DEFLATE and the renegotiation_info extension:
// the ServerHello says whether the server supports secure renegotiation (RFC 5746) and
// whether it compresses (CRIME).
func (p *prober) helloFeatures(ctx context.Context) helloResult {
	var h helloResult
	if p.plan.tls13Only {
		h.crime = result.Bool(false)
		h.crimeNote = "not vulnerable: TLS 1.3 has no compression"
		h.insecureRenego = result.Bool(false)
		h.renegoNote = "not applicable: TLS 1.3 only, which has no renegotiation"
		return h
	}
	ch := p.hello()
	ch.SecureRenegotiation = true
	ch.CompressionMethods = []uint8{tlswire.CompressionDeflate, tlswire.CompressionNull}
	s, sh, err := p.startHello(ctx, ch)
	if err != nil {
		note := "not tested: " + err.Error()
		h.renegoNote, h.crimeNote, h.insecureNote = note, note, note
		return h
	}
	s.Close()
	h.secureRenego = result.Bool(sh.SecureRenegotiation)
	h.crime = result.Bool(sh.CompressionMethod == tlswire.CompressionDeflate)
	if *h.crime {
		h.crimeNote = "VULNERABLE: server chose DEFLATE compression"
	}
	if sh.SecureRenegotiation {
		h.insecureRenego = result.Bool(false)
		h.insecureNote = "server supports RFC 5746, so renegotiation is secure"
	} else {
		h.renegoNote = "no renegotiation_info in the ServerHello (" + verLabel(s.version) + ")"
		h.insecureRenego, h.insecureNote = p.insecureRenegotiation(ctx)
	}
	return h
}

// fallbackSCSV offers the second-best protocol with TLS_FALLBACK_SCSV (RFC 7507): a server
// that supports it refuses with inappropriate_fallback. With a single protocol no downgrade
// exists and the check is null, as testssl.sh reports it.
func (p *prober) fallbackSCSV(ctx context.Context) (*bool, string) {
	if !p.plan.measured {
		return nil, "not tested: supported protocols unknown (no enumeration)"
	}
	if len(p.plan.protocols) < 2 {
		return nil, "not applicable: only one protocol, no downgrade possible"
	}
	lower := p.plan.protocols[len(p.plan.protocols)-2]
	ch := p.hello()
	ch.Version = lower
	ch.CipherSuites = p.plan.anySuites
	ch.FallbackSCSV = true
	ch.SecureRenegotiation = true
	if lower < tlswire.VersionTLS12 {
		ch.SignatureAlgorithms = nil
	}
	s, _, err := p.startHello(ctx, ch)
	if err == nil {
		s.Close()
		return result.Bool(false), "server accepted a " + verLabel(lower) + " fallback hello"
	}
	if a, ok := isAlert(err); ok {
		if a.Description == tlswire.AlertInappropriateFallback {
			return result.Bool(true), ""
		}
		return nil, "not tested: " + verLabel(lower) + " fallback hello answered with " + a.Name()
	}
	return nil, "not tested: " + err.Error()
}

// ticketbleed follows testssl.sh's run_ticketbleed (CVE-2016-9244): get a session ticket,
// then resume with it and a 16-byte session id. An F5 BIG-IP that is vulnerable echoes a
// 32-byte session id: ours followed by 16 bytes of its memory.
func (p *prober) ticketbleed(ctx context.Context) (*bool, string) {
	if p.plan.tls13Only {
		return result.Bool(false), "not vulnerable: TLS 1.3 only"
	}
	// The ticket comes from a crypto/tls handshake, or, where that cannot succeed (suites
	// or keys crypto/tls refuses, such as RSA-512), from the raw TLS 1.2 client.
	ticket, ems, err := p.anyTicket(ctx)
	if err != nil {
		return nil, "not tested: " + err.Error()
	}
	if ticket == nil {
		return result.Bool(false), "not vulnerable: no session ticket issued"
	}
	ch := p.hello()
	ch.SessionID = make([]byte, 16)
	rand.Read(ch.SessionID)
	ch.Extra = append(ch.Extra, tlswire.Extension{Type: tlswire.ExtSessionTicket, Data: ticket})
	// A session made with extended_master_secret (crypto/tls always uses it) is refused
	// resumption without it (RFC 7627, 5.3); the raw client's sessions have none.
	ch.ExtendedMasterSecret = ems
	s, sh, err := p.startHello(ctx, ch)
	if err != nil {
		return nil, "not tested: resumption hello: " + err.Error()
	}
	s.Close()
	if len(sh.SessionID) == 32 && bytes.Equal(sh.SessionID[:16], ch.SessionID) {
		return result.Bool(true), "VULNERABLE: 16-byte session id echoed as 32 bytes"
	}
	return result.Bool(false), ""
}

// anyTicket gets a session ticket from crypto/tls, or else from the raw TLS 1.2 client;
// ems says whether the session used the extended master secret.
func (p *prober) anyTicket(ctx context.Context) (ticket []byte, ems bool, err error) {
	why := p.ticketHandshakeImpossible()
	if why == "" {
		if ticket, err = p.sessionTicket(ctx); err == nil {
			return ticket, true, nil
		}
		why = err.Error()
	}
	if !client12Speaks(p.plan.version) {
		return nil, false, errors.New(why)
	}
	if len(p.plan.tlsSuites) > 0 && !slices.ContainsFunc(p.plan.tlsSuites, func(id uint16) bool { return slices.Contains(client12SuiteIDs(p.plan.version), id) }) {
		return nil, false, errors.New(why + "; nor one the raw TLS 1.2 client runs")
	}
	ch := p.hello12()
	ch.SessionTicket = true
	c, rerr := p.fullHandshake(ctx, ch)
	if rerr != nil {
		return nil, false, fmt.Errorf("%s; raw TLS client: %w", why, rerr)
	}
	c.s.Close()
	return c.ticket, false, nil
}

// ticketHandshakeImpossible says why, by the enumeration, the server cannot complete the
// TLS 1.0–1.2 crypto/tls handshake that gets a session ticket; "" when it may.
func (p *prober) ticketHandshakeImpossible() string {
	if !p.plan.measured {
		return ""
	}
	if p.plan.version < tlswire.VersionTLS10 {
		return "no TLS 1.0–1.2 protocol supported (measured), and session tickets need one"
	}
	if len(p.plan.tlsSuites) == 0 {
		return ""
	}
	for _, id := range p.plan.tlsSuites {
		if slices.Contains(ticketSuites(), id) {
			return ""
		}
	}
	return "none of the accepted TLS 1.0–1.2 suites (measured) is one crypto/tls can negotiate for a session ticket"
}

// ticketSuites are the TLS 1.0–1.2 suites the session-ticket handshake offers: all that
// crypto/tls implements.
func ticketSuites() []uint16 {
	var suites []uint16
	for _, cs := range append(tls.CipherSuites(), tls.InsecureCipherSuites()...) {
		suites = append(suites, cs.ID)
	}
	return suites
}

// sessionTicket completes a TLS 1.2 (or older) handshake with crypto/tls and returns the
// session ticket the server issued, nil when it issued none.
func (p *prober) sessionTicket(ctx context.Context) ([]byte, error) {
	conn, stop, err := p.dial(ctx)
	if err != nil {
		return nil, err
	}
	defer stop()
	cache := &ticketCache{}
	suites := ticketSuites()
	cfg := &tls.Config{
		ServerName:         p.cfg.SNI,
		InsecureSkipVerify: true, // trust is certcheck's job; this only wants a ticket
		MinVersion:         tls.VersionTLS10,
		MaxVersion:         tls.VersionTLS12,
		CipherSuites:       suites,
		ClientSessionCache: cache,
	}
	if cfg.ServerName == "" {
		cfg.ServerName = "localhost"
	}
	tc := tls.Client(conn, cfg)
	defer tc.Close()
	if err := tc.HandshakeContext(ctx); err != nil {
		return nil, fmt.Errorf("handshake for a session ticket: %w", err)
	}
	st := cache.get()
	if st == nil {
		return nil, nil
	}
	ticket, _, err := st.ResumptionState()
	if err != nil {
		return nil, fmt.Errorf("session ticket: %w", err)
	}
	if len(ticket) == 0 {
		return nil, nil
	}
	return ticket, nil
}

// ticketCache keeps the one session the handshake stores.
type ticketCache struct {
	mu sync.Mutex
	cs *tls.ClientSessionState
}

func (c *ticketCache) Get(string) (*tls.ClientSessionState, bool) { return nil, false }

func (c *ticketCache) Put(_ string, cs *tls.ClientSessionState) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if cs != nil {
		c.cs = cs
	}
}

func (c *ticketCache) get() *tls.ClientSessionState {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.cs
}
