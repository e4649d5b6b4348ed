package parquet_test

import (
	"path/filepath"
	"strconv"
	"testing"

	pq "github.com/parquet-go/parquet-go"

	"github.com/mhealthsec/mhealthsec/analysis"
	"github.com/mhealthsec/mhealthsec/datasets"
	"github.com/mhealthsec/mhealthsec/datasets/parquet"
)

// TestSampleRoundTrip exports the sample study, reads every file back with parquet-go's
// reader, and checks the rows against the study and against analyze's counts.
func TestSampleRoundTrip(t *testing.T) {
	st, err := datasets.LoadStudy("../sample")
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "out")
	c, err := parquet.Write(dir, st, analysis.TrustBelow)
	if err != nil {
		t.Fatal(err)
	}
	apps, err := pq.ReadFile[parquet.App](filepath.Join(dir, parquet.AppsFile))
	if err != nil {
		t.Fatal(err)
	}
	servers, err := pq.ReadFile[parquet.Server](filepath.Join(dir, parquet.ServersFile))
	if err != nil {
		t.Fatal(err)
	}
	results, err := pq.ReadFile[parquet.Result](filepath.Join(dir, parquet.ResultsFile))
	if err != nil {
		t.Fatal(err)
	}
	suites, err := pq.ReadFile[parquet.Suite](filepath.Join(dir, parquet.SuitesFile))
	if err != nil {
		t.Fatal(err)
	}
	if len(apps) != len(st.Apps) || len(servers) != len(st.Servers) || c.Apps != len(apps) || c.Servers != len(servers) ||
		c.Results != len(results) || c.Suites != len(suites) {
		t.Fatalf("rows: apps %d, servers %d, results %d, suites %d; counts %+v; study %d apps %d servers",
			len(apps), len(servers), len(results), len(suites), c, len(st.Apps), len(st.Servers))
	}
	for i, a := range st.Apps {
		if apps[i].AppID != a.ID || apps[i].Platform != a.Platform || apps[i].Subcategory != a.Subcategory {
			t.Errorf("app %d: %+v, want %+v", i, apps[i], a)
		}
	}

	res, err := analysis.AnalyzeStudy(st, analysis.StudyConfig{Trust: analysis.TrustBelow})
	if err != nil {
		t.Fatal(err)
	}
	type tally struct{ rows, graded, below, errs, noResult, plain int }
	got := map[string]*tally{}
	for _, s := range servers {
		g := got[s.Category]
		if g == nil {
			g = &tally{}
			got[s.Category] = g
		}
		g.rows++
		switch s.Status {
		case analysis.StatusGraded:
			g.graded++
			if s.Letter == nil || s.BelowA == nil {
				t.Errorf("%s %s: graded without letter or below_a", s.AppID, s.Endpoint)
			} else if *s.BelowA {
				g.below++
			}
		case analysis.StatusError:
			g.errs++
		case analysis.StatusNoResult, analysis.StatusPlainHTTP:
			if s.Status == analysis.StatusNoResult {
				g.noResult++
			} else {
				g.plain++
			}
			// Nothing was measured: every fact is null, none is false.
			if s.Letter != nil || s.BelowA != nil || s.TLS13 != nil || s.HSTS != nil || s.Vulnerable != nil {
				t.Errorf("%s %s (%s): facts not null: %+v", s.AppID, s.Endpoint, s.Status, s.Facts)
			}
		}
	}
	checked := 0
	for _, cg := range res.Categories {
		if cg.Rows == 0 {
			continue
		}
		g := got[cg.Category]
		below := 0
		if cg.BelowA != nil {
			below = cg.BelowA.Count
		}
		if g == nil || g.rows != cg.Rows || g.graded != cg.Graded || g.below != below || g.errs != cg.Errors ||
			g.noResult != cg.NoResult || g.plain != cg.PlainHTTP {
			t.Errorf("%s: parquet %+v, analyze rows %d graded %d below %d errors %d no result %d plain %d",
				cg.Category, g, cg.Rows, cg.Graded, below, cg.Errors, cg.NoResult, cg.PlainHTTP)
		}
		checked++
	}
	if checked < 2 {
		t.Errorf("only %d categories with rows; the sample should exercise more", checked)
	}

	// Results: one per endpoint, suites add up, nulls stay null.
	seen := map[string]bool{}
	suiteSum := 0
	for _, r := range results {
		if seen[r.Endpoint] {
			t.Errorf("%s twice in results.parquet", r.Endpoint)
		}
		seen[r.Endpoint] = true
		suiteSum += int(r.Suites)
		if r.ErrorKind != nil && r.Grade != nil {
			t.Errorf("%s: error %s and grade %s", r.Endpoint, *r.ErrorKind, *r.Grade)
		}
	}
	if suiteSum != len(suites) {
		t.Errorf("results count %d suites, suites.parquet has %d", suiteSum, len(suites))
	}
}

func TestWriteNoStudy(t *testing.T) {
	if _, err := parquet.Write(t.TempDir(), nil, ""); err == nil {
		t.Fatal("no error for a nil study")
	}
}

// TestTrustUnknownIsNull: a certificate whose trust could not be decided is written with
// cert_trusted null, and the certificate-problem finding of its servers is null too (not
// known either way), while a decided one stays true or false.
func TestTrustUnknownIsNull(t *testing.T) {
	st, err := datasets.LoadStudy("../sample")
	if err != nil {
		t.Fatal(err)
	}
	var key string
	for i := range st.Results {
		r := &st.Results[i]
		if c := r.Certificate; c != nil && c.Trusted != nil && *c.Trusted && c.HostnameMatch && !c.Expired && !c.NotYetValid && !c.SelfSigned {
			c.Trusted, r.Grade = nil, nil
			key = r.Host + ":" + strconv.Itoa(r.Port)
			break
		}
	}
	if key == "" {
		t.Fatal("the sample has no sound certificate to make unknown")
	}
	dir := filepath.Join(t.TempDir(), "out")
	if _, err := parquet.Write(dir, st, analysis.TrustBelow); err != nil {
		t.Fatal(err)
	}
	results, err := pq.ReadFile[parquet.Result](filepath.Join(dir, parquet.ResultsFile))
	if err != nil {
		t.Fatal(err)
	}
	servers, err := pq.ReadFile[parquet.Server](filepath.Join(dir, parquet.ServersFile))
	if err != nil {
		t.Fatal(err)
	}
	decided := 0
	for _, r := range results {
		switch {
		case r.Endpoint == key && r.CertTrusted != nil:
			t.Errorf("%s: cert_trusted %v, want null", key, *r.CertTrusted)
		case r.Endpoint != key && r.CertTrusted != nil:
			decided++
		}
	}
	if decided == 0 {
		t.Error("no result with cert_trusted set: the column lost its values")
	}
	rows := 0
	for _, s := range servers {
		if s.Endpoint == key && s.Scheme == datasets.SchemeHTTPS {
			rows++
			if s.CertProblem != nil {
				t.Errorf("%s of %s: finding_certificate_problem %v, want null", key, s.AppID, *s.CertProblem)
			}
		}
	}
	if rows == 0 {
		t.Errorf("no servers.parquet row for %s", key)
	}
}
