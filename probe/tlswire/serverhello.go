package tlswire

import (
	"errors"
	"fmt"

	"golang.org/x/crypto/cryptobyte"
)

// HelloRetryRequestRandom returns the fixed random that marks a HelloRetryRequest
// (RFC 8446, 4.1.3).
func HelloRetryRequestRandom() [32]byte {
	return [32]byte{
		0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
		0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
	}
}

// ServerHello is a parsed ServerHello (or HelloRetryRequest).
type ServerHello struct {
	// Version is legacy_version; SelectedVersion is what was negotiated: the
	// supported_versions extension when present, Version otherwise.
	Version           uint16
	SelectedVersion   uint16
	Random            [32]byte
	SessionID         []byte
	CipherSuite       uint16
	CompressionMethod uint8
	Extensions        []Extension
	// HelloRetryRequest is true when Random is the HRR marker.
	HelloRetryRequest bool
	// KeyShareGroup is the group of the server's key_share (or, in a HelloRetryRequest,
	// the group it asks for); 0 when absent.
	KeyShareGroup uint16
	// SecureRenegotiation is true when the server sent renegotiation_info (RFC 5746).
	SecureRenegotiation bool
	// RenegotiationInfo is the content of that extension (empty on a first handshake).
	RenegotiationInfo []byte
	Heartbeat         bool
	// HeartbeatMode is the mode the server sent in its heartbeat extension.
	HeartbeatMode        uint8
	SessionTicket        bool
	ExtendedMasterSecret bool
	EncryptThenMAC       bool
	ALPN                 string
}

// Extension returns the body of the first extension of type typ.
func (s *ServerHello) Extension(typ uint16) ([]byte, bool) {
	for _, e := range s.Extensions {
		if e.Type == typ {
			return e.Data, true
		}
	}
	return nil, false
}

// ParseServerHello decodes the body of a ServerHello message (without the 4-byte header).
func ParseServerHello(body []byte) (*ServerHello, error) {
	s := cryptobyte.String(body)
	sh := &ServerHello{}
	var sid cryptobyte.String
	if !s.ReadUint16(&sh.Version) || !s.CopyBytes(sh.Random[:]) ||
		!s.ReadUint8LengthPrefixed(&sid) || len(sid) > 32 ||
		!s.ReadUint16(&sh.CipherSuite) || !s.ReadUint8(&sh.CompressionMethod) {
		return nil, errors.New("tlswire: malformed ServerHello")
	}
	sh.SessionID = append([]byte{}, sid...)
	sh.SelectedVersion = sh.Version
	sh.HelloRetryRequest = sh.Random == HelloRetryRequestRandom()
	if s.Empty() {
		return sh, nil
	}
	var exts cryptobyte.String
	if !s.ReadUint16LengthPrefixed(&exts) || !s.Empty() {
		return nil, errors.New("tlswire: malformed ServerHello extensions block")
	}
	for !exts.Empty() {
		var typ uint16
		var data cryptobyte.String
		if !exts.ReadUint16(&typ) || !exts.ReadUint16LengthPrefixed(&data) {
			return nil, errors.New("tlswire: malformed ServerHello extension")
		}
		sh.Extensions = append(sh.Extensions, Extension{Type: typ, Data: append([]byte{}, data...)})
		if err := sh.parseExtension(typ, data); err != nil {
			return nil, fmt.Errorf("tlswire: ServerHello extension %d: %w", typ, err)
		}
	}
	return sh, nil
}

func (sh *ServerHello) parseExtension(typ uint16, data cryptobyte.String) error {
	switch typ {
	case ExtSupportedVersions:
		if !data.ReadUint16(&sh.SelectedVersion) || !data.Empty() {
			return errMalformed
		}
	case ExtKeyShare:
		// A HelloRetryRequest carries only the group; a ServerHello a KeyShareEntry.
		if !data.ReadUint16(&sh.KeyShareGroup) {
			return errMalformed
		}
		if !sh.HelloRetryRequest {
			var key cryptobyte.String
			if !data.ReadUint16LengthPrefixed(&key) || !data.Empty() {
				return errMalformed
			}
		}
	case ExtRenegotiationInfo:
		var info cryptobyte.String
		if !data.ReadUint8LengthPrefixed(&info) || !data.Empty() {
			return errMalformed
		}
		sh.SecureRenegotiation = true
		sh.RenegotiationInfo = append([]byte{}, info...)
	case ExtHeartbeat:
		if !data.ReadUint8(&sh.HeartbeatMode) {
			return errMalformed
		}
		sh.Heartbeat = true
	case ExtSessionTicket:
		sh.SessionTicket = true
	case ExtExtendedMasterSecret:
		sh.ExtendedMasterSecret = true
	case ExtEncryptThenMAC:
		sh.EncryptThenMAC = true
	case ExtALPN:
		var list, proto cryptobyte.String
		if !data.ReadUint16LengthPrefixed(&list) || !list.ReadUint8LengthPrefixed(&proto) {
			return errMalformed
		}
		sh.ALPN = string(proto)
	}
	return nil
}

// Marshal returns the ServerHello as a handshake message, for fake servers. Extensions are
// written from Extensions only; the convenience fields are not consulted.
func (sh *ServerHello) Marshal() ([]byte, error) {
	var b cryptobyte.Builder
	b.AddUint8(TypeServerHello)
	b.AddUint24LengthPrefixed(func(b *cryptobyte.Builder) {
		b.AddUint16(sh.Version)
		b.AddBytes(sh.Random[:])
		b.AddUint8LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes(sh.SessionID) })
		b.AddUint16(sh.CipherSuite)
		b.AddUint8(sh.CompressionMethod)
		if len(sh.Extensions) == 0 {
			return
		}
		b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
			for _, e := range sh.Extensions {
				b.AddUint16(e.Type)
				b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes(e.Data) })
			}
		})
	})
	out, err := b.Bytes()
	if err != nil {
		return nil, fmt.Errorf("tlswire: marshal ServerHello: %w", err)
	}
	return out, nil
}
