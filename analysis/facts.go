package analysis

import (
	"strings"

	"github.com/mhealthsec/mhealthsec/datasets"
	"github.com/mhealthsec/mhealthsec/probe/clientsim"
	"github.com/mhealthsec/mhealthsec/probe/grade"
	"github.com/mhealthsec/mhealthsec/probe/result"
)

// resultFacts is what the study analysis reads from one result, for every trust policy:
// Facts, ClientReach and Describe all read a result through it, so a study can be
// analysed from these few words per endpoint instead of whole results.
type resultFacts struct {
	observed ServerFacts // TLS13 … WeakCipher; Status and Letter unset
	// graded: no error and a grade letter. letter and trustIgnored are normalized.
	graded               bool
	letter, trustIgnored string
	// reason is why a result has no grade: its error ("kind: message"), why the grader
	// cannot grade it ("not graded: …"), or "".
	reason string
	// trustUnknown: the result has a certificate whose trust is null.
	trustUnknown bool
	// sims: the result has client simulations; simKnown and simConnects hold, per
	// client of clientsim.Clients() (bit i for client i), whether the result says if it
	// connects, and that it does.
	sims                  bool
	simKnown, simConnects uint64
}

// simClients are the clients of clientsim.Clients() by name, as bit positions of
// resultFacts' simulation masks.
type simClients map[string]uint

func newSimClients() simClients {
	m := simClients{}
	for i, c := range clientsim.Clients() {
		m[c.Name] = uint(i)
	}
	return m
}

// maxSimClients is how many clients the simulation masks hold.
const maxSimClients = 64

// reduceResult reads the analysis facts of r.
func reduceResult(r *result.Result, clients simClients) resultFacts {
	var f resultFacts
	o := &f.observed
	// Observations stand even when the grade is missing.
	o.TLS13 = r.Protocols.Supported(result.TLS13)
	o.HSTS = r.HTTP != nil && r.HTTP.HSTS != nil && r.HTTP.HSTS.Present && !r.HTTP.HSTS.Invalid && r.HTTP.HSTS.MaxAge > 0
	o.Vulnerable = anyExploitable(&r.Vulnerabilities)
	if c := r.Certificate; c != nil {
		o.CertProblem = (c.Trusted != nil && !*c.Trusted) || !c.HostnameMatch || c.Expired || c.NotYetValid || c.SelfSigned || (c.Revoked != nil && *c.Revoked)
		o.CertUnknown = !o.CertProblem && c.Trusted == nil
		f.trustUnknown = c.Trusted == nil
	}
	o.OldProtocol = r.Protocols.Supported(result.SSLv2) || r.Protocols.Supported(result.SSLv3) || r.Protocols.Supported(result.TLS10)
	o.WeakCipher = r.Vulnerabilities.RC4 != nil && *r.Vulnerabilities.RC4
	for _, c := range r.Ciphers {
		if c.Cipher == "RC4" || c.Cipher == "3DES" || strings.Contains(c.Name, "_RC4_") || strings.Contains(c.Name, "3DES") {
			o.WeakCipher = true
			break
		}
	}
	switch {
	case r.Error != nil:
		f.reason = string(r.Error.Kind) + ": " + r.Error.Message
	case r.Grade != nil && r.Grade.Letter != "":
		f.graded = true
		f.letter = normalizeLetter(r.Grade.Letter)
		f.trustIgnored = normalizeLetter(r.Grade.TrustIgnored)
	default:
		if ok, why := grade.Gradable(r); !ok {
			f.reason = "not graded: " + why
		}
	}
	if r.ClientSimulations != nil {
		f.sims = true
		for _, sim := range r.ClientSimulations { // a later entry for a client wins
			i, ok := clients[sim.Client]
			if !ok || i >= maxSimClients {
				continue
			}
			bit := uint64(1) << i
			f.simKnown &^= bit
			f.simConnects &^= bit
			if sim.Connects != nil {
				f.simKnown |= bit
				if *sim.Connects {
					f.simConnects |= bit
				}
			}
		}
	}
	return f
}

// serverFacts are the facts of a row of scheme https with this result, under trust.
func (rf *resultFacts) serverFacts(trust TrustPolicy) ServerFacts {
	f := rf.observed
	if !rf.graded {
		f.Status = StatusError
		return f
	}
	letter := rf.letter
	if letter == "T" || letter == "M" {
		switch trust {
		case TrustExclude:
			f.Status = StatusTrustExcl
			return f
		case TrustIgnore:
			if rf.trustIgnored != "" {
				letter = rf.trustIgnored
			}
		}
	}
	f.Status, f.Letter = StatusGraded, letter
	f.BelowA = !result.InARange(letter)
	return f
}

// rowFacts is Facts for a row whose result, if any, is reduced to rf.
func rowFacts(s *datasets.Server, rf *resultFacts, trust TrustPolicy) ServerFacts {
	switch {
	case s.Scheme == datasets.SchemeHTTP:
		return ServerFacts{Status: StatusPlainHTTP}
	case rf == nil:
		return ServerFacts{Status: StatusNoResult}
	}
	return rf.serverFacts(trust)
}
