package fakeserver

import (
	"context"
	"crypto/rand"
	"errors"
	"net"
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
	var exts []tlswire.Extension
	if opt.Secure {
		exts = append(exts, tlswire.Extension{Type: tlswire.ExtRenegotiationInfo, Data: []byte{0}})
	}
	hs, err := serveHandshake12(conn, opt.Chain, suite, exts)
	if err != nil || hs == nil {
		return err
	}
	client, server := hs.client, hs.server

	// The renegotiating ClientHello arrives encrypted; answer it with a new ServerHello.
	rec, err := tlswire.ReadRecord(conn)
	if err != nil {
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
