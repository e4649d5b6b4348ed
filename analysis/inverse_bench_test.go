package analysis

import (
	"testing"

	"github.com/mhealthsec/mhealthsec/analysis/stats"
)

func BenchmarkFisher2x2(b *testing.B) {
	for i := 0; i < b.N; i++ {
		stats.Fisher2x2(30, 206, 14, 41, stats.TwoSided)
	}
}

func BenchmarkPearson(b *testing.B) {
	t, _ := stats.NewTable([][]int{{30, 206}, {14, 41}}, nil, nil)
	for i := 0; i < b.N; i++ {
		stats.PearsonChiSquare(t)
	}
}

func BenchmarkInverseSplit(b *testing.B) {
	cfg := InverseSplitConfig{Total: 291, Below: 44, PLo: 0.025, PHi: 0.035}
	for i := 0; i < b.N; i++ {
		if _, err := InverseSplit(cfg); err != nil {
			b.Fatal(err)
		}
	}
}
