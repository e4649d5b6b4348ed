package fakeserver

import (
	"context"
	"crypto/ecdh"
	"crypto/rand"
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

func renegotiate(ctx context.Context, conn net.Conn, opt RenegotiationOptions) error {
	const ver, suite = tlswire.VersionTLS12, tlswire.SuiteECDHERSAWithAES128GCMSHA256
	ch, _, err := ReadClientHello(conn)
	if err != nil {
		return err
	}
	if ch.MaxVersion() < ver || !slices.Contains(ch.CipherSuites, suite) ||
		!slices.Contains(ch.SupportedGroups, tlswire.GroupX25519) {
		return WriteAlert(conn, ver, tlswire.AlertHandshakeFailure)
	}
	var exts []tlswire.Extension
	if opt.Secure {
		exts = append(exts, tlswire.Extension{Type: tlswire.ExtRenegotiationInfo, Data: []byte{0}})
	}
	sh := tlswire.ServerHello{Version: ver, SessionID: make([]byte, 32), CipherSuite: suite, Extensions: exts}
	rand.Read(sh.Random[:])
	rand.Read(sh.SessionID)
	priv, err := ecdh.X25519().GenerateKey(rand.Reader)
	if err != nil {
		return err
	}
	pub := priv.PublicKey().Bytes()
	ske := []byte{3, 0, byte(tlswire.GroupX25519), byte(len(pub))}
	ske = append(ske, pub...)
	ske = append(ske, 0x04, 0x01) // rsa_pkcs1_sha256, with a filler signature
	ske = appendVector16(ske, filler(256))
	if err := writeFlight(conn, &sh, opt.Chain, ske); err != nil {
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
	pms, err := tlswire.SharedSecret(priv, p[5:])
	if err != nil {
		return WriteAlert(conn, ver, tlswire.AlertIllegalParameter)
	}
	master := tlswire.MasterSecret(pms, ch.Random, sh.Random)
	keys := tlswire.ExpandKeys(master, ch.Random, sh.Random)
	client, err := tlswire.NewGCMProtector(keys.ClientKey, keys.ClientIV)
	if err != nil {
		return err
	}
	server, err := tlswire.NewGCMProtector(keys.ServerKey, keys.ServerIV)
	if err != nil {
		return err
	}
	if rec, err = tlswire.ReadRecord(conn); err != nil || rec.Type != tlswire.RecordChangeCipherSpec {
		return errors.New("fakeserver: expected ChangeCipherSpec")
	}
	if rec, err = tlswire.ReadRecord(conn); err != nil {
		return err
	}
	if _, err := client.Open(rec.Type, rec.Payload); err != nil {
		return WriteAlert(conn, ver, tlswire.AlertBadRecordMAC)
	}
	verify := filler(tlswire.VerifyDataLen) // the client does not check it
	out := tlswire.AppendRecords(nil, tlswire.RecordChangeCipherSpec, ver, []byte{1})
	out = tlswire.AppendRecords(out, tlswire.RecordHandshake, ver,
		server.Seal(tlswire.RecordHandshake, tlswire.AppendMessage(nil, tlswire.TypeFinished, verify)))
	if _, err := conn.Write(out); err != nil {
		return err
	}

	// The renegotiating ClientHello arrives encrypted; answer it with a new ServerHello.
	if rec, err = tlswire.ReadRecord(conn); err != nil {
		return err
	}
	plain, err := client.Open(rec.Type, rec.Payload)
	if err != nil || rec.Type != tlswire.RecordHandshake || len(plain) == 0 || plain[0] != tlswire.TypeClientHello {
		return errors.New("fakeserver: expected a renegotiating ClientHello")
	}
	sh2 := tlswire.ServerHello{Version: ver, CipherSuite: suite, Extensions: exts}
	rand.Read(sh2.Random[:])
	hello2, err := sh2.Marshal()
	if err != nil {
		return err
	}
	if err := tlswire.WriteRecords(conn, tlswire.RecordHandshake, ver, server.Seal(tlswire.RecordHandshake, hello2)); err != nil {
		return err
	}
	Drain(ctx, conn, drainLimit)
	return nil
}
