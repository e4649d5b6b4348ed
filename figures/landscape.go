package figures

import (
	"fmt"
	"image/color"
	"math"
	"sort"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette/brewer"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Cell is one candidate 2×2 table of an inverse reproduction: X and Y are its coordinates
// (e.g. the size of a group and its count below A), P its p-value, Marked whether it belongs
// to the set to outline.
type Cell struct {
	X, Y   int
	P      float64
	Marked bool
}

// Panel is one test's landscape.
type Panel struct {
	Title string
	Cells []Cell
}

// LandscapeChart describes stacked panels of p-values over a grid of candidate tables.
type LandscapeChart struct {
	Name        string
	XLabel      string
	YLabel      string
	Width       vg.Length
	PanelHeight vg.Length
	Panels      []Panel
	MarkedLabel string // legend text of the outline, e.g. "p rounds to .03"
	// Guide is a line y = Slope·x drawn dashed (e.g. equal shares in both groups); NaN: none.
	Slope      float64
	GuideLabel string
}

// pBins are the colour classes of a landscape: upper bounds of p, smallest first.
func pBins() []struct {
	upper float64
	label string
} {
	return []struct {
		upper float64
		label string
	}{
		// Each label is its bin's own range: "<.05" after ".025–.035" read as overlapping.
		{0.001, "<.001"}, {0.01, ".001–.01"}, {0.025, ".01–.025"}, {0.035, ".025–.035"},
		{0.05, ".035–.05"}, {0.1, ".05–.10"}, {math.Inf(1), "≥.10"},
	}
}

// binColors returns one colour per p bin from ColorBrewer's sequential, colour-blind-safe
// YlGnBu, darkest for the smallest p.
func binColors() ([]color.Color, error) {
	pal, err := brewer.GetPalette(brewer.TypeSequential, "YlGnBu", len(pBins()))
	if err != nil {
		return nil, fmt.Errorf("landscape palette: %w", err)
	}
	cs := pal.Colors()
	out := make([]color.Color, len(cs))
	for i := range cs {
		out[i] = cs[len(cs)-1-i]
	}
	return out, nil
}

func binOf(p float64) int {
	for i, b := range pBins() {
		if p < b.upper {
			return i
		}
	}
	return len(pBins()) - 1
}

// Landscape draws one panel per test: every cell coloured by its p-value class, the marked
// cells outlined as a set, and a colour legend in a strip above the panels.
func Landscape(t Theme, c LandscapeChart) (Figure, error) {
	c.Width, c.PanelHeight = sized(c.Width, c.PanelHeight)
	if len(c.Panels) == 0 {
		return Figure{}, fmt.Errorf("figure %q: no panels", c.Name)
	}
	colors, err := binColors()
	if err != nil {
		return Figure{}, err
	}
	outline := draw.LineStyle{Color: color.Black, Width: vg.Points(0.7)}
	var parts []Drawer
	var heights []vg.Length
	var entries []legendEntry
	for i, b := range pBins() {
		entries = append(entries, legendEntry{Label: b.label, Thumb: swatch{Fill: colors[i]}})
	}
	entries = append(entries, legendEntry{Label: c.MarkedLabel, Thumb: swatch{Line: outline}})
	guide := draw.LineStyle{Color: okabeIto("vermillion"), Width: vg.Points(0.8), Dashes: []vg.Length{vg.Points(2), vg.Points(1.5)}}
	if !math.IsNaN(c.Slope) {
		entries = append(entries, legendEntry{Label: c.GuideLabel, Thumb: lineThumb{guide}})
	}
	legend := legendRow{Entries: entries, Style: t.TextStyle(t.TickSize), Thumb: vg.Points(8)}
	strip := legend.height(c.Width)
	parts, heights = append(parts, legend), append(heights, strip)
	// A panel's title sat right under the previous panel's tick labels and read as its x
	// label; a gap keeps each title with its own panel.
	gap := vg.Points(8)
	for i, panel := range c.Panels {
		if i > 0 {
			parts, heights = append(parts, blank{}), append(heights, gap)
		}
		p := t.NewPlot()
		p.Title.Text = panel.Title
		p.X.Label.Text = c.XLabel
		p.Y.Label.Text = c.YLabel
		if i < len(c.Panels)-1 {
			p.X.Label.Text = ""
		}
		g := cellGrid{Cells: panel.Cells, Colors: colors, Outline: outline}
		p.Add(g)
		if !math.IsNaN(c.Slope) {
			p.Add(ray{Slope: c.Slope, Line: guide})
		}
		xmin, xmax, ymin, ymax := g.DataRange()
		p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = xmin, xmax, ymin, ymax
		p.X.Tick.Marker = stepTicks{Major: niceStep(xmax - xmin)}
		p.Y.Tick.Marker = stepTicks{Major: niceStep(ymax - ymin)}
		parts, heights = append(parts, padRight{p}), append(heights, c.PanelHeight)
	}
	height := strip + c.PanelHeight*vg.Length(len(c.Panels)) + gap*vg.Length(len(c.Panels)-1)
	return Figure{Name: c.Name, Width: c.Width, Height: height, Drawer: stack{Parts: parts, Heights: heights}}, nil
}

// cellGrid fills unit cells centred on integer coordinates and outlines the marked set by
// its boundary edges (cells are too small to outline one by one).
type cellGrid struct {
	Cells   []Cell
	Colors  []color.Color
	Outline draw.LineStyle
}

func (g cellGrid) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	marked := make(map[[2]int]bool)
	for _, cell := range g.Cells {
		if cell.Marked {
			marked[[2]int{cell.X, cell.Y}] = true
		}
	}
	// Vertical runs of same-coloured cells are filled as one rectangle: the same picture with
	// a tenth of the polygons, so SVG and PDF stay small.
	for _, run := range g.runs() {
		// Each rectangle reaches a little into its right neighbour, which is drawn later and
		// covers it; otherwise anti-aliasing leaves hairline seams between columns.
		x0, x1 := trX(float64(run.x)-0.5), trX(float64(run.x)+0.5)+vg.Points(0.3)
		y0, y1 := trY(float64(run.y0)-0.5), trY(float64(run.y1)+0.5)
		pts := []vg.Point{{X: x0, Y: y0}, {X: x0, Y: y1}, {X: x1, Y: y1}, {X: x1, Y: y0}}
		c.FillPolygon(g.Colors[run.bin], c.ClipPolygonXY(pts))
	}
	// Boundary edges, in the (sorted) order of the cells, so output bytes are stable.
	for _, cell := range g.Cells {
		if !cell.Marked {
			continue
		}
		x0, x1 := trX(float64(cell.X)-0.5), trX(float64(cell.X)+0.5)
		y0, y1 := trY(float64(cell.Y)-0.5), trY(float64(cell.Y)+0.5)
		edges := []struct {
			dx, dy int
			a, b   vg.Point
		}{
			{-1, 0, vg.Point{X: x0, Y: y0}, vg.Point{X: x0, Y: y1}},
			{1, 0, vg.Point{X: x1, Y: y0}, vg.Point{X: x1, Y: y1}},
			{0, -1, vg.Point{X: x0, Y: y0}, vg.Point{X: x1, Y: y0}},
			{0, 1, vg.Point{X: x0, Y: y1}, vg.Point{X: x1, Y: y1}},
		}
		for _, e := range edges {
			if !marked[[2]int{cell.X + e.dx, cell.Y + e.dy}] {
				c.StrokeLines(g.Outline, c.ClipLinesXY([]vg.Point{e.a, e.b})...)
			}
		}
	}
}

// run is cells x, y0..y1 of one colour class.
type run struct{ x, y0, y1, bin int }

// runs merges vertically adjacent cells of the same colour class, in (x, y) order.
func (g cellGrid) runs() []run {
	cells := append([]Cell(nil), g.Cells...)
	sort.Slice(cells, func(i, j int) bool {
		if cells[i].X != cells[j].X {
			return cells[i].X < cells[j].X
		}
		return cells[i].Y < cells[j].Y
	})
	var out []run
	for _, c := range cells {
		b := binOf(c.P)
		if n := len(out); n > 0 && out[n-1].x == c.X && out[n-1].y1 == c.Y-1 && out[n-1].bin == b {
			out[n-1].y1 = c.Y
			continue
		}
		out = append(out, run{x: c.X, y0: c.Y, y1: c.Y, bin: b})
	}
	return out
}

func (g cellGrid) DataRange() (xmin, xmax, ymin, ymax float64) {
	xmin, xmax, ymin, ymax = math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
	for _, cell := range g.Cells {
		xmin, xmax = math.Min(xmin, float64(cell.X)-0.5), math.Max(xmax, float64(cell.X)+0.5)
		ymin, ymax = math.Min(ymin, float64(cell.Y)-0.5), math.Max(ymax, float64(cell.Y)+0.5)
	}
	return xmin, xmax, ymin, ymax
}

// ray draws y = Slope·x across the data area.
type ray struct {
	Slope float64
	Line  draw.LineStyle
}

func (r ray) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	x0, x1 := p.X.Min, p.X.Max
	c.StrokeLines(r.Line, c.ClipLinesXY([]vg.Point{
		{X: trX(x0), Y: trY(r.Slope * x0)}, {X: trX(x1), Y: trY(r.Slope * x1)},
	})...)
}

// lineThumb is a legend thumbnail of a horizontal line.
type lineThumb struct{ Line draw.LineStyle }

func (l lineThumb) Thumbnail(c *draw.Canvas) {
	y := (c.Min.Y + c.Max.Y) / 2
	c.StrokeLine2(l.Line, c.Min.X, y, c.Max.X, y)
}

// stepTicks labels multiples of Major with a minor tick half way, each label followed by
// Suffix. On a span of at most NarrowSpan (0: none) the step is Major/2, so that a zoomed
// axis still shows a few labels. It is every axis's ticks but the years'.
type stepTicks struct {
	Major      float64
	NarrowSpan float64
	Suffix     string
}

// percentTicks marks 0–100 every 20 (every 10 on spans up to 50), labelled "20%".
func percentTicks() stepTicks { return stepTicks{Major: 20, NarrowSpan: 50, Suffix: "%"} }

// pTicks labels a −log10(p) axis with its values: 0, 10, 20, … (every 5 on spans up to 20).
func pTicks() stepTicks { return stepTicks{Major: 10, NarrowSpan: 20} }

func (s stepTicks) Ticks(min, max float64) []plot.Tick {
	var ticks []plot.Tick
	major := s.Major
	if max-min <= s.NarrowSpan {
		major /= 2
	}
	half := major / 2
	for i := math.Ceil(min / half); i*half <= max; i++ {
		v := i*half + 0 // avoid "-0"
		if v == 0 {
			v = 0
		}
		label := ""
		if math.Mod(i, 2) == 0 {
			label = fmt.Sprintf("%g%s", v, s.Suffix)
		}
		ticks = append(ticks, plot.Tick{Value: v, Label: label})
	}
	return ticks
}

// niceStep returns a 1-2-5 step giving at most six labelled ticks over span.
func niceStep(span float64) float64 {
	if !(span > 0) || math.IsInf(span, 0) {
		return 1
	}
	step := math.Pow(10, math.Floor(math.Log10(span/5)))
	for _, m := range []float64{1, 2, 5, 10} {
		if span/(step*m) <= 6 {
			return step * m
		}
	}
	return step * 10
}

// blank draws nothing: vertical space in a stack.
type blank struct{}

func (blank) Draw(draw.Canvas) {}
