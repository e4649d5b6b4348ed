package analysis

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/mhealthsec/mhealthsec/datasets"
)

func loadWaves(t *testing.T) (*datasets.Study, *datasets.Study) {
	t.Helper()
	old, err := datasets.LoadStudy("testdata/waves/old")
	if err != nil {
		t.Fatal(err)
	}
	cur, err := datasets.LoadStudy("testdata/waves/new")
	if err != nil {
		t.Fatal(err)
	}
	return old, cur
}

// TestCompareWaves: the lab study against its generated second wave
// (testdata/waves/make_waves.py says what changed). The expected counts follow
// from those changes by hand.
func TestCompareWaves(t *testing.T) {
	old, cur := loadWaves(t)
	c, err := CompareStudies(old, cur, TrustBelow)
	if err != nil {
		t.Fatal(err)
	}
	if c.AppsMatched != 19 || !slices.Equal(c.AppsOnlyOld, []string{"ios-10"}) || !slices.Equal(c.AppsOnlyNew, []string{"android-11"}) {
		t.Errorf("apps: %d matched, only old %v, only new %v", c.AppsMatched, c.AppsOnlyOld, c.AppsOnlyNew)
	}
	// ios-10's four rows and ios-06's plain-HTTP row left; android-02's plain-HTTP
	// row and android-11's server came.
	if c.ServersMatched != 72 || len(c.ServersOnlyOld) != 5 || len(c.ServersOnlyNew) != 2 ||
		c.ServersOnlyOld[0] != (ServerKey{"ios-06", "http-only.lab.test"}) || c.ServersOnlyNew[0] != (ServerKey{"android-02", "http-only.lab.test"}) {
		t.Errorf("servers: %d matched, only old %v, only new %v", c.ServersMatched, c.ServersOnlyOld, c.ServersOnlyNew)
	}
	type counts struct{ pairs, yy, yn, ny, nn, worse, better int }
	want := map[string]counts{
		// modern-hsts (3 apps), ticketbleed (1) and renego-client (3) fell below A;
		// tls10-only (2 apps) and rc4-3des (4 rows) rose to A+.
		"server below_a": {70, 39, 6, 7, 18, 7, 6},
		// tls10-only (2) and rc4-3des (5 rows, any category) gained TLS 1.3.
		"server tls13":     {70, 37, 0, 7, 26, 0, 7},
		"server hsts":      {70, 46, 3, 1, 20, 3, 1},
		"server unsecured": {72, 2, 0, 0, 70, 0, 0},
		"app below_a":      {19, 14, 3, 1, 1, 1, 3},
		"app unsecured":    {19, 1, 1, 1, 16, 1, 1},
	}
	for _, mc := range append(append([]MeasureChange{}, c.Servers...), c.Apps...) {
		w, ok := want[mc.Level+" "+mc.Measure]
		if !ok {
			continue
		}
		got := counts{mc.Pairs, mc.YesYes, mc.YesNo, mc.NoYes, mc.NoNo, mc.Worse, mc.Better}
		if got != w {
			t.Errorf("%s %s: %+v, want %+v", mc.Level, mc.Measure, got, w)
		}
		delete(want, mc.Level+" "+mc.Measure)
	}
	if len(want) > 0 {
		t.Errorf("measures missing: %v", want)
	}
	// TLS 1.3 on servers: 7 of 7 discordant pairs gained it; the exact p is
	// 2 · 0.5^7 (binom.test(0, 7)).
	tls := c.Servers[1]
	if tls.McNemar == nil || !relClose(tls.McNemar.Exact.P, 2*math.Pow(0.5, 7), 1e-12) {
		t.Errorf("tls13 McNemar = %+v", tls.McNemar)
	}
	if un := c.Servers[3]; un.McNemar != nil || !strings.Contains(un.McNemarError, "no discordant pairs") || un.Unpaired == nil {
		t.Errorf("unsecured: McNemar %+v (%q), unpaired %v", un.McNemar, un.McNemarError, un.Unpaired)
	}
	var worse []string
	for _, w := range c.WorseApps {
		worse = append(worse, w.AppID+":"+strings.Join(w.Measures, ","))
	}
	if !slices.Equal(worse, []string{"android-01:below_a", "android-02:unsecured", "ios-03:hsts"}) {
		t.Errorf("worse apps = %v", worse)
	}
	if _, err := CompareStudies(old, nil, TrustBelow); err == nil {
		t.Error("a missing wave accepted")
	}
	// A wave against itself: every pair concordant, nothing worse.
	same, err := CompareStudies(old, old, TrustBelow)
	if err != nil || len(same.WorseApps) != 0 || len(same.ServersOnlyNew) != 0 || same.Servers[0].Worse != 0 {
		t.Errorf("old against old: %+v, %v", same, err)
	}
}
