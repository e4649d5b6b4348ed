// Package inputerr holds the one error type for a bad place in an input file: which file,
// where in it (a line and column or field, or a JSON path), what was expected and what was
// there. The packages that read files export it under their own names (result.LineError,
// classify.LineError, …) as aliases, so errors.As finds the same type whichever reader
// failed.
package inputerr

import (
	"fmt"
	"strings"
)

// Error is one bad piece of input. Line is 1-based (0 when the place is a JSON path);
// Column names a CSV column, Field a field of a JSON object or of a rule line; Path is a
// JSON path such as $.endpoints[0].details.
type Error struct {
	File     string
	Line     int
	Column   string
	Field    string
	Path     string
	Expected string
	Got      string
	// Err is the underlying cause, when there is one (a decoder's error, a parse error).
	Err error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	b.WriteString(": ")
	if e.Path != "" {
		fmt.Fprintf(&b, "at %s: ", e.Path)
	}
	if e.Column != "" {
		fmt.Fprintf(&b, "column %q: ", e.Column)
	}
	if e.Field != "" {
		fmt.Fprintf(&b, "field %q: ", e.Field)
	}
	switch {
	case e.Expected != "":
		fmt.Fprintf(&b, "expected %s, got %q", e.Expected, e.Got)
		if e.Err != nil {
			fmt.Fprintf(&b, " (%v)", e.Err)
		}
	case e.Err != nil:
		b.WriteString(e.Err.Error())
	default:
		fmt.Fprintf(&b, "bad value %q", e.Got)
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }
