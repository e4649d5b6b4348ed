package main

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func runContingency(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), append([]string{"contingency"}, args...), &out, &errb)
	return code, out.String(), errb.String()
}

// TestContingencyJSON checks the stable keys against R 4.2.2 (chisq.test,
// fisher.test) for the study's big table.
// R's numbers are also in analysis/pulse_test.go on purpose: each layer (the library, the
// command's JSON) is checked against R's printout itself, not against the other.
func TestContingencyJSON(t *testing.T) {
	code, out, stderr := runContingency(t, "--table", "44,247;45912,92630", "--rows", "mhealth,pulse", "--cols", "below_A,A_range", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var v struct {
		Table struct {
			Rows, Cols []string
		}
		Pearson struct{ X2, DF, P float64 }
		Yates   struct{ X2, P float64 }
		G       struct{ G, P float64 }
		Fisher  struct {
			P                    float64
			SampleOddsRatio      struct{ Estimate float64 } `json:"sample_odds_ratio"`
			ConditionalOddsRatio struct{ Method string }    `json:"conditional_odds_ratio"`
		}
		CramersV            float64  `json:"cramers_v"`
		Phi                 float64  `json:"phi"`
		MinExpected         float64  `json:"min_expected"`
		ShareExpectedBelow5 *float64 `json:"share_expected_below_5"`
		Warnings, Dropped   []string
	}
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	for _, c := range []struct {
		name      string
		got, want float64
		tol       float64
	}{
		{"pearson.x2", v.Pearson.X2, 42.577933947460942, 1e-12},
		{"pearson.df", v.Pearson.DF, 1, 0},
		{"pearson.p", v.Pearson.P, 6.7921309564552561e-11, 1e-12},
		{"yates.x2", v.Yates.X2, 41.768113000624339, 1e-12},
		{"yates.p", v.Yates.P, 1.0276579986997069e-10, 1e-12},
		{"g.g", v.G.G, 48.73919290552621, 1e-12},
		{"g.p", v.G.P, 2.9236513398405398e-12, 1e-12},
		{"fisher.p", v.Fisher.P, 5.2334890703349659e-12, 1e-9},
		{"cramers_v", v.CramersV, 0.017512410864250313, 1e-12},
		{"phi", v.Phi, 0.017512410864250313, 1e-12},
		{"min_expected", v.MinExpected, 96.325772690930833, 1e-12},
		{"fisher.sample_odds_ratio.estimate", v.Fisher.SampleOddsRatio.Estimate, 44.0 * 92630 / (247 * 45912), 1e-15},
	} {
		if math.Abs(c.got-c.want) > c.tol*math.Abs(c.want) {
			t.Errorf("%s = %.17g, want %.17g", c.name, c.got, c.want)
		}
	}
	if v.ShareExpectedBelow5 == nil || *v.ShareExpectedBelow5 != 0 {
		t.Errorf("share_expected_below_5 = %v, want 0", v.ShareExpectedBelow5)
	}
	if strings.Join(v.Table.Rows, ",") != "mhealth,pulse" || strings.Join(v.Table.Cols, ",") != "below_A,A_range" {
		t.Errorf("names %v %v", v.Table.Rows, v.Table.Cols)
	}
	if !strings.Contains(v.Fisher.ConditionalOddsRatio.Method, "conditional maximum-likelihood") {
		t.Errorf("conditional odds ratio labelled %q", v.Fisher.ConditionalOddsRatio.Method)
	}
	if v.Warnings == nil || v.Dropped == nil || len(v.Warnings)+len(v.Dropped) != 0 {
		t.Errorf("warnings %v, dropped %v: want empty lists", v.Warnings, v.Dropped)
	}
}

func TestContingencyText(t *testing.T) {
	code, out, stderr := runContingency(t, "--table", "2,15,0;7,9,0", "--cols", "x,y,z")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{
		"Counts (2 x 2, N = 33)",
		"Pearson chi-squared", "X2 = 4.25138", "0.03922",
		"Yates-corrected chi-squared", "X2 = 2.7917", "0.09475",
		"G-test (likelihood ratio)", "Fisher's exact test (two.sided)", "0.05703",
		"sample odds ratio ad/bc", "conditional maximum-likelihood",
		"cells with expected count below 5: 50.0%",
		"Dropped before testing (empty): column z",
		"Warning: Chi-squared approximation may be incorrect",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestContingencyCSV(t *testing.T) {
	path := filepath.Join(t.TempDir(), "counts.csv")
	if err := os.WriteFile(path, []byte("app,below_A,A_range\nmhealth,44,247\npulse,45912,92630\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, stderr := runContingency(t, "--csv", path, "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var v struct {
		Table  struct{ Rows, Cols []string }
		Fisher struct{ P float64 }
	}
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatal(err)
	}
	if strings.Join(v.Table.Rows, ",") != "mhealth,pulse" || strings.Join(v.Table.Cols, ",") != "below_A,A_range" {
		t.Errorf("names %v %v", v.Table.Rows, v.Table.Cols)
	}
	if math.Abs(v.Fisher.P-5.2334890703349659e-12) > 1e-9*5.2e-12 {
		t.Errorf("fisher.p = %v", v.Fisher.P)
	}
}

// TestContingencyBadInput: every malformed table is a one-line error and exit 2.
func TestContingencyBadInput(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.csv")
	if err := os.WriteFile(bad, []byte("a,b\n1,2\n3\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"ragged", []string{"--table", "1,2;3"}, "row 2 has 1 column(s)"},
		{"negative", []string{"--table", "1,-2;3,4"}, "negative"},
		{"not a number", []string{"--table", "1,x;3,4"}, `row 1, column 2: "x" is not a whole number`},
		{"all zero", []string{"--table", "0,0;0,0"}, "all zero"},
		{"single row", []string{"--table", "1,2,3"}, "need at least 2"},
		{"single column", []string{"--table", "1;2;3"}, "need at least 2"},
		{"one non-empty row", []string{"--table", "1,2;0,0"}, "need at least 2"},
		{"no input", nil, "--table"},
		{"both inputs", []string{"--table", "1,2;3,4", "--csv", bad}, "not both"},
		{"wrong names", []string{"--table", "1,2;3,4", "--rows", "a,b,c"}, "3 row names for 2 rows"},
		{"csv ragged", []string{"--csv", bad}, "bad.csv:3"},
		{"csv missing", []string{"--csv", filepath.Join(t.TempDir(), "none.csv")}, "none.csv"},
		{"unknown flag", []string{"--tabel", "1,2;3,4"}, "unknown flag"},
	} {
		code, out, stderr := runContingency(t, tc.args...)
		if code != 2 {
			t.Errorf("%s: exit %d, want 2 (stderr %q)", tc.name, code, stderr)
		}
		if out != "" || strings.Count(strings.TrimSpace(stderr), "\n") != 0 || !strings.Contains(stderr, tc.want) {
			t.Errorf("%s: stdout %q, stderr %q: want one line containing %q", tc.name, out, stderr, tc.want)
		}
	}
}

// TestContingencyFisherTooLarge: beyond the exact test's limits Fisher's p is a
// labelled Monte Carlo estimate saying why; with --replicates -1 the other tests
// still run, text says why Fisher is missing and JSON has fisher: null.
func TestContingencyFisherTooLarge(t *testing.T) {
	table := "1143,1397,1233,1704,1450,1472,1327;1197,1268,1477,1677,1683,1517,1413"
	code, out, stderr := runContingency(t, "--table", table, "--replicates", "2000", "--seed", "5")
	if code != 0 || !strings.Contains(out, "Monte Carlo estimate") || !strings.Contains(out, "of 2000 random tables with these margins (seed 5)") ||
		!strings.Contains(out, "Exact test not run: fisher r x c: table too large for the exact test: total 19958 exceeds limit 10000") {
		t.Errorf("exit %d, stderr %q, output:\n%s", code, stderr, out)
	}
	code, out, stderr = runContingency(t, "--table", table, "--json", "--replicates", "2000")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var mc struct {
		Fisher struct {
			P          float64
			Method     string
			Simulation struct {
				Replicates int
				Hits       int
				CI         struct{ Lo, Hi float64 }
			}
		}
	}
	if err := json.Unmarshal([]byte(out), &mc); err != nil {
		t.Fatal(err)
	}
	// R's chisq.test p is 1.4e-6: no random table should be as extreme.
	if sim := mc.Fisher.Simulation; sim.Replicates != 2000 || sim.Hits != 0 || mc.Fisher.P != 1.0/2001 || sim.CI.Lo != 0 || !(sim.CI.Hi > 0.002) ||
		!strings.Contains(mc.Fisher.Method, "Monte Carlo estimate") {
		t.Errorf("fisher = %+v", mc.Fisher)
	}
	code, out, stderr = runContingency(t, "--table", table, "--replicates", "-1")
	if code != 0 || !strings.Contains(out, "Fisher's exact test not run: total 19958 exceeds the limit 10000") || !strings.Contains(out, "X2 = ") {
		t.Errorf("exit %d, stderr %q, output:\n%s", code, stderr, out)
	}
	code, out, stderr = runContingency(t, "--table", table, "--json", "--replicates", "-1")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var v struct {
		Pearson     struct{ P float64 }
		Fisher      *json.RawMessage
		FisherError string `json:"fisher_error"`
	}
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatal(err)
	}
	// R's chisq.test p for this table (golden table 6).
	const wantP = 1.3598340832995356e-06
	if v.Fisher != nil || !strings.Contains(v.FisherError, "exceeds limit 10000") || math.Abs(v.Pearson.P-wantP) > 1e-12*wantP {
		t.Errorf("fisher %v, fisher_error %q, pearson p %v", v.Fisher, v.FisherError, v.Pearson.P)
	}
	for _, flag := range []string{"--exact-work", "--exact-max-n"} {
		if code, _, _ := runContingency(t, "--table", table, flag, "0"); code != 2 {
			t.Errorf("%s 0: exit %d, want 2", flag, code)
		}
	}
	// Below the table's total the exact test is refused for its size.
	if code, out, _ := runContingency(t, "--table", "3,1,4;1,5,9", "--exact-max-n", "10", "--replicates", "500"); code != 0 ||
		!strings.Contains(out, "Exact test not run: fisher r x c: table too large for the exact test: total 23 exceeds limit 10") {
		t.Errorf("--exact-max-n 10: exit %d:\n%s", code, out)
	}
}

// TestContingencyHelpMatchesREADME: the table in --help is the one the README shows, so the
// two examples cannot drift apart again (they once gave different Pulse counts).
func TestContingencyHelpMatchesREADME(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`mhealthsec contingency --table '([^']+)'`).FindSubmatch(readme)
	if m == nil {
		t.Fatal("README shows no `mhealthsec contingency --table '…'` example")
	}
	code, out, _ := runContingency(t, "--help")
	if code != 0 || !strings.Contains(out, "--table '"+string(m[1])+"'") {
		t.Errorf("exit %d; --help does not show the README's table %q:\n%s", code, m[1], out)
	}
}
