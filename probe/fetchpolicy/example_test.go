package fetchpolicy_test

import (
	"fmt"
	"net/netip"

	"github.com/mhealthsec/mhealthsec/probe/fetchpolicy"
)

// A public target's certificate may not send the probe to cloud metadata, an
// IPv4-mapped private address or an ldap:// URL; a public http:// URL on port 80 is fine.
func ExamplePolicy_CheckURL() {
	p := fetchpolicy.Policy{Target: netip.MustParseAddrPort("93.184.216.34:443")}
	for _, u := range []string{
		"http://169.254.169.254/latest/meta-data/",
		"http://[::ffff:10.0.0.1]/ca.crt",
		"ldap://ldap.example/cn=CA",
		"http://93.184.216.35:8080/ca.crt",
		"http://93.184.216.35/ca.crt",
	} {
		if _, err := p.CheckURL(u); err != nil {
			fmt.Println(u, err)
			continue
		}
		fmt.Println(u, "allowed")
	}
	// Output:
	// http://169.254.169.254/latest/meta-data/ refused by the fetch policy (rule address): 169.254.169.254 is link-local, the target 93.184.216.34 is public (allowed: public)
	// http://[::ffff:10.0.0.1]/ca.crt refused by the fetch policy (rule address): ::ffff:10.0.0.1 is private, the target 93.184.216.34 is public (allowed: public)
	// ldap://ldap.example/cn=CA refused by the fetch policy (rule scheme): scheme "ldap": only http:// is fetched
	// http://93.184.216.35:8080/ca.crt refused by the fetch policy (rule port): port 8080 of 93.184.216.35: only 80, 443 and the target's port 443
	// http://93.184.216.35/ca.crt allowed
}

func ExampleClassify() {
	for _, a := range []string{"93.184.216.34", "100.64.0.1", "fd00::1", "64:ff9b::7f00:1", "2002:c0a8:101::1"} {
		fmt.Println(a, fetchpolicy.Classify(netip.MustParseAddr(a)))
	}
	// Output:
	// 93.184.216.34 public
	// 100.64.0.1 CGNAT
	// fd00::1 private
	// 64:ff9b::7f00:1 loopback
	// 2002:c0a8:101::1 private
}
