package paper

import (
	"path/filepath"
	"testing"

	"github.com/mhealthsec/mhealthsec/paper/report"
)

// BenchmarkReproduce is the computation of `reproduce`: both tests and the scorecard.
func BenchmarkReproduce(b *testing.B) {
	for i := 0; i < b.N; i++ {
		if _, err := Reproduce(DefaultConfig()); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReproduceReport is the whole of `reproduce`: computation, figures in three
// formats, tables and the report, written atomically.
func BenchmarkReproduceReport(b *testing.B) {
	dir := b.TempDir()
	for i := 0; i < b.N; i++ {
		r, err := Reproduce(DefaultConfig())
		if err != nil {
			b.Fatal(err)
		}
		d, err := r.Document()
		if err != nil {
			b.Fatal(err)
		}
		if err := report.WriteAtomic(filepath.Join(dir, "out"), d, r.Stats()); err != nil {
			b.Fatal(err)
		}
	}
}
