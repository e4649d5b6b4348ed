package grade

import (
	"strconv"
	"strings"

	"github.com/mhealthsec/mhealthsec/probe/result"
)

// suite is what the grader needs to know about one cipher suite, from the probe's
// classification when present and from the IANA name otherwise.
type suite struct {
	protocol result.Protocol
	name     string
	// bits is the symmetric key length; scoreBits is what the cipher-strength table uses
	// (3DES counts as 168 there but as 112 for the "< 112 bits" rule).
	bits, scoreBits int
	bitsKnown       bool
	rc4, block64    bool
	cbc             bool
	fs, aead        bool
	export, anon    bool
	null            bool
	kx              string
	kxBits          int
	group           string
}

func classify(c result.Cipher) suite {
	name := strings.ToUpper(c.Name)
	family := strings.ToUpper(c.Cipher)
	s := suite{
		protocol: c.Protocol,
		name:     c.Name,
		bits:     c.Bits,
		fs:       c.ForwardSecrecy || c.Protocol == result.TLS13,
		aead:     c.AEAD || c.Protocol == result.TLS13,
		export:   c.Export || strings.Contains(name, "EXPORT") || strings.HasPrefix(name, "EXP"),
		kx:       strings.ToUpper(c.Kx),
		kxBits:   c.KxBits,
		group:    strings.ToLower(c.Group),
	}
	s.rc4 = family == "RC4" || strings.Contains(name, "RC4")
	s.null = family == "NULL" || strings.Contains(name, "WITH_NULL") || strings.HasPrefix(name, "NULL-") ||
		strings.Contains(name, "-NULL-")
	des3 := family == "3DES" || strings.Contains(name, "3DES") || strings.Contains(name, "DES_EDE") || strings.Contains(name, "DES-CBC3")
	s.block64 = c.BlockBits == 64 || des3 || family == "IDEA" || strings.Contains(name, "IDEA") ||
		family == "DES" || strings.Contains(name, "DES_CBC") || family == "RC2" || strings.Contains(name, "RC2")
	if !c.AEAD && c.Protocol != result.TLS13 {
		s.aead = strings.Contains(name, "GCM") || strings.Contains(name, "CHACHA20") || strings.Contains(name, "CCM")
	}
	s.cbc = !s.aead && !s.rc4 && !s.null && (strings.Contains(name, "CBC") || c.BlockBits > 0 || des3)
	if !s.fs {
		s.fs = strings.Contains(s.kx, "DHE") || strings.Contains(name, "_DHE_") || strings.Contains(name, "ECDHE")
	}
	s.anon = strings.Contains(name, "_ANON_") || strings.Contains(name, "ADH") || strings.Contains(name, "AECDH") ||
		strings.Contains(s.kx, "ANON")
	if s.bits == 0 && !s.null {
		s.bits = bitsFromName(c.Name)
	}
	s.bitsKnown = s.bits > 0 || s.null
	s.scoreBits = s.bits
	if s.null {
		s.bits, s.scoreBits = 0, 0
	}
	if des3 && s.bits <= 168 && s.bits >= 112 {
		// The rating guide scores 3DES by its key length (168); its strength is 112 bits.
		s.scoreBits, s.bits = 168, 112
	}
	return s
}

// facts is the result reduced to what the rules ask about.
type facts struct {
	r         *result.Result
	protocols []result.Protocol
	best      result.Protocol
	worst     result.Protocol
	suites    []suite
	// modern holds the suites reference clients negotiated; haveModern is false when the
	// result carries no reference-client data and rules fall back to accepted suites.
	modern     []suite
	haveModern bool
	cert       *result.Certificate
	// certKeyEq is the certificate key's strength in RSA-equivalent bits (0 when unknown).
	certKeyEq int
}

func newFacts(r *result.Result) *facts {
	f := &facts{r: r, protocols: r.Protocols.List(), cert: r.Certificate}
	if n := len(f.protocols); n > 0 {
		f.worst, f.best = f.protocols[0], f.protocols[n-1]
	}
	for _, c := range r.Ciphers {
		f.suites = append(f.suites, classify(c))
	}
	negs := r.ModernClients
	if len(negs) == 0 && r.ModernClient != nil {
		negs = []result.Negotiation{*r.ModernClient}
	}
	for _, n := range negs {
		if n.Error != "" || n.Cipher == "" {
			continue
		}
		f.modern = append(f.modern, f.lookup(n))
	}
	f.haveModern = len(f.modern) > 0
	if f.cert != nil {
		f.certKeyEq = rsaEquivalent(f.cert.KeyAlg, f.cert.KeyBits)
	}
	return f
}

// lookup classifies a negotiated suite, preferring the probe's entry for the same suite.
func (f *facts) lookup(n result.Negotiation) suite {
	var sameName *result.Cipher
	for i := range f.r.Ciphers {
		c := &f.r.Ciphers[i]
		if c.Name != n.Cipher && (n.ID == "" || !strings.EqualFold(c.ID, n.ID)) {
			continue
		}
		if c.Protocol == n.Protocol {
			return classify(*c)
		}
		sameName = c
	}
	if sameName != nil {
		c := *sameName
		c.Protocol = n.Protocol
		return classify(c)
	}
	return classify(result.Cipher{Protocol: n.Protocol, Name: n.Cipher, ID: n.ID, Bits: bitsFromName(n.Cipher)})
}

func bitsFromName(name string) int {
	u := strings.ToUpper(name)
	switch {
	case strings.Contains(u, "NULL"):
		return 0
	case strings.Contains(u, "256") || strings.Contains(u, "CHACHA20"):
		return 256
	case strings.Contains(u, "3DES") || strings.Contains(u, "DES_EDE") || strings.Contains(u, "DES-CBC3"):
		return 168
	case strings.Contains(u, "128") || strings.Contains(u, "RC4") || strings.Contains(u, "IDEA"):
		return 128
	case strings.Contains(u, "DES"):
		return 56
	}
	return 0
}

// rsaEquivalent maps a public key to the RSA modulus size of similar strength (NIST SP
// 800-57 part 1, table 2): a 256-bit curve is worth about 3072-bit RSA.
func rsaEquivalent(alg string, bits int) int {
	switch a := strings.ToUpper(alg); {
	case bits <= 0:
		return 0
	case strings.Contains(a, "EC") || strings.Contains(a, "ED25519") || strings.Contains(a, "ED448") ||
		strings.Contains(a, "X25519") || strings.Contains(a, "X448"):
		return ecToRSA(bits)
	}
	return bits
}

// finiteField reports whether a group name is a finite-field DH group (ffdhe2048, dh1024).
func finiteField(group string) bool {
	return strings.HasPrefix(group, "ffdhe") || strings.HasPrefix(group, "dh")
}

func ecToRSA(bits int) int {
	switch {
	// Curve sizes are reported as the field size (P-521: 521) or the group order (X25519:
	// 253), so the bands start a little below the nominal sizes.
	case bits >= 500:
		return 15360
	case bits >= 380:
		return 7680
	case bits >= 250:
		return 3072
	case bits >= 224:
		return 2048
	case bits >= 160:
		return 1024
	}
	return 512
}

// kxStrength is the RSA-equivalent strength of one suite's key exchange, and whether the
// suite's parameters were known at all.
func (f *facts) kxStrength(s suite) (bits int, known bool) {
	switch {
	case strings.Contains(s.kx, "ECDH") || s.protocol == result.TLS13 && s.kx == "" && !finiteField(s.group):
		if s.kxBits > 0 {
			return ecToRSA(s.kxBits), true
		}
	case strings.Contains(s.kx, "DH") || finiteField(s.group):
		if s.kxBits > 0 {
			return s.kxBits, true
		}
	default: // RSA key transport: the certificate key protects the session keys.
		if s.export && s.kxBits > 0 {
			return s.kxBits, true
		}
		if f.certKeyEq > 0 {
			return f.certKeyEq, true
		}
	}
	return 0, false
}

// weakestKey is the weakest key the server uses (certificate key and ephemeral parameters)
// in RSA-equivalent bits, and what it is; the key exchange score and key-size caps use it.
func (f *facts) weakestKey() (bits int, what string) {
	bits = 1 << 30
	consider := func(b int, w string) {
		if b > 0 && b < bits {
			bits, what = b, w
		}
	}
	if f.cert != nil {
		consider(f.certKeyEq, "certificate "+f.cert.KeyAlg+" key")
	}
	for _, e := range f.r.Ephemeral {
		if strings.Contains(strings.ToUpper(e.Kx), "EC") {
			consider(ecToRSA(e.Bits), e.Kx+" group "+e.Group)
		} else {
			consider(e.Bits, e.Kx+" parameters "+e.Group)
		}
	}
	for _, s := range f.suites {
		if b, ok := f.kxStrength(s); ok {
			consider(b, "key exchange of "+s.name)
		}
	}
	if bits == 1<<30 {
		return 0, ""
	}
	return bits, what
}

func (f *facts) supports(p result.Protocol) bool { return f.r.Protocols.Supported(p) }

// any reports whether an accepted suite satisfies pred, and names the first ones.
func (f *facts) any(pred func(suite) bool) (bool, string) {
	var names []string
	for _, s := range f.suites {
		if pred(s) {
			names = appendUnique(names, s.name)
		}
	}
	return len(names) > 0, summarize(names)
}

// modernPicks reports whether reference clients on TLS 1.1 or later end up with a suite
// satisfying pred. Without reference-client data it falls back to the accepted suites: the
// answer is yes only when every suite offered on TLS 1.1+ satisfies pred, because then no
// client could avoid it.
func (f *facts) modernPicks(pred func(suite) bool) (bool, string) {
	if f.haveModern {
		var names []string
		for _, s := range f.modern {
			if modernProtocol(s.protocol) && pred(s) {
				names = appendUnique(names, s.name+" with "+s.protocol.Label())
			}
		}
		return len(names) > 0, "reference clients negotiate " + summarize(names)
	}
	var names []string
	for _, s := range f.suites {
		if !modernProtocol(s.protocol) {
			continue
		}
		if !pred(s) {
			return false, ""
		}
		names = appendUnique(names, s.name)
	}
	return len(names) > 0, "only " + summarize(names) + " offered with TLS 1.1+ (no reference-client data)"
}

// modernLacks reports whether no reference client gets a suite satisfying pred (falling
// back to: no accepted suite satisfies it).
func (f *facts) modernLacks(pred func(suite) bool) (bool, string) {
	if f.haveModern {
		for _, s := range f.modern {
			if pred(s) {
				return false, ""
			}
		}
		return true, "no reference client negotiates one"
	}
	for _, s := range f.suites {
		if pred(s) {
			return false, ""
		}
	}
	return true, "none offered (no reference-client data)"
}

func modernProtocol(p result.Protocol) bool {
	return p == result.TLS11 || p == result.TLS12 || p == result.TLS13
}

func appendUnique(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}

// summarize names up to three items and counts the rest, so reasons stay readable.
func summarize(names []string) string {
	const show = 3
	if len(names) <= show {
		return strings.Join(names, ", ")
	}
	return strings.Join(names[:show], ", ") + " and " + strconv.Itoa(len(names)-show) + " more"
}

func isTrue(b *bool) bool  { return b != nil && *b }
func isFalse(b *bool) bool { return b != nil && !*b }
