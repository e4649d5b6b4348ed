package studyreport

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mhealthsec/mhealthsec/analysis"
	"github.com/mhealthsec/mhealthsec/analysis/stats"
	"github.com/mhealthsec/mhealthsec/datasets"
)

// studyWithout copies the sample study's apps.csv and servers.csv into a new folder and
// writes results.jsonl as given (nil: no file).
func studyWithout(t *testing.T, results []byte) string {
	t.Helper()
	dir := t.TempDir()
	for _, f := range []string{datasets.AppsFile, datasets.ServersFile} {
		b, err := os.ReadFile(filepath.Join("..", "..", "datasets", "sample", f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if results != nil {
		if err := os.WriteFile(filepath.Join(dir, datasets.ResultsFile), results, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func analyze(t *testing.T, dir string) (*analysis.StudyResult, []string) {
	t.Helper()
	st, err := datasets.LoadStudy(dir)
	if err != nil {
		t.Fatal(err)
	}
	cfg := analysis.StudyConfig{Trust: analysis.TrustBelow, PulseN: 140000, Adjust: stats.Holm}
	r, err := analysis.AnalyzeStudy(st, cfg)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := Document(Settings{StudyDir: dir}, r, cfg)
	if err != nil {
		t.Fatal(err)
	}
	var titles []string
	for _, s := range doc.Sections {
		titles = append(titles, s.Title)
	}
	return r, titles
}

// TestTrustUnknownIsShown: rows whose certificate trust could not be decided are counted
// in the summary, and not mentioned when there are none.
func TestTrustUnknownIsShown(t *testing.T) {
	r, _ := analyze(t, filepath.Join("..", "..", "datasets", "sample"))
	if strings.Contains(Summary(r), "could not be decided") {
		t.Errorf("the sample has no trust-unknown rows, the summary says it has:\n%s", Summary(r))
	}
	r.TrustUnknown = 2
	if s := Summary(r); !strings.Contains(s, "2 rows have a certificate whose trust could not be decided") {
		t.Errorf("summary does not count the trust-unknown rows:\n%s", s)
	}
}

func TestNoResultsIsLoud(t *testing.T) {
	for name, results := range map[string][]byte{"missing": nil, "empty": {}} {
		t.Run(name, func(t *testing.T) {
			r, titles := analyze(t, studyWithout(t, results))
			if !NoResults(r) {
				t.Fatal("NoResults = false for a study without results")
			}
			if titles[0] != "No results" {
				t.Errorf("first section %q, want the no-results warning", titles[0])
			}
			if s := Summary(r); !strings.HasPrefix(s, "WARNING: NO SERVER HAS A RESULT") {
				t.Errorf("summary does not start with the warning:\n%s", s)
			}
		})
	}
	r, titles := analyze(t, filepath.Join("..", "..", "datasets", "sample"))
	if NoResults(r) || titles[0] == "No results" || strings.Contains(Summary(r), "WARNING") {
		t.Error("the sample study, which has results, is reported as having none")
	}
}
