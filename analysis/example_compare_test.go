package analysis_test

import (
	"fmt"

	"github.com/mhealthsec/mhealthsec/analysis"
	"github.com/mhealthsec/mhealthsec/datasets"
)

// Two waves of the lab study (the second generated from the first's real results):
// paired changes per measure and the apps that got worse.
func ExampleCompareStudies() {
	old, err := datasets.LoadStudy("testdata/waves/old")
	if err != nil {
		fmt.Println(err)
		return
	}
	cur, err := datasets.LoadStudy("testdata/waves/new")
	if err != nil {
		fmt.Println(err)
		return
	}
	c, err := analysis.CompareStudies(old, cur, analysis.TrustBelow)
	if err != nil {
		fmt.Println(err)
		return
	}
	tls := c.Servers[1]
	fmt.Printf("%s: %d pairs, %d gained it, %d lost it, McNemar exact p = %.4f\n", tls.Measure, tls.Pairs, tls.NoYes, tls.YesNo, tls.McNemar.Exact.P)
	for _, w := range c.WorseApps {
		fmt.Println("worse:", w.AppID, w.Measures)
	}
	// Output:
	// tls13: 70 pairs, 7 gained it, 0 lost it, McNemar exact p = 0.0156
	// worse: android-01 [below_a]
	// worse: android-02 [unsecured]
	// worse: ios-03 [hsts]
}
