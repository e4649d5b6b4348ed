package inputerr

import (
	"errors"
	"io"
	"testing"
)

func TestErrorText(t *testing.T) {
	for _, tc := range []struct {
		e    Error
		want string
	}{
		{Error{File: "servers.csv", Line: 14, Column: "port", Expected: "a port 1-65535", Got: "http"},
			`servers.csv:14: column "port": expected a port 1-65535, got "http"`},
		{Error{File: "r.jsonl", Line: 3, Field: "grade", Err: io.ErrUnexpectedEOF},
			`r.jsonl:3: field "grade": unexpected EOF`},
		{Error{File: "labs.json", Path: "$[0].endpoints[1]", Err: errors.New("no details")},
			`labs.json: at $[0].endpoints[1]: no details`},
		{Error{File: "x.rules", Line: 2, Got: "?"}, `x.rules:2: bad value "?"`},
	} {
		if got := tc.e.Error(); got != tc.want {
			t.Errorf("got  %s\nwant %s", got, tc.want)
		}
	}
	e := &Error{File: "f", Err: io.EOF}
	if !errors.Is(e, io.EOF) {
		t.Error("Unwrap does not reach the cause")
	}
}
