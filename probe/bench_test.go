package probe

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"runtime"
	"sort"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/mhealthsec/mhealthsec/probe/internal/peertest"
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
// default concurrency and host limits, once at the default rates (50 new connections/s
// per host after a burst of 60, 1,000/s over the scan after a burst of 100) and once with
// both rates lifted. Peak memory is the heap and stacks in use, sampled every 20 ms.
//
//	go test -run '^$' -bench ScanLoopback1000 -benchtime 1x ./probe/
func BenchmarkScanLoopback1000(b *testing.B) {
	for _, lim := range benchLimits() {
		b.Run("limits="+lim.name, func(b *testing.B) { benchScan(b, 50, 20, lim) })
	}
}

// BenchmarkScanLoopback100 is the same on 100 endpoints (5 hosts × 20 ports), quick to run.
func BenchmarkScanLoopback100(b *testing.B) {
	for _, lim := range benchLimits() {
		b.Run("limits="+lim.name, func(b *testing.B) { benchScan(b, 5, 20, lim) })
	}
}

// limits names the rate settings a benchmark runs with.
type limits struct {
	name           string
	rate, hostRate float64 // 0: the default; negative: unlimited
}

// benchLimits returns the default limits and none.
func benchLimits() []limits {
	return []limits{{name: "default"}, {name: "none", rate: -1, hostRate: -1}}
}

func (l limits) config(root *pki.Authority) Config {
	return Config{Rate: l.rate, HostRate: l.hostRate, Roots: root.Pool(), LoopbackOnly: true}
}

func benchScan(b *testing.B, hosts, ports int, lim limits) {
	targets, root := benchFleet(b, hosts, ports)
	for b.Loop() {
		s, err := New(lim.config(root))
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
		conns, _ := s.rate.counts()
		b.ReportMetric(elapsed.Seconds(), "s/scan")
		b.ReportMetric(float64(len(targets))/elapsed.Seconds(), "endpoints/s")
		b.ReportMetric(float64(<-peak)/(1<<20), "peak-MiB")
		b.ReportMetric(float64(conns)/float64(len(targets)), "conns/endpoint")
	}
}

// BenchmarkMeasureLoopback is the full measurement of one endpoint (enumeration,
// certificate, HTTP, plain HTTP, vulnerabilities, grade); it reports the median.
//
// fresh: a new scanner per measurement, as `mhealthsec probe host` runs it; the
// endpoint's connections fit in the per-host burst.
// reused: one scanner measuring the same host back to back, so the per-host rate (50/s)
// paces it by design: about conns/endpoint ÷ 50 s each.
// none: one scanner with both rates lifted: the measurement's own cost.
//
//	go test -run '^$' -bench MeasureLoopback -benchtime 30x ./probe/
func BenchmarkMeasureLoopback(b *testing.B) {
	cases := []struct {
		name  string
		lim   limits
		fresh bool
	}{
		{"limits=default/fresh", benchLimits()[0], true},
		{"limits=default/reused", benchLimits()[0], false},
		{"limits=none", benchLimits()[1], false},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			targets, root := benchFleet(b, 1, 1)
			newScanner := func() *Scanner {
				s, err := New(c.lim.config(root))
				if err != nil {
					b.Fatal(err)
				}
				return s
			}
			s := newScanner()
			var ds []time.Duration
			var conns int64
			for b.Loop() {
				if c.fresh {
					s = newScanner()
				}
				before, _ := s.rate.counts()
				start := time.Now()
				r := s.Measure(context.Background(), targets[0])
				ds = append(ds, time.Since(start))
				after, _ := s.rate.counts()
				conns = after - before
				if r.Error != nil || r.Grade == nil {
					b.Fatalf("error %v grade %v", r.Error, r.Grade)
				}
			}
			sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
			b.ReportMetric(float64(ds[len(ds)/2])/float64(time.Millisecond), "median-ms")
			b.ReportMetric(float64(conns), "conns/endpoint")
		})
	}
}

// BenchmarkSSLScanLoopback runs sslscan (protocols, suites, certificate, heartbleed,
// renegotiation, compression) on the same endpoint as BenchmarkMeasureLoopback, for the
// ratio the README quotes.
//
//	go test -run '^$' -bench 'MeasureLoopback|SSLScanLoopback' -benchtime 30x ./probe/
func BenchmarkSSLScanLoopback(b *testing.B) {
	sslscan := peertest.Tool(b, "sslscan")
	targets, _ := benchFleet(b, 1, 1)
	addr := net.JoinHostPort(targets[0].Host, strconv.Itoa(targets[0].Port))
	var ds []time.Duration
	for b.Loop() {
		start := time.Now()
		if out, err := exec.Command(sslscan, "--no-colour", "--xml=-", addr).CombinedOutput(); err != nil {
			b.Fatalf("sslscan: %v\n%s", err, out)
		}
		ds = append(ds, time.Since(start))
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	b.ReportMetric(float64(ds[len(ds)/2])/float64(time.Millisecond), "median-ms")
}

// BenchmarkOpenSSLLoopback measures an `openssl s_server` endpoint with its default
// protocols and suites (56 connections: past crypto/tls's 32, within the host burst),
// with a fresh scanner at the default limits and a fresh server each time, and runs
// sslscan on it.
//
//	go test -run '^$' -bench OpenSSLLoopback -benchtime 20x ./probe/
func BenchmarkOpenSSLLoopback(b *testing.B) {
	l := newLab(b)
	dir := b.TempDir()
	certPath, keyPath, err := pki.WritePEM(dir, "leaf", l.cert)
	if err != nil {
		b.Fatal(err)
	}
	start := func(b *testing.B) peertest.Server {
		return peertest.Start(b, "openssl", func(port int) []string {
			return []string{"s_server", "-quiet", "-www", "-accept", "127.0.0.1:" + strconv.Itoa(port), "-cert", certPath, "-key", keyPath}
		})
	}
	srv := start(b)
	b.Run("probe", func(b *testing.B) {
		var ds []time.Duration
		var conns int64
		for b.Loop() {
			// A fresh server each time: s_server sleeps 1 s after refusing a client's
			// renegotiation (the probe's last step), and serves nobody meanwhile.
			srv := start(b)
			s, err := New(Config{Roots: l.root.Pool(), LoopbackOnly: true, HTTPPort: -1})
			if err != nil {
				b.Fatal(err)
			}
			start := time.Now()
			r := s.Measure(context.Background(), Target{Host: "127.0.0.1", Port: srv.Port, SNI: "localhost"})
			ds = append(ds, time.Since(start))
			if r.Error != nil || r.Grade == nil {
				b.Fatalf("error %v grade %v notes %q", r.Error, r.Grade, r.Notes)
			}
			conns, _ = s.rate.counts()
		}
		sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
		b.ReportMetric(float64(ds[len(ds)/2])/float64(time.Millisecond), "median-ms")
		b.ReportMetric(float64(conns), "conns/endpoint")
	})
	b.Run("sslscan", func(b *testing.B) {
		sslscan := peertest.Tool(b, "sslscan")
		var ds []time.Duration
		for b.Loop() {
			start := time.Now()
			if out, err := exec.Command(sslscan, "--no-colour", "--xml=-", srv.Addr).CombinedOutput(); err != nil {
				b.Fatalf("sslscan: %v\n%s", err, out)
			}
			ds = append(ds, time.Since(start))
		}
		sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
		b.ReportMetric(float64(ds[len(ds)/2])/float64(time.Millisecond), "median-ms")
	})
}
