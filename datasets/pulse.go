package datasets

import (
	"fmt"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/go-gota/gota/dataframe"
	"github.com/go-gota/gota/series"
	"github.com/mhealthsec/mhealthsec/probe/result"
)

// pulseGrades are the SSL Pulse grade letters in the order the series lists them: the score
// letters (SSL Pulse counts no T or M).
func pulseGrades() []string { return result.ScoreLetters() }

// PulseGradeLetters returns the grade letters of PulseMonth.Grades, best first.
func PulseGradeLetters() []string { return pulseGrades() }

// Tolerances of the load-time checks. Each of the 8 printed percentages is rounded to 2
// decimals, so their sum may be off 100 by up to 8 × 0.005.
const (
	pulseSumTolerance   = 8 * 0.005
	pulseRoundTolerance = 0.005 + 1e-9
)

// Where a PulseMonth's values come from.
const (
	PulseSourceTable = "table"
	// PulseSourceJune2016 marks the June 2016 issue, which only the file's header note
	// holds (from commit df4082f of kjur/www, dated 2016-06-09).
	PulseSourceJune2016 = "header note: kjur/www commit df4082f (2016-06-11), data date 2016-06-09"
)

// PulseMonth is one monthly SSL Pulse issue: the percent of surveyed sites per grade.
type PulseMonth struct {
	Month string    // "2018-01"
	Date  time.Time // the data date (UTC)
	// UnixX is the unix timestamp of the issue in the source file; 0 when the source gives
	// only a date (June 2016).
	UnixX  int64
	Grades [8]float64 // percent per grade, in PulseGradeLetters order: A+, A, A-, B, C, D, E, F
	ARange float64    // A+ + A + A-, as the file states it
	BelowA float64    // B + C + D + E + F, as the file states it
	// Source is PulseSourceTable for the file's rows, or where a row not in the table comes
	// from.
	Source string
}

// Grade returns the percent of one grade letter ("A-"); false for an unknown letter.
func (m PulseMonth) Grade(letter string) (float64, bool) {
	for i, g := range pulseGrades() {
		if g == letter {
			return m.Grades[i], true
		}
	}
	return 0, false
}

// PulseSeries is the SSL Pulse grade distribution, month by month.
type PulseSeries struct {
	months []PulseMonth
	// Notes are the file's source notes ('#' header lines without the marker), verbatim.
	Notes []string
}

// Months returns every month in date order.
func (s PulseSeries) Months() []PulseMonth { return append([]PulseMonth(nil), s.months...) }

// Month returns the issue of one month, written "2018-01". An unknown month is an error
// that lists the months there are.
func (s PulseSeries) Month(month string) (PulseMonth, error) {
	if len(month) != len("2006-01") || month[4] != '-' || strings.Trim(month[:4]+month[5:], "0123456789") != "" {
		return PulseMonth{}, fmt.Errorf("SSL Pulse month %q: expected YYYY-MM, like 2018-01", month)
	}
	if _, err := time.Parse("2006-01", month); err != nil {
		return PulseMonth{}, fmt.Errorf("SSL Pulse month %q: expected YYYY-MM with month 01-12", month)
	}
	for _, m := range s.months {
		if m.Month == month {
			return m, nil
		}
	}
	have := make([]string, len(s.months))
	for i, m := range s.months {
		have[i] = m.Month
	}
	return PulseMonth{}, fmt.Errorf("no SSL Pulse issue for %s; available months: %s", month, strings.Join(have, ", "))
}

// Pulse returns the embedded SSL Pulse series 2016–2019. Every row is checked on load: the
// grades sum to 100 within rounding, and below_a = 100 − a_range within rounding; rows
// that fail are reported in the error, all of them.
//
// June 2016 is included although it is not a row of the table: the file's header note
// quotes it, verbatim, from an older commit of the same source file. Leaving it out would
// put a silent gap into every plot and month lookup of 2016; it is marked with
// PulseSourceJune2016 and UnixX 0, and its a_range and below_a are summed here because the
// note gives only the grades.
func Pulse() (PulseSeries, error) {
	c, err := readCommentedCSV(pulseFile)
	if err != nil {
		return PulseSeries{}, err
	}
	return parsePulse(c)
}

func parsePulse(c commentedCSV) (PulseSeries, error) {
	col, err := c.columns(pulseFile, append([]string{"date_utc", "unix_x", "a_range", "below_a"}, PulseGradeLetters()...)...)
	if err != nil {
		return PulseSeries{}, err
	}
	s := PulseSeries{Notes: c.notes}
	var problems []string
	for i, rec := range c.records {
		m, err := parsePulseRow(rec, col)
		if err != nil {
			problems = append(problems, fmt.Sprintf("line %d: %v", c.lines[i], err))
			continue
		}
		s.months = append(s.months, m)
	}
	june, err := june2016(c.notes)
	if err != nil {
		problems = append(problems, err.Error())
	} else {
		s.months = append(s.months, june)
	}
	sort.SliceStable(s.months, func(i, j int) bool { return s.months[i].Date.Before(s.months[j].Date) })
	for i := 1; i < len(s.months); i++ {
		if s.months[i].Month == s.months[i-1].Month {
			problems = append(problems, fmt.Sprintf("month %s appears twice", s.months[i].Month))
		}
	}
	for _, m := range s.months {
		problems = append(problems, m.check()...)
	}
	if len(problems) > 0 {
		return PulseSeries{}, fmt.Errorf("embedded %s: %d problem(s):\n  %s", pulseFile, len(problems), strings.Join(problems, "\n  "))
	}
	return s, nil
}

func parsePulseRow(rec []string, col map[string]int) (PulseMonth, error) {
	var m PulseMonth
	date, err := time.Parse("2006-01-02", rec[col["date_utc"]])
	if err != nil {
		return m, fmt.Errorf("date_utc: %w", err)
	}
	m.Date, m.Month, m.Source = date, date.Format("2006-01"), PulseSourceTable
	if m.UnixX, err = strconv.ParseInt(rec[col["unix_x"]], 10, 64); err != nil {
		return m, fmt.Errorf("unix_x: %w", err)
	}
	if d := time.Unix(m.UnixX, 0).UTC().Format("2006-01-02"); d != rec[col["date_utc"]] {
		return m, fmt.Errorf("unix_x %d is %s, not date_utc %s", m.UnixX, d, rec[col["date_utc"]])
	}
	for i, g := range pulseGrades() {
		if m.Grades[i], err = strconv.ParseFloat(rec[col[g]], 64); err != nil {
			return m, fmt.Errorf("%s: %w", g, err)
		}
	}
	if m.ARange, err = strconv.ParseFloat(rec[col["a_range"]], 64); err != nil {
		return m, fmt.Errorf("a_range: %w", err)
	}
	if m.BelowA, err = strconv.ParseFloat(rec[col["below_a"]], 64); err != nil {
		return m, fmt.Errorf("below_a: %w", err)
	}
	return m, nil
}

// june2016 parses the June 2016 grades out of the header note, so the values stay written
// once, in the file, with their source.
func june2016(notes []string) (PulseMonth, error) {
	junePattern := regexp.MustCompile(`^June 2016 .*dated (2016-06-\d{2}): (.*)$`)
	for _, n := range notes {
		sub := junePattern.FindStringSubmatch(n)
		if sub == nil {
			continue
		}
		m := PulseMonth{Source: PulseSourceJune2016}
		date, err := time.Parse("2006-01-02", sub[1])
		if err != nil {
			return m, fmt.Errorf("the note on June 2016: %w", err)
		}
		m.Date, m.Month = date, date.Format("2006-01")
		fields := strings.Split(sub[2], ",")
		if len(fields) != len(pulseGrades()) {
			return m, fmt.Errorf("the note on June 2016: expected %d grades, got %d", len(pulseGrades()), len(fields))
		}
		for i, f := range fields {
			letter, value, ok := strings.Cut(strings.TrimSpace(f), " ")
			if !ok || letter != pulseGrades()[i] {
				return m, fmt.Errorf("the note on June 2016: expected grade %s, got %q", pulseGrades()[i], f)
			}
			if m.Grades[i], err = strconv.ParseFloat(value, 64); err != nil {
				return m, fmt.Errorf("the note on June 2016: grade %s: %w", letter, err)
			}
		}
		m.ARange = round2(m.Grades[0] + m.Grades[1] + m.Grades[2])
		m.BelowA = round2(m.Grades[3] + m.Grades[4] + m.Grades[5] + m.Grades[6] + m.Grades[7])
		return m, nil
	}
	return PulseMonth{}, fmt.Errorf("no June 2016 note in the header")
}

func round2(x float64) float64 { return math.Round(x*100) / 100 }

// check returns what is wrong with a month's numbers.
func (m PulseMonth) check() []string {
	var out []string
	sum := 0.0
	for i, g := range m.Grades {
		if g < 0 || g > 100 {
			out = append(out, fmt.Sprintf("%s: grade %s = %v is not a percent", m.Month, pulseGrades()[i], g))
		}
		sum += g
	}
	if math.Abs(sum-100) > pulseSumTolerance {
		out = append(out, fmt.Sprintf("%s: grades sum to %.2f, not 100 ± %.2f", m.Month, sum, pulseSumTolerance))
	}
	if a := m.Grades[0] + m.Grades[1] + m.Grades[2]; math.Abs(a-m.ARange) > pulseRoundTolerance {
		out = append(out, fmt.Sprintf("%s: a_range %.2f but A+ + A + A- = %.2f", m.Month, m.ARange, a))
	}
	if b := m.Grades[3] + m.Grades[4] + m.Grades[5] + m.Grades[6] + m.Grades[7]; math.Abs(b-m.BelowA) > pulseRoundTolerance {
		out = append(out, fmt.Sprintf("%s: below_a %.2f but B + C + D + E + F = %.2f", m.Month, m.BelowA, b))
	}
	if d := math.Abs(100 - m.ARange - m.BelowA); d > pulseSumTolerance {
		out = append(out, fmt.Sprintf("%s: below_a %.2f is not 100 − a_range (%.2f) within rounding", m.Month, m.BelowA, 100-m.ARange))
	}
	return out
}

// PulseFrame returns the series as a dataframe, one row per month in date order, with
// columns month, date, unix_x, A+, A, A-, B, C, D, E, F, a_range, below_a, source. A load
// error is in the frame's Err.
func PulseFrame() dataframe.DataFrame {
	s, err := Pulse()
	if err != nil {
		return dataframe.DataFrame{Err: err}
	}
	return s.Frame()
}

// Frame returns the series as a dataframe (see PulseFrame).
func (s PulseSeries) Frame() dataframe.DataFrame {
	n := len(s.months)
	month, date, source := make([]string, n), make([]string, n), make([]string, n)
	unix := make([]int, n)
	grades := make([][]float64, len(pulseGrades()))
	for i := range grades {
		grades[i] = make([]float64, n)
	}
	aRange, belowA := make([]float64, n), make([]float64, n)
	for i, m := range s.months {
		month[i], date[i], source[i], unix[i] = m.Month, m.Date.Format("2006-01-02"), m.Source, int(m.UnixX)
		for g := range pulseGrades() {
			grades[g][i] = m.Grades[g]
		}
		aRange[i], belowA[i] = m.ARange, m.BelowA
	}
	cols := []series.Series{
		series.New(month, series.String, "month"),
		series.New(date, series.String, "date"),
		series.New(unix, series.Int, "unix_x"),
	}
	for g, letter := range pulseGrades() {
		cols = append(cols, series.New(grades[g], series.Float, letter))
	}
	cols = append(cols,
		series.New(aRange, series.Float, "a_range"),
		series.New(belowA, series.Float, "below_a"),
		series.New(source, series.String, "source"))
	return dataframe.New(cols...)
}
