package result

import (
	"bytes"
	"strings"
	"testing"
)

// TestReadJSONLLinear feeds 64 KiB inputs with the most lines (blank, or the smallest
// result) and checks the work done, not the time: allocations stay within a small
// number per line.
func TestReadJSONLLinear(t *testing.T) {
	for name, line := range map[string]string{"blank lines": " \n", "empty results": "{}\n", "one-field results": `{"target":"a:1"}` + "\n"} {
		data := []byte(strings.Repeat(line, (64<<10)/len(line)))
		lines := bytes.Count(data, []byte("\n"))
		allocs := testing.AllocsPerRun(3, func() {
			if err := ReadJSONL(bytes.NewReader(data), "x.jsonl", func(int, Result) error { return nil }); err != nil {
				t.Fatal(err)
			}
		})
		if per := allocs / float64(lines); per > 8 {
			t.Errorf("%s: %.0f allocations for %d lines (%.2f each), want <= 8 each", name, allocs, lines, per)
		}
	}
}
