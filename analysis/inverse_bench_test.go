package analysis

import "testing"

// BenchmarkInverseSplit enumerates the study's 11,158 tables with three tests each.
func BenchmarkInverseSplit(b *testing.B) {
	cfg := InverseSplitConfig{Total: 291, Below: 44, PLo: 0.025, PHi: 0.035}
	for i := 0; i < b.N; i++ {
		if _, err := InverseSplit(cfg); err != nil {
			b.Fatal(err)
		}
	}
}
