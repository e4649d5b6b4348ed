package datasets_test

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"runtime"
	"runtime/metrics"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/go-gota/gota/dataframe"
	"github.com/go-gota/gota/series"

	"github.com/mhealthsec/mhealthsec/analysis/stats"
	"github.com/mhealthsec/mhealthsec/datasets"
	"github.com/mhealthsec/mhealthsec/probe/result"
)

// The benchmarks count a results table of a million rows: category × below_a (6 × 2) and
// app × finding (600 × 5), the tables the study's analysis draws from, and run the
// chi-square test on the counts. Run them with
//
//	go test -run '^$' -bench . -benchmem ./datasets/
//
// peak-MB is the largest live heap seen while the benchmark ran (sampled every
// millisecond), beside the B/op that -benchmem reports as allocated. cpu-ms/op is the
// process's user + system CPU time per operation: on a shared machine wall time (ns/op)
// grows with everybody else's load, CPU time much less (it includes the GC's threads).

const benchRows = 1_000_000

// benchColumns holds the typed columns of a synthetic results table.
type benchColumns struct {
	app, category, below, finding []string
}

func makeColumns(n int) benchColumns {
	rng := rand.New(rand.NewPCG(1, 2))
	cats := datasets.Categories()
	findings := []string{"tls13", "hsts", "sslv3", "rc4", "expired"}
	c := benchColumns{make([]string, n), make([]string, n), make([]string, n), make([]string, n)}
	apps := make([]string, 600)
	for i := range apps {
		apps[i] = "app" + strconv.Itoa(i)
	}
	for i := 0; i < n; i++ {
		c.app[i] = apps[rng.IntN(len(apps))]
		c.category[i] = cats[rng.IntN(len(cats))]
		c.below[i] = strconv.FormatBool(rng.Float64() < 0.15)
		c.finding[i] = findings[rng.IntN(len(findings))]
	}
	return c
}

func (c benchColumns) frame() dataframe.DataFrame {
	return dataframe.New(
		series.New(c.app, series.String, "app_id"),
		series.New(c.category, series.String, "category"),
		series.New(c.below, series.Bool, "below_a"),
		series.New(c.finding, series.String, "finding"),
	)
}

func (c benchColumns) records() [][]string {
	recs := make([][]string, 0, len(c.app)+1)
	recs = append(recs, []string{"app_id", "category", "below_a", "finding"})
	for i := range c.app {
		recs = append(recs, []string{c.app[i], c.category[i], c.below[i], c.finding[i]})
	}
	return recs
}

// peakHeap samples the live heap until stop is called and reports the peak in MB, and
// the CPU time used per operation.
func peakHeap(b *testing.B) (stop func()) {
	runtime.GC()
	cpu0 := cpuTime()
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	var peak uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			metrics.Read(sample)
			peak = max(peak, sample[0].Value.Uint64())
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	}()
	return func() {
		close(done)
		wg.Wait()
		b.ReportMetric(float64(peak)/(1<<20), "peak-MB")
		b.ReportMetric(float64(cpuTime()-cpu0)/float64(time.Millisecond)/float64(b.N), "cpu-ms/op")
	}
}

// cpuTime is the user + system CPU time of the process so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkLoadFrame builds the 1e6-row dataframe from typed columns (what the loaders do).
func BenchmarkLoadFrame(b *testing.B) {
	c := makeColumns(benchRows)
	b.ResetTimer()
	stop := peakHeap(b)
	for b.Loop() {
		if df := c.frame(); df.Err != nil {
			b.Fatal(df.Err)
		}
	}
	stop()
}

// BenchmarkLoadRecords loads the same rows from text records with gota's LoadRecords and
// the safe options (no type detection, no NA strings).
func BenchmarkLoadRecords(b *testing.B) {
	recs := makeColumns(benchRows).records()
	b.ResetTimer()
	stop := peakHeap(b)
	for b.Loop() {
		df := dataframe.LoadRecords(recs, dataframe.DetectTypes(false),
			dataframe.DefaultType(series.String), dataframe.NaNValues(nil))
		if df.Err != nil {
			b.Fatal(df.Err)
		}
	}
	stop()
}

type countFunc func(df dataframe.DataFrame, row, col string) (datasets.Counts, error)

var pairs = [][2]string{{"category", "below_a"}, {"app_id", "finding"}}

func benchCount(b *testing.B, n int, count countFunc) {
	df := makeColumns(n).frame()
	for _, p := range pairs {
		b.Run(fmt.Sprintf("%s×%s/rows=%d", p[0], p[1], n), func(b *testing.B) {
			stop := peakHeap(b)
			for b.Loop() {
				c, err := count(df, p[0], p[1])
				if err != nil {
					b.Fatal(err)
				}
				if c.Total() != n {
					b.Fatalf("counted %d of %d", c.Total(), n)
				}
			}
			stop()
		})
	}
}

// BenchmarkCountBy is the fast path: one pass over the two columns.
func BenchmarkCountBy(b *testing.B) {
	benchCount(b, benchRows, datasets.CountBy)
}

// BenchmarkGotaCountBy is the same count through gota's GroupBy and Aggregation. It is
// run on 1e5 rows (and 1e6 with -gota1e6) because at 1e6 it takes gigabytes: GroupBy turns
// every row into a map and every group back into a dataframe.
func BenchmarkGotaCountBy(b *testing.B) {
	benchCount(b, benchRows/10, datasets.GotaCountBy)
	if *gota1e6 {
		benchCount(b, benchRows, datasets.GotaCountBy)
	}
}

// BenchmarkCountAndTest is the target: count 1e6 rows of a dataframe and run Pearson's
// chi-square test on the table.
func BenchmarkCountAndTest(b *testing.B) {
	df := makeColumns(benchRows).frame()
	for _, p := range pairs {
		b.Run(p[0]+"×"+p[1], func(b *testing.B) {
			stop := peakHeap(b)
			for b.Loop() {
				c, err := datasets.CountBy(df, p[0], p[1])
				if err != nil {
					b.Fatal(err)
				}
				t, err := stats.NewTable(c.Counts, c.RowNames, c.ColNames)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := stats.PearsonChiSquare(t); err != nil {
					b.Fatal(err)
				}
			}
			stop()
		})
	}
}

// BenchmarkLoadCountAndTest is the whole path from typed columns: build the dataframe,
// count, test.
func BenchmarkLoadCountAndTest(b *testing.B) {
	c := makeColumns(benchRows)
	b.ResetTimer()
	stop := peakHeap(b)
	for b.Loop() {
		df := c.frame()
		counts, err := datasets.CountBy(df, "category", "below_a")
		if err != nil {
			b.Fatal(err)
		}
		t, err := stats.NewTable(counts.Counts, counts.RowNames, counts.ColNames)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := stats.PearsonChiSquare(t); err != nil {
			b.Fatal(err)
		}
	}
	stop()
}

// BenchmarkResultsFrame reads 1e5 probe results from JSONL and builds the flat per-endpoint
// dataframe (about 45 columns), the cost per result line of a real results file.
func BenchmarkResultsFrame(b *testing.B) {
	const n = benchRows / 10
	var buf bytes.Buffer
	w := result.NewWriter(&buf)
	rng := rand.New(rand.NewPCG(3, 4))
	letters := []string{"A+", "A", "A-", "B", "C", "F", "T"}
	for i := 0; i < n; i++ {
		r := result.Result{Target: fmt.Sprintf("h%d.example:443", i), Host: fmt.Sprintf("h%d.example", i), Port: 443, Source: result.SourceProbe}
		for _, p := range result.AllProtocols() {
			r.Protocols.Set(p, rng.IntN(2) == 0)
		}
		r.Vulnerabilities.Heartbleed = result.Bool(false)
		r.HTTP = &result.HTTP{Status: 200, HSTS: &result.HSTS{Present: rng.IntN(2) == 0, MaxAge: 31536000}}
		r.Grade = &result.Grade{Letter: letters[rng.IntN(len(letters))], Score: 80, Criteria: "2009r"}
		if err := w.Write(r); err != nil {
			b.Fatal(err)
		}
	}
	data := buf.Bytes()
	b.Run("read", func(b *testing.B) {
		stop := peakHeap(b)
		for b.Loop() {
			if _, err := datasets.ReadResults(bytes.NewReader(data), "results.jsonl"); err != nil {
				b.Fatal(err)
			}
		}
		stop()
	})
	res, err := datasets.ReadResults(bytes.NewReader(data), "results.jsonl")
	if err != nil {
		b.Fatal(err)
	}
	st := &datasets.Study{Results: res}
	b.Run("frame", func(b *testing.B) {
		stop := peakHeap(b)
		for b.Loop() {
			if df := st.ResultsFrame(); df.Err != nil {
				b.Fatal(df.Err)
			}
		}
		stop()
	})
}
