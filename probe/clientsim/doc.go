// Package clientsim simulates the TLS handshakes of the clients mobile apps run on: each
// Android release's platform default (SSLSocket), each iOS release's App Transport Security
// default, okhttp's MODERN_TLS connection spec, and three current browsers. For every
// client it sends that client's ClientHello (protocol versions, cipher suites, groups,
// signature schemes; built with probe/tlswire) and reads the server's answer up to
// ServerHelloDone, to learn whether the client would go on with the handshake and with
// which protocol, suite and key exchange group.
//
// The hellos are written from public documentation, one source per client in Clients;
// they are not captured bytes. Clients whose hellos are the same in what a server chooses
// from share one connection. "Connects" covers the parameters only: whether the client
// trusts the certificate is in the result's certificate fields.
package clientsim
