package importer

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/mhealthsec/mhealthsec/probe/result"
)

func readTestdata(t *testing.T, name string, fn func(*os.File, string) ([]result.Result, error)) []result.Result {
	t.Helper()
	f, err := os.Open("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rs, err := fn(f, name)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return rs
}

func testsslFile(f *os.File, name string) ([]result.Result, error) { return Testssl(f, name) }
func labsFile(f *os.File, name string) ([]result.Result, error)    { return SSLLabs(f, name) }

func boolp(p *bool) string {
	if p == nil {
		return "null"
	}
	if *p {
		return "true"
	}
	return "false"
}

func findCipher(r result.Result, p result.Protocol, id string) (result.Cipher, bool) {
	for _, c := range r.Ciphers {
		if c.Protocol == p && c.ID == id {
			return c, true
		}
	}
	return result.Cipher{}, false
}

// TestTestsslRealRuns reads the JSON of real testssl.sh 3.0.8 runs against openssl s_server
// on loopback (flat default run; pretty run with -p -E -S -h -U).
func TestTestsslRealRuns(t *testing.T) {
	t.Run("flat default run", func(t *testing.T) {
		rs := readTestdata(t, "testssl-3.0.8-default-flat.json", testsslFile)
		if len(rs) != 1 {
			t.Fatalf("got %d results, want 1", len(rs))
		}
		r := rs[0]
		if r.Target != "127.0.0.1:44301" || r.Source != result.SourceTestssl || r.Error != nil {
			t.Errorf("target %q source %q error %v", r.Target, r.Source, r.Error)
		}
		wantProtos := map[result.Protocol]string{result.SSLv2: "false", result.SSLv3: "false", result.TLS10: "false",
			result.TLS11: "false", result.TLS12: "true", result.TLS13: "true"}
		for p, want := range wantProtos {
			if got := boolp(r.Protocols.Get(p)); got != want {
				t.Errorf("protocol %s = %s, want %s", p, got, want)
			}
		}
		// 23 cipher_x findings: 3 TLS 1.3 suites, 20 placed under TLS 1.2.
		if len(r.Ciphers) != 23 {
			t.Errorf("got %d ciphers, want 23", len(r.Ciphers))
		}
		if c, ok := findCipher(r, result.TLS13, "0x1301"); !ok || !c.AEAD || !c.ForwardSecrecy {
			t.Errorf("TLS 1.3 suite 0x1301: %+v %v", c, ok)
		}
		c, ok := findCipher(r, result.TLS12, "0xc02f")
		if !ok || c.Name != "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256" || c.Kx != "ECDHE" || c.KxBits != 253 || c.Bits != 128 || !c.AEAD {
			t.Errorf("0xc02f = %+v (found %v)", c, ok)
		}
		if c, _ := findCipher(r, result.TLS12, "0x002f"); c.Kx != "RSA" || c.ForwardSecrecy || c.AEAD || c.Cipher != "AES" {
			t.Errorf("0x002f = %+v", c)
		}
		cert := r.Certificate
		if cert == nil || cert.Subject != "CN=localhost" || boolp(cert.Trusted) != "false" || !cert.SelfSigned || !cert.HostnameMatch ||
			cert.KeyAlg != "RSA" || cert.KeyBits != 2048 || cert.SigAlg != "SHA256-RSA" || cert.NotAfter == nil {
			t.Errorf("certificate = %+v", cert)
		}
		if r.HTTP == nil || r.HTTP.Status != 200 || r.HTTP.HSTS == nil || r.HTTP.HSTS.Present {
			t.Errorf("http = %+v", r.HTTP)
		}
		v := r.Vulnerabilities
		if boolp(v.Heartbleed) != "false" || boolp(v.SecureRenego) != "true" || boolp(v.LUCKY13) != "true" ||
			boolp(v.FallbackSCSV) != "null" || boolp(v.RC4) != "false" {
			t.Errorf("vulnerabilities heartbleed %s renego %s lucky13 %s scsv %s rc4 %s", boolp(v.Heartbleed),
				boolp(v.SecureRenego), boolp(v.LUCKY13), boolp(v.FallbackSCSV), boolp(v.RC4))
		}
		if r.ServerOrder[result.TLS12] {
			t.Errorf("server order = %v, want false (NOT a cipher order configured)", r.ServerOrder)
		}
		if r.Grade != nil {
			t.Errorf("testssl 3.0 gives no grade, got %+v", r.Grade)
		}
		// chrome 79 and 101, firefox 66 and 100, edge 15 and 101, safari 12.1, 13.0, 15.4;
		// edge 15 negotiated ECDHE-RSA-AES256-GCM-SHA384, named as IANA's.
		if len(r.ModernClients) != 9 || r.ModernClients[4].Cipher != "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384" || r.ModernClients[4].ID != "0xc030" || r.ModernClient == nil || r.ModernClient.Client != "chrome_79_win10" ||
			r.ModernClient.Protocol != result.TLS13 || r.ModernClient.Cipher != "TLS_AES_128_GCM_SHA256" || r.ModernClient.ID != "0x1301" {
			t.Errorf("modern clients = %+v", r.ModernClients)
		}
	})
	t.Run("pretty -E run", func(t *testing.T) {
		rs := readTestdata(t, "testssl-3.0.8-pEShU-pretty.json", testsslFile)
		if len(rs) != 1 {
			t.Fatalf("got %d results, want 1", len(rs))
		}
		r := rs[0]
		if r.Port != 44302 || r.StartedAt.IsZero() {
			t.Errorf("port %d started %v", r.Port, r.StartedAt)
		}
		if !r.Protocols.Supported(result.TLS12) || boolp(r.Protocols.Get(result.TLS13)) != "false" {
			t.Errorf("protocols %+v", r.Protocols.List())
		}
		if len(r.Ciphers) != 1 || r.Ciphers[0].ID != "0x002f" || r.Ciphers[0].Protocol != result.TLS12 {
			t.Errorf("ciphers = %+v", r.Ciphers)
		}
		if c := r.Certificate; c == nil || c.Subject != "CN=localhost" || !c.SelfSigned || c.ChainLen != 1 {
			t.Errorf("certificate (-S) = %+v", c)
		}
	})
}

// TestTestsslRealGoServer reads a real testssl.sh 3.0.8 default run (--jsonfile-pretty)
// against a Go crypto/tls server on loopback that sends HSTS, with a certificate from
// probe/pki's untrusted test root.
func TestTestsslRealGoServer(t *testing.T) {
	rs := readTestdata(t, "testssl-3.0.8-gotls-pretty.json", testsslFile)
	if len(rs) != 1 {
		t.Fatalf("got %d results", len(rs))
	}
	r := rs[0]
	if got := r.Protocols.List(); len(got) != 2 || got[0] != result.TLS12 || got[1] != result.TLS13 {
		t.Errorf("protocols = %v, want TLS1_2 TLS1_3 (Go's defaults)", got)
	}
	h := r.HTTP
	if h == nil || h.Status != 200 || h.HSTS == nil || !h.HSTS.Present || h.HSTS.MaxAge != 31536000 || !h.HSTS.IncludeSubdomains || h.HSTS.Preload {
		t.Errorf("http = %+v hsts %+v", h, h.HSTS)
	}
	c := r.Certificate
	if c == nil || c.Subject != "CN=localhost" || boolp(c.Trusted) != "false" || c.SelfSigned || c.ChainComplete || !c.HostnameMatch {
		t.Errorf("certificate = %+v", c)
	}
	if !r.ServerOrder[result.TLS12] {
		t.Errorf("server order = %v, want TLS1_2 true (Go chooses)", r.ServerOrder)
	}
	for _, ci := range r.Ciphers {
		if ci.Cipher == "RC4" || ci.Cipher == "3DES" || !ci.ForwardSecrecy && ci.Protocol == result.TLS13 {
			t.Errorf("unexpected suite %+v", ci)
		}
	}
}

func TestTestsslHandwritten32(t *testing.T) {
	rs := readTestdata(t, "testssl-3.2-handwritten.json", testsslFile)
	if len(rs) != 2 {
		t.Fatalf("got %d results, want 2 (one per endpoint)", len(rs))
	}
	r := rs[0]
	if r.Host != "api.example.org" || r.IP != "203.0.113.7" || r.SNI != "api.example.org" {
		t.Errorf("host %q ip %q sni %q", r.Host, r.IP, r.SNI)
	}
	if got := r.Protocols.List(); len(got) != 4 || got[0] != result.SSLv3 {
		t.Errorf("protocols = %v, want SSLv3..TLS1_2", got)
	}
	if c, ok := findCipher(r, result.SSLv3, "0x0005"); !ok || c.Cipher != "RC4" {
		t.Errorf("RC4 under SSLv3: %+v %v", c, ok)
	}
	if c, ok := findCipher(r, result.TLS10, "0x000a"); !ok || c.Cipher != "3DES" || c.BlockBits != 64 {
		t.Errorf("3DES under TLS1: %+v %v", c, ok)
	}
	if c, _ := findCipher(r, result.TLS12, "0x009f"); c.Kx != "DHE" || c.KxBits != 1024 {
		t.Errorf("DHE suite: %+v", c)
	}
	if !r.ServerOrder[result.TLS12] || r.ServerOrder[result.TLS10] {
		t.Errorf("server order = %v", r.ServerOrder)
	}
	cert := r.Certificate
	if cert == nil || cert.Subject != "CN=api.example.org" || cert.KeyBits != 2048 || boolp(cert.Trusted) != "true" || len(cert.SAN) != 2 ||
		cert.ChainLen != 2 || !cert.ChainOrderOK || cert.Expired {
		t.Errorf("certificate (#1 only) = %+v", cert)
	}
	if h := r.HTTP; h == nil || h.Status != 301 || h.HSTS == nil || !h.HSTS.Present || h.HSTS.MaxAge != 31536000 || !h.HSTS.IncludeSubdomains || !h.HSTS.Preload {
		t.Errorf("http = %+v", r.HTTP)
	}
	v := r.Vulnerabilities
	for name, got := range map[string]*bool{"CCS": v.CCS, "POODLE_SSL": v.POODLESSL, "SWEET32": v.SWEET32, "RC4": v.RC4} {
		if boolp(got) != "true" {
			t.Errorf("%s = %s, want true", name, boolp(got))
		}
	}
	if boolp(v.ROBOT) != "null" || v.Notes["ROBOT"] == "" {
		t.Errorf("ROBOT (WARN) = %s note %q, want null with a note", boolp(v.ROBOT), v.Notes["ROBOT"])
	}
	if boolp(v.FallbackSCSV) != "false" || boolp(v.Heartbleed) != "false" || boolp(v.Ticketbleed) != "null" {
		t.Errorf("scsv %s heartbleed %s ticketbleed %s", boolp(v.FallbackSCSV), boolp(v.Heartbleed), boolp(v.Ticketbleed))
	}
	g := r.Grade
	if g == nil || g.Letter != "F" || g.Score != 78 || g.Cipher != 60 || g.Criteria != "2009q" || g.GradedBy != "testssl" || len(g.Caps) != 2 || g.TrustIgnored != "F" {
		t.Errorf("grade = %+v", g)
	}
	down := rs[1]
	if down.Target != "down.example.org:8443" || down.Error == nil || down.Error.Kind != result.ErrConnect || down.Grade != nil {
		t.Errorf("failed endpoint = %+v", down)
	}
}

func TestSSLLabsHandwritten(t *testing.T) {
	rs := readTestdata(t, "ssllabs-v3-handwritten.json", labsFile)
	if len(rs) != 4 {
		t.Fatalf("got %d results, want 4 (2 endpoints + 1 + failed host)", len(rs))
	}
	r := rs[0]
	if r.Target != "api.example.org:443" || r.IP != "203.0.113.7" || r.Source != "ssllabs" || r.DurationMS != 81234 {
		t.Errorf("identity %+v", r)
	}
	if got := r.Protocols.List(); len(got) != 2 || got[0] != result.TLS10 || got[1] != result.TLS12 {
		t.Errorf("protocols = %v", got)
	}
	if boolp(r.Protocols.Get(result.SSLv3)) != "false" {
		t.Errorf("unlisted SSLv3 should be false (SSL Labs tests all)")
	}
	if len(r.Ciphers) != 4 {
		t.Errorf("ciphers = %d, want 4", len(r.Ciphers))
	}
	if c, ok := findCipher(r, result.TLS12, "0xc02f"); !ok || c.Kx != "ECDHE" || c.KxBits != 256 || c.Group != "secp256r1" || !c.ForwardSecrecy {
		t.Errorf("0xc02f = %+v", c)
	}
	if c, ok := findCipher(r, result.TLS10, "0x0033"); !ok || c.Kx != "DHE" || c.KxBits != 1024 {
		t.Errorf("0x0033 = %+v", c)
	}
	if !r.ServerOrder[result.TLS12] || r.ServerOrder[result.TLS10] {
		t.Errorf("server order = %v", r.ServerOrder)
	}
	v := r.Vulnerabilities
	checks := []struct {
		name string
		got  *bool
		want string
	}{
		{"heartbleed", v.Heartbleed, "false"}, {"CCS", v.CCS, "false"}, {"ROBOT inconsistent", v.ROBOT, "null"},
		{"BEAST", v.BEAST, "true"}, {"SWEET32 from suites", v.SWEET32, "true"}, {"RC4", v.RC4, "false"},
		{"secure_renego", v.SecureRenego, "true"}, {"insecure renego", v.InsecureRenego, "false"},
		{"CRIME", v.CRIME, "false"}, {"fallback", v.FallbackSCSV, "true"}, {"BREACH untested", v.BREACH, "null"},
	}
	for _, c := range checks {
		if boolp(c.got) != c.want {
			t.Errorf("%s = %s, want %s", c.name, boolp(c.got), c.want)
		}
	}
	cert := r.Certificate
	if cert == nil || boolp(cert.Trusted) != "true" || cert.SelfSigned || !cert.HostnameMatch || cert.ChainLen != 2 || !cert.SHA1InChain ||
		cert.Revoked == nil || *cert.Revoked || cert.Issuer != "CN=Example CA, O=Example Org, C=US" {
		t.Errorf("certificate = %+v", cert)
	}
	if r.HTTP == nil || r.HTTP.HSTS == nil || !r.HTTP.HSTS.Present || r.HTTP.HSTS.MaxAge != 31536000 || r.HTTP.Server != "nginx" {
		t.Errorf("http = %+v", r.HTTP)
	}
	if r.ModernClient == nil || r.ModernClient.Protocol != result.TLS12 || len(r.ModernClients) != 1 {
		t.Errorf("modern clients = %+v", r.ModernClients)
	}
	if g := r.Grade; g == nil || g.Letter != "B" || g.Criteria != "2009q" || g.GradedBy != "ssllabs" {
		t.Errorf("grade = %+v", g)
	}
	if e := rs[1]; e.IP != "2001:db8::7" || e.Error == nil || e.Error.Kind != result.ErrConnect || e.Grade != nil {
		t.Errorf("unreachable endpoint = %+v", e)
	}
	ss := rs[2]
	if ss.Grade == nil || ss.Grade.Letter != "T" || ss.Grade.TrustIgnored != "A" || ss.Grade.Criteria != "2009p" {
		t.Errorf("self-signed grade = %+v", ss.Grade)
	}
	if c := ss.Certificate; c == nil || boolp(c.Trusted) != "false" || !c.SelfSigned || c.TrustError != "self-signed" {
		t.Errorf("self-signed certificate = %+v", c)
	}
	if boolp(ss.Vulnerabilities.CCS) != "true" || boolp(ss.Vulnerabilities.CRIME) != "true" || boolp(ss.Vulnerabilities.InsecureRenego) != "true" {
		t.Errorf("self-signed vulns %+v", ss.Vulnerabilities)
	}
	if ss.HTTP == nil || ss.HTTP.HSTS == nil || ss.HTTP.HSTS.Present {
		t.Errorf("hsts absent: %+v", ss.HTTP)
	}
	if g := rs[3]; g.Error == nil || g.Error.Kind != result.ErrDNS || g.Target != "gone.example.com:443" {
		t.Errorf("failed host = %+v", g)
	}
}

func TestSSLLabsSingleHostObject(t *testing.T) {
	in := `{"host":"a.example","port":443,"criteriaVersion":"2009r","endpoints":[{"ipAddress":"192.0.2.1","statusMessage":"Ready","grade":"A+"}]}`
	rs, err := SSLLabs(strings.NewReader(in), "one.json")
	if err != nil || len(rs) != 1 || rs[0].Grade.Letter != "A+" || rs[0].Grade.Criteria != "2009r" {
		t.Fatalf("%v %+v", err, rs)
	}
	if rs[0].Protocols.Get(result.TLS12) != nil {
		t.Errorf("no details: protocols must stay null")
	}
}

func TestSSLLabsV2StyleCertificate(t *testing.T) {
	in := `{"host":"old.example","port":443,"criteriaVersion":"2009l","endpoints":[{"ipAddress":"192.0.2.9","statusMessage":"Ready","grade":"B",
	  "details":{"protocols":[{"id":771,"name":"TLS","version":"1.2"}],
	    "key":{"size":1024,"alg":"RSA","debianFlaw":false},
	    "cert":{"subject":"CN=old.example","altNames":["old.example"],"issuerSubject":"CN=Old CA","sigAlg":"SHA1withRSA","issues":8,"notAfter":1700000000000},
	    "chain":{"issues":2,"certs":[{"subject":"CN=old.example"},{"subject":"CN=Old CA","issuerSubject":"CN=Root","sigAlg":"SHA1withRSA"}]}}}]}`
	rs, err := SSLLabs(strings.NewReader(in), "v2.json")
	if err != nil {
		t.Fatal(err)
	}
	c := rs[0].Certificate
	if c == nil || c.KeyBits != 1024 || c.KeyAlg != "RSA" || c.HostnameMatch || c.ChainComplete || c.ChainLen != 2 || !c.SHA1InChain {
		t.Errorf("certificate = %+v", c)
	}
}

func TestImportErrorsNameFileAndPath(t *testing.T) {
	tests := []struct {
		name    string
		labs    bool
		in      string
		wantMsg []string
	}{
		{"labs type", true, `[{"host":"a","endpoints":[{"ipAddress":"1.2.3.4","details":{"protocols":[{"id":"771"}]}}]}]`,
			[]string{"in.json", "$[0].endpoints[0]", "details.protocols.id"}},
		{"labs protocol id", true, `{"host":"a","endpoints":[{"details":{"protocols":[{"id":771},{"id":999}]}}]}`,
			[]string{"in.json", "$.endpoints[0].details.protocols[1].id", "0x03e7"}},
		{"labs not a host", true, `[{"foo":1}]`, []string{"$[0].host"}},
		{"labs syntax", true, "[\n{\"host\":\n", []string{"in.json:2: "}},
		{"labs missing cert", true, `{"host":"a","endpoints":[{"details":{"certChains":[{"certIds":["x"]}]}}]}`, []string{"certIds[0]"}},
		{"testssl protocol", false, `[{"id":"TLS1_2","ip":"a/1.2.3.4","port":"443","severity":"OK","finding":"maybe"}]`,
			[]string{"in.json", "$[0].finding", "maybe"}},
		{"testssl cipher", false, `[{"id":"cipher_xc02f","ip":"a/1.2.3.4","port":"443","finding":"garbage"}]`,
			[]string{"$[0].finding"}},
		{"testssl port", false, `[{"id":"TLS1","ip":"a/1.2.3.4","port":"http","finding":"offered"}]`, []string{"$[0].port"}},
		{"testssl pretty", false, `{"scanResult":[{"ip":"1.2.3.4","port":"443","protocols":[{"id":"SSLv3","finding":"huh"}]}]}`,
			[]string{"$.scanResult[0].protocols[0].finding"}},
		{"testssl pretty type", false, `{"scanResult":[{"protocols":[{"id":3}]}]}`, []string{"$.scanResult[0].protocols", "id"}},
		{"testssl not testssl", false, `{"foo":[]}`, []string{"$.scanResult"}},
		{"testssl date", false, `[{"id":"cert_notAfter","ip":"a/1","port":"443","finding":"tomorrow"}]`, []string{"$[0].finding", "tomorrow"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var err error
			if tt.labs {
				_, err = SSLLabs(strings.NewReader(tt.in), "in.json")
			} else {
				_, err = Testssl(strings.NewReader(tt.in), "in.json")
			}
			var pe *PathError
			if !errors.As(err, &pe) {
				t.Fatalf("err = %v, want *PathError", err)
			}
			for _, w := range tt.wantMsg {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

// TestImportedResultsRoundTrip writes imported results as JSONL and reads them back with
// the probe result reader, so nothing an importer produces is unreadable downstream.
func TestImportedResultsRoundTrip(t *testing.T) {
	var all []result.Result
	all = append(all, readTestdata(t, "testssl-3.0.8-default-flat.json", testsslFile)...)
	all = append(all, readTestdata(t, "testssl-3.2-handwritten.json", testsslFile)...)
	all = append(all, readTestdata(t, "ssllabs-v3-handwritten.json", labsFile)...)
	var buf bytes.Buffer
	w := result.NewWriter(&buf)
	for _, r := range all {
		if err := w.Write(r); err != nil {
			t.Fatal(err)
		}
	}
	n := 0
	if err := result.ReadJSONL(&buf, "roundtrip", func(int, result.Result) error { n++; return nil }); err != nil {
		t.Fatal(err)
	}
	if n != len(all) {
		t.Fatalf("read back %d of %d", n, len(all))
	}
}

// Fuzz seeds are small on purpose: the fuzzer mutates and minimizes inputs of the seeds'
// size, and a 40 KiB testssl.sh run costs a hundred times what a 400-byte one does while
// reaching no more code. Together they reach every handler, both certificate id forms,
// testssl.sh 2.9, SSL Labs v2 and v3, URL hosts, a byte-order mark and the wrong-format path.
var (
	testsslSeeds = []string{
		`[{"id":"TLS1_2","ip":"h.example/192.0.2.1","port":"443","severity":"OK","finding":"offered"},
{"id":"TLS1_3","ip":"h.example/192.0.2.1","port":"443","severity":"OK","finding":"offered with final"},
{"id":"cipher_xc02f","ip":"h.example/192.0.2.1","port":"443","finding":"xc02f ECDHE-RSA-AES128-GCM-SHA256 ECDH 253 AESGCM 128 TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"},
{"id":"cipher-tls1_2_x9c","ip":"h.example/192.0.2.1","port":"443","finding":"x9c AES128-GCM-SHA256 RSA AESGCM 128 TLS_RSA_WITH_AES_128_GCM_SHA256"},
{"id":"cipher_order","ip":"h.example/192.0.2.1","port":"443","finding":"server"},
{"id":"cert_keySize <cert#1>","ip":"h.example/192.0.2.1","port":"443","finding":"RSA 2048 bits"},
{"id":"cert_keySize <cert#2>","ip":"h.example/192.0.2.1","port":"443","finding":"EC 256 bits"},
{"id":"cert_notAfter <cert#2>","ip":"h.example/192.0.2.1","port":"443","finding":"2030-01-01 00:00"},
{"id":"certs_countServer <cert#1>","ip":"h.example/192.0.2.1","port":"443","finding":"2"},
{"id":"HSTS_time","ip":"h.example/192.0.2.1","port":"443","finding":"365 days (=31536000 seconds)"},
{"id":"HTTP_status_code","ip":"h.example/192.0.2.1","port":"443","finding":"200 OK"},
{"id":"heartbleed","ip":"h.example/192.0.2.1","port":"443","severity":"OK","finding":"not vulnerable"},
{"id":"fallback_SCSV","ip":"h.example/192.0.2.1","port":"443","severity":"WARN","finding":"test failed"},
{"id":"clientsimulation-chrome_79_win10","ip":"h.example/192.0.2.1","port":"443","finding":"TLSv1.3 ECDHE-RSA-AES128-GCM-SHA256"},
{"id":"overall_grade","ip":"h.example/192.0.2.1","port":"443","finding":"B"},
{"id":"final_score","ip":"h.example/192.0.2.1","port":"443","finding":"n/a"},
{"id":"rating_spec","ip":"h.example/192.0.2.1","port":"443","finding":"SSL Labs 2009q"}]`,
		`{"Invocation":"testssl -p","version":"3.2.0 ","startTime":"1700000000","scanResult":[{"targetHost":"h.example","ip":"192.0.2.1","port":"8443",
"protocols":[{"id":"SSLv3","severity":"OK","finding":"not offered"}],
"serverDefaults":[{"id":"cert_commonName <hostCert#1>","finding":"h.example"},{"id":"cert_subjectAltName <hostCert#1>","finding":"h.example"}],
"vulnerabilities":[{"id":"ROBOT","severity":"WARN","finding":"check failed"}],"rating":[{"id":"grade_cap_reason_1","finding":"x"}]}]}`,
		`[{"id":"sslv2","ip":"h/192.0.2.1","port":"443","finding":"not offered"}]`,
		`{"version":"2.9.5-7","scanResult":[]}`,
		"\xef\xbb\xbf" + `[{"id":"scanProblem","ip":"h/192.0.2.1","port":"443","severity":"FATAL","finding":"Can't connect"}]`,
		`{"host":"h.example","status":"READY","endpoints":[]}`,
	}
	labsSeeds = []string{
		`{"host":"h.example","port":443,"status":"READY","startTime":1700000000000,"criteriaVersion":"2009q","certs":[{"id":"c1","subject":"CN=h.example","keyAlg":"EC","keySize":256,"issues":0}],
"endpoints":[{"ipAddress":"192.0.2.1","statusMessage":"Ready","grade":"A","details":{"protocols":[{"id":771},{"id":772}],
"suites":[{"protocol":771,"preference":true,"list":[{"id":49199,"name":"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256","cipherStrength":128,"kxType":"ECDH","namedGroupBits":256}]}],
"certChains":[{"certIds":["c1"],"trustPaths":[{"trust":[{"rootStore":"Mozilla","isTrusted":true}]}]}],
"hstsPolicy":{"status":"present","maxAge":31536000},"renegSupport":2,"openSslCcs":1,"bleichenbacher":1,
"sims":{"results":[{"client":{"name":"Chrome","isReference":true},"protocolId":772,"suiteId":4865}]}}}]}`,
		`[{"host":"https://h.example/","status":"READY","endpoints":[{"ipAddress":"192.0.2.1","statusMessage":"Ready","details":{"protocols":[{"id":771,"name":"TLS","version":"1.2"}],
"key":{"size":2048,"alg":"RSA"},"cert":{"subject":"CN=h.example","issues":8},"chain":{"certs":[{},{"subject":"CN=CA"}]},
"suites":{"list":[{"id":51,"dhStrength":1024},{"id":49171,"ecdhBits":256}],"preference":false},"stsResponseHeader":"max-age=1","stsMaxAge":1}}]},
{"host":"h2.example","status":"ERROR","statusMessage":"Unable to resolve domain name"}]`,
		`{"host":"h.example","status":"IN_PROGRESS","endpoints":[{"ipAddress":"192.0.2.1"}]}`,
		"\xef\xbb\xbf" + `{"host":"192.0.2.1","port":8443,"status":"READY","endpoints":[{"ipAddress":"192.0.2.1","statusMessage":"Unable to connect to the server"}]}`,
		`[{"id":"TLS1_2","ip":"h/192.0.2.1","port":"443","finding":"offered"}]`,
	}
)

// checkImported fails on what no importer may return for any input.
func checkImported(t *testing.T, rs []result.Result) {
	for _, r := range rs {
		if r.Target == "" || r.Port < 1 || r.Port > 65535 {
			t.Fatalf("result without a valid target: %q port %d", r.Target, r.Port)
		}
		if err := result.NewWriter(&bytes.Buffer{}).Write(r); err != nil {
			t.Fatalf("imported result does not encode: %v", err)
		}
	}
}

func FuzzTestssl(f *testing.F) {
	for _, s := range testsslSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if rs, err := Testssl(bytes.NewReader(b), "fuzz"); err == nil {
			checkImported(t, rs)
		}
	})
}

func FuzzSSLLabs(f *testing.F) {
	for _, s := range labsSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if rs, err := SSLLabs(bytes.NewReader(b), "fuzz"); err == nil {
			checkImported(t, rs)
		}
	})
}

// TestFuzzSeedsImport: the seeds read as meant (the good ones import, the refused ones are
// refused), so they keep reaching the paths they were written for.
func TestFuzzSeedsImport(t *testing.T) {
	for i, s := range testsslSeeds {
		_, err := Testssl(strings.NewReader(s), "seed")
		if (err == nil) != (i < 2 || i == 4) {
			t.Errorf("testssl seed %d: err = %v", i, err)
		}
	}
	for i, s := range labsSeeds {
		_, err := SSLLabs(strings.NewReader(s), "seed")
		if (err == nil) != (i < 2 || i == 3) {
			t.Errorf("ssllabs seed %d: err = %v", i, err)
		}
	}
}

// TestImportedTrust maps each tool's trust verdict faithfully: its "trusted" and "not
// trusted" as true and false, and no verdict (a field the input lacks, a finding that is
// none) as null with a note, never as false.
func TestImportedTrust(t *testing.T) {
	testssl := func(chainOfTrust ...string) string {
		lines := []string{`{"id":"service","ip":"t.example/192.0.2.5","port":"443","severity":"INFO","finding":"HTTP"}`,
			`{"id":"TLS1_2","ip":"t.example/192.0.2.5","port":"443","severity":"OK","finding":"offered"}`,
			`{"id":"cert_commonName","ip":"t.example/192.0.2.5","port":"443","severity":"OK","finding":"t.example"}`}
		for _, c := range chainOfTrust {
			lines = append(lines, `{"id":"cert_chain_of_trust","ip":"t.example/192.0.2.5","port":"443",`+c+`}`)
		}
		return "[" + strings.Join(lines, ",\n") + "]"
	}
	labs := func(issues, trustPaths string) string {
		return `{"host":"l.example","port":443,"criteriaVersion":"2009q","certs":[{"id":"leaf","subject":"CN=l.example"` + issues + `}],
		  "endpoints":[{"ipAddress":"192.0.2.6","statusMessage":"Ready","grade":"A",
		    "details":{"protocols":[{"id":771,"name":"TLS","version":"1.2"}],"certChains":[{"certIds":["leaf"]` + trustPaths + `}]}}]}`
	}
	tests := []struct {
		name, tool, in string
		trusted        string
		trustError     string // substring
		note           string // substring of a certificate note, "" for none expected
	}{
		{"testssl passed", "testssl", testssl(`"severity":"OK","finding":"passed."`), "true", "", ""},
		{"testssl failed", "testssl", testssl(`"severity":"CRITICAL","finding":"failed (chain incomplete)."`), "false", "chain incomplete", ""},
		{"testssl one store failed", "testssl",
			testssl(`"severity":"CRITICAL","finding":"Some certificate trust checks failed -> Java (self signed) , OK -> Mozilla Linux"`), "false", "Java", ""},
		{"testssl openssl warning, then the verdict", "testssl",
			testssl(`"severity":"WARN","finding":"Your ./bin/openssl <= 1.0.2 might be too unreliable to determine trust"`, `"severity":"OK","finding":"passed. (Your ./bin/openssl <= 1.0.2 might be too unreliable to determine trust)"`),
			"true", "", "too unreliable"},
		{"testssl openssl warning alone", "testssl",
			testssl(`"severity":"WARN","finding":"Your ./bin/openssl <= 1.0.2 might be too unreliable to determine trust"`), "null", "", "cert_chain_of_trust"},
		{"testssl no cert_chain_of_trust", "testssl", testssl(), "null", "", "testssl.sh gives no verdict on the chain of trust"},
		{"SSL Labs issues 0", "ssllabs", labs(`,"issues":0`, ""), "true", "", ""},
		{"SSL Labs no chain of trust", "ssllabs", labs(`,"issues":1`, ""), "false", "no chain of trust", ""},
		{"SSL Labs no issues field, no trust paths", "ssllabs", labs("", ""), "null", "", "SSL Labs gives neither"},
		{"SSL Labs no issues field, Mozilla trusts", "ssllabs",
			labs("", `,"trustPaths":[{"trust":[{"rootStore":"Mozilla","isTrusted":true}]}]`), "true", "", ""},
		{"SSL Labs Mozilla refuses, Apple trusts", "ssllabs",
			labs(`,"issues":0`, `,"trustPaths":[{"trust":[{"rootStore":"Mozilla","isTrusted":false,"trustErrorMessage":"path does not chain"},{"rootStore":"Apple","isTrusted":true}]}]`),
			"false", "path does not chain", ""},
		{"SSL Labs only Apple's verdict", "ssllabs",
			labs(`,"issues":0`, `,"trustPaths":[{"trust":[{"rootStore":"Apple","isTrusted":true}]}]`), "true", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var rs []result.Result
			var err error
			if tt.tool == "testssl" {
				rs, err = Testssl(strings.NewReader(tt.in), "in.json")
			} else {
				rs, err = SSLLabs(strings.NewReader(tt.in), "in.json")
			}
			if err != nil || len(rs) != 1 || rs[0].Certificate == nil {
				t.Fatalf("%v: %+v", err, rs)
			}
			c := rs[0].Certificate
			if got := boolp(c.Trusted); got != tt.trusted {
				t.Errorf("trusted %s, want %s (trust_error %q, notes %q)", got, tt.trusted, c.TrustError, c.Notes)
			}
			if !strings.Contains(c.TrustError, tt.trustError) || (tt.trustError == "" && c.TrustError != "") {
				t.Errorf("trust_error %q, want %q", c.TrustError, tt.trustError)
			}
			if notes := strings.Join(c.Notes, "|"); tt.note != "" && !strings.Contains(notes, tt.note) {
				t.Errorf("notes %q lack %q", notes, tt.note)
			}
		})
	}
}
