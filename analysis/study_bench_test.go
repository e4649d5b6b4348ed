package analysis

import (
	"flag"
	"os"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/mhealthsec/mhealthsec/analysis/stats"
	"github.com/mhealthsec/mhealthsec/datasets"
	"github.com/mhealthsec/mhealthsec/internal/bigstudy"
)

var bigStudyDir = flag.String("bigstudy", "", "write the benchmark's generated study to this folder and keep it (for timing the analyze command)")

// bigStudyRows scales BenchmarkAnalyzeBigStudy's study (one app per 100 rows); 10,000,000 is
// the census-scale target of README's performance table.
var bigStudyRows = flag.Int("bigstudy-rows", 1000000, "server rows of BenchmarkAnalyzeBigStudy's study (apps: rows/100)")

// writeBigStudy writes the shared benchmark study (see internal/bigstudy) into dir.
func writeBigStudy(tb testing.TB, dir string, apps, rows int) {
	tb.Helper()
	if err := bigstudy.Write(dir, apps, rows); err != nil {
		tb.Fatal(err)
	}
}

// BenchmarkAnalyzeBigStudy loads and analyses a generated study of 10,000 apps and
// 1,000,000 server rows (about 200,000 probed endpoints; -bigstudy-rows scales it), the
// way `analyze` does before
// rendering. Memory: peak-heap-MiB is the largest live heap seen after the load and
// after the analysis.
func BenchmarkAnalyzeBigStudy(b *testing.B) {
	dir := *bigStudyDir
	if dir == "" {
		dir = b.TempDir()
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	writeBigStudy(b, dir, max(1, *bigStudyRows/100), *bigStudyRows)
	month := baseline(b)
	b.ResetTimer()
	var peak uint64
	var loadCPU, analyzeCPU time.Duration
	for i := 0; i < b.N; i++ {
		c0 := cpuTime()
		st, err := datasets.LoadStudy(dir)
		if err != nil {
			b.Fatal(err)
		}
		c1 := cpuTime()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		peak = max(peak, ms.HeapAlloc)
		res, err := AnalyzeStudy(st, StudyConfig{Trust: TrustBelow, Baseline: month, PulseN: 140000, Adjust: stats.Holm})
		if err != nil {
			b.Fatal(err)
		}
		c2 := cpuTime()
		loadCPU += c1 - c0
		analyzeCPU += c2 - c1
		runtime.ReadMemStats(&ms)
		peak = max(peak, ms.HeapAlloc)
		if res.Rows != *bigStudyRows {
			b.Fatalf("analysed %d rows", res.Rows)
		}
	}
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
	// CPU seconds (user + system, all threads) tell the cost apart from the machine's load.
	b.ReportMetric(loadCPU.Seconds()/float64(b.N), "load-cpu-s")
	b.ReportMetric(analyzeCPU.Seconds()/float64(b.N), "analyze-cpu-s")
}

// cpuTime is the process's user plus system CPU time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkAnalyzeStudyOnly times AnalyzeStudy alone on the loaded big study.
func BenchmarkAnalyzeStudyOnly(b *testing.B) {
	dir := b.TempDir()
	writeBigStudy(b, dir, max(1, *bigStudyRows/100), *bigStudyRows)
	st, err := datasets.LoadStudy(dir)
	if err != nil {
		b.Fatal(err)
	}
	month := baseline(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := AnalyzeStudy(st, StudyConfig{Trust: TrustBelow, Baseline: month, PulseN: 140000, Adjust: stats.Holm}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAnalyzeStudyDir streams the big study (AnalyzeStudyDir, as `analyze` does).
// With -bigstudy DIR it reads the study in DIR, writing it there first if DIR has none,
// so the 10^7-row study is written once (2.6 GB) and never loaded whole.
func BenchmarkAnalyzeStudyDir(b *testing.B) {
	dir := *bigStudyDir
	if dir == "" {
		dir = b.TempDir()
	}
	if _, err := os.Stat(filepath.Join(dir, datasets.AppsFile)); err != nil {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			b.Fatal(err)
		}
		writeBigStudy(b, dir, max(1, *bigStudyRows/100), *bigStudyRows)
	}
	month := baseline(b)
	b.ResetTimer()
	c0 := cpuTime()
	for i := 0; i < b.N; i++ {
		if _, err := AnalyzeStudyDir(dir, StudyConfig{Trust: TrustBelow, Baseline: month, PulseN: 140000, Adjust: stats.Holm}, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric((cpuTime()-c0).Seconds()/float64(b.N), "cpu-s")
}
