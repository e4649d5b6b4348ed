package tlswire

import (
	"errors"
	"fmt"
	"math/big"

	"golang.org/x/crypto/cryptobyte"
)

// KeyExchange says how to read a ServerKeyExchange: its layout depends on the suite.
type KeyExchange int

// Key exchange layouts of a ServerKeyExchange.
const (
	KxDHE       KeyExchange = iota + 1 // ServerDHParams (RFC 5246, 7.4.3)
	KxECDHE                            // ServerECDHParams (RFC 8422, 5.4)
	KxRSAExport                        // ServerRSAParams: a temporary RSA key (RFC 2246, 7.4.3)
)

// ServerKeyExchange is what a scanner wants from a ServerKeyExchange: the group and its size.
// The signature is not checked.
type ServerKeyExchange struct {
	Kx KeyExchange
	// Group is the named curve for ECDHE (0 for DHE and RSA).
	Group uint16
	// GroupName is "secp256r1", "x25519", "dh2048" (DHE: "dh" and prime bits),
	// "rsa512" (export RSA).
	GroupName string
	// Bits is the DH prime length, the curve size, or the temporary RSA modulus length.
	Bits int
	// Prime is the DH prime (DHE only), for checks against known weak primes.
	Prime []byte
	// Point is the server's ephemeral public key (ECDHE only), for a client that goes on
	// to finish the handshake.
	Point []byte
}

// ParseServerKeyExchange decodes the parameters at the start of a ServerKeyExchange body.
func ParseServerKeyExchange(body []byte, kx KeyExchange) (*ServerKeyExchange, error) {
	s := cryptobyte.String(body)
	ske := &ServerKeyExchange{Kx: kx}
	switch kx {
	case KxDHE:
		var p, g, y cryptobyte.String
		if !s.ReadUint16LengthPrefixed(&p) || !s.ReadUint16LengthPrefixed(&g) || !s.ReadUint16LengthPrefixed(&y) {
			return nil, errors.New("tlswire: malformed DHE ServerKeyExchange")
		}
		ske.Bits = new(big.Int).SetBytes(p).BitLen()
		if ske.Bits == 0 {
			return nil, errors.New("tlswire: DHE ServerKeyExchange with zero prime")
		}
		ske.Prime = append([]byte{}, p...)
		ske.GroupName = fmt.Sprintf("dh%d", ske.Bits)
	case KxECDHE:
		var curveType uint8
		var point cryptobyte.String
		if !s.ReadUint8(&curveType) {
			return nil, errors.New("tlswire: malformed ECDHE ServerKeyExchange")
		}
		if curveType != 3 {
			return nil, fmt.Errorf("tlswire: ECDHE ServerKeyExchange with explicit curve type %d", curveType)
		}
		if !s.ReadUint16(&ske.Group) || !s.ReadUint8LengthPrefixed(&point) || len(point) == 0 {
			return nil, errors.New("tlswire: malformed ECDHE ServerKeyExchange")
		}
		ske.Point = append([]byte{}, point...)
		ske.GroupName = GroupName(ske.Group)
		ske.Bits = GroupBits(ske.Group)
	case KxRSAExport:
		var n, e cryptobyte.String
		if !s.ReadUint16LengthPrefixed(&n) || !s.ReadUint16LengthPrefixed(&e) {
			return nil, errors.New("tlswire: malformed RSA ServerKeyExchange")
		}
		ske.Bits = new(big.Int).SetBytes(n).BitLen()
		ske.GroupName = fmt.Sprintf("rsa%d", ske.Bits)
	default:
		return nil, fmt.Errorf("tlswire: unknown key exchange layout %d", kx)
	}
	return ske, nil
}

// GroupName is the IANA name of a named group ("x25519", "secp256r1", "ffdhe2048"), or
// "group-0xNNNN" when unknown.
func GroupName(g uint16) string {
	switch g {
	case 19:
		return "secp192r1"
	case 21:
		return "secp224r1"
	case GroupSecp256r1:
		return "secp256r1"
	case GroupSecp384r1:
		return "secp384r1"
	case GroupSecp521r1:
		return "secp521r1"
	case 26:
		return "brainpoolP256r1"
	case 27:
		return "brainpoolP384r1"
	case 28:
		return "brainpoolP512r1"
	case GroupX25519:
		return "x25519"
	case GroupX448:
		return "x448"
	case GroupFFDHE2048:
		return "ffdhe2048"
	case GroupFFDHE3072:
		return "ffdhe3072"
	case GroupFFDHE4096:
		return "ffdhe4096"
	case 259:
		return "ffdhe6144"
	case 260:
		return "ffdhe8192"
	case 0x11ec:
		return "X25519MLKEM768"
	}
	if g >= 1 && g <= 18 {
		return fmt.Sprintf("sect-%d", g) // binary curves, long deprecated
	}
	return fmt.Sprintf("group-0x%04x", g)
}

// GroupBits is the size in bits of a named group as scanners report it (x25519 is 253, as
// testssl.sh and OpenSSL say); 0 when unknown.
func GroupBits(g uint16) int {
	switch g {
	case 19:
		return 192
	case 21:
		return 224
	case GroupSecp256r1, 26:
		return 256
	case GroupSecp384r1, 27:
		return 384
	case GroupSecp521r1:
		return 521
	case 28:
		return 512
	case GroupX25519, 0x11ec:
		return 253
	case GroupX448:
		return 448
	case GroupFFDHE2048:
		return 2048
	case GroupFFDHE3072:
		return 3072
	case GroupFFDHE4096:
		return 4096
	case 259:
		return 6144
	case 260:
		return 8192
	}
	return 0
}
