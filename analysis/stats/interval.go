package stats

import (
	"math"

	"gonum.org/v1/gonum/mathext"
	"gonum.org/v1/gonum/stat/distuv"
)

// Interval is a confidence interval [Lo, Hi]. Invalid input (n < 1, x outside
// [0, n], conf outside (0, 1)) gives NaN bounds.
type Interval struct {
	Lo float64 `json:"lo"`
	Hi float64 `json:"hi"`
}

// Contains reports whether v lies in the closed interval.
func (iv Interval) Contains(v float64) bool { return iv.Lo <= v && v <= iv.Hi }

// nanInterval is the answer to invalid input.
func nanInterval() Interval { return Interval{math.NaN(), math.NaN()} }

func validProportion(x, n int, conf float64) bool {
	return n >= 1 && x >= 0 && x <= n && conf > 0 && conf < 1
}

// Wilson is the score interval for x successes in n trials, R's
// prop.test(x, n, correct = FALSE)$conf.int.
func Wilson(x, n int, conf float64) Interval {
	if !validProportion(x, n, conf) {
		return nanInterval()
	}
	return wilson(x, n, conf, 0)
}

// WilsonCC is the score interval with continuity correction, exactly R's
// prop.test(x, n)$conf.int: the correction is min(0.5, |x − n/2|) (R's rule with
// its default null p = 0.5), and a corrected estimate at or beyond 0 or 1 pins that
// bound to 0 or 1.
func WilsonCC(x, n int, conf float64) Interval {
	if !validProportion(x, n, conf) {
		return nanInterval()
	}
	return wilson(x, n, conf, math.Min(0.5, math.Abs(float64(x)-float64(n)*0.5)))
}

// wilson follows R's prop.test code line by line (one sample, two-sided).
func wilson(x, n int, conf, yates float64) Interval {
	fn := float64(n)
	est := float64(x) / fn
	z := distuv.UnitNormal.Quantile((1 + conf) / 2)
	z22n := z * z / (2 * fn)
	var iv Interval
	pc := est + yates/fn
	if pc >= 1 {
		iv.Hi = 1
	} else {
		iv.Hi = (pc + z22n + z*math.Sqrt(pc*(1-pc)/fn+z22n/(2*fn))) / (1 + 2*z22n)
	}
	pc = est - yates/fn
	if pc <= 0 {
		iv.Lo = 0
	} else {
		iv.Lo = (pc + z22n - z*math.Sqrt(pc*(1-pc)/fn+z22n/(2*fn))) / (1 + 2*z22n)
	}
	iv.Lo, iv.Hi = math.Max(iv.Lo, 0), math.Min(iv.Hi, 1)
	return iv
}

// ClopperPearson is the exact (beta quantile) interval, R's binom.test()$conf.int.
func ClopperPearson(x, n int, conf float64) Interval {
	if !validProportion(x, n, conf) {
		return nanInterval()
	}
	alpha := (1 - conf) / 2
	return Interval{Lo: clopperLo(x, n, alpha), Hi: clopperHi(x, n, alpha)}
}

func clopperLo(x, n int, alpha float64) float64 {
	if x == 0 {
		return 0
	}
	return betaQuantile(float64(x), float64(n-x+1), alpha)
}

func clopperHi(x, n int, alpha float64) float64 {
	if x == n {
		return 1
	}
	return betaQuantile(float64(x+1), float64(n-x), 1-alpha)
}

// betaQuantile inverts the regularized incomplete beta function. gonum's inverse is
// good to about 1e-10; a few Newton steps on the CDF bring it to full precision.
func betaQuantile(a, b, p float64) float64 {
	q := mathext.InvRegIncBeta(a, b, p)
	d := distuv.Beta{Alpha: a, Beta: b}
	for range 4 {
		f := d.Prob(q)
		if !(f > 0) || math.IsInf(f, 0) {
			break
		}
		step := (mathext.RegIncBeta(a, b, q) - p) / f
		next := q - step
		if !(next > 0 && next < 1) {
			break
		}
		q = next
		if math.Abs(step) <= 1e-16*q {
			break
		}
	}
	return q
}
