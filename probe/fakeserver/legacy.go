package fakeserver

import (
	"context"
	"crypto/rand"
	"fmt"
	"net"
	"time"

	"github.com/mhealthsec/mhealthsec/probe/pki"
	"github.com/mhealthsec/mhealthsec/probe/tlswire"
)

// drainLimit bounds how long a fake waits for the client to hang up after its last write.
const drainLimit = 10 * time.Second

// NewChain issues a leaf for localhost/127.0.0.1 under a fresh root and returns the chain
// a fake sends (leaf first), as DER.
func NewChain(key pki.KeySpec) ([][]byte, error) {
	ca, err := pki.NewRoot("mhealthsec fakeserver root")
	if err != nil {
		return nil, fmt.Errorf("fakeserver: root: %w", err)
	}
	c, err := ca.Issue(pki.LeafOptions{Key: key})
	if err != nil {
		return nil, fmt.Errorf("fakeserver: leaf: %w", err)
	}
	return c.Certificate, nil
}

// SSLv3Options configures the SSL 3.0-only fake.
type SSLv3Options struct {
	// Suites in server preference order; RSA key exchange suites only (the fake sends no
	// ServerKeyExchange). Default: RC4-SHA, DES-CBC3-SHA, AES128-SHA.
	Suites []uint16
	// Chain is sent in the Certificate message, leaf first.
	Chain [][]byte
}

// SSLv3 answers an SSL 3.0 ClientHello with ServerHello, Certificate and ServerHelloDone,
// choosing the first of its suites the client offers; it answers any other version with a
// protocol_version alert and a hello without a shared suite with handshake_failure. It
// never finishes a handshake: a scanner needs only the first flight, and whatever the
// client sends after it is refused with handshake_failure, as a server that cannot go on
// would, instead of leaving the client to wait out its timeout.
func SSLv3(opt SSLv3Options) Handler {
	suites := opt.Suites
	if len(suites) == 0 {
		suites = []uint16{0x0005, 0x000a, 0x002f}
	}
	f := flight{minVersion: tlswire.VersionSSL3, maxVersion: tlswire.VersionSSL3, refuseNewer: true,
		suites: suites, chain: opt.Chain}
	return f.refuseAfter()
}

// notSSLv2Linger is how long the SSL 2.0 fake reads on after bytes that are not SSL 2.0.
const notSSLv2Linger = 200 * time.Millisecond

// SSLv2Options configures the SSL 2.0 fake.
type SSLv2Options struct {
	// CipherKinds the server supports; default all seven of SSL 2.0.
	CipherKinds []uint32
	// Certificate is the DER leaf sent in SERVER-HELLO.
	Certificate []byte
	// IgnoreClientKinds lists every supported kind whatever the client offered, as OpenSSL
	// did before CVE-2015-3197 was fixed.
	IgnoreClientKinds bool
}

// SSLv2 answers an SSL 2.0 CLIENT-HELLO with a SERVER-HELLO listing the cipher kinds both
// sides support (or an SSL 2.0 ERROR when there are none). Anything that is not an SSL 2.0
// record gets the connection closed without a reply (after a short read-on), as an SSL
// 2.0-only server that cannot parse it would.
func SSLv2(opt SSLv2Options) Handler {
	kinds := opt.CipherKinds
	if len(kinds) == 0 {
		kinds = tlswire.SSLv2CipherKinds()
	}
	return func(ctx context.Context, conn net.Conn) {
		conn.SetDeadline(time.Now().Add(drainLimit))
		body, err := tlswire.ReadSSLv2Record(conn)
		if err != nil {
			// Take in what the client is still sending before closing, so that the close
			// is a FIN and not a reset that breaks clients writing their hello in parts.
			Drain(ctx, conn, notSSLv2Linger)
			return
		}
		ch, err := tlswire.ParseSSLv2ClientHello(body)
		if err != nil {
			return
		}
		var offer []uint32
		for _, k := range kinds {
			for _, c := range ch.CipherKinds {
				if k == c || opt.IgnoreClientKinds {
					offer = append(offer, k)
					break
				}
			}
		}
		var msg []byte
		if len(offer) == 0 {
			msg = []byte{tlswire.SSLv2MsgError, 0x00, 0x01} // NO-CIPHER-ERROR
		} else {
			sh := tlswire.SSLv2ServerHello{CertificateType: 1, Version: tlswire.VersionSSL2,
				Certificate: opt.Certificate, CipherKinds: offer, ConnectionID: make([]byte, 16)}
			rand.Read(sh.ConnectionID)
			if msg, err = sh.Marshal(); err != nil {
				return
			}
		}
		rec, err := tlswire.AppendSSLv2Record(nil, msg)
		if err != nil {
			return
		}
		if _, err := conn.Write(rec); err != nil {
			return
		}
		Drain(ctx, conn, drainLimit)
	}
}
