// Package grade rates a probe result the way Qualys SSL Labs does (its "SSL Server Rating
// Guide" and the announcements that changed it), under a chosen criteria version: certificate
// verdicts (M, T), the protocol, key exchange and cipher scores, the letter, the caps and
// warnings of that version, A− and A+. Every cap and warning carries a reason a person can
// read, so a graded result explains itself. The rules live in one table (rules.go) where
// each row names its source.
package grade

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/mhealthsec/mhealthsec/probe/result"
)

// GradedBy is recorded in every grade this package makes.
const GradedBy = "mhealthsec"

// rank orders score letters from best (A+) to worst (F); a cap lowers a letter to its own
// rank. T and M are not ranks of the score (-1): they are decided before scoring.
func rank(letter string) int { return slices.Index(result.ScoreLetters(), letter) }

func worse(a, b string) string {
	if rank(b) > rank(a) {
		return b
	}
	return a
}

// Gradable reports whether r can be graded, and if not, why: an endpoint that could not be
// assessed (error set) or that spoke no SSL/TLS protocol has nothing to rate, and one whose
// certificate trust is unknown (certificate.trusted null) while nothing else decides the
// certificate verdict could be T or its score's letter, and no letter may pretend to know
// which (docs/grading.md).
func Gradable(r *result.Result) (bool, string) {
	switch {
	case r == nil:
		return false, "no result"
	case r.Error != nil:
		return false, "assessment failed (" + r.Error.Error() + ")"
	case len(r.Protocols.List()) == 0:
		return false, "no SSL/TLS protocol supported or checked"
	case trustUndecided(r.Certificate):
		why := r.Certificate.TrustError
		if why == "" {
			why = "the input does not say"
		}
		return false, "certificate trust unknown (grade T if untrusted, the trust-ignored letter if trusted): " + why
	}
	return true, ""
}

// trustUndecided reports whether the certificate verdict hangs on a trust that was not
// measured: trusted is null, the name matches (else M) and no other fault makes it T.
func trustUndecided(cert *result.Certificate) bool {
	return cert != nil && cert.Trusted == nil && cert.HostnameMatch && len(untrustedBecause(cert)) == 0
}

// Grade rates r under criteria c. It returns nil when r cannot be graded (see Gradable).
// r is not modified. A c that ParseCriteria would refuse grades under Default, and the grade
// records the version actually used.
func Grade(r *result.Result, c Criteria) *result.Grade {
	if ok, _ := Gradable(r); !ok {
		return nil
	}
	if _, err := ParseCriteria(string(c)); err != nil {
		c = Default
	}
	f := newFacts(r)
	g := &result.Grade{Criteria: string(c), GradedBy: GradedBy, Caps: []result.Rule{}, Warnings: []result.Rule{}}

	sc := scores(f)
	g.Protocol, g.KeyExchange, g.Cipher = round(sc.protocol), round(sc.kx), round(sc.cipher)
	g.Score = round(sc.overall)
	letter := scoreLetter(sc.overall)
	g.Warnings = append(g.Warnings, sc.warnings...)

	for _, rl := range rules() {
		if !rl.appliesTo(c) {
			continue
		}
		holds, evidence := rl.check(f)
		if !holds {
			continue
		}
		entry := result.Rule{Rule: rl.id, Effect: rl.effect, Reason: rl.reason(evidence)}
		if rl.effect == warning {
			g.Warnings = append(g.Warnings, entry)
			continue
		}
		g.Caps = append(g.Caps, entry)
		letter = worse(letter, rl.effect)
	}
	if f.cert == nil {
		g.Warnings = append(g.Warnings, result.Rule{Rule: "certificate_unchecked", Effect: warning,
			Reason: "certificate not checked: trust, name and chain could not be judged (warning)"})
	}

	if letter == "A" {
		if len(g.Warnings) > 0 {
			letter = "A-"
		} else if ok, _ := plusEligible(f, c); ok {
			letter = "A+"
		}
	}
	g.TrustIgnored = letter
	g.Letter = letter
	if verdict, rl := certVerdict(f, letter); verdict != "" {
		g.Letter = verdict
		g.Caps = append(g.Caps, rl)
	}
	return g
}

// plusEligible applies the A+ conditions to a server already at A with no warnings.
func plusEligible(f *facts, c Criteria) (bool, string) {
	if ok, why := hstsGood(f.r); !ok {
		return false, why
	}
	if f.cert == nil {
		return false, "certificate chain not checked"
	}
	if f.cert.SHA1InChain {
		return false, "SHA-1 certificate in the chain"
	}
	// Up to 2009q A+ also asked for TLS_FALLBACK_SCSV when a downgrade is possible;
	// notice-2025-02 dropped it in 2009r.
	if c.atMost(string(V2009q)) && len(f.protocols) >= 2 && !isTrue(f.r.Vulnerabilities.FallbackSCSV) {
		return false, "TLS_FALLBACK_SCSV not supported"
	}
	return true, ""
}

// certVerdict returns M or T (out-of-band grades) with the rule that explains it, or "".
// Name mismatch is reported before trust, as the rating guide lists it first.
func certVerdict(f *facts, trustIgnored string) (string, result.Rule) {
	cert := f.cert
	if cert == nil {
		return "", result.Rule{}
	}
	if !cert.HostnameMatch {
		return "M", result.Rule{Rule: "cert_name_mismatch", Effect: "M",
			Reason: fmt.Sprintf("certificate does not match the host name (grade M; %s if trust were ignored)", trustIgnored)}
	}
	why := untrustedBecause(cert)
	if cert.Trusted != nil && !*cert.Trusted && len(why) == 0 {
		te := cert.TrustError
		if te == "" {
			te = "chain does not lead to a trusted root"
		}
		why = append(why, "not trusted: "+te)
	}
	if len(why) == 0 {
		return "", result.Rule{}
	}
	return "T", result.Rule{Rule: "cert_not_trusted", Effect: "T",
		Reason: fmt.Sprintf("certificate %s (grade T; %s if trust were ignored)", strings.Join(why, ", "), trustIgnored)}
}

// untrustedBecause lists the faults of the leaf itself that make it untrusted whatever
// its chain: expired, not yet valid, self-signed, revoked, SHA-1 signed.
func untrustedBecause(cert *result.Certificate) []string {
	var why []string
	if cert.Expired {
		why = append(why, "expired")
	}
	if cert.NotYetValid {
		why = append(why, "not yet valid")
	}
	if cert.SelfSigned {
		why = append(why, "self-signed")
	}
	if isTrue(cert.Revoked) {
		why = append(why, "revoked")
	}
	if sha1Leaf(cert) {
		// SHA-1 leaf certificates are untrusted from 2017 on, which covers every version we
		// implement (blog-2016-11 announcement, in force with 2009n).
		why = append(why, "SHA-1 signed")
	}
	return why
}

func sha1Leaf(cert *result.Certificate) bool {
	alg := strings.ToUpper(strings.ReplaceAll(cert.SigAlg, "-", ""))
	return strings.Contains(alg, "SHA1")
}

type categoryScores struct {
	protocol, kx, cipher, overall float64
	warnings                      []result.Rule
}

// protocolScore is the rating guide's protocol table. The guide gives SSL 2.0 20%, where
// grading.md says 0; the source wins. It rarely matters: SSL 2.0 caps the grade at F.
func protocolScore(p result.Protocol) float64 {
	switch p {
	case result.SSLv2:
		return 20
	case result.SSLv3:
		return 80
	case result.TLS10:
		return 90
	case result.TLS11:
		return 95
	}
	return 100
}

func scores(f *facts) categoryScores {
	var s categoryScores
	s.protocol = (protocolScore(f.best) + protocolScore(f.worst)) / 2

	kx, kxKnown := keyExchangeScore(f)
	cipher, cipherKnown := cipherScore(f)
	s.kx, s.cipher = kx, cipher

	// A category the probe did not observe is left out of the weighted sum rather than
	// guessed, and a warning says so.
	weights := [3]float64{0.3, 0.3, 0.4}
	values := [3]float64{s.protocol, kx, cipher}
	known := [3]bool{true, kxKnown, cipherKnown}
	if !kxKnown {
		s.warnings = append(s.warnings, result.Rule{Rule: "key_exchange_unknown", Effect: warning,
			Reason: "no key sizes observed: key exchange left out of the score (warning)"})
	}
	if !cipherKnown {
		s.warnings = append(s.warnings, result.Rule{Rule: "ciphers_unknown", Effect: warning,
			Reason: "no cipher suites observed: cipher strength left out of the score (warning)"})
	}
	var sum, wsum float64
	for i := range values {
		if !known[i] {
			continue
		}
		if values[i] == 0 {
			return s // a zero in any category makes the overall score zero
		}
		sum += weights[i] * values[i]
		wsum += weights[i]
	}
	s.overall = sum / wsum
	return s
}

// keyExchangeScore scores the weakest key the server uses.
func keyExchangeScore(f *facts) (float64, bool) {
	if f.cert != nil && isTrue(f.cert.DebianWeakKey) {
		return 0, true
	}
	if anon, _ := f.any(func(s suite) bool { return s.anon }); anon {
		return 0, true
	}
	bits, _ := f.weakestKey()
	if bits == 0 {
		return 0, false
	}
	score := keyBitsScore(bits)
	if export, _ := f.any(func(s suite) bool { return s.export }); export && score > 40 {
		score = 40 // "exportable key exchange (limited to 512 bits)"
	}
	return score, true
}

func keyBitsScore(bits int) float64 {
	switch {
	case bits < 512:
		return 20
	case bits < 1024:
		return 40
	case bits < 2048:
		return 80
	case bits < 4096:
		return 90
	}
	return 100
}

// cipherScore averages the strongest and weakest suite's score.
func cipherScore(f *facts) (float64, bool) {
	lo, hi, seen := 0, 0, false
	for _, s := range f.suites {
		if !s.bitsKnown {
			continue
		}
		if !seen || s.scoreBits < lo {
			lo = s.scoreBits
		}
		if !seen || s.scoreBits > hi {
			hi = s.scoreBits
		}
		seen = true
	}
	if !seen {
		return 0, false
	}
	return (cipherBitsScore(lo) + cipherBitsScore(hi)) / 2, true
}

func cipherBitsScore(bits int) float64 {
	switch {
	case bits == 0:
		return 0
	case bits < 128:
		return 20
	case bits < 256:
		return 80
	}
	return 100
}

func scoreLetter(score float64) string {
	switch {
	case score >= 80:
		return "A"
	case score >= 65:
		return "B"
	case score >= 50:
		return "C"
	case score >= 35:
		return "D"
	case score >= 20:
		return "E"
	}
	return "F"
}

func round(x float64) int { return int(math.Round(x)) }
