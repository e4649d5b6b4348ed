package analysis

import (
	"testing"
)

func studySplit() InverseSplitConfig {
	return InverseSplitConfig{Total: 291, Below: 44, PLo: 0.025, PHi: 0.035}
}

func TestInverseSplitEnumeratesEveryTable(t *testing.T) {
	cands, err := InverseSplit(studySplit())
	if err != nil {
		t.Fatal(err)
	}
	// Counted independently: (n, k) with 1 ≤ n ≤ 290, 0 ≤ k ≤ 44, k ≤ n, 44 − k ≤ 291 − n.
	if len(cands) != 11158 {
		t.Errorf("%d candidate tables, want 11158", len(cands))
	}
	seen := map[[2]int]bool{}
	for i, c := range cands {
		if c.NDE+c.NIntl != 291 || c.KDE+c.KIntl != 44 || c.KDE > c.NDE || c.KIntl > c.NIntl || c.KDE < 0 || c.KIntl < 0 {
			t.Fatalf("candidate %d breaks the margins: %+v", i, c)
		}
		if seen[[2]int{c.NDE, c.KDE}] {
			t.Fatalf("candidate %+v twice", c)
		}
		seen[[2]int{c.NDE, c.KDE}] = true
		if i > 0 {
			p := cands[i-1]
			if p.NDE > c.NDE || (p.NDE == c.NDE && p.KDE >= c.KDE) {
				t.Fatalf("candidates out of order at %d", i)
			}
		}
	}
}

func TestInverseSplitAgainstR(t *testing.T) {
	// R's table 2 of analysis/stats/testdata/contingency.json, [[30, 206], [14, 41]]: 236 international
	// servers with 30 below A, 55 German-only with 14 below A.
	cands, err := InverseSplit(studySplit())
	if err != nil {
		t.Fatal(err)
	}
	var c *Candidate
	for i := range cands {
		if cands[i].NDE == 55 && cands[i].KDE == 14 {
			c = &cands[i]
		}
	}
	if c == nil {
		t.Fatal("table n_de=55, k_de=14 not enumerated")
	}
	for _, x := range []struct {
		name      string
		got, want float64
		rel       float64
	}{
		{"pearson p", c.PearsonP, 0.017521347464455553, 1e-9},
		{"yates p", c.YatesP, 0.030265021292878464, 1e-9},
		{"fisher p", c.FisherP, 0.022344461248195162, 1e-7},
		{"min expected", c.MinExpected, 8.316151202749142, 1e-9},
	} {
		if !near(x.got, x.want, x.rel) {
			t.Errorf("%s = %.17g, want %.17g", x.name, x.got, x.want)
		}
	}
	cfg := studySplit()
	if !c.IntlBetter {
		t.Error("30/236 vs 14/55: international not reported as better")
	}
	for test, want := range map[string]bool{"pearson": false, "yates": true, "fisher": false} {
		if got := cfg.Matches(*c, test); got != want {
			t.Errorf("Matches(%s) = %v, want %v (p .0175, .0303, .0223)", test, got, want)
		}
	}
	if !cfg.MatchesAny(*c) {
		t.Error("MatchesAny = false")
	}
}

func TestMatchesNeedsDirection(t *testing.T) {
	cfg := studySplit()
	c := Candidate{PearsonP: 0.03, YatesP: 0.03, FisherP: 0.03}
	if cfg.MatchesAny(c) {
		t.Error("a table where German-only apps do better matched")
	}
	c.IntlBetter = true
	for _, p := range []struct {
		p    float64
		want bool
	}{{0.0249, false}, {0.025, true}, {0.0349, true}, {0.035, false}} {
		c.PearsonP = p.p
		if got := cfg.Matches(c, "pearson"); got != p.want {
			t.Errorf("p=%v: Matches = %v, want %v", p.p, got, p.want)
		}
	}
	if cfg.Matches(c, "g-test") {
		t.Error("unknown test matched")
	}
}

func TestSummarize(t *testing.T) {
	cfg := studySplit()
	cands := []Candidate{
		{NDE: 55, KDE: 14, ShareDE: 14.0 / 55, ShareIntl: 30.0 / 236, IntlBetter: true, PearsonP: 0.0175, YatesP: 0.0303, FisherP: 0.0223, MinExpected: 8.3},
		{NDE: 20, KDE: 8, ShareDE: 0.4, ShareIntl: 36.0 / 271, IntlBetter: true, PearsonP: 0.03, YatesP: 0.06, FisherP: 0.031, MinExpected: 3},
		{NDE: 100, KDE: 5, IntlBetter: false, PearsonP: 0.03, YatesP: 0.03, FisherP: 0.03},
	}
	got := Summarize(cfg, cands)
	want := map[string]int{"pearson": 1, "yates": 1, "fisher": 1, "any": 2}
	for _, s := range got {
		if s.Count != want[s.Test] {
			t.Errorf("%s: count %d, want %d", s.Test, s.Count, want[s.Test])
		}
	}
	anyS := got[3]
	if anyS.Test != "any" || anyS.NDE.Min != 20 || anyS.NDE.Max != 55 || anyS.SmallExpected != 1 {
		t.Errorf("any summary = %+v", anyS)
	}
	if empty := Summarize(cfg, nil); empty[0].NDE != nil {
		t.Error("empty summary has ranges")
	}
}

func TestInverseSplitBadInput(t *testing.T) {
	for name, cfg := range map[string]InverseSplitConfig{
		"total 1":        {Total: 1, Below: 0, PLo: 0.025, PHi: 0.035},
		"below > total":  {Total: 10, Below: 11, PLo: 0.025, PHi: 0.035},
		"no one below":   {Total: 10, Below: 0, PLo: 0.025, PHi: 0.035},
		"reversed range": {Total: 10, Below: 3, PLo: 0.035, PHi: 0.025},
	} {
		if _, err := InverseSplit(cfg); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
