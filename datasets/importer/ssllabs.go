package importer

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/net/idna"

	"github.com/mhealthsec/mhealthsec/probe"
	"github.com/mhealthsec/mhealthsec/probe/result"
)

// SSL Labs API v3 objects, only the fields the probe result carries.
type labsHost struct {
	Host            string            `json:"host"`
	Port            int               `json:"port"`
	Status          string            `json:"status"`
	StatusMessage   string            `json:"statusMessage"`
	StartTime       int64             `json:"startTime"`
	CriteriaVersion string            `json:"criteriaVersion"`
	Endpoints       []json.RawMessage `json:"endpoints"`
	Certs           []labsCert        `json:"certs"`
	// IPAddress is set only in an endpoint object given in place of a host object.
	IPAddress string `json:"ipAddress"`
}

type labsEndpoint struct {
	IPAddress         string       `json:"ipAddress"`
	StatusMessage     string       `json:"statusMessage"`
	Grade             string       `json:"grade"`
	GradeTrustIgnored string       `json:"gradeTrustIgnored"`
	Duration          int64        `json:"duration"`
	Details           *labsDetails `json:"details"`
}

type labsDetails struct {
	HostStartTime  int64           `json:"hostStartTime"`
	CertChains     []labsChain     `json:"certChains"`
	Protocols      []labsProtocol  `json:"protocols"`
	Suites         json.RawMessage `json:"suites"`
	ServerSig      string          `json:"serverSignature"`
	VulnBeast      *bool           `json:"vulnBeast"`
	RenegSupport   *int            `json:"renegSupport"`
	Compression    *int            `json:"compressionMethods"`
	HTTPStatusCode int             `json:"httpStatusCode"`
	SupportsRC4    *bool           `json:"supportsRc4"`
	Sims           *labsSims       `json:"sims"`
	Heartbleed     *bool           `json:"heartbleed"`
	OpenSSLCCS     *int            `json:"openSslCcs"`
	LuckyMinus20   *int            `json:"openSSLLuckyMinus20"`
	Ticketbleed    *int            `json:"ticketbleed"`
	Bleichenbacher *int            `json:"bleichenbacher"`
	ZombiePoodle   *int            `json:"zombiePoodle"`
	GoldenDoodle   *int            `json:"goldenDoodle"`
	SleepingPoodle *int            `json:"sleepingPoodle"`
	ZeroLength     *int            `json:"zeroLengthPaddingOracle"`
	Poodle         *bool           `json:"poodle"`
	PoodleTLS      *int            `json:"poodleTls"`
	FallbackSCSV   *bool           `json:"fallbackScsv"`
	Freak          *bool           `json:"freak"`
	Logjam         *bool           `json:"logjam"`
	DrownVuln      *bool           `json:"drownVulnerable"`
	HSTSPolicy     *labsHSTS       `json:"hstsPolicy"`
	// API v2 gives HSTS as these instead of hstsPolicy.
	STSStatus     string  `json:"stsStatus"`
	STSHeader     *string `json:"stsResponseHeader"`
	STSMaxAge     *int64  `json:"stsMaxAge"`
	STSSubdomains *bool   `json:"stsSubdomains"`
	STSPreload    *bool   `json:"stsPreload"`
	// API v2 and early v3 responses carry the leaf in details.cert, its key in
	// details.key and the served chain in details.chain instead of host.certs.
	Cert *labsCert `json:"cert"`
	Key  *struct {
		Size       int    `json:"size"`
		Alg        string `json:"alg"`
		DebianFlaw *bool  `json:"debianFlaw"`
	} `json:"key"`
	Chain *struct {
		Certs  []labsCert `json:"certs"`
		Issues int        `json:"issues"`
	} `json:"chain"`
}

type labsChain struct {
	CertIDs    []string        `json:"certIds"`
	TrustPaths []labsTrustPath `json:"trustPaths"`
	Issues     int             `json:"issues"`
}

type labsTrustPath struct {
	Trust []struct {
		RootStore         string  `json:"rootStore"`
		IsTrusted         bool    `json:"isTrusted"`
		TrustErrorMessage *string `json:"trustErrorMessage"`
	} `json:"trust"`
}

type labsProtocol struct {
	ID      int    `json:"id"`
	Name    string `json:"name"`
	Version string `json:"version"`
}

type labsSuites struct {
	Protocol   int         `json:"protocol"`
	List       []labsSuite `json:"list"`
	Preference *bool       `json:"preference"`
}

type labsSuite struct {
	ID             int    `json:"id"`
	Name           string `json:"name"`
	CipherStrength int    `json:"cipherStrength"`
	KxType         string `json:"kxType"`
	KxStrength     int    `json:"kxStrength"`
	DHBits         int    `json:"dhBits"`
	NamedGroupBits int    `json:"namedGroupBits"`
	NamedGroupName string `json:"namedGroupName"`
	// API v2 names the key exchange strength so.
	DHStrength int `json:"dhStrength"`
	ECDHBits   int `json:"ecdhBits"`
}

type labsSims struct {
	Results []struct {
		Client struct {
			Name        string `json:"name"`
			Version     string `json:"version"`
			Platform    string `json:"platform"`
			IsReference bool   `json:"isReference"`
		} `json:"client"`
		ErrorCode  int    `json:"errorCode"`
		ProtocolID int    `json:"protocolId"`
		SuiteID    int    `json:"suiteId"`
		SuiteName  string `json:"suiteName"`
	} `json:"results"`
}

type labsHSTS struct {
	Status            string `json:"status"`
	Header            string `json:"header"`
	MaxAge            *int64 `json:"maxAge"`
	IncludeSubDomains *bool  `json:"includeSubDomains"`
	Preload           *bool  `json:"preload"`
}

type labsCert struct {
	ID                     string   `json:"id"`
	Subject                string   `json:"subject"`
	AltNames               []string `json:"altNames"`
	NotBefore              int64    `json:"notBefore"`
	NotAfter               int64    `json:"notAfter"`
	IssuerSubject          string   `json:"issuerSubject"`
	SigAlg                 string   `json:"sigAlg"`
	RevocationStatus       int      `json:"revocationStatus"`
	Issues                 *int     `json:"issues"` // nil when absent: trust is then unknown
	KeyAlg                 string   `json:"keyAlg"`
	KeySize                int      `json:"keySize"`
	KeyKnownDebianInsecure *bool    `json:"keyKnownDebianInsecure"`
}

func (c labsCert) issues() int {
	if c.Issues == nil {
		return 0
	}
	return *c.Issues
}

// labsTrust reads the leaf's trust: no trust issue on it and, where trust paths are given,
// Mozilla's store (or, when no path names it, any store) trusts one of them; with the
// first error message of a store that does not. Nil when the input has neither the
// certificate's issues nor a store's verdict: not read is not untrusted.
func labsTrust(c labsCert, ch labsChain) (*bool, string) {
	var verdicts []bool // the stores' verdicts, Mozilla's when any path has it
	var msg string
	for _, mozillaOnly := range []bool{true, false} {
		for _, tp := range ch.TrustPaths {
			for _, t := range tp.Trust {
				if mozillaOnly && t.RootStore != "" && t.RootStore != "Mozilla" {
					continue
				}
				verdicts = append(verdicts, t.IsTrusted)
				if !t.IsTrusted && t.TrustErrorMessage != nil && msg == "" {
					msg = *t.TrustErrorMessage
				}
			}
		}
		if len(verdicts) > 0 {
			break
		}
	}
	if c.Issues == nil && len(verdicts) == 0 {
		return nil, ""
	}
	trusted := c.issues()&(certNoTrust|certSelfSigned) == 0
	if len(verdicts) > 0 {
		trusted = trusted && slices.Contains(verdicts, true)
	}
	if trusted {
		msg = ""
	}
	return result.Bool(trusted), msg
}

// Certificate issue bits of the SSL Labs Cert object.
const (
	certNoTrust     = 1
	certNotBefore   = 2
	certNotAfter    = 4
	certMismatch    = 8
	certRevoked     = 16
	certSelfSigned  = 64
	chainIncomplete = 2
	chainBadOrder   = 8
)

// SSLLabs reads one SSL Labs API host object (API v3, and v2 as ssllabs-scan 1.x wrote it),
// or a JSON array of them, and returns one result per endpoint (IP address). A host that
// failed as a whole (status ERROR, no endpoints) gives one result with Error set; an
// assessment that had not finished (status IN_PROGRESS, DNS) is refused. The host may be
// given as a URL ("https://example.org/"), which is reduced to its host name; anything
// else that is not a host name or IP address is refused. A file of another kind
// (testssl.sh JSON, a HAR, a capture) is refused naming what it is and the command that
// reads it. name is used in errors.
//
// API v2 lists the cipher suites once for all protocols, as tested with the highest one:
// they are filed under that protocol (TLS 1.3 suites under TLS 1.3), its preference flag
// is taken as the server order of every protocol offered, and a note on the result says so.
func SSLLabs(r io.Reader, name string) ([]result.Result, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if err := expectFormat(name, data, FormatSSLLabs); err != nil {
		return nil, err
	}
	data = bytes.TrimSpace(bytes.TrimPrefix(data, utf8BOM))
	if len(data) == 0 {
		return nil, &PathError{File: name, Err: fmt.Errorf("empty file")}
	}
	var raws []json.RawMessage
	array := data[0] == '['
	if array {
		if err := json.Unmarshal(data, &raws); err != nil {
			return nil, decodeErr(name, "$", data, err)
		}
		if len(raws) == 0 {
			return nil, &PathError{File: name, Path: "$", Err: fmt.Errorf("no host objects (an empty array)")}
		}
	} else {
		raws = []json.RawMessage{data}
	}
	var out []result.Result
	for i, raw := range raws {
		p := "$"
		if array {
			p = at("$", i)
		}
		rs, err := labsHostResults(name, p, raw)
		if err != nil {
			return nil, err
		}
		out = append(out, rs...)
	}
	return out, nil
}

// labsHostName reads the host field: a host name or IP address, or an http(s) URL with
// nothing after the host but an optional port and "/". It returns the host in canonical
// form (lower case, no trailing dot) and the URL's port (0 when none).
func labsHostName(s string) (string, int, error) {
	h := strings.TrimSpace(s)
	lower := strings.ToLower(h)
	for _, scheme := range []string{"https://", "http://"} {
		if strings.HasPrefix(lower, scheme) {
			h = strings.TrimSuffix(h[len(scheme):], "/")
			if strings.ContainsAny(h, "/?#@") {
				return "", 0, fmt.Errorf("%q is a URL with a path, query or user: want a host name", s)
			}
			t, err := labsTarget(h)
			if err != nil {
				return "", 0, fmt.Errorf("%q is not a host name or IP address: %v", s, err)
			}
			return t.Host, t.Port, nil
		}
	}
	if strings.Contains(h, "://") {
		return "", 0, fmt.Errorf("%q is a URL of another scheme: want a host name", s)
	}
	t, err := labsTarget(h)
	if err != nil || t.Port != 0 {
		return "", 0, fmt.Errorf("%q is not a host name or IP address", s)
	}
	return t.Host, 0, nil
}

// labsTarget reads host[:port] as probe.ParseTarget does, an internationalised name
// (bücher.example) as its A-label (xn--bcher-kva.example).
func labsTarget(h string) (probe.Target, error) {
	if strings.ContainsFunc(h, func(r rune) bool { return r >= 0x80 }) {
		host, port, err := net.SplitHostPort(h)
		if err != nil {
			host, port = h, ""
		}
		if host, err = idna.Lookup.ToASCII(host); err != nil {
			return probe.Target{}, err
		}
		h = host
		if port != "" {
			h = net.JoinHostPort(host, port)
		}
	}
	return probe.ParseTarget(h, 0)
}

func labsHostResults(file, path string, raw json.RawMessage) ([]result.Result, error) {
	var h labsHost
	if err := json.Unmarshal(raw, &h); err != nil {
		return nil, decodeErr(file, path, raw, err)
	}
	if h.Host == "" {
		if h.IPAddress != "" {
			return nil, &PathError{File: file, Path: path + ".host", Err: fmt.Errorf("missing: this is an SSL Labs endpoint object (getEndpointData) without its host; import the host object (analyze?all=done), which names the host and holds the endpoints")}
		}
		return nil, &PathError{File: file, Path: path + ".host", Err: fmt.Errorf("missing host (not an SSL Labs API host object)")}
	}
	host, urlPort, err := labsHostName(h.Host)
	if err != nil {
		return nil, &PathError{File: file, Path: path + ".host", Err: err}
	}
	switch {
	case h.Port < 0 || h.Port > 65535:
		return nil, &PathError{File: file, Path: path + ".port", Err: fmt.Errorf("bad port %d (want 1-65535)", h.Port)}
	case urlPort != 0 && h.Port != 0 && urlPort != h.Port:
		return nil, &PathError{File: file, Path: path + ".port", Err: fmt.Errorf("port %d differs from the port %d in host %q", h.Port, urlPort, h.Host)}
	case h.Port == 0 && urlPort != 0:
		h.Port = urlPort
	case h.Port == 0:
		h.Port = 443
	}
	switch h.Status {
	case "DNS", "IN_PROGRESS":
		return nil, &PathError{File: file, Path: path + ".status", Err: fmt.Errorf("the assessment had not finished (status %s): fetch the result again once its status is READY", h.Status)}
	}
	base := result.Result{
		Host:   host,
		Port:   h.Port,
		SNI:    host,
		Source: result.SourceSSLLabs,
		Target: net.JoinHostPort(host, strconv.Itoa(h.Port)),
	}
	if _, err := netip.ParseAddr(host); err == nil {
		base.SNI = ""
	}
	if host != h.Host {
		base.Notes = append(base.Notes, fmt.Sprintf("SSL Labs host %q read as %q", h.Host, host))
	}
	if h.StartTime > 0 {
		base.StartedAt = time.UnixMilli(h.StartTime).UTC()
	}
	if len(h.Endpoints) == 0 {
		r := base
		msg := h.StatusMessage
		if msg == "" {
			msg = "no endpoints (status " + h.Status + ")"
		}
		r.Error = &result.Error{Kind: labsErrorKind(msg), Message: msg}
		return []result.Result{r}, nil
	}
	certs := map[string]labsCert{}
	for _, c := range h.Certs {
		certs[c.ID] = c
	}
	var out []result.Result
	for i, er := range h.Endpoints {
		p := path + at(".endpoints", i)
		var e labsEndpoint
		if err := json.Unmarshal(er, &e); err != nil {
			return nil, decodeErr(file, p, er, err)
		}
		r := base
		r.Notes = append([]string(nil), base.Notes...)
		if e.IPAddress != "" {
			a, err := netip.ParseAddr(e.IPAddress)
			if err != nil {
				return nil, &PathError{File: file, Path: p + ".ipAddress", Err: fmt.Errorf("%q is not an IP address", e.IPAddress)}
			}
			r.IP = a.String()
		}
		r.DurationMS = e.Duration
		if e.StatusMessage != "" && e.StatusMessage != "Ready" {
			r.Error = &result.Error{Kind: labsErrorKind(e.StatusMessage), Message: e.StatusMessage}
		}
		switch {
		case e.Details != nil && r.Error == nil:
			if err := labsDetailsInto(file, p+".details", e.Details, certs, &r); err != nil {
				return nil, err
			}
		case e.Details != nil:
			// the details of an endpoint that failed are what SSL Labs had when it
			// stopped: reading them would turn checks never run into "not offered"
			r.Notes = append(r.Notes, "SSL Labs endpoint status "+strconv.Quote(e.StatusMessage)+": its partial details were not imported")
		}
		if e.Grade != "" {
			r.Grade = &result.Grade{
				Letter:       e.Grade,
				TrustIgnored: e.GradeTrustIgnored,
				Criteria:     h.CriteriaVersion,
				GradedBy:     result.SourceSSLLabs,
				Caps:         []result.Rule{},
				Warnings:     []result.Rule{},
			}
		}
		out = append(out, r)
	}
	return out, nil
}

func labsErrorKind(msg string) result.ErrorKind {
	m := strings.ToLower(msg)
	switch {
	case strings.Contains(m, "resolve") || strings.Contains(m, "dns"):
		return result.ErrDNS
	case strings.Contains(m, "timeout") || strings.Contains(m, "timed out"):
		return result.ErrTimeout
	case strings.Contains(m, "no secure protocol") || strings.Contains(m, "not tls") || strings.Contains(m, "no ssl/tls"):
		return result.ErrNotTLS
	case strings.Contains(m, "connect"):
		return result.ErrConnect
	}
	return result.ErrProtocol
}

func labsProtocolKey(id int, name, version string) (result.Protocol, error) {
	if id != 0 {
		if id == 2 { // SSL Labs reports SSL 2.0 as id 512 or 2 depending on age
			return result.SSLv2, nil
		}
		if id == 512 {
			return result.SSLv2, nil
		}
		return result.ProtocolFromVersion(uint16(id))
	}
	switch name + " " + version {
	case "SSL 2.0":
		return result.SSLv2, nil
	case "SSL 3.0":
		return result.SSLv3, nil
	case "TLS 1.0":
		return result.TLS10, nil
	case "TLS 1.1":
		return result.TLS11, nil
	case "TLS 1.2":
		return result.TLS12, nil
	case "TLS 1.3":
		return result.TLS13, nil
	}
	return "", fmt.Errorf("unknown protocol %q %q", name, version)
}

func labsDetailsInto(file, path string, d *labsDetails, certs map[string]labsCert, r *result.Result) error {
	// SSL Labs tests every protocol version, so an unlisted one is not supported; an empty
	// list means the test did not get that far and every protocol stays unknown.
	if len(d.Protocols) > 0 {
		for _, p := range result.AllProtocols() {
			r.Protocols.Set(p, false)
		}
	}
	for i, pr := range d.Protocols {
		key, err := labsProtocolKey(pr.ID, pr.Name, pr.Version)
		if err != nil {
			return &PathError{File: file, Path: fmt.Sprintf("%s.protocols[%d].id", path, i), Err: err}
		}
		r.Protocols.Set(key, true)
	}
	if err := labsSuitesInto(file, path+".suites", d.Suites, r); err != nil {
		return err
	}
	if len(d.CertChains) == 0 && d.Cert != nil {
		leaf := *d.Cert
		if d.Key != nil {
			leaf.KeyAlg, leaf.KeySize = d.Key.Alg, d.Key.Size
			if leaf.KeyKnownDebianInsecure == nil {
				leaf.KeyKnownDebianInsecure = d.Key.DebianFlaw
			}
		}
		chain := labsChain{CertIDs: []string{"details.cert"}}
		v2certs := map[string]labsCert{"details.cert": leaf}
		if d.Chain != nil {
			chain.Issues = d.Chain.Issues
			for i, c := range d.Chain.Certs {
				if i == 0 {
					continue // the leaf again
				}
				id := fmt.Sprintf("details.chain.certs[%d]", i)
				v2certs[id] = c
				chain.CertIDs = append(chain.CertIDs, id)
			}
		}
		r.Certificate = labsCertificate(leaf, chain, v2certs)
	}
	// A server with an RSA and an ECDSA certificate has one chain for each; the first is
	// the result's certificate, as SSL Labs lists it first.
	for i, ch := range d.CertChains {
		if len(ch.CertIDs) == 0 {
			continue
		}
		c, ok := certs[ch.CertIDs[0]]
		if !ok {
			return &PathError{File: file, Path: fmt.Sprintf("%s.certChains[%d].certIds[0]", path, i), Err: fmt.Errorf("certificate id %q not in the host's certs", ch.CertIDs[0])}
		}
		r.Certificates = append(r.Certificates, *labsCertificate(c, ch, certs))
	}
	if len(r.Certificates) > 0 {
		r.Certificate = &r.Certificates[0]
	}
	if len(r.Certificates) > 1 {
		r.Notes = append(r.Notes, fmt.Sprintf("SSL Labs: the server has %d certificate chains; certificate is the first (%s %d), certificates lists all", len(r.Certificates), r.Certificate.KeyAlg, r.Certificate.KeyBits))
	} else {
		r.Certificates = nil
	}
	v := &r.Vulnerabilities
	v.Heartbleed = d.Heartbleed
	v.CCS = labsTri(d.OpenSSLCCS, []int{2, 3}, []int{1})
	v.Ticketbleed = labsTri(d.Ticketbleed, []int{2}, []int{1, 3})
	v.ROBOT = labsTri(d.Bleichenbacher, []int{2, 3}, []int{1, 5})
	v.PaddingOracle = labsTri(d.LuckyMinus20, []int{2}, []int{1})
	v.ZombiePOODLE = labsTri(d.ZombiePoodle, []int{2, 3}, []int{1})
	v.GOLDENDOODLE = labsTri(d.GoldenDoodle, []int{4, 5}, []int{1})
	v.SleepingPOODLE = labsTri(d.SleepingPoodle, []int{10, 11}, []int{1})    // API v3: 10 vulnerable, 11 exploitable
	v.ZeroLengthPaddingOracle = labsTri(d.ZeroLength, []int{6, 7}, []int{1}) // API v3: 6 vulnerable, 7 exploitable
	v.POODLETLS = labsTri(d.PoodleTLS, []int{2}, []int{1, -2})
	v.POODLESSL = d.Poodle
	v.FallbackSCSV = d.FallbackSCSV
	v.FREAK = d.Freak
	v.LOGJAM = d.Logjam
	v.DROWN = d.DrownVuln
	v.BEAST = d.VulnBeast
	v.RC4 = d.SupportsRC4
	if d.RenegSupport != nil {
		v.InsecureRenego = result.Bool(*d.RenegSupport&1 != 0)
		v.SecureRenego = result.Bool(*d.RenegSupport&2 != 0)
		v.SecureClientRenego = result.Bool(*d.RenegSupport&4 != 0)
	}
	if d.Compression != nil {
		v.CRIME = result.Bool(*d.Compression&1 != 0)
	}
	vulnerableCiphers(r)
	for _, id := range []string{"BREACH", "LUCKY13"} {
		note(r, id, "not tested by SSL Labs")
	}
	if d.HSTSPolicy == nil && d.STSHeader != nil { // API v2
		hp := &labsHSTS{Status: d.STSStatus, Header: *d.STSHeader, MaxAge: d.STSMaxAge, IncludeSubDomains: d.STSSubdomains, Preload: d.STSPreload}
		if hp.Status == "" { // before stsStatus: a header is present; stsMaxAge -1 is invalid
			hp.Status = "absent"
			if *d.STSHeader != "" {
				hp.Status = "present"
			}
		}
		if hp.Status == "present" && (d.STSMaxAge == nil || *d.STSMaxAge < 0) {
			hp.Status, hp.MaxAge = "invalid", nil
		}
		d.HSTSPolicy = hp
	}
	if d.HTTPStatusCode != 0 || d.HSTSPolicy != nil {
		r.HTTP = &result.HTTP{Status: d.HTTPStatusCode, Server: d.ServerSig}
		if hp := d.HSTSPolicy; hp != nil && hp.Status != "unknown" && hp.Status != "" {
			h := &result.HSTS{Present: hp.Status == "present", Raw: hp.Header, Invalid: hp.Status == "invalid"}
			if hp.MaxAge != nil {
				h.MaxAge = *hp.MaxAge
			}
			h.IncludeSubdomains = hp.IncludeSubDomains != nil && *hp.IncludeSubDomains
			h.Preload = hp.Preload != nil && *hp.Preload
			r.HTTP.HSTS = h
		}
	}
	if d.Sims != nil {
		for _, s := range d.Sims.Results {
			if !s.Client.IsReference {
				continue
			}
			n := result.Negotiation{Client: strings.TrimSpace(s.Client.Name + " " + s.Client.Version + " " + s.Client.Platform)}
			if s.ErrorCode != 0 {
				n.Error = "handshake failed"
			} else {
				p, err := result.ProtocolFromVersion(uint16(s.ProtocolID))
				if err == nil {
					n.Protocol = p
				}
				n.Cipher, n.ID = s.SuiteName, fmt.Sprintf("0x%04x", s.SuiteID)
			}
			r.ModernClients = append(r.ModernClients, n)
		}
		if len(r.ModernClients) > 0 {
			r.ModernClient = &r.ModernClients[0]
		}
	}
	return nil
}

// labsTri maps an SSL Labs integer test outcome to vulnerable (true), not vulnerable
// (false) or not known (nil: test failed, unknown, inconsistent).
func labsTri(v *int, vulnerable, safe []int) *bool {
	if v == nil {
		return nil
	}
	for _, x := range vulnerable {
		if *v == x {
			return result.Bool(true)
		}
	}
	for _, x := range safe {
		if *v == x {
			return result.Bool(false)
		}
	}
	return nil
}

func labsSuitesInto(file, path string, raw json.RawMessage, r *result.Result) error {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	if raw[0] == '{' { // API v2: one object for all protocols
		var g labsSuites
		if err := json.Unmarshal(raw, &g); err != nil {
			return decodeErr(file, path, raw, err)
		}
		return labsV2Suites(g, r)
	}
	var groups []labsSuites
	if err := json.Unmarshal(raw, &groups); err != nil {
		return decodeErr(file, path, raw, err)
	}
	for gi, g := range groups {
		p, err := labsProtocolKey(g.Protocol, "", "")
		if err != nil {
			return &PathError{File: file, Path: at(path, gi) + ".protocol", Err: err}
		}
		if g.Preference != nil {
			if r.ServerOrder == nil {
				r.ServerOrder = map[result.Protocol]bool{}
			}
			r.ServerOrder[p] = *g.Preference
		}
		for _, s := range g.List {
			r.Ciphers = append(r.Ciphers, labsCipher(p, s))
		}
	}
	return nil
}

// labsV2Suites files API v2's single suite list, which SSL Labs tested with the highest
// protocol offered, under that protocol (TLS 1.3 suites under TLS 1.3, SSL 2.0 kinds under
// SSL 2.0), and takes its preference flag as the server order of every protocol offered.
func labsV2Suites(g labsSuites, r *result.Result) error {
	best := result.Protocol("")
	for _, p := range r.Protocols.List() {
		if p != result.TLS13 && p != result.SSLv2 {
			best = p
		}
	}
	if best == "" && len(g.List) > 0 {
		best = highestProtocol(r)
	}
	for _, s := range g.List {
		p := best
		switch {
		case s.ID>>8 == 0x13:
			p = result.TLS13
		case s.ID > 0xffff:
			p = result.SSLv2
		}
		r.Ciphers = append(r.Ciphers, labsCipher(p, s))
	}
	if g.Preference != nil {
		if r.ServerOrder == nil {
			r.ServerOrder = map[result.Protocol]bool{}
		}
		for _, p := range r.Protocols.List() {
			if p != result.SSLv2 {
				r.ServerOrder[p] = *g.Preference
			}
		}
	}
	if len(g.List) > 0 {
		r.Notes = append(r.Notes, fmt.Sprintf("SSL Labs API v2 lists the cipher suites once, tested with %s: they are filed under it, and which suites older protocols accept is not known", best))
	}
	return nil
}

// labsCipher is one SSL Labs suite under protocol p (v3 names the key exchange by
// kxType and namedGroupBits, v2 by dhStrength and ecdhBits).
func labsCipher(p result.Protocol, s labsSuite) result.Cipher {
	id := fmt.Sprintf("0x%04x", s.ID)
	c := result.Cipher{Protocol: p, ID: id, Name: s.Name, Bits: s.CipherStrength}
	n := strings.ToUpper(s.Name)
	switch {
	case strings.HasPrefix(s.KxType, "ECDH"):
		c.Kx, c.KxBits, c.Group = "ECDHE", s.NamedGroupBits, s.NamedGroupName
	case strings.HasPrefix(s.KxType, "DH"):
		c.Kx, c.KxBits = "DHE", max(s.DHBits, s.KxStrength)
	case s.KxType == "RSA":
		c.Kx, c.KxBits = "RSA", s.KxStrength
	case s.KxType == "" && s.ECDHBits > 0:
		c.Kx, c.KxBits = "ECDHE", s.ECDHBits
	case s.KxType == "" && s.DHStrength > 0:
		c.Kx, c.KxBits = "DHE", s.DHStrength
	}
	if strings.Contains(n, "ECDH_") && !strings.Contains(n, "ECDHE") {
		c.Kx = "ECDH"
	}
	suiteTraits(&c)
	return c
}

func highestProtocol(r *result.Result) result.Protocol {
	l := r.Protocols.List()
	if len(l) == 0 {
		return result.TLS12
	}
	return l[len(l)-1]
}

func labsCertificate(c labsCert, ch labsChain, certs map[string]labsCert) *result.Certificate {
	out := &result.Certificate{
		Subject:       c.Subject,
		Issuer:        c.IssuerSubject,
		SAN:           c.AltNames,
		SigAlg:        c.SigAlg,
		KeyAlg:        c.KeyAlg,
		KeyBits:       c.KeySize,
		HostnameMatch: c.issues()&certMismatch == 0,
		Expired:       c.issues()&certNotAfter != 0,
		NotYetValid:   c.issues()&certNotBefore != 0,
		SelfSigned:    c.issues()&certSelfSigned != 0,
		ChainComplete: ch.Issues&chainIncomplete == 0,
		ChainOrderOK:  ch.Issues&chainBadOrder == 0,
		ChainLen:      len(ch.CertIDs),
		DebianWeakKey: c.KeyKnownDebianInsecure,
	}
	if out.SAN == nil {
		out.SAN = []string{}
	}
	if c.NotBefore > 0 {
		t := time.UnixMilli(c.NotBefore).UTC()
		out.NotBefore = &t
	}
	if c.NotAfter > 0 {
		t := time.UnixMilli(c.NotAfter).UTC()
		out.NotAfter = &t
	}
	switch c.RevocationStatus {
	case 1:
		out.Revoked = result.Bool(true)
	case 2:
		out.Revoked = result.Bool(false)
	}
	out.Trusted, out.TrustError = labsTrust(c, ch)
	if out.Trusted == nil {
		out.Notes = append(out.Notes, "trusted: SSL Labs gives neither the certificate's issues nor a trust path for its chain")
	} else if !*out.Trusted && out.TrustError == "" {
		out.TrustError = "no chain of trust"
		if out.SelfSigned {
			out.TrustError = "self-signed"
		}
	}
	for _, id := range ch.CertIDs {
		cc, ok := certs[id]
		if !ok {
			continue
		}
		e := result.ChainEntry{Subject: cc.Subject, Issuer: cc.IssuerSubject, SigAlg: cc.SigAlg, KeyAlg: cc.KeyAlg, KeyBits: cc.KeySize}
		if cc.NotAfter > 0 {
			t := time.UnixMilli(cc.NotAfter).UTC()
			e.NotAfter = &t
		}
		out.Chain = append(out.Chain, e)
		// SHA-1 on a root (self-issued) does not count: its signature is not checked.
		if cc.Subject != cc.IssuerSubject && strings.HasPrefix(strings.ToUpper(cc.SigAlg), "SHA1") {
			out.SHA1InChain = true
		}
	}
	return out
}
