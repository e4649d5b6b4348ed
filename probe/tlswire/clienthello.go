package tlswire

import (
	"crypto/ecdh"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"slices"

	"golang.org/x/crypto/cryptobyte"
)

// Extension types (IANA TLS ExtensionType registry).
const (
	ExtServerName           uint16 = 0
	ExtStatusRequest        uint16 = 5
	ExtSupportedGroups      uint16 = 10
	ExtECPointFormats       uint16 = 11
	ExtSignatureAlgorithms  uint16 = 13
	ExtHeartbeat            uint16 = 15
	ExtALPN                 uint16 = 16
	ExtSCT                  uint16 = 18
	ExtPadding              uint16 = 21
	ExtEncryptThenMAC       uint16 = 22
	ExtExtendedMasterSecret uint16 = 23
	ExtSessionTicket        uint16 = 35
	ExtSupportedVersions    uint16 = 43
	ExtPSKModes             uint16 = 45
	ExtKeyShare             uint16 = 51
	ExtRenegotiationInfo    uint16 = 0xff01
)

// Compression methods (RFC 3749). A server that picks DEFLATE is open to CRIME.
const (
	CompressionNull    uint8 = 0
	CompressionDeflate uint8 = 1
)

// Signalling cipher suite values.
const (
	SuiteEmptyRenegotiationInfoSCSV uint16 = 0x00ff // RFC 5746
	SuiteFallbackSCSV               uint16 = 0x5600 // RFC 7507
)

// Named groups (IANA TLS Supported Groups registry).
const (
	GroupSecp256r1 uint16 = 23
	GroupSecp384r1 uint16 = 24
	GroupSecp521r1 uint16 = 25
	GroupX25519    uint16 = 29
	GroupX448      uint16 = 30
	GroupFFDHE2048 uint16 = 256
	GroupFFDHE3072 uint16 = 257
	GroupFFDHE4096 uint16 = 258
)

// MaxHelloSuites is the most suite ids one ClientHello may carry. Some servers (F5, old
// IIS) fail on longer lists, which would bias enumeration, so scanners split at 128.
const MaxHelloSuites = 128

// ErrTooManySuites reports a ClientHello with more than MaxHelloSuites suites.
var ErrTooManySuites = errors.New("tlswire: more than 128 cipher suites in one ClientHello")

// Extension is a raw extension: type and body.
type Extension struct {
	Type uint16
	Data []byte
}

// KeyShare is one TLS 1.3 key_share entry.
type KeyShare struct {
	Group uint16
	Data  []byte
}

// NewX25519Share makes an X25519 key share from rand (crypto/rand when nil). The private key
// is returned for callers that go further than the ServerHello; a scanner may drop it.
func NewX25519Share(rnd io.Reader) (KeyShare, *ecdh.PrivateKey, error) {
	if rnd == nil {
		rnd = rand.Reader
	}
	k, err := ecdh.X25519().GenerateKey(rnd)
	if err != nil {
		return KeyShare{}, nil, fmt.Errorf("tlswire: x25519 key: %w", err)
	}
	return KeyShare{Group: GroupX25519, Data: k.PublicKey().Bytes()}, k, nil
}

// ClientHello is the content of a ClientHello. Zero fields are left out of the hello: an
// extension is written only when its field is set, so each field is also a switch.
type ClientHello struct {
	// Version is legacy_version / client_version (0x0303 for TLS 1.2 and 1.3 hellos).
	Version   uint16
	Random    [32]byte
	SessionID []byte
	// CipherSuites are written as given, in order; at most MaxHelloSuites of them, plus
	// the SCSVs below.
	CipherSuites []uint16
	// RenegotiationSCSV appends TLS_EMPTY_RENEGOTIATION_INFO_SCSV; FallbackSCSV appends
	// TLS_FALLBACK_SCSV.
	RenegotiationSCSV bool
	FallbackSCSV      bool
	// CompressionMethods defaults to {0} (null) when empty.
	CompressionMethods []uint8

	ServerName          string
	SupportedGroups     []uint16
	PointFormats        []uint8
	SignatureAlgorithms []uint16
	// SecureRenegotiation sends an empty renegotiation_info extension.
	SecureRenegotiation bool
	// SessionTicket sends an empty session_ticket extension.
	SessionTicket bool
	// Heartbeat sends the heartbeat extension with mode 1 (peer_allowed_to_send).
	Heartbeat            bool
	ExtendedMasterSecret bool
	EncryptThenMAC       bool
	StatusRequest        bool
	ALPN                 []string
	// SupportedVersions and KeyShares make a TLS 1.3 hello.
	SupportedVersions []uint16
	KeyShares         []KeyShare
	// PSKModes is sent with TLS 1.3 hellos (psk_dhe_ke = 1) when set.
	PSKModes []uint8
	// Extra extensions are appended after the known ones, verbatim.
	Extra []Extension
	// Pad adds a padding extension (RFC 7685) when the hello would otherwise be 256–511
	// bytes long, which hangs some F5 load balancers; browsers and scanners do the same.
	Pad bool
}

// Marshal returns the ClientHello as a handshake message (header included).
func (c *ClientHello) Marshal() ([]byte, error) {
	if len(c.CipherSuites) > MaxHelloSuites {
		return nil, fmt.Errorf("%w: %d", ErrTooManySuites, len(c.CipherSuites))
	}
	exts, err := c.extensions()
	if err != nil {
		return nil, fmt.Errorf("tlswire: marshal ClientHello: %w", err)
	}
	var b cryptobyte.Builder
	b.AddUint8(TypeClientHello)
	b.AddUint24LengthPrefixed(func(b *cryptobyte.Builder) {
		b.AddUint16(c.Version)
		b.AddBytes(c.Random[:])
		b.AddUint8LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes(c.SessionID) })
		b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
			for _, s := range c.CipherSuites {
				b.AddUint16(s)
			}
			if c.RenegotiationSCSV {
				b.AddUint16(SuiteEmptyRenegotiationInfoSCSV)
			}
			if c.FallbackSCSV {
				b.AddUint16(SuiteFallbackSCSV)
			}
		})
		b.AddUint8LengthPrefixed(func(b *cryptobyte.Builder) {
			if len(c.CompressionMethods) == 0 {
				b.AddUint8(0)
			}
			b.AddBytes(c.CompressionMethods)
		})
		if len(exts) == 0 {
			return // SSL 3.0 servers may choke on an empty extensions block
		}
		b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
			for _, e := range exts {
				b.AddUint16(e.Type)
				b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes(e.Data) })
			}
		})
	})
	out, err := b.Bytes()
	if err != nil {
		return nil, fmt.Errorf("tlswire: marshal ClientHello: %w", err)
	}
	if n := padding(len(out)); c.Pad && n >= 0 {
		padded := *c
		padded.Pad = false
		padded.Extra = append(slices.Clip(padded.Extra), Extension{Type: ExtPadding, Data: make([]byte, n)})
		return padded.Marshal()
	}
	return out, nil
}

// padding returns the padding extension body length that lifts a hello of n bytes
// (handshake header included) to at least 512, or -1 when no padding is needed. The
// computation follows BoringSSL's: the extension header takes 4 of the missing bytes.
func padding(n int) int {
	if n <= 0xff || n >= 0x200 {
		return -1
	}
	return max(0x200-n-4, 1)
}

// Record returns the ClientHello as the records a client sends, with the record version
// recVersion (0x0301 is what most clients use for every hello).
func (c *ClientHello) Record(recVersion uint16) ([]byte, error) {
	m, err := c.Marshal()
	if err != nil {
		return nil, err
	}
	return AppendRecords(nil, RecordHandshake, recVersion, m), nil
}

func (c *ClientHello) extensions() ([]Extension, error) {
	var exts []Extension
	var firstErr error
	add := func(typ uint16, f func(b *cryptobyte.Builder)) {
		var b cryptobyte.Builder
		f(&b)
		data, err := b.Bytes()
		if err != nil && firstErr == nil {
			firstErr = fmt.Errorf("extension %d: %w", typ, err)
		}
		exts = append(exts, Extension{Type: typ, Data: data})
	}
	if c.ServerName != "" {
		add(ExtServerName, func(b *cryptobyte.Builder) {
			b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
				b.AddUint8(0) // host_name
				b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes([]byte(c.ServerName)) })
			})
		})
	}
	if c.StatusRequest {
		exts = append(exts, Extension{Type: ExtStatusRequest, Data: []byte{1, 0, 0, 0, 0}})
	}
	if len(c.SupportedGroups) > 0 {
		add(ExtSupportedGroups, func(b *cryptobyte.Builder) {
			b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
				for _, g := range c.SupportedGroups {
					b.AddUint16(g)
				}
			})
		})
	}
	if len(c.PointFormats) > 0 {
		add(ExtECPointFormats, func(b *cryptobyte.Builder) {
			b.AddUint8LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes(c.PointFormats) })
		})
	}
	if len(c.SignatureAlgorithms) > 0 {
		add(ExtSignatureAlgorithms, func(b *cryptobyte.Builder) {
			b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
				for _, s := range c.SignatureAlgorithms {
					b.AddUint16(s)
				}
			})
		})
	}
	if c.Heartbeat {
		exts = append(exts, Extension{Type: ExtHeartbeat, Data: []byte{1}})
	}
	if len(c.ALPN) > 0 {
		add(ExtALPN, func(b *cryptobyte.Builder) {
			b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
				for _, p := range c.ALPN {
					b.AddUint8LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes([]byte(p)) })
				}
			})
		})
	}
	if c.EncryptThenMAC {
		exts = append(exts, Extension{Type: ExtEncryptThenMAC, Data: []byte{}})
	}
	if c.ExtendedMasterSecret {
		exts = append(exts, Extension{Type: ExtExtendedMasterSecret, Data: []byte{}})
	}
	if c.SessionTicket {
		exts = append(exts, Extension{Type: ExtSessionTicket, Data: []byte{}})
	}
	if len(c.SupportedVersions) > 0 {
		add(ExtSupportedVersions, func(b *cryptobyte.Builder) {
			b.AddUint8LengthPrefixed(func(b *cryptobyte.Builder) {
				for _, v := range c.SupportedVersions {
					b.AddUint16(v)
				}
			})
		})
	}
	if len(c.PSKModes) > 0 {
		add(ExtPSKModes, func(b *cryptobyte.Builder) {
			b.AddUint8LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes(c.PSKModes) })
		})
	}
	if len(c.KeyShares) > 0 {
		add(ExtKeyShare, func(b *cryptobyte.Builder) {
			b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
				for _, ks := range c.KeyShares {
					b.AddUint16(ks.Group)
					b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes(ks.Data) })
				}
			})
		})
	}
	if c.SecureRenegotiation {
		exts = append(exts, Extension{Type: ExtRenegotiationInfo, Data: []byte{0}})
	}
	return append(exts, c.Extra...), firstErr
}

// ParseClientHello decodes the body of a ClientHello message (without the 4-byte handshake
// header), as a fake server needs it. Unknown extensions are kept in Extra.
func ParseClientHello(body []byte) (*ClientHello, error) {
	s := cryptobyte.String(body)
	c := &ClientHello{}
	var sid, suites, comp cryptobyte.String
	if !s.ReadUint16(&c.Version) || !s.CopyBytes(c.Random[:]) ||
		!s.ReadUint8LengthPrefixed(&sid) || len(sid) > 32 ||
		!s.ReadUint16LengthPrefixed(&suites) || len(suites)%2 != 0 ||
		!s.ReadUint8LengthPrefixed(&comp) || len(comp) == 0 {
		return nil, errors.New("tlswire: malformed ClientHello")
	}
	c.SessionID = append([]byte(nil), sid...)
	c.CompressionMethods = append([]uint8(nil), comp...)
	for !suites.Empty() {
		var id uint16
		suites.ReadUint16(&id)
		switch id {
		case SuiteEmptyRenegotiationInfoSCSV:
			c.RenegotiationSCSV = true
		case SuiteFallbackSCSV:
			c.FallbackSCSV = true
		default:
			c.CipherSuites = append(c.CipherSuites, id)
		}
	}
	if s.Empty() {
		return c, nil
	}
	var exts cryptobyte.String
	if !s.ReadUint16LengthPrefixed(&exts) || !s.Empty() {
		return nil, errors.New("tlswire: malformed ClientHello extensions block")
	}
	for !exts.Empty() {
		var typ uint16
		var data cryptobyte.String
		if !exts.ReadUint16(&typ) || !exts.ReadUint16LengthPrefixed(&data) {
			return nil, errors.New("tlswire: malformed ClientHello extension")
		}
		if err := c.parseExtension(typ, data); err != nil {
			return nil, fmt.Errorf("tlswire: ClientHello extension %d: %w", typ, err)
		}
	}
	return c, nil
}

var errMalformed = errors.New("malformed")

func (c *ClientHello) parseExtension(typ uint16, data cryptobyte.String) error {
	readU16List := func(dst *[]uint16) error {
		var l cryptobyte.String
		if !data.ReadUint16LengthPrefixed(&l) || len(l)%2 != 0 || !data.Empty() {
			return errMalformed
		}
		for !l.Empty() {
			var v uint16
			l.ReadUint16(&v)
			*dst = append(*dst, v)
		}
		return nil
	}
	switch typ {
	case ExtServerName:
		var list cryptobyte.String
		if !data.ReadUint16LengthPrefixed(&list) || !data.Empty() {
			return errMalformed
		}
		for !list.Empty() {
			var kind uint8
			var name cryptobyte.String
			if !list.ReadUint8(&kind) || !list.ReadUint16LengthPrefixed(&name) {
				return errMalformed
			}
			if kind == 0 {
				c.ServerName = string(name)
			}
		}
	case ExtSupportedGroups:
		return readU16List(&c.SupportedGroups)
	case ExtSignatureAlgorithms:
		return readU16List(&c.SignatureAlgorithms)
	case ExtECPointFormats:
		var l cryptobyte.String
		if !data.ReadUint8LengthPrefixed(&l) || !data.Empty() {
			return errMalformed
		}
		c.PointFormats = append([]uint8{}, l...)
	case ExtHeartbeat:
		c.Heartbeat = true
	case ExtSessionTicket:
		c.SessionTicket = true
	case ExtExtendedMasterSecret:
		c.ExtendedMasterSecret = true
	case ExtEncryptThenMAC:
		c.EncryptThenMAC = true
	case ExtStatusRequest:
		c.StatusRequest = true
	case ExtRenegotiationInfo:
		c.SecureRenegotiation = true
	case ExtSupportedVersions:
		var l cryptobyte.String
		if !data.ReadUint8LengthPrefixed(&l) || len(l)%2 != 0 || !data.Empty() {
			return errMalformed
		}
		for !l.Empty() {
			var v uint16
			l.ReadUint16(&v)
			c.SupportedVersions = append(c.SupportedVersions, v)
		}
	case ExtKeyShare:
		var l cryptobyte.String
		if !data.ReadUint16LengthPrefixed(&l) || !data.Empty() {
			return errMalformed
		}
		for !l.Empty() {
			var ks KeyShare
			var d cryptobyte.String
			if !l.ReadUint16(&ks.Group) || !l.ReadUint16LengthPrefixed(&d) {
				return errMalformed
			}
			ks.Data = append([]byte{}, d...)
			c.KeyShares = append(c.KeyShares, ks)
		}
	case ExtPSKModes:
		var l cryptobyte.String
		if !data.ReadUint8LengthPrefixed(&l) || !data.Empty() {
			return errMalformed
		}
		c.PSKModes = append([]uint8{}, l...)
	case ExtALPN:
		var l cryptobyte.String
		if !data.ReadUint16LengthPrefixed(&l) || !data.Empty() {
			return errMalformed
		}
		for !l.Empty() {
			var p cryptobyte.String
			if !l.ReadUint8LengthPrefixed(&p) {
				return errMalformed
			}
			c.ALPN = append(c.ALPN, string(p))
		}
	default:
		c.Extra = append(c.Extra, Extension{Type: typ, Data: append([]byte{}, data...)})
	}
	return nil
}

// MaxVersion is the highest version the hello offers: the largest supported_versions entry
// when present, legacy_version otherwise.
func (c *ClientHello) MaxVersion() uint16 {
	v := c.Version
	for _, sv := range c.SupportedVersions {
		if sv&0x0f0f != 0x0a0a && sv > v { // skip GREASE values
			v = sv
		}
	}
	return v
}
