package analysis

import "hash/maphash"

// resultIndex finds the facts of an endpoint (lower-case host, port) by number. It holds
// no pointer per endpoint: the hosts lie back to back in one slice and the map is keyed
// by a hash, so the garbage collector has nothing to trace in it, and a result's host
// string is not kept alive by it. A census has millions of probed endpoints; a map keyed
// by host strings was the largest serial cost of the results pass.
type resultIndex struct {
	seed  maphash.Seed
	first map[uint64]int32 // hash of an endpoint → number of the first endpoint with it
	// more numbers the endpoints whose hash an earlier, different endpoint has (rare).
	more  map[endpoint]int32
	hosts []byte       // every endpoint's host, back to back
	eps   []indexEntry // by number
}

// indexEntry is an endpoint of resultIndex: its host ends at hosts[end].
type indexEntry struct{ end, port int }

func newResultIndex() resultIndex {
	return resultIndex{seed: maphash.MakeSeed(), first: map[uint64]int32{}}
}

// hash is the key of e in first. It may run on several goroutines at once.
func (x *resultIndex) hash(e endpoint) uint64 {
	return maphash.String(x.seed, e.host) ^ uint64(e.port)*0x9E3779B97F4A7C15
}

// find returns the number of e, whose hash is h, or -1.
func (x *resultIndex) find(e endpoint, h uint64) int32 {
	n, ok := x.first[h]
	switch {
	case !ok:
		return -1
	case x.is(n, e):
		return n
	}
	if n, ok := x.more[e]; ok {
		return n
	}
	return -1
}

// add numbers e, whose hash is h and which find does not know: 0, 1, 2 … in order.
func (x *resultIndex) add(e endpoint, h uint64) int32 {
	n := int32(len(x.eps))
	x.hosts = append(x.hosts, e.host...)
	x.eps = append(x.eps, indexEntry{end: len(x.hosts), port: e.port})
	if _, taken := x.first[h]; !taken {
		x.first[h] = n
		return n
	}
	if x.more == nil {
		x.more = map[endpoint]int32{}
	}
	x.more[e] = n
	return n
}

// is reports whether endpoint n is e.
func (x *resultIndex) is(n int32, e endpoint) bool {
	start := 0
	if n > 0 {
		start = x.eps[n-1].end
	}
	return x.eps[n].port == e.port && string(x.hosts[start:x.eps[n].end]) == e.host
}
