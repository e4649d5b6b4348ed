// Package clientsim simulates the TLS handshakes of the clients mobile apps run on: each
// Android release's platform default (SSLSocket), each iOS release's App Transport Security
// default, okhttp's MODERN_TLS connection spec, and three current browsers. For every
// client it sends that client's ClientHello (protocol versions, cipher suites, groups,
// signature schemes, ALPN; built with probe/tlswire) and reads the server's answer up to
// ServerHelloDone, to learn whether the client would go on with the handshake and with
// which protocol, suite and key exchange group.
//
// The hellos are written from public documentation and published captures, with each
// client's sources in Clients and SOURCES.md; they are not replayed bytes. Clients whose
// hellos are the same in what a server chooses from (versions, suites, groups, signature
// schemes, ALPN) share one connection. "Connects" covers the parameters only: whether the client
// trusts the certificate is in the result's certificate fields.
package clientsim
