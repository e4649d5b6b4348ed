package paper

import (
	"github.com/mhealthsec/mhealthsec/analysis"
)

// Stats is stats.json: every number of the report under stable keys.
type Stats struct {
	Study        string              `json:"study"`
	Baseline     BaselineStats       `json:"baseline"`
	Assumptions  Assumptions         `json:"assumptions"`
	Summary      map[Status]int      `json:"summary"`
	Scorecard    []ScoreRow          `json:"scorecard"`
	Tests        TestsStats          `json:"tests"`
	AppFindings  []NamedShare        `json:"app_findings"`
	Table5       []Table5Cell        `json:"table5"`
	NotPublished []NotPublishedStats `json:"not_published"`
}

// BaselineStats is the SSL Pulse month of Test 1.
type BaselineStats struct {
	Month  string  `json:"month"`
	Date   string  `json:"date"`
	BelowA float64 `json:"below_a"` // share, 0–1
	ARange float64 `json:"a_range"` // share, 0–1
	Source string  `json:"source"`
}

// Assumptions are the values the reproduction had to choose.
type Assumptions struct {
	PulseN           int       `json:"pulse_n"`
	PulseNs          []int     `json:"pulse_n_sensitivity"`
	PulseDenominator string    `json:"pulse_denominator"`
	PRange           []float64 `json:"p_range_for_published_03"`
	Conf             float64   `json:"confidence_level"`
	Interval         string    `json:"interval"`
}

// TestsStats holds both tests.
type TestsStats struct {
	Pulse    PulseStats    `json:"pulse"`
	IntlVsDE IntlVsDEStats `json:"intl_vs_de"`
}

// PulseStats is Test 1.
type PulseStats struct {
	analysis.PulseResult
	Sensitivity   []analysis.SensitivityRow `json:"sensitivity"`
	WorstCase     WorstCase                 `json:"sensitivity_worst_case"`
	ByMonth       []MonthStats              `json:"by_month"`
	MonthsHolding int                       `json:"months_holding"`
	MonthsTotal   int                       `json:"months_total"`
}

// WorstCase is the largest p of the sensitivity analysis.
type WorstCase struct {
	PulseN int     `json:"pulse_n"`
	P      float64 `json:"p"`
}

// MonthStats is Test 1 against one Pulse month, compactly.
type MonthStats struct {
	Month       string  `json:"month"`
	PulseBelowA float64 `json:"pulse_below_a"`
	GOFP        float64 `json:"gof_p"`
	BinomialP   float64 `json:"binomial_p"`
	PearsonP    float64 `json:"pearson_p"`
	YatesP      float64 `json:"yates_p"`
	FisherP     float64 `json:"fisher_p"`
	MaxP        float64 `json:"max_p"`
	Holds       bool    `json:"holds"`
}

// IntlVsDEStats is Test 2: the summary of the enumeration (the tables are in tables/).
type IntlVsDEStats struct {
	Total      int                        `json:"total"`
	Below      int                        `json:"below"`
	PRange     []float64                  `json:"p_range"`
	Candidates int                        `json:"candidates"`
	Feasible   []analysis.FeasibleSummary `json:"feasible"`
	// MatchesByTests counts the tables that give the published p under exactly 1, 2 and 3
	// of the tests.
	MatchesByTests map[string]int `json:"matches_by_number_of_tests"`
	TablesFile     string         `json:"tables_file"`
	MatchesFile    string         `json:"matches_file"`
	Note           string         `json:"note"`
}

// NotPublishedStats is one input the study did not publish.
type NotPublishedStats struct {
	ID          string `json:"id"`
	Topic       string `json:"topic"`
	Text        string `json:"text"`
	Consequence string `json:"consequence"`
}

// Stats collects the reproduction's numbers for stats.json.
func (r *Reproduction) Stats() Stats {
	s := Stats{
		Study: Citation,
		Baseline: BaselineStats{Month: r.Baseline.Month, Date: r.Baseline.Date.Format("2006-01-02"),
			BelowA: r.Baseline.BelowA / 100, ARange: r.Baseline.ARange / 100, Source: r.Baseline.Source},
		Assumptions: Assumptions{
			PulseN: r.Config.PulseN, PulseNs: r.Config.PulseNs,
			PulseDenominator: "not published: SSL Pulse percentages taken as shares of graded sites; only the 2 × 2 tests need N",
			PRange:           []float64{r.Config.PLo, r.Config.PHi}, Conf: analysis.Conf, Interval: "Wilson score, no continuity correction",
		},
		Summary:     r.statusCounts(),
		Scorecard:   r.Scorecard,
		AppFindings: r.AppFindings,
		Table5:      r.Table5,
	}
	worst, p := analysis.WorstCase(r.Sensitivity)
	holding, _, _ := r.MonthsHolding()
	ps := PulseStats{PulseResult: r.Pulse, Sensitivity: r.Sensitivity, WorstCase: WorstCase{PulseN: worst.PulseN, P: p},
		MonthsHolding: holding, MonthsTotal: len(r.ByMonth)}
	for _, m := range r.ByMonth {
		ind := m.Independence
		ps.ByMonth = append(ps.ByMonth, MonthStats{Month: m.Month, PulseBelowA: m.PulseBelowA, GOFP: m.GOF.ChiSq.P, BinomialP: m.GOF.Binomial.P,
			PearsonP: ind.Pearson.P, YatesP: ind.Yates.P, FisherP: ind.Fisher.P, MaxP: m.MaxP(), Holds: m.Fewer && m.MaxP() < 0.001})
	}
	s.Tests.Pulse = ps
	ov := r.matchOverlap()
	s.Tests.IntlVsDE = IntlVsDEStats{Total: r.Split.Total, Below: r.Split.Below, PRange: []float64{r.Split.PLo, r.Split.PHi},
		Candidates: len(r.Candidates), Feasible: r.Feasible,
		MatchesByTests: map[string]int{"1": ov[1], "2": ov[2], "3": ov[3]},
		TablesFile:     "tables/intl_vs_de_candidates.csv", MatchesFile: "tables/intl_vs_de_matches.csv",
		Note: "what the published numbers allow, not the authors' data: the split was not published"}
	for _, u := range r.NotPublished {
		s.NotPublished = append(s.NotPublished, NotPublishedStats(u))
	}
	return s
}
