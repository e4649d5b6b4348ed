package analysis

import (
	"errors"
	"fmt"
	"math"
	"runtime"
	"sync"

	"github.com/mhealthsec/mhealthsec/analysis/stats"
)

// InverseSplitConfig states what was published about a 2 × 2 test whose table was not:
// Total observations of which Below had the outcome, split into two unpublished groups, and
// a p-value printed rounded, so that the true p lay in [PLo, PHi).
type InverseSplitConfig struct {
	Total, Below int
	PLo, PHi     float64
}

// Candidate is one table consistent with the published margins: the second group
// ("German-only") has N servers of which K are below A; the first ("international") the rest.
type Candidate struct {
	NDE   int `json:"n_de"`
	KDE   int `json:"k_de"`
	NIntl int `json:"n_intl"`
	KIntl int `json:"k_intl"`
	// ShareDE and ShareIntl are the shares below A; IntlBetter is ShareIntl < ShareDE,
	// the direction the paper reports.
	ShareDE    float64 `json:"share_de"`
	ShareIntl  float64 `json:"share_intl"`
	IntlBetter bool    `json:"intl_better"`
	PearsonP   float64 `json:"pearson_p"`
	YatesP     float64 `json:"yates_p"`
	FisherP    float64 `json:"fisher_p"`
	// MinExpected is the smallest expected count of the table.
	MinExpected float64 `json:"min_expected"`
}

// Tests names the three tests an inverse split evaluates, in report order.
func Tests() []string { return []string{"pearson", "yates", "fisher"} }

// P returns the candidate's p-value of the named test ("pearson", "yates", "fisher").
func (c Candidate) P(test string) (float64, error) {
	switch test {
	case "pearson":
		return c.PearsonP, nil
	case "yates":
		return c.YatesP, nil
	case "fisher":
		return c.FisherP, nil
	}
	return math.NaN(), fmt.Errorf("unknown test %q (want pearson, yates or fisher)", test)
}

// Matches reports whether the candidate reproduces the published result under the named
// test: its p lies in [PLo, PHi) and the international group does better.
func (cfg InverseSplitConfig) Matches(c Candidate, test string) bool {
	p, err := c.P(test)
	return err == nil && c.IntlBetter && p >= cfg.PLo && p < cfg.PHi
}

// MatchesAny reports whether the candidate matches under at least one of the tests.
func (cfg InverseSplitConfig) MatchesAny(c Candidate) bool {
	for _, t := range Tests() {
		if cfg.Matches(c, t) {
			return true
		}
	}
	return false
}

// InverseSplit enumerates every 2 × 2 table with the published margins — each size of the
// second group from 1 to Total−1 and each count below A in it that the margins allow — and
// computes Pearson's, Yates' and Fisher's two-sided p for each. The candidates are ordered
// by NDE, then KDE.
func InverseSplit(cfg InverseSplitConfig) ([]Candidate, error) {
	if cfg.Total < 2 || cfg.Below < 0 || cfg.Below > cfg.Total {
		return nil, fmt.Errorf("inverse split: %d below of %d total is not a valid margin", cfg.Below, cfg.Total)
	}
	if !(cfg.PLo >= 0 && cfg.PLo < cfg.PHi && cfg.PHi <= 1) {
		return nil, fmt.Errorf("inverse split: p range [%v, %v) is not within [0, 1]", cfg.PLo, cfg.PHi)
	}
	if cfg.Below == 0 || cfg.Below == cfg.Total {
		return nil, fmt.Errorf("inverse split: %d below of %d leaves an empty column; no test is defined", cfg.Below, cfg.Total)
	}
	// Each size of the German-only group owns a fixed stretch of the output, so the sizes can
	// be computed in parallel and the result is the same, in the same order, every time.
	offsets := make([]int, cfg.Total+1)
	for nde := 1; nde < cfg.Total; nde++ {
		lo, hi := max(0, cfg.Below-(cfg.Total-nde)), min(cfg.Below, nde)
		offsets[nde+1] = offsets[nde] + hi - lo + 1
	}
	out := make([]Candidate, offsets[cfg.Total])
	workers := min(runtime.GOMAXPROCS(0), cfg.Total-1)
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for nde := 1 + w; nde < cfg.Total; nde += workers {
				i := offsets[nde]
				for kde := max(0, cfg.Below-(cfg.Total-nde)); kde <= min(cfg.Below, nde); kde++ {
					c, err := candidate(cfg, nde, kde)
					if err != nil {
						errs[w] = err
						return
					}
					out[i] = c
					i++
				}
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return out, nil
}

func candidate(cfg InverseSplitConfig, nde, kde int) (Candidate, error) {
	nintl, kintl := cfg.Total-nde, cfg.Below-kde
	c := Candidate{
		NDE: nde, KDE: kde, NIntl: nintl, KIntl: kintl,
		ShareDE: float64(kde) / float64(nde), ShareIntl: float64(kintl) / float64(nintl),
	}
	c.IntlBetter = c.ShareIntl < c.ShareDE
	t, err := stats.NewTable([][]int{{kintl, nintl - kintl}, {kde, nde - kde}}, nil, nil)
	if err != nil {
		return Candidate{}, fmt.Errorf("inverse split n_de=%d k_de=%d: %w", nde, kde, err)
	}
	pearson, err := stats.PearsonChiSquare(t)
	if err != nil {
		return Candidate{}, fmt.Errorf("inverse split n_de=%d k_de=%d: %w", nde, kde, err)
	}
	yates, err := stats.YatesChiSquare(t)
	if err != nil {
		return Candidate{}, fmt.Errorf("inverse split n_de=%d k_de=%d: %w", nde, kde, err)
	}
	fisher, err := stats.Fisher2x2(kintl, nintl-kintl, kde, nde-kde, stats.TwoSided)
	if err != nil {
		return Candidate{}, fmt.Errorf("inverse split n_de=%d k_de=%d: %w", nde, kde, err)
	}
	c.PearsonP, c.YatesP, c.FisherP = pearson.P, yates.P, fisher.P
	c.MinExpected = pearson.MinExpected
	return c, nil
}

// Range is the smallest and largest value of a quantity over a set.
type Range struct {
	Min float64 `json:"min"`
	Max float64 `json:"max"`
}

func (r *Range) add(v float64, first bool) {
	if first {
		r.Min, r.Max = v, v
		return
	}
	r.Min, r.Max = math.Min(r.Min, v), math.Max(r.Max, v)
}

// FeasibleSummary describes the candidates that match under one test (or any of them).
type FeasibleSummary struct {
	Test  string `json:"test"` // "pearson", "yates", "fisher" or "any"
	Count int    `json:"count"`
	// The ranges are nil when Count is 0.
	NDE        *Range `json:"n_de"`
	KDE        *Range `json:"k_de"`
	ShareDE    *Range `json:"share_de"`
	ShareIntl  *Range `json:"share_intl"`
	Difference *Range `json:"difference"` // ShareDE − ShareIntl
	// SmallExpected counts the matching tables with an expected count below 5.
	SmallExpected int `json:"small_expected"`
}

// Summarize returns one summary per test and one for "any", in the order of Tests().
func Summarize(cfg InverseSplitConfig, cands []Candidate) []FeasibleSummary {
	var out []FeasibleSummary
	for _, test := range append(Tests(), "any") {
		s := FeasibleSummary{Test: test}
		var nde, kde, sde, sint, diff Range
		for _, c := range cands {
			ok := cfg.MatchesAny(c)
			if test != "any" {
				ok = cfg.Matches(c, test)
			}
			if !ok {
				continue
			}
			first := s.Count == 0
			nde.add(float64(c.NDE), first)
			kde.add(float64(c.KDE), first)
			sde.add(c.ShareDE, first)
			sint.add(c.ShareIntl, first)
			diff.add(c.ShareDE-c.ShareIntl, first)
			s.Count++
			if c.MinExpected < 5 {
				s.SmallExpected++
			}
		}
		if s.Count > 0 {
			s.NDE, s.KDE, s.ShareDE, s.ShareIntl, s.Difference = &nde, &kde, &sde, &sint, &diff
		}
		out = append(out, s)
	}
	return out
}
