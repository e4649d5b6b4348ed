// Package session measures what a TLS server does beyond one handshake: whether it resumes
// sessions by session id, by ticket and by TLS 1.3 pre-shared key; which ALPN protocols
// (h2, http/1.1) it agrees to; and whether the tickets it issues allow TLS 1.3 early data.
//
// Handshakes are made with crypto/tls, which resumes with tickets and PSKs only. Resumption
// by session id is read from the server's answer to a raw ClientHello that offers the id of
// a completed handshake: a server that resumes echoes the id (RFC 5246, 7.4.1.3). Early data
// is read from the decrypted NewSessionTicket messages (RFC 8446, 4.6.1): crypto/tls cannot
// send 0-RTT data, so the probe reports what the server advertises, not what it would accept.
//
// A server crypto/tls cannot handshake with (SSL 3.0, DHE, export or NULL suites, small RSA
// keys) is measured from raw ServerHellos and with the raw TLS 1.0–1.2 client of probe/vuln
// (raw.go).
package session

import (
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"slices"
	"time"

	probecheck "github.com/mhealthsec/mhealthsec/probe/check" // the tests have a func check
	"github.com/mhealthsec/mhealthsec/probe/result"
	"github.com/mhealthsec/mhealthsec/probe/tlswire"
)

// DefaultTimeout bounds each connection when Config.Timeout is zero.
const DefaultTimeout = 10 * time.Second

// How long after a TLS 1.3 handshake the client waits for a NewSessionTicket: servers
// send it at once, with their Finished (crypto/tls) or on the client's Finished, one
// round trip later (OpenSSL, GnuTLS). The handshake took at least one round trip, so
// ticketWaitRTTs times its duration, within [minTicketWait, maxTicketWait], waits out a
// ticket that comes; a server that sends none costs that wait, not maxTicketWait.
const (
	ticketWaitRTTs = 4
	minTicketWait  = 500 * time.Millisecond
	maxTicketWait  = 3 * time.Second
)

// ticketWait is how long to wait for a ticket after a handshake that took d.
func ticketWait(d time.Duration) time.Duration {
	return min(maxTicketWait, max(minTicketWait, ticketWaitRTTs*d))
}

// The ALPN protocols the probe offers, in the order reported.
var offeredALPN = []string{"h2", "http/1.1"}

// maxCapture bounds the server bytes kept per connection; the ServerHello and the first
// tickets come well within it.
const maxCapture = 256 << 10

// Config says where and how to measure. Timeout bounds each connection; zero means
// DefaultTimeout.
type Config = probecheck.ConnConfig

// Measure fills r.SessionResumption, r.ALPN and r.EarlyData. A value that could not be
// measured stays null and a note in r.Notes says why.
func Measure(ctx context.Context, cfg Config, r *result.Result) {
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	m := &measurer{cfg: cfg}
	r.SessionResumption = &result.SessionResumption{}
	sr := r.SessionResumption

	first, err := m.handshake(ctx, m.config(tls.VersionTLS13, offeredALPN, newCache()), true)
	if err != nil {
		r.SessionResumption = nil
		if ctx.Err() != nil {
			r.Notes = append(r.Notes, "session_resumption, alpn, early_data: not measured: "+err.Error())
			return
		}
		m.rawMeasure(ctx, err, r)
		return
	}
	if first.state.Version == tls.VersionTLS13 {
		sr.TLS13PSK, r.EarlyData = m.tls13(ctx, first, &r.Notes)
		sr.Ticket = m.ticket12(ctx, nil, &r.Notes)
	} else {
		f, t := false, false
		sr.TLS13PSK, r.EarlyData = &f, &t
		r.Notes = append(r.Notes, "session_resumption.tls13_psk, early_data: false: the server chose "+
			tls.VersionName(first.state.Version)+" when offered TLS 1.3")
		sr.Ticket = m.ticket12(ctx, first, &r.Notes)
	}
	sr.SessionID = m.sessionID(ctx, &r.Notes)
	r.ALPN = m.alpn(ctx, first.state.NegotiatedProtocol, &r.Notes)
}

type measurer struct {
	cfg Config
	// shift moves crypto/tls's clock back inside the server certificate's validity:
	// crypto/tls offers no session whose certificate has expired, even when it verifies
	// nothing, which would make every expired server look as if it never resumed.
	shift time.Duration
}

// now is the clock of every measurement handshake.
func (m *measurer) now() time.Time { return time.Now().Add(m.shift) }

// verify sets shift when the leaf has expired; it runs before any ticket arrives, so that
// every session time crypto/tls records is on the shifted clock.
func (m *measurer) verify(cs tls.ConnectionState) error {
	if m.shift == 0 && len(cs.PeerCertificates) > 0 {
		if end := cs.PeerCertificates[0].NotAfter; time.Now().After(end) {
			m.shift = time.Until(end.Add(-time.Hour))
		}
	}
	return nil
}

// config returns the client configuration of one measurement handshake: every suite and
// version crypto/tls has up to maxVersion, no verification (the certificate is judged
// elsewhere), and a session cache when cache is not nil.
func (m *measurer) config(maxVersion uint16, alpn []string, cache *cache) *tls.Config {
	var suites []uint16
	for _, s := range slices.Concat(tls.CipherSuites(), tls.InsecureCipherSuites()) {
		suites = append(suites, s.ID)
	}
	c := &tls.Config{
		ServerName:         m.cfg.SNI,
		InsecureSkipVerify: true, //nolint:gosec // a measurement: the chain is judged by certcheck
		MinVersion:         tls.VersionTLS10,
		MaxVersion:         maxVersion,
		CipherSuites:       suites,
		NextProtos:         alpn,
		Time:               m.now,
		VerifyConnection:   m.verify,
	}
	if cache != nil {
		c.ClientSessionCache = cache
	} else {
		c.SessionTicketsDisabled = true
	}
	return c
}

// conn is one completed handshake with what the server sent on it.
type conn struct {
	state tls.ConnectionState
	// in is what the server sent, up to maxCapture bytes.
	in []byte
	// keyLog is the NSS key log of the connection (RFC 9850 format), for reading tickets.
	keyLog []byte
	// ticket says whether the server issued a ticket or PSK that the client stored;
	// waited is how long after the handshake the client waited for one (0: no wait).
	ticket bool
	waited time.Duration
	cache  *cache
	// config is what the handshake was made with; a clone resumes it.
	config *tls.Config
}

// handshake connects with tc. With waitTicket, a TLS 1.3 connection is read until the
// server's first NewSessionTicket arrives or the ticketWait of the handshake passes.
func (m *measurer) handshake(ctx context.Context, tc *tls.Config, waitTicket bool) (*conn, error) {
	ctx, cancel := context.WithTimeout(ctx, m.cfg.Timeout)
	defer cancel()
	raw, err := m.cfg.Dial(ctx)
	if err != nil {
		return nil, fmt.Errorf("connect: %w", err)
	}
	defer raw.Close()
	rec := &recorder{Conn: raw}
	var keyLog bytes.Buffer
	tc.KeyLogWriter = &keyLog
	c := &conn{config: tc}
	if ca, ok := tc.ClientSessionCache.(*cache); ok {
		c.cache = ca
		ca.onPut = func() {
			c.ticket = true
			_ = raw.SetReadDeadline(time.Now()) // wake the Read below
		}
	}
	deadline, _ := ctx.Deadline()
	_ = raw.SetDeadline(deadline)
	tlsConn := tls.Client(rec, tc)
	start := time.Now()
	if err := tlsConn.HandshakeContext(ctx); err != nil {
		return nil, fmt.Errorf("handshake: %w", err)
	}
	c.state = tlsConn.ConnectionState()
	if waitTicket && c.state.Version == tls.VersionTLS13 && c.cache != nil && !c.ticket {
		// crypto/tls handles NewSessionTicket inside Read; onPut ends the wait.
		c.waited = ticketWait(time.Since(start))
		wait := time.Now().Add(c.waited)
		if deadline.Before(wait) {
			wait = deadline
			c.waited = time.Until(deadline)
		}
		_ = raw.SetReadDeadline(wait)
		var b [1]byte
		for {
			if _, err := tlsConn.Read(b[:]); err != nil {
				break
			}
		}
	}
	c.in = rec.bytes()
	c.keyLog = keyLog.Bytes()
	// close_notify: OpenSSL drops the session of a connection that ends without it
	// (SSL_free on an unshut connection), which would hide its resumption.
	_ = tlsConn.Close()
	return c, nil
}

// tls13 resumes the TLS 1.3 connection first (its PSK) and reads its tickets for early data.
func (m *measurer) tls13(ctx context.Context, first *conn, notes *[]string) (psk, early *bool) {
	if !first.ticket {
		f := false
		*notes = append(*notes, fmt.Sprintf("session_resumption.tls13_psk, early_data: false: no TLS 1.3 ticket within %v of the handshake", first.waited.Round(time.Millisecond)))
		return &f, &f
	}
	early = m.earlyData(first, notes)
	second, err := m.handshake(ctx, first.config.Clone(), false)
	if err != nil {
		*notes = append(*notes, "session_resumption.tls13_psk: not measured: resuming: "+err.Error())
		return nil, early
	}
	ok := second.state.DidResume
	return &ok, early
}

// failed12 says what a failed TLS 1.2-or-older handshake means for field: a server that
// refuses TLS 1.2 and older resumes no such session (false), and a handshake cut short by
// ctx measured nothing (null); each with a note. Any other failure it leaves undecided,
// for the caller's raw client to try.
func failed12(ctx context.Context, err error, field string, notes *[]string) (v *bool, decided bool) {
	if isAlert(err, tlswire.AlertProtocolVersion) {
		f := false
		*notes = append(*notes, field+": false: the server refused TLS 1.2 and older")
		return &f, true
	}
	if ctx.Err() != nil {
		*notes = append(*notes, field+": not measured: "+err.Error())
		return nil, true
	}
	return nil, false
}

// ticket12 measures resumption by TLS 1.2 (or older) session ticket. first is a completed
// TLS 1.2-or-older handshake with tickets offered, or nil to make one.
func (m *measurer) ticket12(ctx context.Context, first *conn, notes *[]string) *bool {
	if first == nil {
		var err error
		first, err = m.handshake(ctx, m.config(tls.VersionTLS12, nil, newCache()), false)
		if err != nil {
			if v, decided := failed12(ctx, err, "session_resumption.ticket", notes); decided {
				return v
			}
			return m.rawTicket(ctx, tls.VersionTLS12, err, notes)
		}
	}
	if !first.ticket {
		f := false
		return &f
	}
	second, err := m.handshake(ctx, first.config.Clone(), false)
	if err != nil {
		*notes = append(*notes, "session_resumption.ticket: not measured: resuming: "+err.Error())
		return nil
	}
	ok := second.state.DidResume
	return &ok
}
