package fakeserver

import (
	"bufio"
	"context"
	"crypto/rand"
	"crypto/tls"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/mhealthsec/mhealthsec/probe/pki"
	"github.com/mhealthsec/mhealthsec/probe/tlswire"
)

// exportHello sends a TLS 1.2 hello offering suites and reads the first flight.
func exportHello(t *testing.T, s *Server, suites []uint16) (*tlswire.Flight, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, err := s.Dial(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	ch := &tlswire.ClientHello{Version: tlswire.VersionTLS12, CipherSuites: suites}
	rand.Read(ch.Random[:])
	rec, err := ch.Record(tlswire.VersionTLS10)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Write(rec); err != nil {
		t.Fatal(err)
	}
	return tlswire.ReadFlight(tlswire.NewHandshakeReader(conn), func(suite uint16) tlswire.KeyExchange {
		if suite == SuiteExpEDHRSADESCBCS {
			return tlswire.KxDHE
		}
		return tlswire.KxRSAExport
	})
}

func TestExport(t *testing.T) {
	chain, err := NewChain(pki.RSA2048)
	if err != nil {
		t.Fatal(err)
	}
	h, err := Export(ExportOptions{Chain: chain})
	if err != nil {
		t.Fatal(err)
	}
	s, err := Start(h)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	tests := []struct {
		suite uint16
		kx    tlswire.KeyExchange
	}{
		{SuiteExpRC4MD5, tlswire.KxRSAExport},
		{SuiteExpDESCBCSHA, tlswire.KxRSAExport},
		{SuiteExpEDHRSADESCBCS, tlswire.KxDHE},
	}
	for _, tc := range tests {
		fl, err := exportHello(t, s, []uint16{0xc02f, tc.suite})
		if err != nil {
			t.Fatalf("suite %#04x: %v", tc.suite, err)
		}
		if fl.Hello.CipherSuite != tc.suite || fl.Hello.Version != tlswire.VersionTLS10 {
			t.Errorf("negotiated %#04x on %#04x, want %#04x on TLS 1.0", fl.Hello.CipherSuite, fl.Hello.Version, tc.suite)
		}
		if fl.KeyExchange == nil || fl.KeyExchange.Kx != tc.kx || fl.KeyExchange.Bits != 512 {
			t.Errorf("suite %#04x: key exchange %+v, want 512-bit %v", tc.suite, fl.KeyExchange, tc.kx)
		}
	}
	if _, err := exportHello(t, s, []uint16{0xc02f, 0x009c}); err == nil {
		t.Error("export fake accepted a hello without export suites")
	}
}

// TestTicketbleedAnswersHTTP checks that an ordinary HTTPS client gets an answer from the
// Ticketbleed lookalike instead of waiting out its timeout.
func TestTicketbleedAnswersHTTP(t *testing.T) {
	ca, err := pki.NewRoot("fakeserver test root")
	if err != nil {
		t.Fatal(err)
	}
	cert, err := ca.Issue(pki.LeafOptions{Key: pki.RSA2048})
	if err != nil {
		t.Fatal(err)
	}
	s, err := Start(Ticketbleed(TicketbleedOptions{Certificate: cert}))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	conn, err := s.Dial(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	tc := tls.Client(conn, &tls.Config{InsecureSkipVerify: true}) // trust is not under test
	defer tc.Close()
	if _, err := io.WriteString(tc, "GET / HTTP/1.1\r\nHost: ticketbleed.test\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(tc), nil)
	if err != nil {
		t.Fatalf("no HTTP answer: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("status %d, want 200", resp.StatusCode)
	}
}
