package importer

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/mhealthsec/mhealthsec/probe/result"
)

// testsslFinding is one entry of testssl.sh's JSON output, flat or pretty.
type testsslFinding struct {
	ID       string `json:"id"`
	IP       string `json:"ip"` // flat: "host/ip"
	Port     string `json:"port"`
	Severity string `json:"severity"`
	Finding  string `json:"finding"`
	// at and idx locate the finding for errors: at[idx] is its JSON path.
	at  string
	idx int
}

func (f *testsslFinding) path() string { return at(f.at, f.idx) }

func at(p string, i int) string { return p + "[" + strconv.Itoa(i) + "]" }

// testsslPretty is the --jsonfile-pretty document.
type testsslPretty struct {
	Version    string                       `json:"version"`
	StartTime  string                       `json:"startTime"`
	ScanResult []map[string]json.RawMessage `json:"scanResult"`
}

// Testssl reads testssl.sh JSON, either the flat --jsonfile array or the
// --jsonfile-pretty document, and returns one result per scanned endpoint (host, IP,
// port), in the order they appear. name is used in errors.
//
// Versions 3.0 and later are read (certificate ids "<cert#1>" as 3.0 writes them and
// "<hostCert#1>" as 3.2 does). testssl.sh 2.9 writes other ids and value shapes and is
// refused with an error naming the version. A file of another kind (SSL Labs JSON, a HAR, a
// capture) is refused naming what it is and the command that reads it.
//
// Cipher findings of a default run (cipher_xc02f, no protocol) are listed under TLS 1.3
// for TLS 1.3 suites and under the newest earlier protocol offered otherwise; runs with -E
// (cipher-tls1_2_xc02f) give the protocol exactly. With several server certificates
// (an RSA and an ECDSA one) the first, as testssl.sh numbers them, is the result's
// certificate and all are listed in certificates.
func Testssl(r io.Reader, name string) ([]result.Result, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if err := expectFormat(name, data, FormatTestssl); err != nil {
		return nil, err
	}
	data = bytes.TrimSpace(bytes.TrimPrefix(data, utf8BOM))
	if len(data) == 0 {
		return nil, &PathError{File: name, Err: fmt.Errorf("empty file")}
	}
	if data[0] == '[' {
		var fs []testsslFinding
		if err := json.Unmarshal(data, &fs); err != nil {
			return nil, decodeErr(name, "$", data, err)
		}
		for i := range fs {
			fs[i].at, fs[i].idx = "$", i
		}
		if err := testssl29(name, "", fs); err != nil {
			return nil, err
		}
		out := []result.Result{}
		for _, g := range testsslGroups(fs) {
			host, ip, _ := strings.Cut(g[0].IP, "/")
			if ip == "" {
				ip = host
			}
			res, err := testsslResult(name, host, ip, g[0].Port, "", g)
			if err != nil {
				return nil, err
			}
			out = append(out, res)
		}
		if len(out) == 0 {
			return nil, &PathError{File: name, Path: "$", Err: fmt.Errorf("no findings (an empty testssl.sh run)")}
		}
		return out, nil
	}
	var doc testsslPretty
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, decodeErr(name, "$", data, err)
	}
	if doc.ScanResult == nil {
		return nil, &PathError{File: name, Path: "$.scanResult", Err: fmt.Errorf("missing (not testssl.sh JSON)")}
	}
	if err := testssl29(name, doc.Version, nil); err != nil {
		return nil, err
	}
	var out []result.Result
	for i, sections := range doc.ScanResult {
		p := at("$.scanResult", i)
		str := func(k string) string {
			var s string
			_ = json.Unmarshal(sections[k], &s)
			return s
		}
		var fs []testsslFinding
		keys := make([]string, 0, len(sections))
		for k := range sections {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			v := bytes.TrimSpace(sections[k])
			if len(v) == 0 || v[0] != '[' {
				continue
			}
			var sec []testsslFinding
			if err := json.Unmarshal(v, &sec); err != nil {
				return nil, decodeErr(name, p+"."+k, v, err)
			}
			for j := range sec {
				sec[j].at, sec[j].idx = p+"."+k, j
			}
			fs = append(fs, sec...)
		}
		if err := testssl29(name, "", fs); err != nil {
			return nil, err
		}
		if len(fs) == 0 {
			return nil, &PathError{File: name, Path: p, Err: fmt.Errorf("no findings for this endpoint (an empty testssl.sh run)")}
		}
		host := str("targetHost")
		ip := str("ip")
		if host == "" {
			host = ip
		}
		res, err := testsslResult(name, host, ip, str("port"), doc.StartTime, fs)
		if err != nil {
			return nil, err
		}
		out = append(out, res)
	}
	if len(out) == 0 {
		return nil, &PathError{File: name, Path: "$.scanResult", Err: fmt.Errorf("no scanned endpoint (an empty testssl.sh run)")}
	}
	return out, nil
}

// testsslGroups splits the findings of a flat file by endpoint ("ip" and "port"), in the
// order the endpoints first appear. testssl.sh writes each endpoint's findings in one run,
// and a run is passed on as it is, without copying.
func testsslGroups(fs []testsslFinding) [][]testsslFinding {
	type endpoint struct{ ip, port string }
	var groups [][]testsslFinding
	var copied []bool // groups[i] is a copy, no longer a run of fs, and may grow in place
	index := map[endpoint]int{}
	for start := 0; start < len(fs); {
		end := start + 1
		for end < len(fs) && fs[end].IP == fs[start].IP && fs[end].Port == fs[start].Port {
			end++
		}
		k := endpoint{fs[start].IP, fs[start].Port}
		if i, ok := index[k]; ok { // the endpoint came back after another one
			if !copied[i] {
				groups[i], copied[i] = append([]testsslFinding(nil), groups[i]...), true
			}
			groups[i] = append(groups[i], fs[start:end]...)
		} else {
			copied = append(copied, false)
			index[k] = len(groups)
			groups = append(groups, fs[start:end])
		}
		start = end
	}
	return groups
}

// testssl29 refuses the output of testssl.sh 2.9 and earlier, known by the version of a
// pretty document or by ids that only those versions write: lower-case protocol and
// vulnerability ids ("sslv2", "tls1_2", "sweet32", "ccs"; 3.x writes "SSLv2", "CCS"). Their findings are worded differently (key sizes
// without the algorithm, protocols as sentences), so reading them with the 3.x rules would
// give null protocols and wrong key sizes.
func testssl29(file, version string, fs []testsslFinding) error {
	const supported = "this importer reads testssl.sh 3.0 and later (3.0.x, 3.1dev, 3.2); rerun the scan with a current testssl.sh"
	// 2.9dev, the development line that became 3.0, already writes the 3.x ids: it is
	// judged by its ids below, like files without a version.
	if v := strings.TrimSpace(version); v != "" && (v[0] < '3' || v[0] > '9') && v[0] >= '0' && v[0] <= '9' && !strings.Contains(strings.Fields(v)[0], "dev") {
		return &PathError{File: file, Path: "$.version", Err: fmt.Errorf("testssl.sh %s output is not supported: %s", strings.Fields(v)[0], supported)}
	}
	for i := range fs {
		switch fs[i].ID {
		case "sslv2", "sslv3", "tls1", "tls1_1", "tls1_2", "tls1_3", "sweet32", "ccs", "crime", "breach",
			"poodle_ssl", "fallback_scsv", "freak", "drown", "logjam", "beast", "lucky13", "robot":
			return &PathError{File: file, Path: fs[i].path() + ".id", Err: fmt.Errorf("id %q is written by testssl.sh 2.9 or earlier, whose output is not supported: %s", fs[i].ID, supported)}
		}
	}
	return nil
}

func testsslProtocolKey(s string) (result.Protocol, bool) {
	switch strings.ToLower(strings.ReplaceAll(strings.ReplaceAll(s, ".", "_"), "v", "")) {
	case "ssl2":
		return result.SSLv2, true
	case "ssl3":
		return result.SSLv3, true
	case "tls1", "tls1_0":
		return result.TLS10, true
	case "tls1_1":
		return result.TLS11, true
	case "tls1_2":
		return result.TLS12, true
	case "tls1_3":
		return result.TLS13, true
	}
	return "", false
}

// testsslBuild is the state of one endpoint's result while its findings are read.
type testsslBuild struct {
	file string
	r    result.Result
	// certs holds each server certificate by testssl.sh's number (1 when there is one).
	certs map[int]*result.Certificate
	grade result.Grade
	// haveGrade is set by overall_grade; gradeBad says why the grade cannot be imported.
	haveGrade bool
	gradeBad  string
	// scores counts the scores read (final, protocol, key exchange, cipher strength).
	scores   int
	unplaced []result.Cipher
	// globalOrder is testssl 3.0's single cipher_order verdict for all protocols.
	globalOrder *bool
	// ianaName maps OpenSSL suite names to IANA names (client simulations use OpenSSL's),
	// ids IANA names to suite ids.
	ianaName, ids map[string]string
	sims          []testsslFinding
}

// testsslHandler reads one finding (id without its certificate number, certNo the
// number) into the result being built.
type testsslHandler func(b *testsslBuild, id string, certNo int, f *testsslFinding) error

// testsslHandlerFor is the table of what each testssl.sh id means; nil for ids the result
// does not carry.
func testsslHandlerFor(id string) testsslHandler {
	switch id {
	case "scanProblem":
		return tsScanProblem
	case "SSLv2", "SSLv3", "TLS1", "TLS1_1", "TLS1_2", "TLS1_3":
		return tsProtocol
	case "cipher_order":
		return tsCipherOrder
	case "cert_commonName", "cert_subjectAltName", "cert_caIssuers", "cert_signatureAlgorithm",
		"cert_keySize", "cert_notBefore", "cert_notAfter", "cert_expirationStatus",
		"cert_chain_of_trust", "cert_trust", "certs_countServer", "certs_list_ordering_problem",
		"cert_revocation":
		return tsCert
	case "HTTP_status_code":
		return tsHTTPStatus
	case "HSTS", "HSTS_time", "HSTS_subdomains", "HSTS_preload":
		return tsHSTS
	case "banner_server":
		return tsBanner
	case "secure_renego", "fallback_SCSV":
		return tsSupported
	case "overall_grade", "final_score", "protocol_support_score", "key_exchange_score",
		"cipher_strength_score", "rating_spec":
		return tsGrade
	}
	if testsslVulnField(&result.Vulnerabilities{}, id) != nil {
		return tsVuln
	}
	switch {
	case strings.HasPrefix(id, "cipher_order-"):
		return tsCipherOrder
	case strings.HasPrefix(id, "cipher") && strings.Contains(id, "_x"):
		return tsCipher
	case strings.HasPrefix(id, "clientsimulation-"):
		return tsClientSim
	case strings.HasPrefix(id, "grade_cap_reason_"), strings.HasPrefix(id, "grade_cap_warning_"):
		return tsGrade
	}
	return nil
}

// testsslCertNo splits "cert_keySize <cert#2>" (3.0) or "cert_keySize <hostCert#2>" (3.2)
// into the id and the certificate number; ids without one are certificate 1.
func testsslCertNo(id string) (string, int) {
	i := strings.LastIndex(id, " <")
	if i < 0 || !strings.HasSuffix(id, ">") {
		return id, 1
	}
	kind, num, ok := strings.Cut(id[i+2:len(id)-1], "#")
	if !ok || kind != "cert" && kind != "hostCert" {
		return id, 1
	}
	n, err := strconv.Atoi(num)
	if err != nil || n < 1 {
		return id, 1
	}
	return id[:i], n
}

func testsslResult(file, host, ip, port, started string, fs []testsslFinding) (result.Result, error) {
	b := &testsslBuild{
		file:     file,
		r:        result.Result{Host: host, IP: ip, SNI: host, Source: result.SourceTestssl},
		ianaName: map[string]string{},
		ids:      map[string]string{},
	}
	r := &b.r
	if host == ip && net.ParseIP(host) != nil {
		r.SNI = ""
	}
	if port == "" {
		port = "443"
	}
	p, err := strconv.Atoi(port)
	if err != nil || p <= 0 || p > 65535 {
		path := ""
		if len(fs) > 0 {
			path = fs[0].path() + ".port"
		}
		return *r, &PathError{File: file, Path: path, Err: fmt.Errorf("bad port %q (want 1-65535)", port)}
	}
	r.Port = p
	r.Target = net.JoinHostPort(host, port)
	// startTime is Unix seconds as a string in 3.0 and 3.2; flat files carry no time.
	if secs, err := strconv.ParseInt(started, 10, 64); err == nil && secs > 0 {
		r.StartedAt = time.Unix(secs, 0).UTC()
	} else if t, err := time.Parse(time.RFC3339, started); err == nil {
		r.StartedAt = t.UTC()
	}
	read := 0
	for i := range fs {
		f := &fs[i]
		if strings.EqualFold(f.Severity, "FATAL") {
			r.Error = &result.Error{Kind: testsslErrorKind(strings.ToLower(f.Finding)), Message: f.Finding}
			continue
		}
		id, certNo := testsslCertNo(f.ID)
		if h := testsslHandlerFor(id); h != nil {
			read++
			if err := h(b, id, certNo, f); err != nil {
				return *r, err
			}
		}
	}
	// Findings of which not one is known are another version's or another tool's: an
	// endpoint of nulls would look like a scan that found nothing.
	if read == 0 && r.Error == nil {
		path := ""
		if len(fs) > 0 {
			path = fs[0].path() + ".id"
		}
		return *r, &PathError{File: file, Path: path, Err: fmt.Errorf("none of the %d findings of %s has an id testssl.sh 3.0 or later writes (such as TLS1_2, cert_keySize, heartbleed): not a testssl.sh 3.x scan", len(fs), r.Target)}
	}
	b.finish()
	return *r, nil
}

// finish places what needs every finding: protocol-less ciphers, client simulations, the
// global cipher order, the certificates and the grade.
func (b *testsslBuild) finish() {
	r := &b.r
	placeCiphers(r, b.unplaced)
	r.ModernClients = modernClients(b.sims, b.ianaName, b.ids)
	if len(r.ModernClients) > 0 {
		r.ModernClient = &r.ModernClients[0]
	}
	if b.globalOrder != nil {
		for _, p := range r.Protocols.List() {
			if _, ok := r.ServerOrder[p]; !ok && p != result.TLS13 {
				r.ServerOrder[p] = *b.globalOrder
			}
		}
	}
	if len(b.certs) > 0 {
		nos := make([]int, 0, len(b.certs))
		for n := range b.certs {
			nos = append(nos, n)
		}
		sort.Ints(nos)
		for _, n := range nos {
			c := b.certs[n]
			if c.SAN == nil {
				c.SAN = []string{}
			}
			if c.Trusted == nil {
				c.Notes = append(c.Notes, "trusted: testssl.sh gives no verdict on the chain of trust (cert_chain_of_trust)")
			}
			if len(nos) > 1 {
				r.Certificates = append(r.Certificates, *c)
			}
		}
		r.Certificate = b.certs[nos[0]]
		if len(nos) > 1 {
			r.Notes = append(r.Notes, fmt.Sprintf("testssl.sh: the server has %d certificates; certificate is testssl.sh's #%d (%s %d), certificates lists all", len(nos), nos[0], r.Certificate.KeyAlg, r.Certificate.KeyBits))
		}
	}
	if b.haveGrade {
		if b.gradeBad == "" && b.scores < 4 {
			b.gradeBad = "final_score, protocol_support_score, key_exchange_score and cipher_strength_score are not all given"
		}
		if b.gradeBad != "" {
			r.Notes = append(r.Notes, "testssl.sh grade "+strconv.Quote(b.grade.Letter)+" not imported: "+b.gradeBad)
			return
		}
		g := b.grade
		g.GradedBy = result.SourceTestssl
		if g.Caps == nil {
			g.Caps = []result.Rule{}
		}
		if g.Warnings == nil {
			g.Warnings = []result.Rule{}
		}
		// testssl.sh gives no grade with trust ignored: a letter other than T or M had no
		// trust issue, so it stands; for T and M it is unknown and stays empty.
		if g.Letter != "T" && g.Letter != "M" {
			g.TrustIgnored = g.Letter
		}
		r.Grade = &g
	}
}

func (b *testsslBuild) errAt(f *testsslFinding, field string, format string, args ...any) error {
	return &PathError{File: b.file, Path: f.path() + "." + field, Err: fmt.Errorf(format, args...)}
}

func (b *testsslBuild) cert(n int) *result.Certificate {
	if b.certs == nil {
		b.certs = map[int]*result.Certificate{}
	}
	c := b.certs[n]
	if c == nil {
		c = &result.Certificate{}
		b.certs[n] = c
	}
	return c
}

func tsScanProblem(b *testsslBuild, _ string, _ int, f *testsslFinding) error {
	b.r.Error = &result.Error{Kind: testsslErrorKind(strings.ToLower(f.Finding)), Message: f.Finding}
	return nil
}

// tsProtocol reads SSLv2 … TLS1_3: "offered", "offered with final", "not offered", or a
// check that did not decide (WARN, "test skipped"), which stays null.
func tsProtocol(b *testsslBuild, id string, _ int, f *testsslFinding) error {
	key, _ := testsslProtocolKey(id)
	fl := strings.ToLower(f.Finding)
	switch {
	case strings.HasPrefix(fl, "not offered"):
		b.r.Protocols.Set(key, false)
	case strings.HasPrefix(fl, "offered"), strings.HasPrefix(fl, "supported but couldn't detect a cipher"):
		// the second: SSLv2 handshakes succeed but name no cipher (CVE-2015-3197)
		b.r.Protocols.Set(key, true)
	case strings.EqualFold(f.Severity, "WARN") || fl == "" || strings.Contains(fl, "test skipped") || strings.Contains(fl, "unexpected"):
		// the check did not decide: stays null
	default:
		return b.errAt(f, "finding", "unknown protocol finding %q for %s (want \"offered\" or \"not offered\")", f.Finding, id)
	}
	return nil
}

// tsCipher reads cipher_xc02f (default run) and cipher-tls1_2_xc02f (-E).
func tsCipher(b *testsslBuild, id string, _ int, f *testsslFinding) error {
	proto, hex, ok := testsslCipherID(id)
	if !ok {
		return nil // cipherlist_*, cipher_negotiated and friends
	}
	if strings.HasSuffix(strings.TrimSpace(f.Finding), "not a/v") {
		return nil // --show-each lists the suites the server refused too
	}
	c, err := testsslCipher(f, hex)
	if err != nil {
		return b.errAt(f, "finding", "%v", err)
	}
	fields := strings.Fields(f.Finding)
	for i, x := range fields {
		if strings.EqualFold(x, "x"+hex) && i+1 < len(fields) {
			b.ianaName[fields[i+1]] = c.Name
			b.ids[c.Name] = c.ID
			break
		}
	}
	if proto == "" {
		b.unplaced = append(b.unplaced, c)
		return nil
	}
	key, ok := testsslProtocolKey(proto)
	if !ok {
		return b.errAt(f, "id", "unknown protocol %q in cipher id %q", proto, id)
	}
	c.Protocol = key
	suiteTraits(&c)
	b.r.Ciphers = append(b.r.Ciphers, c)
	return nil
}

// testsslCipherID splits "cipher_xc02f" and "cipher-tls1_2_xc02f" into protocol ("" or
// "tls1_2") and hex ("c02f").
func testsslCipherID(id string) (proto, hex string, ok bool) {
	rest, found := strings.CutPrefix(id, "cipher_x")
	if !found {
		r, found := strings.CutPrefix(id, "cipher-")
		if !found {
			return "", "", false
		}
		i := strings.LastIndex(r, "_x")
		if i <= 0 {
			return "", "", false
		}
		proto, rest = r[:i], r[i+2:]
		for _, c := range proto {
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
				return "", "", false
			}
		}
	}
	if rest == "" {
		return "", "", false
	}
	for _, c := range rest {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return "", "", false
		}
	}
	return proto, rest, true
}

// tsCipherOrder reads 3.0's one "cipher_order" for all protocols and 3.2's
// cipher_order-tls1_2 per protocol. 3.0's "cipher_order_TLSv1.2" lines only say which suite
// a client got and are not read.
func tsCipherOrder(b *testsslBuild, id string, _ int, f *testsslFinding) error {
	fl := strings.ToLower(f.Finding)
	server := strings.Contains(fl, "server") && !strings.Contains(fl, "not a cipher order")
	if b.r.ServerOrder == nil {
		b.r.ServerOrder = map[result.Protocol]bool{}
	}
	if key, ok := testsslProtocolKey(strings.TrimPrefix(id, "cipher_order-")); ok {
		b.r.ServerOrder[key] = server
	} else {
		b.globalOrder = result.Bool(server)
	}
	return nil
}

// tsCert reads the findings about server certificate certNo.
func tsCert(b *testsslBuild, id string, certNo int, f *testsslFinding) error {
	fl := strings.ToLower(f.Finding)
	cert := b.cert(certNo)
	switch id {
	case "cert_commonName":
		cert.Subject = "CN=" + f.Finding
	case "cert_subjectAltName":
		cert.SAN = strings.Fields(f.Finding)
		if fl == "missing (not ok)" || strings.HasPrefix(fl, "--") || strings.HasPrefix(fl, "missing") {
			cert.SAN = []string{}
		}
	case "cert_caIssuers":
		cert.Issuer = f.Finding
		if !strings.Contains(cert.Issuer, "=") {
			cert.Issuer = "CN=" + cert.Issuer
		}
	case "cert_signatureAlgorithm":
		cert.SigAlg = testsslSigAlg(f.Finding)
	case "cert_keySize":
		alg, bits, err := testsslKeySize(f.Finding)
		if err != nil {
			return b.errAt(f, "finding", "%v", err)
		}
		cert.KeyAlg, cert.KeyBits = alg, bits
	case "cert_notBefore", "cert_notAfter":
		t, err := time.Parse("2006-01-02 15:04", f.Finding)
		if err != nil {
			return b.errAt(f, "finding", "bad date %q (want YYYY-MM-DD hh:mm)", f.Finding)
		}
		if id == "cert_notBefore" {
			cert.NotBefore = &t
		} else {
			cert.NotAfter = &t
		}
	case "cert_expirationStatus":
		cert.Expired = strings.Contains(fl, "expired")
	case "cert_chain_of_trust":
		// testssl.sh's verdict is "passed." or, when a trust store refused the chain,
		// "failed (why)." or "Some certificate trust checks failed -> ..."; a WARN about
		// its openssl comes before the verdict and is none. Trusted stays null (with a note
		// at the end) unless a verdict is read.
		switch {
		case strings.HasPrefix(fl, "passed"):
			cert.Trusted, cert.TrustError = result.Bool(true), ""
		case strings.HasPrefix(fl, "failed"), strings.HasPrefix(fl, "some certificate trust checks failed"):
			cert.Trusted, cert.TrustError = result.Bool(false), f.Finding
		default:
			cert.Notes = append(cert.Notes, "testssl.sh cert_chain_of_trust: "+f.Finding)
		}
		cert.SelfSigned = strings.Contains(fl, "self signed")
		cert.ChainComplete = !strings.Contains(fl, "incomplete") && !strings.Contains(fl, "unable to get local issuer")
	case "cert_trust":
		cert.HostnameMatch = strings.HasPrefix(fl, "ok via")
	case "certs_countServer":
		n, err := strconv.Atoi(strings.TrimSpace(f.Finding))
		if err != nil || n < 0 {
			return b.errAt(f, "finding", "expected the number of certificates the server sent, got %q", f.Finding)
		}
		cert.ChainLen = n
	case "certs_list_ordering_problem":
		cert.ChainOrderOK = fl == "no"
	case "cert_revocation":
		if strings.Contains(fl, "revoked") {
			cert.Revoked = result.Bool(!strings.Contains(fl, "not revoked"))
		}
	}
	return nil
}

// testsslKeySize reads cert_keySize: "RSA 2048 bits", "EC 256 bits (curve P-256)".
func testsslKeySize(s string) (alg string, bits int, err error) {
	fields := strings.Fields(s)
	for i := 1; i < len(fields); i++ {
		if strings.HasPrefix(strings.ToLower(fields[i]), "bit") {
			n, err := strconv.Atoi(fields[i-1])
			if err != nil || n <= 0 || i < 2 {
				break
			}
			alg = fields[i-2]
			if alg == "ECDSA" {
				alg = "EC" // as crypto/x509-based probes and SSL Labs name it
			}
			return alg, n, nil
		}
	}
	return "", 0, fmt.Errorf("cannot read key size %q (want algorithm and bits, as \"RSA 2048 bits\")", s)
}

// tsHTTPStatus reads "200 ok ('/')"; a finding without a status code (no HTTP answer) is
// kept as the HTTP error.
func tsHTTPStatus(b *testsslBuild, _ string, _ int, f *testsslFinding) error {
	h := b.http()
	fields := strings.Fields(f.Finding)
	if len(fields) > 0 {
		if n, err := strconv.Atoi(fields[0]); err == nil && n >= 100 && n <= 999 {
			h.Status = n
			return nil
		}
	}
	h.Error = "testssl.sh: " + f.Finding
	return nil
}

func (b *testsslBuild) http() *result.HTTP {
	if b.r.HTTP == nil {
		b.r.HTTP = &result.HTTP{}
	}
	return b.r.HTTP
}

// tsHSTS reads HSTS. Absent: one "HSTS" finding "not offered". Present: HSTS_time ("365
// days (=31536000 seconds) > 15552000 seconds"), HSTS_subdomains, HSTS_preload.
func tsHSTS(b *testsslBuild, id string, _ int, f *testsslFinding) error {
	h := b.http()
	if h.HSTS == nil {
		h.HSTS = &result.HSTS{}
	}
	hs := h.HSTS
	fl := strings.ToLower(f.Finding)
	switch id {
	case "HSTS":
		hs.Raw = f.Finding
		if !strings.HasPrefix(fl, "not offered") {
			hs.Present = true
			hstsAge(hs, f.Finding)
		}
	case "HSTS_time":
		hs.Present = true
		hstsAge(hs, f.Finding)
	case "HSTS_subdomains":
		hs.IncludeSubdomains = strings.HasPrefix(fl, "includes")
	case "HSTS_preload":
		hs.Preload = strings.Contains(fl, "is marked") && !strings.Contains(fl, "not marked")
	}
	return nil
}

// hstsAge reads the seconds of "365 days (=31536000 seconds)"; without them the header is
// marked invalid, with a note.
func hstsAge(h *result.HSTS, s string) {
	for rest := s; ; {
		i := strings.IndexByte(rest, '=')
		if i < 0 {
			break
		}
		rest = strings.TrimLeft(rest[i+1:], " ")
		j := 0
		for j < len(rest) && rest[j] >= '0' && rest[j] <= '9' {
			j++
		}
		if n, err := strconv.ParseInt(rest[:j], 10, 64); err == nil && strings.HasPrefix(strings.TrimLeft(rest[j:], " "), "s") {
			h.MaxAge = n
			return
		}
	}
	h.Invalid = true
	h.Note = "testssl.sh: cannot read max-age from " + strconv.Quote(s)
}

func tsBanner(b *testsslBuild, _ string, _ int, f *testsslFinding) error {
	if b.r.HTTP != nil && !strings.HasPrefix(strings.ToLower(f.Finding), "no server banner") {
		b.r.HTTP.Server = f.Finding
	}
	return nil
}

// tsSupported reads secure_renego and fallback_SCSV, where true is good.
func tsSupported(b *testsslBuild, id string, _ int, f *testsslFinding) error {
	v := &b.r.Vulnerabilities
	p := &v.SecureRenego
	if id == "fallback_SCSV" {
		p = &v.FallbackSCSV
	}
	*p = testsslSupported(f)
	if *p == nil {
		note(&b.r, id, "testssl.sh: "+f.Finding)
	}
	return nil
}

func tsVuln(b *testsslBuild, id string, _ int, f *testsslFinding) error {
	p := testsslVulnField(&b.r.Vulnerabilities, id)
	*p = testsslVuln(*f)
	if *p == nil {
		note(&b.r, id, "testssl.sh: "+f.Finding)
	}
	return nil
}

// testsslVulnField is the result field of a vulnerability id, nil for other ids.
func testsslVulnField(v *result.Vulnerabilities, id string) **bool {
	switch id {
	case "heartbleed":
		return &v.Heartbleed
	case "CCS":
		return &v.CCS
	case "ticketbleed":
		return &v.Ticketbleed
	case "ROBOT":
		return &v.ROBOT
	case "CRIME_TLS":
		return &v.CRIME
	case "BREACH":
		return &v.BREACH
	case "POODLE_SSL":
		return &v.POODLESSL
	case "SWEET32":
		return &v.SWEET32
	case "FREAK":
		return &v.FREAK
	case "DROWN":
		return &v.DROWN
	case "LOGJAM":
		return &v.LOGJAM
	case "BEAST":
		return &v.BEAST
	case "LUCKY13":
		return &v.LUCKY13
	case "RC4":
		return &v.RC4
	case "secure_client_renego":
		return &v.SecureClientRenego
	}
	return nil
}

// testsslVuln says what a vulnerability finding means: true vulnerable, false not, nil
// when the check did not run or could not decide.
func testsslVuln(f testsslFinding) *bool {
	fl := strings.ToLower(f.Finding)
	switch strings.ToUpper(f.Severity) {
	case "WARN", "DEBUG", "FATAL":
		return nil
	case "OK":
		return result.Bool(false)
	case "LOW", "MEDIUM", "HIGH", "CRITICAL":
		if strings.HasPrefix(fl, "not vulnerable") {
			return result.Bool(false)
		}
		return result.Bool(true)
	}
	switch {
	case strings.HasPrefix(fl, "not vulnerable"), strings.HasPrefix(fl, "no "):
		return result.Bool(false)
	case strings.Contains(fl, "vulnerable"):
		return result.Bool(true)
	}
	return nil
}

func tsClientSim(b *testsslBuild, _ string, _ int, f *testsslFinding) error {
	b.sims = append(b.sims, *f)
	return nil
}

// tsGrade reads the rating of testssl.sh 3.1 and later. A score that is not a number
// ("n/a"), or missing, makes the whole grade unreadable: it is left out with a note, never
// set to 0.
func tsGrade(b *testsslBuild, id string, _ int, f *testsslFinding) error {
	g := &b.grade
	score := func(p *int) {
		n, err := strconv.Atoi(strings.TrimSpace(f.Finding))
		if err != nil || n < 0 || n > 100 {
			if b.gradeBad == "" {
				b.gradeBad = fmt.Sprintf("%s %q at %s is not a score from 0 to 100", id, f.Finding, f.path())
			}
			return
		}
		*p = n
		b.scores++
	}
	switch {
	case id == "overall_grade":
		g.Letter, b.haveGrade = f.Finding, true
	case id == "final_score":
		score(&g.Score)
	case id == "protocol_support_score":
		score(&g.Protocol)
	case id == "key_exchange_score":
		score(&g.KeyExchange)
	case id == "cipher_strength_score":
		score(&g.Cipher)
	case id == "rating_spec":
		g.Criteria = testsslCriteria(f.Finding)
	case strings.HasPrefix(id, "grade_cap_reason_"):
		g.Caps = append(g.Caps, result.Rule{Rule: id, Reason: f.Finding})
	case strings.HasPrefix(id, "grade_cap_warning_"):
		g.Warnings = append(g.Warnings, result.Rule{Rule: id, Reason: f.Finding})
	}
	return nil
}

// testsslCriteria finds the SSL Labs criteria version ("2009q") in rating_spec ("SSL Labs's
// 'SSL Server Rating Guide' (version 2009q from 2020-01-30)").
func testsslCriteria(s string) string {
	for _, w := range strings.FieldsFunc(s, func(r rune) bool { return !(r >= '0' && r <= '9' || r >= 'a' && r <= 'z') }) {
		if len(w) == 5 && strings.HasPrefix(w, "20") && w[2] >= '0' && w[2] <= '9' && w[3] >= '0' && w[3] <= '9' && w[4] >= 'a' && w[4] <= 'z' {
			return w
		}
	}
	return ""
}

// modernClientPrefixes name the simulated clients taken as SSL Labs' "modern" reference
// clients: current Chrome, Firefox, Edge and Safari (testssl.sh also simulates IE 6, old
// Java and Android 4, which SSL Labs does not count as modern).
var modernClientPrefixes = []string{"clientsimulation-chrome_", "clientsimulation-firefox_", "clientsimulation-edge_", "clientsimulation-safari_"}

// modernClients reads the client simulations of modern browsers: "TLSv1.3
// TLS_AES_128_GCM_SHA256" or "TLSv1.2 ECDHE-RSA-AES128-GCM-SHA256" or "No connection".
func modernClients(sims []testsslFinding, ianaName, ids map[string]string) []result.Negotiation {
	var out []result.Negotiation
	for _, f := range sims {
		modern := false
		for _, p := range modernClientPrefixes {
			modern = modern || strings.HasPrefix(f.ID, p)
		}
		if !modern {
			continue
		}
		n := result.Negotiation{Client: strings.TrimPrefix(f.ID, "clientsimulation-")}
		fields := strings.Fields(f.Finding)
		key, ok := result.Protocol(""), false
		if len(fields) >= 2 {
			key, ok = testsslProtocolKey(fields[0])
		}
		if !ok {
			n.Error = f.Finding
			out = append(out, n)
			continue
		}
		n.Protocol, n.Cipher = key, strings.TrimSuffix(fields[1], ",")
		if iana, ok := ianaName[n.Cipher]; ok {
			n.Cipher = iana
		}
		n.ID = ids[n.Cipher]
		out = append(out, n)
	}
	return out
}

// placeCiphers lists protocol-less cipher findings under TLS 1.3 (TLS 1.3 suites) or the
// newest earlier protocol offered.
func placeCiphers(r *result.Result, cs []result.Cipher) {
	older := result.Protocol("")
	for _, p := range r.Protocols.List() {
		if p != result.TLS13 {
			older = p
		}
	}
	for _, c := range cs {
		if strings.HasPrefix(c.ID, "0x13") && len(c.ID) == 6 {
			c.Protocol = result.TLS13
		} else if older != "" {
			c.Protocol = older
		} else {
			c.Protocol = result.TLS12
		}
		suiteTraits(&c)
		r.Ciphers = append(r.Ciphers, c)
	}
}

// testsslCipher parses a cipher finding:
// "xc02f   ECDHE-RSA-AES128-GCM-SHA256  ECDH 253   AESGCM  128  TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"
// optionally preceded by a protocol label ("TLSv1.2"); the IANA name may be missing.
func testsslCipher(f *testsslFinding, hex string) (result.Cipher, error) {
	fields := strings.Fields(f.Finding)
	if n := len(fields); n > 0 && fields[n-1] == "available" { // --show-each marks offered suites
		fields = fields[:n-1]
	}
	start := -1
	for i, s := range fields {
		if strings.EqualFold(s, "x"+hex) {
			start = i
			break
		}
	}
	bad := func(what string) (result.Cipher, error) {
		return result.Cipher{}, fmt.Errorf("cannot read %s in cipher finding %q (want hexcode, name, kx [bits], encryption, bits, IANA name)", what, f.Finding)
	}
	if start < 0 || len(fields)-start < 5 || len(hex) > 6 {
		return bad("the fields")
	}
	rest := fields[start+1:] // name, kx, [kx bits], encryption, bits, [IANA name]
	c := result.Cipher{ID: "0x" + strings.Repeat("0", max(0, 4-len(hex))) + strings.ToLower(hex)}
	last := len(rest) - 1
	c.Name = rest[last]
	bits, err := strconv.Atoi(rest[last-1])
	if err != nil {
		// no IANA name given: the last field is the bits
		bits, err = strconv.Atoi(rest[last])
		if err != nil {
			return bad("the cipher bits")
		}
		c.Name, last = rest[0], last+1
	}
	if bits < 0 {
		return bad("the cipher bits")
	}
	c.Bits = bits
	kx := rest[1 : last-2] // kx and its bits; the encryption is rest[last-2]
	if len(kx) > 0 {
		switch k := strings.ToUpper(kx[0]); {
		case strings.HasPrefix(k, "ECDH"):
			c.Kx = "ECDHE"
		case strings.HasPrefix(k, "DH"):
			c.Kx = "DHE"
		case k == "RSA":
			c.Kx = "RSA"
		}
		if len(kx) > 1 {
			n, err := strconv.Atoi(kx[1])
			if err != nil || n < 0 {
				return bad("the key exchange bits")
			}
			c.KxBits = n
		}
	}
	switch {
	case strings.HasPrefix(c.Name, "TLS_ECDH_"):
		c.Kx = "ECDH"
	case strings.HasPrefix(c.Name, "TLS_DH_"):
		c.Kx = "DH"
	}
	if c.Name == "-" {
		c.Name = rest[0]
	}
	return c, nil
}

func testsslSupported(f *testsslFinding) *bool {
	fl := strings.ToLower(f.Finding)
	switch {
	case strings.EqualFold(f.Severity, "WARN"):
		return nil
	case strings.Contains(fl, "not supported") || strings.Contains(fl, "not offered"):
		return result.Bool(false)
	case strings.Contains(fl, "supported") || strings.HasPrefix(fl, "offered"):
		return result.Bool(true)
	}
	return nil
}

func testsslSigAlg(s string) string {
	// "SHA256 with RSA" -> "SHA256-RSA", like crypto/x509's names
	if a, b, ok := strings.Cut(s, " with "); ok {
		return strings.ToUpper(a) + "-" + strings.ToUpper(b)
	}
	return s
}

func testsslErrorKind(fl string) result.ErrorKind {
	switch {
	case strings.Contains(fl, "resolve") || strings.Contains(fl, "dns"):
		return result.ErrDNS
	case strings.Contains(fl, "timeout") || strings.Contains(fl, "timed out"):
		return result.ErrTimeout
	case strings.Contains(fl, "doesn't seem to be a tls/ssl") || strings.Contains(fl, "no ssl/tls"):
		return result.ErrNotTLS
	case strings.Contains(fl, "connect"):
		return result.ErrConnect
	}
	return result.ErrProtocol
}
