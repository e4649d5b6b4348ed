package stats

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// randomTable draws an r × c table with counts below maxCount and no empty row or
// column.
func randomTable(rng *rand.Rand, r, c, maxCount int) Table {
	if maxCount < 2 {
		panic("randomTable: maxCount must be at least 2")
	}
	for {
		counts := make([][]int, r)
		for i := range counts {
			counts[i] = make([]int, c)
			for j := range counts[i] {
				counts[i][j] = rng.IntN(maxCount)
			}
		}
		t, err := NewTable(counts, nil, nil)
		if err != nil {
			continue
		}
		if d, dropped, err := t.DropEmpty(); err == nil && len(dropped) == 0 {
			return d
		}
	}
}

func swapRows(t Table, a, b int) Table {
	out := Table{Counts: slices.Clone(t.Counts)}
	out.Counts[a], out.Counts[b] = out.Counts[b], out.Counts[a]
	return out
}

func swapCols(t Table, a, b int) Table {
	return swapRows(t.Transpose(), a, b).Transpose()
}

// TestPermutationInvariance: X², G and Fisher's p do not depend on the order of
// rows or columns or on transposing.
func TestPermutationInvariance(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	lim := FisherLimits{MaxN: 1000, MaxCells: 30, MaxWork: 200000}
	for range 60 {
		tab := randomTable(rng, 2+rng.IntN(3), 2+rng.IntN(3), 2+rng.IntN(12))
		base, err := AnalyzeWithLimits(tab, lim)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range []struct {
			name string
			t    Table
		}{
			{"rows swapped", swapRows(tab, 0, tab.Rows()-1)},
			{"columns swapped", swapCols(tab, 0, tab.Cols()-1)},
			{"transposed", tab.Transpose()},
		} {
			got, err := AnalyzeWithLimits(v.t, lim)
			if err != nil {
				t.Fatal(err)
			}
			if !close(got.Pearson.Statistic, base.Pearson.Statistic, 1e-12) || got.Pearson.DF != base.Pearson.DF || !close(got.G.Statistic, base.G.Statistic, 1e-12) {
				t.Errorf("%v %s: X² %v G %v, original X² %v G %v", tab.Counts, v.name, got.Pearson.Statistic, got.G.Statistic, base.Pearson.Statistic, base.G.Statistic)
			}
			if base.Yates != nil && !close(got.Yates.Statistic, base.Yates.Statistic, 1e-12) {
				t.Errorf("%v %s: Yates %v vs %v", tab.Counts, v.name, got.Yates.Statistic, base.Yates.Statistic)
			}
			if base.Fisher != nil && got.Fisher != nil && !close(got.Fisher.P, base.Fisher.P, 1e-9) {
				t.Errorf("%v %s: Fisher p %v vs %v", tab.Counts, v.name, got.Fisher.P, base.Fisher.P)
			}
		}
	}
}

// bruteFisher enumerates every table with t's margins; an independent reference
// for small tables.
func bruteFisher(t Table) float64 {
	rows, cols := t.RowSums(), t.ColSums()
	r, c := len(rows), len(cols)
	logP := func(cells []int) float64 {
		s := -lfact(t.Total())
		for _, v := range rows {
			s += lfact(v)
		}
		for _, v := range cols {
			s += lfact(v)
		}
		for _, v := range cells {
			s -= lfact(v)
		}
		return s
	}
	var obs []int
	for _, row := range t.Counts {
		obs = append(obs, row...)
	}
	limit := logP(obs) + fexactTol // R's r × c rule
	if r == 2 && c == 2 {
		limit = logP(obs) + math.Log(relErr) // R's 2 × 2 rule
	}
	cells := make([]int, r*c)
	rowLeft, colLeft := slices.Clone(rows), slices.Clone(cols)
	p := 0.0
	var walk func(k int)
	walk = func(k int) {
		if k == r*c {
			if l := logP(cells); l <= limit {
				p += math.Exp(l)
			}
			return
		}
		i, j := k/c, k%c
		lo, hi := 0, min(rowLeft[i], colLeft[j])
		if j == c-1 {
			lo = rowLeft[i] // the last cell of a row takes what is left
		}
		if i == r-1 {
			lo = max(lo, colLeft[j])
		}
		for v := lo; v <= hi; v++ {
			cells[k] = v
			rowLeft[i] -= v
			colLeft[j] -= v
			walk(k + 1)
			rowLeft[i] += v
			colLeft[j] += v
		}
	}
	walk(0)
	return p
}

func TestFisherRxCAgainstEnumeration(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for range 80 {
		tab := randomTable(rng, 2+rng.IntN(3), 2+rng.IntN(3), 2+rng.IntN(4))
		f, err := FisherRxC(tab)
		if err != nil {
			t.Fatal(err)
		}
		if want := bruteFisher(tab); !close(f.P, want, 1e-9) {
			t.Errorf("%v: p = %.17g, enumeration %.17g", tab.Counts, f.P, want)
		}
		if !(f.P > 0 && f.P <= 1) {
			t.Errorf("%v: p = %v outside (0, 1]", tab.Counts, f.P)
		}
	}
}

// TestFisher2x2Properties: p in [0, 1]; the r × c code agrees on 2 × 2 tables; the
// one-sided tails overlap in exactly P(X = a).
func TestFisher2x2Properties(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for range 200 {
		tab := randomTable(rng, 2, 2, 2+rng.IntN(40))
		k := tab.Counts
		a, b, c, d := k[0][0], k[0][1], k[1][0], k[1][1]
		two, err := Fisher2x2(a, b, c, d, TwoSided)
		if err != nil {
			t.Fatal(err)
		}
		less, _ := Fisher2x2(a, b, c, d, Less)
		greater, _ := Fisher2x2(a, b, c, d, Greater)
		for _, p := range []float64{two.P, less.P, greater.P} {
			if !(p >= 0 && p <= 1) {
				t.Fatalf("%v: p = %v", k, p)
			}
		}
		if want := bruteFisher(tab); !close(two.P, want, 1e-9) {
			t.Errorf("%v: two-sided %.17g, enumeration %.17g", k, two.P, want)
		}
		h := newHyper(a, b, c, d)
		pa := math.Exp(h.logd[a-h.lo] - logSumExp(h.logd, all))
		if s := less.P + greater.P; !close(s, 1+pa, 1e-12) {
			t.Errorf("%v: less + greater = %v, want 1 + P(X=a) = %v", k, s, 1+pa)
		}
		rc, err := FisherRxC(tab)
		if err != nil || rc.P != two.P {
			t.Errorf("%v: FisherRxC %v (%v), Fisher2x2 %v", k, rc.P, err, two.P)
		}
		// The conditional MLE solves E[X; ψ] = a, and its interval contains it.
		or := two.ConditionalOddsRatio
		if a != h.lo && a != h.hi {
			_, mean, _ := h.moments(math.Log(or.Estimate))
			if math.Abs(mean-float64(a)) > 1e-9*float64(a) {
				t.Errorf("%v: E[X; ψ̂] = %v, want %d", k, mean, a)
			}
		}
		if !or.CI.Contains(or.Estimate) {
			t.Errorf("%v: conditional odds ratio %v outside %v", k, or.Estimate, or.CI)
		}
		if s := two.SampleOddsRatio; !math.IsNaN(s.CI.Lo) && !s.CI.Contains(s.Estimate) {
			t.Errorf("%v: sample odds ratio %v outside %v", k, s.Estimate, s.CI)
		}
	}
}

// TestIntervalProperties: every interval contains x/n and lies in [0, 1]; the
// continuity-corrected Wilson interval contains the plain one; a higher
// confidence level gives a wider interval.
func TestIntervalProperties(t *testing.T) {
	for n := 1; n <= 60; n++ {
		for x := 0; x <= n; x++ {
			p := float64(x) / float64(n)
			w, wcc, cp := Wilson(x, n, 0.95), WilsonCC(x, n, 0.95), ClopperPearson(x, n, 0.95)
			for name, iv := range map[string]Interval{"wilson": w, "wilson cc": wcc, "clopper-pearson": cp} {
				if !iv.Contains(p) || iv.Lo < 0 || iv.Hi > 1 {
					t.Errorf("%s(%d, %d) = %v does not contain %v within [0, 1]", name, x, n, iv, p)
				}
				if wide := map[string]Interval{"wilson": Wilson(x, n, 0.99), "wilson cc": WilsonCC(x, n, 0.99), "clopper-pearson": ClopperPearson(x, n, 0.99)}[name]; wide.Lo > iv.Lo || wide.Hi < iv.Hi {
					t.Errorf("%s(%d, %d): 99%% %v narrower than 95%% %v", name, x, n, wide, iv)
				}
			}
			if wcc.Lo > w.Lo || wcc.Hi < w.Hi {
				t.Errorf("WilsonCC(%d, %d) = %v does not contain Wilson %v", x, n, wcc, w)
			}
		}
	}
	for _, iv := range []Interval{Wilson(3, 2, 0.95), WilsonCC(-1, 2, 0.95), ClopperPearson(1, 0, 0.95), Wilson(1, 2, 1)} {
		if !math.IsNaN(iv.Lo) || !math.IsNaN(iv.Hi) {
			t.Errorf("invalid input gave %v, want NaN bounds", iv)
		}
	}
}

// TestAdjustProperties: adjusted p ≥ raw p, ≤ 1, and ordered like the raw p;
// Hochberg ≤ Holm ≤ Bonferroni and BH ≤ BY.
func TestAdjustProperties(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for range 200 {
		p := make([]float64, 1+rng.IntN(20))
		for i := range p {
			p[i] = math.Pow(rng.Float64(), 3)
			if rng.IntN(5) == 0 && i > 0 {
				p[i] = p[i-1] // ties
			}
		}
		adj := map[Method][]float64{}
		for _, m := range Methods() {
			a, err := Adjust(p, m)
			if err != nil {
				t.Fatal(err)
			}
			adj[m] = a
			for i := range p {
				if a[i] < p[i] || a[i] > 1 {
					t.Errorf("%v: p %v adjusted to %v", m, p[i], a[i])
				}
				for j := range p {
					if p[i] < p[j] && a[i] > a[j] {
						t.Errorf("%v: p %v < %v but adjusted %v > %v", m, p[i], p[j], a[i], a[j])
					}
				}
			}
		}
		for i := range p {
			if !(adj[Hochberg][i] <= adj[Holm][i] && adj[Holm][i] <= adj[Bonferroni][i] && adj[BH][i] <= adj[BY][i] && adj[BH][i] <= adj[Hochberg][i]) {
				t.Errorf("order of methods broken at p = %v: %v", p[i], []float64{adj[Hochberg][i], adj[Holm][i], adj[Bonferroni][i], adj[BH][i], adj[BY][i]})
			}
		}
	}
	if _, err := Adjust([]float64{0.1, math.NaN()}, BH); err == nil {
		t.Error("NaN p accepted")
	}
	if _, err := Adjust([]float64{1.5}, Holm); err == nil {
		t.Error("p > 1 accepted")
	}
	if got, err := Adjust(nil, BY); err != nil || len(got) != 0 {
		t.Errorf("empty input: %v, %v", got, err)
	}
	if _, err := ParseMethod("sidak"); err == nil {
		t.Error("unknown method accepted")
	}
}
