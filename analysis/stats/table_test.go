package stats

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestParseTable(t *testing.T) {
	for _, tc := range []struct {
		in      string
		want    [][]int
		wantErr string
	}{
		{in: "44,247;45912,92630", want: [][]int{{44, 247}, {45912, 92630}}},
		{in: " 1, 2 ,3 ; 4,5,6 ", want: [][]int{{1, 2, 3}, {4, 5, 6}}},
		{in: "1,2\n3,4\n", want: [][]int{{1, 2}, {3, 4}}},
		{in: "0,2;0,4", want: [][]int{{0, 2}, {0, 4}}}, // empty column: dropped by the tests, not here
		{in: "", wantErr: "empty"},
		{in: "1,2;3", wantErr: "row 2 has 1 column(s), row 1 has 2"},
		{in: "1,2;;3,4", wantErr: "empty row"},
		{in: "1,2;3,4;", want: [][]int{{1, 2}, {3, 4}}},
		{in: "1,-2;3,4", wantErr: "row 1, column 2: count -2 is negative"},
		{in: "1,2;3,x", wantErr: `row 2, column 2: "x" is not a whole number`},
		{in: "1,2.5;3,4", wantErr: `"2.5" is not a whole number`},
		{in: "1,;3,4", wantErr: `row 1, column 2: "" is not a whole number`},
		{in: "0,0;0,0", wantErr: "all zero"},
		{in: "1,2,3", wantErr: "1 row(s), need at least 2"},
		{in: "1;2", wantErr: "1 column(s), need at least 2"},
		{in: "1099511627776,1;1,1", wantErr: "total exceeds"},
		{in: "99999999999999999999,1;1,1", wantErr: "not a whole number"},
	} {
		got, err := ParseTable(tc.in)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("ParseTable(%q) error = %v, want it to contain %q", tc.in, err, tc.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseTable(%q): %v", tc.in, err)
			continue
		}
		if !reflect.DeepEqual(got.Counts, tc.want) {
			t.Errorf("ParseTable(%q) = %v, want %v", tc.in, got.Counts, tc.want)
		}
		if len(got.RowNames) != len(tc.want) || got.ColNames[0] != "c1" {
			t.Errorf("ParseTable(%q) names %v %v", tc.in, got.RowNames, got.ColNames)
		}
	}
}

func TestNewTableNames(t *testing.T) {
	counts := [][]int{{1, 2}, {3, 4}}
	if _, err := NewTable(counts, []string{"a"}, nil); err == nil || !strings.Contains(err.Error(), "1 row names for 2 rows") {
		t.Errorf("short row names: %v", err)
	}
	if _, err := NewTable(counts, nil, []string{"x", "x"}); err == nil || !strings.Contains(err.Error(), `"x" appears twice`) {
		t.Errorf("duplicate names: %v", err)
	}
	tab, err := NewTable(counts, []string{"a", "b"}, []string{"x", "y"})
	if err != nil {
		t.Fatal(err)
	}
	counts[0][0] = 99 // the table holds its own copy
	if tab.Counts[0][0] != 1 {
		t.Error("NewTable shares the caller's slices")
	}
	tr := tab.Transpose()
	if !reflect.DeepEqual(tr.Counts, [][]int{{1, 3}, {2, 4}}) || tr.RowNames[0] != "x" || tr.ColNames[1] != "b" {
		t.Errorf("Transpose = %+v", tr)
	}
}

func TestDropEmpty(t *testing.T) {
	tab, err := NewTable([][]int{{0, 5, 0, 3}, {0, 0, 0, 0}, {0, 2, 0, 7}}, []string{"a", "b", "c"}, []string{"w", "x", "y", "z"})
	if err != nil {
		t.Fatal(err)
	}
	d, dropped, err := tab.DropEmpty()
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(d.Counts, [][]int{{5, 3}, {2, 7}}) || !reflect.DeepEqual(d.RowNames, []string{"a", "c"}) || !reflect.DeepEqual(d.ColNames, []string{"x", "z"}) {
		t.Errorf("DropEmpty = %+v", d)
	}
	if want := []string{"row b", "column w", "column y"}; !reflect.DeepEqual(dropped, want) {
		t.Errorf("dropped = %q, want %q", dropped, want)
	}
	// Tests drop the same categories and say so; df counts only what is left.
	c, err := Analyze(tab)
	if err != nil {
		t.Fatal(err)
	}
	if c.Pearson.DF != 1 || !reflect.DeepEqual(c.Dropped, dropped) || !reflect.DeepEqual(c.Pearson.Dropped, dropped) {
		t.Errorf("Analyze: df %v, dropped %q / %q", c.Pearson.DF, c.Dropped, c.Pearson.Dropped)
	}
	direct, _ := PearsonChiSquare(d)
	if c.Pearson.Statistic != direct.Statistic || c.Fisher == nil {
		t.Errorf("X² %v after dropping, %v on the reduced table; fisher %v", c.Pearson.Statistic, direct.Statistic, c.FisherErr)
	}
	if _, _, err := (Table{Counts: [][]int{{1, 2}, {0, 0}}}).DropEmpty(); err == nil {
		t.Error("a table with one non-empty row must not be testable")
	}
}

func TestReadCSVTable(t *testing.T) {
	for _, tc := range []struct {
		name, in   string
		want       [][]int
		rows, cols []string
		wantErr    string
	}{
		{name: "bare", in: "1,2\n3,4\n", want: [][]int{{1, 2}, {3, 4}}, rows: []string{"r1", "r2"}, cols: []string{"c1", "c2"}},
		{name: "header", in: "x,y\n1,2\n3,4\n", want: [][]int{{1, 2}, {3, 4}}, rows: []string{"r1", "r2"}, cols: []string{"x", "y"}},
		{name: "both", in: "app,x,y\na,1,2\nb,3,4\n", want: [][]int{{1, 2}, {3, 4}}, rows: []string{"a", "b"}, cols: []string{"x", "y"}},
		{name: "no corner", in: "x,y\na,1,2\nb,3,4\n", want: [][]int{{1, 2}, {3, 4}}, rows: []string{"a", "b"}, cols: []string{"x", "y"}},
		{name: "row names only", in: "a,1,2\nb,3,4\n", want: [][]int{{1, 2}, {3, 4}}, rows: []string{"a", "b"}, cols: []string{"c1", "c2"}},
		{name: "blank lines", in: "\n1,2\n\n3,4\n\n", want: [][]int{{1, 2}, {3, 4}}, rows: []string{"r1", "r2"}, cols: []string{"c1", "c2"}},
		{name: "ragged", in: "x,y\n1,2\n3\n", wantErr: "t.csv:3: 1 counts, line 2 has 2"},
		{name: "bad cell", in: "app,x,y\na,1,2\nb,-3,4\n", wantErr: "t.csv:3: column 2: count -3 is negative"},
		{name: "header only", in: "x,y\n", wantErr: "header but no rows"},
		{name: "empty", in: "", wantErr: "no rows"},
		{name: "header width", in: "p,q,r,s\n1,2\n3,4\n", wantErr: "header has 4 names for 2 columns"},
		{name: "quote", in: "\"x,1\n", wantErr: "t.csv"},
	} {
		got, err := ReadCSVTable(strings.NewReader(tc.in), "t.csv")
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("%s: error = %v, want it to contain %q", tc.name, err, tc.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if !reflect.DeepEqual(got, Table{Counts: tc.want, RowNames: tc.rows, ColNames: tc.cols}) {
			t.Errorf("%s: got %+v", tc.name, got)
		}
	}
}

// FuzzParseTable: any input parses to a valid table or fails with an error; never
// a panic, and a parsed table can be analysed.
func FuzzParseTable(f *testing.F) {
	for _, s := range []string{"44,247;45912,92630", "1,2;3", "0,0;0,0", "1,2,3;4,5,6\n7,8,9", " 1 , 2 ;3,4", "1,-1;2,2", "a,b;c,d", "1;2", "", ";;", "1099511627775,1;1,1", "0,5;0,7"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tab, err := ParseTable(s)
		if err != nil {
			return
		}
		if tab.Rows() < 2 || tab.Cols() < 2 || tab.Total() <= 0 {
			t.Fatalf("ParseTable(%q) accepted %v", s, tab.Counts)
		}
		if tab.Total() > 2000 {
			return // keep the exact test cheap
		}
		c, err := AnalyzeWithLimits(tab, FisherLimits{MaxN: 2000, MaxCells: 30, MaxWork: 20000})
		var tooLarge *TooLargeError
		if err == nil && c.FisherErr != nil && !errors.As(c.FisherErr, &tooLarge) {
			t.Fatalf("%q: fisher: %v", s, c.FisherErr)
		}
		if err == nil && c.Fisher != nil && !(c.Fisher.P >= 0 && c.Fisher.P <= 1) {
			t.Fatalf("%q: fisher p = %v", s, c.Fisher.P)
		}
		if _, err := c.MarshalJSON(); err != nil {
			t.Fatalf("%q: %v", s, err)
		}
	})
}

// FuzzReadCSVTable: the CSV reader never panics and accepts only valid tables.
func FuzzReadCSVTable(f *testing.F) {
	for _, s := range []string{"x,y\n1,2\n3,4\n", "app,x,y\na,1,2\nb,3,4\n", "1,2\n3\n", "\"x\n", "a\n1\n", ",\n,\n", "x,y\na,1,2\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tab, err := ReadCSVTable(strings.NewReader(s), "fuzz.csv")
		if err != nil {
			if !strings.HasPrefix(err.Error(), "fuzz.csv") {
				t.Fatalf("error %q does not name the file", err)
			}
			return
		}
		if tab.Rows() < 2 || tab.Cols() < 2 || len(tab.RowNames) != tab.Rows() || len(tab.ColNames) != tab.Cols() {
			t.Fatalf("accepted %+v", tab)
		}
	})
}
