package report_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/mhealthsec/mhealthsec/paper/report"
)

// A report is a Document of sections; WriteAtomic renders it to report.md, report.html,
// stats.json, tables/ and figures/ and replaces the destination only when all succeeded.
func ExampleWriteAtomic() {
	dir, err := os.MkdirTemp("", "report-example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	doc := report.Document{
		Title: "Study analysis",
		Sections: []report.Section{{
			Title: "Results",
			Blocks: []report.Block{
				report.Paragraph{Text: "44 of 291 functional servers were below A."},
				report.Table{Name: "shares", Caption: "Shares", Columns: []string{"group", "below A"}, Rows: [][]string{{"functional", "44/291"}}},
			},
		}},
	}
	stats := map[string]any{"functional_below_a": 44}
	if err := report.WriteAtomic(filepath.Join(dir, "out"), doc, stats); err != nil {
		fmt.Println(err)
		return
	}
	md, _ := os.ReadFile(filepath.Join(dir, "out", "tables", "shares.md"))
	fmt.Print(string(md))
	// Output:
	// | group | below A |
	// |---|---:|
	// | functional | 44/291 |
}
