package vuln

import (
	"context"
	"encoding/asn1"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mhealthsec/mhealthsec/probe/internal/peertest"
	"github.com/mhealthsec/mhealthsec/probe/pki"
	"github.com/mhealthsec/mhealthsec/probe/result"
)

func TestCommonPrimesTable(t *testing.T) {
	primes, err := commonPrimes()
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, p := range primes {
		// Not checked for primality: Socat's shared 1024-bit modulus is famously composite
		// (CVE-2016-2217), and it is in the table for being shared.
		if p.bits > 1024 || p.bits < 512 {
			t.Errorf("%s: %d bits; want 512 to 1024", p.name, p.bits)
		}
		names[strings.SplitN(p.name, "/", 2)[0]] = true
	}
	// The origins the Logjam paper names must be there.
	for _, want := range []string{"RFC2409", "RFC5114", "mod_ssl 2.2.x", "nginx", "openssl"} {
		if !names[want] {
			t.Errorf("no prime from %s in the table", want)
		}
	}
}

// dhParamsPEM writes p with generator 2 as an OpenSSL "DH PARAMETERS" file.
func dhParamsPEM(t *testing.T, p *big.Int) string {
	t.Helper()
	der, err := asn1.Marshal(struct{ P, G *big.Int }{p, big.NewInt(2)})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "dh.pem")
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "DH PARAMETERS", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestLogjamOnOpenSSL runs s_server with a 1024-bit DH group of its own (generated once,
// probe/enum/testdata/dh1024.pem) and with RFC 2409's Oakley group 2, the most shared
// 1024-bit prime: only the second is Logjam. The first stays weak for the grade.
func TestLogjamOnOpenSSL(t *testing.T) {
	t.Parallel()
	peertest.Tool(t, "openssl")
	primes, err := commonPrimes()
	if err != nil {
		t.Fatal(err)
	}
	var oakley2 *big.Int
	for _, p := range primes {
		if p.name == "RFC2409/Oakley Group 2" {
			oakley2 = p.p
		}
	}
	if oakley2 == nil {
		t.Fatal("RFC 2409 group 2 missing from the table")
	}
	cert := peertest.Leaf(t, pki.RSA2048)
	tests := []struct {
		name, dhparam, want, noteHas string
	}{
		{"unique 1024-bit group", filepath.Join("..", "enum", "testdata", "dh1024.pem"), "false", "not a widely shared prime"},
		{"RFC 2409 group 2", dhParamsPEM(t, oakley2), "true", "RFC2409/Oakley Group 2"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dial := opensslServer(t, cert, "-dhparam", tc.dhparam, "-cipher", "DHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:@SECLEVEL=0")
			r := protocols(result.TLS12)
			r.Ciphers = []result.Cipher{
				{Protocol: result.TLS12, ID: "0x009e", Name: "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256", Kx: "DHE", KxBits: 1024, Group: "dh1024"},
				{Protocol: result.TLS12, ID: "0xc02f", Name: "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", Kx: "ECDHE", KxBits: 253, Group: "x25519"},
			}
			Check(context.Background(), Config{Dial: dial, SNI: "localhost", Timeout: 3 * time.Second}, r)
			note := r.Vulnerabilities.Notes["LOGJAM"]
			if got := tri(r.Vulnerabilities.LOGJAM); got != tc.want || !strings.Contains(note, tc.noteHas) {
				t.Errorf("LOGJAM = %s (%q), want %s with a note naming %q", got, note, tc.want, tc.noteHas)
			}
		})
	}
}
