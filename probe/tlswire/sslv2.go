package tlswire

import (
	"errors"
	"fmt"
	"io"

	"golang.org/x/crypto/cryptobyte"
)

// SSL 2.0 message types (draft-hickman-netscape-ssl-00).
const (
	SSLv2MsgError       uint8 = 0
	SSLv2MsgClientHello uint8 = 1
	SSLv2MsgServerHello uint8 = 4
)

// SSL 2.0 cipher kinds.
const (
	SSLv2RC4128WithMD5            uint32 = 0x010080
	SSLv2RC4128Export40WithMD5    uint32 = 0x020080
	SSLv2RC2128CBCWithMD5         uint32 = 0x030080
	SSLv2RC2128CBCExport40WithMD5 uint32 = 0x040080
	SSLv2IDEA128CBCWithMD5        uint32 = 0x050080
	SSLv2DES64CBCWithMD5          uint32 = 0x060040
	SSLv2DES192EDE3CBCWithMD5     uint32 = 0x0700c0
)

// SSLv2CipherKinds lists the seven standard SSL 2.0 cipher kinds.
func SSLv2CipherKinds() []uint32 {
	return []uint32{SSLv2RC4128WithMD5, SSLv2RC4128Export40WithMD5, SSLv2RC2128CBCWithMD5,
		SSLv2RC2128CBCExport40WithMD5, SSLv2IDEA128CBCWithMD5, SSLv2DES64CBCWithMD5, SSLv2DES192EDE3CBCWithMD5}
}

// MaxSSLv2Record is the largest SSL 2.0 record body (15-bit length).
const MaxSSLv2Record = 1<<15 - 1

// NotSSLv2Error reports a reply that does not start with an SSL 2.0 two-byte record header.
type NotSSLv2Error struct {
	Header [2]byte
}

func (e *NotSSLv2Error) Error() string {
	return fmt.Sprintf("tlswire: not an SSL 2.0 record header: % x", e.Header[:])
}

// LooksLikeTLS reports whether the bytes start a TLS record instead (a server that answers
// an SSL 2.0 hello with a TLS alert).
func (e *NotSSLv2Error) LooksLikeTLS() bool {
	return e.Header[0] >= RecordChangeCipherSpec && e.Header[0] <= RecordHeartbeat && e.Header[1] == 3
}

// ReadSSLv2Record reads one SSL 2.0 record with a two-byte header (the form every server
// uses for SERVER-HELLO) and returns its body.
func ReadSSLv2Record(r io.Reader) ([]byte, error) {
	var hdr [2]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, err
	}
	if hdr[0]&0x80 == 0 {
		return nil, &NotSSLv2Error{Header: hdr}
	}
	n := int(hdr[0]&0x7f)<<8 | int(hdr[1])
	body := make([]byte, n)
	if _, err := io.ReadFull(r, body); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, fmt.Errorf("tlswire: reading %d-byte SSLv2 record: %w", n, err)
	}
	return body, nil
}

// AppendSSLv2Record appends body with a two-byte SSL 2.0 header. Bodies longer than
// MaxSSLv2Record are an error.
func AppendSSLv2Record(b, body []byte) ([]byte, error) {
	if len(body) > MaxSSLv2Record {
		return nil, fmt.Errorf("tlswire: SSLv2 record of %d bytes exceeds %d", len(body), MaxSSLv2Record)
	}
	return append(append(b, 0x80|byte(len(body)>>8), byte(len(body))), body...), nil
}

// SSLv2ClientHello is an SSL 2.0 CLIENT-HELLO.
type SSLv2ClientHello struct {
	// Version is 0x0002 for SSL 2.0; a higher value makes an SSLv2-compatible TLS hello.
	Version     uint16
	CipherKinds []uint32
	SessionID   []byte
	// Challenge is 16–32 bytes.
	Challenge []byte
}

// Marshal returns the CLIENT-HELLO message (without record header).
func (c *SSLv2ClientHello) Marshal() ([]byte, error) {
	if len(c.Challenge) < 16 || len(c.Challenge) > 32 {
		return nil, fmt.Errorf("tlswire: SSLv2 challenge of %d bytes, want 16–32", len(c.Challenge))
	}
	if 3*len(c.CipherKinds) > 0xffff || len(c.SessionID) > 0xffff {
		return nil, errors.New("tlswire: SSLv2 CLIENT-HELLO field too long")
	}
	var b cryptobyte.Builder
	b.AddUint8(SSLv2MsgClientHello)
	b.AddUint16(c.Version)
	b.AddUint16(uint16(3 * len(c.CipherKinds)))
	b.AddUint16(uint16(len(c.SessionID)))
	b.AddUint16(uint16(len(c.Challenge)))
	for _, k := range c.CipherKinds {
		b.AddUint24(k)
	}
	b.AddBytes(c.SessionID)
	b.AddBytes(c.Challenge)
	return b.Bytes()
}

// Record returns the CLIENT-HELLO in an SSL 2.0 record.
func (c *SSLv2ClientHello) Record() ([]byte, error) {
	m, err := c.Marshal()
	if err != nil {
		return nil, err
	}
	return AppendSSLv2Record(nil, m)
}

// ParseSSLv2ClientHello decodes a CLIENT-HELLO message (record body).
func ParseSSLv2ClientHello(msg []byte) (*SSLv2ClientHello, error) {
	s := cryptobyte.String(msg)
	var typ uint8
	var ksLen, sidLen, chLen uint16
	c := &SSLv2ClientHello{}
	if !s.ReadUint8(&typ) || typ != SSLv2MsgClientHello || !s.ReadUint16(&c.Version) ||
		!s.ReadUint16(&ksLen) || !s.ReadUint16(&sidLen) || !s.ReadUint16(&chLen) || ksLen%3 != 0 {
		return nil, errors.New("tlswire: malformed SSLv2 CLIENT-HELLO")
	}
	var kinds, sid, ch cryptobyte.String
	if !s.ReadBytes((*[]byte)(&kinds), int(ksLen)) || !s.ReadBytes((*[]byte)(&sid), int(sidLen)) ||
		!s.ReadBytes((*[]byte)(&ch), int(chLen)) || !s.Empty() {
		return nil, errors.New("tlswire: SSLv2 CLIENT-HELLO lengths do not match its body")
	}
	for !kinds.Empty() {
		var k uint32
		kinds.ReadUint24(&k)
		c.CipherKinds = append(c.CipherKinds, k)
	}
	c.SessionID = append([]byte{}, sid...)
	c.Challenge = append([]byte{}, ch...)
	return c, nil
}

// SSLv2ServerHello is an SSL 2.0 SERVER-HELLO.
type SSLv2ServerHello struct {
	SessionIDHit    bool
	CertificateType uint8 // 1 = X.509
	Version         uint16
	Certificate     []byte
	CipherKinds     []uint32
	ConnectionID    []byte
}

// ParseSSLv2ServerHello decodes a SERVER-HELLO message (record body). An SSL 2.0 ERROR
// message yields an error naming its code.
func ParseSSLv2ServerHello(msg []byte) (*SSLv2ServerHello, error) {
	s := cryptobyte.String(msg)
	var typ, hit uint8
	var certLen, ksLen, cidLen uint16
	sh := &SSLv2ServerHello{}
	if !s.ReadUint8(&typ) {
		return nil, errors.New("tlswire: empty SSLv2 message")
	}
	if typ == SSLv2MsgError {
		var code uint16
		if !s.ReadUint16(&code) {
			return nil, errors.New("tlswire: malformed SSLv2 ERROR")
		}
		return nil, fmt.Errorf("tlswire: SSLv2 ERROR 0x%04x", code)
	}
	if typ != SSLv2MsgServerHello || !s.ReadUint8(&hit) || !s.ReadUint8(&sh.CertificateType) ||
		!s.ReadUint16(&sh.Version) || !s.ReadUint16(&certLen) || !s.ReadUint16(&ksLen) ||
		!s.ReadUint16(&cidLen) || ksLen%3 != 0 {
		return nil, fmt.Errorf("tlswire: malformed SSLv2 SERVER-HELLO (type %d)", typ)
	}
	var cert, kinds, cid []byte
	if !s.ReadBytes(&cert, int(certLen)) || !s.ReadBytes(&kinds, int(ksLen)) ||
		!s.ReadBytes(&cid, int(cidLen)) || !s.Empty() {
		return nil, errors.New("tlswire: SSLv2 SERVER-HELLO lengths do not match its body")
	}
	sh.SessionIDHit = hit != 0
	sh.Certificate = append([]byte{}, cert...)
	sh.ConnectionID = append([]byte{}, cid...)
	for ks := cryptobyte.String(kinds); !ks.Empty(); {
		var k uint32
		ks.ReadUint24(&k)
		sh.CipherKinds = append(sh.CipherKinds, k)
	}
	return sh, nil
}

// Marshal returns the SERVER-HELLO message (without record header), for fake servers.
func (sh *SSLv2ServerHello) Marshal() ([]byte, error) {
	if len(sh.Certificate) > 0xffff || 3*len(sh.CipherKinds) > 0xffff || len(sh.ConnectionID) > 0xffff {
		return nil, errors.New("tlswire: SSLv2 SERVER-HELLO field too long")
	}
	var b cryptobyte.Builder
	b.AddUint8(SSLv2MsgServerHello)
	hit := uint8(0)
	if sh.SessionIDHit {
		hit = 1
	}
	b.AddUint8(hit)
	b.AddUint8(sh.CertificateType)
	b.AddUint16(sh.Version)
	b.AddUint16(uint16(len(sh.Certificate)))
	b.AddUint16(uint16(3 * len(sh.CipherKinds)))
	b.AddUint16(uint16(len(sh.ConnectionID)))
	b.AddBytes(sh.Certificate)
	for _, k := range sh.CipherKinds {
		b.AddUint24(k)
	}
	b.AddBytes(sh.ConnectionID)
	return b.Bytes()
}
