package figures

import (
	"bytes"
	"math"
	"strings"
	"testing"

	"gonum.org/v1/plot/vg"
)

func sampleFigures(t *testing.T) []Figure {
	t.Helper()
	th := Default()
	props, err := Proportions(th, ProportionChart{
		Name: "props", YLabel: "share", Interval: "95% CI", Width: OneColumn, Height: 2 * vg.Inch,
		Bars: []Proportion{
			{Category: "a", Group: "x", Count: 1, Total: 4, Share: 0.25, Lo: 0.05, Hi: 0.7},
			{Category: "a", Group: "y", Count: 2, Total: 4, Share: 0.5, Lo: 0.15, Hi: 0.85},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	series, err := Series(th, SeriesChart{
		Name: "series", Width: OneColumn, Height: 2 * vg.Inch, Label: "s",
		Points:    []SeriesPoint{{2016, 0.6}, {2017, 0.5}},
		Reference: Reference{Label: "r", Share: 0.15, Lo: 0.11, Hi: 0.2}, Mark: 2016.5, MarkLabel: "m",
	})
	if err != nil {
		t.Fatal(err)
	}
	land, err := Landscape(th, LandscapeChart{
		Name: "land", Width: TwoColumn, PanelHeight: vg.Inch, Slope: 0.5,
		Panels: []Panel{{Title: "p", Cells: []Cell{{X: 1, Y: 0, P: 0.5}, {X: 2, Y: 1, P: 0.03, Marked: true}}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	pv, err := PValues(th, PValueChart{
		Name: "pv", Width: OneColumn, Height: 2 * vg.Inch, Threshold: 0.001, ThresholdLabel: "p = .001", Mark: math.NaN(),
		Series: []PSeries{{Label: "a", Points: []SeriesPoint{{2016, 1e-20}, {2017, 0.5}}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return []Figure{props, series, land, pv}
}

func TestRenderDeterministic(t *testing.T) {
	for _, f := range sampleFigures(t) {
		for _, format := range Formats() {
			a, err := Render(f, format)
			if err != nil {
				t.Fatalf("%s.%s: %v", f.Name, format, err)
			}
			b, err := Render(f, format)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(a, b) {
				t.Errorf("%s.%s differs between two renderings", f.Name, format)
			}
			if format == "pdf" && !bytes.Contains(a, []byte("/CreationDate (D:20190123000000)")) {
				t.Errorf("%s.pdf lacks the fixed creation date", f.Name)
			}
		}
	}
}

func TestPNGResolution(t *testing.T) {
	f := sampleFigures(t)[0]
	data, err := Render(f, "png")
	if err != nil {
		t.Fatal(err)
	}
	// IHDR width is bytes 16..19, big-endian: 3.5 in at 300 dpi.
	w := int(data[16])<<24 | int(data[17])<<16 | int(data[18])<<8 | int(data[19])
	if w != 1050 {
		t.Errorf("PNG width = %d px, want 1050 (3.5 in × 300 dpi)", w)
	}
}

func TestBadInput(t *testing.T) {
	th := Default()
	if _, err := Proportions(th, ProportionChart{Name: "x"}); err == nil {
		t.Error("no bars accepted")
	}
	if _, err := Proportions(th, ProportionChart{Name: "x", Bars: []Proportion{{Share: 1.2, Hi: 1.3}}}); err == nil {
		t.Error("share 1.2 accepted")
	}
	if _, err := Proportions(th, ProportionChart{Name: "x", Bars: []Proportion{{Share: math.NaN()}}}); err == nil {
		t.Error("NaN share accepted")
	}
	if _, err := Series(th, SeriesChart{Name: "x"}); err == nil {
		t.Error("empty series accepted")
	}
	if _, err := Landscape(th, LandscapeChart{Name: "x"}); err == nil {
		t.Error("landscape without panels accepted")
	}
	if _, err := PValues(th, PValueChart{Name: "x", Threshold: 0.001}); err == nil {
		t.Error("p-value chart without series accepted")
	}
	if _, err := PValues(th, PValueChart{Name: "x", Threshold: 0.001, Series: []PSeries{{Points: []SeriesPoint{{2016, 0}}}}}); err == nil {
		t.Error("p = 0 accepted on a log scale")
	}
	if _, err := Render(Figure{Name: "x"}, "png"); err == nil {
		t.Error("figure without drawing accepted")
	}
	if _, err := Render(sampleFigures(t)[0], "gif"); err == nil {
		t.Error("unknown format accepted")
	}
}

func TestBinOf(t *testing.T) {
	for _, tc := range []struct {
		p    float64
		want int
	}{
		{0, 0}, {0.0009, 0}, {0.001, 1}, {0.0249, 2}, {0.025, 3}, {0.0349, 3}, {0.035, 4}, {0.05, 5}, {0.1, 6}, {1, 6},
	} {
		if got := binOf(tc.p); got != tc.want {
			t.Errorf("binOf(%v) = %d, want %d", tc.p, got, tc.want)
		}
	}
}

func TestNiceStep(t *testing.T) {
	for _, tc := range []struct{ span, want float64 }{
		{290, 50}, {45, 10}, {6, 1}, {0, 1}, {1000, 200},
	} {
		if got := niceStep(tc.span); got != tc.want {
			t.Errorf("niceStep(%v) = %v, want %v", tc.span, got, tc.want)
		}
	}
}

func TestRuns(t *testing.T) {
	g := cellGrid{Cells: []Cell{
		{X: 2, Y: 0, P: 0.5}, {X: 1, Y: 1, P: 0.5}, {X: 1, Y: 0, P: 0.5}, {X: 1, Y: 2, P: 0.0001},
		{X: 1, Y: 3, P: 0.0002}, {X: 1, Y: 5, P: 0.0002}, // gap at y=4: a new run
	}}
	got := g.runs()
	want := []run{{1, 0, 1, 6}, {1, 2, 3, 0}, {1, 5, 5, 0}, {2, 0, 0, 6}}
	if len(got) != len(want) {
		t.Fatalf("runs = %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("run %d = %v, want %v", i, got[i], want[i])
		}
	}
}

// TestBarPositions: each category's bars are centred under its label, with no empty slots
// for groups that only other categories have. Positions worked out by hand for slot 0.8.
func TestBarPositions(t *testing.T) {
	for _, tc := range []struct {
		name  string
		bars  []Proportion
		want  []float64
		wantW float64
	}{
		{"no groups", []Proportion{{Category: "a"}, {Category: "b"}, {Category: "c"}}, []float64{0, 1, 2}, 0.8},
		{"all groups everywhere", []Proportion{
			{Category: "x", Group: "g1"}, {Category: "x", Group: "g2"}, {Category: "y", Group: "g1"}, {Category: "y", Group: "g2"},
		}, []float64{-0.2, 0.2, 0.8, 1.2}, 0.4},
		{"disjoint groups (Test 2: availability, platform)", []Proportion{
			{Category: "availability", Group: "international"}, {Category: "availability", Group: "German-only"},
			{Category: "platform", Group: "Android"}, {Category: "platform", Group: "iOS"},
		}, []float64{-0.2, 0.2, 0.8, 1.2}, 0.4},
		{"one category with fewer groups", []Proportion{
			{Category: "x", Group: "g1"}, {Category: "x", Group: "g2"}, {Category: "x", Group: "g3"}, {Category: "y", Group: "g3"},
		}, []float64{-0.8 / 3, 0, 0.8 / 3, 1}, 0.8 / 3},
	} {
		xs, w := barPositions(tc.bars, 0.8)
		if math.Abs(w-tc.wantW) > 1e-12 || len(xs) != len(tc.want) {
			t.Errorf("%s: width %v, %d positions; want %v, %d", tc.name, w, len(xs), tc.wantW, len(tc.want))
			continue
		}
		for i := range xs {
			if math.Abs(xs[i]-tc.want[i]) > 1e-12 {
				t.Errorf("%s: bar %d at %v, want %v", tc.name, i, xs[i], tc.want[i])
			}
		}
	}
}

// TestPTicks: the p-value axis is −log10(p) and its labels are its own values (0, 10, …,
// 70), not p in programmer's notation.
func TestPTicks(t *testing.T) {
	var labels []string
	for _, tk := range pTicks().Ticks(0, 70) {
		if tk.Label != "" {
			labels = append(labels, tk.Label)
		}
	}
	if got, want := strings.Join(labels, " "), "0 10 20 30 40 50 60 70"; got != want {
		t.Errorf("labels %q, want %q", got, want)
	}
}

// TestPBinLabels: each p lands in the bin whose label names its own range.
func TestPBinLabels(t *testing.T) {
	for p, want := range map[float64]string{
		0.0005: "<.001", 0.005: ".001–.01", 0.02: ".01–.025", 0.03: ".025–.035",
		0.04: ".035–.05", 0.07: ".05–.10", 0.5: "≥.10",
	} {
		if got := pBins()[binOf(p)].label; got != want {
			t.Errorf("p = %v: bin %q, want %q", p, got, want)
		}
	}
}
