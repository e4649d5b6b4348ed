package datasets

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/mhealthsec/mhealthsec/probe/result"
)

// The concurrent results reader must report exactly what the line-by-line reader it
// replaced reported. That reader is kept here as the reference.

// readResultsSequential returns an error only when r cannot be read; input errors go to errs. It
// streams: result.ReadJSONL reads from a lineFeeder, which hands over at most one line
// per Read, so after a bad line the input stands right behind it and reading resumes there.
func readResultsSequential(r io.Reader, file string, errs *fileErrors) ([]result.Result, error) {
	feed := &lineFeeder{br: bufio.NewReaderSize(r, 64<<10), atLineStart: true}
	var out []result.Result
	offset := 0 // lines already consumed by earlier passes
	for {
		err := result.ReadJSONL(feed, file, func(line int, res result.Result) error {
			checkResult(file, offset+line, &res, errs)
			out = append(out, res)
			return nil
		})
		if err == nil {
			return out, nil
		}
		var le *result.LineError
		if !errors.As(err, &le) {
			return nil, err
		}
		errs.add(&InputError{File: file, Line: offset + le.Line, Column: le.Field,
			Expected: "one probe result JSON object per line", Got: abbreviate(string(bytes.TrimSpace(feed.last))), Err: le.Err})
		offset += le.Line
		if err := feed.skipRestOfLine(); err != nil {
			return nil, fmt.Errorf("read %s: %w", file, err)
		}
	}
}

// lineFeeder is an io.Reader that never returns bytes past a newline in one Read, and
// remembers the start of the line it is in.
type lineFeeder struct {
	br          *bufio.Reader
	pending     []byte // rest of the current chunk, not yet handed over
	last        []byte // the first bytes of the latest line
	atLineStart bool
}

func (f *lineFeeder) Read(p []byte) (int, error) {
	if len(f.pending) == 0 {
		chunk, err := f.br.ReadSlice('\n')
		if len(chunk) == 0 {
			if err == bufio.ErrBufferFull {
				err = nil
			}
			return 0, err
		}
		if f.atLineStart {
			f.last = append(f.last[:0], chunk[:min(len(chunk), 80)]...)
		}
		f.atLineStart = chunk[len(chunk)-1] == '\n'
		f.pending = chunk // valid until the next ReadSlice, which waits until it is used up
	}
	n := copy(p, f.pending)
	f.pending = f.pending[n:]
	return n, nil
}

// skipRestOfLine drops what is left of the current line (after an over-long line).
func (f *lineFeeder) skipRestOfLine() error {
	f.pending = nil
	for !f.atLineStart {
		chunk, err := f.br.ReadSlice('\n')
		if len(chunk) > 0 {
			f.atLineStart = chunk[len(chunk)-1] == '\n'
		}
		switch {
		case err == io.EOF:
			f.atLineStart = true
		case err != nil && err != bufio.ErrBufferFull:
			return err
		}
	}
	return nil
}

// compareReaders reads input with both readers and fails on any difference in results,
// errors or their messages. The new reader runs without a line count, with the right one,
// and with counts too small and too large (a file that grew or shrank after counting).
func compareReaders(t *testing.T, input []byte) {
	t.Helper()
	var wantErrs fileErrors
	want, wantErr := readResultsSequential(bytes.NewReader(input), "r.jsonl", &wantErrs)
	lines := bytes.Count(input, []byte{'\n'}) + 1
	for _, hint := range []int{0, lines, lines / 2, 2*lines + 3} {
		var gotErrs fileErrors
		got, gotErr := readResults(bytes.NewReader(input), "r.jsonl", hint, &gotErrs)
		if (wantErr == nil) != (gotErr == nil) {
			t.Fatalf("hint %d: read error: got %v, want %v", hint, gotErr, wantErr)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("hint %d: results differ: got %d, want %d", hint, len(got), len(want))
		}
		if g, w := fmt.Sprint(gotErrs.err("r.jsonl")), fmt.Sprint(wantErrs.err("r.jsonl")); g != w {
			t.Fatalf("hint %d: errors differ:\ngot  %s\nwant %s", hint, g, w)
		}
		if gotErrs.omitted != wantErrs.omitted {
			t.Fatalf("hint %d: %d errors omitted, want %d", hint, gotErrs.omitted, wantErrs.omitted)
		}
	}
}

// manyLines returns n result lines, every bad-th one broken in a different way, so the
// input spans many batches and the errors many of them.
func manyLines(n, bad int) []byte {
	var b bytes.Buffer
	for i := 1; i <= n; i++ {
		switch {
		case bad > 0 && i%bad == 0 && i%(3*bad) == 0:
			b.WriteString(`{"host":"h","port":"443"}`)
		case bad > 0 && i%bad == 0 && i%(2*bad) == 0:
			fmt.Fprintf(&b, `{"host":"h%d","port":443,"grade":{"letter":"Z"}}`, i)
		case bad > 0 && i%bad == 0:
			b.WriteString("  {not json")
		case i%7 == 0:
			b.WriteString(" \t\r")
		default:
			fmt.Fprintf(&b, `{"target":"h%d.example:443","host":"h%d.example","port":443,"protocols":{"TLS1_2":true},"grade":{"letter":"A","caps":[]}}`, i, i)
		}
		if i%11 == 0 {
			b.WriteString("\r")
		}
		b.WriteString("\n")
	}
	return b.Bytes()
}

func TestReadResultsMatchesSequential(t *testing.T) {
	long := strings.Repeat("x", result.MaxLineBytes)
	tests := []struct {
		name  string
		input string
	}{
		{"empty", ""},
		{"blank lines", "\n\n  \n"},
		{"no final newline", goodResult},
		{"bad last line without newline", goodResult + "\n{"},
		{"crlf", goodResult + "\r\n" + goodResult + "\r\n"},
		{"many good lines", string(manyLines(5000, 0))},
		{"errors across batches", string(manyLines(5000, 37))},
		{"more errors than listed", string(manyLines(3000, 5))},
		{"long line one byte short", `"` + long[:result.MaxLineBytes-3] + `"` + "\n" + goodResult},
		{"long line at the limit", `"` + long[:result.MaxLineBytes-2] + `"` + "\n" + goodResult},
		{"long line at the limit, crlf", `"` + long[:result.MaxLineBytes-3] + `"` + "\r\n" + goodResult},
		{"long line at the limit at the end", goodResult + "\n" + `"` + long[:result.MaxLineBytes-2] + `"`},
		{"long line short of the limit at the end", goodResult + "\n" + `"` + long[:result.MaxLineBytes-3] + `"`},
		{"long line far over", "oops\n" + long + long + "\n" + goodResult + "\nbad\n"},
		{"long line over at the end", goodResult + "\n" + long + "yy"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { compareReaders(t, []byte(tt.input)) })
	}
}

// A read error returns no results, as before.
func TestReadResultsReadError(t *testing.T) {
	boom := errors.New("boom")
	input := io.MultiReader(bytes.NewReader(manyLines(2000, 0)), iotest.ErrReader(boom))
	res, err := ReadResults(input, "r.jsonl")
	if !errors.Is(err, boom) || res != nil {
		t.Fatalf("got %d results, %v; want none and boom", len(res), err)
	}
	var le *LoadError
	if errors.As(err, &le) {
		t.Fatalf("a read error is not an input error: %v", err)
	}
}

// FuzzReadResultsMatchesSequential: on any input the concurrent reader reports what the
// line-by-line reader reports.
func FuzzReadResultsMatchesSequential(f *testing.F) {
	seedResults(f)
	// Small on purpose: every execution reads its input five times, and the fuzzer
	// minimizes each new interesting input one byte range per execution.
	f.Add(manyLines(40, 13))
	f.Fuzz(func(t *testing.T, data []byte) { compareReaders(t, data) })
}
