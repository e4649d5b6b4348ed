// Package tlswire reads and writes the bytes of SSL 2.0, SSL 3.0 and TLS 1.0–1.3 handshakes
// at the level a scanner needs: records, ClientHellos with any suite ids and extensions, and
// the server's first flight (ServerHello, Certificate, ServerKeyExchange, ServerHelloDone,
// Alert). The one piece of cryptography it carries is the TLS 1.2 key schedule, AES-GCM
// record protection (tls12keys.go) and the AES-CBC record protection of TLS 1.0–1.2 with its
// steps for deliberately malformed records (cbc.go), so that a probe and a fake server can
// finish a handshake when a check needs one (renegotiation, the CBC padding oracles); it
// authenticates nobody.
//
// Every reader is bounded: records longer than MaxRecordPayload, handshake messages longer
// than MaxHandshakeMessage and chains longer than MaxChainCerts are rejected with an error,
// never allocated. Parsers take untrusted bytes and return errors, never panic; each has a
// fuzz test seeded with captures of Go and OpenSSL servers on loopback (testdata/captures;
// SSL 2.0 from probe/fakeserver, since no maintained server speaks it).
package tlswire
