package tlswire

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
)

// This file is the TLS 1.2 key schedule and the AES-GCM record protection of the suites
// ECDHE_{RSA,ECDSA}_WITH_AES_128_GCM_SHA256 (RFC 5246, RFC 5288, RFC 8422); cbc.go has the
// CBC record protection. Enough for a probe or a fake server to finish a handshake and
// exchange a few encrypted records; it authenticates nobody.

// The suites this key schedule serves.
const (
	SuiteECDHERSAWithAES128GCMSHA256   uint16 = 0xc02f
	SuiteECDHEECDSAWithAES128GCMSHA256 uint16 = 0xc02b
)

// Lengths of the TLS 1.2 key schedule values.
const (
	MasterSecretLen     = 48 // RFC 5246, 8.1
	VerifyDataLen       = 12 // RFC 5246, 7.4.9
	GCMImplicitIVLen    = 4  // the salt of RFC 5288, 3
	gcmExplicitNonceLen = 8
)

// PRF12 is the TLS 1.2 pseudorandom function with SHA-256 (RFC 5246, 5): P_SHA256(secret,
// label + seed), cut to n bytes.
func PRF12(secret []byte, label string, seed []byte, n int) []byte {
	return PRF(sha256.New, secret, label, seed, n)
}

// PRF is the TLS 1.2 pseudorandom function with the suite's hash (RFC 5246, 5: SHA-256,
// or SHA-384 for the *_SHA384 suites).
func PRF(newHash func() hash.Hash, secret []byte, label string, seed []byte, n int) []byte {
	if n <= 0 {
		return nil
	}
	labelSeed := append([]byte(label), seed...)
	mac := hmac.New(newHash, secret)
	mac.Write(labelSeed)
	a := mac.Sum(nil) // A(1)
	out := make([]byte, 0, n+sha256.Size)
	for len(out) < n {
		mac.Reset()
		mac.Write(a)
		mac.Write(labelSeed)
		out = mac.Sum(out)
		mac.Reset()
		mac.Write(a)
		a = mac.Sum(nil)
	}
	return out[:n]
}

// MasterSecret derives the 48-byte master secret from the premaster secret and the two
// hello randoms (RFC 5246, 8.1; without the extended master secret of RFC 7627).
func MasterSecret(preMaster []byte, clientRandom, serverRandom [32]byte) []byte {
	return PRF12(preMaster, "master secret", concatRandoms(clientRandom, serverRandom), MasterSecretLen)
}

// KeyBlock is the key material of a suite, cut from the key block in the order of RFC 5246,
// 6.3: MAC keys (none for AEAD suites), write keys, and IVs (an AEAD suite's implicit nonce
// salt, RFC 5288, 3; the first CBC IVs in TLS 1.0; none for CBC in TLS 1.1 and 1.2).
type KeyBlock struct {
	ClientMAC, ServerMAC []byte
	ClientKey, ServerKey []byte
	ClientIV, ServerIV   []byte
}

// SplitKeyBlock cuts a key block of KeyBlockLen(macLen, keyLen, ivLen) bytes into its parts.
func SplitKeyBlock(kb []byte, macLen, keyLen, ivLen int) (KeyBlock, error) {
	if macLen < 0 || keyLen < 0 || ivLen < 0 || len(kb) != KeyBlockLen(macLen, keyLen, ivLen) {
		return KeyBlock{}, fmt.Errorf("tlswire: key block of %d bytes for MAC keys of %d, keys of %d and IVs of %d bytes", len(kb), macLen, keyLen, ivLen)
	}
	take := func(n int) []byte { b := kb[:n:n]; kb = kb[n:]; return b }
	var k KeyBlock
	k.ClientMAC, k.ServerMAC = take(macLen), take(macLen)
	k.ClientKey, k.ServerKey = take(keyLen), take(keyLen)
	k.ClientIV, k.ServerIV = take(ivLen), take(ivLen)
	return k, nil
}

// KeyBlockLen is the length of the key block of a suite with these part lengths.
func KeyBlockLen(macLen, keyLen, ivLen int) int { return 2 * (macLen + keyLen + ivLen) }

// ExpandKeys derives the key block of an AES_128_GCM_SHA256 suite from the master secret.
// Note the randoms swap places against MasterSecret: the server's comes first here.
func ExpandKeys(master []byte, clientRandom, serverRandom [32]byte) KeyBlock {
	return ExpandKeyBlock(sha256.New, master, clientRandom, serverRandom, 0, 16, GCMImplicitIVLen)
}

// ExpandKeyBlock derives a TLS 1.2 key block with the PRF of newHash (SHA-256, or SHA-384 for
// the *_SHA384 suites) and cuts it into MAC keys of macLen, write keys of keyLen and IVs of
// ivLen bytes: for AES-128-CBC-SHA at TLS 1.2, 20, 16 and 0.
func ExpandKeyBlock(newHash func() hash.Hash, master []byte, clientRandom, serverRandom [32]byte, macLen, keyLen, ivLen int) KeyBlock {
	macLen, keyLen, ivLen = max(macLen, 0), max(keyLen, 0), max(ivLen, 0)
	kb := PRF(newHash, master, "key expansion", concatRandoms(serverRandom, clientRandom), KeyBlockLen(macLen, keyLen, ivLen))
	k, _ := SplitKeyBlock(kb, macLen, keyLen, ivLen) // lengths agree by construction
	return k
}

// FinishedVerifyData is the verify_data of a Finished message (RFC 5246, 7.4.9): fromClient
// picks the "client finished" or "server finished" label, and transcriptHash is the SHA-256
// of every handshake message before this Finished.
func FinishedVerifyData(master []byte, fromClient bool, transcriptHash []byte) []byte {
	label := "server finished"
	if fromClient {
		label = "client finished"
	}
	return PRF12(master, label, transcriptHash, VerifyDataLen)
}

func concatRandoms(first, second [32]byte) []byte {
	return append(first[:len(first):len(first)], second[:]...)
}

// ECDHCurve is the crypto/ecdh curve of a named group, for the groups it implements.
func ECDHCurve(group uint16) (ecdh.Curve, error) {
	switch group {
	case GroupX25519:
		return ecdh.X25519(), nil
	case GroupSecp256r1:
		return ecdh.P256(), nil
	case GroupSecp384r1:
		return ecdh.P384(), nil
	case GroupSecp521r1:
		return ecdh.P521(), nil
	}
	return nil, fmt.Errorf("tlswire: no ECDH for group %s", GroupName(group))
}

// SharedSecret is the ECDHE premaster secret of priv and the peer's public point as sent in
// its key exchange message (RFC 8422, 5.10: the x-coordinate for the NIST curves).
func SharedSecret(priv *ecdh.PrivateKey, peerPoint []byte) ([]byte, error) {
	peer, err := priv.Curve().NewPublicKey(peerPoint)
	if err != nil {
		return nil, fmt.Errorf("tlswire: peer key share: %w", err)
	}
	secret, err := priv.ECDH(peer)
	if err != nil {
		return nil, fmt.Errorf("tlswire: ECDH: %w", err)
	}
	return secret, nil
}

// GCMProtector protects the records of one direction of a TLS 1.2 connection with AES-GCM
// (RFC 5288). It counts the records itself: each Seal or Open uses the next sequence number,
// the first being 0, so one protector must see every record of its direction in order. The
// explicit nonce it writes is the sequence number, as crypto/tls and OpenSSL do.
type GCMProtector struct {
	aead cipher.AEAD
	iv   []byte
	seq  uint64
}

// NewGCMProtector makes the protector for one direction from its write key (16 or 32 bytes)
// and its 4-byte implicit IV, as in a KeyBlock.
func NewGCMProtector(key, iv []byte) (*GCMProtector, error) {
	if len(iv) != GCMImplicitIVLen {
		return nil, fmt.Errorf("tlswire: GCM implicit IV of %d bytes, want %d", len(iv), GCMImplicitIVLen)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("tlswire: GCM key: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("tlswire: GCM: %w", err)
	}
	return &GCMProtector{aead: aead, iv: append([]byte{}, iv...)}, nil
}

// Seal encrypts plain as the payload of a record of type typ: explicit nonce, ciphertext and
// tag, ready for AppendRecords.
func (g *GCMProtector) Seal(typ uint8, plain []byte) []byte {
	out := make([]byte, 0, gcmExplicitNonceLen+len(plain)+g.aead.Overhead())
	explicit := binary.BigEndian.AppendUint64(out, g.seq)
	ad := g.additionalData(typ, len(plain))
	g.seq++
	return g.aead.Seal(explicit, g.nonce(explicit), plain, ad)
}

// Open decrypts and authenticates the payload of a record of type typ. An error is fatal to
// the connection, as every record error is in TLS (the peer would be sent bad_record_mac).
func (g *GCMProtector) Open(typ uint8, payload []byte) ([]byte, error) {
	if len(payload) < gcmExplicitNonceLen+g.aead.Overhead() {
		return nil, errors.New("tlswire: encrypted record too short")
	}
	explicit, sealed := payload[:gcmExplicitNonceLen], payload[gcmExplicitNonceLen:]
	ad := g.additionalData(typ, len(sealed)-g.aead.Overhead())
	g.seq++
	plain, err := g.aead.Open(nil, g.nonce(explicit), sealed, ad)
	if err != nil {
		return nil, fmt.Errorf("tlswire: decrypt record: %w", err)
	}
	return plain, nil
}

// nonce is the implicit IV followed by the record's explicit nonce (RFC 5288, 3).
func (g *GCMProtector) nonce(explicit []byte) []byte {
	return append(append(make([]byte, 0, GCMImplicitIVLen+gcmExplicitNonceLen), g.iv...), explicit...)
}

// additionalData is seq_num + type + version + length (RFC 5246, 6.2.3.3).
func (g *GCMProtector) additionalData(typ uint8, n int) []byte {
	ad := binary.BigEndian.AppendUint64(make([]byte, 0, 13), g.seq)
	ad = append(ad, typ, byte(VersionTLS12>>8), byte(VersionTLS12&0xff))
	return binary.BigEndian.AppendUint16(ad, uint16(n))
}
