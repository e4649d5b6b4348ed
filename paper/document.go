package paper

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"gonum.org/v1/plot/vg"

	"github.com/mhealthsec/mhealthsec/analysis"
	"github.com/mhealthsec/mhealthsec/analysis/stats"
	"github.com/mhealthsec/mhealthsec/datasets"
	"github.com/mhealthsec/mhealthsec/figures"
	"github.com/mhealthsec/mhealthsec/internal/buildinfo"
	"github.com/mhealthsec/mhealthsec/paper/report"
)

// Citation is the reproduced study.
const Citation = "Müthing J, Brüngel R, Friedrich CM. Server-Focused Security Assessment of Mobile Health Apps for Popular Mobile Platforms. J Med Internet Res 2019;21(1):e9818. doi:10.2196/jmir.9818"

// pct writes a share in [0, 1] as a percent with d decimals.
func pct(x float64, d int) string { return strconv.FormatFloat(100*x, 'f', d, 64) + "%" }

// ci writes an interval of shares as "11.5–19.7%".
func ci(iv stats.Interval, d int) string {
	return strconv.FormatFloat(100*iv.Lo, 'f', d, 64) + "–" + strconv.FormatFloat(100*iv.Hi, 'f', d, 64) + "%"
}

// Thousands writes n with comma thousands separators (140,000), as the reports print counts.
func Thousands(n int) string {
	s := strconv.Itoa(n)
	if n < 0 {
		return "-" + Thousands(-n)
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

func num(x float64, d int) string {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return "NA"
	}
	return strconv.FormatFloat(x, 'f', d, 64)
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// diagnostics summarizes how far an asymptotic test can be trusted.
func diagnostics(d stats.Diagnostics) string {
	s := fmt.Sprintf("min expected %s; %s of cells < 5", num(d.MinExpected, 1), pct(d.ShareExpectedBelow5, 0))
	if len(d.Dropped) > 0 {
		s += "; dropped " + strings.Join(d.Dropped, ", ")
	}
	return s
}

func (r *Reproduction) statusCounts() map[Status]int {
	counts := map[Status]int{}
	for _, row := range r.Scorecard {
		counts[row.Status]++
	}
	return counts
}

// MonthsHolding returns how many Pulse months give every test p below the bound printed for
// Test 1 (.001) with the study's share lower, and the largest p over all months.
func (r *Reproduction) MonthsHolding() (holding int, maxP float64, worst string) {
	for _, m := range r.ByMonth {
		if m.Fewer && m.MaxP() < 0.001 {
			holding++
		}
		if p := m.MaxP(); p > maxP {
			maxP, worst = p, m.Month
		}
	}
	return holding, maxP, worst
}

// largestJumpText describes the largest month-to-month change of the Pulse share below A.
func (r *Reproduction) largestJumpText() string {
	var from, to datasets.PulseMonth
	best := 0.0
	for i := 1; i < len(r.Months); i++ {
		if d := r.Months[i].BelowA - r.Months[i-1].BelowA; math.Abs(d) > math.Abs(best) {
			best, from, to = d, r.Months[i-1], r.Months[i]
		}
	}
	if best == 0 {
		return ""
	}
	aMinus := func(m datasets.PulseMonth) string {
		v, _ := m.Grade("A-")
		return num(v, 2) + "%"
	}
	return fmt.Sprintf("The largest month-to-month change of the Pulse share is %+.2f points, from %s to %s (A− went from %s to %s of sites, "+
		"which points to a change in how SSL Labs grades rather than in the sites); it does not change the conclusion.",
		best, from.Month, to.Month, aMinus(from), aMinus(to))
}

// matchOverlap counts the tables that reproduce the published p under exactly 1, 2 and 3 tests.
func (r *Reproduction) matchOverlap() [4]int {
	var n [4]int
	for _, c := range r.Candidates {
		k := 0
		for _, t := range analysis.Tests() {
			if r.Split.Matches(c, t) {
				k++
			}
		}
		n[k]++
	}
	return n
}

func (r *Reproduction) feasible(test string) analysis.FeasibleSummary {
	for _, s := range r.Feasible {
		if s.Test == test {
			return s
		}
	}
	return analysis.FeasibleSummary{Test: test}
}

// Document builds the report of the reproduction.
func (r *Reproduction) Document() (report.Document, error) {
	th := figures.Default()
	figs, err := r.figures(th)
	if err != nil {
		return report.Document{}, err
	}
	counts := r.statusCounts()
	holding, maxMonthP, worstMonth := r.MonthsHolding()
	anyS := r.feasible("any")
	t := r.Pulse
	ind := t.Independence

	summary := report.Section{Title: "Summary", Blocks: []report.Block{
		report.Paragraph{Text: fmt.Sprintf("This report recomputes the study from the %d numbers it published, without its data. "+
			"Reproduced (a published result recomputed from published inputs): %d; consistent with the other published numbers (not recounted: the data were not published): %d; "+
			"inconsistent: %d; not recomputable from what was published: %d. "+
			"Every assumption the reproduction has to make is stated where it is made and collected under Assumptions.",
			len(r.Scorecard), counts[Reproduced], counts[Consistent], counts[Inconsistent], counts[NotRecomputable])},
		report.List{Items: []string{
			fmt.Sprintf("Test 1 (functional servers vs SSL Pulse): %d of %d functional servers (%s, 95%% Wilson CI %s) were rated below the A range, "+
				"against %s of SSL Pulse sites in %s. The largest p of the five tests is %s, so the published P<.001 %s; "+
				"it holds in %d of %d Pulse months 2016–2019 (largest p %s, %s).",
				r.Below, r.Functional, pct(t.Study.Share, 1), ci(t.Study.CI, 1), pct(t.PulseBelowA, 2), t.Month,
				FormatP(t.MaxP()), pulseVerdict(t), holding, len(r.ByMonth), FormatP(maxMonthP), worstMonth),
			fmt.Sprintf("Test 2 (international vs German-only apps): the split was not published. Of the %s tables with %d of %d functional servers below A, "+
				"%d give a p-value that prints as .03 with the international apps doing better (Pearson %d, Yates %d, Fisher %d). "+
				"%s",
				Thousands(len(r.Candidates)), r.Below, r.Functional, anyS.Count,
				r.feasible("pearson").Count, r.feasible("yates").Count, r.feasible("fisher").Count, splitVerdict(anyS.Count)),
		}},
	}}

	score := report.Section{Title: "Scorecard", Blocks: []report.Block{
		report.Paragraph{Text: "One row per published number: as printed, as recomputed, and the verdict. " +
			"Reproduced: a result the study derived from its data (a test's p-value) is recomputed from published inputs and external data (SSL Pulse), under the assumptions stated, and agrees. " +
			"Consistent: the number itself cannot be recounted without the unpublished data, but it agrees with the other published numbers " +
			"(a GRIM-style check that the count over its denominator rounds to the printed percent, a total that is the sum of its cells, the design multiplying out, a table that gives the p-value). " +
			"Inconsistent: the recomputation contradicts it. Not recomputable: nothing published to check it against."},
		scorecardTable(r.Scorecard),
	}}

	test1 := report.Section{Title: "Test 1: functional servers vs SSL Pulse", Blocks: []report.Block{
		report.Paragraph{Text: fmt.Sprintf("The study compared its %d functional servers, %d of them below the A range (A+, A, A−), with the servers SSL Pulse rated below A, "+
			"by a chi-square test (P<.001). Which SSL Pulse issue and which counts were used was not published. The baseline here is %s (data date %s): "+
			"%.2f%% of the surveyed sites below A. Whether SSL Pulse's percentages are of all surveyed sites or of graded sites only is not stated either.",
			r.Functional, r.Below, r.Baseline.Month, r.Baseline.Date.Format("2006-01-02"), r.Baseline.BelowA)},
		report.Paragraph{Text: fmt.Sprintf("Two kinds of test are reported. The goodness-of-fit test and the exact binomial test take the Pulse share as known and need no number of Pulse sites. "+
			"The 2 × 2 tests of independence (Pearson, Yates, Fisher) need one: ASSUMPTION — %s Pulse sites, of which round(%.2f%% × N) = %s below A. "+
			"SSL Pulse surveyed about 130,000–150,000 sites; the sensitivity analysis below varies N from %s to %s.",
			Thousands(ind.PulseN), r.Baseline.BelowA, Thousands(ind.PulseBelow), Thousands(r.Config.PulseNs[0]), Thousands(r.Config.PulseNs[len(r.Config.PulseNs)-1]))},
		pulseTestsTable(t),
		pulse2x2Table(t),
		report.Paragraph{Text: effectSizes(t)},
		report.Figure{Caption: fmt.Sprintf("Share of servers rated below the A range: the study's %d functional servers and SSL Pulse %s, with 95%% Wilson intervals. "+
			"The Pulse interval assumes N = %s sites (not published); at that size it is barely wider than the line.", r.Functional, t.Month, Thousands(ind.PulseN)), Figure: figs["pulse_comparison"]},
		sensitivityTable(r.Sensitivity),
		report.Paragraph{Text: sensitivityText(r)},
		report.Paragraph{Text: fmt.Sprintf("Would the conclusion hold with another baseline month? The same tests against every SSL Pulse issue 2016–2019 (N = %s assumed for the 2 × 2 tests): "+
			"P<.001 with the study's share lower holds in %d of %d months; the largest p of any test in any month is %s (%s). "+
			"%s",
			Thousands(r.Config.PulseN), holding, len(r.ByMonth), FormatP(maxMonthP), worstMonth, r.largestJumpText())},
		byMonthTable(r.ByMonth),
		report.Figure{Caption: fmt.Sprintf("Test 1 against every SSL Pulse month 2016–2019: p of the goodness-of-fit test (needs no Pulse N) and the largest p of the 2 × 2 tests "+
			"(Pearson, Yates, Fisher; N = %s assumed), as −log10(p): higher means smaller p; points above the dashed line (−log10(p) = 3) are below p = .001. %s",
			Thousands(r.Config.PulseN), monthsVerdict(holding, len(r.ByMonth))), Figure: figs["pulse_by_month_p"]},
		report.Figure{Caption: fmt.Sprintf("SSL Pulse sites below the A range, monthly 2016–2019 (data as published; June 2016 from the source's header note), "+
			"with the study's %s below A and its 95%% Wilson interval (band) and the baseline month %s (dotted).", pct(t.Study.Share, 1), t.Month), Figure: figs["pulse_series"]},
	}}

	test2 := report.Section{Title: "Test 2: international vs German-only apps (inverse reproduction)", Blocks: []report.Block{
		report.Paragraph{Text: fmt.Sprintf("The study reports that internationally available apps did significantly better than apps available only in the German stores (P=.03), "+
			"but not how the %d functional servers split between the two groups, nor how many of each were below A, nor which test was used. "+
			"Instead of inventing a split, every 2 × 2 table consistent with what was published is enumerated: each size of the German-only group n_de from 1 to %d and each number below A in it "+
			"k_de from max(0, %d − (%d − n_de)) to min(%d, n_de) — %s tables — and Pearson's, Yates' and Fisher's two-sided p computed for each. "+
			"A table is counted as consistent with the published result when its p lies in [%.3f, %.3f) (it prints as .03) and the international group has the lower share below A.",
			r.Functional, r.Functional-1, r.Below, r.Functional, r.Below, Thousands(len(r.Candidates)), r.Split.PLo, r.Split.PHi)},
		report.Paragraph{Text: "This is what the published numbers allow, not the authors' data: any one of these tables may be the one they had, and nothing published singles one out."},
		feasibleTable(r.Feasible),
		report.Paragraph{Text: feasibleText(r)},
		report.Figure{Caption: fmt.Sprintf("Every 2 × 2 table with %d of %d functional servers below A, by size of the German-only group (n_de) and its servers below A (k_de), "+
			"coloured by two-sided p (ColorBrewer YlGnBu, colour-blind safe). Outlined: tables whose p prints as .03 with international apps doing better. "+
			"Dashed: equal shares below A in both groups.", r.Below, r.Functional), Figure: figs["intl_vs_de_landscape"]},
		candidatesTable("intl_vs_de_matches", "Tables that give P=.03 (international apps better) under at least one test", r.Split, r.Candidates, true),
		candidatesTable("intl_vs_de_candidates", "All enumerated tables with their p-values", r.Split, r.Candidates, false),
	}}

	perApp := report.Section{Title: "Per-app findings and Table 5", Blocks: []report.Block{
		report.Paragraph{Text: fmt.Sprintf("The per-app shares of the abstract and the Table 5 counts (apps with at least one server showing the finding; %d Android and %d iOS apps) with 95%% Wilson intervals. ",
			r.publishedCount("apps_android"), r.publishedCount("apps_ios")) +
			"The counts are as published; only their arithmetic (percentages, totals) can be checked, which the scorecard does."},
		sharesTable(r),
		report.Figure{Caption: fmt.Sprintf("Apps (of %d) with at least one functional server below A, with an unsecured connection to a functional server, and with at least one non-functional server below A: "+
			"the published counts (not recomputed; the per-app data were not published) with 95%% Wilson intervals.", r.publishedCount("apps")), Figure: figs["app_findings"]},
		report.Figure{Caption: fmt.Sprintf("Table 5: apps with TLS 1.3 or HSTS support observed on functional and on other (advertising, tracking, content) servers, by platform (n = %d Android, %d iOS) "+
			"and in total (n = %d): the published counts (not recomputed) with 95%% Wilson intervals.", r.publishedCount("apps_android"), r.publishedCount("apps_ios"), r.publishedCount("apps")), Figure: figs["table5"]},
	}}

	var notPub []string
	for _, u := range r.NotPublished {
		notPub = append(notPub, fmt.Sprintf("%s: %s What the reproduction does: %s", u.Topic, u.Text, u.Consequence))
	}
	assumptions := report.Section{Title: "Assumptions", Blocks: []report.Block{report.List{Items: r.assumptions()}}}
	notPublished := report.Section{Title: "Not published", Blocks: []report.Block{
		report.Paragraph{Text: "What the study did not publish, and what the reproduction does instead of inventing it:"},
		report.List{Items: notPub},
	}}
	methods := report.Section{Title: "Methods", Blocks: []report.Block{
		report.Paragraph{Text: methodsText(r)},
	}}
	sources := report.Section{Title: "Data sources", Blocks: []report.Block{
		report.Paragraph{Text: "Published numbers: transcribed from the article's abstract, Figure 2 caption and Table 5 (embedded in the toolkit as datasets.Published). SSL Pulse:"},
		report.List{Items: r.PulseNotes},
	}}
	return report.Document{
		Title:    "Reproduction of an mHealth server-security study from its published numbers",
		Subtitle: Citation,
		Sections: []report.Section{summary, score, test1, test2, perApp, assumptions, notPublished, methods, sources},
	}, nil
}

func pulseVerdict(t analysis.PulseResult) string {
	switch {
	case !t.Fewer:
		return "is not reproduced: the study's share is not lower than Pulse's"
	case t.MaxP() < 0.001:
		return "is reproduced"
	}
	return "is not reproduced by every test with this baseline and N"
}

func splitVerdict(feasible int) string {
	if feasible == 0 {
		return "No table gives the published P=.03: it cannot be reproduced from the published numbers."
	}
	return "The published P=.03 is therefore possible, but which table the authors had is not known."
}

func monthsVerdict(holding, months int) string {
	if holding == months {
		return "The published P<.001 holds whichever month was the baseline."
	}
	return fmt.Sprintf("The published P<.001 holds in %d of %d months.", holding, months)
}

func scorecardTable(rows []ScoreRow) report.Table {
	t := report.Table{Name: "scorecard", Caption: "Scorecard: every published number and how it was checked",
		Columns: []string{"ID", "Source", "Published", "Recomputed", "Status", "Check"}}
	for _, r := range rows {
		t.Rows = append(t.Rows, []string{r.ID, r.Source, r.Published, r.Recomputed, string(r.Status), r.Check})
	}
	return t
}

func pulseTestsTable(t analysis.PulseResult) report.Table {
	ind := t.Independence
	g := t.GOF
	yatesNote := "continuity correction min(0.5, |O − E|) (R)"
	rows := [][]string{
		{"Goodness of fit χ²", "no", num(g.ChiSq.Statistic, 2), num(g.ChiSq.DF, 0), FormatP(g.ChiSq.P), "Cohen's w = " + num(g.CohensW, 3), diagnostics(g.ChiSq.Diagnostics)},
		{"Exact binomial", "no", fmt.Sprintf("%d/%d", g.Binomial.X, g.Binomial.N), "—", FormatP(g.Binomial.P), "share " + pct(g.Binomial.Estimate, 1) + " vs " + pct(g.Binomial.Null, 2), "exact; Clopper–Pearson CI " + ci(g.Binomial.CI, 1)},
		{"Pearson χ² (2 × 2)", "yes", num(ind.Pearson.Statistic, 2), num(ind.Pearson.DF, 0), FormatP(ind.Pearson.P), "φ = Cramér's V = " + num(ind.Phi, 4), diagnostics(ind.Pearson.Diagnostics) + "; no correction"},
		{"Yates χ² (2 × 2)", "yes", num(ind.Yates.Statistic, 2), num(ind.Yates.DF, 0), FormatP(ind.Yates.P), "φ = Cramér's V = " + num(ind.Phi, 4), diagnostics(ind.Yates.Diagnostics) + "; " + yatesNote},
		{"Fisher exact (2 × 2)", "yes", "—", "—", FormatP(ind.Fisher.P), oddsRatioText(ind.Fisher), "exact, two-sided"},
	}
	return report.Table{Name: "pulse_tests", Caption: fmt.Sprintf("Test 1 against SSL Pulse %s: statistic, df, p, effect size and diagnostics", t.Month),
		Columns: []string{"Test", "Needs Pulse N", "Statistic", "df", "p", "Effect size", "Diagnostics"}, Rows: rows,
		Note: fmt.Sprintf("The 2 × 2 tests assume N = %s Pulse sites (not published).", Thousands(ind.PulseN))}
}

func oddsRatioText(f stats.Fisher) string {
	var parts []string
	if o := f.SampleOddsRatio; o != nil {
		parts = append(parts, fmt.Sprintf("sample OR %s (%s–%s)", num(o.Estimate, 3), num(o.CI.Lo, 3), num(o.CI.Hi, 3)))
	}
	if o := f.ConditionalOddsRatio; o != nil {
		parts = append(parts, fmt.Sprintf("conditional MLE OR %s (%s–%s)", num(o.Estimate, 3), num(o.CI.Lo, 3), num(o.CI.Hi, 3)))
	}
	if len(parts) == 0 {
		return "—"
	}
	return strings.Join(parts, "; ")
}

func pulse2x2Table(t analysis.PulseResult) report.Table {
	ind := t.Independence
	c := ind.Table.Counts
	rowTotal := func(i int) int { return c[i][0] + c[i][1] }
	return report.Table{Name: "pulse_2x2", Caption: fmt.Sprintf("Test 1 as a 2 × 2 table (SSL Pulse %s, N = %s assumed)", t.Month, Thousands(ind.PulseN)),
		Columns: []string{"Group", "Below A", "A range", "Total", "Share below A", "95% Wilson CI"},
		Rows: [][]string{
			{"mHealth functional servers", Thousands(c[0][0]), Thousands(c[0][1]), Thousands(rowTotal(0)), pct(t.Study.Share, 1), ci(t.Study.CI, 1)},
			{"SSL Pulse sites (assumed N)", Thousands(c[1][0]), Thousands(c[1][1]), Thousands(rowTotal(1)), pct(float64(c[1][0])/float64(rowTotal(1)), 2),
				ci(stats.Wilson(c[1][0], rowTotal(1), analysis.Conf), 2)},
		},
		Note: fmt.Sprintf("Pulse below A = round(%.2f%% × %s).", 100*t.PulseBelowA, Thousands(ind.PulseN))}
}

func effectSizes(t analysis.PulseResult) string {
	ind := t.Independence
	rd := ind.RiskDifference
	return fmt.Sprintf("Effect sizes: the study's share below A is %s points lower than Pulse's (risk difference %s, 95%% CI %s to %s, %s). "+
		"φ = %s for the 2 × 2 table (tiny because of the Pulse N: φ shrinks as N grows while the difference stays); Cohen's w = %s for the goodness-of-fit test, which does not depend on N. "+
		"Odds ratios (Fisher): %s. The sample odds ratio is ad/bc with Woolf's interval; the conditional MLE is what R's fisher.test prints.",
		num(-100*rd.Estimate, 1), num(rd.Estimate, 3), num(rd.CI.Lo, 3), num(rd.CI.Hi, 3), rd.Method,
		num(ind.Phi, 4), num(t.GOF.CohensW, 3), oddsRatioText(ind.Fisher))
}

func sensitivityTable(rows []analysis.SensitivityRow) report.Table {
	t := report.Table{Name: "pulse_sensitivity", Caption: "Test 1 sensitivity to the assumed number of Pulse sites",
		Columns: []string{"Pulse N", "Pearson p", "Yates p", "Fisher p"}}
	for _, r := range rows {
		t.Rows = append(t.Rows, []string{Thousands(r.PulseN), FormatP(r.PearsonP), FormatP(r.YatesP), FormatP(r.FisherP)})
	}
	return t
}

func sensitivityText(r *Reproduction) string {
	worst, p := analysis.WorstCase(r.Sensitivity)
	verdict := "below .001: the published P<.001 does not depend on the assumed N"
	if p >= 0.001 {
		verdict = "not below .001: the published P<.001 depends on the assumed N"
	}
	return fmt.Sprintf("Worst case over N from %s to %s: p = %s (N = %s), %s.",
		Thousands(r.Config.PulseNs[0]), Thousands(r.Config.PulseNs[len(r.Config.PulseNs)-1]), FormatP(p), Thousands(worst.PulseN), verdict)
}

func byMonthTable(rows []analysis.PulseResult) report.Table {
	t := report.Table{Name: "pulse_by_month", Caption: "Test 1 against every SSL Pulse month 2016–2019",
		Columns: []string{"Month", "Pulse below A", "GOF p", "Binomial p", "Pearson p", "Yates p", "Fisher p", "P<.001 holds"}}
	for _, m := range rows {
		ind := m.Independence
		t.Rows = append(t.Rows, []string{m.Month, pct(m.PulseBelowA, 2), FormatP(m.GOF.ChiSq.P), FormatP(m.GOF.Binomial.P),
			FormatP(ind.Pearson.P), FormatP(ind.Yates.P), FormatP(ind.Fisher.P), yesNo(m.Fewer && m.MaxP() < 0.001)})
	}
	return t
}

func rangeText(r *analysis.Range, asPct bool) string {
	if r == nil {
		return "—"
	}
	if asPct {
		return pct(r.Min, 1) + "–" + pct(r.Max, 1)
	}
	return fmt.Sprintf("%g–%g", r.Min, r.Max)
}

func feasibleTable(rows []analysis.FeasibleSummary) report.Table {
	t := report.Table{Name: "intl_vs_de_feasible", Caption: "Tables that give P=.03 with international apps better, per test",
		Columns: []string{"Test", "Tables", "n_de", "k_de", "German-only below A", "International below A", "Difference (points)", "Tables with expected < 5"}}
	for _, s := range rows {
		diff := "—"
		if s.Difference != nil {
			diff = fmt.Sprintf("%.1f–%.1f", 100*s.Difference.Min, 100*s.Difference.Max)
		}
		t.Rows = append(t.Rows, []string{testName(s.Test), strconv.Itoa(s.Count), rangeText(s.NDE, false), rangeText(s.KDE, false),
			rangeText(s.ShareDE, true), rangeText(s.ShareIntl, true), diff, strconv.Itoa(s.SmallExpected)})
	}
	return t
}

func feasibleText(r *Reproduction) string {
	a := r.feasible("any")
	ov := r.matchOverlap()
	if a.Count == 0 {
		return "No table gives the published p-value: P=.03 cannot be reproduced from the published numbers under these tests."
	}
	return fmt.Sprintf("%d of %s possible tables give P=.03 under at least one test. In them the German-only group has %s functional servers (n_de), "+
		"%s to %s of them below A, and the international group %s below A: the published result needs the German-only apps' servers "+
		"to be %.1f to %.1f percentage points more often below A. Which test the authors used matters: %d of these tables give .03 under one test only, "+
		"%d under two and %d under all three.",
		a.Count, Thousands(len(r.Candidates)), rangeText(a.NDE, false), pct(a.ShareDE.Min, 1), pct(a.ShareDE.Max, 1),
		rangeText(a.ShareIntl, true), 100*a.Difference.Min, 100*a.Difference.Max, ov[1], ov[2], ov[3])
}

func candidatesTable(name, caption string, cfg analysis.InverseSplitConfig, cands []analysis.Candidate, onlyMatches bool) report.Table {
	t := report.Table{Name: name, Caption: caption, FileOnly: true,
		Columns: []string{"n_de", "k_de", "n_intl", "k_intl", "share_de", "share_intl", "intl_better", "pearson_p", "yates_p", "fisher_p", "min_expected", "matches"}}
	for _, c := range cands {
		var m []string
		for _, test := range analysis.Tests() {
			if cfg.Matches(c, test) {
				m = append(m, test)
			}
		}
		if onlyMatches && len(m) == 0 {
			continue
		}
		g := func(x float64) string { return strconv.FormatFloat(x, 'g', 6, 64) }
		t.Rows = append(t.Rows, []string{strconv.Itoa(c.NDE), strconv.Itoa(c.KDE), strconv.Itoa(c.NIntl), strconv.Itoa(c.KIntl),
			g(c.ShareDE), g(c.ShareIntl), yesNo(c.IntlBetter), g(c.PearsonP), g(c.YatesP), g(c.FisherP), g(c.MinExpected), strings.Join(m, " ")})
	}
	return t
}

func sharesTable(r *Reproduction) report.Table {
	t := report.Table{Name: "shares", Caption: "Published per-app shares with 95% Wilson intervals",
		Columns: []string{"ID", "What", "Count", "Share", "95% Wilson CI"}}
	for _, s := range r.AppFindings {
		t.Rows = append(t.Rows, []string{s.ID, s.Label, fmt.Sprintf("%d/%d", s.Share.Count, s.Share.Total), pct(s.Share.Share, 1), ci(s.Share.CI, 1)})
	}
	for _, c := range r.Table5 {
		t.Rows = append(t.Rows, []string{c.ID, fmt.Sprintf("%s apps, %s on %s servers", platformLabel(c.Platform), findingLabel(c.Finding), serversLabel(c.Servers)),
			fmt.Sprintf("%d/%d", c.Share.Count, c.Share.Total), pct(c.Share.Share, 1), ci(c.Share.CI, 1)})
	}
	return t
}

func serversLabel(s string) string {
	if s == "others" {
		return "other"
	}
	return s
}

func platformLabel(p string) string {
	switch p {
	case datasets.PlatformAndroid:
		return "Android"
	case datasets.PlatformIOS:
		return "iOS"
	case "total":
		return "All"
	}
	return p
}

func findingLabel(f string) string {
	switch f {
	case "tls13":
		return "TLS 1.3"
	case "hsts":
		return "HSTS"
	}
	return f
}

// preprintDate is when the study's preprint was submitted: the last SSL Pulse issue before
// it is the latest baseline the authors can have used.
func preprintDate() time.Time { return time.Date(2018, time.January, 22, 0, 0, 0, 0, time.UTC) }

// baselineText says which SSL Pulse month Test 1 uses and how it relates to the preprint:
// the default is the last issue before it; a later month cannot have been the study's.
func (r *Reproduction) baselineText() string {
	var last datasets.PulseMonth
	for _, m := range r.Months {
		if m.Date.Before(preprintDate()) && m.Date.After(last.Date) {
			last = m
		}
	}
	b := r.Baseline
	head := fmt.Sprintf("SSL Pulse baseline month: %s (data date %s)", b.Month, b.Date.Format("2006-01-02"))
	switch {
	case b.Month == last.Month:
		head += ", the last issue before the preprint (22 January 2018)"
	case b.Date.Before(preprintDate()):
		head += fmt.Sprintf(", chosen with --baseline; an earlier issue than %s, the last before the preprint (22 January 2018)", last.Month)
	default:
		head += fmt.Sprintf(", chosen with --baseline; it appeared after the preprint (22 January 2018), so the study cannot have used it (the last issue before the preprint is %s)", last.Month)
	}
	return head + "; any month can be chosen with --baseline. The month was not published."
}

// publishedCount is the count of the published number id, as embedded (0 if absent).
func (r *Reproduction) publishedCount(id string) int {
	for _, p := range r.Published {
		if p.ID == id {
			return p.Count
		}
	}
	return 0
}

func (r *Reproduction) assumptions() []string {
	return []string{
		r.baselineText(),
		fmt.Sprintf("SSL Pulse denominator: the percentages are taken as shares of the sites SSL Pulse graded; whether they are of all surveyed sites or of graded sites only is not stated. "+
			"The goodness-of-fit and binomial tests need no Pulse N; the 2 × 2 tests assume N = %s sites (--pulse-n), varied from %s to %s in the sensitivity analysis.",
			Thousands(r.Config.PulseN), Thousands(r.Config.PulseNs[0]), Thousands(r.Config.PulseNs[len(r.Config.PulseNs)-1])),
		"Servers below the A range are those graded B, C, D, E or F; the A range is A+, A and A−, as in the abstract.",
		fmt.Sprintf("A published p-value \"P=.03\" is taken to mean a p in [%.3f, %.3f); \"P<.001\" a p below .001.", r.Config.PLo, r.Config.PHi),
		"Which test the authors used (Pearson with or without Yates' correction, or Fisher) was not published; all are reported side by side.",
		"Percentages are checked against both round-half-up and round-half-to-even; they differ only on exact halves.",
		"Intervals are 95% Wilson score intervals (no continuity correction) unless said otherwise.",
	}
}

func methodsText(r *Reproduction) string {
	return fmt.Sprintf("Shares are reported with 95%% Wilson score intervals. The share of functional servers rated below the A range was compared with the share of SSL Pulse sites below A "+
		"(%s issue) by a chi-square goodness-of-fit test and an exact binomial test, which treat the Pulse share as known, and by 2 × 2 tests of independence "+
		"(Pearson's chi-square without and with Yates' continuity correction, and Fisher's exact test, two-sided) for an assumed number of Pulse sites (%s; sensitivity analysis %s–%s). "+
		"Effect sizes are Cohen's w (goodness of fit), φ, the odds ratio (sample estimate with Woolf's interval and conditional maximum-likelihood estimate with its exact interval) "+
		"and the risk difference with Newcombe's hybrid score interval. For each chi-square test the smallest expected count and the share of cells with an expected count below 5 are reported. "+
		"Because the split of servers between internationally available and German-only apps was not published, all 2 × 2 tables consistent with the published margins were enumerated "+
		"and the tables whose p-value rounds to the published value were identified for each test. "+
		"p-values of chi-square tests come from the survival function of the chi-square distribution; exact tests sum hypergeometric or binomial probabilities in log space, "+
		"counting outcomes at most (1 + 10⁻⁷) times as likely as the observed one (as R does). All computations were done with the mhealthsec toolkit (Go, gonum; %s); "+
		"statistics agree with R 4.2 to about 10⁻¹² relative (Fisher p-values to 10⁻⁹).", r.Baseline.Month, Thousands(r.Config.PulseN),
		Thousands(r.Config.PulseNs[0]), Thousands(r.Config.PulseNs[len(r.Config.PulseNs)-1]), buildinfo.Read())
}

// figures draws the report's figures, by name.
func (r *Reproduction) figures(th figures.Theme) (map[string]figures.Figure, error) {
	out := map[string]figures.Figure{}
	t := r.Pulse
	ind := t.Independence
	pulseTotal := ind.PulseN
	pulseCI := stats.Wilson(ind.PulseBelow, pulseTotal, analysis.Conf)
	a, err := figures.Proportions(th, figures.ProportionChart{
		// The Pulse whisker depends on the assumed N, so the figure says so itself: it is
		// often reused without the report's caption.
		Name: "pulse_comparison", YLabel: "Share below the A range",
		Interval: fmt.Sprintf("95%% Wilson interval (Pulse: N = %s assumed)", Thousands(pulseTotal)),
		Width:    figures.OneColumn, Height: 2.6 * vg.Inch,
		Bars: []figures.Proportion{
			{Category: "mHealth functional servers", Count: r.Below, Total: r.Functional, Share: t.Study.Share, Lo: t.Study.CI.Lo, Hi: t.Study.CI.Hi},
			{Category: "SSL Pulse " + t.Month, Count: ind.PulseBelow, Total: pulseTotal, Share: float64(ind.PulseBelow) / float64(pulseTotal),
				Lo: pulseCI.Lo, Hi: pulseCI.Hi},
		},
	})
	if err != nil {
		return nil, err
	}
	out["pulse_comparison"] = a

	var pts []figures.SeriesPoint
	mark := 0.0
	for _, m := range r.Months {
		y := decimalYear(m)
		pts = append(pts, figures.SeriesPoint{Year: y, Share: m.BelowA / 100})
		if m.Month == r.Baseline.Month {
			mark = y
		}
	}
	b, err := figures.Series(th, figures.SeriesChart{
		Name: "pulse_series", YLabel: "Share below the A range", Width: figures.OneColumn, Height: 2.6 * vg.Inch,
		Label: "SSL Pulse sites", Points: pts,
		Reference: figures.Reference{Label: fmt.Sprintf("mHealth %s (95%% CI)", pct(t.Study.Share, 1)), Share: t.Study.Share, Lo: t.Study.CI.Lo, Hi: t.Study.CI.Hi},
		Mark:      mark, MarkLabel: "baseline " + r.Baseline.Month,
	})
	if err != nil {
		return nil, err
	}
	out["pulse_series"] = b

	var gofP, indP []figures.SeriesPoint
	for _, m := range r.ByMonth {
		pm, err := r.month(m.Month)
		if err != nil {
			return nil, err
		}
		ind := m.Independence
		y := decimalYear(pm)
		gofP = append(gofP, figures.SeriesPoint{Year: y, Share: m.GOF.ChiSq.P})
		indP = append(indP, figures.SeriesPoint{Year: y, Share: math.Max(ind.Pearson.P, math.Max(ind.Yates.P, ind.Fisher.P))})
	}
	bp, err := figures.PValues(th, figures.PValueChart{
		Name: "pulse_by_month_p", Width: figures.OneColumn, Height: 2.6 * vg.Inch,
		Series: []figures.PSeries{
			{Label: "goodness of fit (no N)", Points: gofP},
			{Label: fmt.Sprintf("largest 2 × 2 p (N = %s assumed)", Thousands(r.Config.PulseN)), Points: indP},
		},
		Threshold: 0.001, ThresholdLabel: "p = .001", Mark: mark, MarkLabel: "baseline " + r.Baseline.Month,
	})
	if err != nil {
		return nil, err
	}
	out["pulse_by_month_p"] = bp

	var panels []figures.Panel
	for _, test := range analysis.Tests() {
		p := figures.Panel{Title: testTitle(test)}
		for _, c := range r.Candidates {
			pv, err := c.P(test)
			if err != nil {
				return nil, err
			}
			p.Cells = append(p.Cells, figures.Cell{X: c.NDE, Y: c.KDE, P: pv, Marked: r.Split.Matches(c, test)})
		}
		panels = append(panels, p)
	}
	c, err := figures.Landscape(th, figures.LandscapeChart{
		Name: "intl_vs_de_landscape", XLabel: "German-only functional servers (n_de)", YLabel: "German-only below A (k_de)",
		Width: figures.TwoColumn, PanelHeight: 1.9 * vg.Inch, Panels: panels,
		MarkedLabel: "p prints as .03, international better", Slope: float64(r.Below) / float64(r.Functional), GuideLabel: "equal shares",
	})
	if err != nil {
		return nil, err
	}
	out["intl_vs_de_landscape"] = c

	var t5 []figures.Proportion
	for _, cell := range r.Table5 {
		t5 = append(t5, figures.Proportion{
			Category: findingLabel(cell.Finding) + ", " + cell.Servers, Group: platformLabel(cell.Platform),
			Count: cell.Share.Count, Total: cell.Share.Total, Share: cell.Share.Share, Lo: cell.Share.CI.Lo, Hi: cell.Share.CI.Hi,
		})
	}
	d, err := figures.Proportions(th, figures.ProportionChart{
		Name: "table5", YLabel: "Share of apps", Interval: "95% Wilson interval",
		Width: figures.TwoColumn, Height: 2.8 * vg.Inch, Bars: t5, ShowCounts: true,
	})
	if err != nil {
		return nil, err
	}
	out["table5"] = d

	var apps []figures.Proportion
	for _, s := range r.AppFindings {
		apps = append(apps, figures.Proportion{Category: shortAppLabel(s.ID), Count: s.Share.Count, Total: s.Share.Total,
			Share: s.Share.Share, Lo: s.Share.CI.Lo, Hi: s.Share.CI.Hi})
	}
	e, err := figures.Proportions(th, figures.ProportionChart{
		Name: "app_findings", YLabel: "Share of apps", Interval: "95% Wilson interval",
		Width: figures.OneColumn, Height: 2.6 * vg.Inch, Bars: apps, ShowCounts: true,
	})
	if err != nil {
		return nil, err
	}
	out["app_findings"] = e
	return out, nil
}

func shortAppLabel(id string) string {
	switch id {
	case "apps_functional_below_a":
		return "functional\nbelow A"
	case "apps_unsecured":
		return "unsecured\nconnection"
	case "apps_nonfunctional_below_a":
		return "non-functional\nbelow A"
	}
	return id
}

// testName names a test of the inverse reproduction in running text and tables.
func testName(test string) string {
	switch test {
	case "pearson":
		return "Pearson"
	case "yates":
		return "Yates"
	case "fisher":
		return "Fisher"
	case "any":
		return "any of the three"
	}
	return test
}

func testTitle(test string) string {
	switch test {
	case "pearson":
		return "Pearson χ² (no correction)"
	case "yates":
		return "Yates χ² (continuity correction)"
	case "fisher":
		return "Fisher exact test"
	}
	return test
}

// month returns the Pulse issue of a month of the series.
func (r *Reproduction) month(name string) (datasets.PulseMonth, error) {
	for _, m := range r.Months {
		if m.Month == name {
			return m, nil
		}
	}
	return datasets.PulseMonth{}, fmt.Errorf("paper: no Pulse month %s in the series", name)
}

// decimalYear places a Pulse issue on a year axis by its data date.
func decimalYear(m datasets.PulseMonth) float64 {
	d := m.Date
	days := 365.0
	if y := d.Year(); y%4 == 0 && (y%100 != 0 || y%400 == 0) {
		days = 366
	}
	return float64(d.Year()) + float64(d.YearDay()-1)/days
}
