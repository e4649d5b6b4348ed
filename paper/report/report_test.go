package report

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/mhealthsec/mhealthsec/figures"
)

func TestNumeric(t *testing.T) {
	for _, tc := range []struct {
		cell string
		want bool
	}{
		{"0.03", true}, {"<.001", true}, {"15.1%", true}, {"44/291", true}, {"—", true},
		{"140,000", true}, {"−1.5", true}, {"reproduced", false}, {"P=.03", false}, {"a/b", false},
	} {
		if got := numeric(tc.cell); got != tc.want {
			t.Errorf("numeric(%q) = %v, want %v", tc.cell, got, tc.want)
		}
	}
}

func sample() Table {
	return Table{
		Name: "t", Caption: "Shares & p", Columns: []string{"what", "n", "share"},
		Rows: [][]string{{"a|b", "44/291", "15.1%"}, {"x_y", "9", "≥.10"}},
		Note: "50% assumed",
	}
}

func TestTableMarkdown(t *testing.T) {
	got := string(TableMarkdown(sample()))
	want := "| what | n | share |\n|---|---:|---:|\n| a\\|b | 44/291 | 15.1% |\n| x_y | 9 | ≥.10 |\n"
	if got != want {
		t.Errorf("markdown:\n%s\nwant:\n%s", got, want)
	}
}

func TestTableLaTeX(t *testing.T) {
	got := string(TableLaTeX(sample()))
	for _, want := range []string{
		`\begin{tabular}{lrr}`, `\toprule`, `\midrule`, `\bottomrule`,
		`a|b & 44/291 & 15.1\% \\`, `x\_y & 9 & $\geq$.10 \\`, `\caption{Shares \& p}`, `50\% assumed`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("LaTeX lacks %q:\n%s", want, got)
		}
	}
}

func TestTableCSV(t *testing.T) {
	got, err := TableCSV(sample())
	if err != nil {
		t.Fatal(err)
	}
	want := "what,n,share\na|b,44/291,15.1%\nx_y,9,≥.10\n"
	if string(got) != want {
		t.Errorf("csv = %q, want %q", got, want)
	}
}

func TestInlineHTML(t *testing.T) {
	for in, want := range map[string]string{
		"a <b> `c<d>` e": "a &lt;b&gt; <code>c&lt;d&gt;</code> e",
		"odd ` tick":     "odd ` tick",
	} {
		if got := inlineHTML(in); got != want {
			t.Errorf("inlineHTML(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestValidate(t *testing.T) {
	for name, d := range map[string]Document{
		"bad name":   {Sections: []Section{{Blocks: []Block{Table{Name: "a b"}}}}},
		"dup table":  {Sections: []Section{{Blocks: []Block{Table{Name: "a"}, Table{Name: "a"}}}}},
		"ragged row": {Sections: []Section{{Blocks: []Block{Table{Name: "a", Columns: []string{"x"}, Rows: [][]string{{"1", "2"}}}}}}},
		"dup figure": {Sections: []Section{{Blocks: []Block{Figure{Figure: figures.Figure{Name: "f"}}, Figure{Figure: figures.Figure{Name: "f"}}}}}},
	} {
		if err := d.Validate(); err == nil {
			t.Errorf("%s: Validate accepted it", name)
		}
	}
}

// box is a trivial figure: a filled rectangle.
type box struct{}

func (box) Draw(c draw.Canvas) {
	c.FillPolygon(figures.Default().Color(0), []vg.Point{c.Min, {X: c.Min.X, Y: c.Max.Y}, c.Max, {X: c.Max.X, Y: c.Min.Y}})
}

func doc() Document {
	return Document{Title: "T", Sections: []Section{{Title: "S", Blocks: []Block{
		Paragraph{Text: "Hello `x`."},
		List{Items: []string{"one"}},
		sample(),
		Figure{Caption: "A box.", Figure: figures.Figure{Name: "box", Width: vg.Inch, Height: vg.Inch, Drawer: box{}}},
	}}}}
}

func TestWriteAtomic(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	if err := WriteAtomic(out, doc(), map[string]any{"x": 1}); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"report.md", "report.html", "stats.json", "tables/t.csv", "tables/t.md", "tables/t.tex", "figures/box.png", "figures/box.svg", "figures/box.pdf"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Errorf("missing %s: %v", f, err)
		}
	}
	html, _ := os.ReadFile(filepath.Join(out, "report.html"))
	if !strings.Contains(string(html), "data:image/png;base64,") {
		t.Error("report.html does not embed the figure")
	}
	// A second run replaces the first and leaves nothing else beside it.
	if err := WriteAtomic(out, doc(), map[string]any{"x": 2}); err != nil {
		t.Fatal(err)
	}
	js, _ := os.ReadFile(filepath.Join(out, "stats.json"))
	if !strings.Contains(string(js), `"x": 2`) {
		t.Errorf("stats.json not replaced: %s", js)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("leftovers beside out: %v", entries)
	}
}

func TestWriteAtomicRefuses(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	other := filepath.Join(dir, "other")
	os.WriteFile(file, []byte("x"), 0o644)
	os.Mkdir(other, 0o755)
	os.WriteFile(filepath.Join(other, "thesis.tex"), []byte("x"), 0o644)
	cases := map[string]string{"a file": file, "a folder of other work": other}
	if runtime.GOOS != "windows" && os.Geteuid() != 0 {
		ro := filepath.Join(dir, "ro")
		os.Mkdir(ro, 0o555)
		cases["an unwritable parent"] = filepath.Join(ro, "out")
	}
	for name, out := range cases {
		err := WriteAtomic(out, doc(), nil)
		var oe *OutputError
		if !errors.As(err, &oe) {
			t.Errorf("%s: err = %v, want *OutputError", name, err)
		}
	}
	if b, _ := os.ReadFile(filepath.Join(other, "thesis.tex")); string(b) != "x" {
		t.Error("other work was touched")
	}
}

func TestWriteAtomicCleansUpOnFailure(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	bad := doc()
	bad.Sections[0].Blocks = append(bad.Sections[0].Blocks, Figure{Figure: figures.Figure{Name: "empty"}})
	if err := WriteAtomic(out, bad, nil); err == nil {
		t.Fatal("a figure without a drawing was accepted")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 0 {
		t.Errorf("left behind after failure: %v", entries)
	}
}

func TestFileOnlyTable(t *testing.T) {
	d := doc()
	long := sample()
	long.Name, long.FileOnly = "long", true
	d.Sections[0].Blocks = append(d.Sections[0].Blocks, long)
	md, html := string(Markdown(d)), string(HTML(d, nil))
	// In HTML each number of a cell is a span of its own.
	for name, out := range map[string]string{"markdown": md, "html": html} {
		if !strings.Contains(out, "2 rows in") || strings.Count(out, "291") != 1 {
			t.Errorf("%s: a file-only table should be referred to, not printed:\n%s", name, out)
		}
	}
}

// TestTableLaTeXWrapsLongText: a text column with a sentence-long cell becomes a paragraph
// column (an l column would run off the page); short text and numbers keep l and r.
func TestTableLaTeXWrapsLongText(t *testing.T) {
	tab := Table{Name: "w", Columns: []string{"ID", "n", "Check"}, Rows: [][]string{
		{"a", "1", "44/291 = 15.1203% rounds to 15.1% at 1 decimal(s); the count itself needs the per-server data"},
		{"b", "2", "short"},
	}}
	if got := string(TableLaTeX(tab)); !strings.Contains(got, `\begin{tabular}{lrp{0.3\linewidth}}`) {
		t.Errorf("want column spec lrp{0.3\\linewidth}:\n%s", got)
	}
}
