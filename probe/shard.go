package probe

import (
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"
)

// Shard is one part K of a target list split into N parts (0 ≤ K < N), for scans spread
// over the machines of a cluster. The zero Shard (N = 0) is the whole list.
//
// A target's part is a hash of its grouping key (ShardKey), not of its position in the
// list, so it does not depend on the order of the list, on the machine or on the run: a
// rerun of shard K, on any machine, measures the same endpoints, and a shard resumes from
// its own output alone.
type Shard struct {
	K, N int
}

// Whole reports whether s is the whole list (no sharding).
func (s Shard) Whole() bool { return s.N <= 1 }

// String is "K/N", the form ParseShard reads.
func (s Shard) String() string { return fmt.Sprintf("%d/%d", s.K, s.N) }

// Has reports whether t falls in s.
func (s Shard) Has(t Target) bool {
	return s.Whole() || ShardOf(t, s.N) == s.K
}

// Filter returns the targets that fall in s, in their order.
func (s Shard) Filter(targets []Target) []Target {
	if s.Whole() {
		return targets
	}
	var out []Target
	for _, t := range targets {
		if s.Has(t) {
			out = append(out, t)
		}
	}
	return out
}

// ShardKey is what decides a target's shard: the address a name is pinned to (--resolve,
// Target.Addr), else its host as written in the target list, an IP literal or a
// lowercased host name.
//
// Politeness (--host-rate, --per-host) is enforced per IP address inside one process, so
// every endpoint of one IP must be in one shard, or N machines would each send that IP its
// full rate. For an IP literal or a pinned name the key is the IP itself, which is exact.
// For a host name the IP is not known before resolution, and resolving to choose the
// shard would make the partition depend on the resolver, the machine's location and the
// hour (DNS answers differ by all three), so a rerun of a shard would measure other
// endpoints. The host name is the stable stand-in: all ports of one host land in one
// shard. The caveat: distinct names that resolve to one address (shared hosting, CDNs)
// can land in different shards, and that address then sees up to N times --host-rate.
// Where that matters, resolve the list once beforehand and pin the names (--resolve) or
// give IP literals (with their server names), or divide --host-rate by N.
func ShardKey(t Target) string {
	if t.Addr.IsValid() {
		return t.Addr.String()
	}
	return t.Host
}

// ShardOf returns the part, 0 to n-1, of t among n parts: FNV-1a (64-bit) of ShardKey
// modulo n. FNV-1a is specified byte for byte, so every machine and Go version agrees.
func ShardOf(t Target, n int) int {
	if n <= 1 {
		return 0
	}
	h := fnv.New64a()
	h.Write([]byte(ShardKey(t)))
	return int(h.Sum64() % uint64(n))
}

// ParseShard reads "K/N" with 0 ≤ K < N (K counts from 0, like Kubernetes'
// JOB_COMPLETION_INDEX).
func ParseShard(s string) (Shard, error) {
	ks, ns, ok := strings.Cut(strings.TrimSpace(s), "/")
	if !ok {
		return Shard{}, fmt.Errorf("shard %q: want K/N, such as 0/4 (K counts from 0)", s)
	}
	k, errK := strconv.Atoi(ks)
	n, errN := strconv.Atoi(ns)
	if errK != nil || errN != nil {
		return Shard{}, fmt.Errorf("shard %q: want K/N with whole numbers, such as 0/4", s)
	}
	return newShard(k, n, fmt.Sprintf("shard %q", s))
}

func newShard(k, n int, what string) (Shard, error) {
	switch {
	case n < 1:
		return Shard{}, fmt.Errorf("%s: the number of shards must be at least 1, got %d", what, n)
	case k < 0 || k >= n:
		return Shard{}, fmt.Errorf("%s: shard index must be 0 to %d (it counts from 0), got %d", what, n-1, k)
	}
	return Shard{K: k, N: n}, nil
}

// Environment variables ShardFromEnv reads.
const (
	EnvSlurmTaskID    = "SLURM_ARRAY_TASK_ID"
	EnvSlurmTaskCount = "SLURM_ARRAY_TASK_COUNT"
	EnvSlurmTaskMin   = "SLURM_ARRAY_TASK_MIN"
	EnvSlurmTaskStep  = "SLURM_ARRAY_TASK_STEP"
	EnvSlurmTaskMax   = "SLURM_ARRAY_TASK_MAX"
	EnvJobIndex       = "JOB_COMPLETION_INDEX"
)

// ShardFromEnv chooses the shard of a scan from the scheduler's environment when no
// explicit K/N is given. shards is the --shards flag (0 when not given). getenv is
// os.Getenv or a stand-in. It returns the shard and a sentence saying where it came from
// ("" for the whole list).
//
//   - Kubernetes Indexed Job: K = JOB_COMPLETION_INDEX, N = shards (the Job's completions,
//     which Kubernetes does not put in the environment, so --shards is required).
//   - Slurm job array: K = (SLURM_ARRAY_TASK_ID − SLURM_ARRAY_TASK_MIN) / STEP, N =
//     SLURM_ARRAY_TASK_COUNT. Arrays may start at any ID (--array=1-8) and step
//     (--array=0-14:2); an irregular list (--array=1,4,9), where MAX is not MIN +
//     (COUNT−1)·STEP, is refused, since the task ID no longer gives the index. If shards
//     is given it must equal the task count.
//   - Otherwise, with shards > 1 and no index, it is an error; else the whole list.
func ShardFromEnv(getenv func(string) string, shards int) (Shard, string, error) {
	if shards < 0 {
		return Shard{}, "", fmt.Errorf("--shards must be at least 1, got %d", shards)
	}
	if v := getenv(EnvJobIndex); v != "" {
		k, err := strconv.Atoi(v)
		if err != nil {
			return Shard{}, "", fmt.Errorf("%s=%q is not a whole number", EnvJobIndex, v)
		}
		if shards == 0 {
			return Shard{}, "", fmt.Errorf("%s=%s is set (a Kubernetes Indexed Job) but the number of shards is not: pass --shards N (the Job's completions), or --shard 0/1 to scan the whole list", EnvJobIndex, v)
		}
		s, err := newShard(k, shards, fmt.Sprintf("%s=%s with --shards %d", EnvJobIndex, v, shards))
		return s, fmt.Sprintf("shard %v from %s=%s and --shards %d", s, EnvJobIndex, v, shards), err
	}
	if v := getenv(EnvSlurmTaskID); v != "" {
		num := func(name, def string) (int, error) {
			s := getenv(name)
			if s == "" {
				s = def
			}
			n, err := strconv.Atoi(s)
			if err != nil {
				return 0, fmt.Errorf("%s=%q is not a whole number", name, s)
			}
			return n, nil
		}
		id, err := num(EnvSlurmTaskID, "")
		if err != nil {
			return Shard{}, "", err
		}
		if getenv(EnvSlurmTaskCount) == "" {
			return Shard{}, "", fmt.Errorf("%s=%s is set but %s is not: pass --shard K/N", EnvSlurmTaskID, v, EnvSlurmTaskCount)
		}
		count, err := num(EnvSlurmTaskCount, "")
		if err != nil {
			return Shard{}, "", err
		}
		lo, err := num(EnvSlurmTaskMin, "0")
		if err != nil {
			return Shard{}, "", err
		}
		step, err := num(EnvSlurmTaskStep, "1")
		if err != nil {
			return Shard{}, "", err
		}
		hi, err := num(EnvSlurmTaskMax, strconv.Itoa(lo+(count-1)*step))
		if err != nil {
			return Shard{}, "", err
		}
		// Only a regular range (--array=MIN-MAX[:STEP]) maps task IDs onto 0..COUNT-1; an
		// irregular list (--array=1,4,9) does not, whatever STEP says.
		if step < 1 || hi != lo+(count-1)*step || (id-lo)%step != 0 {
			return Shard{}, "", fmt.Errorf("the Slurm array is not a regular range (ID %d, MIN %d, MAX %d, STEP %d, COUNT %d): use --array=0-%d, or pass --shard K/N", id, lo, hi, step, count, count-1)
		}
		if shards != 0 && shards != count {
			return Shard{}, "", fmt.Errorf("--shards %d differs from %s=%d", shards, EnvSlurmTaskCount, count)
		}
		what := fmt.Sprintf("%s=%d (MIN %d, STEP %d, COUNT %d)", EnvSlurmTaskID, id, lo, step, count)
		s, err := newShard((id-lo)/step, count, what)
		return s, fmt.Sprintf("shard %v from %s", s, what), err
	}
	if shards > 1 {
		return Shard{}, "", fmt.Errorf("--shards %d without an index: pass --shard K/N, or run as a Slurm array task or Kubernetes Indexed Job", shards)
	}
	return Shard{}, "", nil
}
