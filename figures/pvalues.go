package figures

import (
	"fmt"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// PSeries is a p-value over time; Points carry the p in their Share field.
type PSeries struct {
	Label  string
	Points []SeriesPoint
}

// PValueChart describes p-values over time against a significance threshold.
type PValueChart struct {
	Name           string
	Width, Height  vg.Length
	Series         []PSeries
	Threshold      float64 // e.g. 0.001
	ThresholdLabel string
	Mark           float64 // decimal year of a marked time (NaN: none)
	MarkLabel      string
}

// PValues draws p-values over time on a −log10 scale (labelled as p), with the threshold
// as a dashed line: points above the line are significant at it.
func PValues(t Theme, c PValueChart) (Figure, error) {
	c.Width, c.Height = sized(c.Width, c.Height)
	if len(c.Series) == 0 {
		return Figure{}, fmt.Errorf("figure %q: no series", c.Name)
	}
	if !(c.Threshold > 0 && c.Threshold < 1) {
		return Figure{}, fmt.Errorf("figure %q: threshold %v not in (0, 1)", c.Name, c.Threshold)
	}
	p := t.NewPlot()
	// The axis is −log10(p) and says so: labelling it "p" with 1e-70 at the top read as an
	// inverted p axis in programmer's notation (the embedded font has no superscript minus).
	p.Y.Label.Text = "−log10(p)"
	p.Y.Tick.Marker = pTicks()
	var entries []legendEntry
	xmin, xmax, ymax := math.Inf(1), math.Inf(-1), -math.Log10(c.Threshold)
	shapes := []draw.GlyphDrawer{draw.CircleGlyph{}, draw.TriangleGlyph{}, draw.BoxGlyph{}, draw.PlusGlyph{}}
	for i, s := range c.Series {
		xys := make(plotter.XYs, len(s.Points))
		for j, pt := range s.Points {
			if !(pt.Share > 0 && pt.Share <= 1) || math.IsNaN(pt.Year) {
				return Figure{}, fmt.Errorf("figure %q: series %q point %d: p %v not in (0, 1]", c.Name, s.Label, j, pt.Share)
			}
			xys[j] = plotter.XY{X: pt.Year, Y: -math.Log10(pt.Share)}
			xmin, xmax, ymax = math.Min(xmin, pt.Year), math.Max(xmax, pt.Year), math.Max(ymax, xys[j].Y)
		}
		line, pts, err := linePoints(c.Name, xys, draw.LineStyle{Color: t.Color(i), Width: t.LineWidth},
			draw.GlyphStyle{Color: t.Color(i), Radius: vg.Points(1.3), Shape: shapes[i%len(shapes)]})
		if err != nil {
			return Figure{}, err
		}
		p.Add(line, pts)
		entries = append(entries, legendEntry{Label: s.Label, Thumb: lineGlyph{line.LineStyle, pts.GlyphStyle}})
	}
	thr := draw.LineStyle{Color: okabeIto("vermillion"), Width: t.AxisWidth * 1.5, Dashes: []vg.Length{vg.Points(3), vg.Points(2)}}
	p.Add(hline{Y: -math.Log10(c.Threshold), Line: thr})
	entries = append(entries, legendEntry{Label: c.ThresholdLabel, Thumb: lineThumb{thr}})
	entries = addMark(t, p, entries, c.Mark, c.MarkLabel)
	p.X.Tick.Marker = yearTicks{}
	p.X.Min, p.X.Max = math.Floor(xmin), math.Ceil(xmax)
	p.Y.Min, p.Y.Max = 0, math.Ceil(ymax/10)*10
	legend := legendRow{Entries: entries, Style: t.TextStyle(t.TickSize), Thumb: vg.Points(12)}
	return Figure{Name: c.Name, Width: c.Width, Height: c.Height, Drawer: withLegend(legend, c.Width, p)}, nil
}

// hline draws a horizontal guide at Y across the full width.
type hline struct {
	Y    float64
	Line draw.LineStyle
}

func (h hline) Plot(c draw.Canvas, p *plot.Plot) {
	_, trY := p.Transforms(&c)
	y := trY(h.Y)
	c.StrokeLines(h.Line, c.ClipLinesY([]vg.Point{{X: c.Min.X, Y: y}, {X: c.Max.X, Y: y}})...)
}

func (h hline) DataRange() (xmin, xmax, ymin, ymax float64) {
	return math.Inf(1), math.Inf(-1), h.Y, h.Y
}

// lineGlyph is a legend thumbnail of a line with a marker in its middle.
type lineGlyph struct {
	Line  draw.LineStyle
	Glyph draw.GlyphStyle
}

func (l lineGlyph) Thumbnail(c *draw.Canvas) {
	y := (c.Min.Y + c.Max.Y) / 2
	c.StrokeLine2(l.Line, c.Min.X, y, c.Max.X, y)
	c.DrawGlyph(l.Glyph, vg.Point{X: (c.Min.X + c.Max.X) / 2, Y: y})
}
