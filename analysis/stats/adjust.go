package stats

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
)

// Method is a p-value adjustment for multiple comparisons.
type Method int

// The adjustments of R's p.adjust.
const (
	Bonferroni Method = iota
	Holm
	Hochberg
	BH // Benjamini–Hochberg false discovery rate
	BY // Benjamini–Yekutieli, FDR under arbitrary dependence
)

// Methods lists every adjustment, in the order of R's p.adjust.methods.
func Methods() []Method { return []Method{Bonferroni, Holm, Hochberg, BH, BY} }

// String returns R's name of the method.
func (m Method) String() string {
	switch m {
	case Bonferroni:
		return "bonferroni"
	case Holm:
		return "holm"
	case Hochberg:
		return "hochberg"
	case BH:
		return "BH"
	case BY:
		return "BY"
	}
	return fmt.Sprintf("Method(%d)", int(m))
}

// ParseMethod reads a method by R's name (case-insensitive; "fdr" means BH).
func ParseMethod(s string) (Method, error) {
	if strings.EqualFold(s, "fdr") {
		return BH, nil
	}
	var names []string
	for _, m := range Methods() {
		if strings.EqualFold(s, m.String()) {
			return m, nil
		}
		names = append(names, m.String())
	}
	return 0, fmt.Errorf("unknown p-value adjustment %q (want one of %s)", s, strings.Join(names, ", "))
}

// Adjust returns p-values adjusted for multiple comparisons with R's p.adjust
// semantics: the result is in the input order and capped at 1. Every p must lie in
// [0, 1]; R's NA handling has no counterpart here.
func Adjust(p []float64, m Method) ([]float64, error) {
	for i, v := range p {
		if !(v >= 0 && v <= 1) {
			return nil, fmt.Errorf("adjust p-values: p[%d] = %v is not in [0, 1]", i, v)
		}
	}
	n := float64(len(p))
	out := make([]float64, len(p))
	switch m {
	case Bonferroni:
		for i, v := range p {
			out[i] = math.Min(1, n*v)
		}
		return out, nil
	case Holm:
		// R: pmin(1, cummax((n - i + 1) * p[o]))[ro], o = order(p)
		o := order(p, false)
		run := 0.0
		for k, idx := range o {
			run = math.Max(run, (n-float64(k+1)+1)*p[idx])
			out[idx] = math.Min(1, run)
		}
		return out, nil
	case Hochberg, BH, BY:
		// R: i <- lp:1; o <- order(p, decreasing = TRUE); pmin(1, cummin(f(i) * p[o]))[ro]
		q := 1.0
		if m == BY {
			q = 0
			for k := 1; k <= len(p); k++ {
				q += 1 / float64(k)
			}
		}
		o := order(p, true)
		run := math.Inf(1)
		for k, idx := range o {
			i := n - float64(k)
			var v float64
			switch m {
			case Hochberg:
				v = (n - i + 1) * p[idx]
			case BH:
				v = n / i * p[idx]
			default:
				v = q * n / i * p[idx]
			}
			run = math.Min(run, v)
			out[idx] = math.Min(1, run)
		}
		return out, nil
	}
	return nil, fmt.Errorf("adjust p-values: unknown method %v", m)
}

// order returns the indices that sort p (stable, like R's order).
func order(p []float64, decreasing bool) []int {
	o := make([]int, len(p))
	for i := range o {
		o[i] = i
	}
	slices.SortStableFunc(o, func(a, b int) int {
		if decreasing {
			return cmp.Compare(p[b], p[a])
		}
		return cmp.Compare(p[a], p[b])
	})
	return o
}
