package probe_test

import (
	"fmt"
	"strings"

	"github.com/mhealthsec/mhealthsec/probe"
	"github.com/mhealthsec/mhealthsec/probe/result"
)

// A mail server speaks SSL 2.0 with the key the web server's certificate carries: the web
// server is DROWN-vulnerable through it. The API server has a key of its own.
func ExampleMarkDROWN() {
	key, other := strings.Repeat("a1", 32), strings.Repeat("b2", 32) // SPKI SHA-256, hex
	results := []result.Result{
		{Target: "mail.example.org:465", Source: result.SourceProbe,
			Protocols:        result.Protocols{SSLv2: result.Bool(true)},
			SSLv2Certificate: &result.CertificateID{SHA256: strings.Repeat("0c", 32), SPKISHA256: key}},
		{Target: "www.example.org:443", Source: result.SourceProbe,
			Protocols:   result.Protocols{SSLv2: result.Bool(false)},
			Certificate: &result.Certificate{KeyAlg: "RSA", SPKISHA256: key}},
		{Target: "api.example.org:443", Source: result.SourceProbe,
			Protocols:   result.Protocols{SSLv2: result.Bool(false)},
			Certificate: &result.Certificate{KeyAlg: "RSA", SPKISHA256: other}},
	}
	sum := probe.MarkDROWN(results)
	for _, r := range results {
		fmt.Printf("%s DROWN=%v same key as %q\n", r.Target, *r.Vulnerabilities.DROWN, r.Vulnerabilities.DROWNSameKey)
	}
	fmt.Println(sum)
	// Output:
	// mail.example.org:465 DROWN=true same key as []
	// www.example.org:443 DROWN=true same key as ["mail.example.org:465"]
	// api.example.org:443 DROWN=false same key as []
	// DROWN across services: 3 results, 1 SSL 2.0 keys, 1 endpoints vulnerable through another endpoint's SSL 2.0; www.example.org:443 (key of mail.example.org:465)
}
