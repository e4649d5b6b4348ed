package stats

import (
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
)

// pairedTrendGolden is testdata/paired_trend.json, made by testdata/paired_trend.R.
type pairedTrendGolden struct {
	McNemar []struct {
		Table         [][]int     `json:"table"`
		X2            float64     `json:"x2"`
		DF            float64     `json:"df"`
		P             float64     `json:"p"`
		Method        string      `json:"method"`
		X2Uncorrected float64     `json:"x2_uncorrected"`
		PUncorrected  float64     `json:"p_uncorrected"`
		ExactP        *float64    `json:"exact_p"`
		ExactCI       *[2]float64 `json:"exact_ci"`
	} `json:"mcnemar"`
	Trend []struct {
		X     []int     `json:"x"`
		N     []int     `json:"n"`
		Score []float64 `json:"score"`
		X2    float64   `json:"x2"`
		P     float64   `json:"p"`
	} `json:"trend"`
}

func loadPairedTrend(t *testing.T) pairedTrendGolden {
	t.Helper()
	b, err := os.ReadFile("testdata/paired_trend.json")
	if err != nil {
		t.Fatal(err)
	}
	var g pairedTrendGolden
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatalf("testdata/paired_trend.json: %v", err)
	}
	if len(g.McNemar) == 0 || len(g.Trend) == 0 {
		t.Fatal("testdata/paired_trend.json: a section is empty")
	}
	return g
}

func TestGoldenMcNemar(t *testing.T) {
	for _, gm := range loadPairedTrend(t).McNemar {
		tab, err := NewTable(gm.Table, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		m, err := McNemarTest(tab, true)
		if err != nil {
			t.Fatalf("%v: %v", gm.Table, err)
		}
		m0, err := McNemarTest(tab, false)
		if err != nil {
			t.Fatalf("%v: %v", gm.Table, err)
		}
		checkClose(t, "mcnemar x2", m.ChiSquare.Statistic, gm.X2, tolR)
		checkClose(t, "mcnemar df", m.ChiSquare.DF, gm.DF, 0)
		checkClose(t, "mcnemar p", m.ChiSquare.P, gm.P, tolR)
		checkClose(t, "mcnemar x2 uncorrected", m0.ChiSquare.Statistic, gm.X2Uncorrected, tolR)
		checkClose(t, "mcnemar p uncorrected", m0.ChiSquare.P, gm.PUncorrected, tolR)
		if m.Corrected != strings.Contains(gm.Method, "continuity correction") {
			t.Errorf("%v: corrected = %v, R says %q", gm.Table, m.Corrected, gm.Method)
		}
		if (gm.ExactP != nil) != (m.Exact != nil) {
			t.Fatalf("%v: exact test present = %v, want %v", gm.Table, m.Exact != nil, gm.ExactP != nil)
		}
		if gm.ExactP != nil {
			checkClose(t, "mcnemar exact p", m.Exact.P, *gm.ExactP, tolR)
			checkClose(t, "mcnemar exact ci lo", m.Exact.CI.Lo, gm.ExactCI[0], tolR)
			checkClose(t, "mcnemar exact ci hi", m.Exact.CI.Hi, gm.ExactCI[1], tolR)
		}
	}
}

func TestMcNemarRefuses(t *testing.T) {
	for _, tc := range []struct {
		counts [][]int
		want   string
	}{
		{[][]int{{5, 0}, {0, 7}}, "no discordant pairs"},
		{[][]int{{5, 1, 0}, {2, 7, 0}, {0, 0, 3}}, "both 0"},
		{[][]int{{5, 1, 2}, {2, 7, 1}}, "want square"},
	} {
		tab, err := NewTable(tc.counts, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		_, err = McNemarTest(tab, true)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: err = %v, want %q", tc.counts, err, tc.want)
		}
	}
	tab, _ := NewTable([][]int{{5, 0}, {0, 7}}, nil, nil)
	if _, err := McNemarTest(tab, true); !errors.Is(err, ErrNoDiscordant) {
		t.Errorf("err = %v, want ErrNoDiscordant", err)
	}
}

func TestGoldenTrend(t *testing.T) {
	for _, gt := range loadPairedTrend(t).Trend {
		r, err := TrendTest(gt.X, gt.N, gt.Score)
		if err != nil {
			t.Fatalf("%v / %v: %v", gt.X, gt.N, err)
		}
		checkClose(t, "trend x2", r.Statistic, gt.X2, 1e-11)
		checkClose(t, "trend p", r.P, gt.P, 1e-11)
	}
}

func TestTrendRefuses(t *testing.T) {
	for _, tc := range []struct {
		x, n  []int
		score []float64
		want  string
	}{
		{[]int{1}, []int{2}, nil, "at least 2"},
		{[]int{1, 2}, []int{2}, nil, "the same number"},
		{[]int{0, 0}, []int{2, 3}, nil, "undefined"},
		{[]int{2, 3}, []int{2, 3}, nil, "undefined"},
		{[]int{1, 4}, []int{2, 3}, nil, "not in"},
		{[]int{1, 1}, []int{0, 3}, nil, "at least 1"},
		{[]int{1, 2}, []int{4, 4}, []float64{3, 3}, "all scores are equal"},
		{[]int{1, 2}, []int{4, 4}, []float64{1}, "scores for"},
	} {
		if _, err := TrendTest(tc.x, tc.n, tc.score); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v/%v: err = %v, want %q", tc.x, tc.n, err, tc.want)
		}
	}
}
