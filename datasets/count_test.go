package datasets

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/go-gota/gota/dataframe"
	"github.com/go-gota/gota/series"
	"github.com/mhealthsec/mhealthsec/analysis/stats"
)

// syntheticResults is a results table of n rows: app, category, below_a (bool, with some
// missing) and finding, drawn from a fixed seed.
func syntheticResults(n int, seed uint64) dataframe.DataFrame {
	rng := rand.New(rand.NewPCG(seed, 1))
	cats := Categories()
	findings := []string{"tls13", "hsts", "sslv3", "rc4", "expired"}
	app, cat, below, finding := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	for i := 0; i < n; i++ {
		app[i] = fmt.Sprintf("app%02d", rng.IntN(60))
		cat[i] = cats[rng.IntN(len(cats))]
		switch r := rng.Float64(); {
		case r < 0.02:
			below[i] = missing
		case r < 0.17:
			below[i] = "true"
		default:
			below[i] = "false"
		}
		finding[i] = findings[rng.IntN(len(findings))]
	}
	return dataframe.New(
		series.New(app, series.String, "app_id"),
		series.New(cat, series.String, "category"),
		series.New(below, series.Bool, "below_a"),
		series.New(finding, series.String, "finding"),
	)
}

// The fast path and gota's GroupBy agree, cell by cell, and with a naive count.
func TestCountByMatchesGota(t *testing.T) {
	df := syntheticResults(5000, 7)
	for _, pair := range [][2]string{{"category", "below_a"}, {"app_id", "finding"}, {"below_a", "category"}} {
		fast, err := CountBy(df, pair[0], pair[1])
		if err != nil {
			t.Fatal(err)
		}
		slow, err := GotaCountBy(df, pair[0], pair[1])
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(fast, slow) {
			t.Errorf("%v: CountBy %+v\nGotaCountBy %+v", pair, fast, slow)
		}
		naive := make(map[[2]string]int)
		missingRows := 0
		rs, cs := df.Col(pair[0]), df.Col(pair[1])
		for i := 0; i < df.Nrow(); i++ {
			if rs.Elem(i).IsNA() || cs.Elem(i).IsNA() {
				missingRows++
				continue
			}
			naive[[2]string{rs.Elem(i).String(), cs.Elem(i).String()}]++
		}
		for i, r := range fast.RowNames {
			for j, c := range fast.ColNames {
				if fast.Counts[i][j] != naive[[2]string{r, c}] {
					t.Errorf("%v cell %s/%s = %d, naive %d", pair, r, c, fast.Counts[i][j], naive[[2]string{r, c}])
				}
			}
		}
		if fast.Missing != missingRows || fast.Total()+fast.Missing != df.Nrow() {
			t.Errorf("%v: missing %d (naive %d), total %d of %d", pair, fast.Missing, missingRows, fast.Total(), df.Nrow())
		}
	}
}

func TestCountBySortedAndSparse(t *testing.T) {
	df := dataframe.New(
		series.New([]string{"z", "a", "m", "a"}, series.String, "r"),
		series.New([]string{"y", "x", "x", "y"}, series.String, "c"),
	)
	got, err := CountBy(df, "r", "c")
	if err != nil {
		t.Fatal(err)
	}
	want := Counts{RowCol: "r", ColCol: "c", RowNames: []string{"a", "m", "z"}, ColNames: []string{"x", "y"},
		Counts: [][]int{{1, 1}, {1, 0}, {0, 1}}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
	if got.Get("m", "y") != 0 || got.Get("nope", "x") != 0 || got.Get("z", "y") != 1 {
		t.Error("Get")
	}
}

// gota quirk: aggregating a column the frame does not have panics inside gota. CountBy and
// GroupCount check first and return an error.
func TestGotaQuirkMissingColumnPanics(t *testing.T) {
	df := syntheticResults(10, 1)
	panicked := func() (p bool) {
		defer func() { p = recover() != nil }()
		df.GroupBy("category").Aggregation([]dataframe.AggregationType{dataframe.Aggregation_COUNT}, []string{"no_such_column"})
		return false
	}()
	if !panicked {
		t.Error("gota no longer panics on a missing aggregation column; the guard may be simplified")
	}
	for _, f := range []func() error{
		func() error { _, err := CountBy(df, "category", "no_such_column"); return err },
		func() error { _, err := CountBy(df, "no_such_column", "category"); return err },
		func() error { _, err := GroupCount(df, "category", "no_such_column"); return err },
		func() error { _, err := GotaCountBy(df, "no_such_column", "category"); return err },
		func() error { _, err := CountBy(dataframe.DataFrame{Err: fmt.Errorf("broken")}, "a", "b"); return err },
	} {
		if err := f(); err == nil || !(strings.Contains(err.Error(), `no column "no_such_column"`) || strings.Contains(err.Error(), "broken")) {
			t.Errorf("error %v", err)
		}
	}
}

// gota quirk: GroupBy returns groups in map order. GroupCount sorts, so repeated runs give
// the same frame.
func TestGroupCountSorted(t *testing.T) {
	df := syntheticResults(2000, 3)
	first, err := GroupCount(df, "category", "finding")
	if err != nil {
		t.Fatal(err)
	}
	recs := first.Records()
	for i := 2; i < len(recs); i++ {
		if recs[i-1][0]+"\x00"+recs[i-1][1] >= recs[i][0]+"\x00"+recs[i][1] {
			t.Fatalf("rows %d and %d out of order: %v %v", i-1, i, recs[i-1], recs[i])
		}
	}
	if len(recs)-1 != len(Categories())*5 {
		t.Errorf("%d groups", len(recs)-1)
	}
	for run := 0; run < 10; run++ {
		again, err := GroupCount(df, "category", "finding")
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(again.Records(), recs) {
			t.Fatalf("run %d differs", run)
		}
	}
}

// gota quirk: GroupBy joins values with "_", so ("a_b","c") and ("a","b_c") would be one
// group. GroupCount refuses; CountBy counts them apart.
func TestGotaQuirkGroupKeyCollision(t *testing.T) {
	df := dataframe.New(
		series.New([]string{"de_only", "de"}, series.String, "r"),
		series.New([]string{"x", "only_x"}, series.String, "c"),
	)
	if _, err := GroupCount(df, "r", "c"); err == nil || !strings.Contains(err.Error(), "merge groups") {
		t.Errorf("GroupCount on colliding keys: %v", err)
	}
	c, err := CountBy(df, "r", "c")
	if err != nil {
		t.Fatal(err)
	}
	if c.Get("de_only", "x") != 1 || c.Get("de", "only_x") != 1 || c.Total() != 2 {
		t.Errorf("CountBy = %+v", c)
	}
}

// gota quirk: GroupBy fails on a missing value ("type not found"); GroupCount drops such
// rows first, and on no rows at all returns an empty frame instead of gota's panic.
func TestGroupCountMissingValues(t *testing.T) {
	df := dataframe.New(
		series.New([]string{"a", "NaN", "b"}, series.String, "r"),
		series.New([]string{"true", "false", "NaN"}, series.Bool, "c"),
	)
	if g := df.GroupBy("r", "c"); g.Err == nil {
		t.Error("gota's GroupBy now accepts missing values")
	}
	got, err := GroupCount(df, "r", "c")
	if err != nil {
		t.Fatal(err)
	}
	if recs := got.Records(); !reflect.DeepEqual(recs, [][]string{{"r", "c", "n"}, {"a", "true", "1"}}) {
		t.Errorf("GroupCount = %v", recs)
	}
	allMissing := dataframe.New(series.New([]string{"NaN"}, series.String, "r"), series.New([]string{"x"}, series.String, "c"))
	empty, err := GroupCount(allMissing, "r", "c")
	if err != nil || empty.Nrow() != 0 {
		t.Errorf("all missing: %v rows, err %v", empty.Nrow(), err)
	}
	c, err := GotaCountBy(allMissing, "r", "c")
	if err != nil || c.Missing != 1 || c.Total() != 0 {
		t.Errorf("GotaCountBy all missing: %+v %v", c, err)
	}
}

// TestCountByMakesTheTable: CountBy is the one way from a dataframe to a contingency table
// (analysis/stats takes counts, not dataframes); a missing value is counted, not an error.
func TestCountByMakesTheTable(t *testing.T) {
	df := dataframe.ReadCSV(strings.NewReader("platform,grade\nios,B\nandroid,A\nios,A\nandroid,F\nios,B\nNA,A\n"))
	c, err := CountBy(df, "platform", "grade")
	if err != nil {
		t.Fatal(err)
	}
	tab, err := stats.NewTable(c.Counts, c.RowNames, c.ColNames)
	if err != nil {
		t.Fatal(err)
	}
	want := [][]int{{1, 0, 1}, {1, 2, 0}}
	if !reflect.DeepEqual(tab.Counts, want) || !reflect.DeepEqual(tab.RowNames, []string{"android", "ios"}) ||
		!reflect.DeepEqual(tab.ColNames, []string{"A", "B", "F"}) || c.Missing != 1 {
		t.Errorf("table %v %v %v, missing %d; want %v, [android ios], [A B F], 1", tab.Counts, tab.RowNames, tab.ColNames, c.Missing, want)
	}
}
