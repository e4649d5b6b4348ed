package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestAnalyzeSample runs the README's analyze command on the sample study and checks the
// headline numbers in stats.json (the full hand count is analysis/study_test.go).
func TestAnalyzeSample(t *testing.T) {
	t.Parallel()
	out := filepath.Join(t.TempDir(), "report")
	code, stdout, stderr := ingestCLI(t, "analyze", "../../datasets/sample", "--out", out)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "functional servers below A: 5/14") {
		t.Errorf("stdout = %s", stdout)
	}
	for _, f := range []string{"report.md", "report.html", "stats.json", "tables/findings_positive.csv", "tables/test2.tex", "figures/test2_groups.png", "figures/pulse_comparison.pdf"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Errorf("missing %s: %v", f, err)
		}
	}
	b, err := os.ReadFile(filepath.Join(out, "stats.json"))
	if err != nil {
		t.Fatal(err)
	}
	var s struct {
		Settings struct {
			Baseline string `json:"baseline"`
			PulseN   int    `json:"pulse_n"`
		} `json:"settings"`
		Study struct {
			FunctionalBelowA struct{ Count, Total int } `json:"functional_below_a"`
			Unprobed         []struct{ Host string }    `json:"unprobed"`
		} `json:"study"`
	}
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	if s.Settings.Baseline != "2018-01" || s.Settings.PulseN != 140000 || s.Study.FunctionalBelowA.Count != 5 || s.Study.FunctionalBelowA.Total != 14 ||
		len(s.Study.Unprobed) != 1 {
		t.Errorf("stats.json = %+v", s)
	}

	// The report itself: what a reader of the sample's report must be told. Both Test 2
	// tables have 5 functional servers below A of 14 and groups of 7, so the smallest
	// expected count is 7 × 5 / 14 = 2.5; the Pulse whisker exists only by the assumed N.
	md, err := os.ReadFile(filepath.Join(out, "report.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"| 2.5 |", "smallest expected count 2.5 < 5",
		"| international vs German-only | international: 0/7 ", "| Android vs iOS | Android: 3/7 ",
		"1 row has no result and 1 row has an error",
		"T and M (trust, name mismatch) count as below A",
		"The Pulse interval assumes N = 140,000 sites",
		"| dev.pillpal.example | 443 | functional | no result for this host and port in results.jsonl |",
		// Assumptions and a methods paragraph from this run's settings (47 rows, 23 endpoints).
		"## Assumptions", "The 47 rows name 23 distinct endpoints", "assume N = 140,000 Pulse sites (--pulse-n)",
		"## Methods", "adjusted for multiple testing with Holm's method",
	} {
		if !strings.Contains(string(md), want) {
			t.Errorf("report.md lacks %q", want)
		}
	}
	if svg, err := os.ReadFile(filepath.Join(out, "figures", "pulse_comparison.svg")); err != nil || !strings.Contains(string(svg), "N = 140,000 assumed") {
		t.Errorf("pulse_comparison.svg does not name the assumed Pulse N (err %v)", err)
	}

	// Trust ignored and a regrade run too (the regrade's numbers depend on the grader).
	code, stdout, stderr = ingestCLI(t, "analyze", "../../datasets/sample", "--out", out, "--trust", "ignore", "--baseline", "none")
	if code != 0 || !strings.Contains(stdout, "functional servers below A: 4/14") {
		t.Errorf("--trust ignore: exit %d\n%s%s", code, stdout, stderr)
	}
	// The report names the adjustment and its family as this run had them.
	if code, _, stderr = ingestCLI(t, "analyze", "../../datasets/sample", "--out", out, "--baseline", "none", "--adjust", "bonferroni"); code != 0 {
		t.Errorf("--adjust bonferroni: exit %d: %s", code, stderr)
	} else if md, err := os.ReadFile(filepath.Join(out, "report.md")); err != nil ||
		!strings.Contains(string(md), "Bonferroni adjustment (--adjust) across the Test 2 comparisons (Test 1 was not run)") ||
		strings.Contains(string(md), "assumed Pulse") {
		t.Errorf("--baseline none --adjust bonferroni: report does not state the adjustment and its family (err %v)", err)
	}
	if code, _, stderr = ingestCLI(t, "analyze", "../../datasets/sample", "--out", out, "--criteria", "2009q"); code != 0 {
		t.Errorf("--criteria 2009q: exit %d: %s", code, stderr)
	}
}

func TestAnalyzeBadInput(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "apps.csv"), []byte("app_id,name,platform,availability,subcategory\nx,X,windows,de_only,fit\n"), 0o644)
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"analyze", "../../datasets/sample", "--baseline", "2030-01"}, "--baseline"},
		{[]string{"analyze", "../../datasets/sample", "--trust", "maybe"}, "--trust"},
		{[]string{"analyze", "../../datasets/sample", "--criteria", "2001a"}, "--criteria"},
		{[]string{"analyze", "../../datasets/sample", "--adjust", "magic"}, "--adjust"},
		{[]string{"analyze", "../../datasets/sample", "--pulse-n", "0"}, "--pulse-n"},
	}
	for _, tt := range tests {
		code, _, stderr := ingestCLI(t, tt.args...)
		if code != 2 || !strings.Contains(stderr, tt.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", tt.args, code, stderr, tt.want)
		}
	}
	// A bad study file is a failure (1), not a usage error, and names file and line.
	code, _, stderr := ingestCLI(t, "analyze", dir, "--out", filepath.Join(dir, "o"))
	if code != 1 || !strings.Contains(stderr, "apps.csv:2") {
		t.Errorf("bad apps.csv: exit %d, stderr %q; want 1 and %q", code, stderr, "apps.csv:2")
	}
}

// TestReadmeSampleIngest runs the README's ingest commands on the sample captures: each
// gives exactly its app's rows of the sample servers.csv.
func TestReadmeSampleIngest(t *testing.T) {
	want, err := os.ReadFile("../../datasets/sample/servers.csv")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(want)), "\n")
	for _, tc := range []struct{ format, file, app string }{{"pcap", "a01.pcapng", "a01"}, {"har", "a12.har", "a12"}} {
		code, stdout, stderr := ingestCLI(t, "ingest", tc.format, "../../datasets/sample/captures/"+tc.file, "--app", tc.app,
			"--apps", "../../datasets/sample/apps.csv", "--rules", "../../datasets/sample/rules.txt")
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", tc.file, code, stderr)
		}
		var wantRows []string
		for _, l := range lines[1:] {
			if strings.HasPrefix(l, tc.app+",") {
				wantRows = append(wantRows, l)
			}
		}
		got := strings.Split(strings.TrimSpace(stdout), "\n")
		if got[0] != "app_id,host,port,scheme,category,classified_by" {
			t.Errorf("%s header = %q", tc.file, got[0])
		}
		var gotRows []string
		for _, l := range got[1:] {
			gotRows = append(gotRows, l[:strings.LastIndex(l, ",")]) // drop classified_by
		}
		if strings.Join(gotRows, "\n") != strings.Join(wantRows, "\n") {
			t.Errorf("%s:\n got %q\nwant %q", tc.file, gotRows, wantRows)
		}
	}
}
