package fakeserver

import (
	"errors"
	"math/big"

	"github.com/mhealthsec/mhealthsec/probe/tlswire"
)

// DHEOptions configures the finite-field DHE fake.
type DHEOptions struct {
	// Chain is sent in the Certificate message (its key signs nothing: the signature of
	// the ServerKeyExchange is filler a scanner does not verify).
	Chain [][]byte
	// Prime is the DH group's prime (generator 2), sent in every ServerKeyExchange.
	Prime *big.Int
}

// DHE suites the fake offers, in its preference order.
const (
	SuiteDHERSAWithAES128GCMSHA256 uint16 = 0x009e
	SuiteDHERSAWithAES128CBCSHA    uint16 = 0x0033
)

// DHE serves TLS 1.2 with DHE-RSA suites only and the DH group of opt.Prime: what a
// server configured with fixed DH parameters (a shared prime such as RFC 2409's, or one
// of its own) shows a scanner. Go's crypto/tls has no DHE, hence a fake; like the other
// fakes it never finishes a handshake.
func DHE(opt DHEOptions) (Handler, error) {
	if opt.Prime == nil || opt.Prime.BitLen() < 256 {
		return nil, errors.New("fakeserver: DHE needs a prime of at least 256 bits")
	}
	f := flight{minVersion: tlswire.VersionTLS12, maxVersion: tlswire.VersionTLS12, chain: opt.Chain,
		suites: []uint16{SuiteDHERSAWithAES128GCMSHA256, SuiteDHERSAWithAES128CBCSHA},
		ske:    func(uint16) []byte { return dheParams(opt.Prime) }}
	return f.refuseAfter(), nil
}
