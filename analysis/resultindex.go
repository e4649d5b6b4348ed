package analysis

import (
	"math"

	"github.com/mhealthsec/mhealthsec/internal/hostindex"
)

// resultIndex numbers the endpoints (lower-case host, port) of results in a
// hostindex.Index: no pointer per endpoint, so a result's host string is not kept alive
// by it, and about one cache miss a lookup. A census has millions of probed endpoints; a
// map keyed by host strings was the largest serial cost of the results pass.
type resultIndex struct{ *hostindex.Index }

func newResultIndex() resultIndex { return resultIndex{hostindex.New(0)} }

// hash is the key of e in the index. It may run on several goroutines at once.
func (x resultIndex) hash(e endpoint) uint64 { return x.Hash(e.host, uint64(e.port)) }

// find returns the number of e, whose hash is h, or -1.
func (x resultIndex) find(e endpoint, h uint64) int32 {
	if n, ok := x.Find(e.host, uint64(e.port), h); ok {
		return int32(n)
	}
	return -1
}

// number returns the number of e, whose hash is h, numbering it (0, 1, 2 … in order)
// if it is new; added reports that it was.
func (x resultIndex) number(e endpoint, h uint64) (n int32, added bool) {
	u, added := x.Number(e.host, uint64(e.port), h)
	if u > math.MaxInt32 {
		// Facts are numbered in int32, -1 for none: a results.jsonl of terabytes.
		panic("analysis: more than 2^31-1 probed endpoints")
	}
	return int32(u), added
}
