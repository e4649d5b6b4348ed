package probe

import (
	"context"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/mhealthsec/mhealthsec/probe/certcheck"
	"github.com/mhealthsec/mhealthsec/probe/pki"
)

var loopbackPrefixes = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}

// boolText writes a nullable verdict as JSON does.
func boolText(b *bool) string {
	if b == nil {
		return "null"
	}
	return strconv.FormatBool(*b)
}

// recordingDial dials and remembers every address asked for.
type recordingDial struct {
	mu    sync.Mutex
	addrs []string
}

func (d *recordingDial) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	d.mu.Lock()
	d.addrs = append(d.addrs, addr)
	d.mu.Unlock()
	var nd net.Dialer
	return nd.DialContext(ctx, network, addr)
}

func (d *recordingDial) dialed(addr string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return slices.Contains(d.addrs, addr)
}

// TestMeasureCompletesChainViaAIA: a server that omits its intermediate, whose leaf names
// where to fetch it, is trusted with an incomplete chain and capped at B; the fetch goes
// through the scanner's dial. With NoAIA it is untrusted (T); a caIssuers URL outside
// loopback is refused by the fetch policy before any connection, which leaves trust
// unknown (null) and the server not graded.
func TestMeasureCompletesChainViaAIA(t *testing.T) {
	l := newLab(t)
	issuer, err := l.inter.ServeIssuer(pki.DER)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { issuer.Close() })
	issuerAddr := strings.TrimPrefix(issuer.URL()[:strings.LastIndex(issuer.URL(), "/")], "http://")

	tests := []struct {
		name      string
		url       string
		noAIA     bool
		trusted   string
		letter    string // "" for not graded
		note      string
		trustErr  string
		dialsAIA  bool
		wantCapID string
	}{
		{"completed", issuer.URL(), false, "true", "B", "chain completed via AIA from " + issuer.URL(), "", true, "chain_incomplete"},
		{"fetching off", issuer.URL(), true, "false", "T", "", "AIA fetching is off", false, "cert_not_trusted"},
		// 192.0.2.0/24 is TEST-NET-1: the fetch policy refuses it before dialing.
		{"not loopback", "http://192.0.2.1/ca.crt", false, "null", "",
			"trusted: unknown, the chain could not be completed from AIA because we cut the search short: " +
				"fetch http://192.0.2.1/ca.crt refused by the fetch policy (rule address): 192.0.2.1 is documentation, the target 127.0.0.1 is loopback (allowed: public, loopback)|" +
				"fetch http://192.0.2.1/ca.crt refused by the fetch policy (rule address): 192.0.2.1 is documentation, the target 127.0.0.1 is loopback (allowed: public, loopback)",
			"refused by the fetch policy (rule address): 192.0.2.1 is documentation", false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cert, err := l.inter.Issue(pki.LeafOptions{Names: []string{"localhost", "127.0.0.1"}, OmitIntermediates: true,
				IssuingCertificateURL: []string{tt.url}})
			if err != nil {
				t.Fatal(err)
			}
			srv := *l
			srv.cert = cert
			port := srv.httpsServer(t, "127.0.0.1", hsts("max-age=31536000"))
			dials := &recordingDial{}
			// The issuer listens on a random port: the lab widens the policy to loopback.
			s := l.scanner(t, Config{HTTPPort: -1, NoAIA: tt.noAIA, DialContext: dials.dial, AllowFetchTo: loopbackPrefixes})
			r := s.Measure(context.Background(), Target{Host: "localhost", Port: port, Family: IPv4})
			if r.Error != nil {
				t.Fatalf("error %v", r.Error)
			}
			c := r.Certificate
			if c == nil || boolText(c.Trusted) != tt.trusted || c.ChainComplete {
				t.Fatalf("certificate %+v; want trusted %s, chain incomplete", c, tt.trusted)
			}
			if note := strings.Join(certcheck.ChainNotes(c.Notes), "|"); note != tt.note {
				t.Errorf("certificate notes %q, want %q", note, tt.note)
			}
			if !strings.Contains(c.TrustError, tt.trustErr) {
				t.Errorf("trust_error %q lacks %q", c.TrustError, tt.trustErr)
			}
			if got := dials.dialed(issuerAddr); got != tt.dialsAIA {
				t.Errorf("scanner dialed the AIA server %s: %v, want %v", issuerAddr, got, tt.dialsAIA)
			}
			if dials.dialed("192.0.2.1:80") {
				t.Errorf("dialed outside loopback")
			}
			if tt.letter == "" {
				if r.Grade != nil || !strings.Contains(strings.Join(r.Notes, "|"), "not graded: certificate trust unknown") {
					t.Errorf("grade %+v, notes %q; want none, and a note saying why", r.Grade, r.Notes)
				}
				return
			}
			if r.Grade == nil {
				t.Fatalf("no grade; notes %q", r.Notes)
			}
			if r.Grade.Letter != tt.letter {
				t.Errorf("grade %s, want %s (caps %+v)", r.Grade.Letter, tt.letter, r.Grade.Caps)
			}
			var ids []string
			for _, c := range r.Grade.Caps {
				ids = append(ids, c.Rule)
			}
			if !slices.Contains(ids, tt.wantCapID) {
				t.Errorf("caps %q lack %s", ids, tt.wantCapID)
			}
		})
	}
}
