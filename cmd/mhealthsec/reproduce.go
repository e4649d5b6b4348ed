package main

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mhealthsec/mhealthsec/datasets"
	"github.com/mhealthsec/mhealthsec/paper"
	"github.com/mhealthsec/mhealthsec/paper/report"
)

func newReproduceCmd() *cobra.Command {
	def := paper.DefaultConfig()
	var out, baseline, pulseN string
	cmd := &cobra.Command{
		Use:   "reproduce",
		Short: "Recompute the published study from its published numbers into a report",
		Long: `reproduce recomputes Müthing, Brüngel & Friedrich (JMIR 2019) from the numbers it published
(embedded in the toolkit): a scorecard of every published number (reproduced, consistent,
inconsistent, not recomputable), Test 1 against an SSL Pulse month (goodness of fit and
exact binomial, and 2 × 2 Pearson/Yates/Fisher for an assumed number of Pulse sites, with a
sensitivity analysis and every month 2016–2019), and Test 2 by enumerating every 2 × 2 table
the published margins allow. It prints the scorecard and writes report.md, report.html,
stats.json, tables/ (CSV, Markdown, LaTeX) and figures/ (PNG 300 dpi, SVG, PDF) to --out,
replacing an earlier report there only when the new one is complete.`,
		Example: `  mhealthsec reproduce
  mhealthsec reproduce --out report2019 --baseline 2019-01 --pulse-n 150000`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg := def
			cfg.Baseline = baseline
			n, err := parsePositive(pulseN)
			if err != nil {
				return usageErrorf("reproduce: --pulse-n: %v", err)
			}
			cfg.PulseN = n
			if out == "" {
				return usageErrorf("reproduce: --out: empty folder name")
			}
			r, err := paper.Reproduce(cfg)
			if err != nil {
				return reproduceError(err)
			}
			doc, err := r.Document()
			if err != nil {
				return fmt.Errorf("reproduce: %w", err)
			}
			kept, err := report.Replace(out, doc, r.Stats())
			if err != nil {
				var oe *report.OutputError
				if errors.As(err, &oe) {
					return usageErrorf("reproduce: --out: %v", err)
				}
				return fmt.Errorf("reproduce: %w", err)
			}
			w := cmd.OutOrStdout()
			if err := paper.WriteScorecard(w, r.Scorecard); err != nil {
				return err
			}
			_, err = fmt.Fprintf(w, "report written to %s (report.md, report.html, stats.json, tables/, figures/)\n%s", out, keptText(kept))
			return err
		},
	}
	f := cmd.Flags()
	f.StringVar(&out, "out", "out", "folder to write the report to (replaced when complete)")
	f.StringVar(&baseline, "baseline", def.Baseline, "SSL Pulse month of Test 1, YYYY-MM (2016-01 … 2019-12)")
	f.StringVar(&pulseN, "pulse-n", strconv.Itoa(def.PulseN), "assumed number of SSL Pulse sites for the 2 × 2 tests (not published)")
	return cmd
}

// parsePositive reads a positive whole number written in decimal digits.
func parsePositive(s string) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < 1 {
		return 0, fmt.Errorf("%q is not a positive whole number", s)
	}
	return n, nil
}

// reproduceError turns configuration mistakes into usage errors (exit 2) that list what is
// available.
func reproduceError(err error) error {
	var ce *paper.ConfigError
	if !errors.As(err, &ce) {
		return fmt.Errorf("reproduce: %w", err)
	}
	msg := ce.Problem
	if ce.Field == "baseline" && !strings.Contains(msg, "available months") {
		if series, serr := datasets.Pulse(); serr == nil {
			var have []string
			for _, m := range series.Months() {
				have = append(have, m.Month)
			}
			msg += "; available months: " + strings.Join(have, ", ")
		}
	}
	return usageErrorf("reproduce: --%s: %s", ce.Field, msg)
}

// keptText says which files of the user's a rerun kept in the report folder ("" for none).
func keptText(kept []string) string {
	if len(kept) == 0 {
		return ""
	}
	files := "files"
	if len(kept) == 1 {
		files = "file"
	}
	return fmt.Sprintf("kept %d %s of yours in it (not report files): %s\n", len(kept), files, strings.Join(kept, ", "))
}
