package result

import "strings"

// FieldState says whether a result field holds a measurement.
type FieldState string

// The states of a field. A null field is explained when a note names it (see Coverage).
const (
	Measured        FieldState = "measured"
	NullWithNote    FieldState = "null with note"
	NullWithoutNote FieldState = "null without note"
)

// FieldCoverage is the state of one field of one result.
type FieldCoverage struct {
	// Field is the field's path in the JSON result ("certificate.revocation",
	// "client_simulations[android-4.4].connects").
	Field string
	State FieldState
	// Note is the note that explains a null, empty for a measured field.
	Note string
}

// coveredField is one field every TLS endpoint's result must carry: measured, or null with
// a note. check is the name of the scanner step that fills it; a note of that step ("session:
// skipped: ...") explains the field too.
type coveredField struct {
	path, check string
	null        func(*Result) bool
}

// coveredFields are the fields of issue 12 (docs/result-format.md): revocation, stapling,
// Certificate Transparency, session resumption, ALPN, early data, HTTP security headers
// and the client simulations; and the certificate's trust, null when it could not be
// decided.
func coveredFields() []coveredField {
	noCert := func(r *Result) bool { return r.Certificate == nil }
	noSession := func(r *Result) bool { return r.SessionResumption == nil }
	return []coveredField{
		{"certificate.trusted", "certificate", func(r *Result) bool { return noCert(r) || r.Certificate.Trusted == nil }},
		{"certificate.revocation", "certificate", func(r *Result) bool { return noCert(r) || r.Certificate.Revocation == nil }},
		{"certificate.ocsp_stapling", "certificate", func(r *Result) bool { return noCert(r) || r.Certificate.OCSPStapling == nil }},
		{"certificate.sct", "certificate", func(r *Result) bool { return noCert(r) || r.Certificate.SCT == nil }},
		{"session_resumption", "session", noSession},
		{"session_resumption.session_id", "session", func(r *Result) bool { return noSession(r) || r.SessionResumption.SessionID == nil }},
		{"session_resumption.ticket", "session", func(r *Result) bool { return noSession(r) || r.SessionResumption.Ticket == nil }},
		{"session_resumption.tls13_psk", "session", func(r *Result) bool { return noSession(r) || r.SessionResumption.TLS13PSK == nil }},
		{"alpn", "session", func(r *Result) bool { return r.ALPN == nil }},
		{"early_data", "session", func(r *Result) bool { return r.EarlyData == nil }},
		{"http.security_headers", "http", func(r *Result) bool { return r.HTTP == nil || r.HTTP.SecurityHeaders == nil }},
		{"client_simulations", "client_simulations", func(r *Result) bool { return r.ClientSimulations == nil }},
		// The CBC padding oracles (probe/vuln); their notes are in vulnerabilities.notes.
		{"vulnerabilities.POODLE_TLS", "vulnerabilities", func(r *Result) bool { return r.Vulnerabilities.POODLETLS == nil }},
		{"vulnerabilities.sleeping_poodle", "vulnerabilities", func(r *Result) bool { return r.Vulnerabilities.SleepingPOODLE == nil }},
		{"vulnerabilities.zombie_poodle", "vulnerabilities", func(r *Result) bool { return r.Vulnerabilities.ZombiePOODLE == nil }},
		{"vulnerabilities.goldendoodle", "vulnerabilities", func(r *Result) bool { return r.Vulnerabilities.GOLDENDOODLE == nil }},
		{"vulnerabilities.padding_oracle_2016_2107", "vulnerabilities", func(r *Result) bool { return r.Vulnerabilities.PaddingOracle == nil }},
		{"vulnerabilities.zero_length_padding_oracle", "vulnerabilities", func(r *Result) bool { return r.Vulnerabilities.ZeroLengthPaddingOracle == nil }},
		// DROWN across services: null until the scan's pass compares it (probe.MarkDROWN).
		{"vulnerabilities.drown_same_key", "vulnerabilities", func(r *Result) bool { return r.Vulnerabilities.DROWNSameKey == nil }},
	}
}

// CoveredFields lists the paths Coverage reports on, in its order (each client simulation's
// connects follows them).
func CoveredFields() []string {
	var paths []string
	for _, f := range coveredFields() {
		paths = append(paths, f.path)
	}
	return paths
}

// Coverage reports, for the result of an endpoint that was measured (Error nil), the state
// of each field of CoveredFields and of each client simulation's connects. Nil for a result
// with an error, whose fields the error explains.
//
// A null is explained by a note whose subject, the text before its first ": ", names the
// field, a field it is part of, or the step that measures it: "alpn: ...", "session_resumption,
// alpn, early_data: ...", "session_resumption.ticket: ...", "certificate: ...". Notes are
// looked for in r.Notes, for certificate fields also in certificate.notes, for
// http.security_headers also in http.error (the answer that could not be read), and for a
// simulation in its own note.
func Coverage(r *Result) []FieldCoverage {
	if r.Error != nil {
		return nil
	}
	var out []FieldCoverage
	for _, f := range coveredFields() {
		fc := FieldCoverage{Field: f.path, State: Measured}
		if f.null(r) {
			fc.State = NullWithoutNote
			if n, ok := r.explains(f); ok {
				fc.State, fc.Note = NullWithNote, n
			}
		}
		out = append(out, fc)
	}
	for _, c := range r.ClientSimulations {
		fc := FieldCoverage{Field: "client_simulations[" + c.Client + "].connects", State: Measured}
		if c.Connects == nil {
			fc.State = NullWithoutNote
			if c.Note != "" {
				fc.State, fc.Note = NullWithNote, c.Note
			}
		}
		out = append(out, fc)
	}
	return out
}

// explains returns the note that explains why f is null in r.
func (r *Result) explains(f coveredField) (string, bool) {
	notes := r.Notes
	if r.Certificate != nil && strings.HasPrefix(f.path, "certificate.") {
		notes = append(notes[:len(notes):len(notes)], r.Certificate.Notes...)
	}
	if f.path == "http.security_headers" && r.HTTP != nil && r.HTTP.Error != "" {
		return "http: " + r.HTTP.Error, true
	}
	if id, ok := strings.CutPrefix(f.path, "vulnerabilities."); ok && r.Vulnerabilities.Notes[id] != "" {
		return id + ": " + r.Vulnerabilities.Notes[id], true
	}
	for _, n := range notes {
		subject, _, ok := strings.Cut(n, ": ")
		if !ok {
			continue
		}
		for name := range strings.SplitSeq(subject, ",") {
			name = strings.TrimSpace(name)
			if name == f.path || name == f.check || strings.HasPrefix(f.path, name+".") ||
				name == f.path[strings.LastIndex(f.path, ".")+1:] {
				return n, true
			}
		}
	}
	return "", false
}
