package pki

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestIssueWithAIA(t *testing.T) {
	root, err := NewRoot("AIA Root")
	if err != nil {
		t.Fatal(err)
	}
	inter, err := root.NewIntermediate("AIA Intermediate")
	if err != nil {
		t.Fatal(err)
	}
	urls := []string{"http://127.0.0.1:1/a.crt", "http://127.0.0.1:1/b.p7c"}
	c, err := inter.Issue(LeafOptions{OmitIntermediates: true, IssuingCertificateURL: urls})
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Leaf.IssuingCertificateURL; strings.Join(got, " ") != strings.Join(urls, " ") {
		t.Errorf("caIssuers = %v, want %v", got, urls)
	}
	plain, err := inter.Issue(LeafOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(plain.Leaf.IssuingCertificateURL) != 0 {
		t.Errorf("leaf without option has caIssuers %v", plain.Leaf.IssuingCertificateURL)
	}
}

// TestServeIssuer fetches the published certificate in each encoding and checks that it
// is the authority's, decoding PEM and DER with the standard library.
func TestServeIssuer(t *testing.T) {
	root, err := NewRoot("Serve Root")
	if err != nil {
		t.Fatal(err)
	}
	inter, err := root.NewIntermediate("Serve Intermediate")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		enc    Encoding
		ctype  string
		suffix string
		decode func([]byte) []byte // to DER; nil when not decodable here
	}{
		{DER, "application/pkix-cert", ".crt", func(b []byte) []byte { return b }},
		{PEM, "application/x-pem-file", ".pem", func(b []byte) []byte {
			p, _ := pem.Decode(b)
			if p == nil {
				return nil
			}
			return p.Bytes
		}},
		{PKCS7, "application/pkcs7-mime", ".p7c", nil},
	}
	for _, tt := range tests {
		t.Run(tt.ctype, func(t *testing.T) {
			s, err := inter.ServeIssuer(tt.enc)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if !strings.HasPrefix(s.URL(), "http://127.0.0.1:") || !strings.HasSuffix(s.URL(), "/serve-intermediate"+tt.suffix) {
				t.Errorf("URL %q", s.URL())
			}
			resp, err := http.Get(s.URL())
			if err != nil {
				t.Fatal(err)
			}
			body, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != tt.ctype {
				t.Fatalf("status %d, content type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
			}
			if tt.decode == nil {
				return
			}
			if !bytes.Equal(tt.decode(body), inter.Cert.Raw) {
				t.Errorf("served body is not the intermediate's certificate")
			}
			other, err := http.Get(strings.TrimSuffix(s.URL(), tt.suffix) + ".other")
			if err != nil {
				t.Fatal(err)
			}
			other.Body.Close()
			if other.StatusCode != http.StatusNotFound {
				t.Errorf("other path: status %d, want 404", other.StatusCode)
			}
		})
	}
}

// TestPKCS7ReadByOpenSSL checks the PKCS#7 bundle against an independent reader.
func TestPKCS7ReadByOpenSSL(t *testing.T) {
	openssl, err := exec.LookPath("openssl")
	if err != nil {
		t.Skip("openssl not installed (CI installs it)")
	}
	root, err := NewRoot("P7 Root")
	if err != nil {
		t.Fatal(err)
	}
	inter, err := root.NewIntermediate("P7 Intermediate")
	if err != nil {
		t.Fatal(err)
	}
	der, err := Encode(PKCS7, inter.Cert, root.Cert)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "b.p7c")
	if err := os.WriteFile(path, der, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(openssl, "pkcs7", "-inform", "DER", "-in", path, "-print_certs").CombinedOutput()
	if err != nil {
		t.Fatalf("openssl pkcs7: %v\n%s", err, out)
	}
	var got [][]byte
	for rest := out; ; {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		got = append(got, b.Bytes)
	}
	if len(got) != 2 || !bytes.Equal(got[0], inter.Cert.Raw) || !bytes.Equal(got[1], root.Cert.Raw) {
		t.Errorf("openssl read %d certificates from the bundle, want the intermediate and the root in order\n%s", len(got), out)
	}
}

func TestEncodeErrors(t *testing.T) {
	root, err := NewRoot("E Root")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		enc   Encoding
		certs []*x509.Certificate
	}{
		{"none", PEM, nil},
		{"two as DER", DER, []*x509.Certificate{root.Cert, root.Cert}},
		{"unknown encoding", Encoding(9), []*x509.Certificate{root.Cert}},
	}
	for _, tt := range tests {
		if _, err := Encode(tt.enc, tt.certs...); err == nil {
			t.Errorf("%s: no error", tt.name)
		}
	}
}
