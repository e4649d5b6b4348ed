package importer

import (
	"bytes"
	"io"
	"path/filepath"
	"testing"

	"github.com/mhealthsec/mhealthsec/probe/result"
)

// The benchmarks read every file of testdata, the pathological inputs of testdata/fuzz and
// the fuzz seeds; MB/s is the number to
// compare (go test -run '^$' -bench . -benchmem ./datasets/importer).

func benchFiles(b *testing.B, reader string, seeds []string, read func(io.Reader, string) ([]result.Result, error)) {
	files, _ := filepath.Glob("testdata/" + reader + "-*.json")
	worst, _ := filepath.Glob("testdata/fuzz/worst-" + reader + "-*.json")
	inputs := map[string][]byte{}
	for _, f := range append(files, worst...) {
		rel, _ := filepath.Rel("testdata", f)
		inputs[rel] = mustRead(b, rel)
	}
	var all []byte
	for _, s := range seeds {
		all = append(all, s...)
	}
	for name, in := range inputs {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(in)))
			for range b.N {
				if _, err := read(bytes.NewReader(in), name); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("fuzz-seeds", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(all)))
		for range b.N {
			for _, s := range seeds {
				_, _ = read(bytes.NewReader([]byte(s)), "seed")
			}
		}
	})
}

func BenchmarkTestssl(b *testing.B) { benchFiles(b, "testssl", testsslSeeds, Testssl) }
func BenchmarkSSLLabs(b *testing.B) { benchFiles(b, "ssllabs", labsSeeds, SSLLabs) }
