package tlswire

import (
	"bytes"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"net"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mhealthsec/mhealthsec/probe/internal/peertest"
	"github.com/mhealthsec/mhealthsec/probe/pki"
)

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestPRF12Vector checks the TLS 1.2 PRF (SHA-256) test vector posted to the IETF TLS
// working group list and used by NSS, BoringSSL and others; `openssl kdf -keylen 100
// -kdfopt digest:SHA256 ... TLS1-PRF` gives the same bytes.
func TestPRF12Vector(t *testing.T) {
	secret := unhex(t, "9b be 43 6b a9 40 f0 17 b1 76 52 84 9a 71 db 35")
	seed := unhex(t, "a0 ba 9f 93 6c da 31 18 27 a6 f7 96 ff d5 19 8c")
	want := unhex(t, "e3f229ba727be17b8d122620557cd453c2aab21d07c3d495329b52d4e61edb5a"+
		"6b301791e90d35c9c9a46b4e14baf9af0fa022f7077def17abfd3797c0564bab"+
		"4fbc91666e9def9b97fce34f796789baa48082d122ee42c5a72e5a5110fff701"+
		"87347b66")
	for _, n := range []int{1, 31, 32, 33, 64, 100} {
		if got := PRF12(secret, "test label", seed, n); !bytes.Equal(got, want[:n]) {
			t.Errorf("PRF12(%d bytes) = %x, want %x", n, got, want[:n])
		}
	}
	if got := PRF12(secret, "test label", seed, 0); len(got) != 0 {
		t.Errorf("PRF12(0 bytes) = %x, want nothing", got)
	}
}

// TestPRF12OpenSSL compares PRF12 with OpenSSL's TLS1-PRF over inputs of several shapes.
func TestPRF12OpenSSL(t *testing.T) {
	openssl, err := exec.LookPath("openssl")
	if err != nil {
		t.Skip("openssl not installed; the cross-check with OpenSSL's TLS1-PRF needs it")
	}
	tests := []struct {
		name         string
		secret, seed []byte
		label        string
		n            int
	}{
		{"master secret shape", bytes.Repeat([]byte{0x11}, 32), bytes.Repeat([]byte{0x22}, 64), "master secret", 48},
		{"key block shape", bytes.Repeat([]byte{0x33}, 48), bytes.Repeat([]byte{0x44}, 64), "key expansion", 40},
		{"finished shape", bytes.Repeat([]byte{0x55}, 48), bytes.Repeat([]byte{0x66}, 32), "client finished", 12},
		{"long secret", bytes.Repeat([]byte{0x77}, 100), []byte{1}, "x", 200},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, err := exec.Command(openssl, "kdf", "-keylen", strconv.Itoa(tc.n), "-kdfopt", "digest:SHA256",
				"-kdfopt", "hexsecret:"+hex.EncodeToString(tc.secret), "-kdfopt", "seed:"+tc.label,
				"-kdfopt", "hexseed:"+hex.EncodeToString(tc.seed), "TLS1-PRF").CombinedOutput()
			if err != nil {
				t.Skipf("openssl kdf failed (an OpenSSL without the kdf command?): %v: %s", err, out)
			}
			want := unhex(t, strings.ReplaceAll(strings.TrimSpace(string(out)), ":", ""))
			if got := PRF12(tc.secret, tc.label, tc.seed, tc.n); !bytes.Equal(got, want) {
				t.Errorf("PRF12 = %x, OpenSSL = %x", got, want)
			}
		})
	}
}

func TestExpandKeysLayout(t *testing.T) {
	master := bytes.Repeat([]byte{9}, MasterSecretLen)
	var cr, sr [32]byte
	cr[0], sr[0] = 1, 2
	kb := ExpandKeys(master, cr, sr)
	whole := PRF12(master, "key expansion", append(sr[:], cr[:]...), 40)
	got := append(append(append(append([]byte{}, kb.ClientKey...), kb.ServerKey...), kb.ClientIV...), kb.ServerIV...)
	if !bytes.Equal(got, whole) {
		t.Errorf("key block = %x, want client key, server key, client IV, server IV of %x", got, whole)
	}
	if len(kb.ClientKey) != 16 || len(kb.ClientIV) != GCMImplicitIVLen {
		t.Errorf("key %d bytes, IV %d bytes; want 16 and %d", len(kb.ClientKey), len(kb.ClientIV), GCMImplicitIVLen)
	}
}

func TestGCMProtector(t *testing.T) {
	key, iv := bytes.Repeat([]byte{1}, 16), []byte{2, 3, 4, 5}
	pair := func(t *testing.T) (*GCMProtector, *GCMProtector) {
		t.Helper()
		w, err := NewGCMProtector(key, iv)
		if err != nil {
			t.Fatal(err)
		}
		r, err := NewGCMProtector(key, iv)
		if err != nil {
			t.Fatal(err)
		}
		return w, r
	}
	t.Run("round trip in order", func(t *testing.T) {
		w, r := pair(t)
		for i, msg := range []string{"first", "", "third"} {
			sealed := w.Seal(RecordApplicationData, []byte(msg))
			if got := sealed[:8]; !bytes.Equal(got, []byte{0, 0, 0, 0, 0, 0, 0, byte(i)}) {
				t.Errorf("record %d explicit nonce %x, want the sequence number", i, got)
			}
			plain, err := r.Open(RecordApplicationData, sealed)
			if err != nil || string(plain) != msg {
				t.Errorf("record %d: Open = %q, %v; want %q", i, plain, err, msg)
			}
		}
	})
	tests := []struct {
		name   string
		mangle func(w *GCMProtector) (typ uint8, payload []byte)
	}{
		{"flipped ciphertext", func(w *GCMProtector) (uint8, []byte) {
			p := w.Seal(RecordHandshake, []byte("finished"))
			p[10] ^= 1
			return RecordHandshake, p
		}},
		{"other record type", func(w *GCMProtector) (uint8, []byte) {
			return RecordApplicationData, w.Seal(RecordHandshake, []byte("finished"))
		}},
		{"skipped record", func(w *GCMProtector) (uint8, []byte) {
			w.Seal(RecordHandshake, []byte("lost"))
			return RecordHandshake, w.Seal(RecordHandshake, []byte("second"))
		}},
		{"too short", func(w *GCMProtector) (uint8, []byte) { return RecordHandshake, make([]byte, 23) }},
		{"empty", func(w *GCMProtector) (uint8, []byte) { return RecordHandshake, nil }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w, r := pair(t)
			typ, payload := tc.mangle(w)
			if plain, err := r.Open(typ, payload); err == nil {
				t.Errorf("Open = %q, want an error", plain)
			}
		})
	}
	if _, err := NewGCMProtector(key, iv[:3]); err == nil {
		t.Error("NewGCMProtector with a 3-byte IV: no error")
	}
	if _, err := NewGCMProtector(key[:15], iv); err == nil {
		t.Error("NewGCMProtector with a 15-byte key: no error")
	}
}

func FuzzGCMOpen(f *testing.F) {
	key, iv := bytes.Repeat([]byte{1}, 16), []byte{2, 3, 4, 5}
	w, err := NewGCMProtector(key, iv)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(uint8(RecordHandshake), w.Seal(RecordHandshake, []byte("hello")))
	f.Add(uint8(RecordAlert), []byte{})
	f.Add(uint8(RecordApplicationData), make([]byte, 24))
	f.Fuzz(func(t *testing.T, typ uint8, payload []byte) {
		r, err := NewGCMProtector(key, iv)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = r.Open(typ, payload)
	})
}

func TestECDHCurve(t *testing.T) {
	for _, g := range []uint16{GroupX25519, GroupSecp256r1, GroupSecp384r1, GroupSecp521r1} {
		curve, err := ECDHCurve(g)
		if err != nil {
			t.Fatalf("%s: %v", GroupName(g), err)
		}
		a, err := curve.GenerateKey(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		b, err := curve.GenerateKey(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		ab, err := SharedSecret(a, b.PublicKey().Bytes())
		if err != nil {
			t.Fatal(err)
		}
		ba, err := SharedSecret(b, a.PublicKey().Bytes())
		if err != nil || !bytes.Equal(ab, ba) {
			t.Errorf("%s: shared secrets %x and %x (%v) differ", GroupName(g), ab, ba, err)
		}
		if _, err := SharedSecret(a, []byte{4, 1, 2}); err == nil {
			t.Errorf("%s: SharedSecret with a 3-byte point: no error", GroupName(g))
		}
	}
	if _, err := ECDHCurve(GroupFFDHE2048); err == nil {
		t.Error("ECDHCurve(ffdhe2048): no error")
	}
}

// TestHandshakeWithCryptoTLS finishes TLS 1.2 handshakes with crypto/tls using only this
// file's key schedule: crypto/tls checks our Finished, and we check its Finished and decrypt
// the close_notify it sends next (sequence number 1). A wrong PRF, master secret, key block,
// nonce or additional data fails the handshake or the decryption.
func TestHandshakeWithCryptoTLS(t *testing.T) {
	cert := peertest.Leaf(t, pki.RSA2048)
	for _, group := range []tls.CurveID{tls.X25519, tls.CurveP256} {
		t.Run(GroupName(uint16(group)), func(t *testing.T) {
			addr := peertest.ServeGo(t, &tls.Config{Certificates: []tls.Certificate{cert}, MaxVersion: tls.VersionTLS12,
				CipherSuites: []uint16{tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256}, CurvePreferences: []tls.CurveID{group}}, nil).Addr
			conn, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			conn.SetDeadline(time.Now().Add(10 * time.Second))
			_, server := handshake12(t, conn, uint16(group), 0xc02f)
			rec, err := ReadRecord(conn)
			if err != nil {
				t.Fatal(err)
			}
			plain, err := server.Open(rec.Type, rec.Payload)
			if err != nil || rec.Type != RecordAlert || !bytes.Equal(plain, []byte{AlertLevelWarning, AlertCloseNotify}) {
				t.Errorf("after the handshake: record type %d, %x, %v; want an encrypted close_notify", rec.Type, plain, err)
			}
		})
	}
}

// protector is what GCMProtector and CBCProtector share.
type protector interface {
	Seal(typ uint8, plain []byte) []byte
	Open(typ uint8, payload []byte) ([]byte, error)
}

// handshake12 runs a TLS 1.2 ECDHE_RSA handshake with suite on conn (AES_128_GCM_SHA256
// 0xc02f, AES_128_CBC_SHA 0xc013 or AES_128_CBC_SHA256 0xc027) and returns both directions'
// record protection. It is probe/vuln's client cut down to what these tests need (tlswire
// cannot import vuln); the client itself lives there.
func handshake12(t *testing.T, conn net.Conn, group, suite uint16) (client, server protector) {
	t.Helper()
	ch := &ClientHello{Version: VersionTLS12, CipherSuites: []uint16{suite}, SupportedGroups: []uint16{group},
		PointFormats: []uint8{0}, SignatureAlgorithms: []uint16{0x0401, 0x0804}, SecureRenegotiation: true}
	if _, err := rand.Read(ch.Random[:]); err != nil {
		t.Fatal(err)
	}
	hello, err := ch.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	transcript := sha256.New()
	transcript.Write(hello)
	if err := WriteRecords(conn, RecordHandshake, VersionTLS12, hello); err != nil {
		t.Fatal(err)
	}
	hr := NewHandshakeReader(conn)
	var sh *ServerHello
	var ske *ServerKeyExchange
	for done := false; !done; {
		m, err := hr.ReadMessage()
		if err != nil {
			t.Fatalf("server flight: %v", err)
		}
		transcript.Write(AppendMessage(nil, m.Type, m.Body))
		switch m.Type {
		case TypeServerHello:
			sh, err = ParseServerHello(m.Body)
		case TypeServerKeyExchange:
			ske, err = ParseServerKeyExchange(m.Body, KxECDHE)
		case TypeServerHelloDone:
			done = true
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if sh == nil || ske == nil || ske.Group != group {
		t.Fatalf("server flight without ServerHello or ServerKeyExchange for group %d: %+v", group, ske)
	}
	curve, err := ECDHCurve(group)
	if err != nil {
		t.Fatal(err)
	}
	priv, err := curve.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	preMaster, err := SharedSecret(priv, ske.Point)
	if err != nil {
		t.Fatal(err)
	}
	master := MasterSecret(preMaster, ch.Random, sh.Random)
	switch suite {
	case 0xc02f:
		keys := ExpandKeys(master, ch.Random, sh.Random)
		c, err := NewGCMProtector(keys.ClientKey, keys.ClientIV)
		if err != nil {
			t.Fatal(err)
		}
		s, err := NewGCMProtector(keys.ServerKey, keys.ServerIV)
		if err != nil {
			t.Fatal(err)
		}
		client, server = c, s
	case 0xc013, 0xc027:
		mac := sha1.New
		if suite == 0xc027 {
			mac = sha256.New
		}
		keys := ExpandKeyBlock(sha256.New, master, ch.Random, sh.Random, mac().Size(), 16, 0)
		c, err := NewCBCProtector(VersionTLS12, keys.ClientKey, keys.ClientMAC, nil, mac)
		if err != nil {
			t.Fatal(err)
		}
		s, err := NewCBCProtector(VersionTLS12, keys.ServerKey, keys.ServerMAC, nil, mac)
		if err != nil {
			t.Fatal(err)
		}
		client, server = c, s
	default:
		t.Fatalf("handshake12: suite 0x%04x not handled", suite)
	}
	pub := priv.PublicKey().Bytes()
	cke := AppendMessage(nil, TypeClientKeyExchange, append([]byte{byte(len(pub))}, pub...))
	transcript.Write(cke)
	finished := AppendMessage(nil, TypeFinished, FinishedVerifyData(master, true, transcript.Sum(nil)))
	transcript.Write(finished)
	out := AppendRecords(nil, RecordHandshake, VersionTLS12, cke)
	out = AppendRecords(out, RecordChangeCipherSpec, VersionTLS12, []byte{1})
	out = AppendRecords(out, RecordHandshake, VersionTLS12, client.Seal(RecordHandshake, finished))
	if _, err := conn.Write(out); err != nil {
		t.Fatal(err)
	}
	for {
		rec, err := ReadRecord(conn)
		if err != nil {
			t.Fatalf("server Finished: %v", err)
		}
		switch rec.Type {
		case RecordChangeCipherSpec:
			continue
		case RecordAlert:
			t.Fatalf("crypto/tls refused our Finished: alert % x", rec.Payload)
		}
		plain, err := server.Open(rec.Type, rec.Payload)
		if err != nil {
			t.Fatalf("server Finished: %v", err)
		}
		want := AppendMessage(nil, TypeFinished, FinishedVerifyData(master, false, transcript.Sum(nil)))
		if !bytes.Equal(plain, want) {
			t.Fatalf("server Finished %x, want %x", plain, want)
		}
		return client, server
	}
}
