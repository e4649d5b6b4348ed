package datasets_test

import (
	"bufio"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/mhealthsec/mhealthsec/datasets"
	"github.com/mhealthsec/mhealthsec/probe/result"
)

var bigStudy = flag.String("bigstudy", "", "load this study folder in BenchmarkLoadStudyBig instead of generating one")

// writeBigStudy writes a study shaped like analysis's benchmark study: apps apps, rows
// server rows, a quarter of each app's servers its own (functional), the rest drawn from a
// shared pool of third parties, 1 in 50 rows plain http, one result per https endpoint
// (1 in 97 never probed, 1 in 89 failed).
func writeBigStudy(b *testing.B, dir string, apps, rows int) {
	b.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	create := func(name string) (*os.File, *bufio.Writer) {
		f, err := os.Create(filepath.Join(dir, name))
		if err != nil {
			b.Fatal(err)
		}
		return f, bufio.NewWriterSize(f, 1<<20)
	}
	closeAll := func(f *os.File, w *bufio.Writer) {
		if err := w.Flush(); err != nil {
			b.Fatal(err)
		}
		if err := f.Close(); err != nil {
			b.Fatal(err)
		}
	}
	af, aw := create(datasets.AppsFile)
	fmt.Fprintln(aw, "app_id,name,platform,availability,subcategory")
	platforms, avail := []string{"android", "ios"}, []string{"international", "de_only"}
	for i := 0; i < apps; i++ {
		fmt.Fprintf(aw, "app%05d,App %d,%s,%s,sub%d\n", i, i, platforms[i%2], avail[(i/2)%2], i%5)
	}
	closeAll(af, aw)

	const pool = 20000
	cats := []string{"advertising", "tracking", "content", "other", "disregarded"}
	sf, sw := create(datasets.ServersFile)
	fmt.Fprintln(sw, "app_id,host,port,scheme,category")
	perApp := rows / apps
	endpoints := map[string]bool{}
	var order []string
	for i := 0; i < apps; i++ {
		used := map[int]bool{}
		for j := 0; j < perApp; j++ {
			host, cat, scheme := "", "functional", "https"
			if j < perApp/4 {
				host = fmt.Sprintf("api%d.app%05d.example", j, i)
			} else {
				k := rng.IntN(pool)
				for used[k] {
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
			fmt.Fprintf(sw, "app%05d,%s,%d,%s,%s\n", i, host, port, scheme, cat)
			if key := fmt.Sprintf("%s:%d", host, port); scheme == "https" && !endpoints[key] {
				endpoints[key] = true
				order = append(order, host)
			}
		}
	}
	closeAll(sf, sw)

	letters := []string{"A+", "A+", "A", "A", "A", "A-", "B", "B", "C", "F", "T"}
	rf, rw := create(datasets.ResultsFile)
	w := result.NewWriter(rw)
	started := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	for i, host := range order {
		if i%97 == 0 {
			continue
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
			b.Fatal(err)
		}
	}
	closeAll(rf, rw)
}

// BenchmarkLoadStudyBig loads a study of 10,000 apps, 1,000,000 server rows and about
// 262,000 results (240 MB of JSON), what `analyze` reads before it counts. ns/op is wall
// time; cpu-s/op the process's user + system CPU per load, which a busy machine inflates
// far less; peak-MB the largest live heap seen.
//
//	go test -run '^$' -bench LoadStudyBig -benchtime 3x ./datasets/
func BenchmarkLoadStudyBig(b *testing.B) {
	dir := *bigStudy
	if dir == "" {
		dir = b.TempDir()
		writeBigStudy(b, dir, 10000, 1000000)
	}
	stop := peakHeap(b)
	for b.Loop() {
		st, err := datasets.LoadStudy(dir)
		if err != nil {
			b.Fatal(err)
		}
		if *bigStudy == "" && len(st.Servers) != 1000000 {
			b.Fatalf("loaded %d server rows", len(st.Servers))
		}
	}
	stop()
}
