package stats

import (
	"fmt"
	"math"
	"sort"

	"gonum.org/v1/gonum/mathext"
)

// relErr is R's tolerance for "as or less likely than observed" in exact two-sided
// tests: a table counts when its probability is ≤ p_obs·(1 + 1e-7).
const relErr = 1 + 1e-7

// Binomial is the result of an exact binomial test.
type Binomial struct {
	X           int         `json:"x"`
	N           int         `json:"n"`
	Null        float64     `json:"null"`
	Estimate    float64     `json:"estimate"`
	P           float64     `json:"p"`
	Alternative Alternative `json:"alternative"`
	CI          Interval    `json:"ci"` // Clopper–Pearson, 95%
}

// BinomialTest tests x successes in n trials against success probability p, like
// R's binom.test, including its two-sided rule (outcomes at most (1 + 1e-7) times as
// likely as x) and its Clopper–Pearson 95% interval for the alternative.
func BinomialTest(x, n int, p float64, alt Alternative) (Binomial, error) {
	switch {
	case n < 1:
		return Binomial{}, fmt.Errorf("binomial test: n = %d, need at least 1", n)
	case x < 0 || x > n:
		return Binomial{}, fmt.Errorf("binomial test: x = %d is not in [0, %d]", x, n)
	case !(p >= 0 && p <= 1):
		return Binomial{}, fmt.Errorf("binomial test: p = %v is not in [0, 1]", p)
	}
	b := Binomial{X: x, N: n, Null: p, Estimate: float64(x) / float64(n), Alternative: alt}
	const conf = 0.95
	switch alt {
	case Less:
		b.P = pbinom(x, n, p)
		b.CI = Interval{0, clopperHi(x, n, 1-conf)}
	case Greater:
		b.P = pbinomUpper(x-1, n, p)
		b.CI = Interval{clopperLo(x, n, 1-conf), 1}
	case TwoSided:
		b.P = binomTwoSided(x, n, p)
		b.CI = ClopperPearson(x, n, conf)
	default:
		return Binomial{}, fmt.Errorf("binomial test: invalid alternative %d", int(alt))
	}
	b.P = math.Min(1, b.P)
	return b, nil
}

func binomTwoSided(x, n int, p float64) float64 {
	switch p {
	case 0:
		return b2f(x == 0)
	case 1:
		return b2f(x == n)
	}
	ld := ldbinom(x, n, p) + math.Log(relErr)
	m := float64(n) * p
	fx := float64(x)
	switch {
	case fx == m:
		return 1
	case fx < m:
		// d is non-increasing on [ceil(m), n]: y counts its tail at or below ld.
		lo := int(math.Ceil(m))
		first := lo + sort.Search(n-lo+1, func(k int) bool { return ldbinom(lo+k, n, p) <= ld })
		y := n - first + 1
		return pbinom(x, n, p) + pbinomUpper(n-y, n, p)
	default:
		// d is non-decreasing on [0, floor(m)]: y counts its head at or below ld.
		hi := int(math.Floor(m))
		y := sort.Search(hi+1, func(k int) bool { return ldbinom(k, n, p) > ld })
		return pbinom(y-1, n, p) + pbinomUpper(x-1, n, p)
	}
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// ldbinom is the log probability of k successes in n trials.
func ldbinom(k, n int, p float64) float64 {
	return lchoose(n, k) + float64(k)*math.Log(p) + float64(n-k)*math.Log1p(-p)
}

func lchoose(n, k int) float64 {
	return lfact(n) - lfact(k) - lfact(n-k)
}

func lfact(n int) float64 {
	v, _ := math.Lgamma(float64(n) + 1)
	return v
}

// pbinom is P(X ≤ k) through the regularized incomplete beta function.
func pbinom(k, n int, p float64) float64 {
	switch {
	case k < 0:
		return 0
	case k >= n:
		return 1
	}
	return mathext.RegIncBeta(float64(n-k), float64(k+1), 1-p)
}

// pbinomUpper is P(X > k).
func pbinomUpper(k, n int, p float64) float64 {
	switch {
	case k < 0:
		return 1
	case k >= n:
		return 0
	}
	return mathext.RegIncBeta(float64(k+1), float64(n-k), p)
}
