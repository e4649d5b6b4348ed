package tlswire

import (
	"errors"
	"fmt"

	"golang.org/x/crypto/cryptobyte"
)

// MaxChainCerts bounds the certificates accepted in one Certificate message. Real chains
// have 1–5; a server sending more is misbehaving or hostile.
const MaxChainCerts = 32

// ErrChainTooLong reports a Certificate message with more than MaxChainCerts entries.
var ErrChainTooLong = errors.New("tlswire: certificate chain longer than maximum")

// ParseCertificate decodes the body of a Certificate message into the DER certificates in
// the order sent. tls13 selects the TLS 1.3 layout (request context, per-entry extensions).
func ParseCertificate(body []byte, tls13 bool) ([][]byte, error) {
	s := cryptobyte.String(body)
	if tls13 {
		var ctx cryptobyte.String
		if !s.ReadUint8LengthPrefixed(&ctx) {
			return nil, errors.New("tlswire: malformed Certificate request context")
		}
	}
	var list cryptobyte.String
	if !s.ReadUint24LengthPrefixed(&list) || !s.Empty() {
		return nil, errors.New("tlswire: malformed Certificate message")
	}
	var chain [][]byte
	for !list.Empty() {
		if len(chain) == MaxChainCerts {
			return nil, fmt.Errorf("%w (%d)", ErrChainTooLong, MaxChainCerts)
		}
		var der cryptobyte.String
		if !list.ReadUint24LengthPrefixed(&der) || len(der) == 0 {
			return nil, errors.New("tlswire: malformed certificate entry")
		}
		if tls13 {
			var exts cryptobyte.String
			if !list.ReadUint16LengthPrefixed(&exts) {
				return nil, errors.New("tlswire: malformed certificate entry extensions")
			}
		}
		chain = append(chain, append([]byte{}, der...))
	}
	return chain, nil
}

// MarshalCertificate returns a TLS 1.2-layout Certificate handshake message carrying chain.
func MarshalCertificate(chain [][]byte) ([]byte, error) {
	var b cryptobyte.Builder
	b.AddUint8(TypeCertificate)
	b.AddUint24LengthPrefixed(func(b *cryptobyte.Builder) {
		b.AddUint24LengthPrefixed(func(b *cryptobyte.Builder) {
			for _, der := range chain {
				b.AddUint24LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes(der) })
			}
		})
	})
	out, err := b.Bytes()
	if err != nil {
		return nil, fmt.Errorf("tlswire: marshal Certificate: %w", err)
	}
	return out, nil
}
