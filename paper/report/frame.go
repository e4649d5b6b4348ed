package report

import (
	"fmt"

	"github.com/go-gota/gota/dataframe"
)

// FrameTable turns a dataframe (datasets' AppsFrame, ServerResultsFrame, …) into a table,
// at most maxRows rows of it (all when maxRows ≤ 0; the note says when rows were left
// out). Missing values are written NA. A dataframe that holds an error (gota records a failed
// operation in the frame rather than returning it) is an error here, not an empty table.
func FrameTable(df dataframe.DataFrame, name, caption string, maxRows int) (Table, error) {
	if df.Err != nil {
		return Table{}, fmt.Errorf("table %q: dataframe: %w", name, df.Err)
	}
	t := Table{Name: name, Caption: caption, Columns: df.Names()}
	n := df.Nrow()
	if maxRows > 0 && n > maxRows {
		t.Note = fmt.Sprintf("First %d of %d rows.", maxRows, n)
		n = maxRows
	}
	for i := 0; i < n; i++ {
		row := make([]string, df.Ncol())
		for j := range row {
			e := df.Elem(i, j)
			if e.IsNA() {
				row[j] = "NA"
			} else {
				row[j] = e.String()
			}
		}
		t.Rows = append(t.Rows, row)
	}
	return t, nil
}
