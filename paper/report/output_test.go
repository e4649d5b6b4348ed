package report

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/go-gota/gota/dataframe"
	"github.com/go-gota/gota/series"
)

func TestReplaceKeepsUserFiles(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	if _, err := Replace(out, doc(), 1); err != nil {
		t.Fatal(err)
	}
	mine := map[string]string{"notes.txt": "n", "draft/paper.tex": "p", "figures/photo.jpg": "j", "tables/mine.xlsx": "x"}
	for rel, body := range mine {
		os.MkdirAll(filepath.Dir(filepath.Join(out, rel)), 0o755)
		if err := os.WriteFile(filepath.Join(out, rel), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// A table of an earlier report that the new one no longer writes goes with the old report.
	os.WriteFile(filepath.Join(out, "tables", "old.csv"), []byte("a\n"), 0o644)
	kept, err := Replace(out, doc(), 2)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"draft/paper.tex", "figures/photo.jpg", "notes.txt", "tables/mine.xlsx"}
	for i := range want {
		want[i] = filepath.FromSlash(want[i])
	}
	if !slices.Equal(kept, want) {
		t.Errorf("kept %v, want %v", kept, want)
	}
	for rel, body := range mine {
		if b, err := os.ReadFile(filepath.Join(out, rel)); err != nil || string(b) != body {
			t.Errorf("%s after the rerun: %q, %v", rel, b, err)
		}
	}
	if _, err := os.Stat(filepath.Join(out, "tables", "old.csv")); err == nil {
		t.Error("an earlier report's table survived")
	}
	if _, err := os.Stat(filepath.Join(out, "report.html")); err != nil {
		t.Error(err)
	}
}

func TestReplaceRefusalNamesFiles(t *testing.T) {
	out := t.TempDir()
	os.WriteFile(filepath.Join(out, "thesis.tex"), []byte("x"), 0o644)
	_, err := Replace(out, doc(), nil)
	if err == nil || !strings.Contains(err.Error(), "thesis.tex") {
		t.Errorf("err = %v, want a refusal naming thesis.tex", err)
	}
}

func TestNumberSpans(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"5.1e-13", `<span class="n">5.1e−13</span>`},
		{"-0.052 (-0.1 to 0.02)", `<span class="n">−0.052</span> (<span class="n">−0.1</span> to <span class="n">0.02</span>)`},
		{"12/40 (30.0%, 95% CI 17.9–45.6%)", `<span class="n">12</span>/<span class="n">40</span> (<span class="n">30.0%</span>, <span class="n">95%</span> CI <span class="n">17.9–45.6%</span>)`},
		{"android-01", "android-01"},
		{"2018-01", `<span class="n">2018</span>-01`},
		{"tls1-2 & <b>", "tls1-2 &amp; &lt;b&gt;"},
		{"a.example:443", "a.example:<span class=\"n\">443</span>"},
	} {
		if got := numberSpans(tc.in); got != tc.want {
			t.Errorf("numberSpans(%q)\n got %s\nwant %s", tc.in, got, tc.want)
		}
	}
}

func TestHTMLTablesScrollAndDoNotBreakNumbers(t *testing.T) {
	page := string(HTML(doc(), nil))
	for _, want := range []string{`<div class="wide">`, ".wide{overflow-x:auto", ".n{white-space:nowrap}", `<span class="n">15.1%</span>`} {
		if !strings.Contains(page, want) {
			t.Errorf("report.html lacks %q", want)
		}
	}
}

func TestTableLaTeXLongtable(t *testing.T) {
	long := Table{Name: "many", Caption: "Many", Columns: []string{"i", "x"}}
	for i := 0; i < 200; i++ {
		long.Rows = append(long.Rows, []string{fmt.Sprint(i), "a"})
	}
	got := string(TableLaTeX(long))
	for _, want := range []string{`\begin{longtable}{rl}`, `\endhead`, `\caption{Many}\label{tab:many}\\`, `\end{longtable}`} {
		if !strings.Contains(got, want) {
			t.Errorf("long table lacks %q", want)
		}
	}
	if strings.Contains(got, `\begin{table}`) {
		t.Error("a 200-row table is still a float")
	}
	if short := string(TableLaTeX(sample())); !strings.Contains(short, `\begin{table}`) || strings.Contains(short, "longtable") {
		t.Error("a 2-row table is not a float")
	}
}

func TestFrameTable(t *testing.T) {
	df := dataframe.LoadRecords([][]string{{"host", "port", "grade"}, {"a.example", "443", "A"}, {"b.example", "8443", "NaN"}, {"c.example", "443", "B"}},
		dataframe.DetectTypes(false), dataframe.WithTypes(map[string]series.Type{"port": series.Int, "grade": series.String}))
	tab, err := FrameTable(df, "servers", "Servers", 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(tab.Rows) != 2 || tab.Note != "First 2 of 3 rows." || !slices.Equal(tab.Columns, []string{"host", "port", "grade"}) {
		t.Fatalf("FrameTable = %+v", tab)
	}
	if got := tab.Rows[1]; !slices.Equal(got, []string{"b.example", "8443", "NA"}) {
		t.Errorf("row 2 = %q", got)
	}
	html := TableHTML(tab)
	if !strings.Contains(html, "<style>") || !strings.Contains(html, `<td class="r"><span class="n">8443</span></td>`) {
		t.Errorf("TableHTML:\n%s", html)
	}
	if _, err := FrameTable(df.Select([]string{"no such column"}), "x", "", 0); err == nil {
		t.Error("a dataframe holding an error became a table")
	}
}

func TestDocumentLookup(t *testing.T) {
	d := doc()
	if tab, ok := d.Table("t"); !ok || tab.Caption != "Shares & p" {
		t.Errorf("Table(t) = %v, %v", tab, ok)
	}
	if f, ok := d.Figure("box"); !ok || f.Caption != "A box." {
		t.Errorf("Figure(box) = %v, %v", f, ok)
	}
	if _, ok := d.Table("box"); ok {
		t.Error("a figure found as a table")
	}
	if _, ok := d.Figure("none"); ok {
		t.Error("a missing figure found")
	}
}
