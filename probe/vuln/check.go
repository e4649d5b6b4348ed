package vuln

import (
	"context"

	"github.com/mhealthsec/mhealthsec/probe/check"
	"github.com/mhealthsec/mhealthsec/probe/result"
)

// Checker is Check as a check.Check. It reads the enumeration and HTTP answer in r, so
// the scanner runs it after them. A probe that cannot run is a null and a note in
// r.Vulnerabilities, never an error.
type Checker struct{}

var _ check.Check = Checker{}

// Name is "vulnerabilities".
func (Checker) Name() string { return "vulnerabilities" }

// Run fills r.Vulnerabilities; it returns nil.
func (Checker) Run(ctx context.Context, e check.Endpoint, r *result.Result) error {
	Check(ctx, e.ConnConfig, r)
	return nil
}
