package fakeserver

import (
	"bytes"
	"context"
	"crypto/sha1"
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"github.com/mhealthsec/mhealthsec/probe/pki"
	"github.com/mhealthsec/mhealthsec/probe/tlswire"
)

func start(t *testing.T, h Handler) *Server {
	t.Helper()
	s, err := Start(h)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func dial(t *testing.T, s *Server) net.Conn {
	t.Helper()
	c, err := s.Dial(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(5 * time.Second))
	t.Cleanup(func() { c.Close() })
	return c
}

func TestCloseWaitsForHandlers(t *testing.T) {
	started, returned := make(chan struct{}), make(chan struct{})
	s, err := Start(func(ctx context.Context, conn net.Conn) {
		defer close(returned)
		close(started)
		Drain(ctx, conn, time.Hour)
	})
	if err != nil {
		t.Fatal(err)
	}
	if host, _, _ := net.SplitHostPort(s.Addr()); host != "127.0.0.1" {
		t.Fatalf("listening on %s, want 127.0.0.1", s.Addr())
	}
	c := dial(t, s)
	c.Write([]byte("x"))
	<-started // Close must wait for a handler that is running, not one yet to start
	s.Close()
	select {
	case <-returned:
	default:
		t.Fatal("Close returned before the handler")
	}
}

func hello(t *testing.T, version uint16, suites ...uint16) []byte {
	t.Helper()
	ch := tlswire.ClientHello{Version: version, CipherSuites: suites}
	b, err := ch.Record(version)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestSSLv3(t *testing.T) {
	chain, err := NewChain(pki.ECDSA256)
	if err != nil {
		t.Fatal(err)
	}
	s := start(t, SSLv3(SSLv3Options{Suites: []uint16{0x000a, 0x0005}, Chain: chain}))
	tests := []struct {
		name      string
		hello     []byte
		wantSuite uint16
		wantAlert uint8
	}{
		{"server order", hello(t, tlswire.VersionSSL3, 0x0005, 0x000a), 0x000a, 0},
		{"only rc4", hello(t, tlswire.VersionSSL3, 0x0005), 0x0005, 0},
		{"no shared", hello(t, tlswire.VersionSSL3, 0xc02f), 0, tlswire.AlertHandshakeFailure},
		{"tls hello", hello(t, tlswire.VersionTLS12, 0x000a), 0, tlswire.AlertProtocolVersion},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := dial(t, s)
			c.Write(tt.hello)
			f, err := tlswire.ReadFlight(tlswire.NewHandshakeReader(c), nil)
			if tt.wantAlert != 0 {
				var a tlswire.Alert
				if !errors.As(err, &a) || a.Description != tt.wantAlert {
					t.Fatalf("err = %v, want alert %d", err, tt.wantAlert)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if f.Hello.SelectedVersion != tlswire.VersionSSL3 || f.Hello.CipherSuite != tt.wantSuite || !f.Done ||
				len(f.Chain) != len(chain) || !bytes.Equal(f.Chain[0], chain[0]) {
				t.Fatalf("flight: version %#x suite %#x done %v chain %d", f.Hello.SelectedVersion, f.Hello.CipherSuite, f.Done, len(f.Chain))
			}
		})
	}
}

func TestSSLv2(t *testing.T) {
	cert := []byte{0x30, 0x03, 1, 2, 3}
	s := start(t, SSLv2(SSLv2Options{CipherKinds: []uint32{tlswire.SSLv2DES192EDE3CBCWithMD5, tlswire.SSLv2RC4128WithMD5}, Certificate: cert}))
	tests := []struct {
		name      string
		offer     []uint32
		wantKinds []uint32
	}{
		{"all", tlswire.SSLv2CipherKinds(), []uint32{tlswire.SSLv2DES192EDE3CBCWithMD5, tlswire.SSLv2RC4128WithMD5}},
		{"one", []uint32{tlswire.SSLv2RC4128WithMD5}, []uint32{tlswire.SSLv2RC4128WithMD5}},
		{"none", []uint32{tlswire.SSLv2DES64CBCWithMD5}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := dial(t, s)
			ch := tlswire.SSLv2ClientHello{Version: tlswire.VersionSSL2, CipherKinds: tt.offer, Challenge: make([]byte, 16)}
			rec, err := ch.Record()
			if err != nil {
				t.Fatal(err)
			}
			c.Write(rec)
			body, err := tlswire.ReadSSLv2Record(c)
			if err != nil {
				t.Fatal(err)
			}
			sh, err := tlswire.ParseSSLv2ServerHello(body)
			if tt.wantKinds == nil {
				if err == nil {
					t.Fatalf("no shared kind: got SERVER-HELLO %+v, want ERROR", sh)
				}
				return
			}
			if err != nil || !bytes.Equal(sh.Certificate, cert) || len(sh.CipherKinds) != len(tt.wantKinds) {
				t.Fatalf("SERVER-HELLO %+v, %v; want kinds %x", sh, err, tt.wantKinds)
			}
			for i, k := range tt.wantKinds {
				if sh.CipherKinds[i] != k {
					t.Errorf("kind %d = %#x, want %#x", i, sh.CipherKinds[i], k)
				}
			}
		})
	}
	c := dial(t, s)
	c.Write(hello(t, tlswire.VersionTLS12, 0xc02f))
	if n, err := c.Read(make([]byte, 10)); n != 0 || err != io.EOF {
		t.Errorf("TLS hello to SSLv2 server: read %d, %v; want EOF", n, err)
	}
}

func TestHostile(t *testing.T) {
	chain, err := NewChain(pki.ECDSA256)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		h     Handler
		check func(err error) bool
	}{
		{"garbage", Garbage(), func(err error) bool { var e *tlswire.NotTLSError; return errors.As(err, &e) }},
		{"plain http", PlainHTTP(), func(err error) bool { var e *tlswire.NotTLSError; return errors.As(err, &e) }},
		{"oversized", Oversized(), func(err error) bool { return errors.Is(err, tlswire.ErrRecordTooLarge) }},
		{"long chain", LongChain(chain[0], 100), func(err error) bool {
			return errors.Is(err, tlswire.ErrChainTooLong) || errors.Is(err, tlswire.ErrMessageTooLarge)
		}},
		{"reset", Reset(), func(err error) bool { return err != nil && !isTimeout(err) }},
		{"drip", Drip(50 * time.Millisecond), isTimeout},
		{"silent", Silent(), isTimeout},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := start(t, tt.h)
			c := dial(t, s)
			c.SetDeadline(time.Now().Add(300 * time.Millisecond))
			c.Write(hello(t, tlswire.VersionTLS12, 0xc02f))
			_, err := tlswire.ReadFlight(tlswire.NewHandshakeReader(c), nil)
			if !tt.check(err) {
				t.Fatalf("err = %v", err)
			}
		})
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// TestFirstFlightFakesRefuseWhatFollows checks that the fakes that stop after their first
// flight answer the client's next record (an early ChangeCipherSpec, as the CCS and ROBOT
// probes send) with an alert instead of silence, which would cost every client its whole
// timeout. Silence fails the test at the read deadline; nothing is timed.
func TestFirstFlightFakesRefuseWhatFollows(t *testing.T) {
	chain, err := NewChain(pki.RSA2048)
	if err != nil {
		t.Fatal(err)
	}
	export, err := Export(ExportOptions{Chain: chain})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		h     Handler
		hello []byte
	}{
		{"SSL 3.0", SSLv3(SSLv3Options{Chain: chain}), hello(t, tlswire.VersionSSL3, 0x002f)},
		{"export", export, hello(t, tlswire.VersionTLS10, SuiteExpRC4MD5)},
		{"compression", Compression(VulnOptions{Chain: chain}), hello(t, tlswire.VersionTLS12, 0x009c)},
		{"NULL cipher", NullCipher(VulnOptions{Chain: chain}), hello(t, tlswire.VersionTLS12, 0x003b)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := dial(t, start(t, tt.h))
			c.Write(tt.hello)
			hr := tlswire.NewHandshakeReader(c)
			f, err := tlswire.ReadFlight(hr, nil)
			if err != nil || !f.Done {
				t.Fatalf("first flight: %v", err)
			}
			if err := tlswire.WriteRecords(c, tlswire.RecordChangeCipherSpec, f.Hello.SelectedVersion, []byte{1}); err != nil {
				t.Fatal(err)
			}
			rec, err := tlswire.ReadRecord(c)
			if err != nil {
				t.Fatalf("after an early CCS: %v, want an alert", err)
			}
			a, err := tlswire.ParseAlert(rec.Payload)
			if rec.Type != tlswire.RecordAlert || err != nil || a.Description != tlswire.AlertHandshakeFailure {
				t.Fatalf("after an early CCS: record type %d %x, want a handshake_failure alert", rec.Type, rec.Payload)
			}
		})
	}
}

// FuzzPaddingJudge feeds arbitrary record payloads to the padding oracle fakes' judge:
// every flaw must give an answer, never panic.
func FuzzPaddingJudge(f *testing.F) {
	key := make([]byte, 16)
	w, err := tlswire.NewCBCProtector(tlswire.VersionTLS12, key, key, nil, sha1.New)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(uint8(PaddingSound), w.Seal(tlswire.RecordApplicationData, []byte("GET / HTTP/1.1\r\n\r\n")))
	f.Add(uint8(Padding2016_2107), bytes.Repeat([]byte{'A'}, 80))
	f.Add(uint8(PaddingPOODLETLS), []byte{})
	f.Fuzz(func(t *testing.T, flaw uint8, payload []byte) {
		r, err := tlswire.NewCBCProtector(tlswire.VersionTLS12, key, key, nil, sha1.New)
		if err != nil {
			t.Fatal(err)
		}
		_ = judge(r, payload, PaddingFlaw(flaw%7))
	})
}
