package importer_test

import (
	"fmt"
	"os"
	"strings"

	"github.com/mhealthsec/mhealthsec/datasets/importer"
)

// Import a testssl.sh run against a server with an RSA and an ECDSA certificate: the first
// is the result's certificate, both are in Certificates.
func ExampleTestssl() {
	f, err := os.Open("testdata/testssl-3.0.8-nginx-multicert-flat.json")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer f.Close()
	rs, err := importer.Testssl(f, f.Name())
	if err != nil {
		fmt.Println(err)
		return
	}
	r := rs[0]
	fmt.Println(r.Target, r.Protocols.List())
	for _, c := range r.Certificates {
		fmt.Println(c.Subject, c.KeyAlg, c.KeyBits)
	}
	fmt.Println("started_at known:", !r.StartedAt.IsZero()) // flat files carry no time
	// Output:
	// localhost:44321 [TLS1_2 TLS1_3]
	// CN=localhost RSA 2048
	// CN=localhost EC 256
	// started_at known: false
}

// Tell what a file is before choosing the command that reads it.
func ExampleSniff() {
	for _, in := range []string{
		`{"host":"example.org","port":443,"status":"READY","endpoints":[]}`,
		`[{"id":"TLS1_2","ip":"example.org/192.0.2.1","port":"443","finding":"offered"}]`,
		`{"log":{"version":"1.2","entries":[]}}`,
		"\x0a\x0d\x0d\x0a\x1c\x00\x00\x00",
	} {
		f := importer.Sniff([]byte(in))
		fmt.Printf("%s: %s\n", f, f.Command())
	}
	_, err := importer.SSLLabs(strings.NewReader(`[{"id":"TLS1_2","ip":"h/192.0.2.1","port":"443","finding":"offered"}]`), "scan.json")
	fmt.Println(err)
	// Output:
	// SSL Labs API JSON: read it with `mhealthsec import ssllabs`
	// testssl.sh JSON: read it with `mhealthsec import testssl`
	// a HAR (HTTP archive): read it with `mhealthsec ingest har`
	// a pcapng capture: read it with `mhealthsec ingest pcap`
	// scan.json: this file is testssl.sh JSON, not SSL Labs API JSON: read it with `mhealthsec import testssl`
}
