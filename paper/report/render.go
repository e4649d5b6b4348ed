package report

import (
	"bytes"
	"encoding/base64"
	"encoding/csv"
	"fmt"
	"html"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// numeric reports whether a cell reads as a number, a percentage, a p-value or a ratio
// ("0.03", "<.001", "15.1%", "44/291", "—"), so its column can be right-aligned.
func numeric(cell string) bool {
	s := strings.TrimSpace(cell)
	if s == "" || s == "—" || s == "NA" {
		return true
	}
	s = strings.TrimLeft(s, "<>=≤≥±−-+")
	s = strings.TrimSuffix(s, "%")
	if _, err := strconv.ParseFloat(strings.ReplaceAll(s, ",", ""), 64); err == nil {
		return true
	}
	if a, b, ok := strings.Cut(s, "/"); ok {
		_, e1 := strconv.Atoi(a)
		_, e2 := strconv.Atoi(b)
		return e1 == nil && e2 == nil
	}
	return false
}

// rightAligned returns, per column, whether every cell of it is numeric.
func rightAligned(t Table) []bool {
	right := make([]bool, len(t.Columns))
	for j := range t.Columns {
		right[j] = len(t.Rows) > 0
		for _, row := range t.Rows {
			if !numeric(row[j]) {
				right[j] = false
				break
			}
		}
	}
	return right
}

// TableCSV renders a table as RFC 4180 CSV with a header row.
func TableCSV(t Table) ([]byte, error) {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	if err := w.Write(t.Columns); err != nil {
		return nil, fmt.Errorf("table %q: %w", t.Name, err)
	}
	if err := w.WriteAll(t.Rows); err != nil {
		return nil, fmt.Errorf("table %q: %w", t.Name, err)
	}
	return buf.Bytes(), nil
}

func mdCell(s string) string {
	s = strings.ReplaceAll(s, "|", `\|`)
	return strings.ReplaceAll(s, "\n", " ")
}

// TableMarkdown renders a table as a GitHub-flavoured Markdown table (no caption).
func TableMarkdown(t Table) []byte {
	var b strings.Builder
	right := rightAligned(t)
	b.WriteString("|")
	for _, c := range t.Columns {
		b.WriteString(" " + mdCell(c) + " |")
	}
	b.WriteString("\n|")
	for j := range t.Columns {
		if right[j] {
			b.WriteString("---:|")
		} else {
			b.WriteString("---|")
		}
	}
	b.WriteString("\n")
	for _, row := range t.Rows {
		b.WriteString("|")
		for _, c := range row {
			b.WriteString(" " + mdCell(c) + " |")
		}
		b.WriteString("\n")
	}
	return []byte(b.String())
}

// latexEscaper escapes TeX's special characters and spells out the few symbols pdfLaTeX
// does not take as UTF-8 text. Build it once per table: a Replacer is costly to set up.
func latexEscaper() *strings.Replacer {
	return strings.NewReplacer(
		`\`, `\textbackslash{}`, "&", `\&`, "%", `\%`, "$", `\$`, "#", `\#`, "_", `\_`,
		"{", `\{`, "}", `\}`, "~", `\textasciitilde{}`, "^", `\textasciicircum{}`,
		"≥", `$\geq$`, "≤", `$\leq$`, "×", `$\times$`, "−", `$-$`, "χ²", `$\chi^2$`, "χ", `$\chi$`,
		"²", `$^2$`, "±", `$\pm$`, "<", `\textless{}`, ">", `\textgreater{}`, "φ", `$\phi$`,
		"\n", " ",
	)
}

// shortCell is the longest text cell, in characters, HTML keeps on one line.
const shortCell = 24

// wrapAt is the longest cell, in characters, a LaTeX column is set on one line for.
const wrapAt = 40

// longestCell is the length in characters of the longest cell of column col.
func longestCell(t Table, col int) int {
	n := 0
	for _, r := range t.Rows {
		if col < len(r) {
			n = max(n, utf8.RuneCountInString(r[col]))
		}
	}
	return n
}

// longTableRows is the most rows a LaTeX table float holds; longer tables are a longtable,
// which breaks across pages (a float of thousands of rows runs off its page).
const longTableRows = 40

// TableLaTeX renders a table with booktabs rules: a table float, or a longtable when it
// has more than 40 rows.
func TableLaTeX(t Table) []byte {
	var b strings.Builder
	right := rightAligned(t)
	spec := ""
	for i, r := range right {
		switch {
		case r:
			spec += "r"
		case longestCell(t, i) > wrapAt:
			// An l column never wraps: a sentence-long cell (the scorecard's Check) would
			// run off the page. A paragraph column wraps it.
			spec += `p{0.3\linewidth}`
		default:
			spec += "l"
		}
	}
	esc := latexEscaper()
	row := func(cells []string) {
		out := make([]string, len(cells))
		for i, c := range cells {
			out[i] = esc.Replace(c)
		}
		b.WriteString(strings.Join(out, " & ") + " \\\\\n")
	}
	if len(t.Rows) > longTableRows {
		// A float cannot break across pages; a long table must.
		b.WriteString("% requires \\usepackage{booktabs,longtable}\n")
		fmt.Fprintf(&b, "\\begin{longtable}{%s}\n", spec)
		if t.Caption != "" {
			fmt.Fprintf(&b, "\\caption{%s}\\label{tab:%s}\\\\\n", esc.Replace(t.Caption), t.Name)
		}
		b.WriteString("\\toprule\n")
		row(t.Columns)
		b.WriteString("\\midrule\n\\endfirsthead\n\\toprule\n")
		row(t.Columns)
		b.WriteString("\\midrule\n\\endhead\n\\bottomrule\n\\endfoot\n")
		for _, r := range t.Rows {
			row(r)
		}
		b.WriteString("\\end{longtable}\n")
		if t.Note != "" {
			fmt.Fprintf(&b, "{\\footnotesize %s\\par}\n", esc.Replace(t.Note))
		}
		return []byte(b.String())
	}
	b.WriteString("% requires \\usepackage{booktabs}\n\\begin{table}[htbp]\n\\centering\n")
	if t.Caption != "" {
		fmt.Fprintf(&b, "\\caption{%s}\n", esc.Replace(t.Caption))
	}
	fmt.Fprintf(&b, "\\label{tab:%s}\n\\begin{tabular}{%s}\n\\toprule\n", t.Name, spec)
	row(t.Columns)
	b.WriteString("\\midrule\n")
	for _, r := range t.Rows {
		row(r)
	}
	b.WriteString("\\bottomrule\n\\end{tabular}\n")
	if t.Note != "" {
		fmt.Fprintf(&b, "\\par\\smallskip{\\footnotesize %s}\n", esc.Replace(t.Note))
	}
	b.WriteString("\\end{table}\n")
	return []byte(b.String())
}

// numberSpans returns HTML for a table cell: escaped text in which every number (with its
// sign, exponent, per cent sign, and an en-dash range it starts) is kept on one line, and
// hyphen-minus signs of numbers are written U+2212, as typeset tables do. A hyphen inside a
// word or between digits ("tls1-2", "2018-01", "android-01") is left alone.
func numberSpans(cell string) string {
	num := regexp.MustCompile(`[-−]?\d[\d,]*(?:\.\d+)?(?:[eE][-+−]?\d+)?%?(?:–[-−]?\d[\d,]*(?:\.\d+)?(?:[eE][-+−]?\d+)?%?)?`)
	var b strings.Builder
	last := 0
	for _, m := range num.FindAllStringIndex(cell, -1) {
		start := m[0]
		if start > 0 {
			prev, _ := utf8.DecodeLastRuneInString(cell[:start])
			if unicode.IsLetter(prev) || unicode.IsDigit(prev) || prev == '-' || prev == '_' || prev == '.' {
				continue // part of a name, a date or an address, not a number of its own
			}
		}
		tok := cell[start:m[1]]
		if cell[start] == '-' {
			tok = "−" + tok[1:]
		}
		tok = strings.NewReplacer("e-", "e−", "E-", "E−", "–-", "–−").Replace(tok)
		b.WriteString(html.EscapeString(cell[last:start]))
		b.WriteString(`<span class="n">` + html.EscapeString(tok) + `</span>`)
		last = m[1]
	}
	b.WriteString(html.EscapeString(cell[last:]))
	return b.String()
}

// inlineHTML escapes text and sets `code` spans.
func inlineHTML(s string) string {
	parts := strings.Split(s, "`")
	var b strings.Builder
	for i, p := range parts {
		if i%2 == 1 && i < len(parts)-1 {
			b.WriteString("<code>" + html.EscapeString(p) + "</code>")
			continue
		}
		if i%2 == 1 { // unmatched backtick: keep it literally
			b.WriteString("`")
		}
		b.WriteString(html.EscapeString(p))
	}
	return b.String()
}

// Markdown renders the document as Markdown; figures are linked as figures/<name>.png.
func Markdown(d Document) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n\n", d.Title)
	if d.Subtitle != "" {
		fmt.Fprintf(&b, "%s\n\n", d.Subtitle)
	}
	fig, tab := 0, 0
	for _, s := range d.Sections {
		fmt.Fprintf(&b, "## %s\n\n", s.Title)
		for _, blk := range s.Blocks {
			switch blk := blk.(type) {
			case Paragraph:
				fmt.Fprintf(&b, "%s\n\n", blk.Text)
			case List:
				for _, it := range blk.Items {
					fmt.Fprintf(&b, "- %s\n", it)
				}
				b.WriteString("\n")
			case Table:
				if blk.FileOnly {
					fmt.Fprintf(&b, "%s: %d rows in tables/%s.csv (also .md, .tex).\n\n", blk.Caption, len(blk.Rows), blk.Name)
					continue
				}
				tab++
				fmt.Fprintf(&b, "**Table %d.** %s\n\n", tab, blk.Caption)
				b.Write(TableMarkdown(blk))
				b.WriteString("\n")
				if blk.Note != "" {
					fmt.Fprintf(&b, "*%s*\n\n", blk.Note)
				}
				fmt.Fprintf(&b, "(tables/%s.csv, .md, .tex)\n\n", blk.Name)
			case Figure:
				fig++
				n := blk.Figure.Name
				fmt.Fprintf(&b, "![Figure %d](figures/%s.png)\n\n**Figure %d.** %s (figures/%s.png, .svg, .pdf)\n\n", fig, n, fig, blk.Caption, n)
			}
		}
	}
	return []byte(b.String())
}

// style is the report's stylesheet; TableHTML carries the table rules of it.
func style() string {
	return `<style>
body{font-family:"Liberation Sans",Arial,Helvetica,sans-serif;max-width:60em;margin:2em auto;padding:0 1em;line-height:1.45;color:#111}
table{border-collapse:collapse;margin:.5em 0 1em;font-size:.92em}
th,td{padding:.2em .6em;text-align:left;vertical-align:top}
thead th{border-top:2px solid #000;border-bottom:1px solid #000}
tbody tr:last-child td{border-bottom:2px solid #000}
td.r,th.r{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.n{white-space:nowrap}
td.w,th.w{min-width:16em}
td.s{white-space:nowrap}
td.m,th.m{min-width:10em}
.wide{overflow-x:auto;max-width:100%}
figure{margin:1em 0}figure img{max-width:100%;height:auto}
caption,figcaption{text-align:left;font-size:.92em;margin:.3em 0}
.note{font-size:.85em;color:#333}
code{font-size:.92em;background:#f3f3f3;padding:0 .2em}
</style>
`
}

// tableHTML renders one table with its caption (numbered n when n > 0) and note.
func tableHTML(t Table, n int) string {
	var b strings.Builder
	right := rightAligned(t)
	cls := func(j int) string {
		switch {
		case right[j]:
			return ` class="r"`
		case longestCell(t, j) > wrapAt:
			// Sentence-long text keeps a readable width; a narrow page scrolls the table.
			return ` class="w"`
		case longestCell(t, j) <= shortCell:
			// Short text (a name, "n/a (nothing to count)") stays on one line: squeezed by
			// a wide table, it would wrap a word per line.
			return ` class="s"`
		default:
			// A phrase ("5/14 (35.7%, 95% CI 16.3–61.2%)") wraps onto two lines at most.
			return ` class="m"`
		}
	}
	label := ""
	if n > 0 {
		label = fmt.Sprintf("<b>Table %d.</b> ", n)
	}
	// A wide table scrolls inside its box instead of widening the page.
	fmt.Fprintf(&b, "<div class=\"wide\">\n<table id=\"%s\">\n<caption>%s%s</caption>\n<thead><tr>", html.EscapeString(t.Name), label, inlineHTML(t.Caption))
	for j, c := range t.Columns {
		fmt.Fprintf(&b, "<th%s>%s</th>", cls(j), html.EscapeString(c))
	}
	b.WriteString("</tr></thead>\n<tbody>\n")
	for _, row := range t.Rows {
		b.WriteString("<tr>")
		for j, c := range row {
			fmt.Fprintf(&b, "<td%s>%s</td>", cls(j), numberSpans(c))
		}
		b.WriteString("</tr>\n")
	}
	b.WriteString("</tbody>\n</table>\n</div>\n")
	if t.Note != "" {
		fmt.Fprintf(&b, "<p class=\"note\">%s</p>\n", inlineHTML(t.Note))
	}
	return b.String()
}

// TableHTML renders one table as an HTML fragment with the report's table styles, for a
// notebook cell or a page of one's own.
func TableHTML(t Table) string {
	var b strings.Builder
	b.WriteString("<style>\n")
	for _, line := range strings.Split(style(), "\n") {
		if strings.HasPrefix(line, "table") || strings.HasPrefix(line, "th") || strings.HasPrefix(line, "td") ||
			strings.HasPrefix(line, "thead") || strings.HasPrefix(line, "tbody") || strings.HasPrefix(line, ".") || strings.HasPrefix(line, "caption") {
			b.WriteString(line + "\n")
		}
	}
	b.WriteString("</style>\n")
	b.WriteString(tableHTML(t, 0))
	return b.String()
}

// HTML renders the document as one self-contained page: styles inline, figures embedded as
// PNG data (png maps a figure name to its PNG bytes; a missing one is linked instead).
func HTML(d Document, png map[string][]byte) []byte {
	var b strings.Builder
	b.WriteString("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
	fmt.Fprintf(&b, "<title>%s</title>\n", html.EscapeString(d.Title))
	b.WriteString(style())
	b.WriteString(`</head>
<body>
`)
	fmt.Fprintf(&b, "<h1>%s</h1>\n", html.EscapeString(d.Title))
	if d.Subtitle != "" {
		fmt.Fprintf(&b, "<p>%s</p>\n", inlineHTML(d.Subtitle))
	}
	fig, tab := 0, 0
	for _, s := range d.Sections {
		fmt.Fprintf(&b, "<h2>%s</h2>\n", html.EscapeString(s.Title))
		for _, blk := range s.Blocks {
			switch blk := blk.(type) {
			case Paragraph:
				fmt.Fprintf(&b, "<p>%s</p>\n", inlineHTML(blk.Text))
			case List:
				b.WriteString("<ul>\n")
				for _, it := range blk.Items {
					fmt.Fprintf(&b, "<li>%s</li>\n", inlineHTML(it))
				}
				b.WriteString("</ul>\n")
			case Table:
				if blk.FileOnly {
					fmt.Fprintf(&b, "<p>%s: %d rows in <a href=\"tables/%s.csv\">tables/%s.csv</a> (also .md, .tex).</p>\n", inlineHTML(blk.Caption), len(blk.Rows), blk.Name, blk.Name)
					continue
				}
				tab++
				b.WriteString(tableHTML(blk, tab))
			case Figure:
				fig++
				n := blk.Figure.Name
				src := "figures/" + n + ".png"
				if data, ok := png[n]; ok {
					src = "data:image/png;base64," + base64.StdEncoding.EncodeToString(data)
				}
				fmt.Fprintf(&b, "<figure id=\"%s\">\n<img src=\"%s\" alt=\"Figure %d\" width=\"%.0f\">\n", n, src, fig, blk.Figure.Width.Points()*96/72)
				fmt.Fprintf(&b, "<figcaption><b>Figure %d.</b> %s (<a href=\"figures/%s.svg\">SVG</a>, <a href=\"figures/%s.pdf\">PDF</a>)</figcaption>\n</figure>\n", fig, inlineHTML(blk.Caption), n, n)
			}
		}
	}
	b.WriteString("</body>\n</html>\n")
	return []byte(b.String())
}
