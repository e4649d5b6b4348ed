// Package studyreport lays out the analysis of a study folder as a report: the grade
// table, the shares below the A range, the findings per app, Test 1 and Test 2 with their
// figures, the servers left out, the assumptions and a methods paragraph. It is what
// mhealthsec analyze writes; a notebook calls it directly.
package studyreport

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"gonum.org/v1/plot/vg"

	"github.com/mhealthsec/mhealthsec/analysis"
	"github.com/mhealthsec/mhealthsec/analysis/stats"
	"github.com/mhealthsec/mhealthsec/datasets"
	"github.com/mhealthsec/mhealthsec/figures"
	"github.com/mhealthsec/mhealthsec/internal/buildinfo"
	"github.com/mhealthsec/mhealthsec/paper"
	"github.com/mhealthsec/mhealthsec/paper/report"
	"github.com/mhealthsec/mhealthsec/probe/clientsim"
	"github.com/mhealthsec/mhealthsec/probe/grade"
	"github.com/mhealthsec/mhealthsec/probe/result"
)

// Settings are the choices an analysis was run with; the report states them and stats.json
// records them.
type Settings struct {
	StudyDir string `json:"study_dir"`
	Baseline string `json:"baseline"`
	// BaselinePulse and BaselineResults are the files of --baseline-pulse and
	// --baseline-results, when given.
	BaselinePulse   string `json:"baseline_pulse,omitempty"`
	BaselineResults string `json:"baseline_results,omitempty"`
	PulseN          int    `json:"pulse_n"`
	Trust           string `json:"trust_policy"`
	Adjust          string `json:"adjustment"`
	Criteria        string `json:"criteria,omitempty"`
	Regraded        int    `json:"regraded"`
	KeptGrade       int    `json:"kept_grade"`
}

// Stats is what stats.json holds: the settings and the full result.
type Stats struct {
	Settings Settings              `json:"settings"`
	Study    *analysis.StudyResult `json:"study"`
}

// Document lays out the analysis r of a study folder, made with cfg under set.
func Document(set Settings, r *analysis.StudyResult, cfg analysis.StudyConfig) (report.Document, error) {
	th := figures.Default()
	doc := report.Document{
		Title:    "Server security of mHealth apps: study analysis",
		Subtitle: fmt.Sprintf("Study folder %s, analysed with mhealthsec analyze", set.StudyDir),
	}

	if NoResults(r) {
		// A report of n/a cells looks like a finished analysis; say first that it is not.
		doc.Sections = append(doc.Sections, report.Section{Title: "No results", Blocks: []report.Block{report.Paragraph{Text: noResultsText(r)}}})
	}
	data := report.Section{Title: "Study data"}
	data.Blocks = append(data.Blocks, report.Paragraph{Text: fmt.Sprintf(
		"%d apps (%d Android, %d iOS) with %d app × server rows (%d distinct endpoints). The unit of every count is a servers.csv row. "+
			"Below the A range means any grade but A+, A and A-; grades T and M (trust, name mismatch) %s (`--trust %s`). "+
			"%s no result and %s an error or no grade: they are left out of the below-A shares and listed at the end.",
		r.Apps, r.AppsBy[datasets.PlatformAndroid], r.AppsBy[datasets.PlatformIOS], r.Rows, r.Endpoints, trustText(r.Trust), r.Trust,
		rowsHave(len(r.Unprobed)), rowsHave(len(r.Ungraded)))})
	if r.TrustUnknown > 0 {
		data.Blocks = append(data.Blocks, report.Paragraph{Text: trustUnknownText(r)})
	}
	if set.Criteria != "" {
		data.Blocks = append(data.Blocks, report.Paragraph{Text: fmt.Sprintf(
			"Results were regraded under SSL Labs criteria %s: %d regraded, %d kept their grade (not gradable).", set.Criteria, set.Regraded, set.KeptGrade)})
	}
	if r.UnknownApps > 0 {
		data.Blocks = append(data.Blocks, report.Paragraph{Text: fmt.Sprintf("%d servers.csv rows name an app that is not in apps.csv; they are left out.", r.UnknownApps)})
	}
	data.Blocks = append(data.Blocks, gradeTable(r))
	doc.Sections = append(doc.Sections, data)

	head := report.Section{Title: "Servers and apps below the A range"}
	head.Blocks = append(head.Blocks, report.Paragraph{Text: fmt.Sprintf(
		"Functional servers below A: %s. Other servers (all but functional and disregarded) below A: %s. "+
			"Apps with at least one functional server below A: %s; with an unsecured (plain HTTP) connection to a functional server: %s; "+
			"with at least one other server below A: %s.",
		shareText(r.FunctionalBelowA), shareText(r.OthersBelowA), shareText(r.AppsFunctionalBelowA), shareText(r.AppsUnsecured), shareText(r.AppsOthersBelowA))})
	fig, err := appFindingsFigure(th, r)
	if err != nil {
		return doc, err
	}
	if fig != nil {
		head.Blocks = append(head.Blocks, report.Figure{Caption: "Apps with at least one functional server below A, an unsecured connection to a functional server, and at least one other server below A; 95% Wilson intervals.", Figure: *fig})
	}
	doc.Sections = append(doc.Sections, head)

	find := report.Section{Title: "Findings per app (Table 5 layout)"}
	find.Blocks = append(find.Blocks,
		report.Paragraph{Text: "An app counts in a cell if at least one of its servers of that group shows the finding. Percentages are of the apps of that platform, totals of all apps."},
		findingsTable(r, "findings_positive", "Positive findings per app", analysis.Findings()[:2]),
		findingsTable(r, "findings_negative", "Negative findings per app", analysis.Findings()[2:]))
	doc.Sections = append(doc.Sections, find)

	tests := report.Section{Title: "Tests"}
	if t := r.Test1; t != nil {
		tests.Blocks = append(tests.Blocks, report.Paragraph{Text: fmt.Sprintf(
			"Test 1: functional servers below A, %s, against SSL Pulse %s (%.2f%% below A). Goodness of fit χ² = %.2f, p = %s; exact binomial p = %s; "+
				"2 × 2 with N = %s assumed Pulse sites: Pearson p = %s, Yates p = %s, Fisher p = %s (%s-adjusted: %s, %s, %s).",
			shareText(&t.Study), t.Month, 100*t.PulseBelowA, t.GOF.ChiSq.Statistic, paper.FormatP(t.GOF.ChiSq.P), paper.FormatP(t.GOF.Binomial.P),
			paper.Thousands(cfg.PulseN), paper.FormatP(t.Independence.Pearson.P), paper.FormatP(t.Independence.Yates.P), paper.FormatP(t.Independence.Fisher.P),
			methodName(cfg.Adjust), pOrNA(r.Test1Adjusted["pearson"]), pOrNA(r.Test1Adjusted["yates"]), pOrNA(r.Test1Adjusted["fisher"]))})
		f, err := pulseFigure(th, t)
		if err != nil {
			return doc, err
		}
		tests.Blocks = append(tests.Blocks, report.Figure{Caption: fmt.Sprintf("Functional servers below A against SSL Pulse %s; 95%% Wilson intervals. "+
			"The Pulse interval assumes N = %s sites (--pulse-n; SSL Pulse published percentages only).", t.Month, paper.Thousands(t.Independence.PulseN)), Figure: f})
	} else {
		tests.Blocks = append(tests.Blocks, report.Paragraph{Text: "Test 1 was not run (no baseline month, or no graded functional server)."})
	}
	if r.Test1Reference != nil {
		tests.Blocks = append(tests.Blocks, referenceBlocks(r.Test1Reference)...)
	}
	tests.Blocks = append(tests.Blocks, test2Table(r, cfg))
	f2, err := test2Figure(th, r)
	if err != nil {
		return doc, err
	}
	if f2 != nil {
		tests.Blocks = append(tests.Blocks, report.Figure{Caption: "Test 2: functional servers below A by availability and by platform; 95% Wilson intervals.", Figure: *f2})
	}
	doc.Sections = append(doc.Sections, tests)

	doc.Sections = append(doc.Sections, report.Section{Title: "Oldest platform release served", Blocks: []report.Block{
		report.Paragraph{Text: "From each result's client simulations (probe/clientsim: Android 4.4–14 platform defaults, iOS 9–17 under App Transport Security). " +
			"Oldest: the oldest release of the app's platform from which on every simulated functional https server connects (empty: none, or nothing simulated). " +
			"Failing: the app's https servers, any category, that refuse at least one release of its platform."},
		clientReachTable(r.ClientReach)}})
	f3, err := clientReachFigure(th, r.ClientReach)
	if err != nil {
		return doc, err
	}
	if f3 != nil {
		last := &doc.Sections[len(doc.Sections)-1]
		last.Blocks = append(last.Blocks, report.Figure{Caption: "Share of apps whose every simulated functional server serves the release and all newer ones, " +
			"of the platform's apps with a simulated functional server; 95% Wilson intervals.", Figure: *f3})
	}

	left := report.Section{Title: "Servers left out"}
	left.Blocks = append(left.Blocks, refsTable("servers_without_result", "https servers without a result", r.Unprobed),
		refsTable("servers_ungraded", "Servers whose result has an error or no grade", r.Ungraded))
	doc.Sections = append(doc.Sections, left, assumptionsSection(set, r, cfg), methodsSection(set, r, cfg))
	return doc, doc.Validate()
}

// clientReachFigure draws, per release of each platform, the share of that platform's apps
// served from that release on (analysis.AppReach.Oldest at or before it); nil when no app
// has a simulated functional server.
func clientReachFigure(th figures.Theme, reach []analysis.AppReach) (*figures.Figure, error) {
	var bars []figures.Proportion
	for _, platform := range datasets.Platforms() {
		var names []string
		for _, c := range clientsim.Clients() {
			if c.Platform == platform {
				names = append(names, c.Version)
			}
		}
		for i, v := range names {
			count, total := 0, 0
			for _, a := range reach {
				if a.Platform != platform || a.Simulated <= a.Unknown {
					continue
				}
				total++
				if j := slices.Index(names, a.Oldest); j >= 0 && j <= i {
					count++
				}
			}
			if total == 0 {
				break
			}
			sh, err := analysis.NewShare(count, total)
			if err != nil {
				return nil, err
			}
			// Short labels: the bar colour names the platform, and the axis has 19 bars.
			label := map[string]string{datasets.PlatformAndroid: "A", datasets.PlatformIOS: "iOS"}[platform] + v
			bars = append(bars, figures.ShareBar(label, platform, sh))
		}
	}
	if len(bars) == 0 {
		return nil, nil
	}
	f, err := figures.Proportions(th, figures.ProportionChart{Name: "client_reach", YLabel: "Share of apps served", Interval: "95% Wilson interval",
		Width: figures.TwoColumn, Height: 2.6 * vg.Inch, Bars: bars})
	return &f, err
}

// clientReachTable lists analysis.AppReach per app.
func clientReachTable(reach []analysis.AppReach) report.Table {
	t := report.Table{Name: "client_reach", Caption: "Oldest release of the app's platform its functional servers serve, and servers refusing a release",
		Columns: []string{"App", "Platform", "Oldest", "Simulated", "Unknown", "Failing"}, FileOnly: len(reach) > 20}
	for _, a := range reach {
		t.Rows = append(t.Rows, []string{a.AppID, a.Platform, a.Oldest, strconv.Itoa(a.Simulated), strconv.Itoa(a.Unknown), strings.Join(a.Failing, " ")})
	}
	if len(reach) == 0 {
		t.Note = "None."
	}
	return t
}

// assumptionsSection states every choice the numbers above depend on, so a reader of the
// report (not of the command line) can see them.
func assumptionsSection(set Settings, r *analysis.StudyResult, cfg analysis.StudyConfig) report.Section {
	items := []string{
		fmt.Sprintf("Unit of counting: a servers.csv row (app × server). The %d rows name %d distinct endpoints: an endpoint used by several apps "+
			"counts once per app, and the tests treat the rows as independent observations, which they are not where apps share servers "+
			"(for example the Android and iOS versions of one app).", r.Rows, r.Endpoints),
		fmt.Sprintf("Below the A range: any grade but A+, A and A-. Grades T and M %s (--trust %s).", trustText(r.Trust), r.Trust),
	}
	if set.Criteria != "" {
		items = append(items, fmt.Sprintf("Grades: every result regraded by the toolkit under SSL Labs criteria %s (--criteria); %d results it could not grade kept their recorded grade.", set.Criteria, set.KeptGrade))
	} else {
		items = append(items, "Grades: as recorded in results.jsonl (the probe's grade, or the grade of the tool an imported result came from, each under the criteria version it records).")
	}
	if r.Test1 != nil {
		items = append(items,
			fmt.Sprintf("SSL Pulse baseline: %s, chosen with --baseline (the default, 2018-01, is the issue before the reproduced study's preprint); its share below A is taken as known by the goodness-of-fit and binomial tests.", r.Test1.Month),
			fmt.Sprintf("SSL Pulse published percentages only: the 2 × 2 tests and the Pulse interval of the Pulse comparison figure assume N = %s Pulse sites (--pulse-n).", paper.Thousands(cfg.PulseN)))
	}
	items = append(items,
		fmt.Sprintf("Multiple testing: %s adjustment (--adjust) across %s, each statistic (Pearson, Yates, Fisher) as its own family.", methodName(cfg.Adjust), adjustedFamily(r)),
		"Intervals: 95% Wilson score intervals for shares; Newcombe's hybrid score interval for risk differences.")
	return report.Section{Title: "Assumptions", Blocks: []report.Block{report.List{Items: items}}}
}

// methodsSection is a methods paragraph to adapt, written from the settings of this run.
func methodsSection(set Settings, r *analysis.StudyResult, cfg analysis.StudyConfig) report.Section {
	grading := "Servers were graded by the rules of Qualys SSL Labs"
	if set.Criteria != "" {
		grading += fmt.Sprintf(" (criteria version %s)", set.Criteria)
	}
	text := grading + fmt.Sprintf("; grades other than A+, A and A− were counted as below the A range, and grades T (certificate not trusted) and M (certificate name mismatch) %s. ", trustText(r.Trust)) +
		"Shares are reported with 95% Wilson score intervals. "
	if r.Test1 != nil {
		text += fmt.Sprintf("The share of functional servers below the A range was compared with the share of SSL Pulse sites below A (%s issue) "+
			"by a chi-square goodness-of-fit test and an exact binomial test, which treat the Pulse share as known, and by 2 × 2 tests of independence "+
			"(Pearson's chi-square without and with Yates' continuity correction, and Fisher's exact test) for an assumed %s Pulse sites. ",
			r.Test1.Month, paper.Thousands(cfg.PulseN))
	}
	text += fmt.Sprintf("Functional servers below A were compared between apps available internationally and only in the German stores, "+
		"and between Android and iOS apps, with Pearson's chi-square test without and with Yates' correction and Fisher's exact test (two-sided); "+
		"effect sizes are φ and the risk difference with Newcombe's hybrid score interval, and the smallest expected count is reported for each table. "+
		"p-values were adjusted for multiple testing with %s's method. "+
		"All computations were done with the mhealthsec toolkit (Go, gonum; %s).", methodName(cfg.Adjust), buildinfo.Read())
	return report.Section{Title: "Methods", Blocks: []report.Block{report.Paragraph{Text: text}}}
}

// methodName names a p-value adjustment as a methods section does.
func methodName(m stats.Method) string {
	switch m {
	case stats.Bonferroni:
		return "Bonferroni"
	case stats.Holm:
		return "Holm"
	case stats.Hochberg:
		return "Hochberg"
	case stats.BH:
		return "Benjamini–Hochberg"
	case stats.BY:
		return "Benjamini–Yekutieli"
	}
	return m.String()
}

func shareText(s *analysis.Share) string {
	if s == nil {
		return "n/a (nothing to count)"
	}
	return fmt.Sprintf("%d/%d (%.1f%%, 95%% CI %.1f–%.1f%%)", s.Count, s.Total, 100*s.Share, 100*s.CI.Lo, 100*s.CI.Hi)
}

func pOrNA(p *float64) string {
	if p == nil {
		return "NA"
	}
	return paper.FormatP(*p)
}

func gradeTable(r *analysis.StudyResult) report.Table {
	letters := result.GradeLetters()
	cols := append([]string{"Category", "Rows", "Graded"}, letters...)
	cols = append(cols, "Error", "No result", "Plain HTTP", "T/M excluded", "Below A")
	t := report.Table{Name: "grades_by_category", Caption: "Grades per server category", Columns: cols,
		Note: "Below A: share of graded rows with any grade but A+, A, A-, with its 95% Wilson interval."}
	for _, c := range r.Categories {
		row := []string{c.Category, strconv.Itoa(c.Rows), strconv.Itoa(c.Graded)}
		for _, l := range letters {
			row = append(row, strconv.Itoa(c.Grades[l]))
		}
		other := 0
		for l, n := range c.Grades {
			if !contains(letters, l) {
				other += n
			}
		}
		if other > 0 {
			t.Note += fmt.Sprintf(" %s: %d rows with other letters.", c.Category, other)
		}
		row = append(row, strconv.Itoa(c.Errors), strconv.Itoa(c.NoResult), strconv.Itoa(c.PlainHTTP), strconv.Itoa(c.Excluded), shareText(c.BelowA))
		t.Rows = append(t.Rows, row)
	}
	return t
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func findingsTable(r *analysis.StudyResult, name, caption string, which []string) report.Table {
	t := report.Table{Name: name, Caption: caption,
		Columns: []string{"Finding", "Android functional", "iOS functional", "Android others", "iOS others", "Total functional", "Total others"},
		Note:    fmt.Sprintf("n = %d Android, %d iOS, %d apps in total.", r.AppsBy[datasets.PlatformAndroid], r.AppsBy[datasets.PlatformIOS], r.Apps)}
	cell := func(n, of int) string {
		if of == 0 {
			return strconv.Itoa(n)
		}
		return fmt.Sprintf("%d (%.0f%%)", n, 100*float64(n)/float64(of))
	}
	na, ni := r.AppsBy[datasets.PlatformAndroid], r.AppsBy[datasets.PlatformIOS]
	for _, f := range r.Findings {
		if !contains(which, f.Finding) {
			continue
		}
		t.Rows = append(t.Rows, []string{f.Label, cell(f.AndroidFunctional, na), cell(f.IOSFunctional, ni), cell(f.AndroidOthers, na),
			cell(f.IOSOthers, ni), cell(f.TotalFunctional, r.Apps), cell(f.TotalOthers, r.Apps)})
		if f.UndecidedFunctional+f.UndecidedOthers > 0 {
			t.Note += fmt.Sprintf(" %s: undecided for %d more apps (functional) and %d (others), not counted: a server's certificate trust could not be decided (%d rows).",
				f.Label, f.UndecidedFunctional, f.UndecidedOthers, r.TrustUnknown)
		}
	}
	return t
}

func test2Table(r *analysis.StudyResult, cfg analysis.StudyConfig) report.Table {
	t := report.Table{Name: "test2", Caption: "Test 2: functional servers below A between groups of apps",
		Columns: []string{"Comparison", "Group 1 below A", "Group 2 below A", "Pearson χ²", "Pearson p", "Yates p", "Fisher p", "φ", "Min expected", "Risk difference (95% CI)", "Adjusted p (Pearson, Yates, Fisher)"},
		Note:    fmt.Sprintf("p-values adjusted with %s's method across %s, per statistic. Risk difference: group 1 minus group 2, Newcombe hybrid score interval.", methodName(cfg.Adjust), adjustedFamily(r))}
	for _, g := range r.Test2 {
		row := []string{comparisonLabel(g), groupLabel(g.Groups[0]) + ": " + shareText(g.Below[0]), groupLabel(g.Groups[1]) + ": " + shareText(g.Below[1])}
		if c := g.Contingency; c != nil {
			yates, fisher := "NA", "NA"
			if c.Yates != nil {
				yates = paper.FormatP(c.Yates.P)
			}
			if c.Fisher != nil {
				fisher = paper.FormatP(c.Fisher.P)
			}
			row = append(row, fmt.Sprintf("%.3f", c.Pearson.Statistic), paper.FormatP(c.Pearson.P), yates, fisher, fmt.Sprintf("%.3f", c.Phi),
				fmt.Sprintf("%.1f", c.MinExpected))
			if c.MinExpected < 5 {
				// The chi-square approximation is poor here; say which p to read.
				t.Note += fmt.Sprintf(" %s: smallest expected count %.1f < 5, so the chi-square p-values are approximate; Fisher's exact p is the one to report.",
					comparisonLabel(g), c.MinExpected)
			}
		} else {
			row = append(row, "NA", "NA", "NA", "NA", "NA", "NA")
			t.Note += fmt.Sprintf(" %s not tested: %s.", comparisonLabel(g), g.Error)
		}
		rd := "NA"
		if g.RiskDifference != nil {
			rd = fmt.Sprintf("%.3f (%.3f to %.3f)", g.RiskDifference.Estimate, g.RiskDifference.CI.Lo, g.RiskDifference.CI.Hi)
		}
		row = append(row, rd, pOrNA(g.Adjusted["pearson"])+", "+pOrNA(g.Adjusted["yates"])+", "+pOrNA(g.Adjusted["fisher"]))
		t.Rows = append(t.Rows, row)
	}
	return t
}

func refsTable(name, caption string, refs []analysis.ServerRef) report.Table {
	analysis.SortRefs(refs)
	t := report.Table{Name: name, Caption: caption, Columns: []string{"App", "Host", "Port", "Category", "Reason"}, FileOnly: len(refs) > 20}
	for _, s := range refs {
		t.Rows = append(t.Rows, []string{s.AppID, s.Host, strconv.Itoa(s.Port), s.Category, s.Reason})
	}
	if len(refs) == 0 {
		t.Note = "None."
	}
	return t
}

func appFindingsFigure(th figures.Theme, r *analysis.StudyResult) (*figures.Figure, error) {
	var bars []figures.Proportion
	for _, b := range []struct {
		label string
		s     *analysis.Share
	}{{"functional\nbelow A", r.AppsFunctionalBelowA}, {"unsecured\nfunctional", r.AppsUnsecured}, {"others\nbelow A", r.AppsOthersBelowA}} {
		if b.s != nil {
			bars = append(bars, figures.ShareBar(b.label, "", *b.s))
		}
	}
	if len(bars) == 0 {
		return nil, nil
	}
	f, err := figures.Proportions(th, figures.ProportionChart{Name: "app_findings", YLabel: "Share of apps", Interval: "95% Wilson interval",
		Width: figures.OneColumn, Height: 2.6 * vg.Inch, Bars: bars, ShowCounts: true})
	return &f, err
}

func pulseFigure(th figures.Theme, t *analysis.PulseResult) (figures.Figure, error) {
	ind := t.Independence
	pw := stats.Wilson(ind.PulseBelow, ind.PulseN, analysis.Conf)
	// The Pulse whisker exists only through the assumed N; the figure says so itself.
	return figures.Proportions(th, figures.ProportionChart{Name: "pulse_comparison", YLabel: "Share below the A range",
		Interval: fmt.Sprintf("95%% Wilson interval (Pulse: N = %s assumed)", paper.Thousands(ind.PulseN)),
		Width:    figures.OneColumn, Height: 2.6 * vg.Inch, Bars: []figures.Proportion{
			figures.ShareBar("functional servers", "", t.Study),
			{Category: "SSL Pulse " + t.Month, Count: ind.PulseBelow, Total: ind.PulseN, Share: float64(ind.PulseBelow) / float64(ind.PulseN), Lo: pw.Lo, Hi: pw.Hi},
		}})
}

func test2Figure(th figures.Theme, r *analysis.StudyResult) (*figures.Figure, error) {
	var bars []figures.Proportion
	for _, g := range r.Test2 {
		for i := range g.Groups {
			if g.Below[i] != nil {
				bars = append(bars, figures.ShareBar(comparisonLabel(g), groupLabel(g.Groups[i]), *g.Below[i]))
			}
		}
	}
	if len(bars) == 0 {
		return nil, nil
	}
	f, err := figures.Proportions(th, figures.ProportionChart{Name: "test2_groups", YLabel: "Functional servers below A", Interval: "95% Wilson interval",
		Width: figures.TwoColumn, Height: 2.6 * vg.Inch, Bars: bars, ShowCounts: true})
	return &f, err
}

// rowsHave writes "1 row has", "2 rows have".
func rowsHave(n int) string {
	if n == 1 {
		return "1 row has"
	}
	return fmt.Sprintf("%d rows have", n)
}

// trustText says how grades T and M are counted under a --trust policy.
func trustText(policy analysis.TrustPolicy) string {
	switch policy {
	case analysis.TrustBelow:
		return "count as below A"
	case analysis.TrustIgnore:
		return "count by the grade they would get if trust were ignored"
	case analysis.TrustExclude:
		return "are left out"
	}
	return "are handled by --trust " + string(policy)
}

// groupLabel writes a group of apps as a reader expects it (German-only, iOS), not as the
// study files spell it (de_only, ios).
func groupLabel(g string) string {
	switch g {
	case datasets.AvailabilityGermanOnly:
		return "German-only"
	case datasets.PlatformIOS:
		return "iOS"
	case datasets.PlatformAndroid:
		return "Android"
	}
	return strings.ReplaceAll(g, "_", " ")
}

// comparisonLabel names a Test 2 comparison by its groups: "international vs German-only".
func comparisonLabel(g analysis.GroupTest) string {
	return groupLabel(g.Groups[0]) + " vs " + groupLabel(g.Groups[1])
}

// adjustedFamily names the tests whose p-values were adjusted together.
func adjustedFamily(r *analysis.StudyResult) string {
	if r.Test1 == nil {
		return "the Test 2 comparisons (Test 1 was not run)"
	}
	return "Test 1 and the Test 2 comparisons"
}

// Regrade grades every gradable result under c; it returns how many were regraded and
// how many kept their grade because the grader could not grade them.
func Regrade(st *datasets.Study, c grade.Criteria) (regraded, kept int) {
	for i := range st.Results {
		if RegradeResult(&st.Results[i], c) {
			regraded++
		} else {
			kept++
		}
	}
	return regraded, kept
}

// RegradeResult grades r under c if the grader can grade it, and reports whether it did;
// otherwise r keeps its grade.
func RegradeResult(r *result.Result, c grade.Criteria) bool {
	if ok, _ := grade.Gradable(r); !ok {
		return false
	}
	r.Grade = grade.Grade(r, c)
	return true
}

// NoResults reports whether no server row of the study has a result at all (results.jsonl
// missing, empty, or about other servers): every share and test of the report is then
// empty.
func NoResults(r *analysis.StudyResult) bool {
	n := 0
	for _, c := range r.Categories {
		n += c.Graded + c.Errors + c.Excluded
	}
	return n == 0
}

func noResultsText(r *analysis.StudyResult) string {
	return fmt.Sprintf("NO SERVER HAS A RESULT: none of the %d server rows matches a line of results.jsonl (the file is missing, empty, "+
		"or about other hosts and ports). Every share, test and figure below is empty. Probe the servers first "+
		"(mhealthsec probe --targets servers.csv) or import results (mhealthsec import), then rerun analyze.", r.Rows)
}

func trustUnknownText(r *analysis.StudyResult) string {
	return fmt.Sprintf("%s a certificate whose trust could not be decided (certificate.trusted null, e.g. its AIA fetch refused by the fetch policy): "+
		"counted neither as trusted nor as untrusted, not graded unless another fault decides the grade, and the certificate finding is undecided for them.",
		rowsHave(r.TrustUnknown))
}

// Summary is the short text analyze prints: counts, the headline share and what was left out.
func Summary(r *analysis.StudyResult) string {
	var b strings.Builder
	if NoResults(r) {
		fmt.Fprintf(&b, "WARNING: %s\n", noResultsText(r))
	}
	fmt.Fprintf(&b, "%d apps, %d server rows (%d distinct endpoints)\n", r.Apps, r.Rows, r.Endpoints)
	if s := r.FunctionalBelowA; s != nil {
		fmt.Fprintf(&b, "functional servers below A: %d/%d (%.1f%%)\n", s.Count, s.Total, 100*s.Share)
	}
	if len(r.Unprobed)+len(r.Ungraded) > 0 {
		fmt.Fprintf(&b, "left out of the below-A shares: %d without a result, %d with an error or no grade (listed in the report)\n", len(r.Unprobed), len(r.Ungraded))
	}
	if r.UnknownApps > 0 {
		fmt.Fprintf(&b, "%d servers.csv rows name an app not in apps.csv and were left out\n", r.UnknownApps)
	}
	if r.TrustUnknown > 0 {
		fmt.Fprintln(&b, trustUnknownText(r))
	}
	return b.String()
}
