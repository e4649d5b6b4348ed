package analysis

import (
	"bufio"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/mhealthsec/mhealthsec/analysis/stats"
	"github.com/mhealthsec/mhealthsec/datasets"
	"github.com/mhealthsec/mhealthsec/probe/result"
)

var bigStudyDir = flag.String("bigstudy", "", "write the benchmark's generated study to this folder and keep it (for timing the analyze command)")

// writeBigStudy writes a study of apps apps and rows server rows: each app talks to a few
// of its own functional servers and to third parties drawn from a shared pool, as real
// apps do; one result per https endpoint, some missing, some failed.
func writeBigStudy(tb testing.TB, dir string, apps, rows int) {
	tb.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	create := func(name string) (*os.File, *bufio.Writer) {
		f, err := os.Create(filepath.Join(dir, name))
		if err != nil {
			tb.Fatal(err)
		}
		return f, bufio.NewWriterSize(f, 1<<20)
	}
	af, aw := create("apps.csv")
	fmt.Fprintln(aw, "app_id,name,platform,availability,subcategory")
	platforms, avail := []string{"android", "ios"}, []string{"international", "de_only"}
	for i := 0; i < apps; i++ {
		fmt.Fprintf(aw, "app%05d,App %d,%s,%s,sub%d\n", i, i, platforms[i%2], avail[(i/2)%2], i%5)
	}
	aw.Flush()
	af.Close()

	const pool = 20000 // shared third-party servers
	cats := []string{"advertising", "tracking", "content", "other", "disregarded"}
	sf, sw := create("servers.csv")
	fmt.Fprintln(sw, "app_id,host,port,scheme,category")
	perApp := rows / apps
	endpoints := map[string]bool{}
	var order []string
	for i := 0; i < apps; i++ {
		used := map[int]bool{}
		for j := 0; j < perApp; j++ {
			var host, cat, scheme string
			scheme = "https"
			if j < perApp/4 {
				host, cat = fmt.Sprintf("api%d.app%05d.example", j, i), "functional"
			} else {
				k := rng.IntN(pool)
				for used[k] { // one row per app and server
					k = rng.IntN(pool)
				}
				used[k] = true
				host, cat = fmt.Sprintf("t%05d.thirdparty.example", k), cats[k%len(cats)]
			}
			if rng.IntN(50) == 0 {
				scheme = "http"
			}
			port := 443
			if scheme == "http" {
				port = 80
			}
			// One app lists a server once per host, port and scheme.
			fmt.Fprintf(sw, "app%05d,%s,%d,%s,%s\n", i, host, port, scheme, cat)
			key := fmt.Sprintf("%s:%d", host, port)
			if scheme == "https" && !endpoints[key] {
				endpoints[key] = true
				order = append(order, host)
			}
		}
	}
	sw.Flush()
	sf.Close()

	letters := []string{"A+", "A+", "A", "A", "A", "A-", "B", "B", "C", "F", "T"}
	rf, rw := create("results.jsonl")
	w := result.NewWriter(rw)
	started := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	for i, host := range order {
		if i%97 == 0 {
			continue // never probed
		}
		r := result.Result{Target: host + ":443", Host: host, Port: 443, Source: result.SourceProbe, StartedAt: started}
		if i%89 == 0 {
			r.Error = &result.Error{Kind: result.ErrTimeout, Message: "timed out"}
		} else {
			r.Protocols.Set(result.TLS12, true)
			r.Protocols.Set(result.TLS13, rng.IntN(3) == 0)
			r.Protocols.Set(result.TLS10, rng.IntN(4) == 0)
			r.HTTP = &result.HTTP{Status: 200, HSTS: &result.HSTS{Present: rng.IntN(2) == 0, MaxAge: 31536000}}
			l := letters[rng.IntN(len(letters))]
			r.Grade = &result.Grade{Letter: l, TrustIgnored: "A", Criteria: "2009r", Caps: []result.Rule{}, Warnings: []result.Rule{}}
			if l == "F" {
				r.Vulnerabilities.Heartbleed = result.Bool(true)
			}
		}
		if err := w.Write(r); err != nil {
			tb.Fatal(err)
		}
	}
	rw.Flush()
	rf.Close()
}

// BenchmarkAnalyzeBigStudy loads and analyses a generated study of 10,000 apps and
// 1,000,000 server rows (about 200,000 probed endpoints), the way `analyze` does before
// rendering. Memory: peak-heap-MiB is the largest live heap seen after the load and
// after the analysis.
func BenchmarkAnalyzeBigStudy(b *testing.B) {
	dir := *bigStudyDir
	if dir == "" {
		dir = b.TempDir()
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	writeBigStudy(b, dir, 10000, 1000000)
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
		if res.Rows != 1000000 {
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
	writeBigStudy(b, dir, 10000, 1000000)
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
