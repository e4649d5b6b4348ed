package session

import (
	"context"

	probecheck "github.com/mhealthsec/mhealthsec/probe/check" // the tests have a func check
	"github.com/mhealthsec/mhealthsec/probe/result"
)

// Checker is Measure as a probe/check Check: session resumption, ALPN and early data. What
// it cannot measure is null with a note, never an error.
type Checker struct{}

var _ probecheck.Check = Checker{}

// Name is "session".
func (Checker) Name() string { return "session" }

// Run fills r.SessionResumption, r.ALPN and r.EarlyData; it returns nil.
func (Checker) Run(ctx context.Context, e probecheck.Endpoint, r *result.Result) error {
	Measure(ctx, e.ConnConfig, r)
	return nil
}
