package stats

import (
	"fmt"
	"math"
)

// Trend is the Cochran–Armitage test for a trend in proportions, R's
// prop.trend.test: the regression sum of squares of the proportions x_i/n_i on
// the scores, weighted by n_i/(p(1 − p)) with p the pooled proportion, referred to
// chi-squared with one degree of freedom.
type Trend struct {
	ChiSquare
	Scores []float64 `json:"scores"`
	// Pooled is Σx/Σn; Slope is the weighted least-squares slope of the
	// proportions on the scores (its sign is the trend's direction).
	Pooled float64 `json:"pooled"`
	Slope  float64 `json:"slope"`
}

// TrendTest tests x_i successes of n_i trials in ordered groups with the given
// scores (nil means 1, 2, …, as R's default seq_along(x)).
func TrendTest(x, n []int, scores []float64) (Trend, error) {
	if len(x) != len(n) || len(x) < 2 {
		return Trend{}, fmt.Errorf("trend test: %d successes and %d totals, want the same number, at least 2", len(x), len(n))
	}
	if scores == nil {
		scores = make([]float64, len(x))
		for i := range scores {
			scores[i] = float64(i + 1)
		}
	}
	if len(scores) != len(x) {
		return Trend{}, fmt.Errorf("trend test: %d scores for %d groups", len(scores), len(x))
	}
	sx, sn := 0, 0
	for i := range x {
		switch {
		case n[i] < 1:
			return Trend{}, fmt.Errorf("trend test: group %d has n = %d, want at least 1", i+1, n[i])
		case x[i] < 0 || x[i] > n[i]:
			return Trend{}, fmt.Errorf("trend test: group %d has x = %d, not in [0, %d]", i+1, x[i], n[i])
		case math.IsNaN(scores[i]) || math.IsInf(scores[i], 0):
			return Trend{}, fmt.Errorf("trend test: group %d has score %v", i+1, scores[i])
		}
		sx += x[i]
		sn += n[i]
	}
	if sx == 0 || sx == sn {
		return Trend{}, fmt.Errorf("trend test: pooled proportion is %d/%d; the test is undefined (R gives NaN)", sx, sn)
	}
	p := float64(sx) / float64(sn)
	sbar := 0.0
	for i, s := range scores {
		sbar += float64(n[i]) * s
	}
	sbar /= float64(sn)
	num, den := 0.0, 0.0
	for i, s := range scores {
		d := s - sbar
		num += d * (float64(x[i]) - float64(n[i])*p)
		den += float64(n[i]) * d * d
	}
	if den == 0 {
		return Trend{}, fmt.Errorf("trend test: all scores are equal")
	}
	stat := num * num / (p * (1 - p) * den)
	return Trend{
		ChiSquare: chiSquare(stat, 1, Diagnostics{}),
		Scores:    scores, Pooled: p, Slope: num / den,
	}, nil
}
