package datasets

import (
	"fmt"
	"strings"
)

// InputError is one bad value in a study file: where it is, what was expected and what was
// there. Line is 1-based and counts the header.
type InputError struct {
	File     string
	Line     int
	Column   string
	Expected string
	Got      string
	// Err is an underlying decoder error, when there is one (malformed JSON or CSV).
	Err error
}

func (e *InputError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s:%d: ", e.File, e.Line)
	if e.Column != "" {
		fmt.Fprintf(&b, "column %q: ", e.Column)
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

func (e *InputError) Unwrap() error { return e.Err }
