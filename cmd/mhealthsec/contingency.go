package main

import (
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/mhealthsec/mhealthsec/analysis/stats"
)

func newContingencyCmd() *cobra.Command {
	var table, csvFile, rows, cols string
	var asJSON bool
	fc := stats.DefaultFisherConfig()
	cmd := &cobra.Command{
		Use:   "contingency (--table COUNTS | --csv FILE) [--rows a,b] [--cols x,y] [--json] [--exact-work N] [--replicates B] [--seed S]",
		Short: "Test an r x c table of counts: chi-squared, Yates, G, Fisher, effect sizes",
		Long: `contingency prints every statistic of one table of counts: expected counts, Pearson's
X² with and without Yates' correction (2 x 2), the G-test, Fisher's exact test (2 x 2 with
both odds ratios, or r x c Freeman-Halton within its size limit), Pearson and standardized
residuals, phi and Cramér's V, and diagnostics (smallest expected count, share of cells
below 5, empty rows or columns dropped). Values match R's chisq.test and fisher.test.

Beyond the exact r x c test's work limit (--exact-work) Fisher's p is a Monte Carlo
estimate, as R's fisher.test(simulate.p.value = TRUE, B = --replicates): labelled as an
estimate, with its 99% interval for the exact p, reproducible with --seed.

--table writes rows separated by ';' and counts by ','. --csv reads a CSV of counts with
an optional header row of column names and an optional first column of row names.
--json prints one object with stable keys (pearson.x2, pearson.df, pearson.p, yates.x2,
yates.p, g.g, g.p, fisher.p, phi, cramers_v, min_expected, share_expected_below_5, ...).`,
		Example: `  mhealthsec contingency --table '44,247;49532,90468' --rows mhealth,pulse --cols below_A,A_range
  mhealthsec contingency --table '2,15;7,9' --json | jq '.fisher.p'
  mhealthsec contingency --csv counts.csv`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			t, err := contingencyInput(table, csvFile, rows, cols)
			if err != nil {
				return err
			}
			if fc.Limits.MaxWork < 1 || fc.Limits.MaxN < 1 {
				return usageErrorf("contingency: --exact-work %d, --exact-max-n %d: want at least 1", fc.Limits.MaxWork, fc.Limits.MaxN)
			}
			if fc.Replicates > stats.MaxReplicates {
				return usageErrorf("contingency: --replicates %d: want at most %d", fc.Replicates, stats.MaxReplicates)
			}
			c, err := stats.AnalyzeWith(t, fc)
			if err != nil {
				return usageErrorf("contingency: %v", err)
			}
			w := cmd.OutOrStdout()
			if asJSON {
				b, err := c.MarshalJSON()
				if err != nil {
					return fmt.Errorf("contingency: %w", err)
				}
				_, err = fmt.Fprintf(w, "%s\n", b)
				return err
			}
			return writeContingency(w, c)
		},
	}
	f := cmd.Flags()
	f.StringVar(&table, "table", "", "counts, rows separated by ';' and cells by ',', e.g. '44,247;49532,90468'")
	f.StringVar(&csvFile, "csv", "", "CSV file of counts (optional header row and first column of names)")
	f.StringVar(&rows, "rows", "", "comma-separated row names")
	f.StringVar(&cols, "cols", "", "comma-separated column names")
	f.BoolVar(&asJSON, "json", false, "print JSON with stable keys instead of text")
	addFisherFlags(cmd, &fc)
	return cmd
}

// contingencyInput builds the table from exactly one of --table and --csv and
// applies --rows and --cols. Every failure is the caller's: exit code 2.
func contingencyInput(table, csvFile, rows, cols string) (stats.Table, error) {
	var t stats.Table
	var err error
	switch {
	case table != "" && csvFile != "":
		return t, usageErrorf("contingency: give --table or --csv, not both")
	case table != "":
		if t, err = stats.ParseTable(table); err != nil {
			return t, usageErrorf("contingency: --table: %v", err)
		}
	case csvFile != "":
		fh, err := os.Open(csvFile)
		if err != nil {
			return t, usageErrorf("contingency: --csv: %v", err)
		}
		defer fh.Close()
		if t, err = stats.ReadCSVTable(fh, csvFile); err != nil {
			return t, usageErrorf("contingency: --csv: %v", err)
		}
	default:
		return t, usageErrorf("contingency: give --table COUNTS or --csv FILE (see --help)")
	}
	rn, cn := t.RowNames, t.ColNames
	if rows != "" {
		rn = splitNames(rows)
	}
	if cols != "" {
		cn = splitNames(cols)
	}
	if t, err = stats.NewTable(t.Counts, rn, cn); err != nil {
		return t, usageErrorf("contingency: %v", err)
	}
	return t, nil
}

// addFisherFlags adds the flags of the Fisher test's exact limit and Monte Carlo
// fallback, shared by contingency and analyze.
func addFisherFlags(cmd *cobra.Command, fc *stats.FisherConfig) {
	f := cmd.Flags()
	f.IntVar(&fc.Limits.MaxWork, "exact-work", fc.Limits.MaxWork, "work limit of the exact r x c Fisher test; beyond it the p is a Monte Carlo estimate")
	f.IntVar(&fc.Limits.MaxN, "exact-max-n", fc.Limits.MaxN, "largest table total of the exact r x c Fisher test; beyond it the p is a Monte Carlo estimate")
	f.IntVar(&fc.Replicates, "replicates", stats.DefaultReplicates, "random tables of the Monte Carlo Fisher test (negative: no estimate, report the exact test's refusal)")
	f.Uint64Var(&fc.Seed, "seed", fc.Seed, "seed of the Monte Carlo Fisher test (same seed, same p)")
}

func splitNames(s string) []string {
	parts := strings.Split(s, ",")
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	return parts
}

// writeContingency prints the analysis as aligned text.
func writeContingency(out io.Writer, c stats.Contingency) error {
	t := c.Table
	var werr error
	p := func(w io.Writer, format string, a ...any) {
		if _, err := fmt.Fprintf(w, format, a...); err != nil && werr == nil {
			werr = err
		}
	}
	matrix := func(title string, cell func(i, j int) string) {
		p(out, "%s\n", title)
		w := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
		p(w, "\t")
		for _, n := range t.ColNames {
			p(w, "%s\t", n)
		}
		p(w, "\n")
		for i, n := range t.RowNames {
			p(w, "%s\t", n)
			for j := range t.ColNames {
				p(w, "%s\t", cell(i, j))
			}
			p(w, "\n")
		}
		if err := w.Flush(); err != nil && werr == nil {
			werr = err
		}
		p(out, "\n")
	}
	matrix(fmt.Sprintf("Counts (%d x %d, N = %d)", t.Rows(), t.Cols(), c.N), func(i, j int) string { return fmt.Sprint(t.Counts[i][j]) })
	matrix("Expected counts", func(i, j int) string { return fmt.Sprintf("%.6g", c.Expected[i][j]) })
	matrix("Pearson residuals (O-E)/sqrt(E)", func(i, j int) string { return fmt.Sprintf("%.3f", c.Residuals[i][j]) })
	matrix("Standardized residuals (R's stdres)", func(i, j int) string { return fmt.Sprintf("%.3f", c.StdResiduals[i][j]) })

	w := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	p(w, "Test\tStatistic\tdf\tp\n")
	p(w, "Pearson chi-squared\tX2 = %.6g\t%g\t%.4g\n", c.Pearson.Statistic, c.Pearson.DF, c.Pearson.P)
	if c.Yates != nil {
		p(w, "Yates-corrected chi-squared\tX2 = %.6g\t%g\t%.4g\n", c.Yates.Statistic, c.Yates.DF, c.Yates.P)
	}
	p(w, "G-test (likelihood ratio)\tG = %.6g\t%g\t%.4g\n", c.G.Statistic, c.G.DF, c.G.P)
	switch {
	case c.Fisher != nil && c.Fisher.Simulation != nil:
		p(w, "Fisher's test (%s), Monte Carlo estimate\t\t\t%.4g\n", c.Fisher.Alternative, c.Fisher.P)
	case c.Fisher != nil:
		p(w, "Fisher's exact test (%s)\t\t\t%.4g\n", c.Fisher.Alternative, c.Fisher.P)
	}
	if err := w.Flush(); err != nil && werr == nil {
		werr = err
	}
	var tooLarge *stats.TooLargeError
	switch {
	case errors.As(c.FisherErr, &tooLarge):
		p(out, "Fisher's exact test not run: %s %d exceeds the limit %d\n", tooLarge.What, tooLarge.Got, tooLarge.Limit)
	case c.FisherErr != nil:
		p(out, "Fisher's exact test not run: %v\n", c.FisherErr)
	}
	if c.Fisher != nil && c.Fisher.Simulation != nil {
		sim := c.Fisher.Simulation
		p(out, "Fisher's p is an estimate: %d of %d random tables with these margins (seed %d) were as or less probable; %.0f%% interval for the exact p [%.4g, %.4g]\n",
			sim.Hits, sim.Replicates, sim.Seed, 100*sim.ConfLevel, sim.CI.Lo, sim.CI.Hi)
		if sim.Reason != "" {
			p(out, "Exact test not run: %s\n", sim.Reason)
		}
	}
	p(out, "\n")
	if c.Fisher != nil {
		for _, or := range []*stats.OddsRatio{c.Fisher.SampleOddsRatio, c.Fisher.ConditionalOddsRatio} {
			if or != nil {
				p(out, "Odds ratio %.6g, %.0f%% CI [%s, %s]: %s\n", or.Estimate, 100*or.ConfLevel, bound(or.CI.Lo), bound(or.CI.Hi), or.Method)
			}
		}
	}
	p(out, "Phi %.4g, Cramér's V %.4g\n", c.Phi, c.CramersV)
	p(out, "Smallest expected count %.4g; cells with expected count below 5: %.1f%%\n", c.MinExpected, 100*c.ShareExpectedBelow5)
	for _, d := range c.Dropped {
		p(out, "Dropped before testing (empty): %s\n", d)
	}
	for _, warn := range c.Warnings {
		p(out, "Warning: %s\n", warn)
	}
	return werr
}

// bound prints an interval bound; a bound that does not exist is "NA".
func bound(v float64) string {
	if math.IsNaN(v) {
		return "NA"
	}
	return fmt.Sprintf("%.6g", v)
}
