package tlswire

import (
	"bytes"
	"reflect"
	"testing"
)

// Fuzz seeds come from testdata/captures (real server flights written by
// TestCaptureServerFlights with MHEALTHSEC_CAPTURE=1) plus a few hand-made edge cases.

func FuzzReadRecord(f *testing.F) {
	for _, b := range captureSeeds(f, "") {
		f.Add(b)
	}
	f.Add([]byte{22, 3, 3, 0xff, 0xff})
	f.Add([]byte("GET / HTTP/1.0\r\n\r\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		r := bytes.NewReader(b)
		for {
			rec, err := ReadRecord(r)
			if err != nil {
				return
			}
			if len(rec.Payload) > MaxRecordPayload {
				t.Fatalf("record of %d bytes accepted", len(rec.Payload))
			}
		}
	})
}

func FuzzReadFlight(f *testing.F) {
	for _, b := range captureSeeds(f, "flight-") {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		fl, err := ReadFlight(NewHandshakeReader(bytes.NewReader(b)), func(s uint16) KeyExchange { return KeyExchange(s%3 + 1) })
		if err == nil && fl.Hello == nil {
			t.Fatal("flight without ServerHello and no error")
		}
		if fl != nil && len(fl.Chain) > MaxChainCerts {
			t.Fatalf("chain of %d accepted", len(fl.Chain))
		}
	})
}

// serverHelloBodies extracts the ServerHello bodies from captured flights.
func serverHelloBodies(f *testing.F) [][]byte {
	var out [][]byte
	for _, b := range captureSeeds(f, "flight-") {
		m, err := NewHandshakeReader(bytes.NewReader(b)).ReadMessage()
		if err == nil && m.Type == TypeServerHello {
			out = append(out, m.Body)
		}
	}
	return out
}

func FuzzParseServerHello(f *testing.F) {
	for _, b := range serverHelloBodies(f) {
		f.Add(b)
	}
	hrr := HelloRetryRequestRandom()
	sh := ServerHello{Version: VersionTLS12, Random: hrr, CipherSuite: 0x1301,
		Extensions: []Extension{{ExtSupportedVersions, []byte{3, 4}}, {ExtKeyShare, []byte{0, 23}}}}
	if m, err := sh.Marshal(); err == nil {
		f.Add(m[4:])
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		sh, err := ParseServerHello(b)
		if err != nil {
			return
		}
		m, err := sh.Marshal()
		if err != nil {
			t.Fatalf("re-marshal: %v", err)
		}
		back, err := ParseServerHello(m[4:])
		if err != nil || back.CipherSuite != sh.CipherSuite || back.SelectedVersion != sh.SelectedVersion {
			t.Fatalf("re-parse: %+v, %v", back, err)
		}
	})
}

func FuzzParseClientHello(f *testing.F) {
	for _, b := range captureSeeds(f, "clienthello-") {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := ParseClientHello(b)
		if err != nil {
			return
		}
		if len(c.CipherSuites) > MaxHelloSuites {
			return // the parser accepts what the writer refuses to send
		}
		m, err := c.Marshal()
		if err != nil {
			return // e.g. a name too long to re-encode
		}
		if _, err := ParseClientHello(m[4:]); err != nil {
			t.Fatalf("re-parse of marshalled hello: %v", err)
		}
	})
}

func FuzzParseCertificate(f *testing.F) {
	for _, b := range captureSeeds(f, "certificate-") {
		f.Add(b, false)
	}
	f.Fuzz(func(t *testing.T, b []byte, tls13 bool) {
		chain, err := ParseCertificate(b, tls13)
		if err == nil && len(chain) > MaxChainCerts {
			t.Fatalf("chain of %d accepted", len(chain))
		}
	})
}

func FuzzParseServerKeyExchange(f *testing.F) {
	for _, b := range captureSeeds(f, "ske-dhe-") {
		f.Add(b, uint8(KxDHE))
	}
	for _, b := range captureSeeds(f, "ske-ecdhe-") {
		f.Add(b, uint8(KxECDHE))
	}
	f.Add([]byte{3, 0, 23, 0}, uint8(KxECDHE))
	f.Fuzz(func(t *testing.T, b []byte, kx uint8) {
		ske, err := ParseServerKeyExchange(b, KeyExchange(kx))
		if err != nil || ske.Kx != KxECDHE {
			return
		}
		// The point is a non-empty copy from inside the body, after the group.
		if len(ske.Point) == 0 || len(ske.Point) > len(b)-4 || ske.Group != uint16(b[1])<<8|uint16(b[2]) ||
			!bytes.Equal(ske.Point, b[4:4+len(ske.Point)]) {
			t.Fatalf("ParseServerKeyExchange(%x) = group %d, point %x", b, ske.Group, ske.Point)
		}
	})
}

func FuzzParseSSLv2ServerHello(f *testing.F) {
	for _, b := range captureSeeds(f, "sslv2-serverhello-") {
		f.Add(b)
	}
	f.Add([]byte{SSLv2MsgError, 0, 1})
	f.Fuzz(func(t *testing.T, b []byte) {
		sh, err := ParseSSLv2ServerHello(b)
		if err != nil {
			return
		}
		// The session-id-hit byte is any non-zero value on the wire and a bool here, so
		// compare the parsed forms, not the bytes.
		m, err := sh.Marshal()
		if err != nil {
			t.Fatalf("re-marshal: %v", err)
		}
		back, err := ParseSSLv2ServerHello(m)
		if err != nil || !reflect.DeepEqual(back, sh) {
			t.Fatalf("re-parse differs: %+v vs %+v (%v)", back, sh, err)
		}
	})
}

func FuzzParseSSLv2ClientHello(f *testing.F) {
	for _, b := range captureSeeds(f, "sslv2-clienthello-") {
		f.Add(b)
	}
	ch := SSLv2ClientHello{Version: VersionSSL2, CipherKinds: SSLv2CipherKinds(), Challenge: make([]byte, 16)}
	if m, err := ch.Marshal(); err == nil {
		f.Add(m)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = ParseSSLv2ClientHello(b)
	})
}
