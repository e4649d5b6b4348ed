package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mhealthsec/mhealthsec/probe/grade"
	"github.com/mhealthsec/mhealthsec/probe/result"
)

func newGradeCmd() *cobra.Command {
	var criteria, out string
	cmd := &cobra.Command{
		Use:   "grade [--criteria VERSION] RESULTS.jsonl [--out REGRADED.jsonl]",
		Short: "Regrade stored probe results under another SSL Labs criteria version, without rescanning",
		Long: "grade reads probe results (JSONL), grades each one again under --criteria and writes\n" +
			"them out with only the grade replaced; every other field, known or not, is kept as it was.\n" +
			"Lines whose assessment failed (error set) keep grade null. A before/after summary goes to\n" +
			"stderr. Known criteria: " + criteriaNames() + ".",
		Example: "  mhealthsec grade --criteria 2009n study/results.jsonl --out study/results-2009n.jsonl\n" +
			"  mhealthsec grade --criteria 2009q datasets/sample/results.jsonl > regraded.jsonl",
		Args: usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := grade.ParseCriteria(criteria)
			if err != nil {
				return usageErrorf("grade: --criteria: %v", err)
			}
			return regradeFile(args[0], out, c, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	cmd.Flags().StringVar(&criteria, "criteria", string(grade.Default), "criteria version: "+criteriaNames())
	cmd.Flags().StringVar(&out, "out", "", "write regraded results here (default: stdout); written whole or not at all")
	return cmd
}

func criteriaNames() string {
	var names []string
	for _, v := range grade.Versions() {
		names = append(names, string(v))
	}
	return strings.Join(names, ", ")
}

// regradeFile regrades in into out (or stdout) and prints the summary to stderr.
func regradeFile(in, out string, c grade.Criteria, stdout, stderr io.Writer) error {
	f, err := os.Open(in)
	if err != nil {
		return fmt.Errorf("grade: %w", err)
	}
	defer f.Close()

	var sum *summary
	fill := func(w io.Writer) error {
		bw := bufio.NewWriter(w)
		var err error
		if sum, err = regrade(f, in, bw, c); err != nil {
			return err // names the input file and line
		}
		return bw.Flush()
	}
	if out == "" {
		err = fill(stdout)
	} else {
		// --out is written whole or not at all.
		err = writeFileAtomic(out, fill)
	}
	if err != nil {
		return fmt.Errorf("grade: %w", err)
	}
	sum.print(stderr, c)
	return nil
}

// summary counts letters before and after regrading.
type summary struct {
	lines, changed   int
	before, after    map[string]int
	changedExamples  []string
	ungradable       int
	ungradableReason map[string]int
}

func (s *summary) print(w io.Writer, c grade.Criteria) {
	fmt.Fprintf(w, "regraded %d results under %s: %d changed letter, %d could not be graded\n", s.lines, c, s.changed, s.ungradable)
	letters := map[string]bool{}
	for l := range s.before {
		letters[l] = true
	}
	for l := range s.after {
		letters[l] = true
	}
	var keys []string
	for l := range letters {
		keys = append(keys, l)
	}
	sort.Slice(keys, func(i, j int) bool { return result.GradeRank(keys[i]) < result.GradeRank(keys[j]) })
	fmt.Fprintf(w, "%-6s %7s %7s\n", "grade", "before", "after")
	for _, l := range keys {
		fmt.Fprintf(w, "%-6s %7d %7d\n", l, s.before[l], s.after[l])
	}
	for _, e := range s.changedExamples {
		fmt.Fprintln(w, "  ", e)
	}
	var reasons []string
	for r := range s.ungradableReason {
		reasons = append(reasons, r)
	}
	sort.Strings(reasons)
	for _, r := range reasons {
		fmt.Fprintf(w, "   not graded (%d): %s\n", s.ungradableReason[r], r)
	}
}

// maxExamples bounds the changed lines listed in the summary.
const maxExamples = 10

// regrade copies every line of r to w with its "grade" value replaced. name is used in
// errors, which name the file and line.
func regrade(r io.Reader, name string, w io.Writer, c grade.Criteria) (*summary, error) {
	sum := &summary{before: map[string]int{}, after: map[string]int{}, ungradableReason: map[string]int{}}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), result.MaxLineBytes)
	line := 0
	for sc.Scan() {
		line++
		raw := bytes.TrimSpace(sc.Bytes())
		if len(raw) == 0 {
			continue
		}
		var res result.Result
		if err := result.DecodeLine(name, line, raw, &res); err != nil {
			return nil, err
		}
		sum.lines++
		old := letterOf(res.Grade)
		g := grade.Grade(&res, c)
		if g == nil {
			_, why := grade.Gradable(&res)
			sum.ungradable++
			sum.ungradableReason[firstWords(why)]++
		}
		now := letterOf(g)
		sum.before[old]++
		sum.after[now]++
		if old != now {
			sum.changed++
			if len(sum.changedExamples) < maxExamples {
				sum.changedExamples = append(sum.changedExamples, fmt.Sprintf("%s:%d %s: %s → %s", name, line, res.Target, old, now))
			}
		}
		enc, err := json.Marshal(g) // nil encodes as null
		if err != nil {
			return nil, &result.LineError{File: name, Line: line, Field: "grade", Err: err}
		}
		updated, err := result.ReplaceKey(raw, "grade", enc)
		if err != nil {
			return nil, &result.LineError{File: name, Line: line, Err: err}
		}
		updated = append(updated, '\n')
		if _, err := w.Write(updated); err != nil {
			return nil, fmt.Errorf("write: %w", err)
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, result.LineTooLong(name, line+1)
		}
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return sum, nil
}

func letterOf(g *result.Grade) string {
	if g == nil || g.Letter == "" {
		return "none"
	}
	return g.Letter
}

// firstWords keeps ungradable reasons groupable: error messages differ per host after the
// kind, so only the part before the first parenthesis counts.
func firstWords(s string) string {
	if i := strings.Index(s, " ("); i > 0 {
		return s[:i]
	}
	return s
}
