package datasets

import (
	"embed"
	"encoding/csv"
	"fmt"
	"io"
	"strings"
)

// files holds the embedded data. Each file starts with '#' lines that say where its
// contents come from.
//
//go:embed data/published.csv data/not_published.csv data/ssl_pulse_grades_2016_2019.csv
var files embed.FS

// Embedded file names.
const (
	publishedFile    = "data/published.csv"
	notPublishedFile = "data/not_published.csv"
	pulseFile        = "data/ssl_pulse_grades_2016_2019.csv"
)

// commentedCSV is a CSV file with leading '#' note lines, the header and records with their
// line numbers.
type commentedCSV struct {
	notes   []string
	header  []string
	records [][]string
	lines   []int
}

// readCommentedCSV splits the leading '#' lines off a CSV file and parses the rest. Notes are
// kept verbatim without their "# " marker.
func readCommentedCSV(name string) (commentedCSV, error) {
	b, err := files.ReadFile(name)
	if err != nil {
		return commentedCSV{}, fmt.Errorf("read embedded %s: %w", name, err)
	}
	return parseCommentedCSV(name, b)
}

func parseCommentedCSV(name string, b []byte) (commentedCSV, error) {
	var c commentedCSV
	text := string(b)
	offset := 0
	for strings.HasPrefix(text, "#") {
		line, rest, _ := strings.Cut(text, "\n")
		note := strings.TrimPrefix(strings.TrimSuffix(line, "\r"), "#")
		c.notes = append(c.notes, strings.TrimPrefix(note, " "))
		text = rest
		offset++
	}
	r := csv.NewReader(strings.NewReader(text))
	r.ReuseRecord = false
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return commentedCSV{}, fmt.Errorf("embedded %s: %w", name, err)
		}
		line, _ := r.FieldPos(0)
		if c.header == nil {
			c.header = rec
			continue
		}
		c.records = append(c.records, rec)
		c.lines = append(c.lines, line+offset)
	}
	if c.header == nil {
		return commentedCSV{}, fmt.Errorf("embedded %s: no header", name)
	}
	return c, nil
}

// columns maps header names to their index and checks that every wanted column is there.
func (c commentedCSV) columns(file string, want ...string) (map[string]int, error) {
	idx := make(map[string]int, len(c.header))
	for i, h := range c.header {
		idx[h] = i
	}
	for _, w := range want {
		if _, ok := idx[w]; !ok {
			return nil, fmt.Errorf("embedded %s: no column %q in header %v", file, w, c.header)
		}
	}
	return idx, nil
}
