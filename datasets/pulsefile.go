package datasets

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"
)

// PulseFileColumns is the header of a file of extra SSL Pulse months, the embedded
// series' own columns: date_utc (YYYY-MM-DD, the data date), unix_x (its unix time,
// or empty when only the date is known), the percent per grade A+ … F, and their
// sums a_range (A+ + A + A-) and below_a (B … F).
func PulseFileColumns() []string {
	return append(append([]string{"date_utc", "unix_x"}, PulseGradeLetters()...), "a_range", "below_a")
}

// ReadPulseFile reads extra SSL Pulse months (or another published grade survey) in
// the embedded series' CSV format: optional leading '#' note lines, the header
// PulseFileColumns (in any order; other columns are ignored), one row per month.
// Every row is checked as the embedded ones are (grades are percents summing to 100
// within rounding, a_range and below_a are their sums, unix_x is date_utc, one row
// per month); every problem is reported as FILE:LINE, all of them. Each month's
// Source is "FILE:LINE".
func ReadPulseFile(path string) ([]PulseMonth, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("SSL Pulse file: %w", err)
	}
	defer f.Close()
	return ReadPulse(f, path)
}

// ReadPulse is ReadPulseFile on a reader; name is used in the errors.
func ReadPulse(r io.Reader, name string) ([]PulseMonth, error) {
	b, err := io.ReadAll(io.LimitReader(r, maxPulseFile+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(b) > maxPulseFile {
		return nil, fmt.Errorf("%s: larger than %d bytes; an SSL Pulse series has one short line per month", name, maxPulseFile)
	}
	text := strings.TrimPrefix(string(b), "\ufeff")
	offset := 0
	for strings.HasPrefix(text, "#") {
		_, rest, _ := strings.Cut(text, "\n")
		text = rest
		offset++
	}
	cr := csv.NewReader(strings.NewReader(text))
	cr.FieldsPerRecord = -1
	var header []string
	col := map[string]int{}
	var months []PulseMonth
	var problems []error
	bad := func(line int, format string, a ...any) {
		problems = append(problems, &InputError{File: name, Line: line, Err: fmt.Errorf(format, a...)})
	}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return nil, &InputError{File: name, Line: pe.Line + offset, Err: pe.Err}
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		l, _ := cr.FieldPos(0)
		line := l + offset
		if header == nil {
			header = rec
			for i, h := range rec {
				col[strings.TrimSpace(h)] = i
			}
			var missing []string
			for _, w := range PulseFileColumns() {
				if _, ok := col[w]; !ok {
					missing = append(missing, w)
				}
			}
			if len(missing) > 0 {
				return nil, &InputError{File: name, Line: line, Err: fmt.Errorf("header lacks column(s) %s; want %s", strings.Join(missing, ", "), strings.Join(PulseFileColumns(), ","))}
			}
			continue
		}
		if len(rec) != len(header) {
			bad(line, "%d fields, the header has %d", len(rec), len(header))
			continue
		}
		for i := range rec {
			rec[i] = strings.TrimSpace(rec[i])
		}
		unix := rec[col["unix_x"]]
		if unix == "" {
			// A date alone is enough: parsePulseRow checks unix_x against it.
			d, err := time.Parse("2006-01-02", rec[col["date_utc"]])
			if err != nil {
				bad(line, "date_utc: expected YYYY-MM-DD, got %q", rec[col["date_utc"]])
				continue
			}
			rec[col["unix_x"]] = fmt.Sprint(d.Unix())
		}
		m, err := parsePulseRow(rec, col)
		if err != nil {
			bad(line, "%v", err)
			continue
		}
		if unix == "" {
			m.UnixX = 0
		}
		m.Source = fmt.Sprintf("%s:%d", name, line)
		for _, p := range m.check() {
			bad(line, "%s", p)
		}
		if i := slices.IndexFunc(months, func(o PulseMonth) bool { return o.Month == m.Month }); i >= 0 {
			bad(line, "month %s appears twice (also %s)", m.Month, months[i].Source)
			continue
		}
		months = append(months, m)
	}
	if header == nil {
		return nil, &InputError{File: name, Line: offset + 1, Err: fmt.Errorf("no header; want %s", strings.Join(PulseFileColumns(), ","))}
	}
	if len(problems) > 0 {
		return nil, errors.Join(problems...)
	}
	if len(months) == 0 {
		return nil, &InputError{File: name, Line: offset + 1, Err: errors.New("no months after the header")}
	}
	return months, nil
}

// maxPulseFile bounds a Pulse file: a century of monthly rows is under 100 kB.
const maxPulseFile = 4 << 20

// Merge returns the series with extra months added, in date order. A month that is
// already in the series is refused (naming both sources), never silently replaced.
func (s PulseSeries) Merge(extra []PulseMonth) (PulseSeries, error) {
	out := PulseSeries{months: slices.Clone(s.months), Notes: s.Notes}
	var problems []error
	for _, m := range extra {
		if i := slices.IndexFunc(out.months, func(o PulseMonth) bool { return o.Month == m.Month }); i >= 0 {
			problems = append(problems, fmt.Errorf("%s: month %s is already in the series (%s); remove one of them", m.Source, m.Month, out.months[i].Source))
			continue
		}
		out.months = append(out.months, m)
	}
	if len(problems) > 0 {
		return PulseSeries{}, errors.Join(problems...)
	}
	slices.SortStableFunc(out.months, func(a, b PulseMonth) int { return a.Date.Compare(b.Date) })
	return out, nil
}
