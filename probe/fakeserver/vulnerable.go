package fakeserver

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"encoding/binary"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"time"

	"github.com/mhealthsec/mhealthsec/probe/tlswire"
)

// This file holds the fakes of servers with known vulnerabilities (Heartbleed, CCS
// injection, ROBOT, export suites). Each one answers a ClientHello with a real first
// flight (flight.go: ServerHello, Certificate, optional ServerKeyExchange, ServerHelloDone) over RSA
// key transport and then misbehaves exactly where the vulnerability lies; they never finish
// a handshake.

// rsaSuites are the RSA key transport suites the vulnerable fakes serve, in preference
// order: AES128-GCM-SHA256, AES256-GCM-SHA384, AES128-SHA, AES256-SHA, DES-CBC3-SHA.
func rsaSuites() []uint16 { return []uint16{0x009c, 0x009d, 0x002f, 0x0035, 0x000a} }

// offersHeartbeat reports whether the hello carries the heartbeat extension.
func offersHeartbeat(ch *tlswire.ClientHello) bool {
	if ch.Heartbeat {
		return true
	}
	for _, e := range ch.Extra {
		if e.Type == tlswire.ExtHeartbeat {
			return true
		}
	}
	return false
}

// VulnOptions configures the Heartbleed and CCS-injection fakes.
type VulnOptions struct {
	// Chain is sent in the Certificate message, leaf first (see NewChain).
	Chain [][]byte
}

// leakedMemory is what the Heartbleed fake "leaks": recognisable, and plainly not a secret.
const leakedMemory = "mhealthsec fakeserver heap: Cookie: session=0123456789abcdef; -----BEGIN FAKE PRIVATE KEY----- "

// Heartbleed is an OpenSSL 1.0.1f lookalike (CVE-2014-0160): it negotiates the heartbeat
// extension and answers a heartbeat request with as many bytes as the request claims,
// whatever it carried, filling the rest from its "memory" — also before the handshake is
// finished, as vulnerable OpenSSL did.
func Heartbleed(opt VulnOptions) Handler {
	f := flight{minVersion: tlswire.VersionTLS10, maxVersion: tlswire.VersionTLS12, suites: rsaSuites(), chain: opt.Chain,
		extensions: func(ch *tlswire.ClientHello) []tlswire.Extension {
			exts := []tlswire.Extension{{Type: tlswire.ExtRenegotiationInfo, Data: []byte{0}}}
			if offersHeartbeat(ch) {
				exts = append(exts, tlswire.Extension{Type: tlswire.ExtHeartbeat, Data: []byte{1}})
			}
			return exts
		}}
	return f.then(func(ctx context.Context, conn net.Conn, n negotiated) {
		for {
			rec, err := tlswire.ReadRecord(conn)
			if err != nil {
				return
			}
			if rec.Type != tlswire.RecordHeartbeat {
				_ = WriteAlert(conn, n.version, tlswire.AlertUnexpectedMessage)
				return
			}
			typ, claimed, payload, err := tlswire.ParseHeartbeat(rec.Payload)
			if err != nil || typ != tlswire.HeartbeatRequest {
				continue
			}
			echo := make([]byte, claimed)
			for i := range echo {
				if i < len(payload) {
					echo[i] = payload[i]
				} else {
					echo[i] = leakedMemory[(i-len(payload))%len(leakedMemory)]
				}
			}
			resp := tlswire.HeartbeatMessage(tlswire.HeartbeatResponse, claimed, echo)
			if tlswire.WriteRecords(conn, tlswire.RecordHeartbeat, n.version, resp) != nil {
				return
			}
		}
	})
}

// CCSInjection is an OpenSSL 1.0.1g-and-older lookalike (CVE-2014-0224): it accepts a
// ChangeCipherSpec before the key exchange in silence, switching (in the real bug) to keys
// made from an empty master secret, so the next record fails to decrypt and it sends
// decryption_failed, the answer testssl.sh looks for.
func CCSInjection(opt VulnOptions) Handler {
	f := flight{minVersion: tlswire.VersionTLS10, maxVersion: tlswire.VersionTLS12, suites: rsaSuites(), chain: opt.Chain}
	return f.then(func(ctx context.Context, conn net.Conn, n negotiated) {
		rec, err := tlswire.ReadRecord(conn)
		if err != nil {
			return
		}
		if rec.Type != tlswire.RecordChangeCipherSpec {
			_ = WriteAlert(conn, n.version, tlswire.AlertHandshakeFailure)
			return
		}
		// Early CCS accepted: the next record is "encrypted" with keys the client cannot
		// have, whatever it is.
		if _, err := tlswire.ReadRecord(conn); err != nil {
			return
		}
		_ = WriteAlert(conn, n.version, tlswire.AlertDecryptionFailed)
		Drain(ctx, conn, drainLimit)
	})
}

// ROBOTOptions configures the ROBOT fake.
type ROBOTOptions struct {
	// Certificate must hold an RSA private key: the fake decrypts the premaster secret.
	Certificate tls.Certificate
}

// ROBOT is a server with a Bleichenbacher padding oracle (ROBOT, CVE-2017-13099 and
// friends): it decrypts the RSA ClientKeyExchange and answers differently depending on
// what is wrong with the PKCS#1 v1.5 padding — handshake_failure for wrong leading bytes,
// decode_error for a missing separator, a silent close for a misplaced separator — while a
// well-formed secret reaches the Finished check and gets bad_record_mac. A sound server
// answers all of them alike.
func ROBOT(opt ROBOTOptions) (Handler, error) {
	key, ok := opt.Certificate.PrivateKey.(*rsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("fakeserver: ROBOT needs an RSA key, got %T", opt.Certificate.PrivateKey)
	}
	f := flight{minVersion: tlswire.VersionTLS10, maxVersion: tlswire.VersionTLS12, suites: rsaSuites(), chain: opt.Certificate.Certificate}
	return f.then(func(ctx context.Context, conn net.Conn, n negotiated) {
		// Read the record itself: a CCS here must be refused, not skipped.
		rec, err := tlswire.ReadRecord(conn)
		if err != nil {
			return
		}
		p := rec.Payload
		if rec.Type != tlswire.RecordHandshake || len(p) < 6 || p[0] != tlswire.TypeClientKeyExchange {
			_ = WriteAlert(conn, n.version, tlswire.AlertUnexpectedMessage)
			return
		}
		pm := rawDecrypt(key, p[6:])
		k := (key.N.BitLen() + 7) / 8
		switch {
		case len(pm) != k || pm[0] != 0 || pm[1] != 2:
			_ = WriteAlert(conn, n.version, tlswire.AlertHandshakeFailure)
			return
		case separator(pm) < 0:
			_ = WriteAlert(conn, n.version, tlswire.AlertDecodeError)
			return
		case k-separator(pm)-1 != 48:
			return // close without a word
		}
		// Well-formed (or only the version is wrong): wait for CCS and Finished, which
		// cannot verify, as a real handshake would.
		for range 2 {
			if _, err := tlswire.ReadRecord(conn); err != nil {
				return
			}
		}
		_ = WriteAlert(conn, n.version, tlswire.AlertBadRecordMAC)
		Drain(ctx, conn, drainLimit)
	}), nil
}

// rawDecrypt is textbook RSA decryption, left-padded to the modulus length; the oracle is
// in what the fake does with the result.
func rawDecrypt(key *rsa.PrivateKey, c []byte) []byte {
	m := new(big.Int).Exp(new(big.Int).SetBytes(c), key.D, key.N)
	return m.FillBytes(make([]byte, (key.N.BitLen()+7)/8))
}

// separator returns the index of the 0x00 that ends PKCS#1 v1.5 padding, or -1.
func separator(pm []byte) int {
	for i := 2; i < len(pm); i++ {
		if pm[i] == 0 {
			return i
		}
	}
	return -1
}

// ExportOptions configures the export-suite fake.
type ExportOptions struct {
	// Chain is sent in the Certificate message; its RSA key signs nothing (the fake's
	// ServerKeyExchange signatures are filler a scanner does not verify).
	Chain [][]byte
}

// Export suites the fake offers, in its preference order.
const (
	SuiteExpRC4MD5        uint16 = 0x0003 // EXP-RC4-MD5
	SuiteExpRC2CBCMD5     uint16 = 0x0006 // EXP-RC2-CBC-MD5
	SuiteExpDESCBCSHA     uint16 = 0x0008 // EXP-DES-CBC-SHA
	SuiteExpEDHRSADESCBCS uint16 = 0x0014 // EXP-EDH-RSA-DES-CBC-SHA
)

// Export serves only the 1990s export suites on SSL 3.0 and TLS 1.0 (TLS 1.1 forbade them):
// RSA_EXPORT suites with a temporary 512-bit RSA key and DHE_EXPORT with 512-bit DH
// parameters, both in a ServerKeyExchange. The keys are fresh per fake; nothing is ever
// encrypted with them, and what the client sends after the first flight is refused with
// handshake_failure.
func Export(opt ExportOptions) (Handler, error) {
	rsaModulus, err := modulus512()
	if err != nil {
		return nil, err
	}
	dhPrime, err := rand.Prime(rand.Reader, 512)
	if err != nil {
		return nil, fmt.Errorf("fakeserver: DH prime: %w", err)
	}
	f := flight{minVersion: tlswire.VersionSSL3, maxVersion: tlswire.VersionTLS10, chain: opt.Chain,
		suites: []uint16{SuiteExpRC4MD5, SuiteExpRC2CBCMD5, SuiteExpDESCBCSHA, SuiteExpEDHRSADESCBCS},
		ske: func(suite uint16) []byte {
			if suite == SuiteExpEDHRSADESCBCS {
				return dheParams(dhPrime)
			}
			return rsaParams(rsaModulus)
		}}
	return f.refuseAfter(), nil
}

// modulus512 returns a 512-bit RSA modulus (the product of two 256-bit primes): Go refuses
// to generate RSA keys that small, and the fake needs only the public half.
func modulus512() (*big.Int, error) {
	for {
		p, err := rand.Prime(rand.Reader, 256)
		if err != nil {
			return nil, fmt.Errorf("fakeserver: RSA prime: %w", err)
		}
		q, err := rand.Prime(rand.Reader, 256)
		if err != nil {
			return nil, fmt.Errorf("fakeserver: RSA prime: %w", err)
		}
		if n := new(big.Int).Mul(p, q); n.BitLen() == 512 {
			return n, nil
		}
	}
}

// rsaParams is a ServerRSAParams body (RFC 2246, 7.4.3) with a 64-byte filler signature.
func rsaParams(n *big.Int) []byte {
	var b []byte
	b = appendVector16(b, n.Bytes())
	b = appendVector16(b, big.NewInt(65537).Bytes())
	return appendVector16(b, filler(64))
}

// dheParams is a ServerDHParams body with generator 2, a random public value and a filler
// signature.
func dheParams(p *big.Int) []byte {
	y, _ := rand.Int(rand.Reader, p)
	var b []byte
	b = appendVector16(b, p.Bytes())
	b = appendVector16(b, []byte{2})
	b = appendVector16(b, y.Bytes())
	return appendVector16(b, filler(64))
}

func appendVector16(b, v []byte) []byte {
	b = binary.BigEndian.AppendUint16(b, uint16(len(v)))
	return append(b, v...)
}

func filler(n int) []byte {
	b := make([]byte, n)
	io.ReadFull(rand.Reader, b)
	return b
}

// Compression is a server that still compresses TLS records (CRIME, CVE-2012-4929): it picks
// DEFLATE whenever the client offers it.
func Compression(opt VulnOptions) Handler {
	f := flight{minVersion: tlswire.VersionTLS10, maxVersion: tlswire.VersionTLS12, suites: rsaSuites(), chain: opt.Chain, deflate: true}
	return f.refuseAfter()
}

// TicketbleedOptions configures the Ticketbleed fake.
type TicketbleedOptions struct {
	// Certificate serves the full handshakes (crypto/tls) that issue session tickets.
	Certificate tls.Certificate
}

// Ticketbleed is an F5 BIG-IP lookalike (CVE-2016-9244): ordinary handshakes are served by
// crypto/tls and get session tickets; a hello that offers a ticket with a session id
// shorter than 32 bytes is answered with a ServerHello whose session id is 32 bytes long —
// the client's followed by bytes of the server's "memory".
func Ticketbleed(opt TicketbleedOptions) Handler {
	cfg := &tls.Config{Certificates: []tls.Certificate{opt.Certificate}, MaxVersion: tls.VersionTLS12}
	return func(ctx context.Context, conn net.Conn) {
		conn.SetDeadline(time.Now().Add(drainLimit))
		rec, err := tlswire.ReadRecord(conn)
		if err != nil || rec.Type != tlswire.RecordHandshake {
			return
		}
		var ch *tlswire.ClientHello
		if len(rec.Payload) > 4 && rec.Payload[0] == tlswire.TypeClientHello {
			ch, _ = tlswire.ParseClientHello(rec.Payload[4:])
		}
		if ch != nil && ch.SessionTicket && len(ch.SessionID) > 0 && len(ch.SessionID) < 32 {
			suite, err := pickSuite([]uint16{0xc02f, 0xc030, 0x009c, 0x002f}, ch.CipherSuites)
			if err != nil {
				_ = WriteAlert(conn, tlswire.VersionTLS12, tlswire.AlertHandshakeFailure)
				return
			}
			sid := append(append([]byte{}, ch.SessionID...), leakedMemory[:32-len(ch.SessionID)]...)
			sh := tlswire.ServerHello{Version: tlswire.VersionTLS12, SessionID: sid, CipherSuite: suite,
				Extensions: []tlswire.Extension{{Type: tlswire.ExtRenegotiationInfo, Data: []byte{0}}}}
			rand.Read(sh.Random[:])
			hello, err := sh.Marshal()
			if err != nil || WriteHandshake(conn, tlswire.VersionTLS12, hello) != nil {
				return
			}
			Drain(ctx, conn, drainLimit)
			return
		}
		// Anything else is a normal handshake: replay the record to crypto/tls.
		raw := []byte{rec.Type, byte(rec.Version >> 8), byte(rec.Version), byte(len(rec.Payload) >> 8), byte(len(rec.Payload))}
		raw = append(raw, rec.Payload...)
		tc := tls.Server(&replayConn{Conn: conn, r: io.MultiReader(bytes.NewReader(raw), conn)}, cfg)
		if tc.HandshakeContext(ctx) == nil {
			answerHTTP(tc)
			Drain(ctx, tc, drainLimit)
		}
	}
}

// answerHTTP answers one HTTP request with an empty 200, as the web server behind the
// lookalike would; a fake that stayed silent after the handshake would make every HTTPS
// client wait out its timeout. Anything that is not a request gets no answer.
func answerHTTP(conn net.Conn) {
	req, err := http.ReadRequest(bufio.NewReader(conn))
	if err != nil {
		return
	}
	req.Body.Close()
	io.WriteString(conn, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
}

// replayConn is a connection whose first bytes come from r (already read from Conn).
type replayConn struct {
	net.Conn
	r io.Reader
}

func (c *replayConn) Read(b []byte) (int, error) { return c.r.Read(b) }

// NullCipher serves only the NULL-encryption suites (TLS_RSA_WITH_NULL_SHA256, _SHA, _MD5)
// on TLS 1.0–1.2, which no maintained library will serve: traffic would go in clear text.
// Like the other fakes it never finishes a handshake.
func NullCipher(opt VulnOptions) Handler {
	f := flight{minVersion: tlswire.VersionTLS10, maxVersion: tlswire.VersionTLS12, chain: opt.Chain,
		suites: []uint16{0x003b, 0x0002, 0x0001}}
	return f.refuseAfter()
}
