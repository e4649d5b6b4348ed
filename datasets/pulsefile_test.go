package datasets

import (
	"strings"
	"testing"
)

func TestReadPulseFileExample(t *testing.T) {
	months, err := ReadPulseFile("testdata/ssl_pulse_2015.csv")
	if err != nil {
		t.Fatal(err)
	}
	if len(months) != 12 || months[0].Month != "2015-01" || months[11].Month != "2015-12" {
		t.Fatalf("months = %d, first %s", len(months), months[0].Month)
	}
	if months[0].BelowA != 86.08 || months[0].Source != "testdata/ssl_pulse_2015.csv:5" {
		t.Errorf("2015-01 = %+v", months[0])
	}
	embedded, err := Pulse()
	if err != nil {
		t.Fatal(err)
	}
	merged, err := embedded.Merge(months)
	if err != nil {
		t.Fatal(err)
	}
	all := merged.Months()
	if len(all) != len(embedded.Months())+12 || all[0].Month != "2015-01" || all[12].Month != "2016-01" {
		t.Errorf("merged: %d months, first %s, 13th %s", len(all), all[0].Month, all[12].Month)
	}
	if m, err := merged.Month("2015-06"); err != nil || m.BelowA != 81.17 {
		t.Errorf("Month(2015-06) = %+v, %v", m, err)
	}
	// The embedded series is unchanged, and a month it has already is refused.
	if _, err := embedded.Month("2015-06"); err == nil {
		t.Error("Merge changed the embedded series")
	}
	if _, err := merged.Merge(months[:1]); err == nil || !strings.Contains(err.Error(), "testdata/ssl_pulse_2015.csv:5: month 2015-01 is already in the series (testdata/ssl_pulse_2015.csv:5)") {
		t.Errorf("duplicate merge: err = %v", err)
	}
}

func TestReadPulseErrors(t *testing.T) {
	const header = "date_utc,unix_x,A+,A,A-,B,C,D,E,F,a_range,below_a\n"
	const good = "2020-01-15,,10,40,5,20,10,0,0,15,55.00,45.00\n"
	for _, tc := range []struct {
		name, text string
		want       []string
	}{
		{"empty", "", []string{"x.csv:1: no header"}},
		{"notes only", "# a note\n", []string{"x.csv:2: no header"}},
		{"missing column", "date_utc,unix_x,A+,A\n", []string{"x.csv:1: header lacks column(s) A-, B, C, D, E, F, a_range, below_a"}},
		{"no rows", "# n\n" + header, []string{"x.csv:2: no months"}},
		{"bad date", header + "2020-13-01,,10,40,5,20,10,0,0,15,55,45\n", []string{"x.csv:2: date_utc: expected YYYY-MM-DD"}},
		{"bad number", header + "2020-01-15,,ten,40,5,20,10,0,0,15,55,45\n", []string{"x.csv:2: A+:"}},
		{"sum", header + "2020-01-15,,10,40,5,20,10,0,0,25,55,55\n", []string{"x.csv:2: 2020-01: grades sum to 110.00"}},
		{"a_range", header + "2020-01-15,,10,40,5,20,10,0,0,15,56,45\n", []string{"x.csv:2: 2020-01: a_range 56.00 but A+ + A + A- = 55.00"}},
		{"negative", header + "2020-01-15,,-10,60,5,20,10,0,0,15,55,45\n", []string{"x.csv:2: 2020-01: grade A+ = -10 is not a percent"}},
		{"unix mismatch", header + "2020-01-15,1420606570,10,40,5,20,10,0,0,15,55,45\n", []string{"x.csv:2: unix_x 1420606570 is 2015-01-07, not date_utc 2020-01-15"}},
		{"fields", header + "2020-01-15,,10\n", []string{"x.csv:2: 3 fields, the header has 12"}},
		{"twice", "# n\n" + header + good + good, []string{"x.csv:4: month 2020-01 appears twice (also x.csv:3)"}},
		{"quote", header + "\"2020-01-15,,10\n", []string{"x.csv:2:"}},
		{"all problems", header + "2020-13-01,,10,40,5,20,10,0,0,15,55,45\n" + good + "2020-02-15,,ten,40,5,20,10,0,0,15,55,45\n", []string{"x.csv:2:", "x.csv:4:"}},
	} {
		_, err := ReadPulse(strings.NewReader(tc.text), "x.csv")
		if err == nil {
			t.Errorf("%s: no error", tc.name)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: err = %v, want %q", tc.name, err, w)
			}
		}
	}
	months, err := ReadPulse(strings.NewReader("\ufeff"+header+good), "x.csv")
	if err != nil || len(months) != 1 || months[0].UnixX != 0 || months[0].Month != "2020-01" {
		t.Errorf("date without unix_x: %+v, %v", months, err)
	}
}

func FuzzReadPulse(f *testing.F) {
	f.Add("date_utc,unix_x,A+,A,A-,B,C,D,E,F,a_range,below_a\n2020-01-15,,10,40,5,20,10,0,0,15,55.00,45.00\n")
	f.Add("# n\n\"x\n")
	f.Fuzz(func(t *testing.T, s string) {
		months, err := ReadPulse(strings.NewReader(s), "f.csv")
		if err == nil && len(months) == 0 {
			t.Error("no error and no months")
		}
		for _, m := range months {
			if len(m.check()) > 0 {
				t.Errorf("accepted a month that fails its checks: %+v", m)
			}
		}
	})
}
