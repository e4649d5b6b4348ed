package clientsim

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"slices"
	"sync/atomic"
	"testing"

	"github.com/mhealthsec/mhealthsec/probe/check"
	"github.com/mhealthsec/mhealthsec/probe/internal/peertest"
	"github.com/mhealthsec/mhealthsec/probe/pki"
	"github.com/mhealthsec/mhealthsec/probe/result"
	"github.com/mhealthsec/mhealthsec/probe/suites"
	"github.com/mhealthsec/mhealthsec/probe/tlswire"
)

// TestClientsTable checks the table itself: every suite is known, every client has a source,
// names are unique, and the versions the issue asks for are there.
func TestClientsTable(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range Clients() {
		if seen[c.Name] {
			t.Errorf("client %s listed twice", c.Name)
		}
		seen[c.Name] = true
		if c.Source == "" || len(c.Versions) == 0 || len(c.Suites) == 0 {
			t.Errorf("%s: source, versions or suites missing", c.Name)
		}
		if len(c.Suites) > tlswire.MaxHelloSuites {
			t.Errorf("%s: %d suites", c.Name, len(c.Suites))
		}
		for _, id := range c.Suites {
			if _, ok := suites.Default().ByID(id); !ok {
				t.Errorf("%s: suite 0x%04x not in the suite table", c.Name, id)
			}
		}
		if slices.Contains(c.Versions, tlswire.VersionTLS13) && !slices.Contains(c.Groups, tlswire.GroupX25519) {
			t.Errorf("%s: TLS 1.3 client without X25519, for which it sends its key share", c.Name)
		}
	}
	for _, want := range []string{"android-4.4", "android-5", "android-7", "android-8", "android-9", "android-10",
		"android-11", "android-12", "android-13", "android-14", "ios-9", "ios-10", "ios-11", "ios-12", "ios-13",
		"ios-14", "ios-15", "ios-16", "ios-17", "okhttp-5", "chrome-like", "firefox-like", "safari-like"} {
		if !seen[want] {
			t.Errorf("client %s missing", want)
		}
	}
}

// countingDial dials addr and counts the connections.
func countingDial(addr string, n *atomic.Int32) func(context.Context) (net.Conn, error) {
	return func(ctx context.Context) (net.Conn, error) {
		n.Add(1)
		var d net.Dialer
		return d.DialContext(ctx, "tcp", addr)
	}
}

func byName(sims []result.ClientSimulation) map[string]result.ClientSimulation {
	m := map[string]result.ClientSimulation{}
	for _, s := range sims {
		m[s.Client] = s
	}
	return m
}

func offers(c Client, v uint16) bool { return slices.Contains(c.Versions, v) }

// TestGoServers runs every client against real crypto/tls servers on 127.0.0.1 and
// checks each answer against what the server's configuration and the client's hello imply.
func TestGoServers(t *testing.T) {
	cert := peertest.Leaf(t, pki.RSA2048)
	modernGCM := []uint16{tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384}
	tests := []struct {
		name string
		cfg  *tls.Config
		// want returns whether c connects, and with what protocol, suite and group.
		want func(c Client) (bool, result.Protocol, uint16, string)
	}{
		{
			name: "modern-only",
			cfg:  &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12, CipherSuites: modernGCM},
			want: func(c Client) (bool, result.Protocol, uint16, string) {
				switch {
				case offers(c, tlswire.VersionTLS13):
					return true, result.TLS13, 0, "x25519"
				case offers(c, tlswire.VersionTLS12):
					return true, result.TLS12, 0, goGroup(c)
				}
				return false, "", 0, ""
			},
		},
		{
			name: "tls1.0-1.2-cbc",
			cfg: &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS12,
				CipherSuites: []uint16{tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA}},
			want: func(c Client) (bool, result.Protocol, uint16, string) {
				p := result.TLS12
				if !offers(c, tlswire.VersionTLS12) {
					p = result.TLS10
				}
				return slices.Contains(c.Suites, 0xc013), p, 0xc013, goGroup(c)
			},
		},
		{
			// RSA key transport only: App Transport Security requires forward secrecy.
			name: "rsa-kx-only",
			cfg: &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS12,
				CipherSuites: []uint16{tls.TLS_RSA_WITH_AES_128_CBC_SHA}},
			want: func(c Client) (bool, result.Protocol, uint16, string) {
				p := result.TLS12
				if !offers(c, tlswire.VersionTLS12) {
					p = result.TLS10
				}
				return slices.Contains(c.Suites, 0x002f), p, 0x002f, ""
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := peertest.ServeGo(t, tt.cfg, nil)
			var dials atomic.Int32
			sims := Simulate(t.Context(), Config{ConnConfig: check.ConnConfig{Dial: countingDial(srv.Addr, &dials)}})
			clients := Clients()
			if len(sims) != len(clients) {
				t.Fatalf("%d results for %d clients", len(sims), len(clients))
			}
			for i, c := range clients {
				s := sims[i]
				ok, p, id, g := tt.want(c)
				if s.Client != c.Name || s.Connects == nil {
					t.Errorf("%s: got %+v", c.Name, s)
					continue
				}
				if *s.Connects != ok {
					t.Errorf("%s: connects = %v (%s), want %v", c.Name, *s.Connects, s.Note, ok)
					continue
				}
				if !ok {
					if s.Note == "" {
						t.Errorf("%s: refused without a note", c.Name)
					}
					continue
				}
				if s.Protocol != p || s.Group != g || (id != 0 && s.ID != hex(id)) {
					t.Errorf("%s: got %s %s %s, want %s 0x%04x %s", c.Name, s.Protocol, s.ID, s.Group, p, id, g)
				}
				if id == 0 && p != result.TLS13 && s.ID != hex(modernGCM[0]) && s.ID != hex(modernGCM[1]) {
					t.Errorf("%s: suite %s not one the server allows", c.Name, s.ID)
				}
			}
			// One connection per distinct hello.
			distinct := map[string]bool{}
			for _, c := range clients {
				distinct[helloKey(c)] = true
			}
			if int(dials.Load()) != len(distinct) || len(distinct) >= len(clients) {
				t.Errorf("%d connections for %d distinct hellos of %d clients", dials.Load(), len(distinct), len(clients))
			}
		})
	}
}

func hex(id uint16) string { return fmt.Sprintf("0x%04x", id) }

// goGroup is the group crypto/tls picks in TLS 1.2: the client's first that it supports.
func goGroup(c Client) string {
	for _, g := range c.Groups {
		switch g {
		case tlswire.GroupX25519, tlswire.GroupSecp256r1, tlswire.GroupSecp384r1, tlswire.GroupSecp521r1:
			return tlswire.GroupName(g)
		}
	}
	return ""
}
