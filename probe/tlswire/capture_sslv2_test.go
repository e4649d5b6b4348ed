package tlswire_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/mhealthsec/mhealthsec/probe/fakeserver"
	"github.com/mhealthsec/mhealthsec/probe/pki"
	"github.com/mhealthsec/mhealthsec/probe/tlswire"
)

// TestCaptureSSLv2 records the SERVER-HELLO of the SSL 2.0 fake (no maintained server
// speaks SSL 2.0 any more) as a fuzz seed, with MHEALTHSEC_CAPTURE=1.
func TestCaptureSSLv2(t *testing.T) {
	if os.Getenv("MHEALTHSEC_CAPTURE") != "1" {
		t.Skip("set MHEALTHSEC_CAPTURE=1 to rewrite testdata/captures")
	}
	chain, err := fakeserver.NewChain(pki.RSA2048)
	if err != nil {
		t.Fatal(err)
	}
	s, err := fakeserver.Start(fakeserver.SSLv2(fakeserver.SSLv2Options{Certificate: chain[0]}))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	conn, err := s.Dial(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	ch := tlswire.SSLv2ClientHello{Version: tlswire.VersionSSL2, CipherKinds: tlswire.SSLv2CipherKinds(), Challenge: make([]byte, 16)}
	rec, err := ch.Record()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Write(rec); err != nil {
		t.Fatal(err)
	}
	body, err := tlswire.ReadSSLv2Record(conn)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join("testdata", "captures", "sslv2-serverhello-fake.bin"), body, 0o644); err != nil {
		t.Fatal(err)
	}
	m, err := ch.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join("testdata", "captures", "sslv2-clienthello-probe.bin"), m, 0o644); err != nil {
		t.Fatal(err)
	}
}
