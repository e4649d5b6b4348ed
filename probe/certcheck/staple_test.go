package certcheck

import (
	"context"
	"crypto/tls"
	"crypto/x509/pkix"
	"encoding/asn1"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	"golang.org/x/crypto/cryptobyte"
	"golang.org/x/crypto/ocsp"

	"github.com/mhealthsec/mhealthsec/probe/internal/peertest"
	"github.com/mhealthsec/mhealthsec/probe/pki"
	"github.com/mhealthsec/mhealthsec/probe/result"
)

// ocspResponse asks the CA's OpenSSL responder about cert and returns its DER answer, the
// bytes a server staples.
func (ca *revocationCA) ocspResponse(t *testing.T, cert tls.Certificate) []byte {
	t.Helper()
	req, err := ocsp.CreateRequest(cert.Leaf, ca.inter.Cert, nil)
	if err != nil {
		t.Fatal(err)
	}
	der, err := loopbackFetcher().Post(context.Background(), ca.ocspURL, "application/ocsp-request", req, MaxOCSPBytes)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

func measureAt(t *testing.T, ca *revocationCA, addr string) *result.Certificate {
	t.Helper()
	c, err := Measure(context.Background(), Config{Dial: dialer(addr), SNI: "localhost", Roots: ca.root.Pool(), Fetcher: loopbackFetcher()})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestOCSPStapling serves the OpenSSL responder's answers stapled by Go, OpenSSL
// s_server (-status_file) and nginx (ssl_stapling_file), and none, and a staple for
// another leaf.
func TestOCSPStapling(t *testing.T) {
	ca := newRevocationCA(t)
	goodStaple := ca.ocspResponse(t, ca.good)
	revokedStaple := ca.ocspResponse(t, ca.revoked)
	dir := t.TempDir()
	staplePath := filepath.Join(dir, "good.ocsp")
	if err := os.WriteFile(staplePath, goodStaple, 0o644); err != nil {
		t.Fatal(err)
	}
	certPath, keyPath, err := pki.WritePEM(dir, "good", ca.good)
	if err != nil {
		t.Fatal(err)
	}
	goServer := func(staple []byte, scts [][]byte) func(t *testing.T) string {
		return func(t *testing.T) string {
			c := ca.good
			c.OCSPStaple = staple
			c.SignedCertificateTimestamps = scts
			return peertest.ServeGo(t, &tls.Config{Certificates: []tls.Certificate{c}}, readOne).Addr
		}
	}
	tests := []struct {
		name    string
		serve   func(t *testing.T) string
		offered bool
		status  string // "" wants null
		valid   *bool
		scts    int
	}{
		{"Go, good", goServer(goodStaple, nil), true, "good", new(true), 0},
		{"Go, none", goServer(nil, nil), false, "", nil, 0},
		{"Go, another leaf's", goServer(revokedStaple, nil), true, "", new(false), 0},
		{"Go, garbage", goServer([]byte("not OCSP"), nil), true, "", new(false), 0},
		{"Go, SCTs in the TLS extension", goServer(nil, [][]byte{[]byte("sct one"), []byte("sct two")}), false, "", nil, 2},
		{"OpenSSL s_server -status_file", func(t *testing.T) string {
			return peertest.Start(t, "openssl", func(port int) []string {
				return []string{"s_server", "-quiet", "-accept", "127.0.0.1:" + strconv.Itoa(port), "-cert", certPath, "-key", keyPath,
					"-cert_chain", certPath, "-status_file", staplePath}
			}).Addr
		}, true, "good", new(true), 0},
		{"nginx ssl_stapling_file", func(t *testing.T) string { return nginxStapling(t, certPath, keyPath, staplePath) }, true, "good", new(true), 0},
		// crypto/tls has no Camellia: the staple is read from a raw hello's first flight.
		{"OpenSSL s_server -status_file, Camellia only", func(t *testing.T) string {
			return peertest.Start(t, "openssl", func(port int) []string {
				return []string{"s_server", "-quiet", "-accept", "127.0.0.1:" + strconv.Itoa(port), "-cert", certPath, "-key", keyPath,
					"-cert_chain", certPath, "-status_file", staplePath, "-tls1_2", "-cipher", camelliaOnly}
			}).Addr
		}, true, "good", new(true), 0},
		{"OpenSSL s_server, Camellia only, no staple", func(t *testing.T) string {
			return peertest.Start(t, "openssl", func(port int) []string {
				return []string{"s_server", "-quiet", "-accept", "127.0.0.1:" + strconv.Itoa(port), "-cert", certPath, "-key", keyPath,
					"-tls1_2", "-cipher", camelliaOnly}
			}).Addr
		}, false, "", nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := measureAt(t, ca, tt.serve(t))
			s := c.OCSPStapling
			if s == nil {
				t.Fatalf("ocsp_stapling null; notes %q", c.Notes)
			}
			if s.Offered != tt.offered || fmtBool(s.Valid) != fmtBool(tt.valid) || (s.Status == nil) != (tt.status == "") || s.Status != nil && *s.Status != tt.status {
				t.Errorf("ocsp_stapling {offered %v status %v valid %s error %q}, want {%v %q %s}",
					s.Offered, fmtStr(s.Status), fmtBool(s.Valid), s.Error, tt.offered, tt.status, fmtBool(tt.valid))
			}
			if c.SCT == nil || c.SCT.Count != tt.scts {
				t.Fatalf("sct %+v, want count %d", c.SCT, tt.scts)
			}
			if want := tt.scts > 0; slices.Contains(c.SCT.Sources, "tls_extension") != want {
				t.Errorf("sct sources %q", c.SCT.Sources)
			}
		})
	}
}

// camelliaOnly are OpenSSL's Camellia suites for RSA and ECDSA keys, which crypto/tls lacks.
const camelliaOnly = "ECDHE-ECDSA-CAMELLIA128-SHA256:ECDHE-RSA-CAMELLIA128-SHA256:DHE-RSA-CAMELLIA128-SHA256"

func fmtStr(s *string) string {
	if s == nil {
		return "null"
	}
	return strconv.Quote(*s)
}

// nginxStapling runs nginx on loopback stapling the response in staplePath.
func nginxStapling(t *testing.T, certPath, keyPath, staplePath string) string {
	t.Helper()
	return peertest.NginxWith(t, certPath, keyPath, "", "ssl_stapling on; ssl_stapling_file "+staplePath+";").Addr
}

// sctList builds the extension value RFC 6962 3.3 embeds: an OCTET STRING holding a
// uint16-length list of uint16-length SCTs.
func sctList(scts ...[]byte) []byte {
	var b cryptobyte.Builder
	b.AddASN1OctetString(func() []byte {
		var in cryptobyte.Builder
		in.AddUint16LengthPrefixed(func(l *cryptobyte.Builder) {
			for _, s := range scts {
				l.AddUint16LengthPrefixed(func(e *cryptobyte.Builder) { e.AddBytes(s) })
			}
		})
		return in.BytesOrPanic()
	}())
	return b.BytesOrPanic()
}

// TestSCTEmbedded: SCTs embedded in the leaf and sent in the TLS extension are counted
// with both sources.
func TestSCTEmbedded(t *testing.T) {
	f := newFixture(t)
	ext := pkix.Extension{Id: asn1.ObjectIdentifier(oidSCTCertificate), Value: sctList([]byte("x"), []byte("y"), []byte("z"))}
	cert := f.issue(t, pki.LeafOptions{ExtraExtensions: []pkix.Extension{ext}})
	cert.SignedCertificateTimestamps = [][]byte{[]byte("w")}
	addr := peertest.ServeGo(t, &tls.Config{Certificates: []tls.Certificate{cert}}, readOne).Addr
	c, err := Measure(context.Background(), Config{Dial: dialer(addr), SNI: "localhost", Roots: f.root.Pool()})
	if err != nil {
		t.Fatal(err)
	}
	if c.SCT == nil || c.SCT.Count != 4 || !slices.Equal(c.SCT.Sources, []string{"certificate", "tls_extension"}) {
		t.Errorf("sct %+v, want 4 from certificate and tls_extension", c.SCT)
	}
}

func TestSCTListLen(t *testing.T) {
	tests := []struct {
		name string
		v    []byte
		want int
	}{
		{"two", sctList([]byte("a"), []byte("bb")), 2},
		{"one", sctList(make([]byte, 119)), 1},
		{"empty list", sctList(), 0},
		{"empty SCT stops the count", sctList([]byte("a"), nil, []byte("c")), 1},
		{"not an OCTET STRING", []byte{0x30, 0x00}, 0},
		{"truncated", sctList([]byte("abc"))[:6], 0},
		{"nothing", nil, 0},
	}
	for _, tt := range tests {
		if got := sctListLen(tt.v); got != tt.want {
			t.Errorf("%s: %d SCTs, want %d", tt.name, got, tt.want)
		}
	}
}

// FuzzSCTListLen: any extension value is counted without a panic, never more SCTs than
// bytes allow.
func FuzzSCTListLen(f *testing.F) {
	f.Add(sctList([]byte("a"), []byte("bb")))
	f.Add([]byte{0x04, 0x02, 0x00, 0x00})
	f.Fuzz(func(t *testing.T, v []byte) {
		if n := sctListLen(v); n < 0 || n > len(v)/3 {
			t.Fatalf("%d SCTs in %d bytes", n, len(v))
		}
	})
}

func TestParseSCTList(t *testing.T) {
	inner := func(b []byte) []byte { return b[2:] } // sctList's OCTET STRING header (short lengths)
	tests := []struct {
		name string
		data []byte
		want int // -1 wants an error
	}{
		{"two", inner(sctList([]byte("a"), []byte("bb"))), 2},
		{"empty list", inner(sctList()), 0},
		{"empty SCT", inner(sctList([]byte("a"), nil)), -1},
		{"trailing bytes", append(inner(sctList([]byte("a"))), 0), -1},
		{"truncated", inner(sctList([]byte("abc")))[:4], -1},
		{"nothing", nil, -1},
	}
	for _, tt := range tests {
		got, err := parseSCTList(tt.data)
		if (err != nil) != (tt.want < 0) || err == nil && len(got) != tt.want {
			t.Errorf("%s: %d SCTs, error %v; want %d", tt.name, len(got), err, tt.want)
		}
	}
}

// FuzzRawStapling: any CertificateStatus body and SCT extension is read without a panic,
// and what is read lies within the input.
func FuzzRawStapling(f *testing.F) {
	f.Add([]byte{1, 0, 0, 2, 0x30, 0}, sctList([]byte("a"))[2:])
	f.Add([]byte{}, []byte{0, 0})
	f.Fuzz(func(t *testing.T, status, scts []byte) {
		if resp, err := ocspFromStatus(status); err == nil && len(resp) != len(status)-4 {
			t.Fatalf("%d response bytes from a %d-byte status", len(resp), len(status))
		}
		if list, err := parseSCTList(scts); err == nil && len(list) > len(scts)/3 {
			t.Fatalf("%d SCTs in %d bytes", len(list), len(scts))
		}
	})
}
