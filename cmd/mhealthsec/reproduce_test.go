package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func runReproduce(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), append([]string{"reproduce"}, args...), &out, &errb)
	return code, out.String(), errb.String()
}

// readTree returns every file under dir by relative path.
func readTree(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		rel, _ := filepath.Rel(dir, path)
		files[rel] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func TestReproduceWritesIdenticalReports(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	// The two runs at once: half the wall time on two cores, and any state the runs shared
	// would show as a difference.
	type outcome struct {
		code           int
		stdout, stderr string
	}
	runs := make([]outcome, 2)
	var wg sync.WaitGroup
	for i, out := range []string{a, b} {
		wg.Go(func() {
			r := &runs[i]
			r.code, r.stdout, r.stderr = runReproduce(t, "--out", out)
		})
	}
	wg.Wait()
	for _, r := range runs {
		if r.code != 0 {
			t.Fatalf("exit %d: %s", r.code, r.stderr)
		}
		if !strings.Contains(r.stdout, "26 published numbers:") || !strings.Contains(r.stdout, "functional_below_a") {
			t.Errorf("scorecard not printed:\n%s", r.stdout)
		}
	}
	fa, fb := readTree(t, a), readTree(t, b)
	for _, want := range []string{
		"report.md", "report.html", "stats.json",
		"tables/scorecard.csv", "tables/scorecard.md", "tables/scorecard.tex",
		"tables/intl_vs_de_candidates.csv", "tables/pulse_by_month.csv", "tables/pulse_sensitivity.csv",
		"figures/pulse_comparison.png", "figures/pulse_series.svg", "figures/intl_vs_de_landscape.pdf",
		"figures/table5.png", "figures/app_findings.pdf", "figures/pulse_by_month_p.svg",
	} {
		if _, ok := fa[want]; !ok {
			t.Errorf("missing %s", want)
		}
	}
	if len(fa) != len(fb) {
		t.Fatalf("runs wrote %d and %d files", len(fa), len(fb))
	}
	for name, data := range fa {
		if !bytes.Equal(data, fb[name]) {
			t.Errorf("%s differs between two runs", name)
		}
	}

	// The report's numbers, read back from the files, against values computed outside the
	// code: R 4.2.2 for the Wilson interval of 44/291 (analysis/stats/testdata/contingency.json), exact rational
	// arithmetic in Python for the tests and the enumeration counts.
	var stats struct {
		Tests struct {
			Pulse struct {
				Study struct {
					CI struct{ Lo, Hi float64 }
				}
				GOF struct {
					ChiSquare struct{ Statistic, P float64 } `json:"chi_square"`
					Binomial  struct{ P float64 }
				} `json:"gof"`
				Independence struct {
					Pearson struct{ Statistic, P float64 }
					Yates   struct{ Statistic, P float64 }
					Fisher  struct{ P float64 }
				}
			}
			IntlVsDE struct {
				Candidates int
				Feasible   []struct {
					Test  string
					Count int
				}
			} `json:"intl_vs_de"`
		}
	}
	if err := json.Unmarshal(fa["stats.json"], &stats); err != nil {
		t.Fatal(err)
	}
	p := stats.Tests.Pulse
	for _, c := range []struct {
		name      string
		got, want float64
	}{
		{"wilson lo", p.Study.CI.Lo, 0.11460370258279744},
		{"wilson hi", p.Study.CI.Hi, 0.1968906821894163},
		{"gof x2", p.GOF.ChiSquare.Statistic, 52.24386548117942},
		{"gof p", p.GOF.ChiSquare.P, 4.901883108786264e-13},
		{"binomial p", p.GOF.Binomial.P, 1.6332494501206727e-14},
		{"pearson x2", p.Independence.Pearson.Statistic, 52.16357445695328},
		{"yates x2", p.Independence.Yates.Statistic, 51.28071167059773},
		{"fisher p", p.Independence.Fisher.P, 1.567525731124742e-14},
	} {
		if math.Abs(c.got-c.want) > 1e-6*math.Abs(c.want) {
			t.Errorf("stats.json %s = %.17g, want %.17g", c.name, c.got, c.want)
		}
	}
	if stats.Tests.IntlVsDE.Candidates != 11158 {
		t.Errorf("candidates = %d, want 11158", stats.Tests.IntlVsDE.Candidates)
	}
	want := map[string]int{"pearson": 88, "yates": 91, "fisher": 91, "any": 205}
	for _, f := range stats.Tests.IntlVsDE.Feasible {
		if f.Count != want[f.Test] {
			t.Errorf("feasible %s = %d, want %d", f.Test, f.Count, want[f.Test])
		}
	}
	md := string(fa["report.md"])
	for _, s := range []string{"15.1%, 95% Wilson CI 11.5–19.7%", "35.38%", "ASSUMPTION — 140,000 Pulse sites", "## Not published", "## Methods"} {
		if !strings.Contains(md, s) {
			t.Errorf("report.md lacks %q", s)
		}
	}
}

func TestReproduceBadInput(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(dir, "thesis")
	os.Mkdir(other, 0o755)
	os.WriteFile(filepath.Join(other, "chapter1.tex"), []byte("x"), 0o644)
	out := filepath.Join(dir, "out")
	for name, c := range map[string]struct {
		args []string
		want string
	}{
		"unknown month":     {[]string{"--baseline", "2030-01", "--out", out}, "available months: 2016-01"},
		"malformed month":   {[]string{"--baseline", "jan", "--out", out}, "available months: 2016-01"},
		"pulse-n word":      {[]string{"--pulse-n", "many", "--out", out}, "not a positive whole number"},
		"pulse-n zero":      {[]string{"--pulse-n", "0", "--out", out}, "not a positive whole number"},
		"pulse-n negative":  {[]string{"--pulse-n", "-5", "--out", out}, "not a positive whole number"},
		"pulse-n fraction":  {[]string{"--pulse-n", "1.5", "--out", out}, "not a positive whole number"},
		"out under a file":  {[]string{"--out", filepath.Join(file, "out")}, "--out"},
		"out is a file":     {[]string{"--out", file}, "not a folder"},
		"out is other work": {[]string{"--out", other}, "refusing to replace"},
		"positional":        {[]string{"extra", "--out", out}, "unknown command"},
	} {
		code, stdout, stderr := runReproduce(t, c.args...)
		if code != 2 {
			t.Errorf("%s: exit %d, want 2 (stderr %q)", name, code, stderr)
		}
		if lines := strings.Count(strings.TrimRight(stderr, "\n"), "\n"); lines != 0 {
			t.Errorf("%s: %d lines on stderr, want one: %q", name, lines+1, stderr)
		}
		if !strings.Contains(stderr, c.want) {
			t.Errorf("%s: stderr %q lacks %q", name, stderr, c.want)
		}
		if stdout != "" {
			t.Errorf("%s: printed %q", name, stdout)
		}
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("a failed run left an output folder")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 {
		t.Errorf("failed runs left files beside --out: %v", entries)
	}
	if b, _ := os.ReadFile(filepath.Join(other, "chapter1.tex")); string(b) != "x" {
		t.Error("other work was touched")
	}
}

func FuzzParsePositive(f *testing.F) {
	for _, s := range []string{"140000", "0", "-1", "1.5", "1e5", " 7 ", "", "abc", "99999999999999999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := parsePositive(s)
		if err == nil && n < 1 {
			t.Fatalf("parsePositive(%q) = %d without error", s, n)
		}
		if err != nil && n != 0 {
			t.Fatalf("parsePositive(%q) = %d with error %v", s, n, err)
		}
	})
}
