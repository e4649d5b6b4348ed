package certcheck

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"fmt"
	"time"

	"github.com/mhealthsec/mhealthsec/probe/tlswire"
)

// rawAttempt is a ClientHello written byte by byte, for servers crypto/tls cannot
// handshake with up to their Certificate message: SSL 3.0, DHE-only or Camellia-only
// suites, keys Go refuses to parse. Only the first flight is read.
type rawAttempt struct {
	name          string
	version       uint16 // client_version
	recordVersion uint16
}

func rawAttempts() []rawAttempt {
	return []rawAttempt{
		{"raw TLS 1.2 hello, legacy suites", tlswire.VersionTLS12, tlswire.VersionTLS10},
		{"raw SSL 3.0 hello, legacy suites", tlswire.VersionSSL3, tlswire.VersionSSL3},
	}
}

// legacySuites are suites of old servers that crypto/tls does not offer (DHE, Camellia,
// SEED, export, DES, static DH), after every suite Go knows.
func legacySuites() []uint16 {
	ids := suiteIDs(tls.CipherSuites())
	ids = append(ids, suiteIDs(tls.InsecureCipherSuites())...)
	return append(ids,
		0x009e, 0x009f, 0x0033, 0x0039, 0x0067, 0x006b, 0x0016, // DHE-RSA
		0x0032, 0x0038, 0x0040, 0x006a, 0x0013, // DHE-DSS
		0x0041, 0x0084, 0x0045, 0x0088, 0x0096, // Camellia, SEED
		0x009c, 0x009d, 0x003d, // RSA AES that Go lacks or hides
		0x0004, 0x0009, 0x0015, 0x0012, // RC4-MD5, DES
		0x0003, 0x0006, 0x0008, 0x0014, 0x0011, 0x0062, 0x0064, // export
		0x0030, 0x0031, 0x0036, 0x0037, 0x003e, 0x003f, 0x0068, 0x0069, // static DH
		0xc00e, 0xc00f, 0xc004, 0xc005, // static ECDH
	)
}

func rawFetch(ctx context.Context, cfg Config, a rawAttempt) ([][]byte, error) {
	conn, err := cfg.Dial(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	deadline := time.Now().Add(cfg.timeout())
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	conn.SetDeadline(deadline)
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()

	ch := &tlswire.ClientHello{
		Version:            a.version,
		CipherSuites:       legacySuites(),
		RenegotiationSCSV:  true,
		CompressionMethods: []uint8{0},
	}
	if a.version >= tlswire.VersionTLS10 {
		ch.ServerName = cfg.SNI
		ch.SupportedGroups = []uint16{tlswire.GroupX25519, tlswire.GroupSecp256r1, tlswire.GroupSecp384r1, tlswire.GroupSecp521r1}
		ch.PointFormats = []uint8{0}
		ch.SignatureAlgorithms = []uint16{0x0403, 0x0503, 0x0603, 0x0804, 0x0805, 0x0806, 0x0401, 0x0501, 0x0601, 0x0203, 0x0201, 0x0402, 0x0202}
	}
	if _, err := rand.Read(ch.Random[:]); err != nil {
		return nil, fmt.Errorf("client random: %w", err)
	}
	rec, err := ch.Record(a.recordVersion)
	if err != nil {
		return nil, fmt.Errorf("build hello: %w", err)
	}
	if _, err := conn.Write(rec); err != nil {
		return nil, &HandshakeError{a.name, err}
	}
	flight, err := tlswire.ReadFlight(tlswire.NewHandshakeReader(conn), nil)
	if flight != nil && len(flight.Chain) > 0 {
		return flight.Chain, nil
	}
	if ctx.Err() != nil {
		return nil, fmt.Errorf("tls handshake: %w", ctx.Err())
	}
	if err == nil {
		err = fmt.Errorf("server sent no certificate")
	}
	return nil, &HandshakeError{a.name, err}
}
