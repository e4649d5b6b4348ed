package figures

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// unicodeLabels are the non-ASCII symbols the reports print, in one figure's labels.
func unicodeFigure(t *testing.T) Figure {
	t.Helper()
	f, err := Proportions(Default(), ProportionChart{Name: "unicode", YLabel: "χ² ≥ 3.84 − 1",
		Interval: "95% CI 11–19 × 2", Bars: []Proportion{{Category: "Müthing α", Count: 1, Total: 4, Share: 0.25, Lo: 0.05, Hi: 0.7}}})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// tool returns the path of a poppler tool, or skips: CI installs poppler-utils.
func tool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Skipf("%s not installed (apt-get install poppler-utils)", name)
	}
	return p
}

// svgTexts returns the text of every <text> element of an SVG.
func svgTexts(svg []byte) []string {
	var out []string
	for _, m := range regexp.MustCompile(`<text[^>]*>([^<]*)</text>`).FindAllSubmatch(svg, -1) {
		s := strings.NewReplacer("&amp;", "&", "&lt;", "<", "&gt;", ">", "&#34;", `"`, "&#39;", "'").Replace(string(m[1]))
		if strings.TrimSpace(s) != "" {
			out = append(out, s)
		}
	}
	return out
}

// TestPDFTextMatchesSVG extracts the text of every PDF figure with pdftotext and checks
// that each label of the same figure's SVG is in it, written the same: no WinAnsi mojibake.
func TestPDFTextMatchesSVG(t *testing.T) {
	pdftotext := tool(t, "pdftotext")
	dir := t.TempDir()
	for _, f := range append(sampleFigures(t), unicodeFigure(t)) {
		pdf, err := Render(f, "pdf")
		if err != nil {
			t.Fatal(err)
		}
		svg, err := Render(f, "svg")
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, f.Name+".pdf")
		if err := os.WriteFile(path, pdf, 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(pdftotext, "-raw", path, "-").Output()
		if err != nil {
			t.Fatalf("pdftotext %s: %v", f.Name, err)
		}
		// Rotated labels come out a word per line; compare without white space.
		squeeze := func(s string) string { return strings.Join(strings.Fields(s), "") }
		text := squeeze(string(out))
		labels := svgTexts(svg)
		if len(labels) == 0 {
			t.Fatalf("%s.svg has no text", f.Name)
		}
		for _, l := range labels {
			if !strings.Contains(text, squeeze(l)) {
				t.Errorf("%s.pdf: SVG label %q not in the PDF's text %q", f.Name, l, text)
			}
		}
	}
}

// TestPDFPixelsMatchPNG rasterises each PDF with pdftoppm at 300 dpi and compares it with
// the PNG: the translucent reference band must keep its colour (it was faded twice), and
// the picture as a whole must agree block by block.
func TestPDFPixelsMatchPNG(t *testing.T) {
	pdftoppm := tool(t, "pdftoppm")
	dir := t.TempDir()
	for _, f := range sampleFigures(t) {
		pngData, err := Render(f, "png")
		if err != nil {
			t.Fatal(err)
		}
		want, err := png.Decode(bytes.NewReader(pngData))
		if err != nil {
			t.Fatal(err)
		}
		pdf, err := Render(f, "pdf")
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, f.Name+".pdf")
		if err := os.WriteFile(path, pdf, 0o644); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command(pdftoppm, "-r", "300", "-png", "-singlefile", path, filepath.Join(dir, f.Name)).CombinedOutput(); err != nil {
			t.Fatalf("pdftoppm %s: %v\n%s", f.Name, err, out)
		}
		raw, err := os.ReadFile(filepath.Join(dir, f.Name+".png"))
		if err != nil {
			t.Fatal(err)
		}
		got, err := png.Decode(bytes.NewReader(raw))
		if err != nil {
			t.Fatal(err)
		}
		wb, gb := want.Bounds(), got.Bounds()
		if d := wb.Dx() - gb.Dx(); d < -1 || d > 1 || wb.Dy()-gb.Dy() < -1 || wb.Dy()-gb.Dy() > 1 {
			t.Fatalf("%s: PDF at 300 dpi is %v, PNG %v", f.Name, gb.Size(), wb.Size())
		}
		// Block means over 12 × 12 pixels: text antialiasing differs between the two
		// rasterisers, geometry and colour must not.
		const block, tol = 12, 28
		var blocks, off int
		for y := 0; y+block <= min(wb.Dy(), gb.Dy()); y += block {
			for x := 0; x+block <= min(wb.Dx(), gb.Dx()); x += block {
				a, b := blockMean(want, x, y, block), blockMean(got, x, y, block)
				blocks++
				for i := range a {
					if a[i]-b[i] > tol || b[i]-a[i] > tol {
						off++
						break
					}
				}
			}
		}
		if off > blocks/50 {
			t.Errorf("%s: %d of %d pixel blocks differ between PDF and PNG", f.Name, off, blocks)
		}
		if f.Name == "series" {
			// The band: pixels of the PNG in its light orange must be light orange in the PDF.
			band := [3]int{0xf7, 0xdf, 0xaa}
			var n, match int
			for y := 0; y < min(wb.Dy(), gb.Dy()); y++ {
				for x := 0; x < min(wb.Dx(), gb.Dx()); x++ {
					if near(rgb(want.At(x, y)), band, 12) {
						n++
						if near(rgb(got.At(x, y)), band, 16) {
							match++
						}
					}
				}
			}
			if n < 1000 {
				t.Fatalf("series.png has only %d band pixels", n)
			}
			if match < n*9/10 {
				t.Errorf("series.pdf: %d of %d band pixels keep the band colour", match, n)
			}
		}
	}
}

func rgb(c interface{ RGBA() (r, g, b, a uint32) }) [3]int {
	r, g, b, _ := c.RGBA()
	return [3]int{int(r >> 8), int(g >> 8), int(b >> 8)}
}

func near(a, b [3]int, tol int) bool {
	for i := range a {
		if a[i]-b[i] > tol || b[i]-a[i] > tol {
			return false
		}
	}
	return true
}

func blockMean(img image.Image, x0, y0, n int) [3]int {
	var s [3]int
	b := img.Bounds()
	for y := y0; y < y0+n; y++ {
		for x := x0; x < x0+n; x++ {
			c := rgb(img.At(b.Min.X+x, b.Min.Y+y))
			for i := range s {
				s[i] += c[i]
			}
		}
	}
	for i := range s {
		s[i] /= n * n
	}
	return s
}

// TestPNGHasPHYs checks that PNGs say 300 dpi (11811 pixels per metre) in a valid pHYs chunk.
func TestPNGHasPHYs(t *testing.T) {
	data, err := Render(sampleFigures(t)[0], "png")
	if err != nil {
		t.Fatal(err)
	}
	i := bytes.Index(data, []byte("pHYs"))
	if i < 4 {
		t.Fatal("no pHYs chunk")
	}
	if n := binary.BigEndian.Uint32(data[i-4:]); n != 9 {
		t.Fatalf("pHYs length %d", n)
	}
	x, y, unit := binary.BigEndian.Uint32(data[i+4:]), binary.BigEndian.Uint32(data[i+8:]), data[i+12]
	if x != 11811 || y != 11811 || unit != 1 {
		t.Errorf("pHYs = %d × %d per unit %d, want 11811 × 11811 per metre", x, y, unit)
	}
	if _, err := png.Decode(bytes.NewReader(data)); err != nil {
		t.Errorf("PNG with pHYs does not decode (bad CRC?): %v", err)
	}
}

func TestSVGFontFallback(t *testing.T) {
	svg, err := Render(sampleFigures(t)[0], "svg")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(svg, []byte("font-family:'Liberation Sans',Arial,Helvetica,sans-serif;")) {
		t.Error("SVG font-family without a generic fallback")
	}
	if bytes.Contains(svg, []byte("font-family:Liberation Sans;")) {
		t.Error("SVG still names a bare font-family")
	}
}

func TestSaveCreatesFolderWithDefaults(t *testing.T) {
	f := unicodeFigure(t)
	f.Name, f.Width, f.Height = "", 0, 0
	dir := filepath.Join(t.TempDir(), "a", "b")
	paths, err := Save(f, dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) != 3 || filepath.Base(paths[0]) != "figure.png" {
		t.Fatalf("Save wrote %v", paths)
	}
	data, _ := os.ReadFile(paths[0])
	if w := binary.BigEndian.Uint32(data[16:]); w != 1050 {
		t.Errorf("default width %d px, want 1050 (one column at 300 dpi)", w)
	}
}
