package stats

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
)

// ReadCSVTable reads a table of counts from CSV. A first row with a cell that is
// not a count (after the corner) is a header of column names; a first column with
// a cell that is not a count is the row names. name (usually the file name) labels
// errors, which give the line and column.
func ReadCSVTable(r io.Reader, name string) (Table, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1 // ragged rows get our own error with a line number
	cr.TrimLeadingSpace = true
	var recs [][]string
	var lines []int
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return Table{}, fmt.Errorf("%s: %w", name, err)
		}
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue
		}
		line, _ := cr.FieldPos(0)
		recs, lines = append(recs, rec), append(lines, line)
	}
	if len(recs) == 0 {
		return Table{}, fmt.Errorf("%s: no rows", name)
	}
	isCount := func(s string) bool { _, err := ParseCount(s); return err == nil }
	var header []string
	if first := recs[0]; len(first) > 1 {
		for _, c := range first[1:] {
			if !isCount(c) {
				header = first
				break
			}
		}
	} else if !isCount(first[0]) {
		header = first
	}
	data, dataLines := recs, lines
	if header != nil {
		data, dataLines = recs[1:], lines[1:]
	}
	if len(data) == 0 {
		return Table{}, fmt.Errorf("%s: header but no rows of counts", name)
	}
	rowNames := false
	for _, rec := range data {
		if !isCount(rec[0]) {
			rowNames = true
			break
		}
	}
	skip := 0
	var rows []string
	if rowNames {
		skip = 1
	}
	width := len(data[0]) - skip
	counts := make([][]int, len(data))
	for i, rec := range data {
		if len(rec)-skip != width {
			return Table{}, fmt.Errorf("%s:%d: %d counts, line %d has %d", name, dataLines[i], len(rec)-skip, dataLines[0], width)
		}
		if rowNames {
			rows = append(rows, strings.TrimSpace(rec[0]))
		}
		counts[i] = make([]int, width)
		for j, cell := range rec[skip:] {
			v, err := ParseCount(cell)
			if err != nil {
				return Table{}, fmt.Errorf("%s:%d: column %d: %w", name, dataLines[i], j+1+skip, err)
			}
			counts[i][j] = v
		}
	}
	var cols []string
	if header != nil {
		switch {
		case len(header) == width:
			cols = header
		case len(header) == width+1:
			cols = header[1:]
		default:
			return Table{}, fmt.Errorf("%s:%d: header has %d names for %d columns of counts", name, lines[0], len(header), width)
		}
		for j := range cols {
			cols[j] = strings.TrimSpace(cols[j])
		}
	}
	if rowNames && len(rows) != len(counts) {
		rows = nil
	}
	t, err := NewTable(counts, rows, cols)
	if err != nil {
		return Table{}, fmt.Errorf("%s: %w", name, err)
	}
	return t, nil
}
