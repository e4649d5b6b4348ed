package vuln

import (
	"crypto/aes"
	"crypto/des"
	"crypto/md5"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"math/big"

	"golang.org/x/crypto/cryptobyte"

	"github.com/mhealthsec/mhealthsec/probe/tlswire"
)

// The TLS 1.2 client of renego.go runs the suites below: ECDHE, DHE or RSA key transport
// with AES-GCM or AES-CBC and HMAC, the suites nearly every TLS 1.2 server accepts one of.
// It authenticates nobody: it wants to reach the point where a server must answer a second
// hello (renegotiation) or has issued a session ticket (Ticketbleed).

// suite12 is what the client needs to know of a suite.
type suite12 struct {
	id     uint16
	kx     tlswire.KeyExchange // KxECDHE, KxDHE, or 0 for RSA key transport
	keyLen int                 // AES key bytes; 24 is 3DES-EDE (legacy12Suites), 0 the NULL cipher
	gcm    bool
	mac    func() hash.Hash // CBC suites' HMAC hash
	prf    func() hash.Hash // PRF and transcript hash: SHA-256, or SHA-384 for *_SHA384
}

func client12Suites() []suite12 {
	const rsaKx = 0
	ec, dh := tlswire.KxECDHE, tlswire.KxDHE
	s256, s384 := sha256.New, sha512.New384
	return []suite12{
		{0xc02f, ec, 16, true, nil, s256}, {0xc02b, ec, 16, true, nil, s256},
		{0xc030, ec, 32, true, nil, s384}, {0xc02c, ec, 32, true, nil, s384},
		{0xc013, ec, 16, false, sha1.New, s256}, {0xc009, ec, 16, false, sha1.New, s256},
		{0xc014, ec, 32, false, sha1.New, s256}, {0xc00a, ec, 32, false, sha1.New, s256},
		{0xc027, ec, 16, false, s256, s256}, {0xc023, ec, 16, false, s256, s256},
		{0x009e, dh, 16, true, nil, s256}, {0x009f, dh, 32, true, nil, s384},
		{0x0033, dh, 16, false, sha1.New, s256}, {0x0039, dh, 32, false, sha1.New, s256},
		{0x0067, dh, 16, false, s256, s256},
		{0x009c, rsaKx, 16, true, nil, s256}, {0x009d, rsaKx, 32, true, nil, s384},
		{0x002f, rsaKx, 16, false, sha1.New, s256}, {0x0035, rsaKx, 32, false, sha1.New, s256},
		{0x003c, rsaKx, 16, false, s256, s256},
	}
}

// legacy12Suites are suites only the handshakes that read a server (DialTLS12, Handshake12)
// offer, for servers that accept nothing better: 3DES-EDE-CBC, the NULL cipher, and AES
// with DSS certificates (the client verifies no signature).
func legacy12Suites() []suite12 {
	const rsaKx = 0
	ec, dh := tlswire.KxECDHE, tlswire.KxDHE
	s256 := sha256.New
	return []suite12{
		{id: 0xc012, kx: ec, keyLen: 24, mac: sha1.New, prf: s256}, {id: 0xc008, kx: ec, keyLen: 24, mac: sha1.New, prf: s256},
		{id: 0x0016, kx: dh, keyLen: 24, mac: sha1.New, prf: s256}, {id: 0x0013, kx: dh, keyLen: 24, mac: sha1.New, prf: s256},
		{id: 0x000a, kx: rsaKx, keyLen: 24, mac: sha1.New, prf: s256},
		{id: 0x0032, kx: dh, keyLen: 16, mac: sha1.New, prf: s256}, {id: 0x0038, kx: dh, keyLen: 32, mac: sha1.New, prf: s256},
		{id: 0x0040, kx: dh, keyLen: 16, mac: s256, prf: s256}, {id: 0x00a2, kx: dh, keyLen: 16, gcm: true, prf: s256},
		{id: 0xc010, kx: ec, mac: sha1.New, prf: s256}, {id: 0xc006, kx: ec, mac: sha1.New, prf: s256},
		{id: 0x0002, kx: rsaKx, mac: sha1.New, prf: s256}, {id: 0x003b, kx: rsaKx, mac: s256, prf: s256},
		{id: 0x0001, kx: rsaKx, mac: md5.New, prf: s256},
	}
}

// readSuiteIDs are what DialTLS12 and Handshake12 offer at version: client12Suites, then
// legacy12Suites.
func readSuiteIDs(version uint16) []uint16 {
	ids := client12SuiteIDs(version)
	for _, s := range legacy12Suites() {
		if s.usable(version) {
			ids = append(ids, s.id)
		}
	}
	return ids
}

// lookupReadSuite finds id among client12Suites and legacy12Suites: what a handshake can
// run, whichever of them it offered.
func lookupReadSuite(id uint16) (suite12, bool) {
	if s, ok := lookupSuite12(id); ok {
		return s, true
	}
	for _, s := range legacy12Suites() {
		if s.id == id {
			return s, true
		}
	}
	return suite12{}, false
}

// client12Speaks says whether the client runs at version: TLS 1.0 to 1.2.
func client12Speaks(version uint16) bool {
	return version >= tlswire.VersionTLS10 && version <= tlswire.VersionTLS12
}

// client12Groups are the groups the client offers: the curves its ECDHE completes
// (tlswire.ECDHCurve), without the ffdhe groups of prober.hello.
func client12Groups() []uint16 {
	return []uint16{tlswire.GroupX25519, tlswire.GroupSecp256r1, tlswire.GroupSecp384r1, tlswire.GroupSecp521r1}
}

// hello12 is the client's hello at the plan's version: prober.hello offering the
// client's suites and groups.
func (p *prober) hello12() *tlswire.ClientHello {
	ch := p.hello()
	ch.CipherSuites = client12SuiteIDs(ch.Version)
	ch.SupportedGroups = client12Groups()
	return ch
}

// client12SuiteIDs are the ids of client12Suites that run at version, for a ClientHello.
func client12SuiteIDs(version uint16) []uint16 {
	var ids []uint16
	for _, s := range client12Suites() {
		if s.usable(version) {
			ids = append(ids, s.id)
		}
	}
	return ids
}

func lookupSuite12(id uint16) (suite12, bool) {
	for _, s := range client12Suites() {
		if s.id == id {
			return s, true
		}
	}
	return suite12{}, false
}

// prfBytes is the PRF of the version: TLS 1.2's with the suite's hash, or TLS 1.0 and
// 1.1's P_MD5 XOR P_SHA1 over the two halves of the secret (RFC 2246, 5).
func (s suite12) prfBytes(version uint16, secret []byte, label string, seed []byte, n int) []byte {
	if version >= tlswire.VersionTLS12 {
		return tlswire.PRF(s.prf, secret, label, seed, n)
	}
	half := (len(secret) + 1) / 2
	out := tlswire.PRF(md5.New, secret[:half], label, seed, n)
	x := tlswire.PRF(sha1.New, secret[len(secret)-half:], label, seed, n)
	for i := range out {
		out[i] ^= x[i]
	}
	return out
}

// transcriptHash is what Finished covers: the suite's hash for TLS 1.2, MD5 followed by
// SHA-1 before (RFC 2246, 7.4.9).
func (s suite12) transcriptHash(version uint16, transcript []byte) []byte {
	if version >= tlswire.VersionTLS12 {
		h := s.prf()
		h.Write(transcript)
		return h.Sum(nil)
	}
	m, h := md5.Sum(transcript), sha1.Sum(transcript)
	return append(m[:], h[:]...)
}

// usable reports whether the suite runs at version: AEAD and SHA-256 suites need TLS 1.2.
func (s suite12) usable(version uint16) bool {
	return version >= tlswire.VersionTLS12 || !s.gcm && s.mac().Size() <= sha1.Size
}

// protector seals and opens the records of one direction.
type protector interface {
	Seal(typ uint8, plain []byte) []byte
	Open(typ uint8, payload []byte) ([]byte, error)
}

// keys derives the master secret and both directions' protectors (RFC 5246, 6.3 and 8.1).
func (s suite12) keys(version uint16, preMaster []byte, clientRandom, serverRandom [32]byte) (master []byte, client, server protector, err error) {
	master = s.prfBytes(version, preMaster, "master secret", append(clientRandom[:], serverRandom[:]...), tlswire.MasterSecretLen)
	macLen, ivLen := 0, tlswire.GCMImplicitIVLen
	if !s.gcm {
		macLen, ivLen = s.mac().Size(), 0
		if version == tlswire.VersionTLS10 && s.keyLen > 0 {
			ivLen = aes.BlockSize // TLS 1.0 CBC: the first IV comes from the key block
			if s.keyLen == 24 {
				ivLen = des.BlockSize
			}
		}
	}
	kb, err := tlswire.SplitKeyBlock(s.prfBytes(version, master, "key expansion", append(serverRandom[:], clientRandom[:]...),
		tlswire.KeyBlockLen(macLen, s.keyLen, ivLen)), macLen, s.keyLen, ivLen)
	if err != nil {
		return nil, nil, nil, err
	}
	if s.gcm {
		c, err := tlswire.NewGCMProtector(kb.ClientKey, kb.ClientIV)
		if err != nil {
			return nil, nil, nil, err
		}
		sv, err := tlswire.NewGCMProtector(kb.ServerKey, kb.ServerIV)
		return master, c, sv, err
	}
	switch s.keyLen {
	case 0:
		return master, tlswire.NewNullProtector(version, kb.ClientMAC, s.mac), tlswire.NewNullProtector(version, kb.ServerMAC, s.mac), nil
	case 24:
		cb, err := des.NewTripleDESCipher(kb.ClientKey)
		if err != nil {
			return nil, nil, nil, err
		}
		sb, err := des.NewTripleDESCipher(kb.ServerKey)
		if err != nil {
			return nil, nil, nil, err
		}
		c, err := tlswire.NewCBCProtectorWith(version, cb, kb.ClientMAC, kb.ClientIV, s.mac)
		if err != nil {
			return nil, nil, nil, err
		}
		sv, err := tlswire.NewCBCProtectorWith(version, sb, kb.ServerMAC, kb.ServerIV, s.mac)
		return master, c, sv, err
	}
	c, err := tlswire.NewCBCProtector(version, kb.ClientKey, kb.ClientMAC, kb.ClientIV, s.mac)
	if err != nil {
		return nil, nil, nil, err
	}
	sv, err := tlswire.NewCBCProtector(version, kb.ServerKey, kb.ServerMAC, kb.ServerIV, s.mac)
	return master, c, sv, err
}

// clientKeyExchange computes the premaster secret and the ClientKeyExchange body for the
// suite from the server's key exchange message (ECDHE, DHE) or certificate (RSA).
func (s suite12) clientKeyExchange(ske []byte, chain [][]byte, version uint16) (preMaster, body []byte, err error) {
	switch s.kx {
	case tlswire.KxECDHE:
		p, err := tlswire.ParseServerKeyExchange(ske, tlswire.KxECDHE)
		if err != nil {
			return nil, nil, err
		}
		curve, err := tlswire.ECDHCurve(p.Group)
		if err != nil {
			return nil, nil, err
		}
		priv, err := curve.GenerateKey(rand.Reader)
		if err != nil {
			return nil, nil, err
		}
		if preMaster, err = tlswire.SharedSecret(priv, p.Point); err != nil {
			return nil, nil, err
		}
		pub := priv.PublicKey().Bytes()
		return preMaster, append([]byte{byte(len(pub))}, pub...), nil
	case tlswire.KxDHE:
		in := cryptobyte.String(ske)
		var pb, gb, yb cryptobyte.String
		if !in.ReadUint16LengthPrefixed(&pb) || !in.ReadUint16LengthPrefixed(&gb) || !in.ReadUint16LengthPrefixed(&yb) {
			return nil, nil, errors.New("malformed DHE ServerKeyExchange")
		}
		p, g, y := new(big.Int).SetBytes(pb), new(big.Int).SetBytes(gb), new(big.Int).SetBytes(yb)
		if p.BitLen() < 256 || g.Sign() <= 0 || y.Sign() <= 0 {
			return nil, nil, errors.New("DHE parameters unusable")
		}
		x, err := rand.Int(rand.Reader, new(big.Int).Sub(p, big.NewInt(2)))
		if err != nil {
			return nil, nil, err
		}
		x.Add(x, big.NewInt(1))
		pub := new(big.Int).Exp(g, x, p).Bytes()
		preMaster = new(big.Int).Exp(y, x, p).Bytes() // leading zeros stripped (RFC 5246, 8.1.2)
		return preMaster, append(binary.BigEndian.AppendUint16(nil, uint16(len(pub))), pub...), nil
	}
	if len(chain) == 0 {
		return nil, nil, errors.New("no server certificate for RSA key transport")
	}
	leaf, err := x509.ParseCertificate(chain[0])
	if err != nil {
		return nil, nil, fmt.Errorf("server certificate: %w", err)
	}
	pub, ok := leaf.PublicKey.(*rsa.PublicKey)
	if !ok {
		return nil, nil, errors.New("server certificate has no RSA key")
	}
	padded, err := PaddedPMS(PMSCorrect, (pub.N.BitLen()+7)/8, version)
	if err != nil {
		return nil, nil, err
	}
	enc := rawRSAEncrypt(pub, padded)
	return padded[len(padded)-48:], append(binary.BigEndian.AppendUint16(nil, uint16(len(enc))), enc...), nil
}
