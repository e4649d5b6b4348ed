package analysis

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mhealthsec/mhealthsec/analysis/stats"
	"github.com/mhealthsec/mhealthsec/datasets"
	"github.com/mhealthsec/mhealthsec/probe/clientsim"
	"github.com/mhealthsec/mhealthsec/probe/result"
)

// AnalyzeStudyDir, which streams the folder, gives what LoadStudy and AnalyzeStudy give,
// under every trust policy, with and without a reference population.
func TestAnalyzeStudyDirMatchesAnalyzeStudy(t *testing.T) {
	big := t.TempDir()
	writeBigStudy(t, big, 40, 2000)
	ref, err := LoadReference("testdata/waves/old/results.jsonl", TrustBelow)
	if err != nil {
		t.Fatal(err)
	}
	dirs := []string{"../datasets/sample", "../datasets/testdata/study", "testdata/waves/old", "testdata/waves/new", big}
	for _, dir := range dirs {
		for _, cfg := range []StudyConfig{
			{Trust: TrustBelow, Baseline: baseline(t), PulseN: 140000, Adjust: stats.Holm},
			{Trust: TrustIgnore, Adjust: stats.Bonferroni, Reference: ref},
			{Trust: TrustExclude, Baseline: baseline(t), PulseN: 1000, Adjust: stats.Holm},
		} {
			st, err := datasets.LoadStudy(dir)
			if err != nil {
				t.Fatal(err)
			}
			want, err := AnalyzeStudy(st, cfg)
			if err != nil {
				t.Fatal(err)
			}
			got, err := AnalyzeStudyDir(dir, cfg, nil)
			if err != nil {
				t.Fatalf("%s: %v", dir, err)
			}
			// As JSON, as stats.json has it (DeepEqual would tell NaN from NaN).
			gj, err := json.Marshal(got)
			if err != nil {
				t.Fatal(err)
			}
			wj, err := json.Marshal(want)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(gj, wj) {
				t.Errorf("%s, trust %s: AnalyzeStudyDir differs from AnalyzeStudy:\n got %s\nwant %s", dir, cfg.Trust, gj, wj)
			}
		}
	}
}

// A bad study folder gives AnalyzeStudyDir the error LoadStudy gives, naming file and line.
func TestAnalyzeStudyDirRefusesAsLoadStudy(t *testing.T) {
	dir := t.TempDir()
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join("../datasets/sample", name))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	servers := read(datasets.ServersFile)
	lines := strings.SplitAfter(servers, "\n")
	files := map[string]string{
		datasets.AppsFile:    read(datasets.AppsFile),
		datasets.ServersFile: servers + lines[1],
		datasets.ResultsFile: `{"host":"x.example","port":"443"}` + "\n{\n",
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	_, want := datasets.LoadStudy(dir)
	_, got := AnalyzeStudyDir(dir, StudyConfig{}, nil)
	if want == nil || got == nil || got.Error() != want.Error() {
		t.Fatalf("AnalyzeStudyDir error %v, want LoadStudy's %v", got, want)
	}
	for _, part := range []string{"servers.csv:", "results.jsonl:1", "results.jsonl:2"} {
		if !strings.Contains(got.Error(), part) {
			t.Errorf("error does not name %s: %v", part, got)
		}
	}
}

// prepare sees every result before it is counted.
func TestAnalyzeStudyDirPrepare(t *testing.T) {
	cfg := StudyConfig{Trust: TrustBelow}
	res, err := AnalyzeStudyDir("../datasets/sample", cfg, func(r *result.Result) {
		if r.Grade != nil {
			r.Grade.Letter = "F"
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range res.Categories {
		if c.Graded != c.Grades["F"] {
			t.Errorf("category %s: grades %v, want all F", c.Category, c.Grades)
		}
	}
	if res.FunctionalBelowA == nil || res.FunctionalBelowA.Count != res.FunctionalBelowA.Total {
		t.Errorf("functional below A %+v, want all", res.FunctionalBelowA)
	}
}

// The simulation masks of resultFacts hold a bit per client.
func TestSimClientsFitMasks(t *testing.T) {
	if n := len(clientsim.Clients()); n > maxSimClients {
		t.Fatalf("%d simulated clients, the masks hold %d", n, maxSimClients)
	}
}
