package enum

import (
	"context"
	"crypto/tls"
	"os/exec"
	"slices"
	"testing"
	"time"

	"github.com/mhealthsec/mhealthsec/probe/check"
	"github.com/mhealthsec/mhealthsec/probe/internal/peertest"
	"github.com/mhealthsec/mhealthsec/probe/pki"
	"github.com/mhealthsec/mhealthsec/probe/result"
)

// benchServer is the endpoint both benchmarks measure: crypto/tls, TLS 1.2 and 1.3,
// default suites, an ECDSA P-256 certificate.
func benchServer(b *testing.B, key pki.KeySpec) string {
	return peertest.ServeGo(b, &tls.Config{Certificates: []tls.Certificate{peertest.Leaf(b, key)}, MinVersion: tls.VersionTLS12}, nil).Addr
}

// reportMedian adds the median wall time per measurement, the figure the README quotes.
func reportMedian(b *testing.B, times []time.Duration) {
	if len(times) == 0 {
		return
	}
	slices.Sort(times)
	b.ReportMetric(float64(times[len(times)/2].Microseconds())/1000, "median-ms")
}

// BenchmarkMeasureLoopback measures one loopback endpoint in full.
func BenchmarkMeasureLoopback(b *testing.B) { benchmarkMeasure(b, pki.ECDSA256) }

// BenchmarkMeasureLoopbackRSA is the same with an RSA-2048 certificate, whose signatures
// cost the server far more than ECDSA's.
func BenchmarkMeasureLoopbackRSA(b *testing.B) { benchmarkMeasure(b, pki.RSA2048) }

func benchmarkMeasure(b *testing.B, key pki.KeySpec) {
	cfg := Config{ConnConfig: check.ConnConfig{Dial: dialer(benchServer(b, key)), SNI: "localhost"}}
	var times []time.Duration
	for b.Loop() {
		start := time.Now()
		var r result.Result
		if err := Measure(context.Background(), cfg, &r); err != nil {
			b.Fatal(err)
		}
		times = append(times, time.Since(start))
	}
	reportMedian(b, times)
}

// BenchmarkSSLScanLoopback runs sslscan on the same kind of endpoint, for the ratio.
func BenchmarkSSLScanLoopback(b *testing.B) {
	sslscan := peertest.Tool(b, "sslscan")
	addr := benchServer(b, pki.ECDSA256)
	var times []time.Duration
	for b.Loop() {
		start := time.Now()
		if out, err := exec.Command(sslscan, "--no-colour", "--xml=-", addr).Output(); err != nil {
			b.Fatalf("sslscan: %v\n%s", err, out)
		}
		times = append(times, time.Since(start))
	}
	reportMedian(b, times)
}
