package studyreport

import (
	"fmt"
	"strings"

	"github.com/mhealthsec/mhealthsec/analysis"
	"github.com/mhealthsec/mhealthsec/analysis/stats"
	"github.com/mhealthsec/mhealthsec/paper"
	"github.com/mhealthsec/mhealthsec/paper/report"
)

// referenceBlocks lays out Test 1 against a reference population: which baseline,
// its size, dates and criteria, warnings, and the 2 × 2 and distribution tests.
func referenceBlocks(t *analysis.ReferenceTest) []report.Block {
	ref := t.Reference
	text := fmt.Sprintf("Test 1 against a reference population: %s, %d results (%d graded, %d with an error or no grade, %d left out by the trust policy, %d superseded by a later result for the same host and port), "+
		"measured %s under criteria %s; the study's results were measured %s under criteria %s. "+
		"Functional servers below A: study %s, reference %s.",
		ref.File, ref.Results, ref.Graded, ref.Ungraded, ref.Excluded, ref.Superseded, measuredWhen(ref.Measured), criteriaText(ref.Criteria),
		measuredWhen(t.Study), criteriaText(t.Study.Criteria), shareText(&t.StudyBel), shareText(&t.RefBel))
	if c := t.Independence; c != nil {
		text += fmt.Sprintf(" 2 × 2 with both N known: Pearson χ² = %.3f, p = %s; Yates p = %s; Fisher p = %s.",
			c.Pearson.Statistic, paper.FormatP(c.Pearson.P), yatesP(c), fisherText(c))
	}
	if rd := t.RiskDifference; rd != nil {
		text += fmt.Sprintf(" Risk difference (study − reference) %.3f (95%% CI %.3f to %.3f).", rd.Estimate, rd.CI.Lo, rd.CI.Hi)
	}
	if c := t.DistributionTests; c != nil {
		text += fmt.Sprintf(" Grade distributions (%d × %d): Pearson χ² = %.3f, df = %g, p = %s; G-test p = %s; Fisher p = %s.",
			c.Table.Rows(), c.Table.Cols(), c.Pearson.Statistic, c.Pearson.DF, paper.FormatP(c.Pearson.P), paper.FormatP(c.G.P), fisherText(c))
	}
	if t.Error != "" {
		text += " Not tested: " + t.Error + "."
	}
	blocks := []report.Block{report.Paragraph{Text: text}}
	if len(t.Warnings) > 0 {
		items := make([]string, len(t.Warnings))
		for i, w := range t.Warnings {
			items[i] = "Warning: " + w + "."
		}
		blocks = append(blocks, report.List{Items: items})
	}
	d := t.Distribution
	tab := report.Table{Name: "test1_reference_grades", Caption: "Test 1 against the reference population: grade distribution of the study's functional servers and of the reference",
		Columns: append([]string{"Population"}, d.ColNames...)}
	for i, name := range d.RowNames {
		row := []string{name}
		for _, v := range d.Counts[i] {
			row = append(row, fmt.Sprint(v))
		}
		tab.Rows = append(tab.Rows, row)
	}
	return append(blocks, tab)
}

func yatesP(c *stats.Contingency) string {
	if c.Yates == nil {
		return "NA"
	}
	return paper.FormatP(c.Yates.P)
}

// fisherText is Fisher's p, or its Monte Carlo estimate labelled as one.
func fisherText(c *stats.Contingency) string {
	switch {
	case c.Fisher == nil:
		return "not computed (" + c.FisherErr.Error() + ")"
	case c.Fisher.Simulation != nil:
		s := c.Fisher.Simulation
		return fmt.Sprintf("%s (Monte Carlo estimate from %d random tables, seed %d; %.0f%% interval %.4g to %.4g)",
			paper.FormatP(c.Fisher.P), s.Replicates, s.Seed, 100*s.ConfLevel, s.CI.Lo, s.CI.Hi)
	}
	return paper.FormatP(c.Fisher.P)
}

func measuredWhen(m analysis.Measured) string {
	if m.First == nil {
		return "at unrecorded times"
	}
	a, b := m.First.Format("2006-01-02"), m.Last.Format("2006-01-02")
	if a == b {
		return "on " + a
	}
	return "from " + a + " to " + b
}

func criteriaText(c []string) string {
	if len(c) == 0 {
		return "none recorded"
	}
	return strings.Join(c, ", ")
}
