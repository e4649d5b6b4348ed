package paper

import (
	"fmt"
	"io"
	"math"
	"strings"
	"text/tabwriter"

	"github.com/mhealthsec/mhealthsec/analysis"
	"github.com/mhealthsec/mhealthsec/datasets"
)

// Status is the verdict on one published number.
type Status string

// The verdicts of the scorecard.
const (
	// Reproduced: a result the study derived from its data (a test's p-value) is recomputed
	// from published inputs and external data, and agrees. Checking a number against the
	// paper's own arithmetic is not a reproduction; that is Consistent.
	Reproduced Status = "reproduced"
	// Consistent: the number itself cannot be recounted without unpublished data, but the
	// published numbers admit it (a printed percent is what its fraction rounds to, a total is
	// the sum of its cells, the design multiplies out, a split exists that gives the p-value).
	Consistent Status = "consistent"
	// Inconsistent: the recomputation contradicts the printed value.
	Inconsistent Status = "inconsistent"
	// NotRecomputable: nothing published to check it against (Why says what is missing).
	NotRecomputable Status = "not recomputable"
)

// ScoreRow is one published number, what was recomputed for it and the verdict.
type ScoreRow struct {
	ID         string `json:"id"`
	Source     string `json:"source"`
	Published  string `json:"published"`  // as printed
	Recomputed string `json:"recomputed"` // what the inputs give, or "—"
	Status     Status `json:"status"`
	Check      string `json:"check"` // how it was checked, or why it could not be
}

// Evidence is what the tests found, for the scorecard rows of the published p-values.
type Evidence struct {
	Pulse analysis.PulseResult
	// Split is the configuration of the inverse reproduction of the second test and Feasible
	// its per-test summaries (Summarize); Candidates is how many tables were enumerated.
	Split      analysis.InverseSplitConfig
	Feasible   []analysis.FeasibleSummary
	Candidates int
}

// Rounding rules a printed percent may have used. Half-up and half-to-even differ only on
// exact halves; either is accepted.
func roundHalfUp(x float64, decimals int) float64 {
	s := math.Pow(10, float64(decimals))
	return math.Floor(x*s+0.5) / s
}

func roundHalfEven(x float64, decimals int) float64 {
	s := math.Pow(10, float64(decimals))
	return math.RoundToEven(x*s) / s
}

// PercentRoundsTo reports whether count/total, as a percent rounded to decimals places,
// is printed (a GRIM-style check), and returns the recomputed percent at that precision.
func PercentRoundsTo(count, total int, printed float64, decimals int) (bool, float64) {
	if total <= 0 || decimals < 0 || decimals > 6 {
		return false, math.NaN()
	}
	pct := 100 * float64(count) / float64(total)
	tol := 0.5 * math.Pow(10, -float64(decimals+3)) // float noise, far below the printed precision
	up, even := roundHalfUp(pct, decimals), roundHalfEven(pct, decimals)
	ok := math.Abs(up-printed) < tol || math.Abs(even-printed) < tol
	return ok, up
}

// Scorecard checks every published number against what can be recomputed from the others
// and from the tests. The order is that of pub.
func Scorecard(pub []datasets.PublishedNumber, ev Evidence) []ScoreRow {
	byID := make(map[string]datasets.PublishedNumber, len(pub))
	for _, p := range pub {
		byID[p.ID] = p
	}
	rows := make([]ScoreRow, 0, len(pub))
	for _, p := range pub {
		r := ScoreRow{ID: p.ID, Source: p.Source, Published: p.Text, Recomputed: "—"}
		switch {
		case p.ID == "test_pulse":
			scorePulse(&r, p, ev)
		case p.ID == "test_intl_vs_de":
			scoreSplit(&r, p, ev)
		case p.ID == "apps" || p.ID == "apps_android" || p.ID == "apps_ios":
			scoreDesign(&r, p, byID)
		case p.ID == "subcategories" || p.ID == "apps_per_subcategory":
			scoreDesignFactor(&r, p, byID)
		case p.Source == datasets.SourceTable5:
			scoreTable5(&r, p, pub)
		case p.Kind == datasets.KindShare && p.HasPercent():
			scorePercent(&r, p)
		case p.Kind == datasets.KindClaim:
			r.Status, r.Check = NotRecomputable, "a statement without a number; the per-app server lists were not published"
		default:
			r.Status, r.Check = NotRecomputable, "the app and server lists were not published, so this count cannot be recounted"
		}
		rows = append(rows, r)
	}
	return rows
}

func scorePercent(r *ScoreRow, p datasets.PublishedNumber) {
	ok, pct := PercentRoundsTo(p.Count, p.Denominator, p.Percent, p.PercentDecimals)
	r.Recomputed = fmt.Sprintf("%d/%d = %.*f%%", p.Count, p.Denominator, p.PercentDecimals, pct)
	r.Check = fmt.Sprintf("%d/%d = %.4f%% rounds to %.*f%% at %d decimal(s)", p.Count, p.Denominator,
		100*float64(p.Count)/float64(p.Denominator), p.PercentDecimals, pct, p.PercentDecimals)
	if ok {
		// Only the arithmetic is checked: the count needs the unpublished per-server data.
		r.Status = Consistent
		r.Check += fmt.Sprintf("; the count %d itself needs the per-server data, which was not published", p.Count)
	} else {
		r.Status = Inconsistent
		r.Check += fmt.Sprintf("; printed %.*f%%", p.PercentDecimals, p.Percent)
	}
}

// scoreTable5 checks a Table 5 cell: the total cell must be the sum of the platform cells and
// its percent must be its count over 60; a platform cell is consistent when the sum holds.
func scoreTable5(r *ScoreRow, p datasets.PublishedNumber, pub []datasets.PublishedNumber) {
	var sum, parts, total int
	var totalCell *datasets.PublishedNumber
	for i, q := range pub {
		if q.Source != datasets.SourceTable5 || q.Finding != p.Finding || q.Servers != p.Servers {
			continue
		}
		if q.Platform == "total" {
			totalCell = &pub[i]
			continue
		}
		sum += q.Count
		parts++
	}
	if totalCell == nil || parts == 0 {
		r.Status, r.Check = NotRecomputable, "no total or platform cells to check this cell against"
		return
	}
	total = totalCell.Count
	sumOK := sum == total
	sumText := fmt.Sprintf("android + ios = %d, printed total %d", sum, total)
	if p.Platform != "total" {
		r.Recomputed = fmt.Sprintf("total − other platform = %d", total-(sum-p.Count))
		if sumOK {
			r.Status = Consistent
			r.Check = sumText + "; the cell itself needs the per-app data, which was not published"
		} else {
			r.Status, r.Check = Inconsistent, sumText
		}
		return
	}
	ok, pct := PercentRoundsTo(sum, p.Denominator, p.Percent, p.PercentDecimals)
	r.Recomputed = fmt.Sprintf("%d (%.*f%%)", sum, p.PercentDecimals, pct)
	r.Check = fmt.Sprintf("%s; %d/%d = %.2f%% rounds to %.*f%%", sumText, sum, p.Denominator,
		100*float64(sum)/float64(p.Denominator), p.PercentDecimals, pct)
	if sumOK && ok && p.HasPercent() {
		r.Status = Consistent // the cells are published, not recounted: arithmetic only
	} else {
		r.Status = Inconsistent
	}
}

func designFactors(byID map[string]datasets.PublishedNumber) (sub, per, android, ios int, ok bool) {
	s, ok1 := byID["subcategories"]
	a, ok2 := byID["apps_per_subcategory"]
	an, ok3 := byID["apps_android"]
	is, ok4 := byID["apps_ios"]
	return s.Count, a.Count, an.Count, is.Count, ok1 && ok2 && ok3 && ok4
}

// scoreDesign recomputes the app counts from the design of Figure 2: 6 apps from each of 5
// subcategories in each of 2 stores.
func scoreDesign(r *ScoreRow, p datasets.PublishedNumber, byID map[string]datasets.PublishedNumber) {
	sub, per, android, ios, ok := designFactors(byID)
	if !ok {
		r.Status, r.Check = NotRecomputable, "the design numbers of Figure 2 are missing"
		return
	}
	var got int
	var how string
	switch p.ID {
	case "apps":
		got = sub * per * 2
		how = fmt.Sprintf("%d subcategories × %d apps × 2 stores = %d; android %d + ios %d = %d", sub, per, got, android, ios, android+ios)
		if android+ios != got {
			r.Status, r.Recomputed, r.Check = Inconsistent, fmt.Sprint(got), how
			return
		}
	default:
		got = sub * per
		how = fmt.Sprintf("%d subcategories × %d apps = %d per store", sub, per, got)
	}
	r.Recomputed, r.Check = fmt.Sprint(got), how
	if got == p.Count {
		r.Status = Consistent // the design's own numbers multiply out; nothing is recounted
	} else {
		r.Status = Inconsistent
	}
}

func scoreDesignFactor(r *ScoreRow, p datasets.PublishedNumber, byID map[string]datasets.PublishedNumber) {
	sub, per, android, ios, ok := designFactors(byID)
	apps, okApps := byID["apps"]
	if !ok || !okApps {
		r.Status, r.Check = NotRecomputable, "the design numbers of Figure 2 are missing"
		return
	}
	r.Check = fmt.Sprintf("a design choice; %d × %d × 2 = %d apps (printed %d; android %d + ios %d)", sub, per, sub*per*2, apps.Count, android, ios)
	if sub*per*2 == apps.Count {
		r.Status = Consistent
	} else {
		r.Status = Inconsistent
	}
}

func scorePulse(r *ScoreRow, p datasets.PublishedNumber, ev Evidence) {
	t := ev.Pulse
	if t.Month == "" {
		r.Status, r.Check = NotRecomputable, "Test 1 was not run"
		return
	}
	maxP := t.MaxP()
	r.Recomputed = fmt.Sprintf("largest p of 5 tests %s (%s)", FormatP(maxP), t.Month)
	holds := t.Fewer && (p.PRelation == "<" && maxP < p.P)
	r.Check = fmt.Sprintf("GOF χ² p = %s and exact binomial p = %s against the %s Pulse share %.2f%% (month assumed, not published; no Pulse N needed); "+
		"Pearson %s, Yates %s, Fisher %s for an assumed N = %s; mHealth share %.1f%% %s",
		FormatP(t.GOF.ChiSq.P), FormatP(t.GOF.Binomial.P), t.Month, 100*t.PulseBelowA,
		FormatP(t.Independence.Pearson.P), FormatP(t.Independence.Yates.P), FormatP(t.Independence.Fisher.P),
		Thousands(t.Independence.PulseN), 100*t.Study.Share, map[bool]string{true: "is lower", false: "is NOT lower"}[t.Fewer])
	if holds {
		r.Status = Reproduced
	} else {
		r.Status = Inconsistent
	}
}

func scoreSplit(r *ScoreRow, p datasets.PublishedNumber, ev Evidence) {
	var anyCount int
	var parts []string
	for _, s := range ev.Feasible {
		if s.Test == "any" {
			anyCount = s.Count
			continue
		}
		parts = append(parts, fmt.Sprintf("%s %d", testName(s.Test), s.Count))
	}
	if ev.Candidates == 0 {
		r.Status, r.Check = NotRecomputable, "the split was not enumerated"
		return
	}
	r.Recomputed = fmt.Sprintf("%d of %s possible tables give it", anyCount, Thousands(ev.Candidates))
	r.Check = fmt.Sprintf("split not published; tables with %d of %d below A whose p is in [%.3f, %.3f) with international apps better: %s",
		ev.Split.Below, ev.Split.Total, ev.Split.PLo, ev.Split.PHi, strings.Join(parts, ", "))
	if anyCount > 0 {
		r.Status = Consistent
	} else {
		r.Status = Inconsistent
	}
}

// FormatP writes a p-value for people: three decimals from .001 up, two significant digits
// in scientific notation below.
func FormatP(p float64) string {
	switch {
	case math.IsNaN(p):
		return "NA"
	case p >= 0.001:
		return fmt.Sprintf("%.3f", p)
	case p == 0:
		return "0"
	}
	return fmt.Sprintf("%.1e", p)
}

// WriteScorecard prints the scorecard as an aligned text table, then a count per status.
func WriteScorecard(w io.Writer, rows []ScoreRow) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tPUBLISHED\tRECOMPUTED\tSTATUS")
	counts := map[Status]int{}
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.ID, r.Published, r.Recomputed, r.Status)
		counts[r.Status]++
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("scorecard: %w", err)
	}
	var parts []string
	for _, s := range []Status{Reproduced, Consistent, Inconsistent, NotRecomputable} {
		parts = append(parts, fmt.Sprintf("%d %s", counts[s], s))
	}
	_, err := fmt.Fprintf(w, "%d published numbers: %s\n", len(rows), strings.Join(parts, ", "))
	return err
}
