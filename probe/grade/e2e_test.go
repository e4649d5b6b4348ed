package grade_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mhealthsec/mhealthsec/probe/certcheck"
	"github.com/mhealthsec/mhealthsec/probe/check"
	"github.com/mhealthsec/mhealthsec/probe/enum"
	"github.com/mhealthsec/mhealthsec/probe/fakeserver"
	"github.com/mhealthsec/mhealthsec/probe/grade"
	"github.com/mhealthsec/mhealthsec/probe/httpcheck"
	"github.com/mhealthsec/mhealthsec/probe/pki"
	"github.com/mhealthsec/mhealthsec/probe/result"
	"github.com/mhealthsec/mhealthsec/probe/vuln"
)

// The end-to-end tests build loopback servers of known grade, measure them with the same
// steps the scanner runs (enum, certcheck, httpcheck, vuln) and grade the result.

type endpoint struct {
	dial func(context.Context) (net.Conn, error)
	port int
}

func dialer(addr string) func(context.Context) (net.Conn, error) {
	return func(ctx context.Context) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "tcp", addr)
	}
}

// httpsServer serves GET / over TLS with cfg, sending hsts as Strict-Transport-Security
// when not empty.
func httpsServer(t *testing.T, cfg *tls.Config, hsts string) endpoint {
	t.Helper()
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if hsts != "" {
			w.Header().Set("Strict-Transport-Security", hsts)
		}
		w.Write([]byte("ok"))
	}))
	srv.TLS = cfg
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the probes' refused hellos are expected
	srv.StartTLS()
	t.Cleanup(srv.Close)
	addr := srv.Listener.Addr().(*net.TCPAddr)
	return endpoint{dial: dialer(addr.String()), port: addr.Port}
}

func fakeEndpoint(t *testing.T, h fakeserver.Handler) endpoint {
	t.Helper()
	s, err := fakeserver.Start(h)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	_, port, err := net.SplitHostPort(s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	n, _ := strconv.Atoi(port)
	return endpoint{dial: s.Dial, port: n}
}

// measure runs every measurement step against ep, as the scanner does.
func measure(t *testing.T, ep endpoint, roots *x509.CertPool) *result.Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	const sni = "localhost"
	r := &result.Result{Target: "localhost", Host: "localhost", IP: "127.0.0.1", Port: ep.port, SNI: sni, Source: result.SourceProbe}
	if err := enum.Measure(ctx, enum.Config{ConnConfig: check.ConnConfig{Dial: ep.dial, SNI: sni, Timeout: 3 * time.Second}}, r); err != nil {
		t.Fatalf("enum: %v", err)
	}
	if c, err := certcheck.Measure(ctx, certcheck.Config{Dial: ep.dial, SNI: sni, Roots: roots, Timeout: 3 * time.Second}); err == nil {
		r.Certificate = c
	}
	if h, err := httpcheck.Measure(ctx, httpcheck.Config{Dial: ep.dial, Host: sni, Port: ep.port, SNI: sni, Timeout: 3 * time.Second}); err == nil {
		r.HTTP = h
	}
	vuln.Check(ctx, vuln.Config{Dial: ep.dial, SNI: sni, Timeout: 3 * time.Second}, r)
	return r
}

const yearHSTS = "max-age=31536000; includeSubDomains"

func TestEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end servers: skipped with -short")
	}
	ca, err := pki.NewRoot("grade e2e root")
	if err != nil {
		t.Fatal(err)
	}
	issue := func(o pki.LeafOptions) tls.Certificate {
		c, err := ca.Issue(o)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	inter, err := ca.NewIntermediate("grade e2e intermediate")
	if err != nil {
		t.Fatal(err)
	}
	incomplete, err := inter.Issue(pki.LeafOptions{Key: pki.ECDSA256, OmitIntermediates: true})
	if err != nil {
		t.Fatal(err)
	}
	good := issue(pki.LeafOptions{Key: pki.ECDSA256})
	rsa2048 := issue(pki.LeafOptions{Key: pki.RSA2048})
	modern := func(c tls.Certificate) *tls.Config {
		return &tls.Config{Certificates: []tls.Certificate{c}, MinVersion: tls.VersionTLS12}
	}
	robot, err := fakeserver.ROBOT(fakeserver.ROBOTOptions{Certificate: rsa2048})
	if err != nil {
		t.Fatal(err)
	}
	vopt := fakeserver.VulnOptions{Chain: rsa2048.Certificate}
	export, err := fakeserver.Export(fakeserver.ExportOptions{Chain: rsa2048.Certificate})
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name string
		ep   func() endpoint
		want map[grade.Criteria]string
		// vulns that must be found true.
		vulns []string
	}{
		{"good config with HSTS", func() endpoint { return httpsServer(t, modern(good), yearHSTS) },
			map[grade.Criteria]string{grade.V2009n: "A+", grade.V2009q: "A+", grade.V2009r: "A+"}, nil},
		{"no HSTS", func() endpoint { return httpsServer(t, modern(good), "") },
			map[grade.Criteria]string{grade.V2009n: "A", grade.V2009q: "A", grade.V2009r: "A-"}, nil},
		{"TLS 1.0 only", func() endpoint {
			return httpsServer(t, &tls.Config{Certificates: []tls.Certificate{good}, MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS10}, yearHSTS)
		}, map[grade.Criteria]string{grade.V2009n: "C", grade.V2009r: "C"}, []string{"BEAST", "LUCKY13"}},
		{"RSA 1024", func() endpoint { return httpsServer(t, modern(issue(pki.LeafOptions{Key: pki.RSA1024})), yearHSTS) },
			map[grade.Criteria]string{grade.V2009n: "B", grade.V2009r: "B"}, nil},
		{"RC4 offered, never chosen by modern clients", func() endpoint {
			return httpsServer(t, &tls.Config{Certificates: []tls.Certificate{rsa2048}, MaxVersion: tls.VersionTLS12,
				CipherSuites: []uint16{tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, tls.TLS_ECDHE_RSA_WITH_RC4_128_SHA}}, yearHSTS)
		}, map[grade.Criteria]string{grade.V2009n: "B", grade.V2009r: "B"}, []string{"RC4"}},
		{"3DES only on TLS 1.2", func() endpoint {
			return httpsServer(t, &tls.Config{Certificates: []tls.Certificate{rsa2048}, MinVersion: tls.VersionTLS12, MaxVersion: tls.VersionTLS12,
				CipherSuites: []uint16{tls.TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA}}, yearHSTS)
		}, map[grade.Criteria]string{grade.V2009n: "C", grade.V2009r: "C"}, []string{"SWEET32"}},
		{"expired", func() endpoint {
			return httpsServer(t, modern(issue(pki.LeafOptions{Key: pki.ECDSA256, NotBefore: time.Now().AddDate(-1, 0, 0), NotAfter: time.Now().AddDate(0, 0, -1)})), yearHSTS)
		}, map[grade.Criteria]string{grade.V2009r: "T"}, nil},
		{"self-signed", func() endpoint {
			return httpsServer(t, modern(issue(pki.LeafOptions{Key: pki.ECDSA256, SelfSigned: true})), yearHSTS)
		}, map[grade.Criteria]string{grade.V2009r: "T"}, nil},
		{"wrong name", func() endpoint {
			return httpsServer(t, modern(issue(pki.LeafOptions{Key: pki.ECDSA256, Names: []string{"other.example"}})), yearHSTS)
		}, map[grade.Criteria]string{grade.V2009r: "M"}, nil},
		// SSL Labs completes the chain through AIA and grades B; the probe fetches nothing, so
		// the issuer is unknown (T) and the B shows as the trust-ignored grade.
		{"incomplete chain", func() endpoint { return httpsServer(t, modern(incomplete), yearHSTS) },
			map[grade.Criteria]string{grade.V2009n: "T/B", grade.V2009r: "T/B"}, nil},
		{"Heartbleed", func() endpoint { return fakeEndpoint(t, fakeserver.Heartbleed(vopt)) },
			map[grade.Criteria]string{grade.V2009n: "F", grade.V2009r: "F"}, []string{"heartbleed"}},
		{"CCS injection", func() endpoint { return fakeEndpoint(t, fakeserver.CCSInjection(vopt)) },
			map[grade.Criteria]string{grade.V2009n: "F", grade.V2009r: "F"}, []string{"CCS"}},
		{"ROBOT", func() endpoint { return fakeEndpoint(t, robot) },
			map[grade.Criteria]string{grade.V2009q: "F", grade.V2009r: "F"}, []string{"ROBOT"}},
		{"export suites", func() endpoint { return fakeEndpoint(t, export) },
			map[grade.Criteria]string{grade.V2009n: "F", grade.V2009r: "F"}, []string{"FREAK", "LOGJAM", "RC4"}},
		{"NULL suites only", func() endpoint { return fakeEndpoint(t, fakeserver.NullCipher(vopt)) },
			map[grade.Criteria]string{grade.V2009n: "F", grade.V2009q: "F", grade.V2009r: "F"}, []string{}}, // a fake: no healthy-server check
		{"TLS compression", func() endpoint { return fakeEndpoint(t, fakeserver.Compression(vopt)) },
			map[grade.Criteria]string{grade.V2009n: "C", grade.V2009r: "C"}, []string{"CRIME_TLS"}},
		{"insecure renegotiation", func() endpoint {
			return fakeEndpoint(t, fakeserver.Renegotiation(fakeserver.RenegotiationOptions{Chain: rsa2048.Certificate}))
		}, map[grade.Criteria]string{grade.V2009n: "F", grade.V2009r: "F"}, []string{"insecure_renego"}},
		{"Ticketbleed", func() endpoint {
			return fakeEndpoint(t, fakeserver.Ticketbleed(fakeserver.TicketbleedOptions{Certificate: rsa2048}))
		}, nil, []string{"ticketbleed"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := measure(t, tc.ep(), ca.Pool())
			for c, want := range tc.want {
				g := grade.Grade(r, c)
				if g == nil {
					t.Fatalf("%s: no grade; protocols %v, notes %v", c, r.Protocols.List(), r.Vulnerabilities.Notes)
				}
				letter := g.Letter
				if strings.Contains(want, "/") {
					letter += "/" + g.TrustIgnored
				}
				if letter != want {
					t.Errorf("%s: grade %s, want %s\n caps %v\n warnings %v\n protocols %v ciphers %d modern %v",
						c, letter, want, g.Caps, g.Warnings, r.Protocols.List(), len(r.Ciphers), r.ModernClients)
				}
			}
			vals := vulnValues(&r.Vulnerabilities)
			for _, id := range tc.vulns {
				if vals[id] != "true" {
					t.Errorf("%s = %s, want true (note %q)", id, vals[id], r.Vulnerabilities.Notes[id])
				}
			}
			// A healthy Go server must pass every active check.
			if tc.vulns == nil || tc.name == "TLS 1.0 only" || tc.name == "RC4 offered, never chosen by modern clients" || tc.name == "3DES only on TLS 1.2" {
				for _, id := range []string{"heartbleed", "CCS", "ROBOT", "ticketbleed", "CRIME_TLS"} {
					if vals[id] != "false" {
						t.Errorf("healthy server: %s = %s, want false (note %q)", id, vals[id], r.Vulnerabilities.Notes[id])
					}
				}
			}
		})
	}
}

func vulnValues(v *result.Vulnerabilities) map[string]string {
	s := func(b *bool) string {
		switch {
		case b == nil:
			return "null"
		case *b:
			return "true"
		}
		return "false"
	}
	return map[string]string{
		"heartbleed": s(v.Heartbleed), "CCS": s(v.CCS), "ROBOT": s(v.ROBOT), "ticketbleed": s(v.Ticketbleed),
		"CRIME_TLS": s(v.CRIME), "secure_renego": s(v.SecureRenego), "fallback_SCSV": s(v.FallbackSCSV),
		"SWEET32": s(v.SWEET32), "FREAK": s(v.FREAK), "LOGJAM": s(v.LOGJAM), "BEAST": s(v.BEAST),
		"LUCKY13": s(v.LUCKY13), "RC4": s(v.RC4), "DROWN": s(v.DROWN), "POODLE_SSL": s(v.POODLESSL),
		"secure_client_renego": s(v.SecureClientRenego), "insecure_renego": s(v.InsecureRenego),
	}
}
