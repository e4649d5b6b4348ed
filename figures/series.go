package figures

import (
	"fmt"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// SeriesPoint is one observation of a share over time; Year is a decimal year (2018.0 is
// 1 January 2018).
type SeriesPoint struct {
	Year  float64
	Share float64
}

// Reference is a share with its interval, drawn as a line in a shaded band.
type Reference struct {
	Label         string
	Share, Lo, Hi float64
}

// SeriesChart describes a share over time with a reference band and a marked time.
type SeriesChart struct {
	Name      string
	Title     string
	YLabel    string
	Width     vg.Length
	Height    vg.Length
	Label     string // legend text of the series
	Points    []SeriesPoint
	Reference Reference
	Mark      float64 // decimal year of the marked point (NaN: none)
	MarkLabel string
}

// Series draws a share over time (per cent) with a reference band (e.g. the study's share
// and its interval) and a vertical guide at a marked time (e.g. the baseline month).
func Series(t Theme, c SeriesChart) (Figure, error) {
	c.Width, c.Height = sized(c.Width, c.Height)
	if len(c.Points) == 0 {
		return Figure{}, fmt.Errorf("figure %q: no points", c.Name)
	}
	xys := make(plotter.XYs, len(c.Points))
	for i, pt := range c.Points {
		if math.IsNaN(pt.Year) || math.IsNaN(pt.Share) || pt.Share < 0 || pt.Share > 1 {
			return Figure{}, fmt.Errorf("figure %q: point %d: year %v share %v", c.Name, i, pt.Year, pt.Share)
		}
		xys[i] = plotter.XY{X: pt.Year, Y: 100 * pt.Share}
	}
	p := t.NewPlot()
	p.Title.Text = c.Title
	p.Y.Label.Text = c.YLabel
	p.Y.Min, p.Y.Max = 0, 70
	p.Y.Tick.Marker = percentTicks()
	p.X.Tick.Marker = yearTicks{}

	ref := band{
		Lo: 100 * c.Reference.Lo, Mid: 100 * c.Reference.Share, Hi: 100 * c.Reference.Hi,
		Fill: withAlpha(t.Color(1), 0x55),
		Line: draw.LineStyle{Color: t.Color(1), Width: t.LineWidth, Dashes: []vg.Length{vg.Points(3), vg.Points(1.5)}},
	}
	line, pts, err := linePoints(c.Name, xys, draw.LineStyle{Color: t.Color(0), Width: t.LineWidth},
		draw.GlyphStyle{Color: t.Color(0), Radius: vg.Points(1.2), Shape: draw.CircleGlyph{}})
	if err != nil {
		return Figure{}, err
	}
	p.Add(ref, line, pts)
	entries := []legendEntry{{Label: c.Label, Thumb: line}, {Label: c.Reference.Label, Thumb: ref}}
	entries = addMark(t, p, entries, c.Mark, c.MarkLabel)
	xmin, xmax, _, _ := line.DataRange()
	p.X.Min, p.X.Max = math.Floor(xmin), math.Ceil(xmax)
	legend := legendRow{Entries: entries, Style: t.TextStyle(t.TickSize), Thumb: vg.Points(12)}
	return Figure{Name: c.Name, Width: c.Width, Height: c.Height, Drawer: withLegend(legend, c.Width, p)}, nil
}

// yearTicks labels whole years with minor ticks at quarters.
type yearTicks struct{}

func (yearTicks) Ticks(min, max float64) []plot.Tick {
	var ticks []plot.Tick
	for q := math.Ceil(min * 4); q <= math.Floor(max*4); q++ {
		v := q / 4
		label := ""
		if math.Mod(q, 4) == 0 {
			label = fmt.Sprintf("%.0f", v)
		}
		ticks = append(ticks, plot.Tick{Value: v, Label: label})
	}
	return ticks
}
