package analysis

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/mhealthsec/mhealthsec/analysis/stats"
	"github.com/mhealthsec/mhealthsec/datasets"
	"github.com/mhealthsec/mhealthsec/probe/result"
)

// MaxBaselineGap is how far apart the study's and a reference population's
// measurement dates may be before the report warns: grades drift month by month
// (SSL Pulse's share below A fell by about a point a month in 2016–2018).
const MaxBaselineGap = 31 * 24 * time.Hour

// Measured describes a set of results: how many, under which grading criteria and
// when they were measured.
type Measured struct {
	Results int `json:"results"`
	// Criteria lists the distinct criteria versions of the grades (with the tool
	// that graded, when not mhealthsec), sorted.
	Criteria []string `json:"criteria"`
	// First and Last are the earliest and latest measurement times; nil when no
	// result records one. Undated counts results without a time.
	First   *time.Time `json:"first,omitempty"`
	Last    *time.Time `json:"last,omitempty"`
	Undated int        `json:"undated"`
}

// Describe summarizes results.
func Describe(results []result.Result) Measured {
	var m Measured
	for i := range results {
		m.add(measureOf(&results[i]))
	}
	return m.done()
}

// measure is what Describe reads of one result: its criteria ("" when it has no grade)
// and its measurement time.
type measure struct {
	criteria  string
	startedAt time.Time
}

func measureOf(r *result.Result) measure {
	var ms measure
	if g := r.Grade; g != nil && g.Letter != "" {
		ms.criteria = g.Criteria
		if ms.criteria == "" {
			ms.criteria = "unknown"
		}
		if g.GradedBy != "" && g.GradedBy != "mhealthsec" {
			ms.criteria += " (" + g.GradedBy + ")"
		}
	}
	ms.startedAt = r.StartedAt
	return ms
}

// add counts one result into m.
func (m *Measured) add(ms measure) {
	m.Results++
	if c := ms.criteria; c != "" && !slices.Contains(m.Criteria, c) {
		m.Criteria = append(m.Criteria, c)
	}
	if ms.startedAt.IsZero() {
		m.Undated++
		return
	}
	t := ms.startedAt.UTC()
	if m.First == nil || t.Before(*m.First) {
		m.First = &t
	}
	if m.Last == nil || t.After(*m.Last) {
		m.Last = &t
	}
}

// done returns m with its criteria sorted (and never nil).
func (m Measured) done() Measured {
	if m.Criteria == nil {
		m.Criteria = []string{}
	}
	slices.Sort(m.Criteria)
	return m
}

// Reference is a reference population probed or imported with this toolkit (for
// example the top sites of a popularity list), counted as the study counts its
// servers: each result once, graded letters under the same trust policy.
type Reference struct {
	File     string `json:"file"`
	Measured `json:"measured"`
	Graded   int            `json:"graded"`
	Grades   map[string]int `json:"grades"`
	BelowA   int            `json:"below_a"`
	// Ungraded counts results with an error or no grade, Excluded those left out
	// by the trust policy; neither is in Graded.
	Ungraded int `json:"ungraded"`
	Excluded int `json:"trust_excluded"`
	// Superseded counts results replaced by a later result for the same host and
	// port (a resumed or repeated scan appends; the last one counts, as in a study).
	Superseded int `json:"superseded"`
}

// LoadReference reads a results.jsonl of a reference population (errors name file
// and line) and counts it under trust.
func LoadReference(path string, trust TrustPolicy) (*Reference, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("reference results: %w", err)
	}
	defer f.Close()
	res, err := datasets.ReadResults(f, path)
	if err != nil {
		return nil, fmt.Errorf("reference results: %w", err)
	}
	ref := NewReference(path, res, trust)
	if ref.Graded == 0 {
		return nil, fmt.Errorf("reference results %s: none of its %d results has a grade", path, len(res))
	}
	return ref, nil
}

// NewReference counts results as a reference population under trust: each host
// and port once, its last result.
func NewReference(name string, results []result.Result, trust TrustPolicy) *Reference {
	if trust == "" {
		trust = TrustBelow
	}
	ref := &Reference{File: name, Measured: Describe(results), Grades: map[string]int{}}
	https := datasets.Server{Scheme: datasets.SchemeHTTPS}
	last := make(map[endpoint]int, len(results))
	for i := range results {
		last[endpoint{strings.ToLower(results[i].Host), results[i].Port}] = i
	}
	for i := range results {
		if last[endpoint{strings.ToLower(results[i].Host), results[i].Port}] != i {
			ref.Superseded++
			continue
		}
		f := Facts(https, &results[i], trust)
		switch f.Status {
		case StatusGraded:
			ref.Graded++
			ref.Grades[f.Letter]++
			if f.BelowA {
				ref.BelowA++
			}
		case StatusTrustExcl:
			ref.Excluded++
		default:
			ref.Ungraded++
		}
	}
	return ref
}

// ReferenceTest is Test 1 against a reference population: the study's functional
// servers against the reference's servers, below A or not (a 2 × 2 with both N
// known), and the whole grade distributions (2 × letters).
type ReferenceTest struct {
	Reference *Reference `json:"reference"`
	// Study describes the study's results as Reference.Measured does the reference's.
	Study    Measured `json:"study_measured"`
	StudyBel Share    `json:"study_below_a"`
	RefBel   Share    `json:"reference_below_a"`
	// Table is rows study, reference; columns below_a, a_range. Independence has
	// Pearson, Yates, G and Fisher on it.
	Table        stats.Table        `json:"table"`
	Independence *stats.Contingency `json:"independence"`
	// RiskDifference is study share below A minus the reference's.
	RiskDifference *Estimate `json:"risk_difference"`
	// Distribution is rows study, reference; columns the grade letters A+ … F, T, M
	// that occur in either. Its Fisher p is exact or a labelled Monte Carlo
	// estimate (Fisher.Simulation).
	Distribution      stats.Table        `json:"distribution"`
	DistributionTests *stats.Contingency `json:"distribution_tests"`
	// Warnings say where the comparison is not like with like: other criteria,
	// other dates.
	Warnings []string `json:"warnings"`
	Error    string   `json:"error,omitempty"`
}

// TestReference compares the study's graded functional servers (grades: letter
// counts; below: how many are below A; measured: the study's results) with ref.
func TestReference(grades map[string]int, below int, measured Measured, ref *Reference, fc stats.FisherConfig) (ReferenceTest, error) {
	total := 0
	for _, n := range grades {
		total += n
	}
	rt := ReferenceTest{Reference: ref, Study: measured, Warnings: []string{}}
	var err error
	if rt.StudyBel, err = NewShare(below, total); err != nil {
		return rt, fmt.Errorf("reference test: study: %w", err)
	}
	if rt.RefBel, err = NewShare(ref.BelowA, ref.Graded); err != nil {
		return rt, fmt.Errorf("reference test: reference: %w", err)
	}
	rows := []string{"study", "reference"}
	if rt.Table, err = stats.NewTable([][]int{{below, total - below}, {ref.BelowA, ref.Graded - ref.BelowA}}, rows, []string{"below_a", "a_range"}); err != nil {
		return rt, fmt.Errorf("reference test: %w", err)
	}
	var problems []string
	if c, err := stats.AnalyzeWith(rt.Table, fc); err != nil {
		problems = append(problems, "2 × 2: "+err.Error())
	} else if c.Table.Rows() < 2 || c.Table.Cols() < 2 {
		problems = append(problems, fmt.Sprintf("2 × 2 %v has an empty row or column", rt.Table.Counts))
	} else {
		rt.Independence = &c
	}
	if rd, err := RiskDifference(below, total, ref.BelowA, ref.Graded); err == nil {
		rt.RiskDifference = &rd
	}
	var letters []string
	var counts [2][]int
	for _, l := range result.GradeLetters() {
		if grades[l] > 0 || ref.Grades[l] > 0 {
			letters = append(letters, l)
			counts[0], counts[1] = append(counts[0], grades[l]), append(counts[1], ref.Grades[l])
		}
	}
	for _, l := range slices.Sorted(func(yield func(string) bool) {
		for l := range grades {
			if !slices.Contains(result.GradeLetters(), l) && !yield(l) {
				return
			}
		}
	}) {
		problems = append(problems, fmt.Sprintf("study grade %q is not a grade letter; left out of the distribution", l))
	}
	if rt.Distribution, err = stats.NewTable([][]int{counts[0], counts[1]}, rows, letters); err != nil {
		return rt, fmt.Errorf("reference test: %w", err)
	}
	if len(letters) >= 2 {
		if c, err := stats.AnalyzeWith(rt.Distribution, fc); err != nil {
			problems = append(problems, "distribution: "+err.Error())
		} else {
			rt.DistributionTests = &c
		}
	} else {
		problems = append(problems, "distribution: every server has the same grade; nothing to test")
	}
	rt.Error = strings.Join(problems, "; ")
	rt.Warnings = compareMeasured(measured, ref.Measured)
	return rt, nil
}

// compareMeasured warns when two sets of results were graded under other criteria
// or measured at other times.
func compareMeasured(study, ref Measured) []string {
	w := []string{}
	if !slices.Equal(study.Criteria, ref.Criteria) {
		w = append(w, fmt.Sprintf("grading criteria differ: study %s, reference %s; regrade both with --criteria (the reference with mhealthsec grade) to compare like with like",
			listOrNone(study.Criteria), listOrNone(ref.Criteria)))
	}
	absDiff := func(a, b time.Time) time.Duration { return max(a.Sub(b), b.Sub(a)) }
	switch {
	case study.First == nil || ref.First == nil:
		w = append(w, "measurement dates unknown for the study or the reference; cannot check that they were measured at the same time")
	case absDiff(*study.First, *ref.First) > MaxBaselineGap || absDiff(*study.Last, *ref.Last) > MaxBaselineGap:
		w = append(w, fmt.Sprintf("measured at different times: study %s, reference %s (more than %d days apart)", dateRange(study), dateRange(ref), MaxBaselineGap/(24*time.Hour)))
	}
	if study.Undated > 0 || ref.Undated > 0 {
		w = append(w, fmt.Sprintf("results without a measurement time: %d in the study, %d in the reference", study.Undated, ref.Undated))
	}
	return w
}

func listOrNone(s []string) string {
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, ", ")
}

func dateRange(m Measured) string {
	if m.First == nil {
		return "undated"
	}
	a, b := m.First.Format("2006-01-02"), m.Last.Format("2006-01-02")
	if a == b {
		return a
	}
	return a + " to " + b
}
