package paper_test

import (
	"fmt"

	"github.com/mhealthsec/mhealthsec/paper"
)

// Reproduce recomputes the paper from its published numbers; Config.Baseline is the SSL
// Pulse month of Test 1.
func ExampleReproduce() {
	cfg := paper.DefaultConfig()
	cfg.Baseline = "2019-06"
	r, err := paper.Reproduce(cfg)
	if err != nil {
		panic(err)
	}
	t := r.Pulse
	fmt.Printf("%d/%d below A vs SSL Pulse %s (%.2f%%): binomial p = %s\n", r.Below, r.Functional, t.Month, 100*t.PulseBelowA, paper.FormatP(t.GOF.Binomial.P))
	// Output: 44/291 below A vs SSL Pulse 2019-06 (32.76%): binomial p = 1.2e-11
}

// The scorecard: every published number with its verdict.
func ExampleReproduction_Scorecard() {
	r, err := paper.Reproduce(paper.DefaultConfig())
	if err != nil {
		panic(err)
	}
	for _, row := range r.Scorecard[:4] {
		fmt.Printf("%s %q: %s\n", row.ID, row.Published, row.Status)
	}
	// Output:
	// apps "60": consistent
	// servers "823": not recomputable
	// functional "291": not recomputable
	// functional_below_a "44/291, 15.1%": consistent
}

// p-values as the reports print them: three decimals, or two significant digits when small.
func ExampleFormatP() {
	for _, p := range []float64{0.0312, 0.0004, 1.6e-14} {
		fmt.Println(paper.FormatP(p))
	}
	// Output:
	// 0.031
	// 4.0e-04
	// 1.6e-14
}
