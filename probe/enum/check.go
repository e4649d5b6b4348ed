package enum

import (
	"context"

	"github.com/mhealthsec/mhealthsec/probe/check"
	"github.com/mhealthsec/mhealthsec/probe/result"
)

// Checker is Measure as a check.Check: the enumeration of an endpoint's protocols and
// suites. It tells e.TLSSeen when the first SSL 3.0/TLS hello is accepted and returns
// r.Error when the endpoint cannot be assessed.
type Checker struct{}

var _ check.Check = Checker{}

// Name is "enumeration".
func (Checker) Name() string { return "enumeration" }

// Run fills the protocols, ciphers, server order, ephemeral keys and modern clients of r.
func (Checker) Run(ctx context.Context, e check.Endpoint, r *result.Result) error {
	return Measure(ctx, Config{ConnConfig: e.ConnConfig, OnTLS: e.TLSSeen}, r)
}
