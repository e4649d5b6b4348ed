package datasets

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/mhealthsec/mhealthsec/probe/result"
)

// results.jsonl is decoded on several goroutines (inOrder): one reader cuts the file into
// batches of whole lines, workers decode the batches, and readResults takes the decoded
// batches back in file order. A results file of a large study is hundreds of MB of JSON, and
// encoding/json is the bulk of loading it.

const (
	batchBytes = 256 << 10 // a batch holds whole lines, about this many bytes
	headBytes  = 80        // bytes of a bad line kept for its error message
)

// lineSpan is one line of a batch: data[off:end] without the newline. A line too long
// to decode keeps only its first headBytes, and tooLong is set.
type lineSpan struct {
	off, end int
	tooLong  bool
}

// batch is a run of consecutive lines of results.jsonl, decoded into values of type T.
type batch[T any] struct {
	first int // line number of lines[0]
	data  []byte
	lines []lineSpan
	// Filled in by a worker, one entry per line: where the line's result was decoded to
	// (zero for a blank or bad line), its error, whether it is blank.
	results []*T
	errs    []error // nil for a good or blank line
	blank   []bool
	// readErr ends the file: the reader failed after the lines of this batch.
	readErr error
	eof     bool // the input ended with this batch
}

// decodeResults reads r and calls fn for every line in file order, with its number, its
// first bytes (for an error message), and its result or its *result.LineError. Blank lines
// are skipped. Only a failure to read r is returned. Line n (1-based) is decoded into
// dst[n-1] when dst is that long, so results need not be copied from batch to batch; fn
// may move or overwrite dst[i] for i < n-1, never a later one.
func decodeResults(r io.Reader, file string, dst []result.Result, fn func(line int, head []byte, res *result.Result, err error)) error {
	d := result.NewLineDecoder()
	return decodeLines(r, file, dst, func(line int, text []byte, res *result.Result) error {
		return d.Decode(file, line, text, res)
	}, fn)
}

// decodeLines is decodeResults for any decoding of a line: decode turns the line's text
// (trimmed, not blank) into v, on one of several goroutines, and fn sees the values in
// file order.
func decodeLines[T any](r io.Reader, file string, dst []T, decode func(line int, text []byte, v *T) error, fn func(line int, head []byte, v *T, err error)) error {
	br := bufio.NewReaderSize(r, 64<<10)
	first := new(batch[T])
	next := 1 // the line number of the next batch's first line
	var readErr error
	fill := func(b *batch[T]) (last bool) {
		if cap(b.data) > 2*batchBytes { // one grown for a long line
			b.data = nil
		}
		*b = batch[T]{first: next, data: b.data[:0], lines: b.lines[:0]}
		eof := b.fill(br, file)
		next += len(b.lines)
		return eof || b.readErr != nil
	}
	// The first batch of a file of one batch is decoded without goroutines (inOrder),
	// which would cost a small file more than its decoding.
	inOrder(first, fill(first), fill, func(b *batch[T]) { b.decode(file, dst, decode) }, nil, func(b *batch[T]) {
		b.deliver(fn)
		if b.readErr != nil {
			readErr = b.readErr // the last batch: the reader stopped
		}
	})
	return readErr
}

// deliver calls fn for every line of a decoded batch but the blank ones.
func (b *batch[T]) deliver(fn func(line int, head []byte, v *T, err error)) {
	for i, sp := range b.lines {
		if b.blank[i] {
			continue
		}
		head := b.data[sp.off:min(sp.end, sp.off+headBytes)]
		fn(b.first+i, head, b.results[i], b.errs[i])
	}
}

func (b *batch[T]) decode(file string, dst []T, decode func(line int, text []byte, v *T) error) {
	n := len(b.lines)
	b.results = make([]*T, n)
	b.errs = make([]error, n)
	b.blank = make([]bool, n)
	var local []T // for lines past the end of dst
	for i, sp := range b.lines {
		line := b.first + i
		if line <= len(dst) {
			b.results[i] = &dst[line-1]
		} else {
			if local == nil {
				local = make([]T, n)
			}
			b.results[i] = &local[i]
		}
		if sp.tooLong {
			b.errs[i] = result.LineTooLong(file, line)
			continue
		}
		text := bytes.TrimSpace(b.data[sp.off:sp.end])
		if len(text) == 0 {
			b.blank[i] = true
			continue
		}
		b.errs[i] = decode(line, text, b.results[i])
	}
}

// fill reads whole lines into b until it holds about batchBytes; it reports, and records
// in b.eof, whether the input ended. A failure to read is left in b.readErr. The first
// batch's buffer grows from small as lines arrive, so a small file costs little.
func (b *batch[T]) fill(br *bufio.Reader, file string) bool {
	for len(b.data) < batchBytes && !b.eof {
		var err error
		b.eof, err = readLine(br, b, file)
		if err != nil {
			b.readErr = err
			break
		}
	}
	return b.eof
}

// readLine appends the next line of br to b; eof reports that the input has ended.
func readLine[T any](br *bufio.Reader, b *batch[T], file string) (eof bool, err error) {
	start := len(b.data)
	for {
		frag, err := br.ReadSlice('\n')
		b.data = append(b.data, frag...)
		switch {
		case err == nil:
			end := len(b.data) - 1 // without the '\n'
			if end-start >= result.MaxLineBytes {
				b.cutLong(start)
				return false, nil
			}
			b.lines = append(b.lines, lineSpan{off: start, end: end})
			return false, nil
		case err == io.EOF:
			if len(b.data) == start {
				return true, nil
			}
			if len(b.data)-start >= result.MaxLineBytes {
				b.cutLong(start)
				return true, nil
			}
			b.lines = append(b.lines, lineSpan{off: start, end: len(b.data)})
			return true, nil
		case errors.Is(err, bufio.ErrBufferFull):
			if len(b.data)-start < result.MaxLineBytes {
				continue
			}
			b.cutLong(start)
			return skipLine(br, file)
		default:
			b.data = b.data[:start]
			return true, fmt.Errorf("%s: %w", file, err)
		}
	}
}

// cutLong keeps the first headBytes of the too-long line that starts at data[start:].
func (b *batch[T]) cutLong(start int) {
	b.data = b.data[:min(len(b.data), start+headBytes)]
	b.lines = append(b.lines, lineSpan{off: start, end: len(b.data), tooLong: true})
}

// skipLine drops the rest of the current line.
func skipLine(br *bufio.Reader, file string) (eof bool, err error) {
	for {
		_, err := br.ReadSlice('\n')
		switch {
		case err == nil:
			return false, nil
		case err == io.EOF:
			return true, nil
		case !errors.Is(err, bufio.ErrBufferFull):
			return true, fmt.Errorf("read %s: %w", file, err)
		}
	}
}
