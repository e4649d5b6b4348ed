package lab

import (
	"crypto/tls"

	"github.com/mhealthsec/mhealthsec/probe/fakeserver"
	"github.com/mhealthsec/mhealthsec/probe/pki"
	"github.com/mhealthsec/mhealthsec/probe/result"
)

// fakeServers are the fleet members Go's crypto/tls cannot be: they speak the first flight
// of protocols and bugs no maintained library serves any more (probe/fakeserver). They
// never finish a handshake, so nothing that needs one (HTTP, HSTS, the certificate checks
// done with crypto/tls) is declared for them.
func fakeServers() []Server {
	return []Server{
		{
			Name: "sslv3-only", Description: "SSL 3.0 only (fake): RC4-SHA, DES-CBC3-SHA, AES128-SHA, RSA 2048",
			TLS: true, Cert: Cert{Key: pki.RSA2048},
			Fake: func(cert tls.Certificate) (Running, error) {
				return fakeserver.Start(fakeserver.SSLv3(fakeserver.SSLv3Options{Chain: cert.Certificate}))
			},
			Expect: Expect{
				Grades:    grades("F", "F", "F"),
				Why:       "SSL 3.0 is the best protocol → F (POODLE's C and RC4's B are higher caps)",
				Protocols: protocols(result.SSLv3),
				Vulns:     map[string]bool{"POODLE_SSL": true, "RC4": true, "SWEET32": true},
			},
		},
		{
			Name: "sslv2-only", Description: "SSL 2.0 only (fake): all seven SSL 2.0 cipher kinds, RSA 2048",
			TLS: true, Cert: Cert{Key: pki.RSA2048},
			Fake: func(cert tls.Certificate) (Running, error) {
				return fakeserver.Start(fakeserver.SSLv2(fakeserver.SSLv2Options{Certificate: cert.Certificate[0]}))
			},
			Expect: Expect{
				Grades:    grades("F", "F", "F"),
				Why:       "SSL 2.0 supported → F (all versions)",
				Protocols: protocols(result.SSLv2),
				Vulns:     map[string]bool{"DROWN": true},
			},
		},
	}
}
