package datasets

import (
	"fmt"
	"sort"

	"github.com/go-gota/gota/dataframe"
	"github.com/go-gota/gota/series"
)

// Counts is a two-way count of a dataframe's rows: Counts[i][j] rows have RowNames[i] in
// RowCol and ColNames[j] in ColCol. Names are sorted (as strings: "false" before "true"),
// so the same data always gives the same table. It is ready for analysis/stats
// (stats.NewTable(c.Counts, c.RowNames, c.ColNames)).
type Counts struct {
	RowCol, ColCol     string
	RowNames, ColNames []string
	Counts             [][]int
	// Missing is how many rows were left out because either value was missing.
	Missing int
}

// Total returns the number of rows counted.
func (c Counts) Total() int {
	t := 0
	for _, row := range c.Counts {
		for _, n := range row {
			t += n
		}
	}
	return t
}

// Get returns the count of one cell; 0 for a name not in the table.
func (c Counts) Get(row, col string) int {
	i, j := indexOf(c.RowNames, row), indexOf(c.ColNames, col)
	if i < 0 || j < 0 {
		return 0
	}
	return c.Counts[i][j]
}

func indexOf(names []string, s string) int {
	i := sort.SearchStrings(names, s)
	if i < len(names) && names[i] == s {
		return i
	}
	return -1
}

// columns returns the named columns of df, or an error naming what is missing; gota itself
// panics when asked to aggregate a column it does not have.
func columns(df dataframe.DataFrame, names ...string) ([]series.Series, error) {
	if df.Err != nil {
		return nil, fmt.Errorf("dataframe: %w", df.Err)
	}
	have := df.Names()
	out := make([]series.Series, len(names))
	for i, name := range names {
		found := false
		for _, h := range have {
			found = found || h == name
		}
		if !found {
			return nil, fmt.Errorf("dataframe has no column %q (columns: %v)", name, have)
		}
		out[i] = df.Col(name)
	}
	return out, nil
}

// CountBy counts the rows of df by the values of rowCol and colCol, the way a contingency
// table needs them. It works on the columns' values directly, one pass with two small
// dictionaries, and is the fast path: gota's GroupBy builds a map per row and a dataframe
// per group (see GotaCountBy and the benchmarks). Rows where either value is missing are
// counted in Missing, not in the table.
func CountBy(df dataframe.DataFrame, rowCol, colCol string) (Counts, error) {
	cols, err := columns(df, rowCol, colCol)
	if err != nil {
		return Counts{}, fmt.Errorf("count by %s × %s: %w", rowCol, colCol, err)
	}
	rows, colv := cols[0], cols[1]
	c := Counts{RowCol: rowCol, ColCol: colCol}
	var rowDict, colDict dictionary
	var cells [][]int
	for i, n := 0, rows.Len(); i < n; i++ {
		re, ce := rows.Elem(i), colv.Elem(i)
		if re.IsNA() || ce.IsNA() {
			c.Missing++
			continue
		}
		ri, ci := rowDict.code(re.String()), colDict.code(ce.String())
		for len(cells) <= ri {
			cells = append(cells, nil)
		}
		for len(cells[ri]) <= ci {
			cells[ri] = append(cells[ri], 0)
		}
		cells[ri][ci]++
	}
	var rowOrder, colOrder []int
	c.RowNames, rowOrder = rowDict.sorted()
	c.ColNames, colOrder = colDict.sorted()
	c.Counts = make([][]int, len(rowOrder))
	for i, ri := range rowOrder {
		c.Counts[i] = make([]int, len(colOrder))
		for j, ci := range colOrder {
			if ci < len(cells[ri]) {
				c.Counts[i][j] = cells[ri][ci]
			}
		}
	}
	return c, nil
}

// dictionary codes strings as small ints in order of first appearance.
type dictionary struct {
	codes map[string]int
	names []string
}

func (d *dictionary) code(s string) int {
	if c, ok := d.codes[s]; ok {
		return c
	}
	if d.codes == nil {
		d.codes = make(map[string]int)
	}
	d.codes[s] = len(d.names)
	d.names = append(d.names, s)
	return len(d.names) - 1
}

// sorted returns the names in order and, for each, its code.
func (d *dictionary) sorted() ([]string, []int) {
	order := make([]int, len(d.names))
	for i := range order {
		order[i] = i
	}
	sort.Slice(order, func(a, b int) bool { return d.names[order[a]] < d.names[order[b]] })
	names := make([]string, len(order))
	for i, code := range order {
		names[i] = d.names[code]
	}
	return names, order
}

// GroupCount counts df's rows per combination of the by columns with gota (GroupBy, then
// Aggregation COUNT) and guards gota's quirks: the columns are checked first (aggregating a
// missing column panics in gota), rows with a missing value are dropped first (gota's
// GroupBy fails on them), and the output is sorted by the by columns (gota returns groups
// in random map order). The count column is named "n" (int).
//
// gota joins a row's group values with "_" into one key, so ("a_b", "c") and ("a", "b_c")
// land in the same group. GroupCount detects such a collision and returns an error rather
// than a wrong count; CountBy has no such limit.
func GroupCount(df dataframe.DataFrame, by ...string) (dataframe.DataFrame, error) {
	if len(by) == 0 {
		return dataframe.DataFrame{}, fmt.Errorf("group count: no columns to group by")
	}
	cols, err := columns(df, by...)
	if err != nil {
		return dataframe.DataFrame{}, fmt.Errorf("group count by %v: %w", by, err)
	}
	keep := make([]int, 0, df.Nrow())
	keys := make(map[string]string)
	for i := 0; i < df.Nrow(); i++ {
		na := false
		for _, s := range cols {
			na = na || s.Elem(i).IsNA()
		}
		if na {
			continue
		}
		keep = append(keep, i)
		flat, exact := "", ""
		for k, s := range cols {
			v := s.Elem(i).String()
			if k > 0 {
				flat += "_"
			}
			flat += v
			exact += fmt.Sprintf("%d:%s|", len(v), v)
		}
		if prev, ok := keys[flat]; ok && prev != exact {
			return dataframe.DataFrame{}, fmt.Errorf("group count by %v: gota would merge groups %q and %q (both key %q)", by, prev, exact, flat)
		}
		keys[flat] = exact
	}
	if len(keep) == 0 {
		// gota's Aggregation indexes the first group and panics on none.
		var b frameBuilder
		for _, name := range by {
			b.strings(name, nil)
		}
		b.ints("n", nil)
		return b.frame(), nil
	}
	if len(keep) < df.Nrow() {
		df = df.Subset(keep)
	}
	groups := df.GroupBy(by...)
	if groups == nil || groups.Err != nil {
		return dataframe.DataFrame{}, fmt.Errorf("group count by %v: %w", by, groups.Err)
	}
	agg := groups.Aggregation([]dataframe.AggregationType{dataframe.Aggregation_COUNT}, []string{by[0]})
	if agg.Err != nil {
		return dataframe.DataFrame{}, fmt.Errorf("group count by %v: %w", by, agg.Err)
	}
	countCol := by[0] + "_COUNT"
	n := agg.Col(countCol)
	counts, err := n.Int()
	if err != nil {
		return dataframe.DataFrame{}, fmt.Errorf("group count by %v: %w", by, err)
	}
	agg = agg.Drop(countCol).Mutate(series.New(counts, series.Int, "n"))
	order := make([]dataframe.Order, len(by))
	for i, name := range by {
		order[i] = dataframe.Sort(name)
	}
	out := agg.Select(append(append([]string(nil), by...), "n")).Arrange(order...)
	if out.Err != nil {
		return dataframe.DataFrame{}, fmt.Errorf("group count by %v: %w", by, out.Err)
	}
	return out, nil
}

// GotaCountBy is CountBy done with gota's GroupBy (through GroupCount). It gives the same
// Counts and is kept as the reference the fast path is tested and benchmarked against.
func GotaCountBy(df dataframe.DataFrame, rowCol, colCol string) (Counts, error) {
	g, err := GroupCount(df, rowCol, colCol)
	if err != nil {
		return Counts{}, err
	}
	c := Counts{RowCol: rowCol, ColCol: colCol, Missing: df.Nrow()}
	var rowDict, colDict dictionary
	type cell struct{ r, c, n int }
	var cells []cell
	rs, cs, ns := g.Col(rowCol), g.Col(colCol), g.Col("n")
	for i := 0; i < g.Nrow(); i++ {
		n, err := ns.Elem(i).Int()
		if err != nil {
			return Counts{}, fmt.Errorf("gota count by %s × %s: %w", rowCol, colCol, err)
		}
		cells = append(cells, cell{rowDict.code(rs.Elem(i).String()), colDict.code(cs.Elem(i).String()), n})
		c.Missing -= n
	}
	var rowOrder, colOrder []int
	c.RowNames, rowOrder = rowDict.sorted()
	c.ColNames, colOrder = colDict.sorted()
	rowPos, colPos := inverse(rowOrder), inverse(colOrder)
	c.Counts = make([][]int, len(rowOrder))
	for i := range c.Counts {
		c.Counts[i] = make([]int, len(colOrder))
	}
	for _, x := range cells {
		c.Counts[rowPos[x.r]][colPos[x.c]] += x.n
	}
	return c, nil
}

// inverse returns the position of each code in order.
func inverse(order []int) []int {
	pos := make([]int, len(order))
	for i, code := range order {
		pos[code] = i
	}
	return pos
}
