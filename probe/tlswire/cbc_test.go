package tlswire

import (
	"bytes"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/tls"
	"errors"
	"hash"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/mhealthsec/mhealthsec/probe/internal/peertest"
	"github.com/mhealthsec/mhealthsec/probe/pki"
)

func cbcPair(t testing.TB, version uint16, keyLen int, mac func() hash.Hash) (w, r *CBCProtector) {
	t.Helper()
	key, macKey, iv := bytes.Repeat([]byte{1}, keyLen), bytes.Repeat([]byte{2}, mac().Size()), bytes.Repeat([]byte{3}, 16)
	var err error
	if w, err = NewCBCProtector(version, key, macKey, iv, mac); err != nil {
		t.Fatal(err)
	}
	if r, err = NewCBCProtector(version, key, macKey, iv, mac); err != nil {
		t.Fatal(err)
	}
	return w, r
}

func TestAppendCBCPadding(t *testing.T) {
	for n := range 40 {
		got := AppendCBCPadding(bytes.Repeat([]byte{0xaa}, n), 16)
		pad := int(got[len(got)-1])
		if len(got)%16 != 0 || len(got)-n != pad+1 || pad > 15 {
			t.Errorf("%d bytes padded to %d with padding length %d", n, len(got), pad)
		}
		for _, b := range got[n:] {
			if int(b) != pad {
				t.Errorf("%d bytes: padding % x not all %d", n, got[n:], pad)
				break
			}
		}
	}
}

func TestCBCProtectorRoundTrip(t *testing.T) {
	for _, version := range []uint16{VersionTLS10, VersionTLS11, VersionTLS12} {
		for _, mac := range []func() hash.Hash{sha1.New, sha256.New} {
			for _, keyLen := range []int{16, 32} {
				w, r := cbcPair(t, version, keyLen, mac)
				for n := range 40 {
					msg := bytes.Repeat([]byte{byte(n)}, n)
					sealed := w.Seal(RecordApplicationData, msg)
					explicit := 0
					if version > VersionTLS10 {
						explicit = 16
					}
					if want := explicit + len(AppendCBCPadding(make([]byte, n+mac().Size()), 16)); len(sealed) != want {
						t.Errorf("version %x MAC %d: %d bytes sealed to %d, want %d", version, mac().Size(), n, len(sealed), want)
					}
					plain, err := r.Open(RecordApplicationData, sealed)
					if err != nil || !bytes.Equal(plain, msg) {
						t.Fatalf("version %x MAC %d key %d record %d: Open = %x, %v", version, mac().Size(), keyLen, n, plain, err)
					}
				}
			}
		}
	}
}

func TestCBCProtectorRejects(t *testing.T) {
	body := []byte("GET / HTTP/1.1\r\n\r\n")
	tests := []struct {
		name    string
		version uint16
		mangle  func(t *testing.T, w *CBCProtector) (typ uint8, payload []byte)
		want    error
	}{
		{"flipped last block", VersionTLS12, func(t *testing.T, w *CBCProtector) (uint8, []byte) {
			p := w.Seal(RecordApplicationData, body)
			p[len(p)-1] ^= 1
			return RecordApplicationData, p
		}, nil},
		{"other record type", VersionTLS11, func(t *testing.T, w *CBCProtector) (uint8, []byte) {
			return RecordHandshake, w.Seal(RecordApplicationData, body)
		}, ErrCBCMAC},
		{"skipped record", VersionTLS12, func(t *testing.T, w *CBCProtector) (uint8, []byte) {
			w.Seal(RecordApplicationData, body)
			return RecordApplicationData, w.Seal(RecordApplicationData, body)
		}, ErrCBCMAC},
		{"padding bytes not all equal (POODLE)", VersionTLS12, func(t *testing.T, w *CBCProtector) (uint8, []byte) {
			data := AppendCBCPadding(append(append([]byte{}, body...), w.MAC(RecordApplicationData, body)...), 16)
			data[len(data)-2] ^= 0x40
			return RecordApplicationData, encrypt(t, w, data)
		}, ErrCBCPadding},
		{"valid padding, wrong MAC", VersionTLS10, func(t *testing.T, w *CBCProtector) (uint8, []byte) {
			tag := w.MAC(RecordApplicationData, body)
			tag[0] ^= 1
			return RecordApplicationData, encrypt(t, w, AppendCBCPadding(append(append([]byte{}, body...), tag...), 16))
		}, ErrCBCMAC},
		{"padding longer than the record", VersionTLS12, func(t *testing.T, w *CBCProtector) (uint8, []byte) {
			return RecordApplicationData, encrypt(t, w, bytes.Repeat([]byte{'A'}, 64))
		}, ErrCBCPadding},
		{"not whole blocks", VersionTLS12, func(t *testing.T, w *CBCProtector) (uint8, []byte) {
			p := w.Seal(RecordApplicationData, body)
			return RecordApplicationData, p[:len(p)-1]
		}, ErrCBCLength},
		{"IV only", VersionTLS12, func(t *testing.T, w *CBCProtector) (uint8, []byte) {
			return RecordApplicationData, make([]byte, 16)
		}, ErrCBCLength},
		{"empty", VersionTLS10, func(t *testing.T, w *CBCProtector) (uint8, []byte) { return RecordApplicationData, nil }, ErrCBCLength},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w, r := cbcPair(t, tc.version, 16, sha1.New)
			typ, payload := tc.mangle(t, w)
			plain, err := r.Open(typ, payload)
			if err == nil {
				t.Fatalf("Open = %q, want an error", plain)
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Errorf("Open error %v, want %v", err, tc.want)
			}
		})
	}
}

func encrypt(t *testing.T, w *CBCProtector, data []byte) []byte {
	t.Helper()
	p, err := w.Encrypt(data)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestNewCBCProtectorRefuses(t *testing.T) {
	key, iv := make([]byte, 16), make([]byte, 16)
	for _, tc := range []struct {
		name    string
		version uint16
		key, iv []byte
		mac     func() hash.Hash
	}{
		{"SSL 3.0", VersionSSL3, key, iv, sha1.New},
		{"TLS 1.3", VersionTLS13, key, iv, sha1.New},
		{"no MAC", VersionTLS12, key, nil, nil},
		{"15-byte key", VersionTLS12, key[:15], nil, sha1.New},
		{"TLS 1.0 without IV", VersionTLS10, key, nil, sha1.New},
	} {
		if _, err := NewCBCProtector(tc.version, tc.key, key, tc.iv, tc.mac); err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
	w, _ := cbcPair(t, VersionTLS12, 16, sha1.New)
	if _, err := w.Encrypt(make([]byte, 15)); !errors.Is(err, ErrCBCLength) {
		t.Errorf("Encrypt of 15 bytes: %v, want ErrCBCLength", err)
	}
}

// TestCBCWithCryptoTLS is the known-answer test of the CBC record layer: after a real TLS 1.2
// handshake with crypto/tls over an AES-CBC suite, crypto/tls must accept the application
// data we seal (it checks padding and MAC) and echo it back in records we open. A wrong
// MAC input, key block cut, padding or IV handling fails one direction or the other.
// TLS 1.0 and 1.1 are checked the same way by probe/vuln's client.
func TestCBCWithCryptoTLS(t *testing.T) {
	cert := peertest.Leaf(t, pki.RSA2048)
	echo := func(c *tls.Conn) {
		buf := make([]byte, 256)
		for {
			n, err := io.ReadAtLeast(c, buf, 1)
			if err != nil {
				return
			}
			c.Write(append([]byte("echo "), buf[:n]...))
		}
	}
	for _, suite := range []uint16{tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA, tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256} {
		t.Run(tls.CipherSuiteName(suite), func(t *testing.T) {
			addr := peertest.ServeGo(t, &tls.Config{Certificates: []tls.Certificate{cert}, MaxVersion: tls.VersionTLS12,
				CipherSuites: []uint16{suite}}, echo).Addr
			conn, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			conn.SetDeadline(time.Now().Add(10 * time.Second))
			client, server := handshake12(t, conn, GroupX25519, suite)
			// Lengths that with the MAC need 1 to 16 bytes of padding.
			for _, msg := range []string{"ping", "eleven byte", "twelve bytes", strings.Repeat("x", 100)} {
				if err := WriteRecords(conn, RecordApplicationData, VersionTLS12, client.Seal(RecordApplicationData, []byte(msg))); err != nil {
					t.Fatal(err)
				}
				rec, err := ReadRecord(conn)
				if err != nil {
					t.Fatal(err)
				}
				plain, err := server.Open(rec.Type, rec.Payload)
				if err != nil || rec.Type != RecordApplicationData || string(plain) != "echo "+msg {
					t.Fatalf("answer to %q: record type %d, %q, %v; want the echo (an alert means crypto/tls refused our record)", msg, rec.Type, plain, err)
				}
			}
		})
	}
}

func FuzzCBCOpen(f *testing.F) {
	w, _ := cbcPair(f, VersionTLS12, 16, sha1.New)
	f.Add(uint16(VersionTLS12), uint8(RecordApplicationData), w.Seal(RecordApplicationData, []byte("hello")))
	w10, _ := cbcPair(f, VersionTLS10, 16, sha1.New)
	f.Add(uint16(VersionTLS10), uint8(RecordHandshake), w10.Seal(RecordHandshake, nil))
	f.Add(uint16(VersionTLS11), uint8(RecordAlert), []byte{})
	f.Add(uint16(VersionTLS12), uint8(RecordApplicationData), bytes.Repeat([]byte{0xff}, 48))
	f.Fuzz(func(t *testing.T, version uint16, typ uint8, payload []byte) {
		version = VersionTLS10 + version%3
		_, r := cbcPair(t, version, 16, sha1.New)
		plain, err := r.Open(typ, payload)
		if err == nil && len(plain) > len(payload) {
			t.Errorf("Open returned %d bytes from a %d-byte payload", len(plain), len(payload))
		}
	})
}
