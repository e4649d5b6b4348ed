package datasets

import (
	"bufio"
	"strings"
	"testing"
	"time"
)

func mustPulse(t *testing.T) PulseSeries {
	t.Helper()
	s, err := Pulse()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestPulseMonthsInOrder(t *testing.T) {
	months := mustPulse(t).Months()
	// 47 rows of the table plus June 2016 from the header note: every month 2016-2019.
	if len(months) != 48 {
		t.Fatalf("%d months, want 48", len(months))
	}
	want := time.Date(2016, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, m := range months {
		if m.Month != want.Format("2006-01") {
			t.Errorf("month %s, want %s", m.Month, want.Format("2006-01"))
		}
		if m.Date.Format("2006-01") != m.Month {
			t.Errorf("%s: date %s is in another month", m.Month, m.Date)
		}
		want = want.AddDate(0, 1, 0)
	}
}

func TestPulseBaselineMonth(t *testing.T) {
	m, err := mustPulse(t).Month("2018-01")
	if err != nil {
		t.Fatal(err)
	}
	if m.BelowA != 35.38 || m.ARange != 64.63 || m.Date.Format("2006-01-02") != "2018-01-03" {
		t.Errorf("2018-01 = %+v, want below_a 35.38, a_range 64.63, date 2018-01-03", m)
	}
	if m.UnixX != 1514940541 || m.Source != PulseSourceTable {
		t.Errorf("2018-01 unix_x %d source %q", m.UnixX, m.Source)
	}
	want := [8]float64{10.59, 43.97, 10.07, 13.79, 10.69, 0.01, 0, 10.89}
	if m.Grades != want {
		t.Errorf("2018-01 grades %v, want %v", m.Grades, want)
	}
	if f, ok := m.Grade("F"); !ok || f != 10.89 {
		t.Errorf("Grade(F) = %v, %v", f, ok)
	}
	if _, ok := m.Grade("Z"); ok {
		t.Error("Grade(Z) found")
	}
}

func TestPulseJune2016FromNote(t *testing.T) {
	m, err := mustPulse(t).Month("2016-06")
	if err != nil {
		t.Fatal(err)
	}
	if m.Source != PulseSourceJune2016 || m.UnixX != 0 || m.Date.Format("2006-01-02") != "2016-06-09" {
		t.Errorf("June 2016 not flagged as from the note: %+v", m)
	}
	want := [8]float64{6.44, 28.92, 7.78, 19.39, 22.94, 0.02, 0, 14.5}
	if m.Grades != want || m.ARange != 43.14 || m.BelowA != 56.85 {
		t.Errorf("June 2016 = %+v, want grades %v, a_range 43.14, below_a 56.85", m, want)
	}
}

func TestPulseMonthErrors(t *testing.T) {
	s := mustPulse(t)
	tests := []struct{ month, want string }{
		{"2020-01", "available months: 2016-01, 2016-02"},
		{"2015-12", "2019-12"},
		{"2018-1", "expected YYYY-MM"},
		{"January 2018", "expected YYYY-MM"},
		{"2018-13", "month 01-12"},
		{"", "expected YYYY-MM"},
	}
	for _, tt := range tests {
		_, err := s.Month(tt.month)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Month(%q) error %v, want it to contain %q", tt.month, err, tt.want)
		}
	}
}

// The notes are the file's '#' lines, verbatim.
func TestPulseNotesVerbatim(t *testing.T) {
	b, err := files.ReadFile(pulseFile)
	if err != nil {
		t.Fatal(err)
	}
	var header []string
	sc := bufio.NewScanner(strings.NewReader(string(b)))
	for sc.Scan() && strings.HasPrefix(sc.Text(), "#") {
		header = append(header, sc.Text())
	}
	notes := mustPulse(t).Notes
	if len(notes) != len(header) || len(notes) < 4 {
		t.Fatalf("%d notes for %d header lines", len(notes), len(header))
	}
	for i := range notes {
		if "# "+notes[i] != header[i] {
			t.Errorf("note %d = %q, header %q", i, notes[i], header[i])
		}
	}
}

func TestPulseRowsPassChecks(t *testing.T) {
	for _, m := range mustPulse(t).Months() {
		if p := m.check(); len(p) > 0 {
			t.Errorf("%s: %v", m.Month, p)
		}
		if m.Source == PulseSourceTable && time.Unix(m.UnixX, 0).UTC().Format("2006-01-02") != m.Date.Format("2006-01-02") {
			t.Errorf("%s: unix_x %d is not date %s", m.Month, m.UnixX, m.Date)
		}
	}
}

// check must catch each kind of bad row.
func TestPulseCheckCatches(t *testing.T) {
	good := PulseMonth{Month: "2018-01", Grades: [8]float64{10.59, 43.97, 10.07, 13.79, 10.69, 0.01, 0, 10.89}, ARange: 64.63, BelowA: 35.38}
	if p := good.check(); len(p) != 0 {
		t.Fatalf("good row fails: %v", p)
	}
	tests := []struct {
		name string
		edit func(m *PulseMonth)
		want string
	}{
		{"grades do not sum to 100", func(m *PulseMonth) { m.Grades[3] += 1 }, "grades sum to"},
		{"a_range not A+ + A + A-", func(m *PulseMonth) { m.ARange = 60 }, "a_range 60.00"},
		{"below_a not B..F", func(m *PulseMonth) { m.BelowA = 30 }, "below_a 30.00 but"},
		{"below_a not 100 - a_range", func(m *PulseMonth) { m.Grades[7] -= 0.1; m.BelowA -= 0.1 }, "not 100 − a_range"},
		{"negative percent", func(m *PulseMonth) { m.Grades[6] = -1 }, "not a percent"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := good
			tt.edit(&m)
			p := strings.Join(m.check(), "; ")
			if !strings.Contains(p, tt.want) {
				t.Errorf("check() = %q, want it to contain %q", p, tt.want)
			}
		})
	}
}

func TestPulseFrame(t *testing.T) {
	df := PulseFrame()
	if df.Err != nil {
		t.Fatal(df.Err)
	}
	if r, c := df.Dims(); r != 48 || c != 14 {
		t.Fatalf("PulseFrame is %dx%d, want 48x14", r, c)
	}
	months := df.Col("month").Records()
	below := df.Col("below_a").Float()
	for i, m := range mustPulse(t).Months() {
		if months[i] != m.Month || below[i] != m.BelowA {
			t.Errorf("row %d: %s %v, want %s %v", i, months[i], below[i], m.Month, m.BelowA)
		}
	}
	if got := df.Col("A-").Float()[24]; got != 10.07 {
		t.Errorf("A- of row 24 (2018-01) = %v", got)
	}
}

// A bad row in the file is reported, every one of them, with its month or line.
func TestPulseReportsEveryBadRow(t *testing.T) {
	b, err := files.ReadFile(pulseFile)
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	for _, edit := range [][2]string{
		{"2018-01-03,1514940541,10.59,43.97,10.07,13.79,10.69,0.01,0,10.89,64.63,35.38", "2018-01-03,1514940541,10.59,43.97,10.07,13.79,10.69,0.01,0,10.89,64.63,30.00"},
		{"2019-12-03,1575345249,16.25,", "2019-12-03,1575345249,26.25,"},
		{"2017-05-03,1493787204,", "2017-05-04,1493787204,"},
		{"2016-02-03,1454482433,5.76,", "2016-02-03,1454482433,five,"},
	} {
		if !strings.Contains(text, edit[0]) {
			t.Fatalf("fixture row %q not in the file", edit[0])
		}
		text = strings.Replace(text, edit[0], edit[1], 1)
	}
	c, err := parseCommentedCSV(pulseFile, []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	_, err = parsePulse(c)
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{
		"2018-01: below_a 30.00 but B + C + D + E + F = 35.38",
		"2019-12: grades sum to 110.00",
		"line 21: unix_x 1493787204 is 2017-05-03, not date_utc 2017-05-04",
		`line 7: A+: strconv.ParseFloat: parsing "five"`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
}

// TestPulseGradesFitTheArray: PulseMonth.Grades has one cell per score letter.
func TestPulseGradesFitTheArray(t *testing.T) {
	if n := len(PulseMonth{}.Grades); n != len(PulseGradeLetters()) {
		t.Errorf("PulseMonth.Grades has %d cells for %d letters", n, len(PulseGradeLetters()))
	}
}
