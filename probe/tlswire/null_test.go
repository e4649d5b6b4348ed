package tlswire

import (
	"bytes"
	"crypto/des"
	"crypto/sha1"
	"errors"
	"testing"
)

// TestNullProtector: the NULL cipher sends the content in the clear with its MAC; a changed
// byte, another record type or a skipped record fails the MAC.
func TestNullProtector(t *testing.T) {
	key := bytes.Repeat([]byte{7}, sha1.Size)
	body := []byte("GET / HTTP/1.1\r\n\r\n")
	for _, tc := range []struct {
		name   string
		mangle func(w *NullProtector) (uint8, []byte)
		want   error
	}{
		{"well formed", func(w *NullProtector) (uint8, []byte) {
			return RecordApplicationData, w.Seal(RecordApplicationData, body)
		}, nil},
		{"changed byte", func(w *NullProtector) (uint8, []byte) {
			p := w.Seal(RecordApplicationData, body)
			p[0] ^= 1
			return RecordApplicationData, p
		}, ErrCBCMAC},
		{"other record type", func(w *NullProtector) (uint8, []byte) { return RecordHandshake, w.Seal(RecordApplicationData, body) }, ErrCBCMAC},
		{"skipped record", func(w *NullProtector) (uint8, []byte) {
			w.Seal(RecordApplicationData, body)
			return RecordApplicationData, w.Seal(RecordApplicationData, body)
		}, ErrCBCMAC},
		{"shorter than the MAC", func(*NullProtector) (uint8, []byte) { return RecordApplicationData, []byte("short") }, ErrCBCMAC},
	} {
		w, r := NewNullProtector(VersionTLS12, key, sha1.New), NewNullProtector(VersionTLS12, key, sha1.New)
		typ, payload := tc.mangle(w)
		if tc.want == nil && (!bytes.HasPrefix(payload, body) || len(payload) != len(body)+sha1.Size) {
			t.Errorf("%s: sealed %x, want the content in the clear and a %d-byte MAC", tc.name, payload, sha1.Size)
		}
		plain, err := r.Open(typ, payload)
		if !errors.Is(err, tc.want) || tc.want == nil && !bytes.Equal(plain, body) {
			t.Errorf("%s: Open = %q, %v; want %v", tc.name, plain, err, tc.want)
		}
	}
}

// TestCBCProtector3DES: records round-trip over 3DES-EDE-CBC, whose 8-byte blocks set the
// padding and the explicit IV.
func TestCBCProtector3DES(t *testing.T) {
	key, macKey := bytes.Repeat([]byte{1, 2, 3}, 8), bytes.Repeat([]byte{9}, sha1.Size)
	for _, version := range []uint16{VersionTLS10, VersionTLS11, VersionTLS12} {
		var iv []byte
		if version == VersionTLS10 {
			iv = bytes.Repeat([]byte{5}, des.BlockSize)
		}
		pair := make([]*CBCProtector, 2)
		for i := range pair {
			b, err := des.NewTripleDESCipher(key)
			if err != nil {
				t.Fatal(err)
			}
			if pair[i], err = NewCBCProtectorWith(version, b, macKey, iv, sha1.New); err != nil {
				t.Fatal(err)
			}
		}
		for n := range 20 {
			msg := bytes.Repeat([]byte{byte(n)}, n)
			sealed := pair[0].Seal(RecordApplicationData, msg)
			if len(sealed)%des.BlockSize != 0 {
				t.Errorf("version %x: %d sealed bytes, not whole 8-byte blocks", version, len(sealed))
			}
			if plain, err := pair[1].Open(RecordApplicationData, sealed); err != nil || !bytes.Equal(plain, msg) {
				t.Fatalf("version %x record %d: Open = %x, %v", version, n, plain, err)
			}
		}
	}
}
