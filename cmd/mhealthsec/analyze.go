package main

import (
	"errors"
	"fmt"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/spf13/cobra"

	"github.com/mhealthsec/mhealthsec/analysis"
	"github.com/mhealthsec/mhealthsec/analysis/stats"
	"github.com/mhealthsec/mhealthsec/datasets"
	"github.com/mhealthsec/mhealthsec/paper"
	"github.com/mhealthsec/mhealthsec/paper/report"
	"github.com/mhealthsec/mhealthsec/paper/studyreport"
	"github.com/mhealthsec/mhealthsec/probe/grade"
	"github.com/mhealthsec/mhealthsec/probe/result"
)

func newAnalyzeCmd() *cobra.Command {
	def := paper.DefaultConfig()
	var out, baseline, pulseN, criteria, trust, adjust, pulseFile, refFile string
	fc := stats.DefaultFisherConfig()
	cmd := &cobra.Command{
		Use:   "analyze STUDY_DIR",
		Short: "Run the study analysis on a study folder and write the report",
		Long: `analyze joins a study folder's apps.csv, servers.csv and results.jsonl and writes the
study's analysis: the grade distribution per server category; servers below the A range
(any letter but A+, A, A-) with 95% Wilson intervals; per-app findings by platform and
category in the layout of the study's Table 5 (TLS 1.3, HSTS) and its negative
counterpart (below A, plain HTTP, any vulnerability, certificate problems, SSL 2/3 or
TLS 1.0, RC4 or 3DES); Test 1 against an SSL Pulse month; Test 2, functional servers below
A of international vs German-only apps and of Android vs iOS apps (Pearson, Yates, Fisher,
phi, risk difference), with p-values corrected for multiple testing (--adjust, Holm by
default, across Test 1 and Test 2, per statistic).

Counting: the unit is a servers.csv row (an app × server). Grades T and M count as below
A unless --trust says otherwise (ignore: use the grade with trust ignored; exclude: leave
them out). Rows without a result and results with an error or no grade are left out of
the below-A shares, counted per category and listed in the report; plain-HTTP rows are
not graded and count as unsecured connections. "Others" are all servers that are neither
functional nor disregarded.

--baseline-pulse FILE adds SSL Pulse months (or another published grade survey) in the
embedded series' CSV format (see the README); --baseline then accepts them.
--baseline-results FILE.jsonl adds Test 1 against a reference population probed or
imported with this toolkit: a 2 x 2 with both N known and the whole grade distribution
(A+ ... F, T, M) against the study's; the report names the file, its size, dates and
criteria and warns when they differ from the study's. Fisher's test of the distribution
is exact within --exact-work and a labelled Monte Carlo estimate beyond it.

With --criteria, results are regraded with the toolkit's grader under that SSL Labs
criteria version (imported grades too); results it cannot grade keep their grade.

Output as reproduce: report.md, report.html, stats.json, tables/ and figures/ in --out,
replacing an earlier report only when the new one is complete.`,
		Example: `  mhealthsec analyze datasets/sample --out out/sample
  mhealthsec analyze study/ --baseline 2019-01 --criteria 2009q --trust ignore
  mhealthsec analyze study/ --baseline-pulse datasets/testdata/ssl_pulse_2015.csv --baseline 2015-06
  mhealthsec analyze study/ --baseline-results top-sites/results.jsonl`,
		Args: usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			set := studyreport.Settings{StudyDir: args[0], Baseline: baseline, Trust: trust, Criteria: criteria,
				BaselinePulse: pulseFile, BaselineResults: refFile}
			n, err := parsePositive(pulseN)
			if err != nil {
				return usageErrorf("analyze: --pulse-n: %v", err)
			}
			set.PulseN = n
			tp, err := analysis.ParseTrustPolicy(trust)
			if err != nil {
				return usageErrorf("analyze: --trust: %v", err)
			}
			m, err := stats.ParseMethod(adjust)
			if err != nil {
				return usageErrorf("analyze: --adjust: %v", err)
			}
			set.Adjust = m.String()
			if fc.Limits.MaxWork < 1 || fc.Limits.MaxN < 1 {
				return usageErrorf("analyze: --exact-work %d, --exact-max-n %d: want at least 1", fc.Limits.MaxWork, fc.Limits.MaxN)
			}
			cfg := analysis.StudyConfig{Trust: tp, PulseN: n, Adjust: m, Fisher: fc}
			if baseline != "none" {
				series, err := datasets.Pulse()
				if err != nil {
					return fmt.Errorf("analyze: %w", err)
				}
				if pulseFile != "" {
					extra, err := datasets.ReadPulseFile(pulseFile)
					if err != nil {
						return fmt.Errorf("analyze: --baseline-pulse: %w", err)
					}
					if series, err = series.Merge(extra); err != nil {
						return fmt.Errorf("analyze: --baseline-pulse: %w", err)
					}
				}
				month, err := series.Month(baseline)
				if err != nil {
					return usageErrorf("analyze: --baseline: %v", err)
				}
				cfg.Baseline = &month
			}
			if out == "" {
				return usageErrorf("analyze: --out: empty folder name")
			}
			if refFile != "" {
				if cfg.Reference, err = analysis.LoadReference(refFile, tp); err != nil {
					return fmt.Errorf("analyze: --baseline-results: %w", err)
				}
			}
			// Each result is regraded as it is read, on the reading goroutines.
			var prepare func(r *result.Result)
			var regraded, unchanged atomic.Int64
			if criteria != "" {
				c, err := grade.ParseCriteria(criteria)
				if err != nil {
					return usageErrorf("analyze: --criteria: %v", err)
				}
				prepare = func(r *result.Result) {
					if studyreport.RegradeResult(r, c) {
						regraded.Add(1)
					} else {
						unchanged.Add(1)
					}
				}
			}
			// A study's endpoint tables are most of the heap and live to the end: collecting
			// at 1.5 times their size rather than twice keeps a census of 10^7 server rows
			// under 2 GiB, for about the same CPU. GOGC, when set, wins.
			if os.Getenv("GOGC") == "" {
				defer debug.SetGCPercent(debug.SetGCPercent(50))
			}
			// The study is read as it is analysed, never loaded whole. Bad study files are
			// a failure (exit 1), not a usage error: the command was called right, its
			// input is wrong.
			res, err := analysis.AnalyzeStudyDir(args[0], cfg, prepare)
			if err != nil {
				return fmt.Errorf("analyze: %w", err)
			}
			set.Regraded, set.KeptGrade = int(regraded.Load()), int(unchanged.Load())
			doc, err := studyreport.Document(set, res, cfg)
			if err != nil {
				return fmt.Errorf("analyze: %w", err)
			}
			statsDoc := studyreport.Stats{Settings: set, Study: res}
			kept, err := report.Replace(out, doc, statsDoc)
			if err != nil {
				var oe *report.OutputError
				if errors.As(err, &oe) {
					return usageErrorf("analyze: --out: %v", err)
				}
				return fmt.Errorf("analyze: %w", err)
			}
			w := cmd.OutOrStdout()
			fmt.Fprint(w, studyreport.Summary(res))
			_, err = fmt.Fprintf(w, "report written to %s (report.md, report.html, stats.json, tables/, figures/)\n%s", out, keptText(kept))
			return err
		},
	}
	f := cmd.Flags()
	f.StringVar(&out, "out", "out", "folder to write the report to (replaced when complete)")
	f.StringVar(&baseline, "baseline", def.Baseline, `SSL Pulse month of Test 1, YYYY-MM (2016-01 … 2019-12, or a month of --baseline-pulse), or "none"`)
	f.StringVar(&pulseFile, "baseline-pulse", "", "CSV of more SSL Pulse months, in the embedded series' format, merged with it")
	f.StringVar(&refFile, "baseline-results", "", "results.jsonl of a reference population probed or imported with this toolkit: Test 1 with a known N")
	f.StringVar(&pulseN, "pulse-n", strconv.Itoa(def.PulseN), "assumed number of SSL Pulse sites for Test 1's 2 × 2 tests")
	f.StringVar(&criteria, "criteria", "", "regrade every result under this SSL Labs criteria version (2009n, 2009q, 2009r)")
	f.StringVar(&trust, "trust", string(analysis.TrustBelow), "how grades T and M count: below (below A), ignore (grade with trust ignored), exclude")
	f.StringVar(&adjust, "adjust", "holm", "multiple-testing correction: "+methodNames())
	addFisherFlags(cmd, &fc)
	return cmd
}

func methodNames() string {
	var names []string
	for _, m := range stats.Methods() {
		names = append(names, strings.ToLower(m.String()))
	}
	return strings.Join(names, ", ")
}
