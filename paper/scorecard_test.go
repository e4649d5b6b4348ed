package paper

import (
	"bytes"
	"math"
	"strings"
	"testing"

	"github.com/mhealthsec/mhealthsec/analysis"
	"github.com/mhealthsec/mhealthsec/datasets"
)

func TestPercentRoundsTo(t *testing.T) {
	for _, c := range []struct {
		count, total int
		printed      float64
		decimals     int
		want         bool
	}{
		{44, 291, 15.1, 1, true},
		{44, 291, 15.2, 1, false},
		{28, 60, 47, 0, true},
		{28, 60, 46, 0, false},
		{9, 60, 15, 0, true},
		{53, 60, 88, 0, true},
		{1, 8, 13, 0, true},  // 12.5 half-up
		{1, 8, 12, 0, true},  // 12.5 half-to-even
		{1, 8, 14, 0, false}, // neither
		{1, 0, 0, 0, false},  // no denominator
	} {
		if got, _ := PercentRoundsTo(c.count, c.total, c.printed, c.decimals); got != c.want {
			t.Errorf("PercentRoundsTo(%d, %d, %v, %d) = %v, want %v", c.count, c.total, c.printed, c.decimals, got, c.want)
		}
	}
}

func share(id string, count, den int, percent float64, decimals int) datasets.PublishedNumber {
	return datasets.PublishedNumber{ID: id, Source: datasets.SourceAbstract, Kind: datasets.KindShare, Count: count, Denominator: den, Percent: percent, PercentDecimals: decimals}
}

func t5(id, finding, platform string, count, den int, percent float64) datasets.PublishedNumber {
	return datasets.PublishedNumber{ID: id, Source: datasets.SourceTable5, Kind: datasets.KindShare, Count: count, Denominator: den,
		Percent: percent, Finding: finding, Platform: platform, Servers: "functional"}
}

func statusOf(rows []ScoreRow, id string) Status {
	for _, r := range rows {
		if r.ID == id {
			return r.Status
		}
	}
	return ""
}

// TestScorecardCatchesErrors feeds numbers with planted mistakes: every check must be able
// to fail.
func TestScorecardCatchesErrors(t *testing.T) {
	pub := []datasets.PublishedNumber{
		share("good", 44, 291, 15.1, 1),
		share("bad_percent", 28, 60, 48, 0),
		t5("a", "tls13", "android", 4, 30, math.NaN()),
		t5("i", "tls13", "ios", 5, 30, math.NaN()),
		t5("tot", "tls13", "total", 10, 60, 17), // 4 + 5 ≠ 10
		t5("ha", "hsts", "android", 12, 30, math.NaN()),
		t5("hi", "hsts", "ios", 15, 30, math.NaN()),
		t5("htot", "hsts", "total", 27, 60, 46), // sum right, 27/60 = 45%
		{ID: "test_pulse", Kind: datasets.KindPValue, P: 0.001, PRelation: "<"},
		{ID: "test_intl_vs_de", Kind: datasets.KindPValue, P: 0.03, PRelation: "="},
		{ID: "servers", Kind: datasets.KindCount, Count: 823},
	}
	weak := analysis.PulseResult{Month: "x", Fewer: true}
	weak.GOF.ChiSq.P = 0.2 // a baseline under which P<.001 fails
	ev := Evidence{Pulse: weak, Candidates: 100, Feasible: []analysis.FeasibleSummary{{Test: "pearson"}, {Test: "any"}}}
	rows := Scorecard(pub, ev)
	for id, want := range map[string]Status{
		"good": Consistent, "bad_percent": Inconsistent,
		"a": Inconsistent, "i": Inconsistent, "tot": Inconsistent,
		"ha": Consistent, "hi": Consistent, "htot": Inconsistent,
		"test_pulse": Inconsistent, "test_intl_vs_de": Inconsistent, "servers": NotRecomputable,
	} {
		if got := statusOf(rows, id); got != want {
			t.Errorf("%s: status %q, want %q", id, got, want)
		}
	}
	// Without evidence the tests are not recomputable, not "inconsistent".
	rows = Scorecard(pub, Evidence{})
	for _, id := range []string{"test_pulse", "test_intl_vs_de"} {
		if got := statusOf(rows, id); got != NotRecomputable {
			t.Errorf("%s without evidence: %q, want %q", id, got, NotRecomputable)
		}
	}
}

func TestWriteScorecard(t *testing.T) {
	var buf bytes.Buffer
	rows := []ScoreRow{{ID: "x", Published: "1", Recomputed: "1", Status: Reproduced}, {ID: "y", Published: "2", Recomputed: "—", Status: NotRecomputable}}
	if err := WriteScorecard(&buf, rows); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if !strings.Contains(out, "2 published numbers: 1 reproduced, 0 consistent, 0 inconsistent, 1 not recomputable") {
		t.Errorf("summary line missing:\n%s", out)
	}
}

func TestFormatP(t *testing.T) {
	for p, want := range map[float64]string{0.0303: "0.030", 0.001: "0.001", 4.9e-13: "4.9e-13", 0: "0", math.NaN(): "NA"} {
		if got := FormatP(p); got != want {
			t.Errorf("FormatP(%v) = %q, want %q", p, got, want)
		}
	}
}
