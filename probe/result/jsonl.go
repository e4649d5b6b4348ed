package result

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"

	"github.com/mhealthsec/mhealthsec/internal/inputerr"
)

// MaxLineBytes bounds one JSONL line; a probe result is a few KiB.
const MaxLineBytes = 16 << 20

// LineError names the file, line and, where known, field of bad input. It is the module's
// one input-position error (inputerr.Error), so errors.As finds it whichever reader failed.
type LineError = inputerr.Error

// ReadJSONL decodes one Result per non-blank line of r and calls fn with its line number.
// name is used in errors. Unknown keys are allowed; a malformed line stops the read with a
// *LineError naming the line and, for type errors, the field.
func ReadJSONL(r io.Reader, name string, fn func(line int, res Result) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), MaxLineBytes)
	line := 0
	for sc.Scan() {
		line++
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 {
			continue
		}
		var res Result
		if err := DecodeLine(name, line, b, &res); err != nil {
			return err
		}
		if err := fn(line, res); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return LineTooLong(name, line+1)
		}
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

// DecodeLine decodes one line of a JSONL file into res as ReadJSONL does; b is the line
// without surrounding space and not blank. A malformed line gives a *LineError naming name,
// line and, for type errors, the field, and leaves res zero. It lets a reader that splits
// lines itself (to decode them concurrently, or to read on past a bad line) report exactly
// what ReadJSONL would, and decode straight into the slot a result ends up in.
func DecodeLine(name string, line int, b []byte, res *Result) error {
	*res = Result{} // json.Unmarshal would merge into what is there
	if err := json.Unmarshal(b, res); err != nil {
		*res = Result{}
		le := &LineError{File: name, Line: line, Err: err}
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			le.Field = te.Field
			le.Err = fmt.Errorf("expected %s, got JSON %s", te.Type, te.Value)
		}
		return le
	}
	return nil
}

// LineTooLong is the error of ReadJSONL for a line of MaxLineBytes or more (not counting
// its newline), which it cannot scan.
func LineTooLong(name string, line int) *LineError {
	return &LineError{File: name, Line: line, Err: fmt.Errorf("line longer than %d bytes", MaxLineBytes)}
}

// ReadFile reads every result of a JSONL file.
func ReadFile(path string) ([]Result, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []Result
	err = ReadJSONL(f, path, func(_ int, r Result) error {
		out = append(out, r)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Writer appends results as JSON lines. Each Write is one complete line, written and synced
// before it returns, so an interrupted scan keeps every result it reported. Safe for
// concurrent use.
type Writer struct {
	mu   sync.Mutex
	w    io.Writer
	sync func() error
}

// NewWriter writes lines to w. If w is a regular file each line is fsynced; pipes and
// terminals are not (fsync fails on them with EINVAL).
func NewWriter(w io.Writer) *Writer {
	wr := &Writer{w: w}
	if f, ok := w.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
			wr.sync = f.Sync
		}
	}
	return wr
}

// Write encodes r as one line.
func (w *Writer) Write(r Result) error {
	b, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("encode result for %s: %w", r.Target, err)
	}
	b = append(b, '\n')
	w.mu.Lock()
	defer w.mu.Unlock()
	if _, err := w.w.Write(b); err != nil {
		return fmt.Errorf("write result for %s: %w", r.Target, err)
	}
	if w.sync != nil {
		return w.sync()
	}
	return nil
}
