package figures

import (
	"fmt"

	"github.com/mhealthsec/mhealthsec/analysis"
	"github.com/mhealthsec/mhealthsec/analysis/stats"
)

// ShareBar is the bar of a share: its count, total, share and interval as analysis
// computed them, placed at category (x axis) in group (colour; "" for none).
func ShareBar(category, group string, s analysis.Share) Proportion {
	return Proportion{Category: category, Group: group, Count: s.Count, Total: s.Total, Share: s.Share, Lo: s.CI.Lo, Hi: s.CI.Hi}
}

// TableBars is one bar per row of a contingency table: the share of the row's counts that
// fall in column col, with its Wilson interval at confidence conf (analysis.Conf for the
// study's 95%). Bars are named by the row names, all in one group named by the column.
func TableBars(t stats.Table, col int, conf float64) ([]Proportion, error) {
	if col < 0 || col >= t.Cols() {
		return nil, fmt.Errorf("table bars: column %d of a table with %d", col, t.Cols())
	}
	group := ""
	if col < len(t.ColNames) {
		group = t.ColNames[col]
	}
	sums := t.RowSums()
	var out []Proportion
	for i, row := range t.Counts {
		name := fmt.Sprintf("row %d", i+1)
		if i < len(t.RowNames) {
			name = t.RowNames[i]
		}
		if sums[i] == 0 {
			return nil, fmt.Errorf("table bars: row %q is empty", name)
		}
		ci := stats.Wilson(row[col], sums[i], conf)
		out = append(out, Proportion{Category: name, Group: group, Count: row[col], Total: sums[i],
			Share: float64(row[col]) / float64(sums[i]), Lo: ci.Lo, Hi: ci.Hi})
	}
	return out, nil
}
