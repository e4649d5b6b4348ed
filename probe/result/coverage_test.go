package result

import (
	"slices"
	"testing"
)

// measuredAll is a result of a TLS endpoint with every covered field measured.
func measuredAll() *Result {
	f := false
	return &Result{
		Certificate: &Certificate{
			Trusted:      &f,
			Revocation:   &Revocation{Status: "good"},
			OCSPStapling: &OCSPStapling{},
			SCT:          &SCT{},
		},
		SessionResumption: &SessionResumption{SessionID: &f, Ticket: &f, TLS13PSK: &f},
		ALPN:              []string{},
		EarlyData:         &f,
		HTTP:              &HTTP{SecurityHeaders: &SecurityHeaders{}},
		ClientSimulations: []ClientSimulation{{Client: "android-4.4", Connects: &f}},
		Vulnerabilities: Vulnerabilities{POODLETLS: &f, SleepingPOODLE: &f, ZombiePOODLE: &f, GOLDENDOODLE: &f, PaddingOracle: &f,
			ZeroLengthPaddingOracle: &f, DROWNSameKey: []string{}},
	}
}

func TestCoverage(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(*Result)
		// want maps the fields that are not measured to their state.
		want map[string]FieldState
	}{
		{"all measured", func(*Result) {}, nil},
		{"null alpn, no note", func(r *Result) { r.ALPN = nil },
			map[string]FieldState{"alpn": NullWithoutNote}},
		{"null alpn, a note on another field", func(r *Result) {
			r.ALPN = nil
			r.Notes = []string{"early_data: false: no TLS 1.3", "alpn is mentioned but not the subject"}
		}, map[string]FieldState{"alpn": NullWithoutNote}},
		{"null session fields, one note names all three", func(r *Result) {
			r.SessionResumption, r.ALPN, r.EarlyData = nil, nil, nil
			r.Notes = []string{"session_resumption, alpn, early_data: not measured: handshake: EOF"}
		}, map[string]FieldState{"session_resumption": NullWithNote, "session_resumption.session_id": NullWithNote,
			"session_resumption.ticket": NullWithNote, "session_resumption.tls13_psk": NullWithNote,
			"alpn": NullWithNote, "early_data": NullWithNote}},
		{"the step's note explains its fields", func(r *Result) {
			r.SessionResumption, r.ALPN, r.EarlyData = nil, nil, nil
			r.Notes = []string{"session: skipped: the endpoint speaks SSL 2.0 only"}
		}, map[string]FieldState{"session_resumption": NullWithNote, "session_resumption.session_id": NullWithNote,
			"session_resumption.ticket": NullWithNote, "session_resumption.tls13_psk": NullWithNote,
			"alpn": NullWithNote, "early_data": NullWithNote}},
		{"padding oracles null, one with its note in vulnerabilities.notes", func(r *Result) {
			r.Vulnerabilities.POODLETLS, r.Vulnerabilities.GOLDENDOODLE = nil, nil
			r.Vulnerabilities.Notes = map[string]string{"POODLE_TLS": "not tested: CBC handshake failed", "zombie_poodle": "not vulnerable"}
		}, map[string]FieldState{"vulnerabilities.POODLE_TLS": NullWithNote, "vulnerabilities.goldendoodle": NullWithoutNote}},
		{"drown_same_key not compared, with its note", func(r *Result) {
			r.Vulnerabilities.DROWNSameKey = nil
			r.Vulnerabilities.Notes = map[string]string{"drown_same_key": "not compared yet: ..."}
		}, map[string]FieldState{"vulnerabilities.drown_same_key": NullWithNote}},
		{"one sub-field null with its note", func(r *Result) {
			r.SessionResumption.Ticket = nil
			r.Notes = []string{"session_resumption.ticket: not measured: resuming: EOF"}
		}, map[string]FieldState{"session_resumption.ticket": NullWithNote}},
		{"one sub-field null, the note names a sibling", func(r *Result) {
			r.SessionResumption.Ticket = nil
			r.Notes = []string{"session_resumption.session_id: not measured: EOF"}
		}, map[string]FieldState{"session_resumption.ticket": NullWithoutNote}},
		{"revocation explained in the certificate's notes", func(r *Result) {
			r.Certificate.Revocation = nil
			r.Certificate.Notes = []string{"revocation: not checked: the leaf names no OCSP responder and no CRL"}
		}, map[string]FieldState{"certificate.revocation": NullWithNote}},
		{"trust unknown, with its note", func(r *Result) {
			r.Certificate.Trusted = nil
			r.Certificate.Notes = []string{"trusted: unknown, the chain could not be completed from AIA because we cut the search short: ..."}
		}, map[string]FieldState{"certificate.trusted": NullWithNote}},
		{"trust unknown, no note", func(r *Result) { r.Certificate.Trusted = nil },
			map[string]FieldState{"certificate.trusted": NullWithoutNote}},
		{"no certificate, no note", func(r *Result) { r.Certificate = nil },
			map[string]FieldState{"certificate.trusted": NullWithoutNote, "certificate.revocation": NullWithoutNote, "certificate.ocsp_stapling": NullWithoutNote,
				"certificate.sct": NullWithoutNote}},
		{"security headers without an answer: http.error explains", func(r *Result) {
			r.HTTP = &HTTP{Error: "GET / over https: EOF"}
		}, map[string]FieldState{"http.security_headers": NullWithNote}},
		{"security headers missing beside an answer", func(r *Result) { r.HTTP = &HTTP{Status: 200} },
			map[string]FieldState{"http.security_headers": NullWithoutNote}},
		{"a simulation's unknown answer needs its own note", func(r *Result) {
			r.ClientSimulations = append(r.ClientSimulations, ClientSimulation{Client: "ios-9"},
				ClientSimulation{Client: "ios-10", Note: "answer unreadable: EOF"})
		}, map[string]FieldState{"client_simulations[ios-9].connects": NullWithoutNote,
			"client_simulations[ios-10].connects": NullWithNote}},
		{"no simulations, with the note", func(r *Result) {
			r.ClientSimulations = nil
			r.Notes = []string{"client_simulations: not run, no SSL 3.0 or TLS protocol was found"}
		}, map[string]FieldState{"client_simulations": NullWithNote}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := measuredAll()
			tc.change(r)
			got := map[string]FieldState{}
			var fields []string
			for _, fc := range Coverage(r) {
				fields = append(fields, fc.Field)
				if fc.State != Measured {
					got[fc.Field] = fc.State
				}
				if (fc.State == NullWithNote) != (fc.Note != "") {
					t.Errorf("%s: state %s with note %q", fc.Field, fc.State, fc.Note)
				}
			}
			for f, s := range tc.want {
				if got[f] != s {
					t.Errorf("%s: %q, want %q", f, got[f], s)
				}
			}
			for f, s := range got {
				if _, ok := tc.want[f]; !ok {
					t.Errorf("%s: %q, want measured", f, s)
				}
			}
			for _, f := range CoveredFields() {
				if !slices.Contains(fields, f) {
					t.Errorf("%s not reported", f)
				}
			}
		})
	}
}

func TestCoverageSkipsFailedEndpoints(t *testing.T) {
	if c := Coverage(&Result{Error: &Error{Kind: ErrNotTLS}}); c != nil {
		t.Errorf("Coverage of a failed endpoint = %v, want nil", c)
	}
}
