package probe

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/mhealthsec/mhealthsec/probe/check"
	"github.com/mhealthsec/mhealthsec/probe/result"
)

// stepNamed is the scanner's check called name.
func stepNamed(t testing.TB, s *Scanner, name string) check.Check {
	t.Helper()
	for _, st := range s.steps {
		if st.Name() == name {
			return st.Check
		}
	}
	t.Fatalf("no check %q in the scanner's table", name)
	return nil
}

// TestStepsTable holds the table to what Measure assumes of it.
func TestStepsTable(t *testing.T) {
	s, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for i, st := range s.steps {
		if slices.Contains(names, st.Name()) {
			t.Errorf("check %q twice: its notes could not be told apart", st.Name())
		}
		names = append(names, st.Name())
		// Measure starts the concurrent checks' TLS gate on the first row.
		if i == 0 && (st.Name() != "enumeration" || !st.core || st.tls || st.late) {
			t.Errorf("first row %q core %v tls %v late %v; want the enumeration, core, neither tls nor late", st.Name(), st.core, st.tls, st.late)
		}
		// A late check runs after the enumeration ended; the TLS gate applies only to
		// concurrent ones, so a late tls row would not be skipped on SSL 2.0.
		if st.tls && st.late {
			t.Errorf("check %q is both tls and late", st.Name())
		}
	}
}

// probeCheck is a check for the tests: it records what it was given and fails with err.
type probeCheck struct {
	name string
	err  error
	got  *check.Endpoint
	saw  *[]result.Protocol // the protocols in r when it ran
}

func (p probeCheck) Name() string { return p.name }

func (p probeCheck) Run(_ context.Context, e check.Endpoint, r *result.Result) error {
	if p.got != nil {
		*p.got = e
	}
	if p.saw != nil {
		*p.saw = r.Protocols.List()
	}
	return p.err
}

// TestMeasureAddedCheck: a check added to the table gets the endpoint, runs in its
// place in the schedule, and a non-core failure becomes a note under its name while the
// endpoint is still graded.
func TestMeasureAddedCheck(t *testing.T) {
	l := newLab(t)
	port := l.httpsServer(t, "127.0.0.1", hsts("max-age=31536000"))
	s := l.scanner(t, Config{HTTPPort: -1, ReadTimeout: 2 * time.Second})
	var got check.Endpoint
	var early, late []result.Protocol
	s.steps = append(s.steps,
		step{Check: probeCheck{name: "concurrent", err: errors.New("boom"), got: &got, saw: &early}, tls: true},
		step{Check: probeCheck{name: "after", saw: &late}, late: true})
	r := s.Measure(context.Background(), Target{Host: "localhost", Port: port, Family: IPv4})
	if r.Error != nil {
		t.Fatalf("error %v", r.Error)
	}
	if got.Addr.String() != "127.0.0.1:"+strconv.Itoa(port) || got.Host != "localhost" || got.SNI != "localhost" ||
		got.Timeout != 2*time.Second || got.HTTPPort != -1 || got.Dial == nil || got.DialPort == nil || got.Fetcher == nil {
		t.Errorf("endpoint %+v", got)
	}
	if early != nil {
		t.Errorf("a concurrent check saw the enumeration's protocols %v in its own part of the result", early)
	}
	if len(late) == 0 {
		t.Error("a late check did not see the enumerated protocols")
	}
	if !slices.Contains(r.Notes, "concurrent: boom") {
		t.Errorf("notes %q: no note for the failing check", r.Notes)
	}
	if r.Grade == nil {
		t.Errorf("not graded; notes %q", r.Notes)
	}
}

// TestMerge: what a concurrent check set is copied into the result, and nothing else is
// touched; notes are appended and the first error kept.
func TestMerge(t *testing.T) {
	yes, no := true, false
	enumErr := &result.Error{Kind: result.ErrProtocol, Message: "enumeration"}
	tests := []struct {
		name string
		part result.Result
		want func(r *result.Result)
	}{
		{"nothing", result.Result{}, func(*result.Result) {}},
		{"certificate", result.Result{Certificate: &result.Certificate{ChainLen: 2}},
			func(r *result.Result) { r.Certificate = &result.Certificate{ChainLen: 2} }},
		{"session, ALPN none", result.Result{SessionResumption: &result.SessionResumption{Ticket: &yes}, ALPN: []string{}, EarlyData: &no},
			func(r *result.Result) {
				r.SessionResumption, r.ALPN, r.EarlyData = &result.SessionResumption{Ticket: &yes}, []string{}, &no
			}},
		{"notes and error", result.Result{Notes: []string{"http: x"}, Error: &result.Error{Kind: result.ErrTimeout}},
			func(r *result.Result) { r.Notes = append(r.Notes, "http: x") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base := func() result.Result {
				return result.Result{Target: "a:443", Protocols: result.Protocols{TLS12: &yes}, Notes: []string{"enum"}, Error: enumErr}
			}
			r, want := base(), base()
			tt.want(&want)
			merge(&r, &tt.part)
			if !reflect.DeepEqual(r, want) {
				t.Errorf("merged\n%+v\nwant\n%+v", r, want)
			}
		})
	}
	// An error of a check is kept when the result has none.
	var r result.Result
	merge(&r, &result.Result{Error: enumErr})
	if r.Error != enumErr {
		t.Errorf("error %v, want %v", r.Error, enumErr)
	}
}
