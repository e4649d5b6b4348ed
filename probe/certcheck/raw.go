package certcheck

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"errors"
	"fmt"
	"time"

	"golang.org/x/crypto/cryptobyte"

	"github.com/mhealthsec/mhealthsec/probe/result"
	"github.com/mhealthsec/mhealthsec/probe/suites"
	"github.com/mhealthsec/mhealthsec/probe/tlswire"
)

// rawAttempt is a ClientHello written byte by byte, for servers crypto/tls cannot
// handshake with up to their Certificate message: SSL 3.0, DHE-only, Camellia-only or
// NULL-only suites, keys Go refuses to parse. Only the first flight is read.
type rawAttempt struct {
	name          string
	version       uint16 // client_version
	recordVersion uint16
	suites        []uint16
}

// rawAttempts offers every certificate-authenticated suite, at TLS 1.2 and at SSL 3.0, in
// hellos of at most tlswire.MaxHelloSuites suites each.
func rawAttempts() []rawAttempt {
	chunks := certSuiteChunks()
	var out []rawAttempt
	for _, v := range []struct {
		name                   string
		version, recordVersion uint16
	}{
		{"raw TLS 1.2 hello", tlswire.VersionTLS12, tlswire.VersionTLS10},
		{"raw SSL 3.0 hello", tlswire.VersionSSL3, tlswire.VersionSSL3},
	} {
		for i, c := range chunks {
			name := fmt.Sprintf("%s, certificate suites %d/%d", v.name, i+1, len(chunks))
			out = append(out, rawAttempt{name, v.version, v.recordVersion, c})
		}
	}
	return out
}

// certSuiteChunks lists every suite of the table whose server sends a certificate
// (anonymous, PSK, SRP, Kerberos and TLS 1.3 suites left out), the suites crypto/tls
// knows first since most servers pick one of those, split into hellos of
// tlswire.MaxHelloSuites.
func certSuiteChunks() [][]uint16 {
	table := suites.Default()
	var ids []uint16
	seen := make(map[uint16]bool)
	add := func(id uint16) {
		st, ok := table.ByID(id)
		if seen[id] || !ok || st.MinProtocol == result.TLS13 || !certificateKx(st.Kx) || st.Anonymous() {
			return
		}
		seen[id] = true
		ids = append(ids, id)
	}
	for _, id := range suiteIDs(tls.CipherSuites()) {
		add(id)
	}
	for _, id := range suiteIDs(tls.InsecureCipherSuites()) {
		add(id)
	}
	for _, st := range table.All() {
		if !st.SSLv2 {
			add(uint16(st.ID))
		}
	}
	var chunks [][]uint16
	for len(ids) > 0 {
		n := min(len(ids), tlswire.MaxHelloSuites)
		chunks = append(chunks, ids[:n])
		ids = ids[n:]
	}
	return chunks
}

// certificateKx reports whether a key exchange is authenticated by the server's
// certificate.
func certificateKx(kx string) bool {
	switch kx {
	case "RSA", "DHE", "ECDHE", "DH", "ECDH":
		return true
	}
	return false
}

func rawFetch(ctx context.Context, cfg Config, a rawAttempt) ([][]byte, error) {
	flight, err := rawFlight(ctx, cfg, a, false)
	if flight != nil && len(flight.Chain) > 0 {
		return flight.Chain, nil
	}
	return nil, err
}

// rawStapling asks, with raw TLS 1.2 hellos of the certificate suites, for an OCSP staple
// (status_request) and SCTs (signed_certificate_timestamp) and reads them from the first
// flight: the CertificateStatus message (RFC 6066, 8) and the ServerHello's SCT extension
// (RFC 6962, 3.3). It is a hello of its own, after the chain was read without these
// extensions, so that a server that refuses them still gives its chain. ok is false when
// no hello got a whole first flight (up to ServerHelloDone).
func rawStapling(ctx context.Context, cfg Config) (staple []byte, scts [][]byte, ok bool, err error) {
	var errs []error
	for _, a := range rawAttempts() {
		if a.version != tlswire.VersionTLS12 {
			continue
		}
		flight, err := rawFlight(ctx, cfg, a, true)
		if err == nil && flight.Done {
			if flight.Status != nil {
				if staple, err = ocspFromStatus(flight.Status); err != nil {
					return nil, nil, false, err
				}
			}
			if data, found := flight.Hello.Extension(tlswire.ExtSCT); found {
				if scts, err = parseSCTList(data); err != nil {
					return nil, nil, false, err
				}
			}
			return staple, scts, true, nil
		}
		if err == nil {
			err = errors.New("no ServerHelloDone")
		}
		var he *HandshakeError
		if !errors.As(err, &he) || ctx.Err() != nil || isTimeout(err) {
			return nil, nil, false, err
		}
		errs = append(errs, err)
	}
	return nil, nil, false, errors.Join(errs...)
}

// ocspFromStatus returns the OCSP response of a CertificateStatus body: status_type ocsp
// (1) and a uint24-length response (RFC 6066, 8).
func ocspFromStatus(body []byte) ([]byte, error) {
	in := cryptobyte.String(body)
	var typ uint8
	var resp cryptobyte.String
	if !in.ReadUint8(&typ) || typ != 1 || !in.ReadUint24LengthPrefixed(&resp) || !in.Empty() {
		return nil, errors.New("malformed CertificateStatus message")
	}
	return resp, nil
}

// parseSCTList splits a SignedCertificateTimestampList (RFC 6962, 3.3): a uint16-length
// list of uint16-length SCTs.
func parseSCTList(data []byte) ([][]byte, error) {
	in := cryptobyte.String(data)
	var list cryptobyte.String
	if !in.ReadUint16LengthPrefixed(&list) || !in.Empty() {
		return nil, errors.New("malformed signed_certificate_timestamp extension")
	}
	var out [][]byte
	for !list.Empty() {
		var sct cryptobyte.String
		if !list.ReadUint16LengthPrefixed(&sct) || sct.Empty() {
			return nil, errors.New("malformed signed_certificate_timestamp extension")
		}
		out = append(out, sct)
	}
	return out, nil
}

// rawFlight sends the hello of a and reads the first flight; with ask, a TLS hello asks
// for an OCSP staple and SCTs.
func rawFlight(ctx context.Context, cfg Config, a rawAttempt, ask bool) (*tlswire.Flight, error) {
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
		CipherSuites:       a.suites,
		RenegotiationSCSV:  true,
		CompressionMethods: []uint8{0},
	}
	if a.version >= tlswire.VersionTLS10 {
		ch.ServerName = cfg.SNI
		ch.SupportedGroups = []uint16{tlswire.GroupX25519, tlswire.GroupSecp256r1, tlswire.GroupSecp384r1, tlswire.GroupSecp521r1}
		ch.PointFormats = []uint8{0}
		ch.SignatureAlgorithms = []uint16{0x0403, 0x0503, 0x0603, 0x0804, 0x0805, 0x0806, 0x0401, 0x0501, 0x0601, 0x0203, 0x0201, 0x0402, 0x0202}
		if ask {
			ch.StatusRequest = true
			ch.Extra = []tlswire.Extension{{Type: tlswire.ExtSCT, Data: []byte{}}}
		}
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
		if err != nil {
			err = &HandshakeError{a.name, err}
		}
		return flight, err
	}
	if ctx.Err() != nil {
		return nil, fmt.Errorf("tls handshake: %w", ctx.Err())
	}
	if err == nil {
		err = fmt.Errorf("server sent no certificate")
	}
	return nil, &HandshakeError{a.name, err}
}
