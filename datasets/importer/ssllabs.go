package importer

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"time"

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
	Poodle         *bool           `json:"poodle"`
	PoodleTLS      *int            `json:"poodleTls"`
	FallbackSCSV   *bool           `json:"fallbackScsv"`
	Freak          *bool           `json:"freak"`
	Logjam         *bool           `json:"logjam"`
	DrownVuln      *bool           `json:"drownVulnerable"`
	HSTSPolicy     *labsHSTS       `json:"hstsPolicy"`
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
	Issues                 int      `json:"issues"`
	KeyAlg                 string   `json:"keyAlg"`
	KeySize                int      `json:"keySize"`
	KeyKnownDebianInsecure *bool    `json:"keyKnownDebianInsecure"`
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

// SSLLabs reads one SSL Labs API v3 host object, or a JSON array of them, and returns one
// result per endpoint (IP address). A host that failed as a whole (status ERROR, no
// endpoints) gives one result with Error set. name is used in errors.
func SSLLabs(r io.Reader, name string) ([]result.Result, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	data = bytes.TrimSpace(data)
	var raws []json.RawMessage
	var paths []string
	if len(data) > 0 && data[0] == '[' {
		if err := json.Unmarshal(data, &raws); err != nil {
			return nil, decodeErr(name, "$", data, err)
		}
		for i := range raws {
			paths = append(paths, fmt.Sprintf("$[%d]", i))
		}
	} else {
		raws, paths = []json.RawMessage{data}, []string{"$"}
	}
	var out []result.Result
	for i, raw := range raws {
		rs, err := labsHostResults(name, paths[i], raw)
		if err != nil {
			return nil, err
		}
		out = append(out, rs...)
	}
	return out, nil
}

func labsHostResults(file, path string, raw json.RawMessage) ([]result.Result, error) {
	var h labsHost
	if err := json.Unmarshal(raw, &h); err != nil {
		return nil, decodeErr(file, path, raw, err)
	}
	if h.Host == "" {
		return nil, &PathError{File: file, Path: path + ".host", Err: fmt.Errorf("missing host (not an SSL Labs API v3 host object)")}
	}
	if h.Port == 0 {
		h.Port = 443
	}
	base := result.Result{
		Host:   h.Host,
		Port:   h.Port,
		SNI:    h.Host,
		Source: result.SourceSSLLabs,
	}
	if h.StartTime > 0 {
		base.StartedAt = time.UnixMilli(h.StartTime).UTC()
	}
	if len(h.Endpoints) == 0 {
		r := base
		r.Target = net.JoinHostPort(h.Host, strconv.Itoa(h.Port))
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
		p := fmt.Sprintf("%s.endpoints[%d]", path, i)
		var e labsEndpoint
		if err := json.Unmarshal(er, &e); err != nil {
			return nil, decodeErr(file, p, er, err)
		}
		r := base
		r.IP = e.IPAddress
		r.Target = net.JoinHostPort(h.Host, strconv.Itoa(h.Port))
		r.DurationMS = e.Duration
		if e.StatusMessage != "" && e.StatusMessage != "Ready" {
			r.Error = &result.Error{Kind: labsErrorKind(e.StatusMessage), Message: e.StatusMessage}
		}
		if e.Details != nil {
			if err := labsDetailsInto(file, p+".details", e.Details, certs, &r); err != nil {
				return nil, err
			}
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
	// SSL Labs tests every protocol version, so an unlisted one is not supported.
	for _, p := range result.AllProtocols() {
		r.Protocols.Set(p, false)
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
	if len(d.CertChains) > 0 {
		ch := d.CertChains[0]
		if len(ch.CertIDs) > 0 {
			if c, ok := certs[ch.CertIDs[0]]; ok {
				r.Certificate = labsCertificate(c, ch, certs)
			} else {
				return &PathError{File: file, Path: path + ".certChains[0].certIds[0]", Err: fmt.Errorf("certificate id %q not in the host's certs", ch.CertIDs[0])}
			}
		}
	}
	v := &r.Vulnerabilities
	v.Heartbleed = d.Heartbleed
	v.CCS = labsTri(d.OpenSSLCCS, []int{2, 3}, []int{1})
	v.Ticketbleed = labsTri(d.Ticketbleed, []int{2}, []int{1, 3})
	v.ROBOT = labsTri(d.Bleichenbacher, []int{2, 3}, []int{1, 5})
	v.PaddingOracle = labsTri(d.LuckyMinus20, []int{2}, []int{1})
	v.ZombiePOODLE = labsTri(d.ZombiePoodle, []int{2, 3}, []int{1})
	v.GOLDENDOODLE = labsTri(d.GoldenDoodle, []int{4, 5}, []int{1})
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
	var groups []labsSuites
	if raw[0] == '{' { // early v3 and v2 responses: one object for all protocols
		var g labsSuites
		if err := json.Unmarshal(raw, &g); err != nil {
			return decodeErr(file, path, raw, err)
		}
		groups = []labsSuites{g}
	} else if err := json.Unmarshal(raw, &groups); err != nil {
		return decodeErr(file, path, raw, err)
	}
	for gi, g := range groups {
		proto := result.Protocol("")
		if g.Protocol != 0 {
			p, err := labsProtocolKey(g.Protocol, "", "")
			if err != nil {
				return &PathError{File: file, Path: fmt.Sprintf("%s[%d].protocol", path, gi), Err: err}
			}
			proto = p
			if g.Preference != nil {
				if r.ServerOrder == nil {
					r.ServerOrder = map[result.Protocol]bool{}
				}
				r.ServerOrder[p] = *g.Preference
			}
		}
		for _, s := range g.List {
			c := result.Cipher{Protocol: proto, ID: fmt.Sprintf("0x%04x", s.ID), Name: s.Name, Bits: s.CipherStrength}
			if c.Protocol == "" {
				c.Protocol = highestProtocol(r)
			}
			switch {
			case strings.HasPrefix(s.KxType, "ECDH"):
				c.Kx, c.KxBits, c.Group = "ECDHE", s.NamedGroupBits, s.NamedGroupName
			case strings.HasPrefix(s.KxType, "DH"):
				c.Kx, c.KxBits = "DHE", max(s.DHBits, s.KxStrength)
			case s.KxType == "RSA":
				c.Kx, c.KxBits = "RSA", s.KxStrength
			}
			if strings.Contains(s.Name, "ECDH_") && !strings.Contains(s.Name, "ECDHE") {
				c.Kx = "ECDH"
			}
			suiteTraits(&c)
			r.Ciphers = append(r.Ciphers, c)
		}
	}
	return nil
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
		HostnameMatch: c.Issues&certMismatch == 0,
		Expired:       c.Issues&certNotAfter != 0,
		NotYetValid:   c.Issues&certNotBefore != 0,
		SelfSigned:    c.Issues&certSelfSigned != 0,
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
	// Trusted: no trust issue on the leaf and, where trust paths are given, Mozilla's
	// store (or else any store) trusts one of them.
	out.Trusted = c.Issues&(certNoTrust|certSelfSigned) == 0
	if len(ch.TrustPaths) > 0 {
		trusted, msg := false, ""
		for _, tp := range ch.TrustPaths {
			for _, t := range tp.Trust {
				if t.RootStore != "" && t.RootStore != "Mozilla" {
					continue
				}
				trusted = trusted || t.IsTrusted
				if !t.IsTrusted && t.TrustErrorMessage != nil && msg == "" {
					msg = *t.TrustErrorMessage
				}
			}
		}
		out.Trusted = out.Trusted && trusted
		if !out.Trusted {
			out.TrustError = msg
		}
	}
	if !out.Trusted && out.TrustError == "" {
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
