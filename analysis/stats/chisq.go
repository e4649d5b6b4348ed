package stats

import (
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/stat/distuv"
)

// WarnApproximation is R's warning when an expected count is below 5.
const WarnApproximation = "Chi-squared approximation may be incorrect"

// ChiSquare is the result of a test whose statistic is referred to a chi-squared
// distribution. P comes from the survival function, so it stays accurate in the far
// tail where 1 − CDF would round to 0.
type ChiSquare struct {
	Statistic float64 `json:"statistic"`
	DF        float64 `json:"df"`
	P         float64 `json:"p"`
	Diagnostics
}

// Diagnostics says how far an asymptotic test can be trusted and what was dropped
// before testing.
type Diagnostics struct {
	MinExpected         float64  `json:"min_expected"`
	ShareExpectedBelow5 float64  `json:"share_expected_below_5"`
	Dropped             []string `json:"dropped"`
	Warnings            []string `json:"warnings"`
}

// Expected returns the expected counts under independence, R_i·C_j/N, computed in
// the same order as R's outer(sr, sc)/n.
func Expected(t Table) ([][]float64, error) {
	if err := t.validate(); err != nil {
		return nil, err
	}
	return expected(t), nil
}

func expected(t Table) [][]float64 {
	rs, cs, n := floats(t.RowSums()), floats(t.ColSums()), float64(t.Total())
	e := make([][]float64, len(rs))
	for i := range e {
		e[i] = make([]float64, len(cs))
		for j := range cs {
			e[i][j] = rs[i] * cs[j] / n
		}
	}
	return e
}

// diagnose reports the smallest expected count and the share of cells below 5.
func diagnose(e [][]float64, dropped []string) Diagnostics {
	d := Diagnostics{MinExpected: math.Inf(1), Dropped: dropped}
	below, cells := 0, 0
	for _, r := range e {
		for _, v := range r {
			d.MinExpected = math.Min(d.MinExpected, v)
			if v < 5 {
				below++
			}
			cells++
		}
	}
	d.ShareExpectedBelow5 = float64(below) / float64(cells)
	if below > 0 {
		d.Warnings = append(d.Warnings, WarnApproximation)
	}
	return d
}

// prepared is a table with its empty rows and columns dropped and its expected
// counts, shared by the chi-squared family.
type prepared struct {
	t        Table
	e        [][]float64
	dropped  []string
	df       float64
	diagnose Diagnostics
}

func prepare(t Table) (prepared, error) {
	d, dropped, err := t.DropEmpty()
	if err != nil {
		return prepared{}, err
	}
	e := expected(d)
	return prepared{
		t: d, e: e, dropped: dropped,
		df:       float64((d.Rows() - 1) * (d.Cols() - 1)),
		diagnose: diagnose(e, dropped),
	}, nil
}

// sumCells adds f(observed, expected) over the cells column by column, as R does
// with a column-major matrix.
func (p prepared) sumCells(f func(o, e float64) float64) float64 {
	s := 0.0
	for j := range p.t.Cols() {
		for i := range p.t.Rows() {
			s += f(float64(p.t.Counts[i][j]), p.e[i][j])
		}
	}
	return s
}

func chiSquare(stat, df float64, d Diagnostics) ChiSquare {
	return ChiSquare{Statistic: stat, DF: df, P: distuv.ChiSquared{K: df}.Survival(stat), Diagnostics: d}
}

// PearsonChiSquare tests independence of rows and columns with Pearson's X²
// (no continuity correction), like R's chisq.test(correct = FALSE).
func PearsonChiSquare(t Table) (ChiSquare, error) {
	p, err := prepare(t)
	if err != nil {
		return ChiSquare{}, fmt.Errorf("pearson chi-squared: %w", err)
	}
	x2 := p.sumCells(func(o, e float64) float64 { return (o - e) * (o - e) / e })
	return chiSquare(x2, p.df, p.diagnose), nil
}

// YatesChiSquare is Pearson's X² with Yates' continuity correction, for 2 × 2 tables
// only. Like R it subtracts min(0.5, min|O − E|) rather than 0.5, so the correction
// never flips the sign of a deviation.
func YatesChiSquare(t Table) (ChiSquare, error) {
	p, err := prepare(t)
	if err != nil {
		return ChiSquare{}, fmt.Errorf("yates chi-squared: %w", err)
	}
	if p.t.Rows() != 2 || p.t.Cols() != 2 {
		return ChiSquare{}, fmt.Errorf("yates chi-squared: needs a 2 x 2 table, have %d x %d", p.t.Rows(), p.t.Cols())
	}
	yates := 0.5
	for i := range 2 {
		for j := range 2 {
			yates = math.Min(yates, math.Abs(float64(p.t.Counts[i][j])-p.e[i][j]))
		}
	}
	x2 := p.sumCells(func(o, e float64) float64 {
		d := math.Abs(o-e) - yates
		return d * d / e
	})
	return chiSquare(x2, p.df, p.diagnose), nil
}

// GTest is the likelihood-ratio test of independence, G = 2 Σ O·ln(O/E), with
// empty cells contributing 0.
func GTest(t Table) (ChiSquare, error) {
	p, err := prepare(t)
	if err != nil {
		return ChiSquare{}, fmt.Errorf("g-test: %w", err)
	}
	g := 2 * p.sumCells(func(o, e float64) float64 {
		if o == 0 {
			return 0
		}
		return o * math.Log(o/e)
	})
	return chiSquare(g, p.df, p.diagnose), nil
}

// Residuals returns Pearson residuals (O − E)/√E and standardized residuals
// (O − E)/√(E·(1 − R_i/N)·(1 − C_j/N)), R's chisq.test()$stdres, of the table after
// dropping empty rows and columns.
func Residuals(t Table) (pearson, standardized [][]float64, err error) {
	p, err := prepare(t)
	if err != nil {
		return nil, nil, fmt.Errorf("residuals: %w", err)
	}
	rs, cs, n := floats(p.t.RowSums()), floats(p.t.ColSums()), float64(p.t.Total())
	pearson = make([][]float64, p.t.Rows())
	standardized = make([][]float64, p.t.Rows())
	for i := range pearson {
		pearson[i] = make([]float64, p.t.Cols())
		standardized[i] = make([]float64, p.t.Cols())
		for j := range pearson[i] {
			d := float64(p.t.Counts[i][j]) - p.e[i][j]
			pearson[i][j] = d / math.Sqrt(p.e[i][j])
			// R: V <- outer(sr, sc, function(r, c) r * c * (n - r) * (n - c)/n^3)
			v := rs[i] * cs[j] * (n - rs[i]) * (n - cs[j]) / (n * n * n)
			standardized[i][j] = d / math.Sqrt(v)
		}
	}
	return pearson, standardized, nil
}

// CramersV is √(X²/(N·(min(r, c) − 1))) with Pearson's uncorrected X².
func CramersV(t Table) (float64, error) {
	x, err := PearsonChiSquare(t)
	if err != nil {
		return 0, fmt.Errorf("cramer's v: %w", err)
	}
	d, _, _ := t.DropEmpty()
	return math.Sqrt(x.Statistic / (float64(d.Total()) * float64(min(d.Rows(), d.Cols())-1))), nil
}

// Phi is √(X²/N) with Pearson's uncorrected X²; for a 2 × 2 table it is the absolute
// value of the correlation of the two binary variables.
func Phi(t Table) (float64, error) {
	x, err := PearsonChiSquare(t)
	if err != nil {
		return 0, fmt.Errorf("phi: %w", err)
	}
	return math.Sqrt(x.Statistic / float64(t.Total())), nil
}

// GoodnessOfFit tests observed counts against baseline proportions, like R's
// chisq.test(observed, p = probs, rescale.p = TRUE): probs are rescaled to sum to 1,
// so percentages work and no baseline sample size is needed. Categories with a zero
// proportion and no observations are dropped; a zero proportion with observations
// is an error (X² would be infinite).
func GoodnessOfFit(observed []float64, probs []float64) (ChiSquare, error) {
	if len(observed) != len(probs) {
		return ChiSquare{}, fmt.Errorf("goodness of fit: %d observed counts but %d proportions", len(observed), len(probs))
	}
	var n, sp float64
	for i := range observed {
		o, p := observed[i], probs[i]
		if !(o >= 0) || math.IsInf(o, 0) {
			return ChiSquare{}, fmt.Errorf("goodness of fit: category %d: observed %v is not a non-negative number", i+1, o)
		}
		if !(p >= 0) || math.IsInf(p, 0) {
			return ChiSquare{}, fmt.Errorf("goodness of fit: category %d: proportion %v is not a non-negative number", i+1, p)
		}
		n += o
		sp += p
	}
	if n == 0 {
		return ChiSquare{}, errors.New("goodness of fit: no observations")
	}
	if sp == 0 {
		return ChiSquare{}, errors.New("goodness of fit: proportions are all zero")
	}
	var dropped []string
	var e []float64
	x2 := 0.0
	for i := range observed {
		o, p := observed[i], probs[i]/sp
		if p == 0 {
			if o > 0 {
				return ChiSquare{}, fmt.Errorf("goodness of fit: category %d: %v observed where the proportion is 0", i+1, o)
			}
			dropped = append(dropped, fmt.Sprintf("category %d", i+1))
			continue
		}
		ei := n * p
		e = append(e, ei)
		x2 += (o - ei) * (o - ei) / ei
	}
	if len(e) < 2 {
		return ChiSquare{}, fmt.Errorf("goodness of fit: %d category(ies) with a non-zero proportion, need at least 2", len(e))
	}
	return chiSquare(x2, float64(len(e)-1), diagnose([][]float64{e}, dropped)), nil
}
