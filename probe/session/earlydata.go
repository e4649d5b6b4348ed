package session

import (
	"bufio"
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/tls"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"

	"golang.org/x/crypto/chacha20poly1305"
	"golang.org/x/crypto/cryptobyte"

	"github.com/mhealthsec/mhealthsec/probe/tlswire"
)

// extEarlyData is the early_data extension (RFC 8446, 4.2.10).
const extEarlyData = 42

// earlyData reports whether a NewSessionTicket of c allows early data: it carries the
// early_data extension with a max_early_data_size above zero (RFC 8446, 4.6.1). The tickets
// are read by decrypting the server's records with the traffic secret from c's key log.
func (m *measurer) earlyData(c *conn, notes *[]string) *bool {
	sizes, err := ticketEarlyData(c.in, c.keyLog, c.state.CipherSuite)
	if err != nil {
		*notes = append(*notes, "early_data: not measured: reading the TLS 1.3 tickets: "+err.Error())
		return nil
	}
	if len(sizes) == 0 {
		*notes = append(*notes, "early_data: not measured: no NewSessionTicket among the records read")
		return nil
	}
	early := false
	for _, n := range sizes {
		early = early || n > 0
	}
	return &early
}

// ticketEarlyData returns, for each NewSessionTicket in the server's records in, its
// max_early_data_size (0 without the extension). The application records are those that
// open under SERVER_TRAFFIC_SECRET_0 from keyLog; the handshake records before them do not.
func ticketEarlyData(in, keyLog []byte, suite uint16) ([]uint32, error) {
	secret, err := keyLogSecret(keyLog, "SERVER_TRAFFIC_SECRET_0")
	if err != nil {
		return nil, err
	}
	aead, iv, err := trafficKeys(suite, secret)
	if err != nil {
		return nil, err
	}
	r := bytes.NewReader(in)
	var seq uint64
	var hs []byte // handshake messages of the application phase, reassembled
	var sizes []uint32
	for r.Len() > 0 {
		rec, err := tlswire.ReadRecord(r)
		if err != nil {
			break // the capture may end inside a record
		}
		if rec.Type != tlswire.RecordApplicationData {
			continue
		}
		nonce := binary.BigEndian.AppendUint64(make([]byte, 4, 12), seq)
		for i := range nonce {
			nonce[i] ^= iv[i]
		}
		hdr := []byte{rec.Type, byte(rec.Version >> 8), byte(rec.Version), byte(len(rec.Payload) >> 8), byte(len(rec.Payload))}
		plain, err := aead.Open(nil, nonce, rec.Payload, hdr)
		if err != nil {
			if seq == 0 {
				continue // a handshake record (other keys)
			}
			return sizes, fmt.Errorf("application record %d does not decrypt: %w", seq, err)
		}
		seq++
		plain = bytes.TrimRight(plain, "\x00") // RFC 8446, 5.4: zero padding, then the type
		if len(plain) == 0 || plain[len(plain)-1] != tlswire.RecordHandshake {
			continue
		}
		hs = append(hs, plain[:len(plain)-1]...)
		for len(hs) >= 4 {
			n := int(hs[1])<<16 | int(hs[2])<<8 | int(hs[3])
			if len(hs) < 4+n {
				break
			}
			if hs[0] == tlswire.TypeNewSessionTicket {
				size, err := parseTicketEarlyData(hs[4 : 4+n])
				if err != nil {
					return sizes, err
				}
				sizes = append(sizes, size)
			}
			hs = hs[4+n:]
		}
	}
	return sizes, nil
}

// parseTicketEarlyData reads the max_early_data_size of a NewSessionTicket body
// (RFC 8446, 4.6.1), 0 when it has no early_data extension.
func parseTicketEarlyData(body []byte) (uint32, error) {
	s := cryptobyte.String(body)
	var lifetime, ageAdd uint32
	var nonce, ticket, exts cryptobyte.String
	if !s.ReadUint32(&lifetime) || !s.ReadUint32(&ageAdd) || !s.ReadUint8LengthPrefixed(&nonce) ||
		!s.ReadUint16LengthPrefixed(&ticket) || !s.ReadUint16LengthPrefixed(&exts) || !s.Empty() {
		return 0, errors.New("malformed NewSessionTicket")
	}
	for !exts.Empty() {
		var typ uint16
		var data cryptobyte.String
		if !exts.ReadUint16(&typ) || !exts.ReadUint16LengthPrefixed(&data) {
			return 0, errors.New("malformed NewSessionTicket extensions")
		}
		if typ != extEarlyData {
			continue
		}
		var size uint32
		if !data.ReadUint32(&size) || !data.Empty() {
			return 0, errors.New("malformed early_data extension in NewSessionTicket")
		}
		return size, nil
	}
	return 0, nil
}

// keyLogSecret returns the secret of label in an NSS key log.
func keyLogSecret(keyLog []byte, label string) ([]byte, error) {
	sc := bufio.NewScanner(bytes.NewReader(keyLog))
	for sc.Scan() {
		f := bytes.Fields(sc.Bytes())
		if len(f) == 3 && string(f[0]) == label {
			return hex.DecodeString(string(f[2]))
		}
	}
	return nil, fmt.Errorf("no %s in the key log", label)
}

// trafficKeys derives the record key and IV of a TLS 1.3 traffic secret (RFC 8446, 7.3).
func trafficKeys(suite uint16, secret []byte) (cipher.AEAD, []byte, error) {
	var h func() hash.Hash
	var keyLen int
	switch suite {
	case tls.TLS_AES_128_GCM_SHA256:
		h, keyLen = sha256.New, 16
	case tls.TLS_AES_256_GCM_SHA384:
		h, keyLen = sha512.New384, 32
	case tls.TLS_CHACHA20_POLY1305_SHA256:
		h, keyLen = sha256.New, chacha20poly1305.KeySize
	default:
		return nil, nil, fmt.Errorf("TLS 1.3 suite %#04x unknown", suite)
	}
	key, err := expandLabel(h, secret, "key", keyLen)
	if err != nil {
		return nil, nil, err
	}
	iv, err := expandLabel(h, secret, "iv", 12)
	if err != nil {
		return nil, nil, err
	}
	if suite == tls.TLS_CHACHA20_POLY1305_SHA256 {
		a, err := chacha20poly1305.New(key)
		return a, iv, err
	}
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, nil, err
	}
	a, err := cipher.NewGCM(b)
	return a, iv, err
}

// expandLabel is HKDF-Expand-Label with an empty context (RFC 8446, 7.1).
func expandLabel(h func() hash.Hash, secret []byte, label string, n int) ([]byte, error) {
	var b cryptobyte.Builder
	b.AddUint16(uint16(n))
	b.AddUint8LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes([]byte("tls13 " + label)) })
	b.AddUint8LengthPrefixed(func(*cryptobyte.Builder) {})
	info, err := b.Bytes()
	if err != nil {
		return nil, err
	}
	return hkdf.Expand(h, secret, string(info), n)
}
