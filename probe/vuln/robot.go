package vuln

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"sync"

	"github.com/mhealthsec/mhealthsec/probe/result"
	"github.com/mhealthsec/mhealthsec/probe/tlswire"
)

// PMSVariant is one of the premaster-secret encodings the ROBOT test sends, as testssl.sh's
// run_robot numbers them.
type PMSVariant int

// The five encodings: only the first is valid PKCS#1 v1.5.
const (
	PMSCorrect       PMSVariant = iota // 00 02 <pad> 00 <version> <46 bytes>
	PMSWrongFirst                      // 41 17 <pad> 00 <version> <46 bytes>
	PMSZeroMisplaced                   // 00 02 <pad> 11 <46 bytes> 00 11: separator too late
	PMSNoSeparator                     // 00 02 <pad> 11 11 11 <46 bytes>: no 00 after the padding
	PMSWrongVersion                    // 00 02 <pad> 00 02 02 <46 bytes>: premaster version 0x0202
)

func (v PMSVariant) String() string {
	return [...]string{"correct padding", "wrong first bytes", "0x00 misplaced", "no 0x00 separator", "wrong version"}[v]
}

// pmsVariants lists every variant in testssl.sh's order.
func pmsVariants() []PMSVariant {
	return []PMSVariant{PMSCorrect, PMSWrongFirst, PMSZeroMisplaced, PMSNoSeparator, PMSWrongVersion}
}

// PaddedPMS builds the k-byte plaintext (k = modulus length in bytes) of variant v for a
// client offering version. The random padding has no zero bytes, as PKCS#1 requires.
func PaddedPMS(v PMSVariant, k int, version uint16) ([]byte, error) {
	const secret = 46
	padLen := k - 2 - 1 - 2 - secret
	if padLen < 8 {
		return nil, fmt.Errorf("RSA modulus of %d bytes is too short for a premaster secret", k)
	}
	pad := make([]byte, padLen)
	if _, err := rand.Read(pad); err != nil {
		return nil, err
	}
	for i := range pad {
		if pad[i] == 0 {
			pad[i] = 0x5a
		}
	}
	pms := make([]byte, secret)
	rand.Read(pms)
	ver := []byte{byte(version >> 8), byte(version)}
	var b []byte
	switch v {
	case PMSCorrect:
		b = concat([]byte{0, 2}, pad, []byte{0}, ver, pms)
	case PMSWrongFirst:
		b = concat([]byte{0x41, 0x17}, pad, []byte{0}, ver, pms)
	case PMSZeroMisplaced:
		b = concat([]byte{0, 2}, pad, []byte{0x11}, pms, []byte{0, 0x11})
	case PMSNoSeparator:
		b = concat([]byte{0, 2}, pad, []byte{0x11, 0x11, 0x11}, pms)
	case PMSWrongVersion:
		b = concat([]byte{0, 2}, pad, []byte{0, 2, 2}, pms)
	default:
		return nil, fmt.Errorf("unknown PMS variant %d", v)
	}
	return b, nil
}

func concat(parts ...[]byte) []byte {
	var b []byte
	for _, p := range parts {
		b = append(b, p...)
	}
	return b
}

// rawRSAEncrypt is textbook RSA (m^e mod n): the padding is ours to get wrong on purpose.
func rawRSAEncrypt(pub *rsa.PublicKey, m []byte) []byte {
	c := new(big.Int).Exp(new(big.Int).SetBytes(m), big.NewInt(int64(pub.E)), pub.N)
	out := make([]byte, (pub.N.BitLen()+7)/8)
	return c.FillBytes(out)
}

// robotFinished is the arbitrary 64-byte "Finished" testssl.sh sends after the CCS.
func robotFinished() []byte {
	b := make([]byte, 64)
	rand.Read(b)
	return b
}

// robot runs testssl.sh's ROBOT test: one handshake per PMS variant over RSA key transport
// (all five at once), each ClientKeyExchange followed by CCS and an arbitrary Finished, and
// compares the server's answers (alert, close, silence). Any difference is an oracle:
// vulnerable. When the three malformed-padding variants answer alike and only the correct
// or wrong-version secret differs, testssl.sh calls it "weakly vulnerable"; the note says so.
func (p *prober) robot(ctx context.Context) (*bool, string) {
	if p.plan.tls13Only {
		return result.Bool(false), "not vulnerable: TLS 1.3 only (no RSA key transport)"
	}
	if len(p.plan.rsaSuites) == 0 {
		return result.Bool(false), "not vulnerable: no RSA key transport suite"
	}
	variants := pmsVariants()
	answers := make([]string, len(variants))
	errs := make([]error, len(variants))
	var wg sync.WaitGroup
	for i, v := range variants {
		wg.Add(1)
		go func() {
			defer wg.Done()
			answers[i], errs[i] = p.robotAttempt(ctx, v)
		}()
	}
	wg.Wait()
	refused := 0
	for _, err := range errs {
		if a, ok := isAlert(err); ok && a.Description == tlswire.AlertHandshakeFailure {
			refused++
		}
	}
	if refused == len(errs) {
		return result.Bool(false), "not vulnerable: no RSA key transport suite accepted"
	}
	for i, err := range errs {
		if err != nil {
			return nil, fmt.Sprintf("not tested: %s: %v", variants[i], err)
		}
	}
	same := true
	for _, a := range answers[1:] {
		if a != answers[0] {
			same = false
		}
	}
	var parts []string
	for i, v := range variants {
		parts = append(parts, v.String()+": "+answers[i])
	}
	detail := strings.Join(parts, "; ")
	if same {
		return result.Bool(false), "not vulnerable: every padding variant got " + answers[0]
	}
	if answers[1] == answers[2] && answers[2] == answers[3] {
		return result.Bool(true), "VULNERABLE (weak oracle, as testssl.sh says: the attack would take long): " + detail
	}
	return result.Bool(true), "VULNERABLE: the server answers padding variants differently: " + detail
}

// robotAttempt does one handshake with variant v and returns the server's answer.
func (p *prober) robotAttempt(ctx context.Context, v PMSVariant) (string, error) {
	ch := p.hello()
	ch.CipherSuites = p.plan.rsaSuites
	s, fl, err := p.start(ctx, ch)
	if err != nil {
		return "", err
	}
	defer s.Close()
	if len(fl.Chain) == 0 {
		return "", errors.New("server sent no certificate")
	}
	cert, err := x509.ParseCertificate(fl.Chain[0])
	if err != nil {
		return "", fmt.Errorf("parse server certificate: %w", err)
	}
	pub, ok := cert.PublicKey.(*rsa.PublicKey)
	if !ok {
		return "", fmt.Errorf("server certificate key is %T, not RSA", cert.PublicKey)
	}
	m, err := PaddedPMS(v, (pub.N.BitLen()+7)/8, ch.Version)
	if err != nil {
		return "", err
	}
	enc := rawRSAEncrypt(pub, m)
	var body []byte
	if s.version == tlswire.VersionSSL3 {
		body = enc // SSL 3.0 sends the encrypted secret without a length prefix
	} else {
		body = append([]byte{byte(len(enc) >> 8), byte(len(enc))}, enc...)
	}
	out := tlswire.AppendRecords(nil, tlswire.RecordHandshake, s.version, tlswire.AppendMessage(nil, tlswire.TypeClientKeyExchange, body))
	out = tlswire.AppendRecords(out, tlswire.RecordChangeCipherSpec, s.version, []byte{1})
	out = tlswire.AppendRecords(out, tlswire.RecordHandshake, s.version, robotFinished())
	if _, err := s.conn.Write(out); err != nil {
		// A server that closes right after reading the key exchange answers by closing.
		return "connection closed", nil
	}
	rep := s.readReply(0)
	if rep.err != nil {
		return "", rep.err
	}
	return rep.String(), nil
}
