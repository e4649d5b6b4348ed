package stats

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
)

// Contingency holds every statistic of one table. Its JSON form has stable keys:
// pearson.{x2,df,p}, yates.{x2,df,p} (2 × 2 only), g.{g,df,p}, fisher.{p,…}
// (fisher.simulation.{replicates,seed,hits,ci,conf_level,reason} when p is a Monte
// Carlo estimate; null with fisher_error set when no test could be run), phi,
// cramers_v, expected, residuals, std_residuals, min_expected,
// share_expected_below_5, warnings and dropped.
type Contingency struct {
	// Table is the table tested: the input without its empty rows and columns.
	Table Table
	N     int
	// Expected, Residuals (Pearson) and StdResiduals (R's stdres) are indexed like
	// Table.Counts.
	Expected     [][]float64
	Residuals    [][]float64
	StdResiduals [][]float64
	Pearson      ChiSquare
	Yates        *ChiSquare // nil unless the table is 2 × 2
	G            ChiSquare
	Fisher       *Fisher // nil when FisherErr is set
	FisherErr    error
	Phi          float64
	CramersV     float64
	Diagnostics
}

// Analyze runs every test on t after dropping its empty rows and columns, with
// DefaultFisherConfig: Fisher's test is exact within DefaultFisherLimits and a
// labelled Monte Carlo estimate (Fisher.Simulation set) beyond them.
func Analyze(t Table) (Contingency, error) {
	return AnalyzeWith(t, DefaultFisherConfig())
}

// AnalyzeWithLimits is Analyze with explicit limits for the exact r × c test and
// no Monte Carlo fallback: a test beyond lim is reported in FisherErr.
func AnalyzeWithLimits(t Table, lim FisherLimits) (Contingency, error) {
	return AnalyzeWith(t, FisherConfig{Limits: lim, Replicates: -1})
}

// AnalyzeWith is Analyze with the Fisher test run as cfg says (see FisherAuto).
// A Fisher test that cannot be run is reported in FisherErr, not as an error.
func AnalyzeWith(t Table, cfg FisherConfig) (Contingency, error) {
	p, err := prepare(t)
	if err != nil {
		return Contingency{}, fmt.Errorf("analyze table: %w", err)
	}
	c := Contingency{Table: p.t, N: p.t.Total(), Expected: p.e, Diagnostics: p.diagnose}
	if c.Pearson, err = PearsonChiSquare(p.t); err != nil {
		return Contingency{}, fmt.Errorf("analyze table: %w", err)
	}
	if c.G, err = GTest(p.t); err != nil {
		return Contingency{}, fmt.Errorf("analyze table: %w", err)
	}
	if c.Residuals, c.StdResiduals, err = Residuals(p.t); err != nil {
		return Contingency{}, fmt.Errorf("analyze table: %w", err)
	}
	if p.t.Rows() == 2 && p.t.Cols() == 2 {
		y, err := YatesChiSquare(p.t)
		if err != nil {
			return Contingency{}, fmt.Errorf("analyze table: %w", err)
		}
		c.Yates = &y
	}
	c.Phi = math.Sqrt(c.Pearson.Statistic / float64(c.N))
	c.CramersV = math.Sqrt(c.Pearson.Statistic / (float64(c.N) * float64(min(p.t.Rows(), p.t.Cols())-1)))
	// The sub-tests saw the already-reduced table; report what the input lost.
	c.Pearson.Dropped, c.G.Dropped = p.dropped, p.dropped
	if c.Yates != nil {
		c.Yates.Dropped = p.dropped
	}
	f, err := FisherAuto(p.t, cfg)
	if err != nil {
		c.FisherErr = err
	} else {
		f.Dropped = p.dropped
		c.Fisher = &f
	}
	return c, nil
}

type chiJSON struct {
	X2 float64 `json:"x2"`
	DF float64 `json:"df"`
	P  float64 `json:"p"`
}

type gJSON struct {
	G  float64 `json:"g"`
	DF float64 `json:"df"`
	P  float64 `json:"p"`
}

// MarshalJSON writes the stable keys documented on Contingency.
func (c Contingency) MarshalJSON() ([]byte, error) {
	var yates *chiJSON
	if c.Yates != nil {
		yates = &chiJSON{c.Yates.Statistic, c.Yates.DF, c.Yates.P}
	}
	var fisher any
	if c.Fisher != nil {
		fisher = c.Fisher.FisherTest
	}
	var fisherErr *string
	if c.FisherErr != nil {
		s := c.FisherErr.Error()
		fisherErr = &s
	}
	return marshal(struct {
		Table               Table       `json:"table"`
		N                   int         `json:"n"`
		Pearson             chiJSON     `json:"pearson"`
		Yates               *chiJSON    `json:"yates"`
		G                   gJSON       `json:"g"`
		Fisher              any         `json:"fisher"`
		FisherError         *string     `json:"fisher_error,omitempty"`
		Phi                 float64     `json:"phi"`
		CramersV            float64     `json:"cramers_v"`
		Expected            [][]float64 `json:"expected"`
		Residuals           [][]float64 `json:"residuals"`
		StdResiduals        [][]float64 `json:"std_residuals"`
		MinExpected         float64     `json:"min_expected"`
		ShareExpectedBelow5 float64     `json:"share_expected_below_5"`
		Warnings            []string    `json:"warnings"`
		Dropped             []string    `json:"dropped"`
	}{
		Table: c.Table, N: c.N,
		Pearson: chiJSON{c.Pearson.Statistic, c.Pearson.DF, c.Pearson.P},
		Yates:   yates,
		G:       gJSON{c.G.Statistic, c.G.DF, c.G.P},
		Fisher:  fisher, FisherError: fisherErr,
		Phi: c.Phi, CramersV: c.CramersV,
		Expected: c.Expected, Residuals: c.Residuals, StdResiduals: c.StdResiduals,
		MinExpected: c.MinExpected, ShareExpectedBelow5: c.ShareExpectedBelow5,
		Warnings: nonNil(c.Warnings), Dropped: nonNil(c.Dropped),
	})
}

// nonNil makes empty lists encode as [] rather than null.
func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// marshal encodes v without escaping HTML characters.
func marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(b.Bytes(), "\n"), nil
}
