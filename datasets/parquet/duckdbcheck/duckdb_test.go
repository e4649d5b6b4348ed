package duckdbcheck

import (
	"database/sql"
	"path/filepath"
	"testing"

	_ "github.com/duckdb/duckdb-go/v2"

	"github.com/mhealthsec/mhealthsec/analysis"
	"github.com/mhealthsec/mhealthsec/datasets"
	"github.com/mhealthsec/mhealthsec/datasets/parquet"
	"github.com/mhealthsec/mhealthsec/internal/bigstudy"
)

// TestDuckDBCountsMatchAnalyze exports the sample study and a generated one, and checks
// DuckDB's counts of the files against analyze's: apps per platform, server rows, distinct
// endpoints, and per category the rows, graded, below A, errors, rows without a result and
// plain-HTTP rows, and the letters; plus one suite row per accepted suite.
func TestDuckDBCountsMatchAnalyze(t *testing.T) {
	big := t.TempDir()
	if err := bigstudy.Write(big, 300, 3000); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, dir string }{{"sample", "../../sample"}, {"bigstudy", big}} {
		t.Run(tc.name, func(t *testing.T) {
			st, err := datasets.LoadStudy(tc.dir)
			if err != nil {
				t.Fatal(err)
			}
			for _, trust := range []analysis.TrustPolicy{analysis.TrustBelow, analysis.TrustIgnore, analysis.TrustExclude} {
				out := filepath.Join(t.TempDir(), string(trust))
				if _, err := parquet.Write(out, st, trust); err != nil {
					t.Fatal(err)
				}
				res, err := analysis.AnalyzeStudy(st, analysis.StudyConfig{Trust: trust})
				if err != nil {
					t.Fatal(err)
				}
				compare(t, out, st, res)
			}
		})
	}
}

func compare(t *testing.T, dir string, st *datasets.Study, res *analysis.StudyResult) {
	t.Helper()
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	file := func(name string) string { return "'" + filepath.Join(dir, name) + "'" }
	one := func(q string, args ...any) int {
		t.Helper()
		var n int
		if err := db.QueryRow(q, args...).Scan(&n); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return n
	}

	if n := one("SELECT count(*) FROM " + file(parquet.AppsFile)); n != res.Apps {
		t.Errorf("apps: duckdb %d, analyze %d", n, res.Apps)
	}
	for platform, want := range res.AppsBy {
		if n := one("SELECT count(*) FROM "+file(parquet.AppsFile)+" WHERE platform = ?", platform); n != want {
			t.Errorf("apps on %s: duckdb %d, analyze %d", platform, n, want)
		}
	}
	// analyze counts rows of known apps; rows of unknown apps are counted apart.
	if n := one("SELECT count(*) FROM " + file(parquet.ServersFile)); n != res.Rows+res.UnknownApps {
		t.Errorf("server rows: duckdb %d, analyze %d + %d of unknown apps", n, res.Rows, res.UnknownApps)
	}
	if n := one("SELECT count(DISTINCT (endpoint, scheme)) FROM " + file(parquet.ServersFile)); n != res.Endpoints {
		t.Errorf("distinct endpoints: duckdb %d, analyze %d", n, res.Endpoints)
	}
	for _, c := range res.Categories {
		var rows, graded, below, errs, noResult, plain, excluded int
		err := db.QueryRow(`SELECT count(*), count(*) FILTER (status = 'graded'), count(*) FILTER (below_a),
			count(*) FILTER (status = 'error'), count(*) FILTER (status = 'no_result'),
			count(*) FILTER (status = 'plain_http'), count(*) FILTER (status = 'trust_excluded')
			FROM `+file(parquet.ServersFile)+` WHERE category = ?`, c.Category).
			Scan(&rows, &graded, &below, &errs, &noResult, &plain, &excluded)
		if err != nil {
			t.Fatal(err)
		}
		wantBelow := 0
		if c.BelowA != nil {
			wantBelow = c.BelowA.Count
		}
		if rows != c.Rows || graded != c.Graded || below != wantBelow || errs != c.Errors || noResult != c.NoResult ||
			plain != c.PlainHTTP || excluded != c.Excluded {
			t.Errorf("%s: duckdb rows %d graded %d below %d errors %d no_result %d plain %d excluded %d; analyze %d %d %d %d %d %d %d",
				c.Category, rows, graded, below, errs, noResult, plain, excluded,
				c.Rows, c.Graded, wantBelow, c.Errors, c.NoResult, c.PlainHTTP, c.Excluded)
		}
		for letter, want := range c.Grades {
			if n := one("SELECT count(*) FROM "+file(parquet.ServersFile)+" WHERE category = ? AND letter = ?", c.Category, letter); n != want {
				t.Errorf("%s grade %s: duckdb %d, analyze %d", c.Category, letter, n, want)
			}
		}
	}
	suites := 0
	endpoints := map[string]bool{}
	for _, r := range st.Results {
		endpoints[r.Target] = true
	}
	for i := range st.Results {
		suites += len(st.Results[i].Ciphers)
	}
	// results.parquet holds each endpoint's last result; with no endpoint measured twice,
	// that is every line.
	if len(endpoints) == len(st.Results) {
		if n := one("SELECT count(*) FROM " + file(parquet.ResultsFile)); n != len(st.Results) {
			t.Errorf("results: duckdb %d, results.jsonl %d", n, len(st.Results))
		}
		if n := one("SELECT count(*) FROM " + file(parquet.SuitesFile)); n != suites {
			t.Errorf("suites: duckdb %d, results.jsonl %d", n, suites)
		}
	}
	if n := one("SELECT count(*) FROM " + file(parquet.SuitesFile) + " s ANTI JOIN " + file(parquet.ResultsFile) + " r USING (endpoint)"); n != 0 {
		t.Errorf("%d suites without their endpoint in results.parquet", n)
	}
	if n := one("SELECT sum(suites) FROM " + file(parquet.ResultsFile)); n != one("SELECT count(*) FROM "+file(parquet.SuitesFile)) {
		t.Errorf("results.suites adds up to %d, suites.parquet differs", n)
	}
}
