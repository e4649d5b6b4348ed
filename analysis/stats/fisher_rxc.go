package stats

import (
	"cmp"
	"encoding/binary"
	"fmt"
	"math"
	"slices"
)

// FisherLimits bounds the work of the exact r × c test. The test enumerates
// partial tables column by column (a network algorithm in the manner of Mehta and
// Patel's FEXACT: nodes are the sorted remaining row totals, paths carry their
// probability so far, and whole sub-networks are settled at once by bounds on
// their most and least probable completions). Its cost grows roughly with the
// number of distinct (node, probability) pairs and of branches, which these
// limits cap.
type FisherLimits struct {
	// MaxN is the largest table total (default 10000).
	MaxN int
	// MaxCells is the largest number of cells r·c (default 100).
	MaxCells int
	// MaxWork caps the enumeration: every branch of a node into the next column
	// and every path passed along it counts one unit (default 20 million: a
	// few seconds and at most a few hundred MB on one core).
	MaxWork int
}

// DefaultFisherLimits returns the limits FisherRxC uses.
func DefaultFisherLimits() FisherLimits {
	return FisherLimits{MaxN: 10000, MaxCells: 100, MaxWork: 20_000_000}
}

// TooLargeError reports a table beyond FisherLimits. Use the chi-squared or G-test
// p-value instead, or a Monte Carlo test.
type TooLargeError struct {
	What       string // "total", "cells", "work" or (2 × 2) "support"
	Got, Limit int
}

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("table too large for the exact test: %s %d exceeds limit %d", e.What, e.Got, e.Limit)
}

// FisherRxC is Fisher's exact (Freeman–Halton) test of an r × c table: the p-value
// sums the probabilities of all tables with the observed margins that are at most
// exp(3.45254e-7) times as probable as the observed one, as R's fisher.test
// (FEXACT) does for tables larger than 2 × 2. Empty rows
// and columns are dropped first; a 2 × 2 table gives the same p as Fisher2x2.
// Tables beyond DefaultFisherLimits return a *TooLargeError.
func FisherRxC(t Table) (Fisher, error) {
	return FisherRxCWithLimits(t, DefaultFisherLimits())
}

// FisherRxCWithLimits is FisherRxC with explicit limits.
func FisherRxCWithLimits(t Table, lim FisherLimits) (Fisher, error) {
	p, err := prepare(t)
	if err != nil {
		return Fisher{}, fmt.Errorf("fisher r x c: %w", err)
	}
	f := Fisher{FisherTest: FisherTest{Alternative: TwoSided, Method: "Fisher's exact test (r x c, Freeman-Halton, network enumeration)"}, Diagnostics: p.diagnose}
	f.Warnings = nil
	tab := p.t
	if tab.Rows() == 2 && tab.Cols() == 2 {
		k := tab.Counts
		g, err := Fisher2x2(k[0][0], k[0][1], k[1][0], k[1][1], TwoSided)
		if err != nil {
			return Fisher{}, err
		}
		f.P = g.P
		return f, nil
	}
	if n := tab.Total(); n > lim.MaxN {
		return Fisher{}, fmt.Errorf("fisher r x c: %w", &TooLargeError{What: "total", Got: n, Limit: lim.MaxN})
	}
	if cells := tab.Rows() * tab.Cols(); cells > lim.MaxCells {
		return Fisher{}, fmt.Errorf("fisher r x c: %w", &TooLargeError{What: "cells", Got: cells, Limit: lim.MaxCells})
	}
	if tab.Rows() > tab.Cols() {
		tab = tab.Transpose() // fewer rows make fewer nodes
	}
	f.P, err = networkP(tab, lim.MaxWork)
	if err != nil {
		return Fisher{}, fmt.Errorf("fisher r x c: %w", err)
	}
	return f, nil
}

// fexactTol is how much more probable (in log) than the observed table a table
// may be and still count, in R's r × c code (FEXACT's TOL = 3.45254e-7). R's
// 2 × 2 code uses relErr = 1 + 1e-7 instead. Golden table 10 differs by 2e-6
// between the two rules, so each shape follows R's own.
const fexactTol = 3.45254e-7

// network is the state of one enumeration.
type network struct {
	lf      []float64 // lf[k] = log k!
	cols    []int     // column totals in processing order
	colRest []int     // colRest[k] = Σ cols[k:]
	thr     float64   // a complete path counts when its value ≤ thr
	logK    float64   // log of the margin constant: P(table) = exp(logK + value)
	work    int
	limit   int
}

// node is a set of partial tables with the same sorted remaining row totals; vals
// holds the distinct path values (Σ −log n_ij! so far) with their weights.
type node struct {
	rows          []int
	idx           map[int64]int
	vals          []pathVal
	total, hi, lo float64 // see bounds
}

type pathVal struct{ v, w float64 }

// valueKey merges path values equal up to rounding (different orders of the same
// sums); the weight keeps the exact mass of every merged path.
func valueKey(v float64) int64 { return int64(math.Round(v * 1e9)) }

func (nd *node) add(v, w float64) {
	k := valueKey(v)
	if i, ok := nd.idx[k]; ok {
		e := &nd.vals[i]
		e.w += w * math.Exp(v-e.v)
		return
	}
	nd.idx[k] = len(nd.vals)
	nd.vals = append(nd.vals, pathVal{v, w})
}

func networkP(t Table, limit int) (float64, error) {
	n := t.Total()
	nw := network{lf: make([]float64, n+1), limit: limit}
	for k := 1; k <= n; k++ {
		nw.lf[k] = lfact(k) // not a running sum of logs, whose error grows with k
	}
	rows, cols := t.RowSums(), t.ColSums()
	obs := 0.0
	for _, r := range t.Counts {
		for _, v := range r {
			obs -= nw.lf[v]
		}
	}
	nw.thr = obs + fexactTol
	nw.logK = -nw.lf[n]
	for _, r := range rows {
		nw.logK += nw.lf[r]
	}
	for _, c := range cols {
		nw.logK += nw.lf[c]
	}
	// Large columns first: their many branches meet the fewest surviving paths.
	nw.cols = slices.Clone(cols)
	slices.SortFunc(nw.cols, func(a, b int) int { return b - a })
	nw.colRest = make([]int, len(nw.cols)+1)
	for k := len(nw.cols) - 1; k >= 0; k-- {
		nw.colRest[k] = nw.colRest[k+1] + nw.cols[k]
	}
	start := slices.Clone(rows)
	slices.Sort(start)
	stage := map[string]*node{}
	root := &node{rows: start, idx: map[int64]int{}}
	root.total, root.hi, root.lo = nw.bounds(start, 0)
	p := 0.0
	switch {
	case root.hi <= nw.thr: // even the most probable table counts
		return 1, nil
	case root.lo > nw.thr:
		return 0, nil
	}
	root.add(0, 1)
	stage[rowKey(nil, start)] = root
	for k := range nw.cols {
		next := map[string]*node{}
		// Deterministic order keeps the floating-point sum reproducible.
		keys := make([]string, 0, len(stage))
		for key := range stage {
			keys = append(keys, key)
		}
		slices.Sort(keys)
		for _, key := range keys {
			q, err := nw.expand(stage[key], k, next)
			if err != nil {
				return 0, err
			}
			p += q
		}
		stage = next
	}
	return math.Min(1, p), nil
}

func rowKey(buf []byte, rows []int) string {
	buf = buf[:0]
	for _, r := range rows {
		buf = binary.AppendUvarint(buf, uint64(r))
	}
	return string(buf)
}

// bounds returns, for a node with row totals rows at stage k: the log of the
// summed mass of all its completions, an upper bound on the value of its most
// probable completion and a lower bound on the value of its least probable one.
// Both bounds are cheap relaxations; expand tightens hi when it matters.
func (nw *network) bounds(rows []int, k int) (total, hi, lo float64) {
	rest := nw.cols[k:]
	total = nw.lf[nw.colRest[k]]
	for _, r := range rows {
		total -= nw.lf[r]
	}
	for _, c := range rest {
		total -= nw.lf[c]
	}
	return total, math.Min(nw.evenSpread(rest, rows), nw.evenSpread(rows, rest)), nw.minFuture(rows, rest)
}

// expand passes the open paths of nd (stage k, columns k… still to fill) on to
// the nodes of stage k+1. Paths that a child's bounds settle are settled in bulk
// as the child is reached and never stored: the open paths are sorted by value,
// so those that count form a prefix whose mass is a running log-sum. It returns
// the probability of the paths it settled as counting.
func (nw *network) expand(nd *node, k int, next map[string]*node) (float64, error) {
	rest := nw.cols[k:]
	open := nd.vals
	p := 0.0
	if len(rest) > 2 {
		// The exact most probable completion (a small flow problem) settles more
		// paths than the relaxation; it is worth its cost only for nodes reached.
		hi := nw.mostProbable(nd.rows, rest)
		kept := open[:0]
		for _, pv := range open {
			if pv.v+hi <= nw.thr {
				p += pv.w * math.Exp(nw.logK+pv.v+nd.total)
			} else {
				kept = append(kept, pv)
			}
		}
		open = kept
	}
	if len(rest) == 2 {
		q, n := nw.joinLastTwo(nd.rows, rest, open)
		nw.work += n + len(open)
		if nw.work > nw.limit {
			return 0, &TooLargeError{What: "work", Got: nw.work, Limit: nw.limit}
		}
		return p + q, nil
	}
	slices.SortFunc(open, func(a, b pathVal) int { return cmp.Compare(a.v, b.v) })
	vs := make([]float64, len(open))
	cum := make([]float64, len(open)) // cum[i] = log Σ_{j ≤ i} w_j·exp(v_j)
	for i, pv := range open {
		vs[i] = pv.v
		cum[i] = pv.v + math.Log(pv.w)
		if i > 0 {
			cum[i] = logAddExp(cum[i-1], cum[i])
		}
	}
	m := len(nd.rows)
	cell := make([]int, m)
	child := make([]int, m)
	capRest := make([]int, m+1)
	for i := m - 1; i >= 0; i-- {
		capRest[i] = capRest[i+1] + nd.rows[i]
	}
	var buf []byte
	var err error
	var fill func(i, left int, inc float64)
	fill = func(i, left int, inc float64) {
		if err != nil {
			return
		}
		if i == m-1 {
			cell[i] = left
			inc -= nw.lf[left]
			for a := range m {
				child[a] = nd.rows[a] - cell[a]
			}
			slices.Sort(child)
			buf = []byte(rowKey(buf, child))
			c, ok := next[string(buf)]
			if !ok {
				c = &node{rows: slices.Clone(child), idx: map[int64]int{}}
				c.total, c.hi, c.lo = nw.bounds(c.rows, k+1)
				next[string(buf)] = c
			}
			// Paths with v+inc+hi ≤ thr count entirely; v+inc+lo > thr never do.
			nCount := upperIndex(vs, nw.thr-inc-c.hi)
			nOpen := upperIndex(vs, nw.thr-inc-c.lo)
			if nCount > 0 {
				p += math.Exp(nw.logK + inc + c.total + cum[nCount-1])
			}
			for _, pv := range open[nCount:nOpen] {
				c.add(pv.v+inc, pv.w)
			}
			nw.work += 1 + nOpen - nCount
			if nw.work > nw.limit {
				err = &TooLargeError{What: "work", Got: nw.work, Limit: nw.limit}
			}
			return
		}
		from := max(0, left-capRest[i+1])
		to := min(left, nd.rows[i])
		for v := from; v <= to; v++ {
			cell[i] = v
			fill(i+1, left-v, inc-nw.lf[v])
		}
	}
	fill(0, rest[0], 0)
	return p, err
}

// upperIndex returns the number of sorted values ≤ x.
func upperIndex(sorted []float64, x float64) int {
	i, _ := slices.BinarySearchFunc(sorted, x, func(v, x float64) int {
		if v <= x {
			return -1
		}
		return 1
	})
	return i
}

func logAddExp(a, b float64) float64 {
	if a < b {
		a, b = b, a
	}
	if math.IsInf(b, -1) {
		return a
	}
	return a + math.Log1p(math.Exp(b-a))
}

// mostProbable returns the largest Σ −log n_ij! over tables with the given totals:
// a minimum convex-cost flow (cost log n! per cell) built one unit at a time along
// shortest augmenting paths, which is exact because the marginal costs log(n+1)
// increase.
func (nw *network) mostProbable(rows, cols []int) float64 {
	r, c := len(rows), len(cols)
	x := make([]int, r*c)
	supply, demand := slices.Clone(rows), slices.Clone(cols)
	dist := make([]float64, r+c)
	prev := make([]int, r+c)
	units := 0
	for _, v := range rows {
		units += v
	}
	for range units {
		for i := range dist {
			dist[i], prev[i] = math.Inf(1), -1
		}
		for i := range r {
			if supply[i] > 0 {
				dist[i] = 0
			}
		}
		for range r + c {
			changed := false
			for i := range r {
				for j := range c {
					if d := dist[i] + nw.lnext(x[i*c+j]); d < dist[r+j]-1e-12 {
						dist[r+j], prev[r+j], changed = d, i, true
					}
					if x[i*c+j] > 0 {
						if d := dist[r+j] - nw.lnext(x[i*c+j]-1); d < dist[i]-1e-12 {
							dist[i], prev[i], changed = d, r+j, true
						}
					}
				}
			}
			if !changed {
				break
			}
		}
		best := -1
		for j := range c {
			if demand[j] > 0 && (best < 0 || dist[r+j] < dist[r+best]) {
				best = j
			}
		}
		// Walk back from the column, alternating forward and backward cells.
		v := r + best
		demand[best]--
		for {
			i := prev[v]
			x[i*c+v-r]++
			if prev[i] < 0 {
				supply[i]--
				break
			}
			col := prev[i]
			x[i*c+col-r]--
			v = col
		}
	}
	s := 0.0
	for _, v := range x {
		s -= nw.lf[v]
	}
	return s
}

// lnext is the cost of one more unit in a cell holding n: log(n+1).
func (nw *network) lnext(n int) float64 { return nw.lf[n+1] - nw.lf[n] }

// minFuture bounds from below the smallest Σ −log n_ij! over the completions with
// row totals rows and column totals cols: the larger of the optima with only the
// column totals kept (each total concentrated into the largest capacities) and
// with only the row totals kept.
func (nw *network) minFuture(rows, cols []int) float64 {
	return math.Max(nw.concentrate(cols, rows), nw.concentrate(rows, cols))
}

// evenSpread bounds the largest Σ −log n_ij! from above in the same way (call it
// both ways round and take the smaller). It returns Σ over totals of max Σ_i −log n_i! with Σ n_i = total and
// n_i ≤ caps[i]: water-filling, which is optimal for a concave separable objective.
func (nw *network) evenSpread(totals, caps []int) float64 {
	sorted := slices.Clone(caps)
	slices.Sort(sorted)
	s := 0.0
	for _, t := range totals {
		left, m := t, len(sorted)
		for i, c := range sorted {
			// The smallest capacities saturate first; the rest share evenly.
			share := left / (m - i)
			if c <= share {
				s -= nw.lf[c]
				left -= c
				continue
			}
			q, r := left/(m-i), left%(m-i)
			s -= float64(r)*nw.lf[q+1] + float64(m-i-r)*nw.lf[q]
			break
		}
	}
	return s
}

// concentrate returns Σ over totals of min Σ_i −log n_i! with Σ n_i = total and
// n_i ≤ caps[i]: filling the largest capacities first, which is optimal for a
// convex objective because that vector majorizes every feasible one.
func (nw *network) concentrate(totals, caps []int) float64 {
	sorted := slices.Clone(caps)
	slices.SortFunc(sorted, func(a, b int) int { return b - a })
	s := 0.0
	for _, t := range totals {
		left := t
		for _, c := range sorted {
			if left == 0 {
				break
			}
			v := min(c, left)
			s -= nw.lf[v]
			left -= v
		}
	}
	return s
}

// joinLastTwo settles open paths at a node with two columns left. Such a
// completion is fixed by its first column, so the node's completions are listed
// once, sorted by value with running log-sums of their mass, and each path finds
// the completions that count by binary search instead of being expanded.
// It also returns the number of completions listed.
func (nw *network) joinLastTwo(rows, rest []int, open []pathVal) (float64, int) {
	m := len(rows)
	capRest := make([]int, m+1)
	for i := m - 1; i >= 0; i-- {
		capRest[i] = capRest[i+1] + rows[i]
	}
	var fut []float64
	var fill func(i, left int, v float64)
	fill = func(i, left int, v float64) {
		if i == m-1 {
			fut = append(fut, v-nw.lf[left]-nw.lf[rows[i]-left])
			return
		}
		for n := max(0, left-capRest[i+1]); n <= min(left, rows[i]); n++ {
			fill(i+1, left-n, v-nw.lf[n]-nw.lf[rows[i]-n])
		}
	}
	fill(0, rest[0], 0)
	slices.Sort(fut)
	// cum[i] = log Σ_{j ≤ i} exp(fut[j])
	cum := make([]float64, len(fut))
	for i, v := range fut {
		if i == 0 {
			cum[i] = v
			continue
		}
		cum[i] = logAddExp(cum[i-1], v)
	}
	p := 0.0
	for _, pv := range open {
		// Number of completions with pv.v + f ≤ thr.
		k, _ := slices.BinarySearchFunc(fut, nw.thr-pv.v, func(f, target float64) int {
			if f <= target {
				return -1
			}
			return 1
		})
		if k > 0 {
			p += pv.w * math.Exp(nw.logK+pv.v+cum[k-1])
		}
	}
	return p, len(fut)
}
