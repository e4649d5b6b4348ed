package stats

import (
	"errors"
	"math"
	"strings"
	"testing"
)

// R documentation examples, printed by R to about 4–7 significant digits.
func TestFisherRExamples(t *testing.T) {
	for _, tc := range []struct {
		name           string
		a, b, c, d     int
		alt            Alternative
		p, or, lo, hi  float64
		relP, relOddsR float64
	}{
		// fisher.test(TeaTasting, alternative = "greater")
		{"tea tasting", 3, 1, 1, 3, Greater, 0.2429, 6.408309, 0.3135693, math.Inf(1), 1e-3, 1e-4},
		// fisher.test(Convictions, alternative = "less")
		{"convictions", 2, 15, 10, 3, Less, 0.0004652, 0.04693661, 0, 0.2849601, 1e-3, 1e-4},
	} {
		f, err := Fisher2x2(tc.a, tc.b, tc.c, tc.d, tc.alt)
		if err != nil {
			t.Fatal(err)
		}
		or := f.ConditionalOddsRatio
		if !close(f.P, tc.p, tc.relP) || !close(or.Estimate, tc.or, tc.relOddsR) || !close(or.CI.Lo, tc.lo, tc.relOddsR) || !close(or.CI.Hi, tc.hi, tc.relOddsR) {
			t.Errorf("%s: p %v, odds ratio %v %v; R: %v, %v [%v, %v]", tc.name, f.P, or.Estimate, or.CI, tc.p, tc.or, tc.lo, tc.hi)
		}
		if f.Alternative != tc.alt || !strings.Contains(or.Method, "conditional") || !strings.Contains(f.SampleOddsRatio.Method, "ad/bc") {
			t.Errorf("%s: labels %v %q %q", tc.name, f.Alternative, or.Method, f.SampleOddsRatio.Method)
		}
	}
	// Zero cells: the conditional estimate is 0 or ∞ and the sample interval does
	// not exist.
	f, err := Fisher2x2(0, 10, 5, 12, TwoSided)
	if err != nil {
		t.Fatal(err)
	}
	if f.ConditionalOddsRatio.Estimate != 0 || f.ConditionalOddsRatio.CI.Lo != 0 || !math.IsNaN(f.SampleOddsRatio.CI.Lo) {
		t.Errorf("zero cell: %+v %+v", f.ConditionalOddsRatio, f.SampleOddsRatio)
	}
	b, err := f.SampleOddsRatio.MarshalJSON()
	if err != nil || !strings.Contains(string(b), `"ci":{"lo":null,"hi":null}`) {
		t.Errorf("zero cell JSON %s, %v", b, err)
	}
	for _, bad := range [][4]int{{-1, 1, 1, 1}, {0, 0, 0, 0}, {1, 0, 1, 0}} {
		if _, err := Fisher2x2(bad[0], bad[1], bad[2], bad[3], TwoSided); err == nil {
			t.Errorf("Fisher2x2%v accepted", bad)
		}
	}
	if _, err := Fisher2x2(1, 2, 3, 4, Alternative(7)); err == nil {
		t.Error("invalid alternative accepted")
	}
}

func TestFisherRxCLimits(t *testing.T) {
	tab, err := ParseTable("15,12,10,12,15,24;18,16,17,15,19,9;24,9,14,14,14,13")
	if err != nil {
		t.Fatal(err)
	}
	for _, lim := range []FisherLimits{
		{MaxN: 100, MaxCells: 100, MaxWork: 1e6},
		{MaxN: 1000, MaxCells: 10, MaxWork: 1e6},
		{MaxN: 1000, MaxCells: 100, MaxWork: 1000},
	} {
		_, err := FisherRxCWithLimits(tab, lim)
		var tooLarge *TooLargeError
		if !errors.As(err, &tooLarge) || tooLarge.Got <= tooLarge.Limit {
			t.Errorf("limits %+v: err = %v, want a *TooLargeError", lim, err)
		}
	}
	// 2 × 2 tables never hit the limits: they take the linear-time path.
	big, _ := ParseTable("44,247;45912,92630")
	if _, err := FisherRxCWithLimits(big, FisherLimits{MaxN: 10, MaxCells: 1, MaxWork: 1}); err != nil {
		t.Errorf("2 x 2: %v", err)
	}
}

// binomBrute sums every outcome at most (1 + 1e-7) times as likely as x.
func binomBrute(x, n int, p float64) float64 {
	limit := ldbinom(x, n, p) + math.Log(relErr)
	s := 0.0
	for k := 0; k <= n; k++ {
		if l := ldbinom(k, n, p); l <= limit {
			s += math.Exp(l)
		}
	}
	return math.Min(1, s)
}

func TestBinomialTest(t *testing.T) {
	// binom.test(c(682, 243), p = 3/4) in R's documentation.
	b, err := BinomialTest(682, 925, 0.75, TwoSided)
	if err != nil {
		t.Fatal(err)
	}
	if !close(b.P, 0.3825, 1e-3) || !close(b.CI.Lo, 0.7076683, 1e-6) || !close(b.CI.Hi, 0.7654066, 1e-6) {
		t.Errorf("682/925: p %v CI %v; R 0.3825 [0.7076683, 0.7654066]", b.P, b.CI)
	}
	for _, n := range []int{1, 2, 7, 20, 61} {
		for x := 0; x <= n; x++ {
			for _, p := range []float64{0.05, 0.25, 0.5, 0.9} {
				two, err := BinomialTest(x, n, p, TwoSided)
				if err != nil {
					t.Fatal(err)
				}
				if want := binomBrute(x, n, p); !close(two.P, want, 1e-10) {
					t.Errorf("binom(%d, %d, %v): p %.17g, brute force %.17g", x, n, p, two.P, want)
				}
				less, _ := BinomialTest(x, n, p, Less)
				greater, _ := BinomialTest(x, n, p, Greater)
				px := math.Exp(ldbinom(x, n, p))
				if !close(less.P+greater.P, 1+px, 1e-10) {
					t.Errorf("binom(%d, %d, %v): less %v + greater %v != 1 + %v", x, n, p, less.P, greater.P, px)
				}
				if !two.CI.Contains(two.Estimate) || less.CI.Lo != 0 || greater.CI.Hi != 1 {
					t.Errorf("binom(%d, %d, %v): intervals %v %v %v", x, n, p, two.CI, less.CI, greater.CI)
				}
			}
		}
	}
	if b, _ := BinomialTest(0, 5, 0, TwoSided); b.P != 1 {
		t.Errorf("p0 = 0, x = 0: p %v, want 1", b.P)
	}
	if b, _ := BinomialTest(5, 5, 1, TwoSided); b.P != 1 {
		t.Errorf("p0 = 1, x = n: p %v, want 1", b.P)
	}
	for _, bad := range []struct {
		x, n int
		p    float64
	}{{1, 0, 0.5}, {3, 2, 0.5}, {-1, 2, 0.5}, {1, 2, 1.5}, {1, 2, math.NaN()}} {
		if _, err := BinomialTest(bad.x, bad.n, bad.p, TwoSided); err == nil {
			t.Errorf("BinomialTest%v accepted", bad)
		}
	}
}

func TestGoodnessOfFit(t *testing.T) {
	// chisq.test(c(89, 37, 30, 28, 2), p = c(0.40, 0.20, 0.20, 0.19, 0.01)):
	// X-squared = 5.7947, df = 4, p-value = 0.215, with the warning.
	obs := []float64{89, 37, 30, 28, 2}
	g, err := GoodnessOfFit(obs, []float64{40, 20, 20, 19, 1}) // percentages are rescaled
	if err != nil {
		t.Fatal(err)
	}
	want := 0.0
	for i, p := range []float64{0.40, 0.20, 0.20, 0.19, 0.01} {
		e := 186 * p
		want += (obs[i] - e) * (obs[i] - e) / e
	}
	if !close(g.Statistic, want, 1e-12) || !close(g.Statistic, 5.7947, 1e-4) || g.DF != 4 || !close(g.P, 0.215, 2e-3) {
		t.Errorf("X² %v (want %v), df %v, p %v", g.Statistic, want, g.DF, g.P)
	}
	if !close(g.MinExpected, 1.86, 1e-12) || g.ShareExpectedBelow5 != 0.2 || len(g.Warnings) != 1 || g.Warnings[0] != WarnApproximation {
		t.Errorf("diagnostics %+v", g.Diagnostics)
	}
	g, err = GoodnessOfFit([]float64{10, 0, 20}, []float64{0.5, 0, 0.5})
	if err != nil || g.DF != 1 || len(g.Dropped) != 1 || g.Dropped[0] != "category 2" {
		t.Errorf("zero proportion, no observations: %+v, %v", g, err)
	}
	for _, bad := range []struct{ obs, p []float64 }{
		{[]float64{1, 2}, []float64{1}},
		{[]float64{1, 2}, []float64{1, 0}},
		{[]float64{0, 0}, []float64{0.5, 0.5}},
		{[]float64{-1, 2}, []float64{0.5, 0.5}},
		{[]float64{1, 2}, []float64{0, 0}},
		{[]float64{1, math.NaN()}, []float64{0.5, 0.5}},
		{[]float64{1}, []float64{1}},
	} {
		if _, err := GoodnessOfFit(bad.obs, bad.p); err == nil {
			t.Errorf("GoodnessOfFit(%v, %v) accepted", bad.obs, bad.p)
		}
	}
}

func TestYatesNeeds2x2(t *testing.T) {
	tab, _ := ParseTable("1,2,3;4,5,6")
	if _, err := YatesChiSquare(tab); err == nil {
		t.Error("Yates on a 2 x 3 table")
	}
	c, err := Analyze(tab)
	if err != nil || c.Yates != nil {
		t.Errorf("Analyze 2 x 3: yates %v, %v", c.Yates, err)
	}
	b, _ := c.MarshalJSON()
	if !strings.Contains(string(b), `"yates":null`) || !strings.Contains(string(b), `"pearson":{"x2":`) || !strings.Contains(string(b), `"g":{"g":`) {
		t.Errorf("JSON keys: %s", b)
	}
}

// TestHugeTablesRefused: a table near MaxTotal is refused with a typed error
// instead of allocating its whole support.
func TestHugeTablesRefused(t *testing.T) {
	half := MaxTotal / 4
	_, err := Fisher2x2(half, half, half, half, TwoSided)
	var tooLarge *TooLargeError
	if !errors.As(err, &tooLarge) || tooLarge.What != "support" {
		t.Errorf("err = %v, want a support *TooLargeError", err)
	}
	tab, err := NewTable([][]int{{half, half}, {half, half - 7}}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	c, err := Analyze(tab)
	if err != nil || !errors.As(c.FisherErr, &tooLarge) || !(c.Pearson.P > 0 && c.Pearson.P <= 1) {
		t.Errorf("Analyze: %v, fisher %v, pearson p %v", err, c.FisherErr, c.Pearson.P)
	}
	b, err := BinomialTest(1<<39, 1<<40, 0.5, TwoSided)
	if err != nil || b.P != 1 {
		t.Errorf("binomial at n = 2^40: %+v, %v", b, err)
	}
	if b, err := BinomialTest(1<<39+1<<30, 1<<40, 0.5, TwoSided); err != nil || !(b.P >= 0 && b.P < 1e-100) {
		t.Errorf("binomial far from the null at n = 2^40: %+v, %v", b, err)
	}
}
