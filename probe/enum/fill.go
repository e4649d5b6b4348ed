package enum

import (
	"crypto/rand"
	"fmt"
	"strings"

	"github.com/mhealthsec/mhealthsec/probe/certcheck"
	"github.com/mhealthsec/mhealthsec/probe/result"
	"github.com/mhealthsec/mhealthsec/probe/tlswire"
)

func randRead(b []byte) { _, _ = rand.Read(b) }

// fill writes the measurement into r.
func (m *measurement) fill(r *result.Result) {
	r.Protocols = result.Protocols{}
	r.Ciphers, r.Ephemeral, r.ModernClient, r.ModernClients = nil, nil, nil, nil
	r.ServerOrder = nil
	r.SSLv2Certificate = nil

	var undetermined, broken []*result.Error
	sawTLS, anyAccepted := false, false
	var lastWhy string
	seenEph := map[result.EphemeralKey]bool{}
	for _, p := range result.AllProtocols() {
		runs := flatten(m.runs[p])
		if len(runs) == 0 {
			continue // never tried: the gate failed
		}
		n, incomplete := 0, false
		var cut *result.Error
		for _, rn := range runs {
			if rn == nil {
				incomplete = true
				continue
			}
			n += len(rn.accepted)
			sawTLS = sawTLS || rn.end.sawTLS || len(rn.accepted) > 0
			if rn.end.why != "" {
				lastWhy = rn.end.why
			}
			if !rn.complete() {
				incomplete = true
				if rn.end.err != nil && cut == nil {
					cut = rn.end.err
				}
			}
			for _, a := range rn.accepted {
				if p == result.SSLv2 && r.SSLv2Certificate == nil {
					id := certcheck.Identify(a.sslv2Cert)
					r.SSLv2Certificate = &id
				}
				for _, c := range m.ciphers(p, a) {
					r.Ciphers = append(r.Ciphers, c)
					if c.Kx == "DHE" || c.Kx == "ECDHE" {
						k := result.EphemeralKey{Kx: c.Kx, Group: c.Group, Bits: c.KxBits}
						if !seenEph[k] && c.Group != "" {
							seenEph[k] = true
							r.Ephemeral = append(r.Ephemeral, k)
						}
					}
				}
			}
		}
		if cut == nil {
			cut = &result.Error{Kind: result.ErrProtocol, Message: "check did not finish"}
		}
		cut = &result.Error{Kind: cut.Kind, Message: string(p) + ": " + cut.Message}
		switch {
		case n > 0:
			anyAccepted = true
			r.Protocols.Set(p, true)
			if incomplete {
				broken = append(broken, cut)
				r.Notes = append(r.Notes, "enum: "+string(p)+" cipher list may be incomplete: "+cut.Error())
			}
		case incomplete:
			undetermined = append(undetermined, cut)
			r.Notes = append(r.Notes, "enum: "+string(p)+" not determined: "+cut.Error())
		default:
			r.Protocols.Set(p, false)
		}
	}
	for p, o := range m.order {
		if r.ServerOrder == nil {
			r.ServerOrder = map[result.Protocol]bool{}
		}
		r.ServerOrder[p] = *o
	}
	if len(m.clients) > 0 {
		r.ModernClients = m.clients
		first := m.clients[0]
		r.ModernClient = &first
	}

	switch {
	case m.gateErr != nil:
		r.Error = m.gateErr
	case !anyAccepted && len(undetermined) > 0:
		r.Error = worst(undetermined)
	case !anyAccepted && sawTLS:
		r.Error = &result.Error{Kind: result.ErrProtocol, Message: "no protocol version or cipher suite accepted (" + lastWhy + ")"}
	case !anyAccepted:
		r.Error = &result.Error{Kind: result.ErrNotTLS, Message: "every hello was closed or reset without a TLS answer"}
	case len(broken) > 0:
		r.Error = worst(broken)
	}
}

// worst picks the error to report among several: the kinds that say most about the
// endpoint first.
func worst(errs []*result.Error) *result.Error {
	rank := func(k result.ErrorKind) int {
		switch k {
		case result.ErrCanceled:
			return 0
		case result.ErrConnect, result.ErrDNS:
			return 1
		case result.ErrNotTLS:
			return 2
		case result.ErrProtocol:
			return 3
		}
		return 4 // timeout
	}
	best := errs[0]
	for _, e := range errs[1:] {
		if rank(e.Kind) < rank(best.Kind) {
			best = e
		}
	}
	msgs := make([]string, len(errs))
	for i, e := range errs {
		msgs[i] = e.Message
	}
	return &result.Error{Kind: best.Kind, Message: strings.Join(msgs, "; ")}
}

// ciphers turns an accepted attempt into result ciphers (several for SSL 2.0).
func (m *measurement) ciphers(p result.Protocol, a attempt) []result.Cipher {
	tab := m.c.tab
	if p == result.SSLv2 {
		var out []result.Cipher
		for _, k := range a.kinds {
			s, ok := tab.BySSLv2Kind(k)
			if !ok {
				out = append(out, result.Cipher{Protocol: p, ID: fmt.Sprintf("0x%06x", k), Name: "unknown"})
				continue
			}
			out = append(out, s.Result(p))
		}
		return out
	}
	s, ok := tab.ByID(a.suite)
	if !ok {
		return []result.Cipher{{Protocol: p, ID: fmt.Sprintf("0x%04x", a.suite), Name: "unknown"}}
	}
	c := s.Result(p)
	switch {
	case p == result.TLS13 && a.group != 0:
		c.Kx, c.Group, c.KxBits = "ECDHE", tlswire.GroupName(a.group), tlswire.GroupBits(a.group)
		if a.group >= tlswire.GroupFFDHE2048 && a.group <= 260 {
			c.Kx = "DHE"
		}
	case a.ske != nil:
		c.Group, c.KxBits = a.ske.GroupName, a.ske.Bits
	case c.Kx == "RSA":
		c.KxBits = a.certKey
	}
	return []result.Cipher{c}
}
