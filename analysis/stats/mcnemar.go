package stats

import (
	"errors"
	"fmt"
	"math"
)

// McNemar is McNemar's test of a paired 2 × 2 table [[a, b], [c, d]] (rows: the
// first measurement, columns: the second), or Bowker's test of symmetry for an
// r × r table. Only the discordant pairs b and c carry information.
type McNemar struct {
	// ChiSquare is R's mcnemar.test: (|b − c| − 1)²/(b + c) with continuity
	// correction (2 × 2 only, and only when b ≠ c), Σ (x_ij − x_ji)²/(x_ij + x_ji)
	// over the off-diagonal pairs otherwise; df = r(r − 1)/2.
	ChiSquare ChiSquare `json:"chi_square"`
	Corrected bool      `json:"corrected"`
	// Exact (2 × 2 only) is the exact conditional test: b of the b + c discordant
	// pairs against a fair coin, binom.test(b, b + c, 0.5), as exact2x2's
	// mcnemar.exact. Its Estimate is b/(b + c); OddsRatio is b/c with the
	// interval from the Clopper–Pearson interval of that proportion.
	Exact     *Binomial  `json:"exact,omitempty"`
	OddsRatio *OddsRatio `json:"odds_ratio,omitempty"`
	// Discordant is b + c (2 × 2) or the off-diagonal total.
	Discordant int `json:"discordant"`
}

// McNemarOddsRatioMethod labels McNemar.OddsRatio.
const McNemarOddsRatioMethod = "conditional odds ratio b/c, exact interval from the Clopper-Pearson interval of b/(b+c)"

// ErrNoDiscordant reports a paired table without discordant pairs: nothing
// changed, and the tests are undefined (R returns NaN).
var ErrNoDiscordant = errors.New("no discordant pairs")

// McNemarTest tests a square table of paired outcomes. correct chooses the
// continuity correction for 2 × 2 tables (R's default is true). Empty rows or
// columns are kept: in a paired table they are categories no pair fell into.
func McNemarTest(t Table, correct bool) (McNemar, error) {
	if err := t.validate(); err != nil {
		return McNemar{}, fmt.Errorf("mcnemar: %w", err)
	}
	r := t.Rows()
	if r < 2 || t.Cols() != r {
		return McNemar{}, fmt.Errorf("mcnemar: table is %d x %d, want square with at least 2 rows", r, t.Cols())
	}
	k := t.Counts
	var m McNemar
	anyDiff := false
	for i := range r {
		for j := i + 1; j < r; j++ {
			m.Discordant += k[i][j] + k[j][i]
			anyDiff = anyDiff || k[i][j] != k[j][i]
		}
	}
	if m.Discordant == 0 {
		return McNemar{}, fmt.Errorf("mcnemar: %w", ErrNoDiscordant)
	}
	m.Corrected = correct && r == 2 && anyDiff
	x2 := 0.0
	for i := range r {
		for j := i + 1; j < r; j++ {
			s := k[i][j] + k[j][i]
			if s == 0 {
				// R divides 0 by 0 here and returns NaN; such a pair is no
				// evidence either way.
				return McNemar{}, fmt.Errorf("mcnemar: cells [%d,%d] and [%d,%d] are both 0 (R gives NaN)", i+1, j+1, j+1, i+1)
			}
			d := math.Abs(float64(k[i][j] - k[j][i]))
			if m.Corrected {
				d--
			}
			x2 += d * d / float64(s)
		}
	}
	m.ChiSquare = chiSquare(x2, float64(r*(r-1)/2), Diagnostics{})
	if r == 2 {
		b, c := k[0][1], k[1][0]
		ex, err := BinomialTest(b, b+c, 0.5, TwoSided)
		if err != nil {
			return McNemar{}, fmt.Errorf("mcnemar: %w", err)
		}
		m.Exact = &ex
		odds := func(p float64) float64 { return p / (1 - p) }
		m.OddsRatio = &OddsRatio{
			Estimate:  float64(b) / float64(c),
			CI:        Interval{odds(ex.CI.Lo), odds(ex.CI.Hi)},
			ConfLevel: 0.95,
			Method:    McNemarOddsRatioMethod,
		}
		if c == 0 {
			m.OddsRatio.Estimate, m.OddsRatio.CI.Hi = math.Inf(1), math.Inf(1)
		}
	}
	return m, nil
}
