package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/mhealthsec/mhealthsec/probe/result"
)

type mergeFlags struct {
	out          string
	targetsFile  string
	newest       bool
	allowMissing bool
}

func newMergeCmd() *cobra.Command {
	var f mergeFlags
	cmd := &cobra.Command{
		Use:   "merge SHARD.jsonl... --out RESULTS.jsonl [--targets FILE] [--newest]",
		Short: "Join the results files of a sharded scan, checking that every endpoint is there exactly once",
		Long: `merge joins results files (the parts of a "probe --shard K/N" scan, or any results
files) into one. Every line of every input is read and must be a valid result; a bad line
stops the merge naming file and line (resume that shard's probe to repair a cut-off last
line). Nothing is dropped silently:

  - An endpoint measured in more than one line is a duplicate. Without --newest duplicates
    are an error and each is listed with its file:line. With --newest the line with the
    latest started_at is kept (on a tie, the later one in argument order) and every
    dropped line is listed on stderr.
  - With --targets (the list the shards were made from: host[:port] lines or a servers.csv,
    read as probe reads it), every target must have a result and every result must be a
    target. Missing and unexpected endpoints are listed; either is an error unless
    --allow-missing, which writes what there is and still lists what is missing (and keeps
    the unexpected lines).

The output holds the kept lines byte for byte (keys merge does not know are kept), in the
order of --targets, or sorted by target without it, except for DROWN across services: the
endpoints of all files are compared, and an endpoint whose RSA key speaks SSL 2.0 on another
endpoint gets vulnerabilities.DROWN, drown_same_key and its grade set in its line. It is written atomically: complete or
not at all. Exit codes: 0 merged; 1 a bad input file or a coverage problem (nothing
written); 2 usage error.`,
		Example: `  mhealthsec merge shard-*.jsonl --targets study/servers.csv --out study/results.jsonl
  mhealthsec merge old.jsonl rescan.jsonl --newest --out results.jsonl`,
		Args: usageArgs(cobra.MinimumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			if f.out == "" {
				return usageErrorf("merge: --out FILE is required (the merged file is written atomically)")
			}
			return runMerge(args, f, cmd.ErrOrStderr())
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.out, "out", "", "merged results file (JSONL), written whole or not at all")
	fl.StringVar(&f.targetsFile, "targets", "", "target list to check coverage against: host[:port] lines or a servers.csv")
	fl.BoolVar(&f.newest, "newest", false, "keep the latest measurement (started_at) of an endpoint measured more than once, listing the others")
	fl.BoolVar(&f.allowMissing, "allow-missing", false, "with --targets, write the merge even if targets are missing or results are not targets (still listed)")
	return cmd
}

// mergeLine is where one result line is: it is validated and indexed on a first pass and
// copied byte for byte on a second, so a merge of millions of endpoints holds no results.
type mergeLine struct {
	file    int
	line    int
	off     int64 // offset of the line's first byte
	n       int   // length without the newline
	started time.Time
}

// mergeListMax bounds each list merge prints; the counts are always complete.
const mergeListMax = 25

func runMerge(files []string, f mergeFlags, stderr io.Writer) error {
	var order []string // targets from --targets, in order
	if f.targetsFile != "" {
		targets, _, err := collectTargets(nil, f.targetsFile, 0)
		if err != nil {
			var ue *usageError
			if errors.As(err, &ue) {
				return fmt.Errorf("merge: --targets: %w", ue.err) // a bad input file: exit 1
			}
			return err
		}
		seen := map[string]bool{}
		for _, t := range targets {
			if k := t.String(); !seen[k] {
				seen[k] = true
				order = append(order, k)
			}
		}
	}

	byTarget := map[string][]mergeLine{}
	lines := 0
	for i, name := range files {
		n, err := indexResults(name, i, byTarget)
		if err != nil {
			return fmt.Errorf("merge: %w", err)
		}
		lines += n
	}
	where := func(l mergeLine) string { return fmt.Sprintf("%s:%d", files[l.file], l.line) }

	// Duplicates: refused, or resolved to the newest with each dropped line listed.
	var dupKeys []string
	for k, ls := range byTarget {
		if len(ls) > 1 {
			dupKeys = append(dupKeys, k)
		}
	}
	sort.Strings(dupKeys)
	var problems []string
	if len(dupKeys) > 0 {
		var list []string
		dropped := 0
		for _, k := range dupKeys {
			ls := byTarget[k]
			keep := 0
			for j, l := range ls {
				if !l.started.Before(ls[keep].started) {
					keep = j
				}
			}
			var at []string
			for j, l := range ls {
				s := where(l)
				if f.newest && j == keep {
					s += " (kept, started " + l.started.UTC().Format(time.RFC3339) + ")"
				} else if f.newest {
					s += " (dropped, started " + l.started.UTC().Format(time.RFC3339) + ")"
					dropped++
				}
				at = append(at, s)
			}
			list = append(list, k+": "+strings.Join(at, ", "))
			if f.newest {
				byTarget[k] = []mergeLine{ls[keep]}
			}
		}
		if f.newest {
			fmt.Fprintf(stderr, "merge: %d endpoints measured more than once; kept the newest line of each, dropped %d older lines:\n", len(dupKeys), dropped)
			printList(stderr, list)
		} else {
			problems = append(problems, listProblem(fmt.Sprintf("%d endpoints are measured more than once (pass --newest to keep the latest of each)", len(dupKeys)), list))
		}
	}

	// Coverage against the target list.
	var missing, extra []string
	if f.targetsFile != "" {
		want := make(map[string]bool, len(order))
		for _, k := range order {
			want[k] = true
			if len(byTarget[k]) == 0 {
				missing = append(missing, k)
			}
		}
		for k, ls := range byTarget {
			if !want[k] {
				extra = append(extra, k+": "+where(ls[0]))
			}
		}
		sort.Strings(extra)
		gaps := []string{}
		if len(missing) > 0 {
			gaps = append(gaps, listProblem(fmt.Sprintf("%d of %d targets of %s have no result", len(missing), len(order), f.targetsFile), missing))
		}
		if len(extra) > 0 {
			gaps = append(gaps, listProblem(fmt.Sprintf("%d results are not targets of %s", len(extra), f.targetsFile), extra))
		}
		if f.allowMissing {
			for _, g := range gaps {
				fmt.Fprintln(stderr, "merge: warning:", g)
			}
		} else {
			problems = append(problems, gaps...)
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("merge: nothing written to %s:\n%s", f.out, strings.Join(problems, "\n"))
	}

	// Output order: the target list, then results that are not targets, sorted; or all
	// sorted by target.
	var keys []string
	inOrder := map[string]bool{}
	for _, k := range order {
		inOrder[k] = true
		if len(byTarget[k]) > 0 {
			keys = append(keys, k)
		}
	}
	var rest []string
	for k := range byTarget {
		if !inOrder[k] {
			rest = append(rest, k)
		}
	}
	sort.Strings(rest)
	keys = append(keys, rest...)

	if err := writeFileAtomic(f.out, func(w io.Writer) error { return copyLines(w, files, keys, byTarget) }); err != nil {
		return fmt.Errorf("merge: %w", err)
	}
	// Endpoints with one key can sit in different shards: compare them now (probe.MarkDROWN).
	if err := markDROWNFile(f.out, "merge", stderr); err != nil {
		return err
	}
	msg := fmt.Sprintf("merge: %d files, %d lines, %d endpoints written to %s", len(files), lines, len(keys), f.out)
	if f.targetsFile != "" {
		msg += fmt.Sprintf("; %d targets: %d missing, %d not targets", len(order), len(missing), len(extra))
	}
	fmt.Fprintln(stderr, msg)
	return nil
}

func listProblem(head string, items []string) string {
	var b strings.Builder
	b.WriteString(head + ":")
	for i, it := range items {
		if i == mergeListMax {
			fmt.Fprintf(&b, "\n  ... and %d more", len(items)-mergeListMax)
			break
		}
		b.WriteString("\n  " + it)
	}
	return b.String()
}

func printList(w io.Writer, items []string) {
	s := listProblem("", items)
	fmt.Fprintln(w, strings.TrimPrefix(s, ":\n"))
}

// indexResults validates every line of one results file and records where each result is.
// It returns the number of result lines.
func indexResults(name string, file int, byTarget map[string][]mergeLine) (int, error) {
	fh, err := os.Open(name)
	if err != nil {
		return 0, err
	}
	defer fh.Close()
	rd := bufio.NewReaderSize(fh, 256<<10)
	var off int64
	count := 0
	for line := 1; ; line++ {
		b, err := rd.ReadSlice('\n')
		for errors.Is(err, bufio.ErrBufferFull) { // a long line: collect it whole
			more := append([]byte(nil), b...)
			for errors.Is(err, bufio.ErrBufferFull) {
				if len(more) >= result.MaxLineBytes {
					return 0, result.LineTooLong(name, line)
				}
				b, err = rd.ReadSlice('\n')
				more = append(more, b...)
			}
			b = more
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return 0, fmt.Errorf("read %s: %w", name, err)
		}
		size := len(b)
		body := bytes.TrimRight(b, "\r\n")
		if t := bytes.TrimSpace(body); len(t) > 0 {
			var r result.Result
			if derr := result.DecodeLine(name, line, t, &r); derr != nil {
				if errors.Is(err, io.EOF) && len(body) == size {
					// No newline at the end: what a writer killed mid-line leaves.
					return 0, fmt.Errorf("%w (the last line is cut off: run that shard's probe again with --resume, which repairs it)", derr)
				}
				return 0, derr
			}
			if r.Target == "" {
				return 0, &result.LineError{File: name, Line: line, Field: "target", Err: errors.New("missing")}
			}
			lead := len(body) - len(bytes.TrimLeft(body, " \t"))
			byTarget[r.Target] = append(byTarget[r.Target], mergeLine{
				file: file, line: line, off: off + int64(lead), n: len(t), started: r.StartedAt,
			})
			count++
		}
		off += int64(size)
		if errors.Is(err, io.EOF) {
			return count, nil
		}
	}
}

// copyLines writes the kept line of each key, in keys' order, reading it back from its file.
func copyLines(w io.Writer, files []string, keys []string, byTarget map[string][]mergeLine) error {
	open := make([]*os.File, len(files))
	defer func() {
		for _, fh := range open {
			if fh != nil {
				fh.Close()
			}
		}
	}()
	bw := bufio.NewWriterSize(w, 256<<10)
	var buf []byte
	for _, k := range keys {
		l := byTarget[k][0]
		if open[l.file] == nil {
			fh, err := os.Open(files[l.file])
			if err != nil {
				return err
			}
			open[l.file] = fh
		}
		if cap(buf) < l.n {
			buf = make([]byte, l.n)
		}
		b := buf[:l.n]
		if _, err := open[l.file].ReadAt(b, l.off); err != nil {
			return fmt.Errorf("read back %s:%d: %w", files[l.file], l.line, err)
		}
		bw.Write(b)
		bw.WriteByte('\n')
	}
	return bw.Flush()
}
