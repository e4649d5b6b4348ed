package pki

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"strings"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// Encoding is how an issuer certificate is published at a caIssuers URL. RFC 5280
// (4.2.2.1) asks for DER or a PKCS#7 certs-only bundle; some CAs serve PEM anyway.
type Encoding int

// Encodings.
const (
	DER   Encoding = iota // one certificate, DER (application/pkix-cert)
	PEM                   // PEM CERTIFICATE blocks
	PKCS7                 // degenerate PKCS#7 SignedData holding only certificates (application/pkcs7-mime)
)

// Encode writes certs in enc. DER takes exactly one certificate.
func Encode(enc Encoding, certs ...*x509.Certificate) ([]byte, error) {
	if len(certs) == 0 {
		return nil, errors.New("pki: encode: no certificate")
	}
	switch enc {
	case DER:
		if len(certs) != 1 {
			return nil, fmt.Errorf("pki: encode: DER holds one certificate, got %d", len(certs))
		}
		return append([]byte(nil), certs[0].Raw...), nil
	case PEM:
		var out []byte
		for _, c := range certs {
			out = append(out, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})...)
		}
		return out, nil
	case PKCS7:
		return certsOnlyPKCS7(certs), nil
	}
	return nil, fmt.Errorf("pki: encode: unknown encoding %d", enc)
}

// OIDs of PKCS#7 (RFC 2315) content types.
var (
	oidSignedData = []int{1, 2, 840, 113549, 1, 7, 2}
	oidData       = []int{1, 2, 840, 113549, 1, 7, 1}
)

// certsOnlyPKCS7 builds ContentInfo{signedData, SignedData{version 1, no digest
// algorithms, empty data content, certificates, no signers}}: what `openssl crl2pkcs7
// -nocrl` writes and what CAs serve as .p7c.
func certsOnlyPKCS7(certs []*x509.Certificate) []byte {
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1ObjectIdentifier(oidSignedData)
		b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1Int64(1)
				b.AddASN1(cbasn1.SET, func(*cryptobyte.Builder) {})
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { b.AddASN1ObjectIdentifier(oidData) })
				b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
					for _, c := range certs {
						b.AddBytes(c.Raw)
					}
				})
				b.AddASN1(cbasn1.SET, func(*cryptobyte.Builder) {})
			})
		})
	})
	return b.BytesOrPanic() // only fixed structure and already-encoded certificates go in
}

// IssuerServer publishes a CA certificate over plain HTTP on 127.0.0.1, as CAs do at the
// caIssuers URL of Authority Information Access, so that tests and the lab can serve
// incomplete chains a client can complete. Close stops it.
type IssuerServer struct {
	url  string
	srv  *http.Server
	done chan struct{}
}

// ServeIssuer starts an IssuerServer for a's own certificate in enc.
func (a *Authority) ServeIssuer(enc Encoding) (*IssuerServer, error) {
	body, err := Encode(enc, a.Cert)
	if err != nil {
		return nil, err
	}
	ctype, ext := "application/pkix-cert", ".crt"
	switch enc {
	case PEM:
		ctype, ext = "application/x-pem-file", ".pem"
	case PKCS7:
		ctype, ext = "application/pkcs7-mime", ".p7c"
	}
	path := "/" + slug(a.Cert.Subject.CommonName) + ext
	return ServeBody(path, ctype, body)
}

// ServeBody serves body with content type ctype at path (and 404 elsewhere) over plain
// HTTP on 127.0.0.1: for publishing any bytes at a caIssuers URL, broken ones included.
func ServeBody(path, ctype string, body []byte) (*IssuerServer, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("pki: issuer server: %w", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+path, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", ctype)
		w.Write(body)
	})
	s := &IssuerServer{
		url: "http://" + ln.Addr().String() + path,
		srv: &http.Server{
			Handler:           mux,
			ReadHeaderTimeout: 10 * time.Second,
			ErrorLog:          log.New(io.Discard, "", 0),
		},
		done: make(chan struct{}),
	}
	go func() {
		defer close(s.done)
		_ = s.srv.Serve(ln) // http.ErrServerClosed after Close
	}()
	return s, nil
}

// URL is where the certificate is served: "http://127.0.0.1:port/name.crt".
func (s *IssuerServer) URL() string { return s.url }

// Close stops the server and returns once its goroutine has ended.
func (s *IssuerServer) Close() error {
	err := s.srv.Close()
	<-s.done
	return err
}

// slug makes a URL path segment of a certificate name.
func slug(name string) string {
	s := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-':
			return r
		case r >= 'A' && r <= 'Z':
			return r + 'a' - 'A'
		}
		return '-'
	}, name)
	if s == "" {
		return "issuer"
	}
	return s
}
