package analysis

import (
	"math"
	"testing"

	"github.com/mhealthsec/mhealthsec/datasets"
)

// near reports whether got is within rel relative error of want.
func near(got, want, rel float64) bool {
	if want == 0 {
		return math.Abs(got) <= rel
	}
	return math.Abs(got-want) <= rel*math.Abs(want)
}

// The expected values below were computed independently of this code: the R values come
// from analysis/stats/testdata/contingency.json (R 4.2.2, table 1 and the proportions), the
// 2018-01 values with exact rational arithmetic in Python (binomial and Fisher sums over
// fractions, chi-square p from erfc), not with this package.
func TestPulseTestAgainstR(t *testing.T) {
	// R's table 1 is [[44, 247], [45912, 92630]]: 138,542 Pulse sites, 45,912 below A.
	month := datasets.PulseMonth{Month: "r-golden", BelowA: 100 * 45912.0 / 138542}
	r, err := PulseTest(44, 291, month, 138542)
	if err != nil {
		t.Fatal(err)
	}
	ind := r.Independence
	if ind.PulseBelow != 45912 {
		t.Fatalf("Pulse below A = %d, want 45912", ind.PulseBelow)
	}
	for _, c := range []struct {
		name      string
		got, want float64
		rel       float64
	}{
		{"pearson x2", ind.Pearson.Statistic, 42.57793394746094, 1e-9},
		{"pearson p", ind.Pearson.P, 6.792130956455256e-11, 1e-9},
		{"yates x2", ind.Yates.Statistic, 41.76811300062434, 1e-9},
		{"yates p", ind.Yates.P, 1.0276579986997069e-10, 1e-9},
		{"fisher p", ind.Fisher.P, 5.233489070334966e-12, 1e-7},
		{"phi", ind.Phi, 0.017512410864250313, 1e-9},
		{"min expected", ind.Pearson.MinExpected, 96.32577269093083, 1e-9},
		{"wilson lo", r.Study.CI.Lo, 0.11460370258279744, 1e-9},
		{"wilson hi", r.Study.CI.Hi, 0.1968906821894163, 1e-9},
	} {
		if !near(c.got, c.want, c.rel) {
			t.Errorf("%s = %.17g, want %.17g", c.name, c.got, c.want)
		}
	}
	if !r.Fewer {
		t.Error("mHealth share 15.1% not reported as fewer than Pulse 33.1%")
	}
}

func TestPulseTest201801(t *testing.T) {
	month := datasets.PulseMonth{Month: "2018-01", BelowA: 35.38}
	r, err := PulseTest(44, 291, month, 140000)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name      string
		got, want float64
		rel       float64
	}{
		{"gof x2", r.GOF.ChiSq.Statistic, 52.24386548117942, 1e-9},
		{"gof p", r.GOF.ChiSq.P, 4.901883108786264e-13, 1e-6},
		{"cohen w", r.GOF.CohensW, 0.4237123833263806, 1e-9},
		{"binomial p", r.GOF.Binomial.P, 1.6332494501206727e-14, 1e-6},
		{"pearson x2", r.Independence.Pearson.Statistic, 52.16357445695328, 1e-9},
		{"pearson p", r.Independence.Pearson.P, 5.106462976023787e-13, 1e-6},
		{"yates x2", r.Independence.Yates.Statistic, 51.28071167059773, 1e-9},
		{"yates p", r.Independence.Yates.P, 8.005839779867789e-13, 1e-6},
		{"fisher p", r.Independence.Fisher.P, 1.567525731124742e-14, 1e-6},
		{"phi", r.Independence.Phi, 0.019282740921906606, 1e-9},
	} {
		if !near(c.got, c.want, c.rel) {
			t.Errorf("%s = %.17g, want %.17g", c.name, c.got, c.want)
		}
	}
	if r.Independence.PulseBelow != 49532 {
		t.Errorf("Pulse below A = %d, want 49532 (35.38%% of 140,000)", r.Independence.PulseBelow)
	}
	if got := r.MaxP(); got >= 0.001 {
		t.Errorf("largest p = %v, the paper's P<.001 should hold for 2018-01", got)
	}
}

func TestRiskDifferenceNewcombe(t *testing.T) {
	// Newcombe (1998), Stat Med 17:873–890, Table II example (a): 56/70 − 48/80,
	// method 10 interval 0.0524 to 0.3339.
	rd, err := RiskDifference(56, 70, 48, 80)
	if err != nil {
		t.Fatal(err)
	}
	if !near(rd.Estimate, 0.2, 1e-12) || math.Abs(rd.CI.Lo-0.0524) > 5e-5 || math.Abs(rd.CI.Hi-0.3339) > 5e-5 {
		t.Errorf("RD = %v [%v, %v], want 0.2 [0.0524, 0.3339]", rd.Estimate, rd.CI.Lo, rd.CI.Hi)
	}
}

func TestPulseBadInput(t *testing.T) {
	good := datasets.PulseMonth{Month: "m", BelowA: 35}
	for name, c := range map[string]struct {
		below, total, n int
		m               datasets.PulseMonth
	}{
		"below > total": {300, 291, 1000, good},
		"no servers":    {0, 0, 1000, good},
		"pulse n 0":     {44, 291, 0, good},
		"pulse 0%":      {44, 291, 1000, datasets.PulseMonth{Month: "m"}},
		"pulse NaN":     {44, 291, 1000, datasets.PulseMonth{Month: "m", BelowA: math.NaN()}},
	} {
		if _, err := PulseTest(c.below, c.total, c.m, c.n); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, err := PulseSensitivity(44, 291, good, nil); err == nil {
		t.Error("sensitivity without sizes accepted")
	}
}

func TestPulseSensitivityWorstCase(t *testing.T) {
	month := datasets.PulseMonth{Month: "2018-01", BelowA: 35.38}
	rows, err := PulseSensitivity(44, 291, month, []int{200000, 100000, 150000})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 || rows[0].PulseN != 200000 {
		t.Fatalf("rows not in the order given: %+v", rows)
	}
	// A smaller Pulse sample is less certain: its p-values are the largest.
	worst, p := WorstCase(rows)
	if worst.PulseN != 100000 || p != math.Max(worst.PearsonP, math.Max(worst.YatesP, worst.FisherP)) {
		t.Errorf("worst case = %+v (p %v), want N=100000", worst, p)
	}
}
