package clientsim

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"testing"

	"github.com/mhealthsec/mhealthsec/probe/check"
	"github.com/mhealthsec/mhealthsec/probe/tlswire"
)

// TestJudge checks the client's verdict on answers a real server may give, and that a
// refusal or an unknown answer always says why.
func TestJudge(t *testing.T) {
	android7 := Clients()[2]
	ios13 := Clients()[14]
	if android7.Name != "android-7" || ios13.Name != "ios-13" {
		t.Fatalf("table order changed: %s, %s", android7.Name, ios13.Name)
	}
	tls12 := func(suite uint16, ske *tlswire.ServerKeyExchange) *answer {
		return &answer{flight: &tlswire.Flight{Hello: &tlswire.ServerHello{SelectedVersion: tlswire.VersionTLS12, CipherSuite: suite}, KeyExchange: ske}}
	}
	tests := []struct {
		name    string
		c       Client
		a       *answer
		connect string // "true", "false" or "null"
		note    string // substring of the note
	}{
		{"unreadable", android7, &answer{unread: "dial: refused"}, "null", "dial"},
		{"refused", android7, &answer{closed: "alert handshake_failure"}, "false", "handshake_failure"},
		{"suite not offered", android7, tls12(0x000a, nil), "false", "not offered"},
		{"version not offered", ios13, &answer{flight: &tlswire.Flight{Hello: &tlswire.ServerHello{SelectedVersion: tlswire.VersionTLS10, CipherSuite: 0xc013}}}, "false", "version"},
		{"ecdhe ok", android7, tls12(0xc02f, &tlswire.ServerKeyExchange{Kx: tlswire.KxECDHE, Group: tlswire.GroupSecp256r1, GroupName: "secp256r1"}), "true", ""},
		{"android 7.0 refuses x25519", android7, tls12(0xc02f, &tlswire.ServerKeyExchange{Kx: tlswire.KxECDHE, Group: tlswire.GroupX25519, GroupName: "x25519"}), "false", "group"},
		{"ecdhe group not offered", android7, tls12(0xc02f, &tlswire.ServerKeyExchange{Kx: tlswire.KxECDHE, Group: tlswire.GroupSecp521r1, GroupName: "secp521r1"}), "false", "group"},
		{"ecdhe without key exchange", android7, tls12(0xc02f, nil), "null", "ServerKeyExchange"},
		{"dh below floor", android7, tls12(0x0033, &tlswire.ServerKeyExchange{Kx: tlswire.KxDHE, GroupName: "dh768", Bits: 768}), "false", "768"},
		{"dh at floor", android7, tls12(0x0033, &tlswire.ServerKeyExchange{Kx: tlswire.KxDHE, GroupName: "dh1024", Bits: 1024}), "true", ""},
		{"compression", android7, &answer{flight: &tlswire.Flight{Hello: &tlswire.ServerHello{SelectedVersion: tlswire.VersionTLS12, CipherSuite: 0x002f, CompressionMethod: 1}}}, "false", "compression"},
		{"hello retry", ios13, &answer{flight: &tlswire.Flight{Hello: &tlswire.ServerHello{SelectedVersion: tlswire.VersionTLS13, CipherSuite: 0x1301, HelloRetryRequest: true, KeyShareGroup: tlswire.GroupSecp384r1}}}, "true", "HelloRetryRequest"},
		{"tls13 group not offered", ios13, &answer{flight: &tlswire.Flight{Hello: &tlswire.ServerHello{SelectedVersion: tlswire.VersionTLS13, CipherSuite: 0x1301, KeyShareGroup: tlswire.GroupFFDHE2048}}}, "false", "group"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := judge(tt.c, tt.a)
			got := "null"
			if s.Connects != nil {
				got = map[bool]string{true: "true", false: "false"}[*s.Connects]
			}
			if got != tt.connect || !strings.Contains(s.Note, tt.note) {
				t.Errorf("connects %s note %q, want %s with %q", got, s.Note, tt.connect, tt.note)
			}
			if got != "true" && s.Note == "" {
				t.Error("no note")
			}
		})
	}
}

// TestUnreachable: a server that cannot be dialled gives null with the dial error, never false.
func TestUnreachable(t *testing.T) {
	dial := func(context.Context) (net.Conn, error) { return nil, errors.New("connection refused") }
	for _, s := range Simulate(t.Context(), Config{ConnConfig: check.ConnConfig{Dial: dial}}) {
		if s.Connects != nil || !strings.Contains(s.Note, "connection refused") {
			t.Errorf("%s: %+v", s.Client, s)
		}
	}
}

// FuzzSimulate feeds arbitrary server bytes to every client: no panic, and every entry is
// true, or false/null with a note.
func FuzzSimulate(f *testing.F) {
	f.Add([]byte{21, 3, 3, 0, 2, 2, 40})
	f.Add([]byte{22, 3, 3, 0, 4, 2, 0, 0, 0})
	f.Add([]byte("HTTP/1.1 400 Bad Request\r\n\r\n"))
	clients := Clients()[:3]
	f.Fuzz(func(t *testing.T, b []byte) {
		dial := func(context.Context) (net.Conn, error) {
			c, s := net.Pipe()
			go func() {
				defer s.Close()
				go io.Copy(io.Discard, s)
				s.Write(b)
			}()
			return c, nil
		}
		for _, s := range Simulate(t.Context(), Config{ConnConfig: check.ConnConfig{Dial: dial}, Clients: clients}) {
			if (s.Connects == nil || !*s.Connects) && s.Note == "" {
				t.Errorf("%s: %+v without a note", s.Client, s)
			}
		}
	})
}
