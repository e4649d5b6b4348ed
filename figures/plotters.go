package figures

import (
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// The plotters below work in data units throughout, so that a bar and its error bar share
// one x value and cannot drift apart (gonum's BarChart offsets bars in canvas units).

// bars draws vertical bars centred on X with a width in data units.
type bars struct {
	X, Y  []float64
	Width float64
	Fill  color.Color
	Line  draw.LineStyle
}

func (b bars) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	for i := range b.X {
		x0, x1 := trX(b.X[i]-b.Width/2), trX(b.X[i]+b.Width/2)
		y0, y1 := trY(0), trY(b.Y[i])
		pts := []vg.Point{{X: x0, Y: y0}, {X: x0, Y: y1}, {X: x1, Y: y1}, {X: x1, Y: y0}}
		c.FillPolygon(b.Fill, c.ClipPolygonXY(pts))
		if b.Line.Width > 0 {
			c.StrokeLines(b.Line, c.ClipLinesXY(append(pts, pts[0]))...)
		}
	}
}

func (b bars) DataRange() (xmin, xmax, ymin, ymax float64) {
	xmin, xmax, ymin, ymax = math.Inf(1), math.Inf(-1), 0, 0
	for i := range b.X {
		xmin = math.Min(xmin, b.X[i]-b.Width/2)
		xmax = math.Max(xmax, b.X[i]+b.Width/2)
		ymax = math.Max(ymax, b.Y[i])
	}
	return xmin, xmax, ymin, ymax
}

func (b bars) Thumbnail(c *draw.Canvas) {
	pts := []vg.Point{
		{X: c.Min.X, Y: c.Min.Y}, {X: c.Min.X, Y: c.Max.Y},
		{X: c.Max.X, Y: c.Max.Y}, {X: c.Max.X, Y: c.Min.Y},
	}
	c.FillPolygon(b.Fill, pts)
	if b.Line.Width > 0 {
		c.StrokeLines(b.Line, append(pts, pts[0]))
	}
}

// whiskers draws vertical interval bars [Lo, Hi] at X with caps CapWidth wide (data units).
type whiskers struct {
	X, Lo, Hi []float64
	CapWidth  float64
	Line      draw.LineStyle
}

func (w whiskers) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	for i := range w.X {
		x := trX(w.X[i])
		lo, hi := trY(w.Lo[i]), trY(w.Hi[i])
		c.StrokeLines(w.Line, c.ClipLinesXY([]vg.Point{{X: x, Y: lo}, {X: x, Y: hi}})...)
		xl, xr := trX(w.X[i]-w.CapWidth/2), trX(w.X[i]+w.CapWidth/2)
		for _, y := range []vg.Length{lo, hi} {
			c.StrokeLines(w.Line, c.ClipLinesXY([]vg.Point{{X: xl, Y: y}, {X: xr, Y: y}})...)
		}
	}
}

func (w whiskers) DataRange() (xmin, xmax, ymin, ymax float64) {
	xmin, xmax, ymin, ymax = math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
	for i := range w.X {
		xmin, xmax = math.Min(xmin, w.X[i]), math.Max(xmax, w.X[i])
		ymin, ymax = math.Min(ymin, w.Lo[i]), math.Max(ymax, w.Hi[i])
	}
	return xmin, xmax, ymin, ymax
}

func (w whiskers) Thumbnail(c *draw.Canvas) {
	x := (c.Min.X + c.Max.X) / 2
	capW := (c.Max.X - c.Min.X) / 4
	c.StrokeLine2(w.Line, x, c.Min.Y, x, c.Max.Y)
	c.StrokeLine2(w.Line, x-capW, c.Min.Y, x+capW, c.Min.Y)
	c.StrokeLine2(w.Line, x-capW, c.Max.Y, x+capW, c.Max.Y)
}

// band shades y in [Lo, Hi] across the whole x range, with a line at Mid (if not NaN).
type band struct {
	Lo, Mid, Hi float64
	Fill        color.Color
	Line        draw.LineStyle
}

func (b band) Plot(c draw.Canvas, p *plot.Plot) {
	_, trY := p.Transforms(&c)
	lo, hi := trY(b.Lo), trY(b.Hi)
	pts := []vg.Point{{X: c.Min.X, Y: lo}, {X: c.Min.X, Y: hi}, {X: c.Max.X, Y: hi}, {X: c.Max.X, Y: lo}}
	c.FillPolygon(b.Fill, c.ClipPolygonY(pts))
	if !math.IsNaN(b.Mid) {
		y := trY(b.Mid)
		c.StrokeLines(b.Line, c.ClipLinesY([]vg.Point{{X: c.Min.X, Y: y}, {X: c.Max.X, Y: y}})...)
	}
}

func (b band) DataRange() (xmin, xmax, ymin, ymax float64) {
	return math.Inf(1), math.Inf(-1), b.Lo, b.Hi
}

func (b band) Thumbnail(c *draw.Canvas) {
	pts := []vg.Point{
		{X: c.Min.X, Y: c.Min.Y}, {X: c.Min.X, Y: c.Max.Y},
		{X: c.Max.X, Y: c.Max.Y}, {X: c.Max.X, Y: c.Min.Y},
	}
	c.FillPolygon(b.Fill, pts)
	y := (c.Min.Y + c.Max.Y) / 2
	c.StrokeLine2(b.Line, c.Min.X, y, c.Max.X, y)
}

// addMark draws the dotted guide at the marked time x (decimal year) and adds it to the
// legend as label, the same on every chart over time; NaN marks nothing.
func addMark(t Theme, p *plot.Plot, entries []legendEntry, x float64, label string) []legendEntry {
	if math.IsNaN(x) {
		return entries
	}
	mark := vline{X: x, Line: draw.LineStyle{Color: grey(0x40), Width: t.AxisWidth, Dashes: []vg.Length{vg.Points(1), vg.Points(1.5)}}}
	p.Add(mark)
	return append(entries, legendEntry{Label: label, Thumb: mark})
}

// vline draws a vertical guide at X over the full height.
type vline struct {
	X    float64
	Line draw.LineStyle
}

func (v vline) Plot(c draw.Canvas, p *plot.Plot) {
	trX, _ := p.Transforms(&c)
	x := trX(v.X)
	c.StrokeLines(v.Line, c.ClipLinesX([]vg.Point{{X: x, Y: c.Min.Y}, {X: x, Y: c.Max.Y}})...)
}

func (v vline) Thumbnail(c *draw.Canvas) {
	x := (c.Min.X + c.Max.X) / 2
	c.StrokeLine2(v.Line, x, c.Min.Y, x, c.Max.Y)
}

// labels writes text at data points, offset in canvas units.
type labels struct {
	X, Y   []float64
	Text   []string
	Style  text.Style
	Offset vg.Point
}

func (l labels) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	for i := range l.X {
		pt := vg.Point{X: trX(l.X[i]) + l.Offset.X, Y: trY(l.Y[i]) + l.Offset.Y}
		c.FillText(l.Style, pt, l.Text[i])
	}
}

// swatch is a legend thumbnail: a filled square with an optional outline.
type swatch struct {
	Fill color.Color
	Line draw.LineStyle
}

func (s swatch) Thumbnail(c *draw.Canvas) {
	pts := []vg.Point{
		{X: c.Min.X, Y: c.Min.Y}, {X: c.Min.X, Y: c.Max.Y},
		{X: c.Max.X, Y: c.Max.Y}, {X: c.Max.X, Y: c.Min.Y},
	}
	if s.Fill != nil {
		c.FillPolygon(s.Fill, pts)
	}
	if s.Line.Width > 0 {
		c.StrokeLines(s.Line, append(pts, pts[0]))
	}
}

// legendEntry is one item of a legend row.
type legendEntry struct {
	Label string
	Thumb plot.Thumbnailer
}

// legendRow is a one-line legend drawn in its own strip, outside the data area, so that it
// can never cover data.
type legendRow struct {
	Entries []legendEntry
	Style   text.Style
	Thumb   vg.Length // thumbnail width
}

func (l legendRow) gap() vg.Length { return l.Style.Rectangle("  ").Max.X }

func (l legendRow) entryWidth(e legendEntry) vg.Length {
	return l.Thumb + l.gap()/2 + l.Style.Width(e.Label)
}

// lines breaks the entries into lines no wider than width (at least one entry per line).
func (l legendRow) lines(width vg.Length) [][]legendEntry {
	width -= vg.Points(8) // a line that fills the width would touch the figure's edges
	var out [][]legendEntry
	var cur []legendEntry
	var w vg.Length
	for _, e := range l.Entries {
		ew := l.entryWidth(e)
		if len(cur) > 0 && w+l.gap()+ew > width {
			out = append(out, cur)
			cur, w = nil, 0
		}
		if len(cur) > 0 {
			w += l.gap()
		}
		cur, w = append(cur, e), w+ew
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}

func (l legendRow) lineHeight() vg.Length { return l.Style.Height("Xg") * 1.5 }

// height is the strip height the legend needs at the given width.
func (l legendRow) height(width vg.Length) vg.Length {
	return l.lineHeight()*vg.Length(len(l.lines(width))) + l.Style.Height("Xg")*0.5
}

// Draw centres each line of the legend horizontally in c, lines from the top.
func (l legendRow) Draw(c draw.Canvas) {
	gap := l.gap()
	h := l.Style.Height("Xg")
	sty := l.Style
	sty.XAlign, sty.YAlign = draw.XLeft, draw.YBottom
	lines := l.lines(c.Max.X - c.Min.X)
	top := c.Max.Y - (c.Max.Y-c.Min.Y-l.lineHeight()*vg.Length(len(lines)))/2
	for i, line := range lines {
		var w vg.Length
		for j, e := range line {
			if j > 0 {
				w += gap
			}
			w += l.entryWidth(e)
		}
		x := c.Min.X + (c.Max.X-c.Min.X-w)/2
		y := top - l.lineHeight()*vg.Length(i+1) + (l.lineHeight()-h)/2
		for _, e := range line {
			thumb := draw.Canvas{Canvas: c.Canvas, Rectangle: vg.Rectangle{
				Min: vg.Point{X: x, Y: y + h*0.1},
				Max: vg.Point{X: x + l.Thumb, Y: y + h*0.9},
			}}
			e.Thumb.Thumbnail(&thumb)
			x += l.Thumb + gap/2
			c.FillText(sty, vg.Point{X: x, Y: y + sty.FontExtents().Descent}, e.Label)
			x += sty.Width(e.Label) + gap
		}
	}
}

// withLegend puts a legend strip above a drawing.
func withLegend(l legendRow, width vg.Length, d Drawer) Drawer {
	return stack{Parts: []Drawer{l, padRight{d}}, Heights: []vg.Length{l.height(width), 0}}
}

// padRight keeps a tick label centred on the last tick (e.g. "2020") off the figure's edge.
type padRight struct{ Drawer }

func (p padRight) Draw(c draw.Canvas) {
	c.Max.X -= vg.Points(10) // half of "2020" at 8 pt is 9 pt
	p.Drawer.Draw(c)
}

// stack draws parts top to bottom, each with a fixed height; the part with height 0 takes
// what is left.
type stack struct {
	Parts   []Drawer
	Heights []vg.Length
}

func (s stack) Draw(c draw.Canvas) {
	var fixed vg.Length
	flex := 0
	for _, h := range s.Heights {
		if h == 0 {
			flex++
		}
		fixed += h
	}
	rest := c.Max.Y - c.Min.Y - fixed
	if flex > 0 {
		rest /= vg.Length(flex)
	}
	top := c.Max.Y
	for i, part := range s.Parts {
		h := s.Heights[i]
		if h == 0 {
			h = rest
		}
		sub := draw.Canvas{Canvas: c.Canvas, Rectangle: vg.Rectangle{
			Min: vg.Point{X: c.Min.X, Y: top - h},
			Max: vg.Point{X: c.Max.X, Y: top},
		}}
		part.Draw(sub)
		top -= h
	}
}

// linePoints draws xys as a line with a glyph at each point; the error names the figure.
func linePoints(figure string, xys plotter.XYs, line draw.LineStyle, glyph draw.GlyphStyle) (*plotter.Line, *plotter.Scatter, error) {
	l, err := plotter.NewLine(xys)
	if err != nil {
		return nil, nil, fmt.Errorf("figure %q: %w", figure, err)
	}
	l.LineStyle = line
	s, err := plotter.NewScatter(xys)
	if err != nil {
		return nil, nil, fmt.Errorf("figure %q: %w", figure, err)
	}
	s.GlyphStyle = glyph
	return l, s, nil
}
