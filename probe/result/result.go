// Package result defines the probe result: one JSON object per endpoint, the shape that the
// probe, the importers, the grader and the analysis all speak
// (docs/result-format.md). Keys are stable; new keys may be added.
//
// A check that could not run is recorded as null (a nil pointer), never as false: false means
// "checked, not vulnerable / not supported".
package result

import (
	"bytes"
	"encoding/json"
	"time"
)

// Sources of a result.
const (
	SourceProbe   = "probe"
	SourceTestssl = "testssl"
	SourceSSLLabs = "ssllabs"
)

// Result is everything known about one endpoint (host, IP, port).
type Result struct {
	Target string `json:"target"`
	Host   string `json:"host"`
	IP     string `json:"ip"`
	Port   int    `json:"port"`
	SNI    string `json:"sni"`
	// StartedAt is when the measurement started; the zero time (an imported result whose
	// input has no time) is written as null.
	StartedAt  time.Time `json:"started_at"`
	DurationMS int64     `json:"duration_ms"`
	Source     string    `json:"source"`
	Error      *Error    `json:"error"`

	Protocols Protocols `json:"protocols"`
	// Ciphers lists every accepted suite, per protocol.
	Ciphers []Cipher `json:"ciphers"`
	// ServerOrder says, per protocol key ("TLS1_2"), whether the server imposes its own
	// suite preference.
	ServerOrder map[Protocol]bool `json:"server_order"`
	// Ephemeral lists the ephemeral key exchange parameters seen per suite family.
	Ephemeral []EphemeralKey `json:"ephemeral,omitempty"`
	// ModernClient is what the first reference client negotiated; ModernClients holds all
	// of them. Grading caps "with modern clients" consult ModernClients.
	ModernClient  *Negotiation  `json:"modern_client"`
	ModernClients []Negotiation `json:"modern_clients,omitempty"`

	Certificate *Certificate `json:"certificate"`
	// Certificates lists every certificate a server presented when it has several (an
	// RSA and an ECDSA one); Certificate is the first of them. Empty with one certificate.
	Certificates    []Certificate   `json:"certificates,omitempty"`
	Vulnerabilities Vulnerabilities `json:"vulnerabilities"`
	HTTP            *HTTP           `json:"http"`
	PlainHTTP       *PlainHTTP      `json:"plain_http"`
	// SessionResumption, ALPN and EarlyData are what the server does beyond one handshake
	// (package probe/session); each is null, with a note, when it could not be measured.
	SessionResumption *SessionResumption `json:"session_resumption"`
	// ALPN lists the protocols of h2 and http/1.1 the server agrees to; [] when it
	// negotiates none.
	ALPN []string `json:"alpn"`
	// EarlyData is true when a TLS 1.3 ticket of the server allows 0-RTT data.
	EarlyData *bool  `json:"early_data"`
	Grade     *Grade `json:"grade"`
	// Notes records what the scanner decided on the way (other resolved addresses, steps
	// that could not run and why).
	Notes []string `json:"notes,omitempty"`

	// ClientSimulations is what each reference client (Android, iOS, okhttp, browsers)
	// would negotiate; null when the simulation did not run (why is in Notes).
	ClientSimulations []ClientSimulation `json:"client_simulations"`

	// SSLv2Certificate identifies the certificate an SSL 2.0 SERVER-HELLO carried; absent
	// when the endpoint does not speak SSL 2.0. DROWN across services compares its key
	// with every other endpoint's (probe.MarkDROWN).
	SSLv2Certificate *CertificateID `json:"sslv2_certificate,omitempty"`
}

// CertificateID identifies a certificate and its public key by SHA-256, as lowercase hex.
type CertificateID struct {
	// SHA256 is the fingerprint of the certificate's DER: what testssl.sh prints and
	// censys searches by.
	SHA256 string `json:"sha256"`
	// SPKISHA256 is the SHA-256 of the DER SubjectPublicKeyInfo: one key in any
	// certificate (HPKP's pin, SSL Labs' pinSha256 in hex). Empty when the certificate
	// does not parse; Error says why.
	SPKISHA256 string `json:"spki_sha256,omitempty"`
	Subject    string `json:"subject,omitempty"`
	KeyAlg     string `json:"key_alg,omitempty"`
	KeyBits    int    `json:"key_bits,omitempty"`
	Error      string `json:"error,omitempty"`
}

// MarshalJSON writes the result with started_at null when StartedAt is the zero time, so
// that no reader takes 0001-01-01 for a measurement time.
func (r Result) MarshalJSON() ([]byte, error) {
	type plain Result // the same fields without this method
	b, err := json.Marshal(plain(r))
	if err != nil || !r.StartedAt.IsZero() {
		return b, err
	}
	// Keys are written in field order and string values escape '"', so the first match
	// is the key itself. Replacing it keeps the key order and the Go type of the field.
	zero, _ := json.Marshal(r.StartedAt)
	return bytes.Replace(b, append([]byte(`,"started_at":`), zero...), []byte(`,"started_at":null`), 1), nil
}

// Error classifies why an endpoint could not be (fully) assessed.
type Error struct {
	Kind    ErrorKind `json:"kind"`
	Message string    `json:"message"`
}

func (e *Error) Error() string { return string(e.Kind) + ": " + e.Message }

// ErrorKind is one of the error classes of the spec.
type ErrorKind string

// Error kinds.
const (
	ErrConnect  ErrorKind = "connect"
	ErrTimeout  ErrorKind = "timeout"
	ErrDNS      ErrorKind = "dns"
	ErrNotTLS   ErrorKind = "not_tls"
	ErrProtocol ErrorKind = "protocol"
	ErrCanceled ErrorKind = "canceled"
)

// Cipher is one accepted cipher suite under one protocol.
type Cipher struct {
	Protocol Protocol `json:"protocol"`
	// ID is the suite id as hex, "0xc02f"; SSLv2 kinds have six hex digits "0x010080".
	ID             string `json:"id"`
	Name           string `json:"name"`
	Bits           int    `json:"bits"`
	Kx             string `json:"kx"`
	KxBits         int    `json:"kx_bits"`
	ForwardSecrecy bool   `json:"forward_secrecy"`
	AEAD           bool   `json:"aead"`
	// Cipher is the symmetric algorithm family: AES, CHACHA20, 3DES, RC4, NULL, ...
	Cipher string `json:"cipher,omitempty"`
	Export bool   `json:"export,omitempty"`
	// BlockBits is the block size of a block cipher (64 for 3DES and IDEA), 0 for stream
	// ciphers and AEADs.
	BlockBits int `json:"block_bits,omitempty"`
	// Group names the ephemeral group negotiated with this suite (x25519, secp256r1, dh2048).
	Group string `json:"group,omitempty"`
}

// EphemeralKey describes ephemeral key exchange parameters.
type EphemeralKey struct {
	Kx    string `json:"kx"`    // DHE, ECDHE
	Group string `json:"group"` // x25519, secp256r1, ffdhe2048, dh1024 ...
	Bits  int    `json:"bits"`  // prime bits for DH, curve bits for EC
}

// Negotiation is what a reference client negotiated with the server.
type Negotiation struct {
	Client   string   `json:"client,omitempty"`
	Protocol Protocol `json:"protocol"`
	Cipher   string   `json:"cipher"`
	ID       string   `json:"id,omitempty"`
	Error    string   `json:"error,omitempty"`
}

// ClientSimulation is one reference client's handshake with the server (probe/clientsim).
type ClientSimulation struct {
	Client   string `json:"client"`
	Platform string `json:"platform"`
	Version  string `json:"version,omitempty"`
	// Connects is whether the client would go on with the server's choice; null when the
	// answer could not be read (Note says why).
	Connects *bool    `json:"connects"`
	Protocol Protocol `json:"protocol,omitempty"`
	Cipher   string   `json:"cipher,omitempty"`
	ID       string   `json:"id,omitempty"`
	// Group is the key exchange group: "x25519", "secp256r1", "dh2048"; empty for RSA key
	// transport.
	Group string `json:"group,omitempty"`
	Note  string `json:"note,omitempty"`
}

// Certificate is the leaf certificate with the verdicts on its chain.
//
// Trusted is null when trust could not be decided: the served chain lacks an issuer and
// completing it from AIA was cut short by our own fetch policy or limits (TrustError and
// Notes say which URL and why), or an imported input does not say. False is measured.
type Certificate struct {
	Subject       string     `json:"subject"`
	Issuer        string     `json:"issuer"`
	SAN           []string   `json:"san"`
	NotBefore     *time.Time `json:"not_before"`
	NotAfter      *time.Time `json:"not_after"`
	SigAlg        string     `json:"sig_alg"`
	KeyAlg        string     `json:"key_alg"`
	KeyBits       int        `json:"key_bits"`
	KeyExponent   int        `json:"key_exponent,omitempty"`
	Trusted       *bool      `json:"trusted"`
	TrustError    string     `json:"trust_error"`
	HostnameMatch bool       `json:"hostname_match"`
	Expired       bool       `json:"expired"`
	NotYetValid   bool       `json:"not_yet_valid"`
	SelfSigned    bool       `json:"self_signed"`
	ChainComplete bool       `json:"chain_complete"`
	ChainOrderOK  bool       `json:"chain_order_ok"`
	ChainLen      int        `json:"chain_len"`
	// SHA1InChain is true when the leaf or an intermediate (not the root) is SHA-1 signed.
	SHA1InChain bool `json:"sha1_in_chain"`
	// MD5InChain is true when the leaf or an intermediate (not the root) is MD5 signed.
	MD5InChain bool `json:"md5_in_chain,omitempty"`
	// Revoked and DebianWeakKey are null when not checked.
	Revoked       *bool        `json:"revoked"`
	DebianWeakKey *bool        `json:"debian_weak_key"`
	Chain         []ChainEntry `json:"chain,omitempty"`
	// Revocation is the leaf's status at its OCSP responder or, failing that, its CRL;
	// null (with a note) when it could not be checked.
	Revocation *Revocation `json:"revocation"`
	// OCSPStapling is what the server stapled to the handshake; null (with a note) when no
	// handshake that asks for a staple completed.
	OCSPStapling *OCSPStapling `json:"ocsp_stapling"`
	// SCT counts the leaf's Certificate Transparency timestamps; null (with a note) when
	// not every source could be seen.
	SCT *SCT `json:"sct"`
	// Notes say how a verdict was reached when the chain alone does not show it, such as
	// "chain completed via AIA from http://...".
	Notes []string `json:"notes,omitempty"`

	// SHA256 and SPKISHA256 identify the leaf and its key (as in CertificateID); empty
	// when the source did not give them (imported results).
	SHA256     string `json:"sha256,omitempty"`
	SPKISHA256 string `json:"spki_sha256,omitempty"`
}

// Revocation statuses, as OCSP (RFC 6960 2.2) names them; a CRL gives good or revoked.
const (
	RevocationGood    = "good"
	RevocationRevoked = "revoked"
	RevocationUnknown = "unknown"
)

// Revocation is the answer of the leaf's OCSP responder (method "ocsp") or CRL ("crl").
type Revocation struct {
	OCSPURL   string     `json:"ocsp_url"`
	CRLURLs   []string   `json:"crl_urls"`
	Status    string     `json:"status"`
	Method    string     `json:"method"`
	CheckedAt time.Time  `json:"checked_at"`
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
}

// OCSPStapling is the OCSP response stapled to the handshake (status_request). Offered
// false means a handshake asked and none came; Status and Valid are null then, and Valid
// is null when the issuer needed to check the response is unknown.
type OCSPStapling struct {
	Offered bool    `json:"offered"`
	Status  *string `json:"status"`
	Valid   *bool   `json:"valid"`
	Error   string  `json:"error,omitempty"`
}

// SCT is how many Certificate Transparency signed certificate timestamps came with the
// leaf, and from where: "certificate" (embedded), "tls_extension", "ocsp" (stapled).
type SCT struct {
	Count   int      `json:"count"`
	Sources []string `json:"sources"`
}

// SessionResumption says how the server resumes a session: by TLS 1.2 (or older) session
// id, by TLS 1.2 (or older) session ticket (RFC 5077), by TLS 1.3 pre-shared key. Each is
// null when it could not be measured; false when the server did not resume.
type SessionResumption struct {
	SessionID *bool `json:"session_id"`
	Ticket    *bool `json:"ticket"`
	TLS13PSK  *bool `json:"tls13_psk"`
}

// ChainEntry is one certificate as the server sent it.
type ChainEntry struct {
	Subject  string     `json:"subject"`
	Issuer   string     `json:"issuer"`
	SigAlg   string     `json:"sig_alg"`
	KeyAlg   string     `json:"key_alg"`
	KeyBits  int        `json:"key_bits"`
	NotAfter *time.Time `json:"not_after,omitempty"`
}

// Vulnerabilities holds the checks by their testssl.sh ids. For secure_renego and
// fallback_SCSV true is good (supported); for every other key true means vulnerable or
// offered. Nil means the check could not run; Notes says why.
type Vulnerabilities struct {
	Heartbleed         *bool `json:"heartbleed"`
	CCS                *bool `json:"CCS"`
	Ticketbleed        *bool `json:"ticketbleed"`
	ROBOT              *bool `json:"ROBOT"`
	SecureRenego       *bool `json:"secure_renego"`
	SecureClientRenego *bool `json:"secure_client_renego"`
	CRIME              *bool `json:"CRIME_TLS"`
	BREACH             *bool `json:"BREACH"`
	POODLESSL          *bool `json:"POODLE_SSL"`
	FallbackSCSV       *bool `json:"fallback_SCSV"`
	SWEET32            *bool `json:"SWEET32"`
	FREAK              *bool `json:"FREAK"`
	DROWN              *bool `json:"DROWN"`
	LOGJAM             *bool `json:"LOGJAM"`
	BEAST              *bool `json:"BEAST"`
	LUCKY13            *bool `json:"LUCKY13"`
	RC4                *bool `json:"RC4"`
	// Checks SSL Labs grades on that testssl.sh does not name the same way; nil when unknown.
	InsecureRenego *bool `json:"insecure_renego,omitempty"`
	// The CBC padding oracles (probe/vuln), always written: null with a note when not
	// measured. SleepingPOODLE is SSL Labs' Sleeping POODLE: a CBC record with wrong padding
	// bytes and a valid MAC met with silence while other errors are refused.
	POODLETLS      *bool `json:"POODLE_TLS"`
	PaddingOracle  *bool `json:"padding_oracle_2016_2107"`
	ZombiePOODLE   *bool `json:"zombie_poodle"`
	GOLDENDOODLE   *bool `json:"goldendoodle"`
	SleepingPOODLE *bool `json:"sleeping_poodle"`
	// ZeroLengthPaddingOracle is SSL Labs' 0-length padding oracle (OpenSSL's CVE-2019-1559):
	// a record of padding only, with no room for a MAC, refused otherwise than a bad MAC.
	ZeroLengthPaddingOracle *bool `json:"zero_length_padding_oracle"`
	// Notes explains, per id, why a check is null or how it was decided.
	Notes map[string]string `json:"notes,omitempty"`

	// DROWNSameKey lists the other endpoints of the scan (their targets) that speak SSL
	// 2.0 with this endpoint's RSA key, which makes this endpoint DROWN-vulnerable too;
	// [] when the scan's results were compared and none does; null when they were not
	// compared (the scan's cross-service pass, probe.MarkDROWN, has not run) or this
	// endpoint's key is unknown.
	DROWNSameKey []string `json:"drown_same_key"`
}

// HTTP is what GET / over TLS returned.
type HTTP struct {
	Status      int    `json:"status"`
	HSTS        *HSTS  `json:"hsts"`
	Compression string `json:"compression"`
	Server      string `json:"server,omitempty"`
	Error       string `json:"error,omitempty"`
	// Note says how the answer was read when it was not the usual way.
	Note string `json:"note,omitempty"`
	// SecurityHeaders are the answer's security-relevant headers (testssl.sh -h); nil when
	// no answer was read.
	SecurityHeaders *SecurityHeaders `json:"security_headers,omitempty"`
}

// SecurityHeaders are the security-relevant headers of one HTTP answer. Each header is
// measured: Present false means the answer did not carry it.
type SecurityHeaders struct {
	HSTS                HeaderValue `json:"hsts"`
	HPKP                HeaderValue `json:"hpkp"` // Public-Key-Pins, or its -Report-Only form
	CSP                 HeaderValue `json:"csp"`  // Content-Security-Policy, or its -Report-Only form
	XFrameOptions       HeaderValue `json:"x_frame_options"`
	XContentTypeOptions HeaderValue `json:"x_content_type_options"`
	ReferrerPolicy      HeaderValue `json:"referrer_policy"`
	PermissionsPolicy   HeaderValue `json:"permissions_policy"`
	Server              HeaderValue `json:"server"` // a banner: present is what testssl.sh flags
	XPoweredBy          HeaderValue `json:"x_powered_by"`
	// Cookies lists the Set-Cookie headers by name with their flags (values are not kept).
	Cookies []Cookie `json:"cookies"`
}

// HeaderValue is one header: whether it was sent and its first value.
type HeaderValue struct {
	Present bool   `json:"present"`
	Value   string `json:"value,omitempty"`
}

// Cookie is one Set-Cookie header's name and flags.
type Cookie struct {
	Name     string `json:"name"`
	Secure   bool   `json:"secure"`
	HTTPOnly bool   `json:"http_only"`
	// SameSite is the attribute's value ("Strict", "Lax", "None"), "" when absent.
	SameSite string `json:"same_site"`
}

// HSTS is the parsed Strict-Transport-Security header.
type HSTS struct {
	Present           bool   `json:"present"`
	MaxAge            int64  `json:"max_age"`
	IncludeSubdomains bool   `json:"include_subdomains"`
	Preload           bool   `json:"preload"`
	Invalid           bool   `json:"invalid,omitempty"`
	Raw               string `json:"raw,omitempty"`
	// Note explains an invalid header or why one of several headers was used.
	Note string `json:"note,omitempty"`
}

// PlainHTTP is what the same host answered on plain HTTP.
type PlainHTTP struct {
	Checked          bool   `json:"checked"`
	Reachable        bool   `json:"reachable"`
	RedirectsToHTTPS bool   `json:"redirects_to_https"`
	Port             int    `json:"port,omitempty"`
	Status           int    `json:"status,omitempty"`
	Location         string `json:"location,omitempty"`
	// HSTSIgnored is true when the plain-HTTP answer carried a Strict-Transport-Security
	// header: browsers ignore it there (RFC 6797, 8.1), so it protects nothing.
	HSTSIgnored bool   `json:"hsts_ignored,omitempty"`
	Error       string `json:"error,omitempty"`
	// OnTarget is true when this is the target's own port, which answered plain HTTP
	// instead of TLS (error not_tls); otherwise it is the host's plain-HTTP port.
	OnTarget bool `json:"on_target,omitempty"`
}

// Grade is an SSL Labs style rating and why it is what it is.
type Grade struct {
	Letter       string `json:"letter"`
	Score        int    `json:"score"`
	Protocol     int    `json:"protocol"`
	KeyExchange  int    `json:"key_exchange"`
	Cipher       int    `json:"cipher"`
	Criteria     string `json:"criteria"`
	TrustIgnored string `json:"trust_ignored"`
	Caps         []Rule `json:"caps"`
	Warnings     []Rule `json:"warnings"`
	// GradedBy is "mhealthsec" for our grader, or the tool an imported grade came from.
	GradedBy string `json:"graded_by,omitempty"`
}

// Rule is one cap or warning that applied.
type Rule struct {
	Rule   string `json:"rule"`
	Effect string `json:"effect"`
	Reason string `json:"reason"`
}

// Bool returns a pointer to b, for the nullable fields.
func Bool(b bool) *bool { return &b }
