package stats

import "fmt"

// FisherRxC is Fisher's exact (Freeman–Halton) test of an r × c table.
func FisherRxC(t Table) (Fisher, error) {
	return Fisher{}, fmt.Errorf("fisher r x c: %w", errNotBuilt)
}
