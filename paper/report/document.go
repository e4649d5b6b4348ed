// Package report writes a study report: a Document of sections holding paragraphs, lists,
// tables and figures becomes report.md, a self-contained report.html, every table as CSV,
// Markdown and LaTeX (booktabs) under tables/, every figure as PNG, SVG and PDF under
// figures/, and the machine-readable numbers as stats.json.
//
// It knows nothing about any particular study; `reproduce` and `analyze` both build a
// Document and hand it here. Output is all or nothing: WriteAtomic writes into a temporary
// folder beside the destination and renames it into place only when everything succeeded.
package report

import (
	"fmt"
	"regexp"

	"github.com/mhealthsec/mhealthsec/figures"
)

// Document is a whole report.
type Document struct {
	Title    string
	Subtitle string // e.g. the study citation; may be empty
	Sections []Section
}

// Section is a titled part of the report; its blocks appear in order.
type Section struct {
	Title  string
	Blocks []Block
}

// Block is one of Paragraph, List, Table, Figure.
type Block interface{ block() }

// Paragraph is running text. Text between backticks is set as code; nothing else is markup.
type Paragraph struct{ Text string }

// List is a bulleted list of items (same markup as Paragraph).
type List struct{ Items []string }

// Table is a table of pre-formatted cells. Name is the file stem under tables/ (letters,
// digits, '_' and '-'); columns whose cells all look numeric are right-aligned.
type Table struct {
	Name    string
	Caption string
	Columns []string
	Rows    [][]string
	Note    string // printed under the table (assumptions, abbreviations)
	// FileOnly tables (long listings) are written to tables/ and only referred to in the
	// report text, not printed in it.
	FileOnly bool
}

// Figure is a figure and its caption; Figure.Name is the file stem under figures/.
type Figure struct {
	Caption string
	Figure  figures.Figure
}

func (Paragraph) block() {}
func (List) block()      {}
func (Table) block()     {}
func (Figure) block()    {}

var namePattern = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

// Validate checks that table and figure names are usable file names, unique per kind, and
// that every table row has as many cells as the table has columns.
func (d Document) Validate() error {
	tables, figs := map[string]bool{}, map[string]bool{}
	for _, s := range d.Sections {
		for _, b := range s.Blocks {
			switch b := b.(type) {
			case Table:
				if !namePattern.MatchString(b.Name) {
					return fmt.Errorf("section %q: table name %q: want letters, digits, _ or -", s.Title, b.Name)
				}
				if tables[b.Name] {
					return fmt.Errorf("section %q: table name %q used twice", s.Title, b.Name)
				}
				tables[b.Name] = true
				for i, row := range b.Rows {
					if len(row) != len(b.Columns) {
						return fmt.Errorf("table %q: row %d has %d cells, want %d", b.Name, i+1, len(row), len(b.Columns))
					}
				}
			case Figure:
				if !namePattern.MatchString(b.Figure.Name) {
					return fmt.Errorf("section %q: figure name %q: want letters, digits, _ or -", s.Title, b.Figure.Name)
				}
				if figs[b.Figure.Name] {
					return fmt.Errorf("section %q: figure name %q used twice", s.Title, b.Figure.Name)
				}
				figs[b.Figure.Name] = true
			case Paragraph, List:
			default:
				return fmt.Errorf("section %q: unknown block type %T", s.Title, b)
			}
		}
	}
	return nil
}

// Table returns the document's table named name (its file stem under tables/).
func (d Document) Table(name string) (Table, bool) {
	for _, s := range d.Sections {
		for _, b := range s.Blocks {
			if t, ok := b.(Table); ok && t.Name == name {
				return t, true
			}
		}
	}
	return Table{}, false
}

// Figure returns the document's figure named name (its file stem under figures/).
func (d Document) Figure(name string) (Figure, bool) {
	for _, s := range d.Sections {
		for _, b := range s.Blocks {
			if f, ok := b.(Figure); ok && f.Figure.Name == name {
				return f, true
			}
		}
	}
	return Figure{}, false
}
