package datasets

import (
	"bytes"
	"strings"
	"testing"
)

// TestReadersLinear feeds 64 KiB inputs with the most rows or lines to the study readers
// and checks the work done, not the time: allocations stay within a small number per line.
func TestReadersLinear(t *testing.T) {
	const size = 64 << 10
	rows := func(header, row string) []byte {
		return []byte(header + strings.Repeat(row, (size-len(header))/len(row)))
	}
	tests := []struct {
		name string
		data []byte
		read func([]byte)
	}{
		{"results, empty lines", []byte(strings.Repeat("{}\n", size/3)), func(b []byte) { _, _ = ReadResults(bytes.NewReader(b), "r.jsonl") }},
		{"results, bad lines", []byte(strings.Repeat("x\n", size/2)), func(b []byte) { _, _ = ReadResults(bytes.NewReader(b), "r.jsonl") }},
		{"servers, short rows", rows(serversHeader, "a,b,1,http,x\n"), func(b []byte) { _, _ = ReadServers(bytes.NewReader(b), "s.csv", nil) }},
		{"servers, semicolons, bad rows", rows(strings.ReplaceAll(serversHeader, ",", ";"), ";;;;\n"), func(b []byte) { _, _ = ReadServers(bytes.NewReader(b), "s.csv", nil) }},
		{"apps, one column", rows("app_id\n", "a\n"), func(b []byte) { _, _ = ReadApps(bytes.NewReader(b), "a.csv") }},
	}
	for _, tt := range tests {
		lines := bytes.Count(tt.data, []byte("\n"))
		allocs := testing.AllocsPerRun(2, func() { tt.read(tt.data) })
		if per := allocs / float64(lines); per > 16 {
			t.Errorf("%s: %.0f allocations for %d lines (%.2f each), want <= 16 each", tt.name, allocs, lines, per)
		}
	}
}
