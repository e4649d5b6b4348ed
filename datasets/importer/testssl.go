package importer

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"regexp"
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
	path     string
}

// testsslPretty is the --jsonfile-pretty document.
type testsslPretty struct {
	StartTime  string            `json:"startTime"`
	ScanResult []json.RawMessage `json:"scanResult"`
}

// Testssl reads testssl.sh JSON, either the flat --jsonfile array or the
// --jsonfile-pretty document, and returns one result per scanned endpoint (host, IP,
// port), in the order they appear. name is used in errors.
//
// Cipher findings of a default run (cipher_xc02f, no protocol) are listed under TLS 1.3
// for TLS 1.3 suites and under the newest earlier protocol offered otherwise; runs with -E
// (cipher-tls1_2_xc02f) give the protocol exactly.
func Testssl(r io.Reader, name string) ([]result.Result, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	data = bytes.TrimSpace(data)
	if len(data) == 0 {
		return nil, &PathError{File: name, Err: fmt.Errorf("empty file")}
	}
	if data[0] == '[' {
		var fs []testsslFinding
		if err := json.Unmarshal(data, &fs); err != nil {
			return nil, decodeErr(name, "$", data, err)
		}
		groups, order := map[string][]testsslFinding{}, []string{}
		for i := range fs {
			fs[i].path = fmt.Sprintf("$[%d]", i)
			key := fs[i].IP + " " + fs[i].Port
			if _, ok := groups[key]; !ok {
				order = append(order, key)
			}
			groups[key] = append(groups[key], fs[i])
		}
		var out []result.Result
		for _, key := range order {
			g := groups[key]
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
		return out, nil
	}
	var doc testsslPretty
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, decodeErr(name, "$", data, err)
	}
	if doc.ScanResult == nil {
		return nil, &PathError{File: name, Path: "$.scanResult", Err: fmt.Errorf("missing (not testssl.sh JSON)")}
	}
	var out []result.Result
	for i, raw := range doc.ScanResult {
		p := fmt.Sprintf("$.scanResult[%d]", i)
		var sections map[string]json.RawMessage
		if err := json.Unmarshal(raw, &sections); err != nil {
			return nil, decodeErr(name, p, raw, err)
		}
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
				sec[j].path = fmt.Sprintf("%s.%s[%d]", p, k, j)
			}
			fs = append(fs, sec...)
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
	return out, nil
}

var (
	cipherIDRe  = regexp.MustCompile(`^cipher(?:-([a-z0-9_]+))?_x([0-9a-f]+)$`)
	gradeSpecRe = regexp.MustCompile(`\b(20\d\d[a-z])\b`)
	hstsAgeRe   = regexp.MustCompile(`=\s*(\d+)\s*s`)
	hostCertRe  = regexp.MustCompile(` <hostCert#(\d+)>$`)
)

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

func testsslResult(file, host, ip, port, started string, fs []testsslFinding) (result.Result, error) {
	r := result.Result{Host: host, IP: ip, SNI: host, Source: result.SourceTestssl}
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
			path = fs[0].path + ".port"
		}
		return r, &PathError{File: file, Path: path, Err: fmt.Errorf("bad port %q", port)}
	}
	r.Port = p
	r.Target = net.JoinHostPort(host, port)
	// startTime is Unix seconds as a string in 3.0 and 3.2.
	if secs, err := strconv.ParseInt(started, 10, 64); err == nil && secs > 0 {
		r.StartedAt = time.Unix(secs, 0).UTC()
	} else if t, err := time.Parse(time.RFC3339, started); err == nil {
		r.StartedAt = t.UTC()
	}
	var (
		unplaced []result.Cipher
		cert     result.Certificate
		haveCert bool
		grade    result.Grade
		haveGrd  bool
		// globalOrder is testssl 3.0's single cipher_order verdict for all protocols.
		globalOrder *bool
		// ianaName maps OpenSSL suite names to IANA names (client simulations use OpenSSL's).
		ianaName = map[string]string{}
		ids      = map[string]string{}
		sims     []testsslFinding
		v        = &r.Vulnerabilities
	)
	setVuln := map[string]**bool{
		"heartbleed": &v.Heartbleed, "CCS": &v.CCS, "ticketbleed": &v.Ticketbleed, "ROBOT": &v.ROBOT,
		"CRIME_TLS": &v.CRIME, "BREACH": &v.BREACH, "POODLE_SSL": &v.POODLESSL, "SWEET32": &v.SWEET32,
		"FREAK": &v.FREAK, "DROWN": &v.DROWN, "LOGJAM": &v.LOGJAM, "BEAST": &v.BEAST, "LUCKY13": &v.LUCKY13,
		"RC4": &v.RC4, "secure_client_renego": &v.SecureClientRenego,
	}
	for _, f := range fs {
		id := f.ID
		certNo := 1
		if m := hostCertRe.FindStringSubmatch(id); m != nil { // several certificates: keep #1
			certNo, _ = strconv.Atoi(m[1])
			id = strings.TrimSuffix(id, m[0])
		}
		fl := strings.ToLower(f.Finding)
		switch {
		case id == "scanProblem" || strings.EqualFold(f.Severity, "FATAL"):
			r.Error = &result.Error{Kind: testsslErrorKind(fl), Message: f.Finding}
		case id == "SSLv2" || id == "SSLv3" || id == "TLS1" || id == "TLS1_1" || id == "TLS1_2" || id == "TLS1_3":
			key, _ := testsslProtocolKey(id)
			switch {
			case strings.HasPrefix(fl, "not offered"):
				r.Protocols.Set(key, false)
			case strings.HasPrefix(fl, "offered"):
				r.Protocols.Set(key, true)
			case strings.EqualFold(f.Severity, "WARN") || fl == "" || strings.Contains(fl, "test skipped") || strings.Contains(fl, "unexpected"):
				// the check did not decide: stays null
			default:
				return r, &PathError{File: file, Path: f.path + ".finding", Err: fmt.Errorf("unknown protocol finding %q for %s", f.Finding, id)}
			}
		case cipherIDRe.MatchString(id):
			m := cipherIDRe.FindStringSubmatch(id)
			c, err := testsslCipher(f, m[2])
			if err != nil {
				return r, &PathError{File: file, Path: f.path + ".finding", Err: err}
			}
			if fields := strings.Fields(f.Finding); len(fields) > 0 {
				for i, x := range fields {
					if strings.EqualFold(x, "x"+m[2]) && i+1 < len(fields) {
						ianaName[fields[i+1]] = c.Name
						ids[c.Name] = c.ID
					}
				}
			}
			if m[1] != "" {
				key, ok := testsslProtocolKey(m[1])
				if !ok {
					return r, &PathError{File: file, Path: f.path + ".id", Err: fmt.Errorf("unknown protocol %q in cipher id %q", m[1], id)}
				}
				c.Protocol = key
				suiteTraits(&c)
				r.Ciphers = append(r.Ciphers, c)
			} else {
				unplaced = append(unplaced, c)
			}
		case id == "cipher_order" || strings.HasPrefix(id, "cipher_order-"):
			// 3.0: one "cipher_order" for all; 3.2: cipher_order-tls1_2 per protocol
			server := strings.Contains(fl, "server") && !strings.Contains(fl, "not a cipher order")
			if r.ServerOrder == nil {
				r.ServerOrder = map[result.Protocol]bool{}
			}
			if key, ok := testsslProtocolKey(strings.TrimPrefix(id, "cipher_order-")); ok {
				r.ServerOrder[key] = server
			} else {
				globalOrder = result.Bool(server)
			}
		case certNo != 1:
			// only the first certificate becomes the result's certificate
		case id == "cert_commonName":
			cert.Subject, haveCert = "CN="+f.Finding, true
		case id == "cert_subjectAltName":
			cert.SAN = strings.Fields(f.Finding)
			if fl == "missing (not ok)" || strings.HasPrefix(fl, "--") {
				cert.SAN = []string{}
			}
		case id == "cert_caIssuers":
			cert.Issuer = f.Finding
			if !strings.Contains(cert.Issuer, "=") {
				cert.Issuer = "CN=" + cert.Issuer
			}
		case id == "cert_signatureAlgorithm":
			cert.SigAlg = testsslSigAlg(f.Finding)
		case id == "cert_keySize":
			fields := strings.Fields(f.Finding)
			if len(fields) >= 2 {
				cert.KeyAlg = fields[0]
				cert.KeyBits, _ = strconv.Atoi(fields[1])
			}
		case id == "cert_notBefore" || id == "cert_notAfter":
			t, err := time.Parse("2006-01-02 15:04", f.Finding)
			if err != nil {
				return r, &PathError{File: file, Path: f.path + ".finding", Err: fmt.Errorf("bad date %q (want YYYY-MM-DD hh:mm)", f.Finding)}
			}
			if id == "cert_notBefore" {
				cert.NotBefore = &t
			} else {
				cert.NotAfter = &t
			}
		case id == "cert_expirationStatus":
			cert.Expired = strings.Contains(fl, "expired")
		case id == "cert_chain_of_trust":
			cert.Trusted = strings.HasPrefix(fl, "passed")
			if !cert.Trusted {
				cert.TrustError = f.Finding
			}
			cert.SelfSigned = strings.Contains(fl, "self signed")
			cert.ChainComplete = !strings.Contains(fl, "incomplete") && !strings.Contains(fl, "unable to get local issuer")
		case id == "cert_trust":
			cert.HostnameMatch = strings.HasPrefix(fl, "ok via")
		case id == "certs_countServer":
			cert.ChainLen, _ = strconv.Atoi(strings.TrimSpace(f.Finding))
		case id == "certs_list_ordering_problem":
			cert.ChainOrderOK = fl == "no"
		case id == "cert_revocation" && strings.Contains(fl, "revoked"):
			cert.Revoked = result.Bool(!strings.Contains(fl, "not revoked"))
		case id == "HTTP_status_code":
			if r.HTTP == nil {
				r.HTTP = &result.HTTP{}
			}
			fields := strings.Fields(f.Finding)
			if len(fields) > 0 {
				r.HTTP.Status, _ = strconv.Atoi(fields[0])
			}
		case id == "HSTS" || strings.HasPrefix(id, "HSTS_"):
			// Absent: one "HSTS" finding "not offered". Present: HSTS_time ("365 days
			// (=31536000 seconds) > 15552000 seconds"), HSTS_subdomains, HSTS_preload.
			if r.HTTP == nil {
				r.HTTP = &result.HTTP{}
			}
			if r.HTTP.HSTS == nil {
				r.HTTP.HSTS = &result.HSTS{}
			}
			h := r.HTTP.HSTS
			switch id {
			case "HSTS":
				h.Raw = f.Finding
				if !strings.HasPrefix(fl, "not offered") {
					h.Present = true
					if m := hstsAgeRe.FindStringSubmatch(f.Finding); m != nil {
						h.MaxAge, _ = strconv.ParseInt(m[1], 10, 64)
					} else {
						h.Invalid = true
					}
				}
			case "HSTS_time":
				h.Present = true
				if m := hstsAgeRe.FindStringSubmatch(f.Finding); m != nil {
					h.MaxAge, _ = strconv.ParseInt(m[1], 10, 64)
				} else {
					h.Invalid = true
				}
			case "HSTS_subdomains":
				h.IncludeSubdomains = strings.HasPrefix(fl, "includes")
			case "HSTS_preload":
				h.Preload = strings.Contains(fl, "is marked") && !strings.Contains(fl, "not marked")
			}
		case id == "banner_server" && r.HTTP != nil && !strings.HasPrefix(fl, "no server banner"):
			r.HTTP.Server = f.Finding
		case id == "secure_renego":
			v.SecureRenego = testsslSupported(f)
		case id == "fallback_SCSV":
			v.FallbackSCSV = testsslSupported(f)
			if v.FallbackSCSV == nil {
				note(&r, "fallback_SCSV", "testssl.sh: "+f.Finding)
			}
		case setVuln[id] != nil:
			*setVuln[id] = testsslVuln(f)
			if *setVuln[id] == nil {
				note(&r, id, "testssl.sh: "+f.Finding)
			}
		case strings.HasPrefix(id, "clientsimulation-"):
			sims = append(sims, f)
		case id == "overall_grade":
			grade.Letter, haveGrd = f.Finding, true
		case id == "final_score":
			grade.Score, _ = strconv.Atoi(f.Finding)
		case id == "protocol_support_score":
			grade.Protocol, _ = strconv.Atoi(f.Finding)
		case id == "key_exchange_score":
			grade.KeyExchange, _ = strconv.Atoi(f.Finding)
		case id == "cipher_strength_score":
			grade.Cipher, _ = strconv.Atoi(f.Finding)
		case id == "rating_spec":
			if m := gradeSpecRe.FindStringSubmatch(f.Finding); m != nil {
				grade.Criteria = m[1]
			}
		case strings.HasPrefix(id, "grade_cap_reason_"):
			grade.Caps = append(grade.Caps, result.Rule{Rule: id, Reason: f.Finding})
		case strings.HasPrefix(id, "grade_cap_warning_"):
			grade.Warnings = append(grade.Warnings, result.Rule{Rule: id, Reason: f.Finding})
		}
	}
	placeCiphers(&r, unplaced)
	r.ModernClients = modernClients(sims, ianaName, ids)
	if len(r.ModernClients) > 0 {
		r.ModernClient = &r.ModernClients[0]
	}
	if globalOrder != nil {
		for _, p := range r.Protocols.List() {
			if _, ok := r.ServerOrder[p]; !ok && p != result.TLS13 {
				r.ServerOrder[p] = *globalOrder
			}
		}
	}
	if haveCert {
		if cert.SAN == nil {
			cert.SAN = []string{}
		}
		r.Certificate = &cert
	}
	if haveGrd {
		grade.GradedBy = result.SourceTestssl
		if grade.Caps == nil {
			grade.Caps = []result.Rule{}
		}
		if grade.Warnings == nil {
			grade.Warnings = []result.Rule{}
		}
		// testssl.sh gives no grade with trust ignored: a letter other than T or M had no
		// trust issue, so it stands; for T and M it is unknown and stays empty.
		if grade.Letter != "T" && grade.Letter != "M" {
			grade.TrustIgnored = grade.Letter
		}
		r.Grade = &grade
	}
	return r, nil
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
// optionally preceded by a protocol label ("TLSv1.2").
func testsslCipher(f testsslFinding, hex string) (result.Cipher, error) {
	fields := strings.Fields(f.Finding)
	start := -1
	for i, s := range fields {
		if strings.EqualFold(s, "x"+hex) {
			start = i
			break
		}
	}
	if start < 0 || len(fields)-start < 5 {
		return result.Cipher{}, fmt.Errorf("cannot read cipher finding %q (want hexcode, name, kx, encryption, bits, IANA name)", f.Finding)
	}
	rest := fields[start+1:]
	c := result.Cipher{ID: "0x" + fmt.Sprintf("%04s", strings.ToLower(hex))}
	if len(hex) > 4 { // SSLv2 kinds: six hex digits
		c.ID = "0x" + strings.ToLower(hex)
	}
	c.ID = strings.ReplaceAll(c.ID, " ", "0")
	last := len(rest) - 1
	c.Name = rest[last]
	bits, err := strconv.Atoi(rest[last-1])
	if err != nil {
		// no IANA name given: the last field is the bits
		bits, err = strconv.Atoi(rest[last])
		if err != nil {
			return c, fmt.Errorf("cannot read key bits in cipher finding %q", f.Finding)
		}
		c.Name, last = rest[0], last+1
	}
	c.Bits = bits
	kx := rest[1 : last-2]
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
			c.KxBits, _ = strconv.Atoi(kx[1])
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

func testsslSupported(f testsslFinding) *bool {
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
