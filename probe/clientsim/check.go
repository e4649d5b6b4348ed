package clientsim

import (
	"context"

	"github.com/mhealthsec/mhealthsec/probe/check"
	"github.com/mhealthsec/mhealthsec/probe/result"
)

// Checker is Fill as a check.Check. It reads the protocols enumeration found in r, so
// the scanner runs it after the enumeration.
type Checker struct{}

var _ check.Check = Checker{}

// Name is "client_simulations".
func (Checker) Name() string { return "client_simulations" }

// Run fills r.ClientSimulations.
func (Checker) Run(ctx context.Context, e check.Endpoint, r *result.Result) error {
	return Fill(ctx, Config{ConnConfig: e.ConnConfig}, r)
}
