package figures

import (
	"fmt"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// SlopeLine is one measure in a slope chart: its share in the first and the second
// wave (in [0, 1]).
type SlopeLine struct {
	Label    string
	From, To float64
}

// SlopeChart describes a slope (paired-dot) chart: for each measure, its share in
// two waves joined by a line.
type SlopeChart struct {
	Name     string
	Title    string
	YLabel   string
	From, To string // x-axis labels of the two waves
	Width    vg.Length
	Height   vg.Length
	Lines    []SlopeLine
}

// Slope draws a slope chart (per cent): each line's two shares as dots at the
// two waves, joined, one colour per line with a legend.
func Slope(t Theme, c SlopeChart) (Figure, error) {
	c.Width, c.Height = sized(c.Width, c.Height)
	if len(c.Lines) == 0 {
		return Figure{}, fmt.Errorf("figure %q: no lines", c.Name)
	}
	p := t.NewPlot()
	p.Title.Text = c.Title
	p.Y.Label.Text = c.YLabel
	p.Y.Min, p.Y.Max = 0, 100
	p.Y.Tick.Marker = percentTicks()
	p.X.Min, p.X.Max = -0.25, 1.25
	p.X.Tick.Marker = plot.ConstantTicks([]plot.Tick{{Value: 0, Label: c.From}, {Value: 1, Label: c.To}})
	var entries []legendEntry
	for i, l := range c.Lines {
		for _, v := range []float64{l.From, l.To} {
			if math.IsNaN(v) || v < 0 || v > 1 {
				return Figure{}, fmt.Errorf("figure %q: line %q: share %v outside [0, 1]", c.Name, l.Label, v)
			}
		}
		xys := plotter.XYs{{X: 0, Y: 100 * l.From}, {X: 1, Y: 100 * l.To}}
		line, dots, err := linePoints(c.Name, xys, draw.LineStyle{Color: t.Color(i), Width: t.LineWidth},
			draw.GlyphStyle{Color: t.Color(i), Radius: vg.Points(2), Shape: draw.CircleGlyph{}})
		if err != nil {
			return Figure{}, err
		}
		p.Add(line, dots)
		entries = append(entries, legendEntry{Label: l.Label, Thumb: line})
	}
	legend := legendRow{Entries: entries, Style: t.TextStyle(t.TickSize), Thumb: vg.Points(12)}
	return Figure{Name: c.Name, Width: c.Width, Height: c.Height, Drawer: withLegend(legend, c.Width, p)}, nil
}
