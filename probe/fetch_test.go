package probe

import (
	"context"
	"crypto/x509"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/net/dns/dnsmessage"

	"github.com/mhealthsec/mhealthsec/probe/pki"
	"github.com/mhealthsec/mhealthsec/probe/result"
)

// fakeDNS answers A and AAAA queries from a zone over the Go resolver's Dial hook, so
// tests resolve names to any address without a real DNS server. A name with several
// answer sets gives the n-th set to the n-th A query (DNS rebinding), the last one after.
type fakeDNS struct {
	zone map[string][][]string // fully qualified name -> answer sets
	mu   sync.Mutex
	n    map[string]int
}

func (d *fakeDNS) resolver() *net.Resolver {
	return &net.Resolver{PreferGo: true, Dial: func(context.Context, string, string) (net.Conn, error) {
		c, s := net.Pipe()
		go d.serve(s)
		return c, nil
	}}
}

// serve answers one stream connection (a net.Pipe is not a PacketConn, so the resolver
// frames its messages with a two-byte length, as over TCP).
func (d *fakeDNS) serve(c net.Conn) {
	defer c.Close()
	for {
		var l [2]byte
		if _, err := io.ReadFull(c, l[:]); err != nil {
			return
		}
		msg := make([]byte, binary.BigEndian.Uint16(l[:]))
		if _, err := io.ReadFull(c, msg); err != nil {
			return
		}
		resp, err := d.answer(msg)
		if err != nil {
			return
		}
		out := binary.BigEndian.AppendUint16(nil, uint16(len(resp)))
		if _, err := c.Write(append(out, resp...)); err != nil {
			return
		}
	}
}

func (d *fakeDNS) answer(msg []byte) ([]byte, error) {
	var p dnsmessage.Parser
	h, err := p.Start(msg)
	if err != nil {
		return nil, err
	}
	q, err := p.Question()
	if err != nil {
		return nil, err
	}
	name := q.Name.String()
	d.mu.Lock()
	sets, ok := d.zone[name]
	var set []string
	if ok {
		set = sets[min(d.n[name], len(sets)-1)]
		if q.Type == dnsmessage.TypeA {
			d.n[name]++
		}
	}
	d.mu.Unlock()
	rh := dnsmessage.Header{ID: h.ID, Response: true, Authoritative: true, RecursionDesired: h.RecursionDesired, RecursionAvailable: true}
	if !ok {
		rh.RCode = dnsmessage.RCodeNameError
	}
	b := dnsmessage.NewBuilder(nil, rh)
	b.EnableCompression()
	if err := b.StartQuestions(); err != nil {
		return nil, err
	}
	if err := b.Question(q); err != nil {
		return nil, err
	}
	if err := b.StartAnswers(); err != nil {
		return nil, err
	}
	for _, s := range set {
		a := netip.MustParseAddr(s)
		rrh := dnsmessage.ResourceHeader{Name: q.Name, Class: dnsmessage.ClassINET, TTL: 0}
		switch {
		case q.Type == dnsmessage.TypeA && a.Is4():
			err = b.AResource(rrh, dnsmessage.AResource{A: a.As4()})
		case q.Type == dnsmessage.TypeAAAA && a.Is6():
			err = b.AAAAResource(rrh, dnsmessage.AAAAResource{AAAA: a.As16()})
		}
		if err != nil {
			return nil, err
		}
	}
	return b.Finish()
}

// simulatedInternet is the DialContext of a scanner whose target stands in for a public
// server: the target's public address is connected to a loopback server; every other
// address is recorded and refused without any connection.
type simulatedInternet struct {
	target  string // "93.184.216.34:443"
	backend string // the loopback server behind it
	mu      sync.Mutex
	others  []string
}

var errSimulated = errors.New("simulated network: only the target is reachable")

func (n *simulatedInternet) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	if addr == n.target {
		var d net.Dialer
		return d.DialContext(ctx, network, n.backend)
	}
	n.mu.Lock()
	n.others = append(n.others, addr)
	n.mu.Unlock()
	return nil, errSimulated
}

func (n *simulatedInternet) dialled() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return slices.Clone(n.others)
}

// serveWithURLs issues a leaf whose AIA caIssuers, OCSP and CRL URLs are urls, serves it
// on loopback, with its intermediate or without (then AIA is needed; with it, OCSP and
// CRL are asked), and returns the address.
func (l *lab) serveWithURLs(t *testing.T, urls []string, omitIntermediate bool) string {
	t.Helper()
	cert, err := l.inter.Issue(pki.LeafOptions{Names: []string{"public.example"}, OmitIntermediates: omitIntermediate,
		IssuingCertificateURL: urls, OCSPServer: urls, CRLDistributionPoints: urls})
	if err != nil {
		t.Fatal(err)
	}
	srv := *l
	srv.cert = cert
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(srv.httpsServer(t, "127.0.0.1", http.NotFoundHandler())))
}

// TestPublicTargetCannotSteerFetches: a "public" target (93.184.216.34, simulated by the
// dial hook) whose certificate points AIA, OCSP and CRL at each range a public server must
// not lead us to, at names resolving into them, and at a name that resolves public first
// and private second: no connection is attempted to any refused address, and the trust
// error names each URL and the rule.
func TestPublicTargetCannotSteerFetches(t *testing.T) {
	l := newLab(t)
	zone := map[string][][]string{
		"metadata.example.": {{"169.254.169.254"}},
		"intranet.example.": {{"10.0.0.7", "fd00::7"}},
		"mapped.example.":   {{"::ffff:192.168.0.1"}},
		"rebind.example.":   {{"93.184.216.41"}, {"10.0.0.8"}},
	}
	tests := []struct {
		name   string
		urls   []string
		dialed []string // connection attempts besides the target's
	}{
		{"loopback", []string{"http://127.0.0.1/ca.crt", "http://[::1]/ca.crt"}, nil},
		{"localhost admin port", []string{"http://localhost:8080/admin"}, nil},
		{"RFC 1918", []string{"http://10.0.0.1/ca.crt", "http://192.168.1.1/ca.crt"}, nil},
		{"172.16/12", []string{"http://172.16.0.1/ca.crt"}, nil},
		{"ULA", []string{"http://[fd00::1]/ca.crt"}, nil},
		{"cloud metadata", []string{"http://169.254.169.254/latest/meta-data/"}, nil},
		{"IPv6 link-local", []string{"http://[fe80::1]/ca.crt"}, nil},
		{"CGNAT", []string{"http://100.64.0.1/ca.crt"}, nil},
		{"multicast", []string{"http://224.0.0.1/ca.crt", "http://[ff02::1]/ca.crt"}, nil},
		{"unspecified", []string{"http://0.0.0.0/ca.crt", "http://[::]/ca.crt"}, nil},
		{"documentation", []string{"http://192.0.2.1/ca.crt", "http://[2001:db8::1]/ca.crt"}, nil},
		{"IPv4-mapped", []string{"http://[::ffff:10.0.0.1]/ca.crt", "http://[::ffff:169.254.169.254]/"}, nil},
		{"NAT64 and 6to4", []string{"http://[64:ff9b::a9fe:a9fe]/", "http://[2002:c0a8:101::1]/ca.crt"}, nil},
		{"names into private ranges", []string{"http://metadata.example/latest/meta-data/", "http://intranet.example/ca.crt"}, nil},
		{"name into IPv4-mapped", []string{"http://mapped.example/ca.crt"}, nil},
		// The first lookup is public and is dialled (here: refused by the simulated
		// network); the second is private and is not.
		{"rebinding", []string{"http://rebind.example/a.crt", "http://rebind.example/b.crt"}, []string{"93.184.216.41:80"}},
	}
	for _, tt := range tests {
		for _, aia := range []bool{true, false} {
			name := tt.name + "/OCSP and CRL"
			if aia {
				name = tt.name + "/AIA"
			}
			t.Run(name, func(t *testing.T) {
				dns := &fakeDNS{n: map[string]int{}, zone: zone}
				net := &simulatedInternet{target: "93.184.216.34:443", backend: l.serveWithURLs(t, tt.urls, aia)}
				s, err := New(Config{HTTPPort: -1, Rate: -1, HostRate: -1, Roots: l.root.Pool(),
					Resolver: dns.resolver(), DialContext: net.dial})
				if err != nil {
					t.Fatal(err)
				}
				ctx := context.Background()
				addr := netip.MustParseAddrPort(net.target)
				ep := s.endpoint(ctx, Target{Host: "93.184.216.34", Port: 443, SNI: "public.example"}, addr)
				var r result.Result
				if err := stepNamed(t, s, "certificate").Run(ctx, ep, &r); err != nil {
					t.Fatal(err)
				}
				if got := net.dialled(); !slices.Equal(got, tt.dialed) {
					t.Errorf("connections attempted besides the target: %q, want %q", got, tt.dialed)
				}
				c := r.Certificate
				notes := strings.Join(c.Notes, "\n")
				refused := tt.urls
				if tt.name == "rebinding" {
					refused = tt.urls[1:]
				}
				for _, u := range refused {
					if !strings.Contains(notes, "fetch "+u+" refused by the fetch policy (rule ") {
						t.Errorf("certificate notes do not name the refusal of %s: %s", u, notes)
					}
					// The verdict the fetch would have informed says why it is missing.
					verdict, why := c.TrustError, "trust_error"
					if !aia {
						verdict, why = notes, "revocation note"
						if c.Revocation != nil || c.Revoked != nil {
							t.Errorf("revocation %+v, revoked %v; want null", c.Revocation, c.Revoked)
						}
					} else if c.Trusted != nil {
						t.Errorf("trusted %v with an intermediate we refused to fetch; want null", *c.Trusted)
					} else if !strings.Contains(notes, "trusted: unknown") {
						t.Errorf("certificate notes do not say why trust is unknown: %s", notes)
					}
					if !strings.Contains(verdict, u+": refused by the fetch policy (rule ") {
						t.Errorf("%s does not name the refusal of %s: %s", why, u, verdict)
					}
				}
			})
		}
	}
}

// TestPublicTargetRefusedAIAIsUnknown measures a simulated public target whose
// intermediate is published only at a private address, whole: the fetch policy refuses
// the fetch, so trust is unknown (null, the refusal in trust_error and a note), and the
// server is not graded rather than given a T that nothing measured. The same server with
// its AIA URL dead (the simulated network refuses the connection) is untrusted, T: there
// the server's URL failed, not our policy.
func TestPublicTargetRefusedAIAIsUnknown(t *testing.T) {
	l := newLab(t)
	tests := []struct {
		name, url, trusted, letter string
	}{
		{"refused by the policy", "http://10.0.0.1/ca.crt", "null", ""},
		{"public URL, connection refused", "http://93.184.216.40/ca.crt", "false", "T"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dns := &fakeDNS{n: map[string]int{}, zone: map[string][][]string{"public.example.": {{"93.184.216.34"}}}}
			net := &simulatedInternet{target: "93.184.216.34:443", backend: l.serveWithURLs(t, []string{tt.url}, true)}
			s, err := New(Config{HTTPPort: -1, Rate: -1, HostRate: -1, Roots: l.root.Pool(), Resolver: dns.resolver(), DialContext: net.dial})
			if err != nil {
				t.Fatal(err)
			}
			r := s.Measure(context.Background(), Target{Host: "public.example", Port: 443, Family: IPv4})
			if r.Error != nil || r.Certificate == nil {
				t.Fatalf("error %v, certificate %+v, notes %q", r.Error, r.Certificate, r.Notes)
			}
			c := r.Certificate
			got := boolText(c.Trusted)
			if got != tt.trusted || !c.HostnameMatch || c.ChainComplete {
				t.Errorf("trusted %s, hostname_match %v, chain_complete %v; want %s, true, false (trust_error %q)",
					got, c.HostnameMatch, c.ChainComplete, tt.trusted, c.TrustError)
			}
			if !strings.Contains(c.TrustError, "fetch "+tt.url) {
				t.Errorf("trust_error %q does not name %s", c.TrustError, tt.url)
			}
			notes := strings.Join(r.Notes, "\n")
			if tt.letter == "" {
				if r.Grade != nil {
					t.Errorf("graded %s (caps %+v) with trust unknown; want no grade", r.Grade.Letter, r.Grade.Caps)
				}
				if !strings.Contains(notes, "not graded: certificate trust unknown") {
					t.Errorf("notes do not say why it is not graded: %s", notes)
				}
				if !strings.Contains(strings.Join(c.Notes, "\n"), "trusted: unknown") {
					t.Errorf("certificate notes do not say why trust is unknown: %q", c.Notes)
				}
				return
			}
			if r.Grade == nil || r.Grade.Letter != tt.letter {
				t.Errorf("grade %+v, want %s (notes %s)", r.Grade, tt.letter, notes)
			}
		})
	}
}

// TestEveryServerChosenFetchGoesThroughTheFetcher replaces the one dialer of
// server-chosen fetches with one that records and connects nothing, points the
// certificate's AIA, OCSP and CRL URLs at loopback listeners the policy would allow, and
// runs a whole measurement: every URL reaches the replaced dialer, and no listener ever
// sees a connection, so no fetch took another way.
func TestEveryServerChosenFetchGoesThroughTheFetcher(t *testing.T) {
	l := newLab(t)
	var accepted atomic.Int32
	listen := func() string {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { ln.Close() })
		go func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				accepted.Add(1)
				c.Close()
			}
		}()
		return ln.Addr().String()
	}
	aia, ocsp, crl := listen(), listen(), listen()
	cert, err := l.inter.Issue(pki.LeafOptions{Names: []string{"localhost", "127.0.0.1"}, OmitIntermediates: true,
		IssuingCertificateURL: []string{"http://" + aia + "/ca.crt"},
		OCSPServer:            []string{"http://" + ocsp + "/"},
		CRLDistributionPoints: []string{"http://" + crl + "/ca.crl"}})
	if err != nil {
		t.Fatal(err)
	}
	srv := *l
	srv.cert = cert
	port := srv.httpsServer(t, "127.0.0.1", hsts("max-age=31536000"))
	full := srv // the same leaf with its intermediate: OCSP and CRL are asked
	full.cert.Certificate = append(full.cert.Certificate, l.inter.Cert.Raw)
	fullPort := full.httpsServer(t, "127.0.0.1", hsts("max-age=31536000"))

	s := l.scanner(t, Config{HTTPPort: -1, AllowFetchTo: loopbackPrefixes})
	var mu sync.Mutex
	var through []string
	s.serverChosenDial = func(_, _ context.Context, addr netip.AddrPort) (net.Conn, error) {
		mu.Lock()
		through = append(through, addr.String())
		mu.Unlock()
		return nil, errSimulated
	}
	for _, p := range []int{port, fullPort} {
		r := s.Measure(context.Background(), Target{Host: "127.0.0.1", Port: p, Family: IPv4})
		if r.Error != nil {
			t.Fatalf("error %v", r.Error)
		}
	}
	for _, want := range []string{aia, ocsp, crl} {
		if !slices.Contains(through, want) {
			t.Errorf("fetch to %s did not go through the replaced dialer (it saw %q)", want, through)
		}
	}
	if n := accepted.Load(); n != 0 {
		t.Errorf("%d connections reached the server-chosen listeners without the dialer", n)
	}
}

// TestRevokedLeafIsT: a leaf its CRL lists as revoked is untrusted, T, as in SSL Labs;
// the same chain with the leaf not listed keeps its grade.
func TestRevokedLeafIsT(t *testing.T) {
	l := newLab(t)
	var crl atomic.Pointer[[]byte]
	crlSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.Write(*crl.Load()) }))
	t.Cleanup(crlSrv.Close)
	cert, err := l.inter.Issue(pki.LeafOptions{Names: []string{"localhost", "127.0.0.1"}, CRLDistributionPoints: []string{crlSrv.URL + "/inter.crl"}})
	if err != nil {
		t.Fatal(err)
	}
	srv := *l
	srv.cert = cert
	port := srv.httpsServer(t, "127.0.0.1", hsts("max-age=31536000"))
	s := l.scanner(t, Config{HTTPPort: -1, AllowFetchTo: loopbackPrefixes})
	for _, revoked := range []bool{true, false} {
		var list []*x509.Certificate
		if revoked {
			list = append(list, cert.Leaf)
		}
		body, err := l.inter.CRL(list, time.Now().Add(-time.Hour), time.Now())
		if err != nil {
			t.Fatal(err)
		}
		crl.Store(&body)
		r := s.Measure(context.Background(), Target{Host: "localhost", Port: port, Family: IPv4})
		c := r.Certificate
		if r.Error != nil || c == nil || c.Revocation == nil || r.Grade == nil {
			t.Fatalf("revoked %v: error %v, certificate %+v, grade %+v", revoked, r.Error, c, r.Grade)
		}
		want := map[bool]string{true: "revoked", false: "good"}[revoked]
		if c.Revocation.Status != want || c.Revocation.Method != "crl" || c.Revoked == nil || *c.Revoked != revoked {
			t.Errorf("revoked %v: revocation %+v, revoked %v", revoked, c.Revocation, c.Revoked)
		}
		if (r.Grade.Letter == "T") != revoked {
			t.Errorf("revoked %v: grade %s", revoked, r.Grade.Letter)
		}
	}
}
