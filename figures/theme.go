// Package figures draws the study's publication figures with gonum/plot: a shared theme
// (Liberation Sans at 8–9 pt, the Okabe–Ito colour-blind-safe palette, one- and
// two-column journal widths) and figure functions that take plain numbers (shares and
// their intervals, p-value grids) and return a Figure to save as PNG (300 dpi), SVG and PDF.
//
// The figures compute no statistics of their own: bars come from analysis results
// (ShareBar from an analysis.Share, TableBars from a stats.Table with stats.Wilson), so
// that a figure shows exactly the numbers of the report it belongs to.
package figures

import (
	"image/color"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Journal column widths.
const (
	OneColumn = 3.5 * vg.Inch
	TwoColumn = 7.2 * vg.Inch
)

// The eight Okabe–Ito colours (Okabe & Ito 2008, "Color Universal Design"), safe for the
// common colour-vision deficiencies.
// A data table, one case per colour, as published.
func okabeIto(name string) color.RGBA {
	switch name {
	case "orange":
		return color.RGBA{0xe6, 0x9f, 0x00, 0xff}
	case "skyblue":
		return color.RGBA{0x56, 0xb4, 0xe9, 0xff}
	case "bluishgreen":
		return color.RGBA{0x00, 0x9e, 0x73, 0xff}
	case "yellow":
		return color.RGBA{0xf0, 0xe4, 0x42, 0xff}
	case "blue":
		return color.RGBA{0x00, 0x72, 0xb2, 0xff}
	case "vermillion":
		return color.RGBA{0xd5, 0x5e, 0x00, 0xff}
	case "reddishpurple":
		return color.RGBA{0xcc, 0x79, 0xa7, 0xff}
	}
	return color.RGBA{0x00, 0x00, 0x00, 0xff}
}

// grey is for reference marks (bands, guide lines) that must not compete with data.
func grey(level uint8) color.RGBA { return color.RGBA{level, level, level, 0xff} }

// Theme is the look shared by every figure.
type Theme struct {
	Font      font.Font // typeface (size ignored; see the sizes below)
	TitleSize vg.Length // panel titles
	LabelSize vg.Length // axis labels
	TickSize  vg.Length // tick labels, legends and annotations
	LineWidth vg.Length // data lines and bar outlines
	AxisWidth vg.Length // axis lines and ticks
	Palette   []color.Color
}

// Default returns the publication theme: Liberation Sans (embedded in gonum/plot) at 9 pt for
// titles and labels and 8 pt for ticks, thin axes, and the Okabe–Ito palette in the order
// blue, orange, bluish green, vermillion, sky blue, reddish purple, yellow, black.
func Default() Theme {
	return Theme{
		Font:      font.Font{Typeface: "Liberation", Variant: "Sans"},
		TitleSize: vg.Points(9),
		LabelSize: vg.Points(9),
		TickSize:  vg.Points(8),
		LineWidth: vg.Points(1),
		AxisWidth: vg.Points(0.5),
		Palette: []color.Color{
			okabeIto("blue"), okabeIto("orange"), okabeIto("bluishgreen"), okabeIto("vermillion"),
			okabeIto("skyblue"), okabeIto("reddishpurple"), okabeIto("yellow"), okabeIto("black"),
		},
	}
}

// Color returns the i-th palette colour, cycling.
func (t Theme) Color(i int) color.Color {
	if len(t.Palette) == 0 {
		return color.Black
	}
	return t.Palette[((i%len(t.Palette))+len(t.Palette))%len(t.Palette)]
}

// TextStyle returns a text style in the theme's font at size.
func (t Theme) TextStyle(size vg.Length) text.Style {
	return text.Style{
		Color:   color.Black,
		Font:    font.From(t.Font, size),
		Handler: plot.DefaultTextHandler,
		XAlign:  draw.XLeft,
		YAlign:  draw.YBottom,
	}
}

// NewPlot returns a plot styled by the theme: fonts, sizes and line widths on title, axes,
// ticks and legend. The caller sets titles, labels and data.
func (t Theme) NewPlot() *plot.Plot {
	p := plot.New()
	p.Title.TextStyle.Font = font.From(t.Font, t.TitleSize)
	p.Title.Padding = vg.Points(4)
	for _, ax := range []*plot.Axis{&p.X, &p.Y} {
		ax.Label.TextStyle.Font = font.From(t.Font, t.LabelSize)
		ax.Tick.Label.Font = font.From(t.Font, t.TickSize)
		ax.LineStyle.Width = t.AxisWidth
		ax.Tick.LineStyle.Width = t.AxisWidth
		ax.Tick.Length = vg.Points(3)
		ax.Padding = vg.Points(2)
	}
	p.X.Label.Padding = vg.Points(2)
	p.Y.Label.Padding = vg.Points(2)
	p.Legend.TextStyle.Font = font.From(t.Font, t.TickSize)
	p.Legend.ThumbnailWidth = vg.Points(12)
	return p
}

// withAlpha returns c with alpha a, premultiplied as image/color expects.
func withAlpha(c color.Color, a uint8) color.Color {
	r, g, b, _ := c.RGBA()
	k := uint32(a)
	return color.RGBA{uint8(r >> 8 * k / 0xff), uint8(g >> 8 * k / 0xff), uint8(b >> 8 * k / 0xff), a}
}
