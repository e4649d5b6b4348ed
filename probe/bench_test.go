package probe

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/mhealthsec/mhealthsec/probe/pki"
	"github.com/mhealthsec/mhealthsec/probe/result"
)

// benchFleet starts hosts × ports HTTPS servers on 127.0.0.1..127.0.0.<hosts>, plus one
// plain HTTP server per host for the plain-HTTP check, and returns the targets.
func benchFleet(b *testing.B, hosts, ports int) ([]Target, *pki.Authority) {
	b.Helper()
	root, err := pki.NewRoot("bench root")
	if err != nil {
		b.Fatal(err)
	}
	names := []string{"localhost"}
	for h := 1; h <= hosts; h++ {
		names = append(names, fmt.Sprintf("127.0.0.%d", h))
	}
	cert, err := root.Issue(pki.LeafOptions{Names: names})
	if err != nil {
		b.Fatal(err)
	}
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Strict-Transport-Security", "max-age=31536000")
		w.Write([]byte("ok"))
	})
	l := &lab{root: root, cert: cert}
	var targets []Target
	for h := 1; h <= hosts; h++ {
		ip := fmt.Sprintf("127.0.0.%d", h)
		ln, err := net.Listen("tcp", ip+":0")
		if err != nil {
			b.Fatal(err)
		}
		plain := &http.Server{Handler: redirectTo("https://" + ip + "/"), ErrorLog: discardLog()}
		go plain.Serve(ln)
		b.Cleanup(func() { plain.Close() })
		httpPort := ln.Addr().(*net.TCPAddr).Port
		for range ports {
			targets = append(targets, Target{Host: ip, Port: l.httpsServer(b, ip, handler), HTTPPort: httpPort})
		}
	}
	return targets, root
}

// peakHeap samples the heap in use until stop is closed.
func peakHeap(stop <-chan struct{}) <-chan uint64 {
	out := make(chan uint64, 1)
	go func() {
		var peak uint64
		var ms runtime.MemStats
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapInuse+ms.StackInuse)
			select {
			case <-stop:
				out <- peak
				return
			case <-tick.C:
			}
		}
	}()
	return out
}

// BenchmarkScanLoopback1000 scans 1,000 loopback endpoints (50 hosts × 20 ports) with the
// default concurrency and host limits, once with the rate limit lifted (loopback can
// take it) and once at 1,000 connections/s. The default 50/s is measured on 100 endpoints
// by BenchmarkScanLoopback100DefaultRate: at ~30 connections per endpoint it is the
// bottleneck by design.
func BenchmarkScanLoopback1000(b *testing.B) {
	for _, rate := range []float64{-1, 1000} {
		b.Run(fmt.Sprintf("rate=%v", rate), func(b *testing.B) { benchScan(b, 50, 20, rate) })
	}
}

func BenchmarkScanLoopback100DefaultRate(b *testing.B) { benchScan(b, 5, 20, 0) }

func benchScan(b *testing.B, hosts, ports int, rate float64) {
	targets, root := benchFleet(b, hosts, ports)
	for b.Loop() {
		s, err := New(Config{Rate: rate, Roots: root.Pool(), LoopbackOnly: true})
		if err != nil {
			b.Fatal(err)
		}
		runtime.GC()
		stop := make(chan struct{})
		peak := peakHeap(stop)
		start := time.Now()
		var failed int
		var mu sync.Mutex
		sum, err := s.Run(context.Background(), targets, result.NewWriter(io.Discard), RunOptions{OnResult: func(r result.Result) {
			if r.Error != nil {
				mu.Lock()
				failed++
				mu.Unlock()
			}
		}})
		elapsed := time.Since(start)
		close(stop)
		if err != nil || sum.Measured != len(targets) {
			b.Fatalf("run: %v, summary %+v", err, sum)
		}
		if failed > 0 {
			b.Fatalf("%d endpoints failed: %+v", failed, sum.Failures)
		}
		b.ReportMetric(elapsed.Seconds(), "s/scan")
		b.ReportMetric(float64(len(targets))/elapsed.Seconds(), "endpoints/s")
		b.ReportMetric(float64(<-peak)/(1<<20), "peak-MiB")
		b.ReportMetric(float64(s.bucket.count())/float64(len(targets)), "conns/endpoint")
	}
}

// BenchmarkMeasureLoopback is the full measurement of one endpoint (enumeration,
// certificate, HTTP, plain HTTP, vulnerabilities, grade); it reports the median.
func BenchmarkMeasureLoopback(b *testing.B) {
	for _, rate := range []float64{-1, 0} {
		name := "rate=unlimited"
		if rate == 0 {
			name = "rate=default"
		}
		b.Run(name, func(b *testing.B) {
			targets, root := benchFleet(b, 1, 1)
			s, err := New(Config{Rate: rate, Roots: root.Pool(), LoopbackOnly: true})
			if err != nil {
				b.Fatal(err)
			}
			var ds []time.Duration
			for b.Loop() {
				start := time.Now()
				r := s.Measure(context.Background(), targets[0])
				ds = append(ds, time.Since(start))
				if r.Error != nil || r.Grade == nil {
					b.Fatalf("error %v grade %v", r.Error, r.Grade)
				}
			}
			sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
			b.ReportMetric(float64(ds[len(ds)/2])/float64(time.Millisecond), "median-ms")
		})
	}
}
