package fakeserver

import (
	"crypto/ecdh"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"errors"
	"fmt"
	"hash"
	"net"
	"slices"

	"github.com/mhealthsec/mhealthsec/probe/tlswire"
)

// The fakes that must finish a handshake (renegotiation, the CBC padding oracles) share one
// TLS 1.2 server handshake over ECDHE_RSA with X25519: real key exchange and record
// protection, a filler ServerKeyExchange signature (a scanner does not verify it) and a
// filler server Finished; the client's Finished is decrypted and its MAC checked, not its
// verify_data.

// recordProtector is what GCM and CBC record protection share.
type recordProtector interface {
	Seal(typ uint8, plain []byte) []byte
	Open(typ uint8, payload []byte) ([]byte, error)
}

// established is a finished handshake: each direction's record protection.
type established struct {
	client, server recordProtector
}

// suiteKeys says how a suite of serveHandshake12 cuts its key block: its MAC hash for CBC
// suites (nil for AES-128-GCM).
func suiteKeys(suite uint16) (mac func() hash.Hash, ok bool) {
	switch suite {
	case tlswire.SuiteECDHERSAWithAES128GCMSHA256:
		return nil, true
	case tlswire.SuiteECDHERSAWithAES128CBCSHA:
		return sha1.New, true
	case tlswire.SuiteECDHERSAWithAES128CBCSHA256:
		return sha256.New, true
	}
	return nil, false
}

// serveHandshake12 runs the server side of a TLS 1.2 handshake with suite on conn, sending
// exts in the ServerHello. A client that does not offer TLS 1.2, the suite and X25519 gets
// handshake_failure, and serveHandshake12 returns nil, nil.
func serveHandshake12(conn net.Conn, chain [][]byte, suite uint16, exts []tlswire.Extension) (*established, error) {
	const ver = tlswire.VersionTLS12
	mac, ok := suiteKeys(suite)
	if !ok {
		return nil, fmt.Errorf("fakeserver: no TLS 1.2 handshake for suite 0x%04x", suite)
	}
	ch, _, err := ReadClientHello(conn)
	if err != nil {
		return nil, err
	}
	if ch.MaxVersion() < ver || !slices.Contains(ch.CipherSuites, suite) ||
		!slices.Contains(ch.SupportedGroups, tlswire.GroupX25519) {
		return nil, WriteAlert(conn, ver, tlswire.AlertHandshakeFailure)
	}
	sh := tlswire.ServerHello{Version: ver, SessionID: make([]byte, 32), CipherSuite: suite, Extensions: exts}
	rand.Read(sh.Random[:])
	rand.Read(sh.SessionID)
	priv, err := ecdh.X25519().GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	pub := priv.PublicKey().Bytes()
	ske := []byte{3, 0, byte(tlswire.GroupX25519), byte(len(pub))}
	ske = append(ske, pub...)
	ske = append(ske, 0x04, 0x01) // rsa_pkcs1_sha256, with a filler signature
	ske = appendVector16(ske, filler(256))
	if err := writeFlight(conn, &sh, chain, ske); err != nil {
		return nil, err
	}

	// ClientKeyExchange, ChangeCipherSpec, encrypted Finished.
	rec, err := tlswire.ReadRecord(conn)
	if err != nil {
		return nil, err
	}
	p := rec.Payload
	if rec.Type != tlswire.RecordHandshake || len(p) < 5 || p[0] != tlswire.TypeClientKeyExchange || int(p[4]) != len(p)-5 {
		return nil, WriteAlert(conn, ver, tlswire.AlertUnexpectedMessage)
	}
	pms, err := tlswire.SharedSecret(priv, p[5:])
	if err != nil {
		return nil, WriteAlert(conn, ver, tlswire.AlertIllegalParameter)
	}
	master := tlswire.MasterSecret(pms, ch.Random, sh.Random)
	hs := &established{}
	if mac == nil {
		keys := tlswire.ExpandKeys(master, ch.Random, sh.Random)
		if hs.client, err = tlswire.NewGCMProtector(keys.ClientKey, keys.ClientIV); err != nil {
			return nil, err
		}
		if hs.server, err = tlswire.NewGCMProtector(keys.ServerKey, keys.ServerIV); err != nil {
			return nil, err
		}
	} else {
		keys := tlswire.ExpandKeyBlock(sha256.New, master, ch.Random, sh.Random, mac().Size(), 16, 0)
		if hs.client, err = tlswire.NewCBCProtector(ver, keys.ClientKey, keys.ClientMAC, nil, mac); err != nil {
			return nil, err
		}
		if hs.server, err = tlswire.NewCBCProtector(ver, keys.ServerKey, keys.ServerMAC, nil, mac); err != nil {
			return nil, err
		}
	}
	if rec, err = tlswire.ReadRecord(conn); err != nil || rec.Type != tlswire.RecordChangeCipherSpec {
		return nil, errors.New("fakeserver: expected ChangeCipherSpec")
	}
	if rec, err = tlswire.ReadRecord(conn); err != nil {
		return nil, err
	}
	if _, err := hs.client.Open(rec.Type, rec.Payload); err != nil {
		return nil, WriteAlert(conn, ver, tlswire.AlertBadRecordMAC)
	}
	verify := filler(tlswire.VerifyDataLen) // the client does not check it
	out := tlswire.AppendRecords(nil, tlswire.RecordChangeCipherSpec, ver, []byte{1})
	out = tlswire.AppendRecords(out, tlswire.RecordHandshake, ver,
		hs.server.Seal(tlswire.RecordHandshake, tlswire.AppendMessage(nil, tlswire.TypeFinished, verify)))
	if _, err := conn.Write(out); err != nil {
		return nil, err
	}
	return hs, nil
}
