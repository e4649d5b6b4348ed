package stats

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
)

// SimulationConfLevel is the level of the interval reported with a Monte Carlo
// p-value.
const SimulationConfLevel = 0.99

// DefaultReplicates is the number of random tables a Monte Carlo Fisher test
// draws when none is given (R's default is 2000; more tables make the 99%
// interval about three times narrower for the cost of a second or so).
const DefaultReplicates = 20000

// MaxReplicates bounds FisherConfig.Replicates.
const MaxReplicates = 100_000_000

// MaxMonteCarloN is the largest table total the Monte Carlo test accepts: a
// random table costs about one step per unit of each cell's standard deviation,
// so a total of ten million keeps 20000 tables to seconds.
const MaxMonteCarloN = 10_000_000

// FisherConfig chooses how a Fisher test is run: exactly within Limits, and
// beyond them (or when the 2 × 2 support is too large) by Monte Carlo with
// Replicates random tables from a generator seeded with Seed.
type FisherConfig struct {
	Limits FisherLimits
	// Replicates is the number of random tables of the Monte Carlo fallback: 0
	// means DefaultReplicates, a negative value turns the fallback off (the
	// exact test's *TooLargeError is returned instead).
	Replicates int
	// Seed makes the simulation reproducible: the same table, Replicates and
	// Seed give the same p-value.
	Seed uint64
}

// DefaultFisherConfig is the exact test within DefaultFisherLimits and a Monte
// Carlo estimate from DefaultReplicates tables (seed 1) beyond them.
func DefaultFisherConfig() FisherConfig {
	return FisherConfig{Limits: DefaultFisherLimits(), Seed: 1}
}

// Simulation describes a Monte Carlo p-value: Hits of Replicates random tables
// with the observed margins were at most as probable as the observed table. The
// reported P is R's (1 + Hits)/(Replicates + 1); CI is the Clopper–Pearson
// interval at ConfLevel for the exact p-value, Hits/Replicates being an unbiased
// estimate of it.
type Simulation struct {
	Replicates int      `json:"replicates"`
	Seed       uint64   `json:"seed"`
	Hits       int      `json:"hits"`
	CI         Interval `json:"ci"`
	ConfLevel  float64  `json:"conf_level"`
	// Reason says why the exact test was not run (empty when the simulation
	// was asked for directly).
	Reason string `json:"reason,omitempty"`
}

// FisherMonteCarlo estimates the p-value of Fisher's exact test of an r × c
// table by simulation, as R's fisher.test(x, simulate.p.value = TRUE, B =
// replicates): random tables with the observed row and column totals are drawn
// (Patefield's algorithm, as R's r2dtable: each cell in turn from the
// hypergeometric distribution given what its row and column have left) and the
// p-value is (1 + hits)/(replicates + 1), hits counting the tables at most
// exp(3.45254e-7) times as probable as the observed one (the exact test's rule;
// R's simulation uses a relative tolerance of 64 ε instead, which differs only for
// tables whose probabilities tie to within 3.5e-7). The result carries a
// Simulation with the 99% interval and is labelled an estimate in Method.
// Empty rows and columns are dropped first.
func FisherMonteCarlo(t Table, replicates int, seed uint64) (Fisher, error) {
	if replicates < 1 || replicates > MaxReplicates {
		return Fisher{}, fmt.Errorf("fisher monte carlo: replicates = %d, want 1 to %d", replicates, MaxReplicates)
	}
	p, err := prepare(t)
	if err != nil {
		return Fisher{}, fmt.Errorf("fisher monte carlo: %w", err)
	}
	tab := p.t
	if n := tab.Total(); n > MaxMonteCarloN {
		return Fisher{}, fmt.Errorf("fisher monte carlo: %w", &TooLargeError{What: "total", Got: n, Limit: MaxMonteCarloN})
	}
	if tab.Rows() > tab.Cols() {
		tab = tab.Transpose() // fewer rows, fewer draws per table
	}
	s := newSampler(tab.RowSums(), tab.ColSums(), seed)
	obs := 0.0
	for _, r := range tab.Counts {
		for _, v := range r {
			obs -= s.lf(v)
		}
	}
	thr := obs + fexactTol
	hits := 0
	for range replicates {
		if s.draw(nil) <= thr {
			hits++
		}
	}
	sim := &Simulation{
		Replicates: replicates, Seed: seed, Hits: hits, ConfLevel: SimulationConfLevel,
		CI: ClopperPearson(hits, replicates, SimulationConfLevel),
	}
	return Fisher{
		FisherTest: FisherTest{
			P:           float64(1+hits) / float64(replicates+1),
			Alternative: TwoSided,
			Method: fmt.Sprintf("Fisher's exact test (%d x %d) with simulated p-value (Monte Carlo estimate from %d random tables, seed %d; %.0f%% interval [%.4g, %.4g])",
				p.t.Rows(), p.t.Cols(), replicates, seed, 100*SimulationConfLevel, sim.CI.Lo, sim.CI.Hi),
			Simulation: sim,
		},
		Diagnostics: p.diagnose,
	}, nil
}

// FisherAuto runs the exact test (Fisher2x2 or FisherRxCWithLimits) and, when it
// refuses the table as too large, the Monte Carlo estimate of cfg, whose
// Simulation.Reason keeps the refusal. With cfg.Replicates < 0 the refusal is
// returned.
func FisherAuto(t Table, cfg FisherConfig) (Fisher, error) {
	p, err := prepare(t)
	if err != nil {
		return Fisher{}, fmt.Errorf("fisher: %w", err)
	}
	var f Fisher
	if p.t.Rows() == 2 && p.t.Cols() == 2 {
		k := p.t.Counts
		f, err = Fisher2x2(k[0][0], k[0][1], k[1][0], k[1][1], TwoSided)
	} else {
		f, err = FisherRxCWithLimits(p.t, cfg.Limits)
	}
	var tooLarge *TooLargeError
	if err == nil || !errors.As(err, &tooLarge) || cfg.Replicates < 0 {
		f.Dropped = p.dropped
		return f, err
	}
	b := cfg.Replicates
	if b == 0 {
		b = DefaultReplicates
	}
	f, mcErr := FisherMonteCarlo(p.t, b, cfg.Seed)
	if mcErr != nil {
		return Fisher{}, errors.Join(err, mcErr)
	}
	f.Simulation.Reason = err.Error()
	f.Dropped = p.dropped
	return f, nil
}

// lfCache is how many log factorials a sampler tabulates; larger counts use
// Lgamma.
const lfCache = 1 << 20

// sampler draws random tables with fixed margins.
type sampler struct {
	rows, cols []int
	lft        []float64
	rng        *rand.Rand
	left       []int // column totals not yet placed
}

func newSampler(rows, cols []int, seed uint64) *sampler {
	n := 0
	for _, r := range rows {
		n += r
	}
	s := &sampler{rows: rows, cols: cols, lft: make([]float64, min(n, lfCache)+1),
		rng: rand.New(rand.NewPCG(seed, 0x6d6865616c7468)), left: make([]int, len(cols))}
	for k := 2; k < len(s.lft); k++ {
		s.lft[k] = lfact(k)
	}
	return s
}

func (s *sampler) lf(k int) float64 {
	if k < len(s.lft) {
		return s.lft[k]
	}
	return lfact(k)
}

// draw fills one random table row by row and returns its Σ −log n_ij!; out, when
// not nil, receives the cells.
func (s *sampler) draw(out [][]int) float64 {
	copy(s.left, s.cols)
	rest := 0 // units in the rows not yet filled
	for _, r := range s.rows {
		rest += r
	}
	v := 0.0
	last := len(s.rows) - 1
	put := func(i, j, x int) {
		if out != nil {
			out[i][j] = x
		}
	}
	for i, r := range s.rows[:last] {
		inRow := r // units of row i not yet placed
		pool := rest
		for j := range len(s.cols) - 1 {
			c := s.left[j]
			// Of the pool (rows i… × columns j…), inRow units are row i's and c
			// column j's; their overlap is hypergeometric.
			x := s.hyper(pool, inRow, c)
			put(i, j, x)
			v -= s.lf(x)
			inRow -= x
			s.left[j] -= x
			pool -= c
		}
		put(i, len(s.cols)-1, inRow)
		v -= s.lf(inRow)
		s.left[len(s.cols)-1] -= inRow
		rest -= r
	}
	for j, c := range s.left { // the last row takes what is left
		put(last, j, c)
		v -= s.lf(c)
	}
	return v
}

// hyper draws the number of marked units among k drawn without replacement from
// n units of which m are marked, by inversion from the mode outwards (the
// search visits about as many values as the standard deviation).
func (s *sampler) hyper(n, m, k int) int {
	lo, hi := max(0, k-(n-m)), min(k, m)
	if lo == hi {
		return lo
	}
	mode := int(float64(k+1) * float64(m+1) / float64(n+2))
	mode = min(max(mode, lo), hi)
	logc := s.lf(m) + s.lf(n-m) + s.lf(k) + s.lf(n-k) - s.lf(n)
	pmf := func(x int) float64 {
		return math.Exp(logc - s.lf(x) - s.lf(m-x) - s.lf(k-x) - s.lf(n-m-k+x))
	}
	u := s.rng.Float64()
	pm := pmf(mode)
	u -= pm
	if u <= 0 {
		return mode
	}
	// Walk down and up alternately, always to the more probable side, with the
	// ratio recurrences of the hypergeometric pmf.
	dn, up := mode-1, mode+1
	pd, pu := 0.0, 0.0
	if dn >= lo {
		pd = pm * float64(mode) * float64(n-m-k+mode) / (float64(m-mode+1) * float64(k-mode+1))
	}
	if up <= hi {
		pu = pm * float64(m-mode) * float64(k-mode) / (float64(mode+1) * float64(n-m-k+mode+1))
	}
	for dn >= lo || up <= hi {
		if up > hi || (dn >= lo && pd >= pu) {
			u -= pd
			if u <= 0 {
				return dn
			}
			x := dn
			dn--
			if dn >= lo {
				pd *= float64(x) * float64(n-m-k+x) / (float64(m-x+1) * float64(k-x+1))
			}
		} else {
			u -= pu
			if u <= 0 {
				return up
			}
			x := up
			up++
			if up <= hi {
				pu *= float64(m-x) * float64(k-x) / (float64(x+1) * float64(n-m-k+x+1))
			}
		}
	}
	// Rounding left a sliver of u: the mode is the most probable answer.
	return mode
}
