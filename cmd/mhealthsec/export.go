package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/mhealthsec/mhealthsec/analysis"
	"github.com/mhealthsec/mhealthsec/datasets"
	"github.com/mhealthsec/mhealthsec/datasets/parquet"
)

func newExportCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "export",
		Short: "Write a study folder in formats other tools read",
	}
	cmd.AddCommand(newExportParquetCmd())
	return cmd
}

func newExportParquetCmd() *cobra.Command {
	var out, trust string
	cmd := &cobra.Command{
		Use:   "parquet STUDY --out DIR",
		Short: "Write a study as Parquet files (apps, servers, results, suites) for DuckDB, pandas, Polars, R arrow, Spark",
		Long: `export parquet reads a study folder (apps.csv, servers.csv, results.jsonl) as analyze does
and writes four Parquet files (zstd) into DIR:

  apps.parquet     one row per app
  servers.parquet  one row per servers.csv row, with the facts analyze counts for it
                   (status, letter, below_a, finding_*) under --trust
  results.parquet  one row per endpoint (its last result, as analyze uses), flattened:
                   grade, protocols, certificate, HSTS, every vulnerability check, facts
  suites.parquet   one row per accepted cipher suite of those results

Join on app_id and endpoint ("host:port"). What was not measured is null, never false.
Columns: docs/parquet.md. The four files replace those in DIR only once all are written.`,
		Example: `  mhealthsec export parquet study --out study/parquet
  duckdb -c "SELECT category, count(*) FILTER (below_a) AS below_a, count(below_a) AS graded
             FROM 'study/parquet/servers.parquet' GROUP BY category"`,
		Args: usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				return usageErrorf("export parquet: --out DIR is required")
			}
			tp, err := analysis.ParseTrustPolicy(trust)
			if err != nil {
				return usageErrorf("export parquet: --trust: %v", err)
			}
			st, err := datasets.LoadStudy(args[0])
			if err != nil {
				return fmt.Errorf("export parquet: %w", err)
			}
			c, err := parquet.Write(out, st, tp)
			if err != nil {
				return fmt.Errorf("export parquet: %w", err)
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "export parquet: %d apps, %d server rows, %d endpoints, %d suites written to %s\n",
				c.Apps, c.Servers, c.Results, c.Suites, out)
			return nil
		},
	}
	cmd.Flags().StringVar(&out, "out", "", "folder of the Parquet files (created if missing)")
	cmd.Flags().StringVar(&trust, "trust", string(analysis.TrustBelow), "how grades T and M count in the facts columns: below, ignore, exclude (as analyze)")
	return cmd
}
