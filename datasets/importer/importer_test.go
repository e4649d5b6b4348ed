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
		if cert == nil || cert.Subject != "CN=localhost" || cert.Trusted || !cert.SelfSigned || !cert.HostnameMatch ||
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
	if c == nil || c.Subject != "CN=localhost" || c.Trusted || c.SelfSigned || c.ChainComplete || !c.HostnameMatch {
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
	if cert == nil || cert.Subject != "CN=api.example.org" || cert.KeyBits != 2048 || !cert.Trusted || len(cert.SAN) != 2 ||
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
	if cert == nil || !cert.Trusted || cert.SelfSigned || !cert.HostnameMatch || cert.ChainLen != 2 || !cert.SHA1InChain ||
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
	if c := ss.Certificate; c == nil || c.Trusted || !c.SelfSigned || c.TrustError != "self-signed" {
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
		{"labs syntax", true, "[\n{\"host\":\n", []string{"in.json", "line"}},
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

func fuzzSeeds(f *testing.F, files ...string) {
	for _, name := range files {
		b, err := os.ReadFile("testdata/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
}

func FuzzTestssl(f *testing.F) {
	fuzzSeeds(f, "testssl-3.0.8-pEShU-pretty.json", "testssl-3.0.8-gotls-pretty.json", "testssl-3.2-handwritten.json")
	f.Add([]byte(`[{"id":"cipher-tls1_2_xc02f","ip":"a/b","port":"1","finding":"x x x x x x"}]`))
	f.Fuzz(func(t *testing.T, b []byte) {
		rs, err := Testssl(bytes.NewReader(b), "fuzz")
		if err == nil {
			for _, r := range rs {
				if werr := result.NewWriter(&bytes.Buffer{}).Write(r); werr != nil {
					t.Fatalf("imported result does not encode: %v", werr)
				}
			}
		}
	})
}

func FuzzSSLLabs(f *testing.F) {
	fuzzSeeds(f, "ssllabs-v3-handwritten.json")
	f.Add([]byte(`{"host":"a","endpoints":[{"details":{"suites":{"list":[{"id":5}]}}}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = SSLLabs(bytes.NewReader(b), "fuzz")
	})
}
