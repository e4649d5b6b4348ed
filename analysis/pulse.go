// Package analysis holds the study's analyses built on analysis/stats: the comparison of
// the study's servers with the SSL Pulse baseline (Test 1, PulseTest), the inverse
// reproduction of a test whose table was not published (Test 2, InverseSplit), and the
// study-folder analyses of `analyze`.
package analysis

import (
	"errors"
	"fmt"
	"math"

	"github.com/mhealthsec/mhealthsec/analysis/stats"
	"github.com/mhealthsec/mhealthsec/datasets"
)

// Conf is the confidence level of every interval the analyses report.
const Conf = 0.95

// Estimate is a point estimate with its interval and how the interval was computed.
type Estimate struct {
	Estimate float64        `json:"estimate"`
	CI       stats.Interval `json:"ci"`
	Method   string         `json:"method"`
}

// NewcombeMethod labels the risk-difference interval.
const NewcombeMethod = "Newcombe hybrid score interval (method 10) from 95% Wilson intervals"

// RiskDifference is x1/n1 − x2/n2 with Newcombe's hybrid score interval, built from the two
// Wilson intervals (Newcombe 1998, method 10). It needs no continuity correction and stays
// inside [−1, 1].
func RiskDifference(x1, n1, x2, n2 int) (Estimate, error) {
	if n1 < 1 || n2 < 1 || x1 < 0 || x2 < 0 || x1 > n1 || x2 > n2 {
		return Estimate{}, fmt.Errorf("risk difference: counts %d/%d and %d/%d are not proportions", x1, n1, x2, n2)
	}
	p1, p2 := float64(x1)/float64(n1), float64(x2)/float64(n2)
	w1, w2 := stats.Wilson(x1, n1, Conf), stats.Wilson(x2, n2, Conf)
	d := p1 - p2
	return Estimate{
		Estimate: d,
		CI: stats.Interval{
			Lo: d - math.Sqrt((p1-w1.Lo)*(p1-w1.Lo)+(w2.Hi-p2)*(w2.Hi-p2)),
			Hi: d + math.Sqrt((w1.Hi-p1)*(w1.Hi-p1)+(p2-w2.Lo)*(p2-w2.Lo)),
		},
		Method: NewcombeMethod,
	}, nil
}

// Share is a count out of a total with its 95% Wilson interval.
type Share struct {
	Count int            `json:"count"`
	Total int            `json:"total"`
	Share float64        `json:"share"`
	CI    stats.Interval `json:"ci"`
}

// NewShare returns count/total with its Wilson interval.
func NewShare(count, total int) (Share, error) {
	if total < 1 || count < 0 || count > total {
		return Share{}, fmt.Errorf("share %d/%d: need 0 ≤ count ≤ total and total ≥ 1", count, total)
	}
	return Share{Count: count, Total: total, Share: float64(count) / float64(total), CI: stats.Wilson(count, total, Conf)}, nil
}

// PulseGOF is the comparison of the study's counts with the Pulse proportions taken as
// known: it needs no number of Pulse sites.
type PulseGOF struct {
	Observed []int           `json:"observed"` // below A, A range
	Expected []float64       `json:"expected"`
	ChiSq    stats.ChiSquare `json:"chi_square"`
	CohensW  float64         `json:"cohens_w"` // √(X²/n)
	Binomial stats.Binomial  `json:"binomial"`
}

// PulseIndependence is the 2 × 2 test of the study's servers against an assumed number of
// Pulse sites: rows study, Pulse; columns below A, A range.
type PulseIndependence struct {
	PulseN     int             `json:"pulse_n"`
	PulseBelow int             `json:"pulse_below"` // round(share below A × PulseN)
	Table      stats.Table     `json:"table"`
	Pearson    stats.ChiSquare `json:"pearson"`
	Yates      stats.ChiSquare `json:"yates"`
	Fisher     stats.Fisher    `json:"fisher"`
	Phi        float64         `json:"phi"`
	// RiskDifference is study share below A minus Pulse share below A.
	RiskDifference Estimate `json:"risk_difference"`
}

// PulseResult is Test 1 for one Pulse month.
type PulseResult struct {
	Month string `json:"month"`
	// PulseBelowA is the month's share of sites below the A range (0–1), as published.
	PulseBelowA  float64           `json:"pulse_below_a"`
	Study        Share             `json:"study"`
	GOF          PulseGOF          `json:"gof"`
	Independence PulseIndependence `json:"independence"`
	// Fewer reports whether the study's share below A is lower than Pulse's (the direction
	// the paper claims).
	Fewer bool `json:"mhealth_fewer"`
}

// MaxP is the largest p-value of the result's tests (GOF, binomial, Pearson, Yates, Fisher).
func (r PulseResult) MaxP() float64 {
	return math.Max(math.Max(r.GOF.ChiSq.P, r.GOF.Binomial.P),
		math.Max(r.Independence.Pearson.P, math.Max(r.Independence.Yates.P, r.Independence.Fisher.P)))
}

// PulseTest compares below of total study servers with the month's SSL Pulse share below A:
// a goodness-of-fit test and an exact binomial test against the Pulse proportion, and the
// 2 × 2 tests of independence (Pearson, Yates, Fisher) for pulseN assumed Pulse sites.
func PulseTest(below, total int, month datasets.PulseMonth, pulseN int) (PulseResult, error) {
	study, err := NewShare(below, total)
	if err != nil {
		return PulseResult{}, fmt.Errorf("pulse test: study: %w", err)
	}
	if pulseN < 1 {
		return PulseResult{}, fmt.Errorf("pulse test: assumed number of Pulse sites %d, need at least 1", pulseN)
	}
	pb := month.BelowA / 100
	if !(pb > 0 && pb < 1) {
		return PulseResult{}, fmt.Errorf("pulse test: month %s: share below A %v%% is not strictly between 0 and 100", month.Month, month.BelowA)
	}
	r := PulseResult{Month: month.Month, PulseBelowA: pb, Study: study, Fewer: study.Share < pb}

	obs := []float64{float64(below), float64(total - below)}
	gof, err := stats.GoodnessOfFit(obs, []float64{pb, 1 - pb})
	if err != nil {
		return PulseResult{}, fmt.Errorf("pulse test %s: %w", month.Month, err)
	}
	bin, err := stats.BinomialTest(below, total, pb, stats.TwoSided)
	if err != nil {
		return PulseResult{}, fmt.Errorf("pulse test %s: %w", month.Month, err)
	}
	r.GOF = PulseGOF{
		Observed: []int{below, total - below},
		Expected: []float64{pb * float64(total), (1 - pb) * float64(total)},
		ChiSq:    gof,
		CohensW:  math.Sqrt(gof.Statistic / float64(total)),
		Binomial: bin,
	}
	r.Independence, err = pulseIndependence(below, total, pb, pulseN)
	if err != nil {
		return PulseResult{}, fmt.Errorf("pulse test %s: %w", month.Month, err)
	}
	return r, nil
}

func pulseIndependence(below, total int, pb float64, pulseN int) (PulseIndependence, error) {
	pbelow := int(math.Round(pb * float64(pulseN)))
	t, err := stats.NewTable([][]int{{below, total - below}, {pbelow, pulseN - pbelow}},
		[]string{"mHealth functional servers", "SSL Pulse sites"}, []string{"below A", "A range"})
	if err != nil {
		return PulseIndependence{}, err
	}
	ind := PulseIndependence{PulseN: pulseN, PulseBelow: pbelow, Table: t}
	if ind.Pearson, err = stats.PearsonChiSquare(t); err != nil {
		return PulseIndependence{}, err
	}
	if ind.Yates, err = stats.YatesChiSquare(t); err != nil {
		return PulseIndependence{}, err
	}
	if ind.Fisher, err = stats.Fisher2x2(below, total-below, pbelow, pulseN-pbelow, stats.TwoSided); err != nil {
		return PulseIndependence{}, err
	}
	if ind.Phi, err = stats.Phi(t); err != nil {
		return PulseIndependence{}, err
	}
	if ind.RiskDifference, err = RiskDifference(below, total, pbelow, pulseN); err != nil {
		return PulseIndependence{}, err
	}
	return ind, nil
}

// SensitivityRow is the 2 × 2 tests for one assumed number of Pulse sites.
type SensitivityRow struct {
	PulseN   int     `json:"pulse_n"`
	PearsonP float64 `json:"pearson_p"`
	YatesP   float64 `json:"yates_p"`
	FisherP  float64 `json:"fisher_p"`
}

// PulseSensitivity repeats the 2 × 2 tests for every assumed number of Pulse sites in ns
// (the number was not published), in the order given.
func PulseSensitivity(below, total int, month datasets.PulseMonth, ns []int) ([]SensitivityRow, error) {
	if len(ns) == 0 {
		return nil, errors.New("pulse sensitivity: no Pulse sizes")
	}
	rows := make([]SensitivityRow, 0, len(ns))
	for _, n := range ns {
		r, err := PulseTest(below, total, month, n)
		if err != nil {
			return nil, fmt.Errorf("pulse sensitivity N=%d: %w", n, err)
		}
		ind := r.Independence
		rows = append(rows, SensitivityRow{PulseN: n, PearsonP: ind.Pearson.P, YatesP: ind.Yates.P, FisherP: ind.Fisher.P})
	}
	return rows, nil
}

// WorstCase returns the row with the largest p of any test, and that p.
func WorstCase(rows []SensitivityRow) (SensitivityRow, float64) {
	var worst SensitivityRow
	maxP := math.Inf(-1)
	for _, r := range rows {
		if p := math.Max(r.PearsonP, math.Max(r.YatesP, r.FisherP)); p > maxP {
			worst, maxP = r, p
		}
	}
	return worst, maxP
}

// PulseByMonth runs PulseTest against every month, in the order given.
func PulseByMonth(below, total int, months []datasets.PulseMonth, pulseN int) ([]PulseResult, error) {
	out := make([]PulseResult, 0, len(months))
	for _, m := range months {
		r, err := PulseTest(below, total, m, pulseN)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}
