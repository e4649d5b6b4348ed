package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCompareWaves runs compare on the lab study and its generated second wave
// (analysis/testdata/waves); the counts are checked in analysis.
func TestCompareWaves(t *testing.T) {
	t.Parallel()
	out := filepath.Join(t.TempDir(), "cmp")
	old, cur := "../../analysis/testdata/waves/old", "../../analysis/testdata/waves/new"
	code, stdout, stderr := ingestCLI(t, "compare", old, cur, "--out", out)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"19 apps matched (1 only in the old wave, 1 only in the new)", "Apps that got worse: 3",
		"android-01 (Lab fitness app 1 (android)): below_a", "Apps only in the old wave: ios-10", "Servers only in the new wave: android-02 http-only.lab.test, android-11 tls13-only.lab.test"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
	for _, f := range []string{"compare.json", "figures/compare_waves.png", "figures/compare_waves.pdf", "figures/compare_waves.svg"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Errorf("missing %s: %v", f, err)
		}
	}
	code, stdout, _ = ingestCLI(t, "compare", old, cur, "--json")
	var c struct {
		WorseApps []struct {
			AppID string `json:"app_id"`
		} `json:"worse_apps"`
	}
	if code != 0 || json.Unmarshal([]byte(stdout), &c) != nil || len(c.WorseApps) != 3 {
		t.Errorf("--json: exit %d, %+v", code, c)
	}
	if code, _, _ := ingestCLI(t, "compare", old); code != 2 {
		t.Errorf("one wave: exit %d, want 2", code)
	}
	if code, _, stderr := ingestCLI(t, "compare", old, filepath.Join(t.TempDir(), "none")); code != 1 || !strings.Contains(stderr, "none") {
		t.Errorf("missing wave: exit %d, stderr %q", code, stderr)
	}
}
