package probe

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"sort"
	"strings"

	"github.com/mhealthsec/mhealthsec/probe/grade"
	"github.com/mhealthsec/mhealthsec/probe/result"
)

// DROWN across services. DROWN (CVE-2016-0800) breaks TLS with an RSA key whenever any
// server that holds the same key speaks SSL 2.0: an SMTP server on another machine is
// enough. One endpoint's measurement sees only itself, so the comparison is a pass over a
// whole scan's results: every endpoint whose certificate key (SHA-256 of the
// SubjectPublicKeyInfo) equals the key an SSL 2.0 endpoint of the scan sent in its
// SERVER-HELLO is DROWN-vulnerable, as SSL Labs reports it ("vulnerable (same key with
// SSL 2)"). testssl.sh checks only the endpoint itself and prints the certificate's
// fingerprint for a search elsewhere; certificate.sha256 is that fingerprint.
//
// The pass works on finished results, not during the scan: an endpoint's line is written
// when it is measured, before the endpoints that share its key may be. Its
// vulnerabilities.drown_same_key is null until the pass has compared it. The pass is a
// pure function of the set of results (not of an earlier pass): run again on a changed set
// (a resumed scan, a merge with --newest), it marks and unmarks to fit the new set.

// DROWNKeys indexes the keys of a scan's results: which endpoints speak SSL 2.0 with which
// key, and which keys each endpoint serves. Add every result first, then Mark each.
type DROWNKeys struct {
	sslv2     map[string][]string // SPKI SHA-256 → targets speaking SSL 2.0 with it
	endpoints map[string][]string // target → SPKI SHA-256 of the keys it serves
	order     []string            // targets in the order added
	self      map[string]bool     // targets that speak SSL 2.0 themselves
}

// NewDROWNKeys returns an empty index.
func NewDROWNKeys() *DROWNKeys {
	return &DROWNKeys{sslv2: map[string][]string{}, endpoints: map[string][]string{}, self: map[string]bool{}}
}

// Add records r's SSL 2.0 key, if it speaks SSL 2.0 and its SERVER-HELLO certificate
// parsed, and the keys r serves.
func (k *DROWNKeys) Add(r *result.Result) {
	k.self[r.Target] = isTrue(r.Protocols.SSLv2)
	if c := r.SSLv2Certificate; c != nil && c.SPKISHA256 != "" && isTrue(r.Protocols.SSLv2) {
		if !slices.Contains(k.sslv2[c.SPKISHA256], r.Target) {
			k.sslv2[c.SPKISHA256] = append(k.sslv2[c.SPKISHA256], r.Target)
		}
	}
	if keys := servedKeys(r); keys != nil {
		if _, seen := k.endpoints[r.Target]; !seen {
			k.order = append(k.order, r.Target)
		}
		k.endpoints[r.Target] = keys
	}
}

// servedKeys lists the SPKI hashes of the keys r serves (its leaf certificates and its SSL
// 2.0 certificate); nil when none is known, so no comparison is possible.
func servedKeys(r *result.Result) []string {
	// Imported results carry no key fingerprints, and their DROWN verdict is their tool's
	// (SSL Labs' includes the hosts of its own database): the pass leaves them alone.
	if r.Error != nil || r.Source == result.SourceTestssl || r.Source == result.SourceSSLLabs {
		return nil
	}
	var keys []string
	add := func(spki string) {
		if spki != "" && !slices.Contains(keys, spki) {
			keys = append(keys, spki)
		}
	}
	if r.Certificate != nil {
		add(r.Certificate.SPKISHA256)
	}
	for _, c := range r.Certificates {
		add(c.SPKISHA256)
	}
	if r.SSLv2Certificate != nil {
		add(r.SSLv2Certificate.SPKISHA256)
	}
	return keys
}

// SameKey returns the other endpoints that speak SSL 2.0 with a key target serves, sorted;
// [] when none does; nil when target's keys are unknown (not added, failed, or no
// certificate fingerprint).
func (k *DROWNKeys) SameKey(target string) []string {
	keys, ok := k.endpoints[target]
	if !ok {
		return nil
	}
	out := []string{}
	for _, spki := range keys {
		for _, t := range k.sslv2[spki] {
			if t != target && !slices.Contains(out, t) {
				out = append(out, t)
			}
		}
	}
	sort.Strings(out)
	return out
}

// Flagged maps each endpoint that is DROWN-vulnerable only through another endpoint's SSL
// 2.0 (it does not speak SSL 2.0 itself) to those endpoints.
func (k *DROWNKeys) Flagged() map[string][]string {
	out := map[string][]string{}
	for _, t := range k.order {
		if same := k.SameKey(t); len(same) > 0 && !k.self[t] {
			out[t] = same
		}
	}
	return out
}

// Mark sets r's vulnerabilities.drown_same_key from the index, and DROWN and its note to
// agree with it, and regrades r (with the criteria of its grade) when DROWN changed and
// the grade is this project's. It reports whether r changed. A probe result whose key is
// unknown (no certificate was read) keeps drown_same_key null and its note says so; failed
// and imported results are left as they are.
func (k *DROWNKeys) Mark(r *result.Result) bool {
	same := k.SameKey(r.Target)
	v := &r.Vulnerabilities
	own := r.Protocols.SSLv2
	var drown *bool
	var note string
	sameNote := "" // why drown_same_key is null; none when it is set
	switch {
	case same == nil && (r.Error != nil || servedKeys(r) != nil || r.Source != result.SourceProbe):
		// Failed, imported, or not added to the index: nothing to say.
		return false
	case same == nil:
		sameNote = "not compared: no certificate key was read"
	}
	switch {
	case same == nil && isTrue(own):
		drown, note = result.Bool(true), "VULNERABLE: SSL 2.0 on this endpoint; other services with its key not compared: no certificate key was read"
	case same == nil && own != nil:
		drown, note = result.Bool(false), "no SSL 2.0 here; other services with this key not compared: no certificate key was read"
	case same == nil:
		note = "not tested: SSL 2.0 support unknown, and no certificate key was read to compare with other services"
	case isTrue(own) && len(same) > 0:
		drown, note = result.Bool(true), "VULNERABLE: SSL 2.0 on this endpoint; the same key also speaks SSL 2.0 at "+strings.Join(same, ", ")
	case isTrue(own):
		drown, note = result.Bool(true), "VULNERABLE: SSL 2.0 on this endpoint"
	case len(same) > 0:
		drown, note = result.Bool(true), "VULNERABLE: no SSL 2.0 here, but this endpoint's RSA key speaks SSL 2.0 at "+strings.Join(same, ", ")+" (same key as another service of the scan)"
	case own == nil:
		note = "not tested: SSL 2.0 support unknown here; no other endpoint of the scan speaks SSL 2.0 with this key"
	default:
		drown, note = result.Bool(false), "no SSL 2.0 here, and no other endpoint of the scan speaks SSL 2.0 with this key (services outside the scan not checked)"
	}
	changedVerdict := !sameBool(v.DROWN, drown)
	if !changedVerdict && slices.Equal(v.DROWNSameKey, same) && (v.DROWNSameKey == nil) == (same == nil) &&
		v.Notes["DROWN"] == note && v.Notes["drown_same_key"] == sameNote {
		return false
	}
	v.DROWN, v.DROWNSameKey = drown, same
	if v.Notes == nil {
		v.Notes = map[string]string{}
	}
	v.Notes["DROWN"] = note
	if delete(v.Notes, "drown_same_key"); sameNote != "" {
		v.Notes["drown_same_key"] = sameNote
	}
	if changedVerdict && r.Grade != nil && r.Grade.GradedBy == grade.GradedBy {
		r.Grade = grade.Grade(r, grade.Criteria(r.Grade.Criteria))
	}
	return true
}

func isTrue(b *bool) bool { return b != nil && *b }

func sameBool(a, b *bool) bool { return a == nil && b == nil || a != nil && b != nil && *a == *b }

// DROWNSummary says what a DROWN pass found.
type DROWNSummary struct {
	Results int // results read
	Changed int // results whose DROWN fields or grade changed
	// Regraded counts the results whose grade was made again (DROWN changed); the grades
	// a scan's summary printed before the pass are theirs no longer.
	Regraded int
	// SSLv2Keys counts the distinct keys that speak SSL 2.0 in the scan.
	SSLv2Keys int
	// Flagged maps each endpoint vulnerable only through another endpoint's SSL 2.0 to
	// those endpoints' targets.
	Flagged map[string][]string
}

// String is one line for a command's stderr.
func (s DROWNSummary) String() string {
	msg := fmt.Sprintf("DROWN across services: %d results, %d SSL 2.0 keys, %d endpoints vulnerable through another endpoint's SSL 2.0",
		s.Results, s.SSLv2Keys, len(s.Flagged))
	if s.Regraded > 0 {
		msg += fmt.Sprintf(" (%d regraded)", s.Regraded)
	}
	targets := make([]string, 0, len(s.Flagged))
	for t := range s.Flagged {
		targets = append(targets, t)
	}
	sort.Strings(targets)
	for i, t := range targets {
		if i == 10 {
			msg += fmt.Sprintf("; and %d more", len(targets)-10)
			break
		}
		msg += fmt.Sprintf("; %s (key of %s)", t, strings.Join(s.Flagged[t], ", "))
	}
	return msg
}

// MarkDROWN runs the DROWN pass over one scan's results in place (see DROWNKeys.Mark):
// the function for a set of results held in memory, a notebook's say.
func MarkDROWN(rs []result.Result) DROWNSummary {
	k := NewDROWNKeys()
	for i := range rs {
		k.Add(&rs[i])
	}
	sum := DROWNSummary{Results: len(rs), SSLv2Keys: len(k.sslv2)}
	for i := range rs {
		old := rs[i].Grade
		if k.Mark(&rs[i]) {
			sum.Changed++
			if rs[i].Grade != old {
				sum.Regraded++
			}
		}
	}
	sum.Flagged = k.Flagged()
	return sum
}

// MarkDROWNFile runs the DROWN pass over a results file (JSONL): it reads path once to
// index the keys and again to write every line to w, with the DROWN fields and grade of
// the lines the pass changes replaced in place (other keys, known or not, keep their
// bytes). Blank lines are dropped. A line that is not a result stops the pass with an
// error naming path and line; write w atomically (a temporary file renamed over path) so
// that the file is either the old one or the marked one.
func MarkDROWNFile(path string, w io.Writer) (DROWNSummary, error) {
	k := NewDROWNKeys()
	var sum DROWNSummary
	err := eachLine(path, func(line int, raw []byte) error {
		var r result.Result
		if err := result.DecodeLine(path, line, raw, &r); err != nil {
			return err
		}
		k.Add(&r)
		sum.Results++
		return nil
	})
	if err != nil {
		return sum, err
	}
	sum.SSLv2Keys = len(k.sslv2)
	bw := bufio.NewWriterSize(w, 256<<10)
	err = eachLine(path, func(line int, raw []byte) error {
		var r result.Result
		if err := result.DecodeLine(path, line, raw, &r); err != nil {
			return err
		}
		oldGrade := r.Grade
		if k.Mark(&r) {
			sum.Changed++
			if r.Grade != oldGrade {
				sum.Regraded++
			}
			var err error
			if raw, err = patchDROWN(raw, &r, r.Grade != oldGrade); err != nil {
				return &result.LineError{File: path, Line: line, Field: "vulnerabilities", Err: err}
			}
		}
		bw.Write(raw)
		return bw.WriteByte('\n')
	})
	if err != nil {
		return sum, err
	}
	sum.Flagged = k.Flagged()
	return sum, bw.Flush()
}

// patchDROWN writes r's DROWN fields (and its grade, when regraded) into the line raw,
// keeping every other byte, in one reading of the line.
func patchDROWN(raw []byte, r *result.Result, regraded bool) ([]byte, error) {
	keys := []string{"vulnerabilities"}
	if regraded {
		keys = append(keys, "grade")
	}
	return result.EditKeys(raw, keys, func(key string, old json.RawMessage) ([]byte, error) {
		if key == "grade" {
			return json.Marshal(r.Grade)
		}
		if old == nil || bytes.Equal(bytes.TrimSpace(old), []byte("null")) {
			old = json.RawMessage("{}")
		}
		v := r.Vulnerabilities
		vals := map[string]any{"DROWN": v.DROWN, "drown_same_key": v.DROWNSameKey, "notes": v.Notes}
		return result.EditKeys(old, []string{"DROWN", "drown_same_key", "notes"}, func(k string, _ json.RawMessage) ([]byte, error) {
			return json.Marshal(vals[k])
		})
	})
}

// eachLine calls fn with every non-blank line of path (trimmed) and its number.
func eachLine(path string, fn func(line int, raw []byte) error) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("DROWN pass: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), result.MaxLineBytes)
	line := 0
	for sc.Scan() {
		line++
		if raw := bytes.TrimSpace(sc.Bytes()); len(raw) > 0 {
			if err := fn(line, raw); err != nil {
				return err
			}
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return result.LineTooLong(path, line+1)
		}
		return fmt.Errorf("DROWN pass: read %s: %w", path, err)
	}
	return nil
}
