package stats

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// MaxTotal is the largest table total accepted. Counts up to 2^53 are exact in a
// float64; the limit is far lower so that sums of squares stay exact too.
const MaxTotal = 1 << 40

// Table is an r × c contingency table of counts with optional row and column names.
type Table struct {
	Counts   [][]int  `json:"counts"`
	RowNames []string `json:"rows"`
	ColNames []string `json:"cols"`
}

// ParseTable reads a table written as rows separated by ';' (or new lines) and
// counts separated by ',', e.g. "44,247;45912,92630". Rows are named "r1", "r2", …
// and columns "c1", "c2", ….
func ParseTable(s string) (Table, error) {
	s = strings.TrimSpace(strings.ReplaceAll(s, "\r\n", "\n"))
	if s == "" {
		return Table{}, errors.New("parse table: empty")
	}
	rows := strings.FieldsFunc(s, func(r rune) bool { return r == ';' || r == '\n' })
	if n := len(strings.Split(strings.ReplaceAll(strings.TrimRight(s, ";\n \t"), "\n", ";"), ";")); n != len(rows) {
		return Table{}, errors.New("parse table: empty row between separators")
	}
	counts := make([][]int, 0, len(rows))
	for i, row := range rows {
		if strings.TrimSpace(row) == "" {
			return Table{}, fmt.Errorf("parse table: row %d is empty", i+1)
		}
		cells := strings.Split(row, ",")
		r := make([]int, len(cells))
		for j, cell := range cells {
			v, err := ParseCount(cell)
			if err != nil {
				return Table{}, fmt.Errorf("parse table: row %d, column %d: %w", i+1, j+1, err)
			}
			r[j] = v
		}
		counts = append(counts, r)
	}
	t, err := NewTable(counts, nil, nil)
	if err != nil {
		return Table{}, fmt.Errorf("parse table: %w", err)
	}
	return t, nil
}

// ParseCount reads one non-negative integer count; surrounding spaces are ignored.
func ParseCount(s string) (int, error) {
	s = strings.TrimSpace(s)
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is not a whole number", s)
	}
	if v < 0 {
		return 0, fmt.Errorf("count %d is negative", v)
	}
	if v > MaxTotal {
		return 0, fmt.Errorf("count %d exceeds %d", v, int64(MaxTotal))
	}
	return int(v), nil
}

// NewTable checks counts (rectangular, at least 2 × 2, non-negative, not all zero)
// and copies them into a Table. Nil rows or cols get default names; otherwise their
// lengths must match the table and names must be unique.
func NewTable(counts [][]int, rows, cols []string) (Table, error) {
	if len(counts) < 2 {
		return Table{}, fmt.Errorf("table has %d row(s), need at least 2", len(counts))
	}
	nc := len(counts[0])
	total := 0
	c := make([][]int, len(counts))
	for i, r := range counts {
		if len(r) != nc {
			return Table{}, fmt.Errorf("row %d has %d column(s), row 1 has %d", i+1, len(r), nc)
		}
		for j, v := range r {
			if v < 0 {
				return Table{}, fmt.Errorf("row %d, column %d: count %d is negative", i+1, j+1, v)
			}
			if v > MaxTotal || total > MaxTotal-v {
				return Table{}, fmt.Errorf("row %d, column %d: table total exceeds %d", i+1, j+1, int64(MaxTotal))
			}
			total += v
		}
		c[i] = slices.Clone(r)
	}
	if nc < 2 {
		return Table{}, fmt.Errorf("table has %d column(s), need at least 2", nc)
	}
	if total == 0 {
		return Table{}, errors.New("table is all zero")
	}
	rn, err := names("row", rows, len(counts), "r")
	if err != nil {
		return Table{}, err
	}
	cn, err := names("column", cols, nc, "c")
	if err != nil {
		return Table{}, err
	}
	return Table{Counts: c, RowNames: rn, ColNames: cn}, nil
}

func names(what string, given []string, n int, prefix string) ([]string, error) {
	if given == nil {
		out := make([]string, n)
		for i := range out {
			out[i] = prefix + strconv.Itoa(i+1)
		}
		return out, nil
	}
	if len(given) != n {
		return nil, fmt.Errorf("%d %s names for %d %ss", len(given), what, n, what)
	}
	seen := make(map[string]bool, n)
	for _, s := range given {
		if seen[s] {
			return nil, fmt.Errorf("%s name %q appears twice", what, s)
		}
		seen[s] = true
	}
	return slices.Clone(given), nil
}

// Rows returns the number of rows.
func (t Table) Rows() int { return len(t.Counts) }

// Cols returns the number of columns.
func (t Table) Cols() int {
	if len(t.Counts) == 0 {
		return 0
	}
	return len(t.Counts[0])
}

// Total returns the sum of all counts.
func (t Table) Total() int {
	n := 0
	for _, r := range t.Counts {
		for _, v := range r {
			n += v
		}
	}
	return n
}

// RowSums returns the row totals.
func (t Table) RowSums() []int {
	s := make([]int, t.Rows())
	for i, r := range t.Counts {
		for _, v := range r {
			s[i] += v
		}
	}
	return s
}

// ColSums returns the column totals.
func (t Table) ColSums() []int {
	s := make([]int, t.Cols())
	for _, r := range t.Counts {
		for j, v := range r {
			s[j] += v
		}
	}
	return s
}

// Transpose returns the table with rows and columns exchanged.
func (t Table) Transpose() Table {
	out := Table{Counts: make([][]int, t.Cols()), RowNames: slices.Clone(t.ColNames), ColNames: slices.Clone(t.RowNames)}
	for j := range out.Counts {
		out.Counts[j] = make([]int, t.Rows())
		for i := range t.Counts {
			out.Counts[j][i] = t.Counts[i][j]
		}
	}
	return out
}

// DropEmpty returns the table without rows and columns whose counts are all zero,
// and the names of what it dropped ("row x", "column y"). It fails when fewer than
// two rows or two columns remain.
func (t Table) DropEmpty() (Table, []string, error) {
	if err := t.validate(); err != nil {
		return Table{}, nil, err
	}
	rs, cs := t.RowSums(), t.ColSums()
	var dropped []string
	var keepR, keepC []int
	for i, s := range rs {
		if s == 0 {
			dropped = append(dropped, "row "+t.rowName(i))
		} else {
			keepR = append(keepR, i)
		}
	}
	for j, s := range cs {
		if s == 0 {
			dropped = append(dropped, "column "+t.colName(j))
		} else {
			keepC = append(keepC, j)
		}
	}
	if len(keepR) < 2 || len(keepC) < 2 {
		return Table{}, dropped, fmt.Errorf("%d non-empty row(s) and %d non-empty column(s), need at least 2 of each", len(keepR), len(keepC))
	}
	if len(dropped) == 0 {
		return t, nil, nil
	}
	out := Table{Counts: make([][]int, len(keepR)), RowNames: make([]string, len(keepR)), ColNames: make([]string, len(keepC))}
	for a, i := range keepR {
		out.RowNames[a] = t.rowName(i)
		out.Counts[a] = make([]int, len(keepC))
		for b, j := range keepC {
			out.Counts[a][b] = t.Counts[i][j]
		}
	}
	for b, j := range keepC {
		out.ColNames[b] = t.colName(j)
	}
	return out, dropped, nil
}

func (t Table) rowName(i int) string {
	if i < len(t.RowNames) {
		return t.RowNames[i]
	}
	return "r" + strconv.Itoa(i+1)
}

func (t Table) colName(j int) string {
	if j < len(t.ColNames) {
		return t.ColNames[j]
	}
	return "c" + strconv.Itoa(j+1)
}

// validate repeats NewTable's checks for tables built as struct literals.
func (t Table) validate() error {
	_, err := NewTable(t.Counts, nil, nil)
	return err
}

// floats converts counts to float64 (exact below MaxTotal).
func floats(v []int) []float64 {
	f := make([]float64, len(v))
	for i, x := range v {
		f[i] = float64(x)
	}
	return f
}
