package tlswire

import (
	"bytes"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/mhealthsec/mhealthsec/probe/internal/peertest"
	"github.com/mhealthsec/mhealthsec/probe/pki"
)

func TestClientHelloRoundTrip(t *testing.T) {
	share, _, err := NewX25519Share(nil)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		in   ClientHello
	}{
		{"ssl3 bare", ClientHello{Version: VersionSSL3, CipherSuites: []uint16{0x000a, 0x0005}}},
		{"tls12 full", ClientHello{
			Version: VersionTLS12, SessionID: bytes.Repeat([]byte{7}, 32), CipherSuites: []uint16{0xc02f, 0x009c},
			RenegotiationSCSV: true, FallbackSCSV: true, CompressionMethods: []uint8{1, 0},
			ServerName: "example.org", SupportedGroups: []uint16{GroupX25519, GroupSecp256r1}, PointFormats: []uint8{0},
			SignatureAlgorithms: []uint16{0x0804, 0x0401}, SecureRenegotiation: true, SessionTicket: true,
			Heartbeat: true, ExtendedMasterSecret: true, EncryptThenMAC: true, StatusRequest: true, ALPN: []string{"h2", "http/1.1"},
			Extra: []Extension{{Type: 0x4242, Data: []byte{1, 2}}},
		}},
		{"tls13", ClientHello{
			Version: VersionTLS12, CipherSuites: []uint16{0x1301, 0x1302}, SupportedVersions: []uint16{VersionTLS13},
			SupportedGroups: []uint16{GroupX25519}, KeyShares: []KeyShare{share}, PSKModes: []uint8{1},
			SignatureAlgorithms: []uint16{0x0403},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msg, err := tt.in.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			if msg[0] != TypeClientHello || int(msg[1])<<16|int(msg[2])<<8|int(msg[3]) != len(msg)-4 {
				t.Fatalf("bad handshake header % x", msg[:4])
			}
			got, err := ParseClientHello(msg[4:])
			if err != nil {
				t.Fatal(err)
			}
			want := tt.in
			if len(want.CompressionMethods) == 0 {
				want.CompressionMethods = []uint8{0}
			}
			if !reflect.DeepEqual(normalize(*got), normalize(want)) {
				t.Errorf("round trip:\n got %+v\nwant %+v", *got, want)
			}
		})
	}
}

// normalize maps empty slices to nil so DeepEqual compares content.
func normalize(c ClientHello) ClientHello {
	if len(c.SessionID) == 0 {
		c.SessionID = nil
	}
	return c
}

func TestClientHelloLimits(t *testing.T) {
	c := ClientHello{Version: VersionTLS12, CipherSuites: make([]uint16, MaxHelloSuites+1)}
	if _, err := c.Marshal(); !errors.Is(err, ErrTooManySuites) {
		t.Errorf("129 suites: err = %v, want ErrTooManySuites", err)
	}
	c.CipherSuites = c.CipherSuites[:MaxHelloSuites]
	c.RenegotiationSCSV = true
	if _, err := c.Marshal(); err != nil {
		t.Errorf("128 suites + SCSV: %v", err)
	}
	c.ServerName = string(make([]byte, 70000))
	if _, err := c.Marshal(); err == nil {
		t.Error("70000-byte server name: no error")
	}
}

func TestReadRecord(t *testing.T) {
	tests := []struct {
		name    string
		in      []byte
		want    Record
		wantErr func(error) bool
	}{
		{"handshake", []byte{22, 3, 1, 0, 2, 0xaa, 0xbb}, Record{Type: 22, Version: 0x0301, Payload: []byte{0xaa, 0xbb}}, nil},
		{"empty stream", nil, Record{}, func(err error) bool { return err == io.EOF }},
		{"truncated body", []byte{22, 3, 3, 0, 9, 1}, Record{}, func(err error) bool { return errors.Is(err, io.ErrUnexpectedEOF) }},
		{"oversized", []byte{22, 3, 3, 0xff, 0xff}, Record{}, func(err error) bool { return errors.Is(err, ErrRecordTooLarge) }},
		{"http", []byte("HTTP/1.1 400 Bad"), Record{}, func(err error) bool { var e *NotTLSError; return errors.As(err, &e) }},
		{"ssh", []byte("SSH-2.0-OpenSSH"), Record{}, func(err error) bool { var e *NotTLSError; return errors.As(err, &e) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ReadRecord(bytes.NewReader(tt.in))
			if tt.wantErr != nil {
				if !tt.wantErr(err) {
					t.Fatalf("err = %v", err)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
}

func TestHandshakeReaderReassembles(t *testing.T) {
	m1 := AppendMessage(nil, TypeServerHello, bytes.Repeat([]byte{1}, 40000)) // spans 3 records
	m2 := AppendMessage(nil, TypeServerHelloDone, nil)
	var stream []byte
	stream = AppendRecords(stream, RecordHandshake, VersionTLS12, m1[:10])
	stream = AppendRecords(stream, RecordHandshake, VersionTLS12, append(m1[10:], m2...))
	stream = AppendRecords(stream, RecordChangeCipherSpec, VersionTLS12, []byte{1})
	stream = AppendRecords(stream, RecordAlert, VersionTLS12, Alert{AlertLevelFatal, AlertHandshakeFailure}.Marshal())
	hr := NewHandshakeReader(bytes.NewReader(stream))
	for i, want := range []uint8{TypeServerHello, TypeServerHelloDone} {
		m, err := hr.ReadMessage()
		if err != nil || m.Type != want {
			t.Fatalf("message %d: type %d, %v; want %d", i, m.Type, err, want)
		}
	}
	var a Alert
	if _, err := hr.ReadMessage(); !errors.As(err, &a) || a.Description != AlertHandshakeFailure || a.Name() != "handshake_failure" {
		t.Fatalf("err = %v, want handshake_failure alert", err)
	}
	if _, err := hr.ReadMessage(); err != io.ErrUnexpectedEOF {
		t.Fatalf("after alert and end of stream: %v, want io.ErrUnexpectedEOF", err)
	}

	big := []byte{TypeCertificate, 0x10, 0, 0}
	hr = NewHandshakeReader(bytes.NewReader(AppendRecords(nil, RecordHandshake, VersionTLS12, big)))
	if _, err := hr.ReadMessage(); !errors.Is(err, ErrMessageTooLarge) {
		t.Fatalf("1 MiB message: err = %v, want ErrMessageTooLarge", err)
	}
}

func TestParseCertificateBounds(t *testing.T) {
	chain := make([][]byte, MaxChainCerts+1)
	for i := range chain {
		chain[i] = []byte{0x30, byte(i)}
	}
	msg, err := MarshalCertificate(chain)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ParseCertificate(msg[4:], false); !errors.Is(err, ErrChainTooLong) {
		t.Errorf("%d certs: err = %v, want ErrChainTooLong", len(chain), err)
	}
	msg, _ = MarshalCertificate(chain[:3])
	got, err := ParseCertificate(msg[4:], false)
	if err != nil || !reflect.DeepEqual(got, chain[:3]) {
		t.Errorf("3 certs: %v, %v", got, err)
	}
}

func TestSSLv2RoundTrip(t *testing.T) {
	ch := SSLv2ClientHello{Version: VersionSSL2, CipherKinds: SSLv2CipherKinds(), Challenge: bytes.Repeat([]byte{9}, 16)}
	rec, err := ch.Record()
	if err != nil {
		t.Fatal(err)
	}
	body, err := ReadSSLv2Record(bytes.NewReader(rec))
	if err != nil {
		t.Fatal(err)
	}
	got, err := ParseSSLv2ClientHello(body)
	if err != nil || !reflect.DeepEqual(got.CipherKinds, ch.CipherKinds) || !bytes.Equal(got.Challenge, ch.Challenge) {
		t.Fatalf("client hello round trip: %+v, %v", got, err)
	}
	sh := SSLv2ServerHello{CertificateType: 1, Version: VersionSSL2, Certificate: []byte{0x30, 1, 2},
		CipherKinds: []uint32{SSLv2RC4128WithMD5, SSLv2DES192EDE3CBCWithMD5}, ConnectionID: bytes.Repeat([]byte{3}, 16)}
	m, err := sh.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	back, err := ParseSSLv2ServerHello(m)
	if err != nil || !reflect.DeepEqual(*back, sh) {
		t.Fatalf("server hello round trip: %+v, %v", back, err)
	}
	if _, err := ParseSSLv2ServerHello([]byte{SSLv2MsgError, 0, 1}); err == nil {
		t.Error("SSLv2 ERROR message: no error")
	}
	_, err = ReadSSLv2Record(bytes.NewReader([]byte{21, 3, 1, 0, 2, 2, 40}))
	var ne *NotSSLv2Error
	if !errors.As(err, &ne) || !ne.LooksLikeTLS() {
		t.Errorf("TLS alert to SSLv2 hello: %v, want NotSSLv2Error that looks like TLS", err)
	}
}

// exchange sends hello to addr and reads the server's first flight.
func exchange(t testing.TB, addr string, hello []byte) (*Flight, []byte, error) {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := conn.Write(hello); err != nil {
		t.Fatal(err)
	}
	var raw bytes.Buffer
	f, err := ReadFlight(NewHandshakeReader(io.TeeReader(conn, &raw)), func(s uint16) KeyExchange {
		switch s {
		case 0xc02f, 0xc030, 0xc013, 0xc02b:
			return KxECDHE
		}
		return 0
	})
	return f, raw.Bytes(), err
}

func TestAgainstGoServer(t *testing.T) {
	rsaCert := peertest.Leaf(t, pki.RSA2048)
	addr := peertest.ServeGo(t, &tls.Config{Certificates: []tls.Certificate{rsaCert}, MinVersion: tls.VersionTLS10,
		CurvePreferences: []tls.CurveID{tls.CurveP384}}, nil).Addr
	share, _, err := NewX25519Share(nil)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name        string
		hello       ClientHello
		wantVersion uint16
		wantSuite   uint16
		wantHRR     bool
		wantGroup   uint16
		wantAlert   uint8
	}{
		{"tls12 ecdhe", ClientHello{Version: VersionTLS12, CipherSuites: []uint16{0xc030, 0xc02f},
			SupportedGroups: []uint16{GroupSecp384r1}, PointFormats: []uint8{0}, SignatureAlgorithms: []uint16{0x0804, 0x0401}},
			VersionTLS12, 0xc02f, false, GroupSecp384r1, 0}, // Go prefers AES-128 by its own order
		{"tls10 cbc", ClientHello{Version: VersionTLS10, CipherSuites: []uint16{0xc013}, SupportedGroups: []uint16{GroupSecp384r1}, PointFormats: []uint8{0}},
			VersionTLS10, 0xc013, false, GroupSecp384r1, 0},
		{"no shared suite", ClientHello{Version: VersionTLS12, CipherSuites: []uint16{0x0005}},
			0, 0, false, 0, AlertHandshakeFailure},
		{"tls13 hrr", ClientHello{Version: VersionTLS12, CipherSuites: []uint16{0x1302}, SupportedVersions: []uint16{VersionTLS13},
			SupportedGroups: []uint16{GroupX25519, GroupSecp384r1}, KeyShares: []KeyShare{share}, SignatureAlgorithms: []uint16{0x0804}},
			VersionTLS13, 0x1302, true, GroupSecp384r1, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, err := tt.hello.Record(VersionTLS10)
			if err != nil {
				t.Fatal(err)
			}
			f, _, err := exchange(t, addr, rec)
			if tt.wantAlert != 0 {
				var a Alert
				if !errors.As(err, &a) || a.Description != tt.wantAlert {
					t.Fatalf("err = %v, want alert %d", err, tt.wantAlert)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			sh := f.Hello
			if sh.SelectedVersion != tt.wantVersion || sh.CipherSuite != tt.wantSuite || sh.HelloRetryRequest != tt.wantHRR {
				t.Fatalf("ServerHello version %#x suite %#x hrr %v, want %#x %#x %v", sh.SelectedVersion, sh.CipherSuite, sh.HelloRetryRequest, tt.wantVersion, tt.wantSuite, tt.wantHRR)
			}
			if tt.wantVersion == VersionTLS13 {
				if sh.KeyShareGroup != tt.wantGroup {
					t.Errorf("key share group %d, want %d", sh.KeyShareGroup, tt.wantGroup)
				}
				return
			}
			if !f.Done || len(f.Chain) != len(rsaCert.Certificate) || !bytes.Equal(f.Chain[0], rsaCert.Certificate[0]) {
				t.Errorf("flight: done %v, chain of %d, want the served chain of %d", f.Done, len(f.Chain), len(rsaCert.Certificate))
			}
			if f.KeyExchange == nil || f.KeyExchange.Group != tt.wantGroup || f.KeyExchange.Bits != 384 {
				t.Errorf("key exchange %+v, want group %d of 384 bits", f.KeyExchange, tt.wantGroup)
			}
		})
	}
}

// captureSeeds returns the files of testdata/captures whose names start with prefix.
func captureSeeds(f *testing.F, prefix string) [][]byte {
	f.Helper()
	paths, err := filepath.Glob(filepath.Join("testdata", "captures", prefix+"*"))
	if err != nil {
		f.Fatal(err)
	}
	var out [][]byte
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

func TestClientHelloPadding(t *testing.T) {
	for _, n := range []int{1, 60, 100, 128} {
		c := ClientHello{Version: VersionTLS12, CipherSuites: make([]uint16, n), ServerName: "example.org", Pad: true}
		msg, err := c.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		unpadded := c
		unpadded.Pad = false
		raw, _ := unpadded.Marshal()
		if len(msg) > 0xff && len(msg) < 0x200 {
			t.Errorf("%d suites: padded hello of %d bytes is in the 256–511 range", n, len(msg))
		}
		if (len(raw) <= 0xff || len(raw) >= 0x200) && len(msg) != len(raw) {
			t.Errorf("%d suites: hello of %d bytes needed no padding, got %d", n, len(raw), len(msg))
		}
		if _, err := ParseClientHello(msg[4:]); err != nil {
			t.Errorf("%d suites: padded hello does not parse: %v", n, err)
		}
	}
}

// TestCapturedFlights reads the recorded flights of real servers (testdata/captures).
func TestCapturedFlights(t *testing.T) {
	tests := []struct {
		file      string
		version   uint16
		kx        KeyExchange
		wantGroup string
		wantBits  int
		hrr       bool
	}{
		{"flight-go-tls12-ecdhe-rsa.bin", VersionTLS12, KxECDHE, "x25519", 253, false},
		{"flight-openssl-tls12-dhe-rsa.bin", VersionTLS12, KxDHE, "dh2048", 2048, false},
		{"flight-openssl-tls10-ecdhe-rsa.bin", VersionTLS10, KxECDHE, "x25519", 253, false},
		{"flight-go-tls13.bin", VersionTLS13, 0, "", 0, false},
		{"flight-go-tls13-hrr.bin", VersionTLS13, 0, "", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join("testdata", "captures", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			f, err := ReadFlight(NewHandshakeReader(bytes.NewReader(b)), func(uint16) KeyExchange { return tt.kx })
			if err != nil {
				t.Fatal(err)
			}
			if f.Hello.SelectedVersion != tt.version || f.Hello.HelloRetryRequest != tt.hrr {
				t.Errorf("version %#x hrr %v, want %#x %v", f.Hello.SelectedVersion, f.Hello.HelloRetryRequest, tt.version, tt.hrr)
			}
			if tt.kx == 0 {
				return
			}
			if !f.Done || len(f.Chain) == 0 {
				t.Errorf("flight incomplete: done %v, %d certificates", f.Done, len(f.Chain))
			}
			if f.KeyExchange == nil || f.KeyExchange.GroupName != tt.wantGroup || f.KeyExchange.Bits != tt.wantBits {
				t.Errorf("key exchange %+v, want %s/%d", f.KeyExchange, tt.wantGroup, tt.wantBits)
			}
		})
	}
}
