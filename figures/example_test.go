package figures_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/mhealthsec/mhealthsec/analysis"
	"github.com/mhealthsec/mhealthsec/analysis/stats"
	"github.com/mhealthsec/mhealthsec/figures"
)

// Bars from analysis shares, drawn with their intervals and saved as PNG (300 dpi), SVG
// and PDF; Save creates the folder, and a zero size is one journal column.
func ExampleProportions() {
	android, _ := analysis.NewShare(3, 7)
	ios, _ := analysis.NewShare(2, 7)
	fig, err := figures.Proportions(figures.Default(), figures.ProportionChart{
		Name: "platforms", YLabel: "Functional servers below A", Interval: "95% Wilson interval",
		Bars: []figures.Proportion{figures.ShareBar("Android", "", android), figures.ShareBar("iOS", "", ios)}, ShowCounts: true,
	})
	if err != nil {
		panic(err)
	}
	dir, _ := os.MkdirTemp("", "figures")
	defer os.RemoveAll(dir)
	paths, err := figures.Save(fig, filepath.Join(dir, "figures"))
	if err != nil {
		panic(err)
	}
	for _, p := range paths {
		fmt.Println(filepath.Base(p))
	}
	// Output:
	// platforms.png
	// platforms.svg
	// platforms.pdf
}

// TableBars makes one bar per row of a contingency table: the share of the row in a column.
func ExampleTableBars() {
	t, _ := stats.NewTable([][]int{{12, 30}, {4, 41}}, []string{"international", "German-only"}, []string{"below A", "A range"})
	bars, err := figures.TableBars(t, 0, analysis.Conf)
	if err != nil {
		panic(err)
	}
	for _, b := range bars {
		fmt.Printf("%s %s: %d/%d = %.3f (%.3f–%.3f)\n", b.Category, b.Group, b.Count, b.Total, b.Share, b.Lo, b.Hi)
	}
	// Output:
	// international below A: 12/42 = 0.286 (0.172–0.436)
	// German-only below A: 4/45 = 0.089 (0.035–0.207)
}

// Render returns one format's bytes, for a notebook cell or a web page.
func ExampleRender() {
	s, _ := analysis.NewShare(44, 291)
	fig, _ := figures.Proportions(figures.Default(), figures.ProportionChart{Name: "one", Bars: []figures.Proportion{figures.ShareBar("functional", "", s)}})
	svg, err := figures.Render(fig, "svg")
	if err != nil {
		panic(err)
	}
	fmt.Println(string(svg[:5]))
	// Output: <?xml
}
