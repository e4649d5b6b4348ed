package figures

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"math"

	"codeberg.org/go-pdf/fpdf"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/vg"
)

// pdfCanvas is a vg.Canvas that writes a PDF. gonum/plot's own vgpdf embeds fonts as
// WinAnsi (cp1252) simple fonts and passes UTF-8 text through unconverted, so χ², –, ≥, −
// and × come out as mojibake; it also sets alpha on top of premultiplied colours, fading a
// translucent fill twice. This canvas embeds each font as a Unicode (Identity-H) subset with
// a ToUnicode map, so the text renders and extracts as written, and un-premultiplies colours.
//
// Drawing uses PDF's own coordinates (origin bottom left, y up), as vg does: fpdf's drawing
// calls take y from the top, so every y passes through flip, and vg's transforms are written
// as raw cm matrices.
type pdfCanvas struct {
	doc   *fpdf.Fpdf
	w, h  vg.Length
	stack []pdfState
	fonts map[font.Font]string // registered fonts and their fpdf family names
	imgs  int
}

// pdfState is what Push saves and Pop restores, besides the PDF graphics state itself:
// fpdf tracks colour and line settings on its side too, so they are set again on Pop.
type pdfState struct {
	color  color.Color
	width  vg.Length
	dashes []vg.Length
	offset vg.Length
}

func newPDFCanvas(w, h vg.Length) *pdfCanvas {
	doc := fpdf.NewCustom(&fpdf.InitType{UnitStr: "pt", Size: fpdf.SizeType{Wd: w.Points(), Ht: h.Points()}})
	// Fixed dates and sorted catalogs: the bytes depend only on the figure.
	doc.SetCreationDate(pdfDate())
	doc.SetModificationDate(pdfDate())
	doc.SetCatalogSort(true)
	doc.SetMargins(0, 0, 0)
	doc.SetAutoPageBreak(false, 0)
	doc.AddPage()
	c := &pdfCanvas{doc: doc, w: w, h: h, stack: []pdfState{{}}, fonts: map[font.Font]string{}}
	doc.TransformBegin()
	vg.Initialize(c)
	return c
}

func (c *pdfCanvas) state() *pdfState { return &c.stack[len(c.stack)-1] }

// flip turns a y measured up from the bottom (vg, PDF) into fpdf's y measured down from the top.
func (c *pdfCanvas) flip(y vg.Length) float64 { return (c.h - y).Points() }

func (c *pdfCanvas) Size() (w, h vg.Length) { return c.w, c.h }

func (c *pdfCanvas) SetLineWidth(w vg.Length) {
	c.state().width = w
	c.doc.SetLineWidth(max(w.Points(), 0))
}

func (c *pdfCanvas) SetLineDash(dashes []vg.Length, offset vg.Length) {
	s := c.state()
	s.dashes, s.offset = append([]vg.Length(nil), dashes...), offset
	d := make([]float64, len(dashes))
	for i, v := range dashes {
		d[i] = v.Points()
	}
	c.doc.SetDashPattern(d, offset.Points())
}

func (c *pdfCanvas) SetColor(col color.Color) {
	if col == nil {
		col = color.Black
	}
	c.state().color = col
	// image/color colours are alpha-premultiplied; PDF wants the straight colour and the
	// alpha separately.
	n := color.NRGBAModel.Convert(col).(color.NRGBA)
	r, g, b := int(n.R), int(n.G), int(n.B)
	c.doc.SetFillColor(r, g, b)
	c.doc.SetDrawColor(r, g, b)
	c.doc.SetTextColor(r, g, b)
	c.doc.SetAlpha(float64(n.A)/255, "Normal")
}

func (c *pdfCanvas) Rotate(rad float64) {
	sin, cos := math.Sincos(rad)
	c.doc.Transform(fpdf.TransformMatrix{A: cos, B: sin, C: -sin, D: cos})
}

func (c *pdfCanvas) Translate(pt vg.Point) {
	c.doc.Transform(fpdf.TransformMatrix{A: 1, D: 1, E: pt.X.Points(), F: pt.Y.Points()})
}

func (c *pdfCanvas) Scale(x, y float64) {
	c.doc.Transform(fpdf.TransformMatrix{A: x, D: y})
}

func (c *pdfCanvas) Push() {
	c.stack = append(c.stack, *c.state())
	c.doc.TransformBegin()
}

func (c *pdfCanvas) Pop() {
	if len(c.stack) < 2 {
		return
	}
	c.doc.TransformEnd()
	c.stack = c.stack[:len(c.stack)-1]
	s := *c.state()
	c.SetColor(s.color)
	c.SetLineWidth(s.width)
	c.SetLineDash(s.dashes, s.offset)
}

func (c *pdfCanvas) Stroke(p vg.Path) {
	if c.state().width > 0 {
		c.path(p, "D")
	}
}

func (c *pdfCanvas) Fill(p vg.Path) { c.path(p, "F") }

// path writes p and paints it: "D" strokes, "F" fills.
func (c *pdfCanvas) path(p vg.Path, style string) {
	if len(p) == 0 {
		return
	}
	var start vg.Point
	for _, comp := range p {
		switch comp.Type {
		case vg.MoveComp:
			start = comp.Pos
			c.doc.MoveTo(comp.Pos.X.Points(), c.flip(comp.Pos.Y))
		case vg.LineComp:
			c.doc.LineTo(comp.Pos.X.Points(), c.flip(comp.Pos.Y))
		case vg.ArcComp:
			c.arc(comp)
		case vg.CurveComp:
			switch len(comp.Control) {
			case 1:
				k := comp.Control[0]
				c.doc.CurveTo(k.X.Points(), c.flip(k.Y), comp.Pos.X.Points(), c.flip(comp.Pos.Y))
			case 2:
				k0, k1 := comp.Control[0], comp.Control[1]
				c.doc.CurveBezierCubicTo(k0.X.Points(), c.flip(k0.Y), k1.X.Points(), c.flip(k1.Y), comp.Pos.X.Points(), c.flip(comp.Pos.Y))
			}
		case vg.CloseComp:
			c.doc.LineTo(start.X.Points(), c.flip(start.Y))
			c.doc.ClosePath()
		}
	}
	c.doc.DrawPath(style)
}

// arc draws a circular arc as cubic Béziers of at most a quarter turn each, starting with a
// line to its first point as vg's arcs do.
func (c *pdfCanvas) arc(comp vg.PathComp) {
	at := func(a float64) (float64, float64) {
		sin, cos := math.Sincos(a)
		return (comp.Pos.X + comp.Radius*vg.Length(cos)).Points(), c.flip(comp.Pos.Y + comp.Radius*vg.Length(sin))
	}
	x0, y0 := at(comp.Start)
	c.doc.LineTo(x0, y0)
	n := int(math.Ceil(math.Abs(comp.Angle) / (math.Pi / 2)))
	if n == 0 {
		return
	}
	step := comp.Angle / float64(n)
	k := 4.0 / 3 * math.Tan(step/4) * comp.Radius.Points() // control-point distance
	for i := 0; i < n; i++ {
		a0, a1 := comp.Start+float64(i)*step, comp.Start+float64(i+1)*step
		ax, ay := at(a0)
		bx, by := at(a1)
		s0, c0 := math.Sincos(a0)
		s1, c1 := math.Sincos(a1)
		// Tangents in PDF space; fpdf's y runs down, so the y components change sign.
		c.doc.CurveBezierCubicTo(ax-k*s0, ay-k*c0, bx+k*s1, by+k*c1, bx, by)
	}
}

func (c *pdfCanvas) FillString(f font.Face, pt vg.Point, s string) {
	if f.Font.Size == 0 || s == "" {
		return
	}
	family, err := c.font(f)
	if err != nil {
		panic(err) // Render turns this into an error for the figure
	}
	c.doc.SetFont(family, "", f.Font.Size.Points())
	c.doc.Text(pt.X.Points(), c.flip(pt.Y), s)
}

// font registers f as a Unicode TrueType font (embedded as a subset) and returns its name.
func (c *pdfCanvas) font(f font.Face) (string, error) {
	if name, ok := c.fonts[f.Font]; ok {
		return name, nil
	}
	var raw bytes.Buffer
	if _, err := f.Face.WriteSourceTo(nil, &raw); err != nil {
		return "", fmt.Errorf("pdf: font %s: %w", f.Name(), err)
	}
	name := fmt.Sprintf("F%d-%s", len(c.fonts), f.Name())
	c.doc.AddUTF8FontFromBytes(name, "", raw.Bytes())
	if err := c.doc.Error(); err != nil {
		return "", fmt.Errorf("pdf: font %s: %w", f.Name(), err)
	}
	c.fonts[f.Font] = name
	return name, nil
}

func (c *pdfCanvas) DrawImage(rect vg.Rectangle, img image.Image) {
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		panic(fmt.Errorf("pdf: image: %w", err))
	}
	c.imgs++
	name := fmt.Sprintf("image%d", c.imgs)
	opt := fpdf.ImageOptions{ImageType: "png"}
	c.doc.RegisterImageOptionsReader(name, opt, &buf)
	size := rect.Size()
	c.doc.ImageOptions(name, rect.Min.X.Points(), c.flip(rect.Max.Y), size.X.Points(), size.Y.Points(), false, opt, 0, "")
}

// WriteTo writes the PDF; the canvas cannot be drawn on afterwards.
func (c *pdfCanvas) WriteTo(w io.Writer) (int64, error) {
	c.doc.TransformEnd()
	var buf bytes.Buffer
	if err := c.doc.Output(&buf); err != nil {
		return 0, err
	}
	return buf.WriteTo(w)
}
