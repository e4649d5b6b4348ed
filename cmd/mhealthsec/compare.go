package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/mhealthsec/mhealthsec/analysis"
	"github.com/mhealthsec/mhealthsec/datasets"
	"github.com/mhealthsec/mhealthsec/figures"
	"github.com/mhealthsec/mhealthsec/paper"
)

func newCompareCmd() *cobra.Command {
	var out, trust string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "compare OLD_STUDY NEW_STUDY [--out DIR] [--json]",
		Short: "Compare two waves of a study: the same apps tested twice",
		Long: `compare matches the servers of two study folders by app_id and host, and the apps by
app_id, and reports per measure (below A, TLS 1.3, HSTS, unsecured connection) how many
changed for the better and for the worse, with McNemar's test on the paired changes (exact
conditional p and chi-squared with continuity correction) and each wave's share with an
unpaired test. Server-level measures cover every server but the disregarded ones; app-level
measures an app's functional servers, as analyze's per-app findings. Apps and servers that
got worse are listed, and so are those present in one wave only (counted, never dropped).

--out DIR writes compare.json and the slope chart figures/compare_waves.{png,svg,pdf}.`,
		Example: `  mhealthsec compare study-2019/ study-2026/ --out out/waves
  mhealthsec compare analysis/testdata/waves/old analysis/testdata/waves/new --json | jq '.worse_apps'`,
		Args: usageArgs(cobra.ExactArgs(2)),
		RunE: func(cmd *cobra.Command, args []string) error {
			tp, err := analysis.ParseTrustPolicy(trust)
			if err != nil {
				return usageErrorf("compare: --trust: %v", err)
			}
			var waves [2]*datasets.Study
			for i, dir := range args {
				if waves[i], err = datasets.LoadStudy(dir); err != nil {
					return fmt.Errorf("compare: %w", err)
				}
			}
			c, err := analysis.CompareStudies(waves[0], waves[1], tp)
			if err != nil {
				return fmt.Errorf("compare: %w", err)
			}
			w := cmd.OutOrStdout()
			if out != "" {
				if err := writeComparison(out, c); err != nil {
					return err
				}
			}
			if asJSON {
				enc := json.NewEncoder(w)
				enc.SetIndent("", "  ")
				return enc.Encode(c)
			}
			if err := writeCompareText(w, c); err != nil {
				return err
			}
			if out != "" {
				_, err = fmt.Fprintf(w, "comparison written to %s (compare.json, figures/compare_waves.*)\n", out)
			}
			return err
		},
	}
	f := cmd.Flags()
	f.StringVar(&out, "out", "", "folder to write compare.json and the figure to")
	f.StringVar(&trust, "trust", string(analysis.TrustBelow), "how grades T and M count: below, ignore, exclude")
	f.BoolVar(&asJSON, "json", false, "print the comparison as JSON instead of text")
	return cmd
}

// compareFigure is the slope chart of the app-level shares in both waves.
func compareFigure(c *analysis.Comparison) (figures.Figure, error) {
	var lines []figures.SlopeLine
	for _, m := range c.Apps {
		if m.Old != nil && m.New != nil {
			lines = append(lines, figures.SlopeLine{Label: m.Label, From: m.Old.Share, To: m.New.Share})
		}
	}
	return figures.Slope(figures.Default(), figures.SlopeChart{Name: "compare_waves", YLabel: "apps (functional servers)",
		From: filepath.Base(c.Old), To: filepath.Base(c.New), Lines: lines})
}

func writeComparison(dir string, c *analysis.Comparison) error {
	if err := os.MkdirAll(filepath.Join(dir, "figures"), 0o755); err != nil {
		return usageErrorf("compare: --out: %v", err)
	}
	b, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return fmt.Errorf("compare: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "compare.json"), append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("compare: %w", err)
	}
	fig, err := compareFigure(c)
	if err != nil {
		return fmt.Errorf("compare: %w", err)
	}
	if _, err := figures.Save(fig, filepath.Join(dir, "figures")); err != nil {
		return fmt.Errorf("compare: %w", err)
	}
	return nil
}

func writeCompareText(out io.Writer, c *analysis.Comparison) error {
	var werr error
	p := func(w io.Writer, format string, a ...any) {
		if _, err := fmt.Fprintf(w, format, a...); err != nil && werr == nil {
			werr = err
		}
	}
	p(out, "%s -> %s: %d apps matched (%d only in the old wave, %d only in the new); %d servers (app x host) matched (%d only old, %d only new)\n\n",
		c.Old, c.New, c.AppsMatched, len(c.AppsOnlyOld), len(c.AppsOnlyNew), c.ServersMatched, len(c.ServersOnlyOld), len(c.ServersOnlyNew))
	for _, level := range []struct {
		name string
		ms   []analysis.MeasureChange
	}{{"Servers (app x host)", c.Servers}, {"Apps (functional servers)", c.Apps}} {
		p(out, "%s\n", level.name)
		w := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
		p(w, "measure\tpairs\tyes->yes\tyes->no\tno->yes\tno->no\tworse\tbetter\tMcNemar exact p\tMcNemar X2 (cc) p\told share\tnew share\tunpaired Fisher p\n")
		for _, m := range level.ms {
			exact, chi := "NA ("+m.McNemarError+")", "NA"
			if m.McNemar != nil {
				exact, chi = paper.FormatP(m.McNemar.Exact.P), paper.FormatP(m.McNemar.ChiSquare.P)
			}
			unp := "NA"
			if m.Unpaired != nil && m.Unpaired.Fisher != nil {
				unp = paper.FormatP(m.Unpaired.Fisher.P)
			}
			p(w, "%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%s\t%s\t%s\t%s\t%s\n", m.Measure, m.Pairs, m.YesYes, m.YesNo, m.NoYes, m.NoNo, m.Worse, m.Better,
				exact, chi, shareOrNA(m.Old), shareOrNA(m.New), unp)
		}
		if err := w.Flush(); err != nil && werr == nil {
			werr = err
		}
		p(out, "\n")
	}
	p(out, "Apps that got worse: %d\n", len(c.WorseApps))
	for _, u := range c.WorseApps {
		p(out, "  %s (%s): %s\n", u.AppID, u.Name, strings.Join(u.Measures, ", "))
	}
	p(out, "Servers that got worse: %d\n", len(c.WorseServers))
	for _, u := range c.WorseServers {
		p(out, "  %s %s: %s\n", u.AppID, u.Host, strings.Join(u.Measures, ", "))
	}
	p(out, "Apps only in the old wave: %s\nApps only in the new wave: %s\n", listOrNone(c.AppsOnlyOld), listOrNone(c.AppsOnlyNew))
	p(out, "Servers only in the old wave: %s\nServers only in the new wave: %s\n", serverList(c.ServersOnlyOld), serverList(c.ServersOnlyNew))
	return werr
}

func shareOrNA(s *analysis.Share) string {
	if s == nil {
		return "NA"
	}
	return fmt.Sprintf("%d/%d (%.1f%%)", s.Count, s.Total, 100*s.Share)
}

func listOrNone(s []string) string {
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, ", ")
}

func serverList(keys []analysis.ServerKey) string {
	s := make([]string, len(keys))
	for i, k := range keys {
		s[i] = k.AppID + " " + k.Host
	}
	return listOrNone(s)
}
