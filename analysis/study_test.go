package analysis

import (
	"math"
	"strings"
	"testing"

	"github.com/mhealthsec/mhealthsec/analysis/stats"
	"github.com/mhealthsec/mhealthsec/datasets"
	"github.com/mhealthsec/mhealthsec/probe/result"
)

func loadSample(t testing.TB) *datasets.Study {
	t.Helper()
	st, err := datasets.LoadStudy("../datasets/sample")
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func baseline(t testing.TB) *datasets.PulseMonth {
	t.Helper()
	s, err := datasets.Pulse()
	if err != nil {
		t.Fatal(err)
	}
	m, err := s.Month("2018-01")
	if err != nil {
		t.Fatal(err)
	}
	return &m
}

func checkShare(t *testing.T, name string, s *Share, count, total int) {
	t.Helper()
	if s == nil || s.Count != count || s.Total != total {
		t.Errorf("%s = %+v, want %d/%d", name, s, count, total)
		return
	}
	ci := stats.Wilson(count, total, Conf)
	if s.CI != ci {
		t.Errorf("%s interval = %+v, want Wilson %+v", name, s.CI, ci)
	}
}

// TestAnalyzeSampleAgainstHandCounts checks the analysis of datasets/sample against
// counts worked out by hand from the table in datasets/sample/sample_test.go.
func TestAnalyzeSampleAgainstHandCounts(t *testing.T) {
	res, err := AnalyzeStudy(loadSample(t), StudyConfig{Trust: TrustBelow, Baseline: baseline(t), PulseN: 140000, Adjust: stats.Holm})
	if err != nil {
		t.Fatal(err)
	}
	// 12 apps; rows per app 4,4,4,4,4,4,4,4,4,4,2,5 = 47; 13 functional + 9 other + 1
	// disregarded distinct endpoints.
	if res.Apps != 12 || res.Rows != 47 || res.Endpoints != 23 || res.AppsBy["android"] != 6 {
		t.Errorf("apps %d rows %d endpoints %d by platform %v", res.Apps, res.Rows, res.Endpoints, res.AppsBy)
	}
	type cat struct {
		rows, graded, below, errors, noResult, plain int
		grades                                       map[string]int
	}
	want := map[string]cat{
		// functional: 17 rows, 2 plain http (img.pillpal, upload.herzcheck), 1 never probed
		// (dev.pillpal); graded A+ ×5, A ×2, A- ×2, B, C ×2, T, F; below A: B, C, C, T, F.
		"functional": {17, 14, 5, 0, 1, 2, map[string]int{"A+": 5, "A": 2, "A-": 2, "B": 1, "C": 2, "T": 1, "F": 1}},
		// advertising: doubleclick ×6 A+, adnet ×3 B, broken.adnet ×1 connection error.
		"advertising": {10, 9, 3, 1, 0, 0, map[string]int{"A+": 6, "B": 3}},
		"tracking":    {7, 7, 0, 0, 0, 0, map[string]int{"A+": 5, "A": 2}},
		// content: cloudfront ×3 A-, oldcdn ×2 C, plaincdn ×1 http.
		"content":     {6, 5, 2, 0, 0, 1, map[string]int{"A-": 3, "C": 2}},
		"other":       {1, 1, 0, 0, 0, 0, map[string]int{"A": 1}},
		"disregarded": {6, 6, 0, 0, 0, 0, map[string]int{"A+": 6}},
	}
	for _, c := range res.Categories {
		w := want[c.Category]
		if c.Rows != w.rows || c.Graded != w.graded || c.Errors != w.errors || c.NoResult != w.noResult || c.PlainHTTP != w.plain {
			t.Errorf("%s: %+v, want %+v", c.Category, c, w)
		}
		for l, n := range w.grades {
			if c.Grades[l] != n {
				t.Errorf("%s grade %s = %d, want %d", c.Category, l, c.Grades[l], n)
			}
		}
		if len(c.Grades) != len(w.grades) {
			t.Errorf("%s grades %v, want %v", c.Category, c.Grades, w.grades)
		}
		checkShare(t, c.Category+" below A", c.BelowA, w.below, w.graded)
	}
	checkShare(t, "functional below A", res.FunctionalBelowA, 5, 14)
	checkShare(t, "others below A", res.OthersBelowA, 5, 22)                  // adv 3/9, tracking 0/7, content 2/5, other 0/1
	checkShare(t, "apps functional below A", res.AppsFunctionalBelowA, 5, 12) // a03 a04 a07 a09 a12
	checkShare(t, "apps unsecured", res.AppsUnsecured, 2, 12)                 // a03 a09
	checkShare(t, "apps others below A", res.AppsOthersBelowA, 4, 12)         // a03 a04 a07 a08
	if res.AppsWithOthers != 12 {
		t.Errorf("apps with others = %d, want 12", res.AppsWithOthers)
	}

	// Table 5 and its negative counterpart: Android functional, iOS functional, Android
	// others, iOS others, total functional, total others.
	wantFindings := map[string][6]int{
		FindingTLS13:     {4, 4, 6, 3, 8, 9},
		FindingHSTS:      {3, 3, 6, 4, 6, 10},
		FindingBelowA:    {3, 2, 2, 2, 5, 4},
		FindingUnsecured: {2, 0, 0, 1, 2, 1},
		// Exploitable only: POODLE_SSL a03 (android functional), a04 (ios functional),
		// a07 and a08 (content); Heartbleed a12 (ios functional). SWEET32 and RC4 rows
		// count under the weak-cipher finding instead.
		FindingVulnerable: {1, 2, 1, 1, 3, 2},
		FindingCert:       {1, 0, 0, 0, 1, 0},
		FindingOldProto:   {2, 2, 2, 2, 4, 4},
		FindingWeakCipher: {2, 1, 2, 2, 3, 4},
	}
	if len(res.Findings) != len(wantFindings) {
		t.Errorf("%d findings, want %d", len(res.Findings), len(wantFindings))
	}
	for _, f := range res.Findings {
		got := [6]int{f.AndroidFunctional, f.IOSFunctional, f.AndroidOthers, f.IOSOthers, f.TotalFunctional, f.TotalOthers}
		if got != wantFindings[f.Finding] {
			t.Errorf("finding %s = %v, want %v", f.Finding, got, wantFindings[f.Finding])
		}
	}

	if res.Test1 == nil || res.Test1.Study.Count != 5 || res.Test1.Study.Total != 14 || res.Test1.Month != "2018-01" {
		t.Errorf("test 1 = %+v", res.Test1)
	}
	// Test 2: international apps' functional servers are all in the A range (0 of 7);
	// German-only 5 of 7. Fisher two-sided: only the two extreme tables (k = 0, 5) are as
	// unlikely, each C(7,0)·C(7,5)/C(14,5) = 21/2002, so p = 42/2002; Pearson X² =
	// 2·2.5²/2.5 + 2·2.5²/4.5 = 70/9. Android 3 of 7 vs iOS 2 of 7: every table of these
	// margins is at most as likely as the observed one (735/2002), so Fisher p = 1.
	if len(res.Test2) != 2 {
		t.Fatalf("test 2 has %d comparisons", len(res.Test2))
	}
	intl, plat := res.Test2[0], res.Test2[1]
	checkShare(t, "international below A", intl.Below[0], 0, 7)
	checkShare(t, "de_only below A", intl.Below[1], 5, 7)
	checkShare(t, "android below A", plat.Below[0], 3, 7)
	checkShare(t, "ios below A", plat.Below[1], 2, 7)
	if intl.Contingency == nil || math.Abs(intl.Contingency.Fisher.P-42.0/2002) > 1e-12 || math.Abs(intl.Contingency.Pearson.Statistic-70.0/9) > 1e-12 {
		t.Fatalf("international vs de_only tests = %+v (%s)", intl.Contingency, intl.Error)
	}
	if plat.Contingency == nil || math.Abs(plat.Contingency.Fisher.P-1) > 1e-12 {
		t.Errorf("android vs ios Fisher p = %+v", plat.Contingency)
	}
	// Holm over three Fisher p-values: the smallest (42/2002; Test 1's is near 1, the
	// platform one is 1) is multiplied by 3.
	if p := intl.Adjusted["fisher"]; p == nil || math.Abs(*p-3*42.0/2002) > 1e-12 {
		t.Errorf("Holm-adjusted Fisher p = %v, want %v", p, 3*42.0/2002)
	}
	if len(res.Unprobed) != 1 || res.Unprobed[0].Host != "dev.pillpal.example" || res.Unprobed[0].Reason == "" {
		t.Errorf("unprobed = %+v", res.Unprobed)
	}
	if len(res.Ungraded) != 1 || res.Ungraded[0].Host != "broken.adnet.example" || res.Ungraded[0].Reason == "" {
		t.Errorf("ungraded = %+v", res.Ungraded)
	}
}

func TestTrustPolicies(t *testing.T) {
	st := loadSample(t)
	tests := []struct {
		policy       TrustPolicy
		below, total int
	}{
		{TrustBelow, 5, 14},   // T counts below A
		{TrustIgnore, 4, 14},  // herz.herzcheck's trust-ignored grade is A
		{TrustExclude, 4, 13}, // herz.herzcheck left out
	}
	for _, tt := range tests {
		res, err := AnalyzeStudy(st, StudyConfig{Trust: tt.policy, Adjust: stats.Holm})
		if err != nil {
			t.Fatal(err)
		}
		checkShare(t, string(tt.policy), res.FunctionalBelowA, tt.below, tt.total)
		if res.Test1 != nil {
			t.Errorf("test 1 ran without a baseline")
		}
	}
	if _, err := ParseTrustPolicy("maybe"); err == nil {
		t.Error("ParseTrustPolicy accepted maybe")
	}
}

func TestAnalyzeStudyEdgeCases(t *testing.T) {
	// No servers at all: nothing to test, no shares, no error.
	st := &datasets.Study{Apps: []datasets.App{{ID: "x", Platform: "ios", Availability: "de_only"}}}
	res, err := AnalyzeStudy(st, StudyConfig{Adjust: stats.Holm})
	if err != nil {
		t.Fatal(err)
	}
	if res.FunctionalBelowA != nil || res.Test2[0].Contingency != nil || res.Test2[0].Error == "" {
		t.Errorf("empty study: %+v", res)
	}
	// A row whose app is not in apps.csv is counted, not analysed.
	st.Servers = []datasets.Server{{AppID: "ghost", Host: "a.example", Port: 443, Scheme: "https", Category: "functional"}}
	if res, err = AnalyzeStudy(st, StudyConfig{Adjust: stats.Holm}); err != nil || res.UnknownApps != 1 || res.Rows != 0 {
		t.Errorf("unknown app: %v %+v", err, res)
	}
}

// TestTrustUnknownCountedAsMissing: a certificate whose trust could not be decided
// (trusted null) is neither a certificate problem nor its absence. The finding counts
// below were worked out by hand from the rows here.
func TestTrustUnknownCountedAsMissing(t *testing.T) {
	unknown := func() *result.Certificate { return &result.Certificate{HostnameMatch: true} }
	graded := func(letter string, c *result.Certificate) *result.Grade {
		if c.Trusted == nil && !c.Expired {
			return nil // as the grader leaves it: trust unknown is not graded
		}
		return &result.Grade{Letter: letter, TrustIgnored: "A"}
	}
	expired := unknown()
	expired.Expired = true
	rows := []struct {
		app, host, category string
		cert                *result.Certificate
		letter              string
	}{
		{"a1", "s1.example", datasets.CategoryFunctional, unknown(), ""},
		{"a1", "s2.example", datasets.CategoryFunctional, &result.Certificate{Trusted: result.Bool(true), HostnameMatch: true}, "A"},
		{"a2", "s3.example", datasets.CategoryFunctional, unknown(), ""},
		{"a2", "s4.example", datasets.CategoryFunctional, expired, "T"}, // trust unknown, but expired: a problem
		{"a3", "s5.example", datasets.CategoryAdvertising, unknown(), ""},
		{"a3", "s6.example", datasets.CategoryFunctional, &result.Certificate{Trusted: result.Bool(false), HostnameMatch: true}, "T"},
	}
	st := &datasets.Study{Apps: []datasets.App{
		{ID: "a1", Platform: datasets.PlatformAndroid, Availability: datasets.AvailabilityInternational},
		{ID: "a2", Platform: datasets.PlatformIOS, Availability: datasets.AvailabilityInternational},
		{ID: "a3", Platform: datasets.PlatformAndroid, Availability: datasets.AvailabilityGermanOnly},
	}}
	for _, r := range rows {
		st.Servers = append(st.Servers, datasets.Server{AppID: r.app, Host: r.host, Port: 443, Scheme: datasets.SchemeHTTPS, Category: r.category})
		res := result.Result{Target: r.host + ":443", Host: r.host, Port: 443, Certificate: r.cert, Grade: graded(r.letter, r.cert)}
		res.Protocols.Set(result.TLS12, true)
		st.Results = append(st.Results, res)
	}
	res, err := AnalyzeStudy(st, StudyConfig{Trust: TrustBelow, Adjust: stats.Holm})
	if err != nil {
		t.Fatal(err)
	}
	var cert *FindingCounts
	for i := range res.Findings {
		if res.Findings[i].Finding == FindingCert {
			cert = &res.Findings[i]
		}
	}
	// With the problem: a2 (s4 expired, iOS) and a3 (s6 untrusted, Android), functional.
	// Undecided: a1 functional (s1 unknown, s2 fine); a3 others (s5 unknown). a2's s3 is
	// unknown too, but a2 has the finding already.
	want := FindingCounts{Finding: FindingCert, Label: FindingLabel(FindingCert), AndroidFunctional: 1, IOSFunctional: 1,
		TotalFunctional: 2, UndecidedFunctional: 1, UndecidedOthers: 1}
	if cert == nil || *cert != want {
		t.Errorf("certificate finding %+v, want %+v", cert, want)
	}
	if res.TrustUnknown != 4 {
		t.Errorf("trust_unknown_rows %d, want 4 (s1, s3, s4, s5)", res.TrustUnknown)
	}
	// Functional graded: s2 (A), s4 (T), s6 (T); s1 and s3 are ungraded, with the reason.
	checkShare(t, "functional below A", res.FunctionalBelowA, 2, 3)
	if len(res.Ungraded) != 3 {
		t.Fatalf("ungraded %+v, want s1, s3, s5", res.Ungraded)
	}
	for _, u := range res.Ungraded {
		if !strings.HasPrefix(u.Reason, "not graded: certificate trust unknown") {
			t.Errorf("ungraded %s: reason %q", u.Host, u.Reason)
		}
	}
	f := Facts(st.Servers[0], &st.Results[0], TrustBelow)
	if f.CertProblem || !f.CertUnknown {
		t.Errorf("facts of a trust-unknown server: %+v", f)
	}
}
