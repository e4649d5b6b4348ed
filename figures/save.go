package figures

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"
)

// Drawer draws a figure onto a canvas; *plot.Plot is one, and so are the composite figures
// (panels with a legend strip) of this package.
type Drawer interface {
	Draw(c draw.Canvas)
}

// Figure is a drawing with its printed size.
type Figure struct {
	Name          string // file stem, e.g. "pulse_series"
	Width, Height vg.Length
	Drawer        Drawer
}

// PNGDPI is the resolution of the PNG files.
const PNGDPI = 300

// pdfDate is written as the PDF's CreationDate and ModDate. fpdf uses time.Now() when the
// date is unset, which would make every PDF differ; the study's publication date is fixed.
func pdfDate() time.Time { return time.Date(2019, time.January, 23, 0, 0, 0, 0, time.UTC) }

// Formats are the file types Save writes, in order.
func Formats() []string { return []string{"png", "svg", "pdf"} }

// Default figure size, used where a chart or a Figure leaves its size zero: one journal
// column wide.
const (
	DefaultWidth  = OneColumn
	DefaultHeight = 2.6 * vg.Inch
)

// sized returns w and h with zero replaced by the default size.
func sized(w, h vg.Length) (vg.Length, vg.Length) {
	if w == 0 {
		w = DefaultWidth
	}
	if h == 0 {
		h = DefaultHeight
	}
	return w, h
}

// Render returns the figure encoded as format ("png", "svg" or "pdf"); a zero width or
// height is the default size. The bytes depend only on the figure: PDFs carry a fixed
// creation date and sorted resource catalogs. PNGs record their 300 dpi (pHYs); SVG text
// names the typeface with fallbacks; PDF text is Unicode, so it renders and extracts as written.
func Render(f Figure, format string) (data []byte, err error) {
	f.Width, f.Height = sized(f.Width, f.Height)
	if f.Drawer == nil || f.Width < 0 || f.Height < 0 {
		return nil, fmt.Errorf("figure %q: empty drawing or size %v×%v", f.Name, f.Width, f.Height)
	}
	// gonum/plot and fpdf panic on some bad inputs (fonts, NaN geometry); turn that into an
	// error for this figure rather than a crash of the whole report.
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("figure %q: drawing %s failed: %v", f.Name, format, r)
		}
	}()
	var c interface {
		vg.CanvasWriterTo
	}
	switch format {
	case "png":
		img := vgimg.NewWith(vgimg.UseWH(f.Width, f.Height), vgimg.UseDPI(PNGDPI))
		c = vgimg.PngCanvas{Canvas: img}
	case "svg":
		c = vgsvg.New(f.Width, f.Height)
	case "pdf":
		c = newPDFCanvas(f.Width, f.Height)
	default:
		return nil, fmt.Errorf("figure %q: unknown format %q (want png, svg or pdf)", f.Name, format)
	}
	f.Drawer.Draw(draw.New(c))
	var buf bytes.Buffer
	if _, err := c.WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("figure %q: encoding %s: %w", f.Name, format, err)
	}
	switch format {
	case "png":
		return withPHYs(buf.Bytes(), PNGDPI)
	case "svg":
		return svgFontFallback(buf.Bytes()), nil
	}
	return buf.Bytes(), nil
}

// Save writes the figure as dir/Name.png, .svg and .pdf, creating dir if needed, and
// returns the paths written. A figure without a name is saved as "figure".
func Save(f Figure, dir string) ([]string, error) {
	if f.Name == "" {
		f.Name = "figure"
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("figure %q: %w", f.Name, err)
	}
	var paths []string
	for _, format := range Formats() {
		data, err := Render(f, format)
		if err != nil {
			return paths, err
		}
		path := filepath.Join(dir, f.Name+"."+format)
		if err := os.WriteFile(path, data, 0o644); err != nil {
			return paths, fmt.Errorf("figure %q: %w", f.Name, err)
		}
		paths = append(paths, path)
	}
	return paths, nil
}
