package stats_test

import (
	"fmt"

	"github.com/mhealthsec/mhealthsec/analysis/stats"
)

// The study's headline share, 44 of 291 functional servers below the A range, with its 95%
// Wilson score interval.
func ExampleWilson() {
	iv := stats.Wilson(44, 291, 0.95)
	fmt.Printf("%.4f–%.4f\n", iv.Lo, iv.Hi)
	// Output: 0.1146–0.1969
}

func ExampleClopperPearson() {
	iv := stats.ClopperPearson(44, 291, 0.95)
	fmt.Printf("%.4f–%.4f\n", iv.Lo, iv.Hi)
	// Output: 0.1121–0.1976
}

// Fisher's exact test of a 2 × 2 table given by its four cells a, b (first row) and c, d.
func ExampleFisher2x2() {
	f, err := stats.Fisher2x2(3, 1, 1, 3, stats.TwoSided)
	if err != nil {
		panic(err)
	}
	fmt.Printf("p = %.4f\n", f.P)
	// Output: p = 0.4857
}

// A table of counts with named rows and columns, tested at once: Pearson's χ² (with Yates'
// correction for a 2 × 2 table), the G-test, Fisher's exact test and effect sizes.
func ExampleAnalyze() {
	t, err := stats.NewTable([][]int{{12, 30}, {4, 41}}, []string{"international", "German-only"}, []string{"below A", "A range"})
	if err != nil {
		panic(err)
	}
	c, err := stats.Analyze(t)
	if err != nil {
		panic(err)
	}
	fmt.Printf("Pearson χ² = %.3f, df = %.0f, p = %.4f\n", c.Pearson.Statistic, c.Pearson.DF, c.Pearson.P)
	fmt.Printf("Yates p = %.4f, Fisher p = %.4f, φ = %.3f\n", c.Yates.P, c.Fisher.P, c.Phi)
	// Output:
	// Pearson χ² = 5.607, df = 1, p = 0.0179
	// Yates p = 0.0365, Fisher p = 0.0259, φ = 0.254
}

// A table typed as text (as the contingency command takes it): rows separated by ';',
// counts by ','.
func ExampleParseTable() {
	t, err := stats.ParseTable("44,247;45912,92630")
	if err != nil {
		panic(err)
	}
	fmt.Println(t.Rows(), "×", t.Cols(), "table of", t.Total())
	// Output: 2 × 2 table of 138833
}

// The exact binomial test of 44 of 291 against a known share of 35.38% (SSL Pulse, 2018-01).
func ExampleBinomialTest() {
	b, err := stats.BinomialTest(44, 291, 0.3538, stats.TwoSided)
	if err != nil {
		panic(err)
	}
	fmt.Printf("p = %.2g\n", b.P)
	// Output: p = 1.6e-14
}

// Goodness of fit of observed counts to known shares.
func ExampleGoodnessOfFit() {
	c, err := stats.GoodnessOfFit([]float64{44, 247}, []float64{0.3538, 0.6462})
	if err != nil {
		panic(err)
	}
	fmt.Printf("χ² = %.2f, df = %.0f, p = %.2g\n", c.Statistic, c.DF, c.P)
	// Output: χ² = 52.24, df = 1, p = 4.9e-13
}

// Holm's correction of three p-values for multiple testing.
func ExampleAdjust() {
	adj, err := stats.Adjust([]float64{0.01, 0.04, 0.03}, stats.Holm)
	if err != nil {
		panic(err)
	}
	fmt.Printf("%.2f\n", adj)
	// Output: [0.03 0.06 0.06]
}
