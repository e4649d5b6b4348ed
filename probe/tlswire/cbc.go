package tlswire

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
)

// This file is the CBC record protection of TLS 1.0–1.2 (RFC 2246, RFC 4346 and RFC 5246,
// 6.2.3.2): MAC then encrypt, HMAC over the sequence number, header and plaintext, padding
// bytes all equal to the padding length, AES-CBC with the IV chained from the previous
// record in TLS 1.0 and sent explicitly before each record from TLS 1.1 on. Seal and Open
// are the well-formed pair; MAC, Encrypt and Decrypt are the steps, for a probe that must
// send records with a wrong MAC or wrong padding on purpose (padding oracle checks) and a
// fake server that must judge them the way a flawed server does.

// AES-CBC suites of ECDHE_RSA that the fakes serve (RFC 8422, RFC 5289).
const (
	SuiteECDHERSAWithAES128CBCSHA    uint16 = 0xc013
	SuiteECDHERSAWithAES128CBCSHA256 uint16 = 0xc027
)

// Errors of Open. A server answers both with bad_record_mac (RFC 5246, 6.2.3.2); they are
// separate here so that a test can tell which check failed.
var (
	ErrCBCPadding = errors.New("tlswire: CBC record: bad padding")
	ErrCBCMAC     = errors.New("tlswire: CBC record: bad MAC")
	ErrCBCLength  = errors.New("tlswire: CBC record: length not a positive multiple of the block size")
)

// CBCProtector protects the records of one direction of a TLS 1.0–1.2 connection with
// AES-CBC and HMAC. Like GCMProtector it counts the records itself: each MAC (and so each
// Seal or Open) uses the next sequence number, the first being 0. In TLS 1.0 it also
// carries the IV from one record to the next, so it must see every record of its direction
// in order.
type CBCProtector struct {
	version uint16
	block   cipher.Block
	macKey  []byte
	mac     func() hash.Hash
	seq     uint64
	iv      []byte // TLS 1.0: the IV of the next record (the last ciphertext block)
}

// NewCBCProtector makes the protector for one direction of a connection at version (TLS 1.0,
// 1.1 or 1.2) from its AES write key (16 or 32 bytes), its MAC key and the suite's MAC hash
// (sha1.New or sha256.New). iv is the direction's IV from the key block, used by TLS 1.0
// only; later versions take nil.
func NewCBCProtector(version uint16, key, macKey, iv []byte, mac func() hash.Hash) (*CBCProtector, error) {
	if version < VersionTLS10 || version > VersionTLS12 {
		return nil, fmt.Errorf("tlswire: CBC record protection for version 0x%04x; TLS 1.0–1.2 only", version)
	}
	if mac == nil {
		return nil, errors.New("tlswire: CBC record protection without a MAC hash")
	}
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("tlswire: CBC key: %w", err)
	}
	return NewCBCProtectorWith(version, b, macKey, iv, mac)
}

// NewCBCProtectorWith is NewCBCProtector for another block cipher than AES (3DES-EDE, whose
// blocks are 8 bytes).
func NewCBCProtectorWith(version uint16, b cipher.Block, macKey, iv []byte, mac func() hash.Hash) (*CBCProtector, error) {
	if version < VersionTLS10 || version > VersionTLS12 {
		return nil, fmt.Errorf("tlswire: CBC record protection for version 0x%04x; TLS 1.0–1.2 only", version)
	}
	if mac == nil {
		return nil, errors.New("tlswire: CBC record protection without a MAC hash")
	}
	c := &CBCProtector{version: version, block: b, macKey: append([]byte{}, macKey...), mac: mac}
	if version == VersionTLS10 {
		if len(iv) != b.BlockSize() {
			return nil, fmt.Errorf("tlswire: TLS 1.0 CBC IV of %d bytes, want %d", len(iv), b.BlockSize())
		}
		c.iv = append([]byte{}, iv...)
	}
	return c, nil
}

// BlockSize is the cipher's block size (16 for AES).
func (c *CBCProtector) BlockSize() int { return c.block.BlockSize() }

// MACSize is the length of the MAC (20 for HMAC-SHA1, 32 for HMAC-SHA256).
func (c *CBCProtector) MACSize() int { return c.mac().Size() }

// MAC is the record MAC of plain as the content of a record of type typ (RFC 5246,
// 6.2.3.1): HMAC of seq_num, type, version, length and content. It uses up the next
// sequence number.
func (c *CBCProtector) MAC(typ uint8, plain []byte) []byte {
	h := hmac.New(c.mac, c.macKey)
	hdr := binary.BigEndian.AppendUint64(make([]byte, 0, 13), c.seq)
	hdr = append(hdr, typ, byte(c.version>>8), byte(c.version))
	hdr = binary.BigEndian.AppendUint16(hdr, uint16(len(plain)))
	h.Write(hdr)
	h.Write(plain)
	c.seq++
	return h.Sum(nil)
}

// AppendCBCPadding appends the padding that makes b a whole number of blocks: p+1 bytes of
// value p, the fewest that fit (RFC 5246, 6.2.3.2).
func AppendCBCPadding(b []byte, blockSize int) []byte {
	pad := blockSize - (len(b)+1)%blockSize
	if pad == blockSize {
		pad = 0
	}
	for range pad + 1 {
		b = append(b, byte(pad))
	}
	return b
}

// Encrypt encrypts data (content, MAC and padding, a whole number of blocks, as built by
// Seal or deliberately otherwise) into a record payload: from TLS 1.1 on a random explicit
// IV followed by the ciphertext, in TLS 1.0 the ciphertext alone.
func (c *CBCProtector) Encrypt(data []byte) ([]byte, error) {
	bs := c.block.BlockSize()
	if len(data) == 0 || len(data)%bs != 0 {
		return nil, fmt.Errorf("%w: %d bytes to encrypt", ErrCBCLength, len(data))
	}
	if c.version == VersionTLS10 {
		enc := make([]byte, len(data))
		cipher.NewCBCEncrypter(c.block, c.iv).CryptBlocks(enc, data)
		c.iv = append(c.iv[:0], enc[len(enc)-bs:]...)
		return enc, nil
	}
	out := make([]byte, bs+len(data))
	if _, err := rand.Read(out[:bs]); err != nil {
		return nil, fmt.Errorf("tlswire: CBC IV: %w", err)
	}
	cipher.NewCBCEncrypter(c.block, out[:bs]).CryptBlocks(out[bs:], data)
	return out, nil
}

// Decrypt decrypts a record payload into the padded plaintext (content, MAC and padding),
// checking nothing but its length. It does not use up a sequence number.
func (c *CBCProtector) Decrypt(payload []byte) ([]byte, error) {
	bs := c.block.BlockSize()
	iv := c.iv
	if c.version != VersionTLS10 {
		if len(payload) < bs {
			return nil, fmt.Errorf("%w: %d-byte payload", ErrCBCLength, len(payload))
		}
		iv, payload = payload[:bs], payload[bs:]
	}
	if len(payload) == 0 || len(payload)%bs != 0 {
		return nil, fmt.Errorf("%w: %d bytes of ciphertext", ErrCBCLength, len(payload))
	}
	data := make([]byte, len(payload))
	cipher.NewCBCDecrypter(c.block, iv).CryptBlocks(data, payload)
	if c.version == VersionTLS10 {
		c.iv = append(c.iv[:0], payload[len(payload)-bs:]...)
	}
	return data, nil
}

// Seal protects plain as the payload of a record of type typ: content, MAC and padding,
// encrypted. plain may be empty.
func (c *CBCProtector) Seal(typ uint8, plain []byte) []byte {
	data := append(append(make([]byte, 0, len(plain)+c.MACSize()+c.BlockSize()), plain...), c.MAC(typ, plain)...)
	out, err := c.Encrypt(AppendCBCPadding(data, c.BlockSize()))
	if err != nil { // AppendCBCPadding makes whole blocks, so only crypto/rand can fail
		panic(err)
	}
	return out
}

// Open decrypts and checks the payload of a record of type typ as RFC 5246 requires: every
// padding byte equal to the padding length, then the MAC. It uses up the next sequence
// number whatever the outcome (an error is fatal to a TLS connection anyway).
func (c *CBCProtector) Open(typ uint8, payload []byte) ([]byte, error) {
	data, err := c.Decrypt(payload)
	if err != nil {
		c.seq++
		return nil, err
	}
	macLen := c.MACSize()
	pad := int(data[len(data)-1])
	if pad+1+macLen > len(data) {
		c.seq++
		return nil, fmt.Errorf("%w: %d padding bytes and a %d-byte MAC in %d bytes", ErrCBCPadding, pad+1, macLen, len(data))
	}
	good := true
	for _, b := range data[len(data)-pad-1:] {
		good = good && int(b) == pad
	}
	data = data[:len(data)-pad-1]
	plain, tag := data[:len(data)-macLen], data[len(data)-macLen:]
	want := c.MAC(typ, plain)
	if !good {
		return nil, ErrCBCPadding
	}
	if !hmac.Equal(tag, want) {
		return nil, ErrCBCMAC
	}
	return plain, nil
}

// NullProtector protects the records of one direction with the NULL cipher (RFC 5246,
// 6.2.3.1): the content in the clear, followed by its HMAC. It counts records as
// CBCProtector does.
type NullProtector struct{ mac CBCProtector }

// NewNullProtector makes the protector of a NULL-cipher suite from its MAC key and hash.
func NewNullProtector(version uint16, macKey []byte, mac func() hash.Hash) *NullProtector {
	return &NullProtector{CBCProtector{version: version, macKey: append([]byte{}, macKey...), mac: mac}}
}

// Seal returns plain followed by its MAC.
func (n *NullProtector) Seal(typ uint8, plain []byte) []byte {
	return append(append(make([]byte, 0, len(plain)+n.mac.MACSize()), plain...), n.mac.MAC(typ, plain)...)
}

// Open checks the MAC at the end of payload and returns the content before it.
func (n *NullProtector) Open(typ uint8, payload []byte) ([]byte, error) {
	size := n.mac.MACSize()
	if len(payload) < size {
		n.mac.seq++
		return nil, fmt.Errorf("%w: %d-byte record shorter than its MAC", ErrCBCMAC, len(payload))
	}
	plain, tag := payload[:len(payload)-size], payload[len(payload)-size:]
	if !hmac.Equal(tag, n.mac.MAC(typ, plain)) {
		return nil, ErrCBCMAC
	}
	return plain, nil
}
