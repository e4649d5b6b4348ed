package lab

import (
	"crypto/tls"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"slices"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/ocsp"
)

// crlServer serves the fleet intermediate's CRL over plain HTTP on loopback, for
// Cert.Revoked leaves. The CRL lists those leaves, so it is set after they are issued.
type crlServer struct {
	srv *http.Server
	url string
	crl atomic.Pointer[[]byte]
}

func startCRLServer() (*crlServer, error) {
	ln, err := net.Listen("tcp", net.JoinHostPort(Loopback, "0"))
	if err != nil {
		return nil, err
	}
	c := &crlServer{url: "http://" + ln.Addr().String() + "/lab-intermediate.crl"}
	c.srv = &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		body := c.crl.Load()
		if body == nil {
			http.Error(w, "CRL not issued yet", http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "application/pkix-crl")
		w.Write(*body)
	}), ReadHeaderTimeout: 5 * time.Second}
	go c.srv.Serve(ln)
	return c, nil
}

func (c *crlServer) Close() error { return c.srv.Close() }

// revocationExtras issues the CRL listing the Cert.Revoked leaves, and staples to each
// Cert.Staple leaf a good OCSP response signed by the intermediate (what a server gets
// from its CA's responder and serves with every handshake).
func (f *Fleet) revocationExtras(servers []Server, certs []tls.Certificate) error {
	now := time.Now()
	if f.crls != nil {
		var revoked []*big.Int
		for i, s := range servers {
			if s.Cert.Revoked {
				revoked = append(revoked, certs[i].Leaf.SerialNumber)
			}
		}
		body, err := f.inter.CRLOfSerials(revoked, now.Add(-time.Hour), now)
		if err != nil {
			return fmt.Errorf("lab: CRL: %w", err)
		}
		f.crls.crl.Store(&body)
	}
	for i, s := range servers {
		if !s.Cert.Staple {
			continue
		}
		der, err := ocsp.CreateResponse(f.inter.Cert, f.inter.Cert, ocsp.Response{
			Status: ocsp.Good, SerialNumber: certs[i].Leaf.SerialNumber,
			ThisUpdate: now.Add(-time.Hour), NextUpdate: now.Add(7 * 24 * time.Hour),
		}, f.inter.Key)
		if err != nil {
			return fmt.Errorf("lab: OCSP response for %s: %w", s.Name, err)
		}
		certs[i].OCSPStaple = der
	}
	return nil
}

func needsCRL(servers []Server) bool {
	return slices.ContainsFunc(servers, func(s Server) bool { return s.Cert.Revoked })
}
