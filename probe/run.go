package probe

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"

	"github.com/mhealthsec/mhealthsec/probe/result"
)

// RunOptions tunes one Run.
type RunOptions struct {
	// Skip holds target keys (Target.String) already measured; they are not measured again.
	Skip map[string]bool
	// OnResult is called after each result is written, one call at a time (progress).
	OnResult func(result.Result)
}

// Summary counts what a Run did.
type Summary struct {
	Targets  int // distinct targets given
	Skipped  int // already in the output (resume)
	Measured int // results written, Failed included
	Failed   int // results with an error: the endpoint could not be assessed
	// Interrupted targets were not finished because the run was canceled or hit its
	// overall deadline; a resumed run measures them.
	Interrupted int
	Failures    map[result.ErrorKind]int
	Grades      map[string]int
}

func (s *Summary) add(r result.Result) {
	s.Measured++
	if r.Error != nil {
		s.Failed++
		s.Failures[r.Error.Kind]++
	}
	if r.Grade != nil {
		s.Grades[r.Grade.Letter]++
	}
}

// Run measures targets with Config.Concurrency workers and writes each result to w as
// soon as it is done, in completion order. Duplicate targets are measured once. When ctx
// is canceled (or the overall deadline passes) no new target is started, measurements in
// flight are abandoned without a line (so a resume measures them again), and Run returns
// the summary with ctx's error. Lines already written are whole: w writes each in one call.
// A line is written before the endpoints that share its key may be measured: compare them
// afterwards with MarkDROWNFile (DROWN across services).
func (s *Scanner) Run(ctx context.Context, targets []Target, w *result.Writer, opts RunOptions) (Summary, error) {
	if s.cfg.OverallDeadline > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, s.cfg.OverallDeadline)
		defer cancel()
	}
	ctx, stop := context.WithCancelCause(ctx)
	defer stop(nil)

	sum := Summary{Failures: map[result.ErrorKind]int{}, Grades: map[string]int{}}
	var todo []Target
	seen := map[string]bool{}
	for _, t := range targets {
		key := t.String()
		if seen[key] {
			continue
		}
		seen[key] = true
		sum.Targets++
		if opts.Skip[key] {
			sum.Skipped++
			continue
		}
		todo = append(todo, t)
	}

	todo = interleaveHosts(todo)

	jobs := make(chan Target)
	var mu sync.Mutex // guards sum and serializes OnResult
	var wg sync.WaitGroup
	for range min(s.cfg.Concurrency, max(1, len(todo))) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for t := range jobs {
				r := s.measure(ctx, t)
				if ctx.Err() != nil && r.Error != nil {
					mu.Lock()
					sum.Interrupted++
					mu.Unlock()
					continue
				}
				if err := w.Write(r); err != nil {
					stop(err)
					continue
				}
				mu.Lock()
				sum.add(r)
				if opts.OnResult != nil {
					opts.OnResult(r)
				}
				mu.Unlock()
			}
		}()
	}
	fed := 0
feed:
	for _, t := range todo {
		select {
		case jobs <- t:
			fed++
		case <-ctx.Done():
			break feed
		}
	}
	close(jobs)
	wg.Wait()
	sum.Interrupted += len(todo) - fed
	if err := context.Cause(ctx); err != nil {
		return sum, err
	}
	return sum, nil
}

// interleaveHosts orders targets round-robin over their hosts (first target of each host,
// then the second of each, ...), keeping each host's own order. A study lists a host's
// endpoints together; taken in that order, every worker would queue behind the first
// host's per-host limits while the other hosts sit idle.
func interleaveHosts(targets []Target) []Target {
	var hosts []string
	byHost := map[string][]Target{}
	for _, t := range targets {
		if _, ok := byHost[t.Host]; !ok {
			hosts = append(hosts, t.Host)
		}
		byHost[t.Host] = append(byHost[t.Host], t)
	}
	out := make([]Target, 0, len(targets))
	for len(hosts) > 0 {
		left := hosts[:0] // hosts with targets after this round
		for _, h := range hosts {
			q := byHost[h]
			out = append(out, q[0])
			if len(q) > 1 {
				byHost[h] = q[1:]
				left = append(left, h)
			}
		}
		hosts = left
	}
	return out
}

// Output is a results file opened for appending.
type Output struct {
	File *os.File
	// Done holds the targets already in the file (resume).
	Done map[string]bool
	// Repaired says what was fixed at the end of the file, if anything.
	Repaired string
}

// ErrOutputExists is returned by OpenOutput when the file has results and resume is off.
var ErrOutputExists = errors.New("output file already holds results")

// OpenOutput opens path for a scan. Without resume the file must be absent or empty.
// With resume every complete line is read and must be a valid result (an error names
// file:line); an unterminated last line, which a killed writer leaves behind, is cut off
// and reported in Repaired (or, if it holds a whole result, kept and terminated).
func OpenOutput(path string, resume bool) (*Output, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open output: %w", err)
	}
	out := &Output{File: f, Done: map[string]bool{}}
	info, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("open output: %w", err)
	}
	if info.Size() > 0 && !resume {
		f.Close()
		return nil, fmt.Errorf("%s: %w; pass --resume to continue it, or remove it", path, ErrOutputExists)
	}
	if err := out.load(path); err != nil {
		f.Close()
		return nil, err
	}
	return out, nil
}

func (o *Output) load(path string) error {
	rd := bufio.NewReaderSize(o.File, 64<<10)
	var good int64 // offset after the last complete line
	for line := 1; ; line++ {
		b, err := rd.ReadBytes('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("read %s: %w", path, err)
		}
		complete := len(b) > 0 && b[len(b)-1] == '\n'
		if len(bytes.TrimSpace(b)) > 0 {
			key, perr := targetOf(b, path, line)
			switch {
			case perr == nil:
				o.Done[key] = true
				if !complete {
					// A whole result without its newline: keep it, end the line.
					if _, err := o.File.Seek(0, io.SeekEnd); err != nil {
						return fmt.Errorf("%s: %w", path, err)
					}
					if _, err := o.File.Write([]byte("\n")); err != nil {
						return fmt.Errorf("%s: %w", path, err)
					}
					o.Repaired = fmt.Sprintf("%s:%d: added the missing newline after the last result", path, line)
					return nil
				}
			case !complete:
				if err := o.File.Truncate(good); err != nil {
					return fmt.Errorf("%s: cut incomplete last line: %w", path, err)
				}
				o.Repaired = fmt.Sprintf("%s:%d: removed an incomplete last line (%d bytes) left by an interrupted run; that target is measured again", path, line, len(b))
				_, err := o.File.Seek(good, io.SeekStart)
				return err
			default:
				return perr
			}
		}
		good += int64(len(b))
		if errors.Is(err, io.EOF) {
			break
		}
	}
	_, err := o.File.Seek(0, io.SeekEnd)
	return err
}

// targetOf validates one line as a result and returns its target key.
func targetOf(b []byte, path string, line int) (string, error) {
	var key string
	err := result.ReadJSONL(bytes.NewReader(b), path, func(_ int, r result.Result) error {
		key = r.Target
		return nil
	})
	if err != nil {
		var le *result.LineError
		if errors.As(err, &le) {
			le.Line = line
		}
		return "", err
	}
	if key == "" {
		return "", &result.LineError{File: path, Line: line, Field: "target", Err: errors.New("missing")}
	}
	return key, nil
}
