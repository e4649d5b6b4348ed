package fakeserver

import (
	"context"
	"crypto/rand"
	"net"
	"slices"
	"time"

	"github.com/mhealthsec/mhealthsec/probe/tlswire"
)

// The fakes that never finish a handshake (the vulnerable ones, SSL 3.0, export) share one
// server of the first flight: ServerHello, Certificate, optional ServerKeyExchange,
// ServerHelloDone.

// flight describes the first flight a fake sends.
type flight struct {
	// minVersion and maxVersion bound the version the fake negotiates: the client's best
	// within the range.
	minVersion, maxVersion uint16
	// refuseNewer answers a hello that offers more than maxVersion with protocol_version
	// instead of negotiating down, as the SSL 3.0-only fake does.
	refuseNewer bool
	suites      []uint16
	chain       [][]byte
	// extensions returns the ServerHello extensions for a hello; nil gives the
	// renegotiation_info a maintained server sends.
	extensions func(ch *tlswire.ClientHello) []tlswire.Extension
	// ske returns the ServerKeyExchange body for the chosen suite, nil for none.
	ske func(suite uint16) []byte
	// deflate makes the fake choose DEFLATE compression when the client offers it.
	deflate bool
}

// negotiated is the outcome of a first flight.
type negotiated struct {
	version uint16
	suite   uint16
	hello   *tlswire.ClientHello
}

// serve reads the ClientHello and writes the first flight; on a hello the fake cannot
// serve it sends the alert a server would and returns ok false.
func (f flight) serve(conn net.Conn) (negotiated, bool) {
	ch, _, err := ReadClientHello(conn)
	if err != nil {
		return negotiated{}, false
	}
	ver := ch.MaxVersion()
	if ver > f.maxVersion && !f.refuseNewer {
		ver = f.maxVersion
	}
	if ver < f.minVersion || ver > f.maxVersion {
		_ = WriteAlert(conn, f.minVersion, tlswire.AlertProtocolVersion)
		return negotiated{}, false
	}
	suite, err := pickSuite(f.suites, ch.CipherSuites)
	if err != nil {
		_ = WriteAlert(conn, ver, tlswire.AlertHandshakeFailure)
		return negotiated{}, false
	}
	exts := []tlswire.Extension{{Type: tlswire.ExtRenegotiationInfo, Data: []byte{0}}}
	if f.extensions != nil {
		exts = f.extensions(ch)
	}
	if ver == tlswire.VersionSSL3 {
		exts = nil
	}
	sh := tlswire.ServerHello{Version: ver, SessionID: make([]byte, 32), CipherSuite: suite, Extensions: exts}
	if f.deflate && slices.Contains(ch.CompressionMethods, tlswire.CompressionDeflate) {
		sh.CompressionMethod = tlswire.CompressionDeflate
	}
	rand.Read(sh.Random[:])
	rand.Read(sh.SessionID)
	var ske []byte
	if f.ske != nil {
		ske = f.ske(suite)
	}
	if writeFlight(conn, &sh, f.chain, ske) != nil {
		return negotiated{}, false
	}
	return negotiated{version: ver, suite: suite, hello: ch}, true
}

// writeFlight writes sh, a Certificate message with chain, a ServerKeyExchange with body ske
// unless it is nil, and ServerHelloDone, in one write with the version of sh.
func writeFlight(conn net.Conn, sh *tlswire.ServerHello, chain [][]byte, ske []byte) error {
	hello, err := sh.Marshal()
	if err != nil {
		return err
	}
	cert, err := tlswire.MarshalCertificate(chain)
	if err != nil {
		return err
	}
	msgs := [][]byte{hello, cert}
	if ske != nil {
		msgs = append(msgs, tlswire.AppendMessage(nil, tlswire.TypeServerKeyExchange, ske))
	}
	msgs = append(msgs, tlswire.AppendMessage(nil, tlswire.TypeServerHelloDone, nil))
	return WriteHandshake(conn, sh.Version, msgs...)
}

// refuseAfter serves the first flight and refuses whatever the client sends next with
// handshake_failure: the fake never finishes a handshake, and this way a client does not
// wait for a Finished that will not come.
func (f flight) refuseAfter() Handler {
	return f.then(func(ctx context.Context, conn net.Conn, n negotiated) {
		if _, err := tlswire.ReadRecord(conn); err == nil {
			_ = WriteAlert(conn, n.version, tlswire.AlertHandshakeFailure)
		}
	})
}

// then makes the handler of a fake: it serves the first flight and, when the client's hello
// could be served, hands the connection on to next.
func (f flight) then(next func(ctx context.Context, conn net.Conn, n negotiated)) Handler {
	return func(ctx context.Context, conn net.Conn) {
		conn.SetDeadline(time.Now().Add(drainLimit))
		if n, ok := f.serve(conn); ok {
			next(ctx, conn, n)
		}
	}
}
