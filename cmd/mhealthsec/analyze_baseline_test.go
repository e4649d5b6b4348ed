package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestAnalyzeBaselines: --baseline-pulse adds months --baseline then accepts, and
// --baseline-results adds Test 1 against a reference population, named in the
// report with its size, dates and criteria; bad files are refused by file and line.
func TestAnalyzeBaselines(t *testing.T) {
	t.Parallel()
	out := filepath.Join(t.TempDir(), "report")
	code, _, stderr := ingestCLI(t, "analyze", "../../datasets/sample", "--out", out,
		"--baseline-pulse", "../../datasets/testdata/ssl_pulse_2015.csv", "--baseline", "2015-06",
		"--baseline-results", "../../analysis/testdata/waves/old/results.jsonl")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	b, err := os.ReadFile(filepath.Join(out, "report.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"against SSL Pulse 2015-06 (81.17% below A)",
		"Test 1 against a reference population: ../../analysis/testdata/waves/old/results.jsonl, 37 results (36 graded",
		"under criteria 2009r", "2 × 2 with both N known: Pearson χ² = 5.702"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("report lacks %q", want)
		}
	}
	if code, _, _ := ingestCLI(t, "analyze", "../../datasets/sample", "--out", out, "--baseline", "2015-06"); code != 2 {
		t.Errorf("2015-06 without --baseline-pulse: exit %d, want 2", code)
	}
	dir := t.TempDir()
	bad := filepath.Join(dir, "pulse.csv")
	if err := os.WriteFile(bad, []byte("date_utc,unix_x,A+,A,A-,B,C,D,E,F,a_range,below_a\n2020-01-15,,10,40,5,20,10,0,0,25,55,55\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr = ingestCLI(t, "analyze", "../../datasets/sample", "--out", out, "--baseline-pulse", bad)
	if code != 1 || !strings.Contains(stderr, bad+":2: 2020-01: grades sum to 110.00") {
		t.Errorf("bad pulse file: exit %d, stderr %q", code, stderr)
	}
	dup := filepath.Join(dir, "dup.csv")
	if err := os.WriteFile(dup, []byte("date_utc,unix_x,A+,A,A-,B,C,D,E,F,a_range,below_a\n2018-01-15,,10,40,5,20,10,0,0,15,55,45\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr = ingestCLI(t, "analyze", "../../datasets/sample", "--out", out, "--baseline-pulse", dup)
	if code != 1 || !strings.Contains(stderr, dup+":2: month 2018-01 is already in the series") {
		t.Errorf("duplicate month: exit %d, stderr %q", code, stderr)
	}
	badRes := filepath.Join(dir, "ref.jsonl")
	if err := os.WriteFile(badRes, []byte("{\"host\":\"a\",\"port\":443}\n{\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr = ingestCLI(t, "analyze", "../../datasets/sample", "--out", out, "--baseline-results", badRes)
	if code != 1 || !strings.Contains(stderr, badRes+":2") {
		t.Errorf("bad reference file: exit %d, stderr %q", code, stderr)
	}
}
