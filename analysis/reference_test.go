package analysis

import (
	"encoding/json"
	"math"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mhealthsec/mhealthsec/analysis/stats"
	"github.com/mhealthsec/mhealthsec/datasets"
	"github.com/mhealthsec/mhealthsec/probe/result"
)

// referenceGolden is testdata/reference.json, made by testdata/reference.R: R's
// chisq.test and fisher.test on the tables that the sample study against the lab
// reference population (testdata/waves/old/results.jsonl, the lab fleet as `mhealthsec
// lab` probed it) gives under each trust policy.
type referenceGolden struct {
	Cases []struct {
		Trust        string      `json:"trust"`
		Table        [][]int     `json:"table"`
		PearsonX2    float64     `json:"pearson_x2"`
		PearsonP     float64     `json:"pearson_p"`
		YatesX2      float64     `json:"yates_x2"`
		YatesP       float64     `json:"yates_p"`
		FisherP      float64     `json:"fisher_p"`
		Distribution [][]int     `json:"distribution"`
		Letters      []string    `json:"letters"`
		DistX2       float64     `json:"dist_x2"`
		DistP        float64     `json:"dist_p"`
		DistFisherP  float64     `json:"dist_fisher_p"`
		Expected     [][]float64 `json:"expected"`
	} `json:"cases"`
}

func relClose(got, want, tol float64) bool {
	return got == want || math.Abs(got-want) <= tol*math.Abs(want)
}

// TestReferenceAgainstR: Test 1 against a reference population gives R's
// chisq.test and fisher.test values on the implied 2 × 2 to 1e-10, and on the
// grade distributions.
func TestReferenceAgainstR(t *testing.T) {
	b, err := os.ReadFile("testdata/reference.json")
	if err != nil {
		t.Fatal(err)
	}
	var g referenceGolden
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatal(err)
	}
	st, err := datasets.LoadStudy("../datasets/sample")
	if err != nil {
		t.Fatal(err)
	}
	if len(g.Cases) != 3 {
		t.Fatalf("%d cases, want one per trust policy", len(g.Cases))
	}
	for _, gc := range g.Cases {
		tp, err := ParseTrustPolicy(gc.Trust)
		if err != nil {
			t.Fatal(err)
		}
		ref, err := LoadReference("testdata/waves/old/results.jsonl", tp)
		if err != nil {
			t.Fatal(err)
		}
		res, err := AnalyzeStudy(st, StudyConfig{Trust: tp, Reference: ref})
		if err != nil {
			t.Fatal(err)
		}
		rt := res.Test1Reference
		if rt == nil || rt.Independence == nil || rt.DistributionTests == nil {
			t.Fatalf("%s: reference test %+v", gc.Trust, rt)
		}
		if !slices.EqualFunc(rt.Table.Counts, gc.Table, slices.Equal) || !slices.EqualFunc(rt.Distribution.Counts, gc.Distribution, slices.Equal) ||
			!slices.Equal(rt.Distribution.ColNames, gc.Letters) {
			t.Fatalf("%s: tables %v and %v %v, R was given %v and %v %v", gc.Trust, rt.Table.Counts, rt.Distribution.Counts, rt.Distribution.ColNames, gc.Table, gc.Distribution, gc.Letters)
		}
		c, d := rt.Independence, rt.DistributionTests
		for _, v := range []struct {
			name      string
			got, want float64
		}{
			{"pearson x2", c.Pearson.Statistic, gc.PearsonX2},
			{"pearson p", c.Pearson.P, gc.PearsonP},
			{"yates x2", c.Yates.Statistic, gc.YatesX2},
			{"yates p", c.Yates.P, gc.YatesP},
			{"fisher p", c.Fisher.P, gc.FisherP},
			{"distribution x2", d.Pearson.Statistic, gc.DistX2},
			{"distribution p", d.Pearson.P, gc.DistP},
		} {
			if !relClose(v.got, v.want, 1e-10) {
				t.Errorf("%s: %s = %.17g, R %.17g", gc.Trust, v.name, v.got, v.want)
			}
		}
		if d.Fisher == nil {
			t.Fatalf("%s: distribution Fisher: %v", gc.Trust, d.FisherErr)
		}
		if s := d.Fisher.Simulation; s != nil {
			if !s.CI.Contains(gc.DistFisherP) {
				t.Errorf("%s: distribution Fisher estimate %v, interval %+v misses R's %v", gc.Trust, d.Fisher.P, s.CI, gc.DistFisherP)
			}
		} else if !relClose(d.Fisher.P, gc.DistFisherP, 1e-8) {
			t.Errorf("%s: distribution Fisher p = %.17g, R %.17g", gc.Trust, d.Fisher.P, gc.DistFisherP)
		}
		// Same day of measurement and criteria: nothing to warn about.
		if len(rt.Warnings) != 0 {
			t.Errorf("%s: warnings %q", gc.Trust, rt.Warnings)
		}
	}
}

func TestReferenceWarnings(t *testing.T) {
	day := func(d int) time.Time { return time.Date(2026, 1, d, 12, 0, 0, 0, time.UTC) }
	res := func(letter, criteria string, at time.Time) result.Result {
		return result.Result{Host: "h", Port: 443, StartedAt: at, Grade: &result.Grade{Letter: letter, Criteria: criteria}}
	}
	ref := NewReference("ref.jsonl", []result.Result{res("A", "2009q", day(1)), res("B", "2009q", day(2)), res("T", "2009q", time.Time{})}, TrustBelow)
	if ref.Graded != 1 || ref.Superseded != 2 || ref.Grades["T"] != 1 {
		t.Errorf("one host and port three times: %+v, want the last result only", ref)
	}
	rs := []result.Result{res("A", "2009q", day(1)), res("B", "2009q", day(2)), res("T", "2009q", time.Time{})}
	rs[1].Host, rs[2].Host = "h2", "H3"
	ref = NewReference("ref.jsonl", rs, TrustBelow)
	if ref.Graded != 3 || ref.BelowA != 2 || ref.Undated != 1 || !slices.Equal(ref.Criteria, []string{"2009q"}) {
		t.Fatalf("reference = %+v", ref)
	}
	study := Describe([]result.Result{res("A", "2009r", day(1).AddDate(0, 3, 0))})
	rt, err := TestReference(map[string]int{"A": 3, "C": 1}, 1, study, ref, stats.DefaultFisherConfig())
	if err != nil {
		t.Fatal(err)
	}
	all := strings.Join(rt.Warnings, "\n")
	for _, w := range []string{"grading criteria differ: study 2009r, reference 2009q", "measured at different times: study 2026-04-01, reference 2026-01-01 to 2026-01-02", "without a measurement time: 0 in the study, 1 in the reference"} {
		if !strings.Contains(all, w) {
			t.Errorf("warnings %q lack %q", rt.Warnings, w)
		}
	}
	if _, err := LoadReference("testdata/none.jsonl", TrustBelow); err == nil {
		t.Error("missing file accepted")
	}
}

// TestReferenceFileErrors: a bad reference file is refused naming file and line.
func TestReferenceFileErrors(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct{ name, text, want string }{
		{"bad.jsonl", "{\"host\":\"a\",\"port\":443}\nnot json\n", "bad.jsonl:2"},
		{"nograde.jsonl", "{\"host\":\"a\",\"port\":443}\n", "none of its 1 results has a grade"},
	} {
		p := dir + "/" + tc.name
		if err := os.WriteFile(p, []byte(tc.text), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := LoadReference(p, TrustBelow); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want %q", tc.name, err, tc.want)
		}
	}
}
