package datasets_test

import (
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/mhealthsec/mhealthsec/datasets"
	"github.com/mhealthsec/mhealthsec/internal/bigstudy"
)

var bigStudy = flag.String("bigstudy", "", "load this study folder in BenchmarkLoadStudyBig instead of generating one")

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
		if err := bigstudy.Write(dir, 10000, 1000000); err != nil {
			b.Fatal(err)
		}
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

// BenchmarkScanServersBig is the servers.csv pass of datasets.ScanStudy alone (apps.csv
// and servers.csv of -bigstudy, or of a generated 1,000,000-row study, without its
// results): parsing, checks, the repeat and endpoint tables. cpu-ms/op and peak-MB are
// as in BenchmarkLoadStudyBig. Time it at 10^7 rows with
//
//	go test -run '^$' -bench ScanServersBig -benchtime 1x ./datasets/ -args -bigstudy /tmp/big10m
func BenchmarkScanServersBig(b *testing.B) {
	dir := b.TempDir()
	if *bigStudy == "" {
		if err := bigstudy.Write(dir, 10000, 1000000); err != nil {
			b.Fatal(err)
		}
		if err := os.Remove(filepath.Join(dir, datasets.ResultsFile)); err != nil {
			b.Fatal(err)
		}
	} else {
		for _, f := range []string{datasets.AppsFile, datasets.ServersFile} {
			if err := os.Symlink(filepath.Join(*bigStudy, f), filepath.Join(dir, f)); err != nil {
				b.Fatal(err)
			}
		}
	}
	stop := peakHeap(b)
	for b.Loop() {
		rows := 0
		err := datasets.ScanStudy(dir, datasets.StudyScan[struct{}]{Server: func(int, *datasets.Server, int) { rows++ }})
		if err != nil || rows == 0 {
			b.Fatalf("%d rows, %v", rows, err)
		}
	}
	stop()
}
