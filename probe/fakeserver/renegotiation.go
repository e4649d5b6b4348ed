package fakeserver

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"net"
	"slices"
	"time"

	"github.com/mhealthsec/mhealthsec/probe/tlswire"
)

// RenegotiationOptions configures the renegotiating fake.
type RenegotiationOptions struct {
	// Chain is sent in the Certificate message; the fake signs nothing with it (its
	// ServerKeyExchange signature is filler a scanner does not verify).
	Chain [][]byte
	// Secure makes the fake support RFC 5746 (renegotiation_info); without it the fake is
	// a pre-2010 server open to the renegotiation attack (CVE-2009-3555).
	Secure bool
}

// Renegotiation completes a real TLS 1.2 handshake (ECDHE_RSA_WITH_AES_128_GCM_SHA256 over
// X25519) and then accepts a client-initiated renegotiation, answering the encrypted
// ClientHello with an encrypted ServerHello. It does not check the client's Finished or its
// renegotiation_info: it is the server that lets anyone renegotiate.
func Renegotiation(opt RenegotiationOptions) Handler {
	return func(ctx context.Context, conn net.Conn) {
		conn.SetDeadline(time.Now().Add(drainLimit))
		_ = renegotiate(ctx, conn, opt)
	}
}

const suiteECDHERSAAES128GCM uint16 = 0xc02f

func renegotiate(ctx context.Context, conn net.Conn, opt RenegotiationOptions) error {
	const ver = tlswire.VersionTLS12
	ch, _, err := ReadClientHello(conn)
	if err != nil {
		return err
	}
	if ch.MaxVersion() < ver || !slices.Contains(ch.CipherSuites, suiteECDHERSAAES128GCM) ||
		!slices.Contains(ch.SupportedGroups, tlswire.GroupX25519) {
		return WriteAlert(conn, ver, tlswire.AlertHandshakeFailure)
	}
	var exts []tlswire.Extension
	if opt.Secure {
		exts = append(exts, tlswire.Extension{Type: tlswire.ExtRenegotiationInfo, Data: []byte{0}})
	}
	sh := tlswire.ServerHello{Version: ver, SessionID: make([]byte, 32), CipherSuite: suiteECDHERSAAES128GCM, Extensions: exts}
	rand.Read(sh.Random[:])
	rand.Read(sh.SessionID)
	hello, err := sh.Marshal()
	if err != nil {
		return err
	}
	cert, err := tlswire.MarshalCertificate(opt.Chain)
	if err != nil {
		return err
	}
	priv, err := ecdh.X25519().GenerateKey(rand.Reader)
	if err != nil {
		return err
	}
	pub := priv.PublicKey().Bytes()
	ske := []byte{3, 0, byte(tlswire.GroupX25519), byte(len(pub))}
	ske = append(ske, pub...)
	ske = append(ske, 0x04, 0x01) // rsa_pkcs1_sha256, with a filler signature
	ske = appendVector16(ske, filler(256))
	if err := WriteHandshake(conn, ver, hello, cert, tlswire.AppendMessage(nil, tlswire.TypeServerKeyExchange, ske),
		tlswire.AppendMessage(nil, tlswire.TypeServerHelloDone, nil)); err != nil {
		return err
	}

	// ClientKeyExchange, ChangeCipherSpec, encrypted Finished.
	rec, err := tlswire.ReadRecord(conn)
	if err != nil {
		return err
	}
	p := rec.Payload
	if rec.Type != tlswire.RecordHandshake || len(p) < 5 || p[0] != tlswire.TypeClientKeyExchange || int(p[4]) != len(p)-5 {
		return WriteAlert(conn, ver, tlswire.AlertUnexpectedMessage)
	}
	peer, err := ecdh.X25519().NewPublicKey(p[5:])
	if err != nil {
		return WriteAlert(conn, ver, tlswire.AlertIllegalParameter)
	}
	pms, err := priv.ECDH(peer)
	if err != nil {
		return err
	}
	master := prf12(pms, "master secret", append(ch.Random[:], sh.Random[:]...), 48)
	kb := prf12(master, "key expansion", append(sh.Random[:], ch.Random[:]...), 40)
	client, err := newGCMState(kb[0:16], kb[32:36])
	if err != nil {
		return err
	}
	server, err := newGCMState(kb[16:32], kb[36:40])
	if err != nil {
		return err
	}
	if rec, err = tlswire.ReadRecord(conn); err != nil || rec.Type != tlswire.RecordChangeCipherSpec {
		return errors.New("fakeserver: expected ChangeCipherSpec")
	}
	if rec, err = tlswire.ReadRecord(conn); err != nil {
		return err
	}
	if _, err := client.open(rec.Type, rec.Payload); err != nil {
		return WriteAlert(conn, ver, tlswire.AlertBadRecordMAC)
	}
	verify := filler(12)
	out := tlswire.AppendRecords(nil, tlswire.RecordChangeCipherSpec, ver, []byte{1})
	out = tlswire.AppendRecords(out, tlswire.RecordHandshake, ver,
		server.seal(tlswire.RecordHandshake, tlswire.AppendMessage(nil, tlswire.TypeFinished, verify)))
	if _, err := conn.Write(out); err != nil {
		return err
	}

	// The renegotiating ClientHello arrives encrypted; answer it with a new ServerHello.
	if rec, err = tlswire.ReadRecord(conn); err != nil {
		return err
	}
	plain, err := client.open(rec.Type, rec.Payload)
	if err != nil || rec.Type != tlswire.RecordHandshake || len(plain) == 0 || plain[0] != tlswire.TypeClientHello {
		return errors.New("fakeserver: expected a renegotiating ClientHello")
	}
	sh2 := tlswire.ServerHello{Version: ver, CipherSuite: suiteECDHERSAAES128GCM, Extensions: exts}
	rand.Read(sh2.Random[:])
	hello2, err := sh2.Marshal()
	if err != nil {
		return err
	}
	if err := tlswire.WriteRecords(conn, tlswire.RecordHandshake, ver, server.seal(tlswire.RecordHandshake, hello2)); err != nil {
		return err
	}
	Drain(ctx, conn, drainLimit)
	return nil
}

// gcmState is one direction of TLS 1.2 AES-GCM record protection (RFC 5288).
type gcmState struct {
	aead cipher.AEAD
	iv   []byte
	seq  uint64
}

func newGCMState(key, iv []byte) (*gcmState, error) {
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	a, err := cipher.NewGCM(b)
	if err != nil {
		return nil, err
	}
	return &gcmState{aead: a, iv: iv}, nil
}

func (g *gcmState) additional(typ uint8, n int) []byte {
	ad := binary.BigEndian.AppendUint64(nil, g.seq)
	ad = append(ad, typ, 3, 3)
	return binary.BigEndian.AppendUint16(ad, uint16(n))
}

func (g *gcmState) seal(typ uint8, plain []byte) []byte {
	explicit := binary.BigEndian.AppendUint64(nil, g.seq)
	nonce := append(append([]byte{}, g.iv...), explicit...)
	ad := g.additional(typ, len(plain))
	g.seq++
	return g.aead.Seal(explicit, nonce, plain, ad)
}

func (g *gcmState) open(typ uint8, payload []byte) ([]byte, error) {
	if len(payload) < 8+g.aead.Overhead() {
		return nil, errors.New("fakeserver: encrypted record too short")
	}
	nonce := append(append([]byte{}, g.iv...), payload[:8]...)
	ad := g.additional(typ, len(payload)-8-g.aead.Overhead())
	g.seq++
	return g.aead.Open(nil, nonce, payload[8:], ad)
}

// prf12 is the TLS 1.2 PRF with SHA-256 (RFC 5246, 5).
func prf12(secret []byte, label string, seed []byte, n int) []byte {
	seed = append([]byte(label), seed...)
	mac := hmac.New(sha256.New, secret)
	mac.Write(seed)
	a := mac.Sum(nil)
	var out []byte
	for len(out) < n {
		mac.Reset()
		mac.Write(a)
		mac.Write(seed)
		out = mac.Sum(out)
		mac.Reset()
		mac.Write(a)
		a = mac.Sum(nil)
	}
	return out[:n]
}
