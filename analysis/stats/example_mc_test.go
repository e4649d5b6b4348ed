package stats_test

import (
	"fmt"

	"github.com/mhealthsec/mhealthsec/analysis/stats"
)

// A table beyond the exact test's work limit gets a Monte Carlo p-value, labelled
// with its interval; the same seed gives the same answer.
func ExampleFisherAuto() {
	t, _ := stats.ParseTable("1,5,6,6,4,3,3;4,4,2,1,4,7,1;6,5,1,6,1,1,2;1,3,1,3,5,7,6")
	cfg := stats.FisherConfig{Limits: stats.FisherLimits{MaxN: 10000, MaxCells: 100, MaxWork: 1000}, Replicates: 20000, Seed: 1}
	f, err := stats.FisherAuto(t, cfg)
	if err != nil {
		fmt.Println(err)
		return
	}
	s := f.Simulation
	fmt.Printf("p ≈ %.4f from %d tables; 99%% interval [%.4f, %.4f] (R's exact p: 0.0380)\n", f.P, s.Replicates, s.CI.Lo, s.CI.Hi)
	// Output: p ≈ 0.0366 from 20000 tables; 99% interval [0.0332, 0.0401] (R's exact p: 0.0380)
}

// McNemar's test of paired outcomes: R's example from ?mcnemar.test.
func ExampleMcNemarTest() {
	t, _ := stats.ParseTable("794,86;150,570")
	m, _ := stats.McNemarTest(t, true)
	fmt.Printf("X² = %.3f, p = %.3g; exact p = %.3g\n", m.ChiSquare.Statistic, m.ChiSquare.P, m.Exact.P)
	// Output: X² = 16.818, p = 4.11e-05; exact p = 3.72e-05
}

// The Cochran–Armitage trend test: R's example from ?prop.trend.test.
func ExampleTrendTest() {
	r, _ := stats.TrendTest([]int{83, 90, 129, 70}, []int{86, 93, 136, 82}, nil)
	fmt.Printf("X² = %.4f, p = %.5f\n", r.Statistic, r.P)
	// Output: X² = 8.2249, p = 0.00413
}
