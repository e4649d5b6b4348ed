package stats

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/stat/distuv"
)

// Labels of the two odds ratios a 2 × 2 Fisher test reports.
const (
	SampleOddsRatioMethod      = "sample odds ratio ad/bc, Woolf (log) interval"
	ConditionalOddsRatioMethod = "conditional maximum-likelihood estimate (R's fisher.test), exact conditional interval"
)

// MaxSupport2x2 caps the number of tables with the margins of a 2 × 2 table
// (its smallest margin + 1); each needs 8 bytes and the odds-ratio intervals
// visit them some thirty times.
const MaxSupport2x2 = 10_000_000

// FisherConfLevel is the confidence level of the odds-ratio intervals.
const FisherConfLevel = 0.95

// Fisher is the result of Fisher's exact test with the diagnostics of its table.
type Fisher struct {
	FisherTest
	Diagnostics
}

// FisherTest is what Fisher's exact test found, without the table's diagnostics (a
// Contingency reports those once for all its tests). The odds ratios are set for 2 × 2
// tables only.
type FisherTest struct {
	P           float64     `json:"p"`
	Alternative Alternative `json:"alternative"`
	Method      string      `json:"method"`
	// SampleOddsRatio is ad/bc with Woolf's interval; with a zero cell the
	// interval does not exist (NaN, null in JSON).
	SampleOddsRatio *OddsRatio `json:"sample_odds_ratio,omitempty"`
	// ConditionalOddsRatio is what R's fisher.test reports as "odds ratio".
	ConditionalOddsRatio *OddsRatio `json:"conditional_odds_ratio,omitempty"`
	// Simulation is set when P is a Monte Carlo estimate (FisherMonteCarlo),
	// not an exact value.
	Simulation *Simulation `json:"simulation,omitempty"`
}

// OddsRatio is an odds-ratio estimate with its interval, labelled by Method.
type OddsRatio struct {
	Estimate  float64  `json:"estimate"`
	CI        Interval `json:"ci"`
	ConfLevel float64  `json:"conf_level"`
	Method    string   `json:"method"`
}

// MarshalJSON writes an infinite or undefined estimate as null.
func (o OddsRatio) MarshalJSON() ([]byte, error) {
	return marshal(struct {
		Estimate  finite   `json:"estimate"`
		CI        Interval `json:"ci"`
		ConfLevel float64  `json:"conf_level"`
		Method    string   `json:"method"`
	}{finite(o.Estimate), o.CI, o.ConfLevel, o.Method})
}

// Fisher2x2 is Fisher's exact test of the table [[a, b], [c, d]], as R's
// fisher.test: two-sided sums the tables whose probability is at most
// (1 + 1e-7)·p_obs; Less and Greater are the tails of the hypergeometric
// distribution of a. Probabilities are computed in log space from the mode
// outwards, so the cost is linear in min(a+b, a+c, …) and independent of N.
func Fisher2x2(a, b, c, d int, alt Alternative) (Fisher, error) {
	t, err := NewTable([][]int{{a, b}, {c, d}}, nil, nil)
	if err != nil {
		return Fisher{}, fmt.Errorf("fisher 2x2: %w", err)
	}
	if alt < TwoSided || alt > Greater {
		return Fisher{}, fmt.Errorf("fisher 2x2: invalid alternative %d", int(alt))
	}
	p, err := prepare(t)
	if err != nil {
		return Fisher{}, fmt.Errorf("fisher 2x2: %w", err)
	}
	if support := min(a+b, a+c, b+d, c+d) + 1; support > MaxSupport2x2 {
		return Fisher{}, fmt.Errorf("fisher 2x2: %w", &TooLargeError{What: "support", Got: support, Limit: MaxSupport2x2})
	}
	h := newHyper(a, b, c, d)
	f := Fisher{
		FisherTest:  FisherTest{Alternative: alt, Method: "Fisher's exact test (2 x 2, hypergeometric)"},
		Diagnostics: p.diagnose,
	}
	f.Diagnostics.Warnings = nil // the exact test needs no large expected counts
	switch alt {
	case TwoSided:
		f.P = h.twoSided()
	case Less:
		f.P = h.tail(h.x, false, 0)
	case Greater:
		f.P = h.tail(h.x, true, 0)
	}
	f.P = math.Min(1, f.P)
	f.SampleOddsRatio = sampleOddsRatio(a, b, c, d, alt)
	f.ConditionalOddsRatio = h.conditionalOddsRatio(alt, f.SampleOddsRatio)
	return f, nil
}

// hyper is the distribution of the top-left cell x of a 2 × 2 table with fixed
// margins, in R's notation: m = first column total, n = second column total,
// k = first row total, support lo..hi. logd holds log densities up to a constant
// (0 at the mode), computed by the ratio recurrence.
type hyper struct {
	x, lo, hi int
	logd      []float64
}

func newHyper(a, b, c, d int) hyper {
	m, n, k := a+c, b+d, a+b
	lo, hi := max(0, k-n), min(k, m)
	h := hyper{x: a, lo: lo, hi: hi, logd: make([]float64, hi-lo+1)}
	fm, fn, fk := float64(m), float64(n), float64(k)
	mode := int(math.Floor((fk + 1) * (fm + 1) / (fm + fn + 2)))
	mode = min(max(mode, lo), hi)
	// d(x+1)/d(x) = (m−x)(k−x) / ((x+1)(n−k+x+1))
	for x := mode; x < hi; x++ {
		fx := float64(x)
		h.logd[x+1-lo] = h.logd[x-lo] + math.Log((fm-fx)*(fk-fx)/((fx+1)*(fn-fk+fx+1)))
	}
	for x := mode; x > lo; x-- {
		fx := float64(x)
		h.logd[x-1-lo] = h.logd[x-lo] + math.Log(fx*(fn-fk+fx)/((fm-fx+1)*(fk-fx+1)))
	}
	return h
}

// logSumExp returns log Σ exp(v_i) over the v_i for which keep is true.
func logSumExp(v []float64, keep func(i int) bool) float64 {
	mx := math.Inf(-1)
	for i, x := range v {
		if keep(i) && x > mx {
			mx = x
		}
	}
	if math.IsInf(mx, -1) {
		return mx
	}
	s := 0.0
	for i, x := range v {
		if keep(i) {
			s += math.Exp(x - mx)
		}
	}
	return mx + math.Log(s)
}

func all(int) bool { return true }

func (h hyper) twoSided() float64 {
	limit := h.logd[h.x-h.lo] + math.Log(relErr)
	num := logSumExp(h.logd, func(i int) bool { return h.logd[i] <= limit })
	return math.Exp(num - logSumExp(h.logd, all))
}

// tail returns P(X ≤ q) or, when upper, P(X ≥ q) under the noncentral
// hypergeometric distribution with log odds ratio theta.
func (h hyper) tail(q int, upper bool, theta float64) float64 {
	l := h.shifted(theta)
	in := func(i int) bool {
		if upper {
			return i+h.lo >= q
		}
		return i+h.lo <= q
	}
	return math.Exp(logSumExp(l, in) - logSumExp(l, all))
}

// shifted returns the log densities of the noncentral distribution, logd + θ·x.
func (h hyper) shifted(theta float64) []float64 {
	l := make([]float64, len(h.logd))
	for i, v := range h.logd {
		l[i] = v + theta*float64(i+h.lo)
	}
	return l
}

// moments returns the normalized probabilities, mean and variance at θ.
func (h hyper) moments(theta float64) (p []float64, mean, variance float64) {
	p = make([]float64, len(h.logd))
	mean, variance = h.momentsInto(p, theta)
	return p, mean, variance
}

// momentsInto is moments writing the probabilities into p (len(h.logd)). Terms
// more than e^-60 below the largest are set to 0 without calling exp: they
// cannot change a sum that is at least 1 at double precision.
func (h hyper) momentsInto(p []float64, theta float64) (mean, variance float64) {
	mx := math.Inf(-1)
	for i, v := range h.logd {
		p[i] = v + theta*float64(i+h.lo)
		mx = math.Max(mx, p[i])
	}
	s := 0.0
	for i, v := range p {
		if v-mx < -60 {
			p[i] = 0
			continue
		}
		p[i] = math.Exp(v - mx)
		s += p[i]
	}
	for i := range p {
		p[i] /= s
		mean += p[i] * float64(i+h.lo)
	}
	for i, v := range p {
		dx := float64(i+h.lo) - mean
		variance += v * dx * dx
	}
	return mean, variance
}

// conditionalOddsRatio is R's fisher.test estimate and interval: the conditional
// MLE solves E[X; ψ] = x, and the bounds solve P(X ≥ x; ψ) = α and P(X ≤ x; ψ) = α.
// R stops its root finder at about 1e-4; these are solved to ~1e-12 in log ψ.
// The sample odds ratio and Woolf's bounds, where they exist, start the root
// finder close to each answer.
func (h hyper) conditionalOddsRatio(alt Alternative, sample *OddsRatio) *OddsRatio {
	buf := make([]float64, len(h.logd))
	guess := func(v float64) float64 {
		if l := math.Log(v); !math.IsNaN(l) && !math.IsInf(l, 0) {
			return l
		}
		return 0
	}
	or := &OddsRatio{ConfLevel: FisherConfLevel, Method: ConditionalOddsRatioMethod}
	fx := float64(h.x)
	switch h.x {
	case h.lo:
		or.Estimate = 0
	case h.hi:
		or.Estimate = math.Inf(1)
	default:
		or.Estimate = math.Exp(solveIncreasing(func(t float64) (float64, float64) {
			mean, v := h.momentsInto(buf, t)
			return mean - fx, v
		}, guess(sample.Estimate)))
	}
	// upper solves P(X ≤ x; ψ) = α (decreasing in ψ).
	upper := func(alpha float64) float64 {
		if h.x == h.hi {
			return math.Inf(1)
		}
		return math.Exp(solveIncreasing(func(t float64) (float64, float64) {
			p := buf
			mean, _ := h.momentsInto(p, t)
			var cdf, dcdf float64
			for i := 0; i <= h.x-h.lo; i++ {
				cdf += p[i]
				dcdf += p[i] * (float64(i+h.lo) - mean)
			}
			return alpha - cdf, -dcdf
		}, guess(sample.CI.Hi)))
	}
	// lower solves P(X ≥ x; ψ) = α (increasing in ψ).
	lower := func(alpha float64) float64 {
		if h.x == h.lo {
			return 0
		}
		return math.Exp(solveIncreasing(func(t float64) (float64, float64) {
			p := buf
			mean, _ := h.momentsInto(p, t)
			var sf, dsf float64
			for i := h.x - h.lo; i < len(p); i++ {
				sf += p[i]
				dsf += p[i] * (float64(i+h.lo) - mean)
			}
			return sf - alpha, dsf
		}, guess(sample.CI.Lo)))
	}
	switch alt {
	case Less:
		or.CI = Interval{0, upper(1 - FisherConfLevel)}
	case Greater:
		or.CI = Interval{lower(1 - FisherConfLevel), math.Inf(1)}
	default:
		alpha := (1 - FisherConfLevel) / 2
		or.CI = Interval{lower(alpha), upper(alpha)}
	}
	return or
}

// solveIncreasing finds the root of an increasing function f (returning value and
// derivative) by Newton steps from t0, kept inside a bracket that bisection
// shrinks.
func solveIncreasing(f func(float64) (float64, float64), t0 float64) float64 {
	lo, hi := t0-0.5, t0+0.5
	for step := 1.0; step < 1e4; step *= 2 {
		if v, _ := f(lo); v <= 0 {
			break
		}
		hi, lo = lo, lo-step
	}
	for step := 1.0; step < 1e4; step *= 2 {
		if v, _ := f(hi); v >= 0 {
			break
		}
		lo, hi = hi, hi+step
	}
	t := t0
	if !(t > lo && t < hi) {
		t = (lo + hi) / 2
	}
	for range 200 {
		v, dv := f(t)
		if v == 0 {
			return t
		}
		if v < 0 {
			lo = t
		} else {
			hi = t
		}
		next := t - v/dv
		if !(dv > 0) || !(next > lo && next < hi) {
			next = (lo + hi) / 2
		}
		if math.Abs(next-t) <= 1e-13*math.Max(1, math.Abs(t)) || hi-lo <= 1e-13*math.Max(1, math.Abs(t)) {
			return next
		}
		t = next
	}
	return t
}

// sampleOddsRatio is ad/bc with Woolf's interval exp(log OR ± z·√(1/a+1/b+1/c+1/d)).
func sampleOddsRatio(a, b, c, d int, alt Alternative) *OddsRatio {
	fa, fb, fc, fd := float64(a), float64(b), float64(c), float64(d)
	or := &OddsRatio{ConfLevel: FisherConfLevel, Method: SampleOddsRatioMethod, CI: nanInterval()}
	or.Estimate = fa * fd / (fb * fc)
	if a == 0 || b == 0 || c == 0 || d == 0 {
		return or
	}
	se := math.Sqrt(1/fa + 1/fb + 1/fc + 1/fd)
	l := math.Log(or.Estimate)
	switch alt {
	case Less:
		z := distuv.UnitNormal.Quantile(FisherConfLevel)
		or.CI = Interval{0, math.Exp(l + z*se)}
	case Greater:
		z := distuv.UnitNormal.Quantile(FisherConfLevel)
		or.CI = Interval{math.Exp(l - z*se), math.Inf(1)}
	default:
		z := distuv.UnitNormal.Quantile(1 - (1-FisherConfLevel)/2)
		or.CI = Interval{math.Exp(l - z*se), math.Exp(l + z*se)}
	}
	return or
}
