package analysis_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/mhealthsec/mhealthsec/analysis"
	"github.com/mhealthsec/mhealthsec/datasets"
	"github.com/mhealthsec/mhealthsec/figures"
)

// A share with its 95% Wilson interval.
func ExampleNewShare() {
	s, err := analysis.NewShare(44, 291)
	if err != nil {
		panic(err)
	}
	fmt.Printf("%d/%d = %.1f%% (95%% CI %.1f–%.1f%%)\n", s.Count, s.Total, 100*s.Share, 100*s.CI.Lo, 100*s.CI.Hi)
	// Output: 44/291 = 15.1% (95% CI 11.5–19.7%)
}

// AnalyzeStudy computes everything mhealthsec analyze reports: grades per category, the
// shares below the A range, the findings per app, Test 1 (here skipped: no baseline) and
// Test 2.
func ExampleAnalyzeStudy() {
	st, err := datasets.LoadStudy("../datasets/sample")
	if err != nil {
		panic(err)
	}
	r, err := analysis.AnalyzeStudy(st, analysis.DefaultStudyConfig())
	if err != nil {
		panic(err)
	}
	s := r.FunctionalBelowA
	fmt.Printf("functional servers below A: %d/%d\n", s.Count, s.Total)
	for _, g := range r.Test2 {
		fmt.Printf("%s: %d/%d vs %d/%d, Fisher p = %.3f\n", g.Name, g.Below[0].Count, g.Below[0].Total, g.Below[1].Count, g.Below[1].Total, g.Contingency.Fisher.P)
	}
	// Output:
	// functional servers below A: 5/14
	// international_vs_de_only: 0/7 vs 5/7, Fisher p = 0.021
	// android_vs_ios: 3/7 vs 2/7, Fisher p = 1.000
}

// Load a study, test it and draw a figure: the README's first program. It repeats
// ExampleAnalyzeStudy's first lines on purpose: godoc shows each example alone, so each
// loads its study itself.
func Example_study() {
	st, err := datasets.LoadStudy("../datasets/sample")
	if err != nil {
		panic(err)
	}
	r, err := analysis.AnalyzeStudy(st, analysis.DefaultStudyConfig())
	if err != nil {
		panic(err)
	}
	var bars []figures.Proportion
	for _, g := range r.Test2 {
		fmt.Printf("%s: Fisher p = %.3f\n", g.Name, g.Contingency.Fisher.P)
		for i, group := range g.Groups {
			bars = append(bars, figures.ShareBar(g.Name, group, *g.Below[i]))
		}
	}
	fig, err := figures.Proportions(figures.Default(), figures.ProportionChart{Name: "test2", YLabel: "Below A", Bars: bars})
	if err != nil {
		panic(err)
	}
	if _, err := figures.Save(fig, filepath.Join(os.TempDir(), "mhealthsec-example")); err != nil {
		panic(err)
	}
	// Output:
	// international_vs_de_only: Fisher p = 0.021
	// android_vs_ios: Fisher p = 1.000
}
