package stats

import "testing"

// The study's big table (Test 2: mHealth servers vs. the SSL Pulse population).
var bigTable = [][]int{{44, 247}, {45912, 92630}}

func mustTable(b *testing.B, counts [][]int) Table {
	t, err := NewTable(counts, nil, nil)
	if err != nil {
		b.Fatal(err)
	}
	return t
}

func BenchmarkPearsonChiSquare(b *testing.B) {
	t := mustTable(b, bigTable)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := PearsonChiSquare(t); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkPearsonChiSquare3x7(b *testing.B) {
	t := mustTable(b, [][]int{{1548, 1309, 1179, 1446, 1639, 1050, 1277}, {1461, 1198, 1204, 1984, 1246, 1958, 1648}, {1068, 1511, 1476, 1076, 2008, 1763, 1323}})
	b.ReportAllocs()
	for b.Loop() {
		if _, err := PearsonChiSquare(t); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFisher2x2Big includes both odds ratios and their intervals.
func BenchmarkFisher2x2Big(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Fisher2x2(44, 247, 45912, 92630, TwoSided); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkFisher2x2Small(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Fisher2x2(2, 15, 7, 9, TwoSided); err != nil {
			b.Fatal(err)
		}
	}
}

func benchmarkRxC(b *testing.B, counts [][]int) {
	t := mustTable(b, counts)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := FisherRxC(t); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkFisherRxC4x4(b *testing.B) {
	benchmarkRxC(b, [][]int{{4, 2, 1, 4}, {1, 1, 4, 8}, {5, 2, 7, 6}, {2, 3, 2, 3}})
}

func BenchmarkFisherRxC2x7(b *testing.B) {
	benchmarkRxC(b, [][]int{{32, 200, 15, 25, 4, 9, 6}, {5, 52, 4, 12, 3, 5, 3}})
}

func BenchmarkFisherRxC2x6(b *testing.B) {
	benchmarkRxC(b, [][]int{{11, 27, 8, 8, 21, 14}, {17, 15, 24, 15, 13, 24}})
}

func BenchmarkAnalyzeBig(b *testing.B) {
	t := mustTable(b, bigTable)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Analyze(t); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFisher2x2BigPOnly is the two-sided p-value alone, without the odds
// ratios and their root finding.
func BenchmarkFisher2x2BigPOnly(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if p := newHyper(44, 247, 45912, 92630).twoSided(); !(p > 0) {
			b.Fatal(p)
		}
	}
}

// BenchmarkFisherMonteCarlo is the simulated p from DefaultReplicates tables:
// golden table 17 (4 × 7, n = 110, beyond the exact limit) and golden table 6
// (2 × 7, n = 19,958).
func BenchmarkFisherMonteCarlo(b *testing.B) {
	for _, tc := range []struct {
		name   string
		counts [][]int
	}{
		{"4x7n110", [][]int{{1, 5, 6, 6, 4, 3, 3}, {4, 4, 2, 1, 4, 7, 1}, {6, 5, 1, 6, 1, 1, 2}, {1, 3, 1, 3, 5, 7, 6}}},
		{"2x7n19958", [][]int{{1143, 1397, 1233, 1704, 1450, 1472, 1327}, {1197, 1268, 1477, 1677, 1683, 1517, 1413}}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			t := mustTable(b, tc.counts)
			for b.Loop() {
				if _, err := FisherMonteCarlo(t, DefaultReplicates, 1); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
