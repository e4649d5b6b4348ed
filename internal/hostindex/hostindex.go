// Package hostindex numbers the endpoints of a study: keys made of a host name and a
// small number (a port, a scheme), 0, 1, 2 … in order of first appearance.
//
// A census has millions of endpoints, and both of a study's files name them: servers.csv
// (datasets numbers its rows' endpoints) and results.jsonl (analysis finds a row's
// result by its endpoint). A Go map keyed by host strings was the largest serial cost
// of both passes: several cache misses a lookup, and a pointer per endpoint for the
// garbage collector to trace. An Index holds no pointer per endpoint (the hosts lie back
// to back in one slice, the slots hold numbers), and a lookup is about one cache miss.
package hostindex

import (
	"hash/maphash"
	"math"
)

// Index numbers keys (host, extra). Its hash may be computed on any goroutine (Hash),
// which is where callers spend it; the other methods are for one goroutine at a time.
type Index struct {
	seed maphash.Seed
	// slots is a power of two long and at most half full, probed linearly from a key's
	// hash: a slot holds the hash's top 32 bits and the key's number + 1, or 0 if free.
	slots   []uint64
	hosts   []byte  // every key's host, back to back
	entries []entry // by number
	touched uint64  // what Touch read, kept so that it is read
}

// entry is a key of an Index: its host ends at hosts[end].
type entry struct {
	hash, extra uint64
	end         int
}

// New returns an Index sized for about sizeHint keys (0 if not known).
func New(sizeHint int) *Index {
	return &Index{seed: maphash.MakeSeed(), slots: make([]uint64, slotsFor(sizeHint)),
		entries: make([]entry, 0, sizeHint)}
}

// slotsFor is the index size for n keys: a power of two, at least 2n.
func slotsFor(n int) int {
	size := 16
	for size < 2*n {
		size *= 2
	}
	return size
}

// Hash is the hash of (host, extra) in x. It may run on any goroutine.
func (x *Index) Hash(host string, extra uint64) uint64 {
	return maphash.String(x.seed, host) ^ extra*0x9E3779B97F4A7C15
}

// Len returns how many keys x has numbered.
func (x *Index) Len() int { return len(x.entries) }

// Find returns the number of (host, extra), whose hash is h, and whether x has it.
func (x *Index) Find(host string, extra, h uint64) (uint32, bool) {
	mask := uint64(len(x.slots) - 1)
	tag := h >> 32 << 32
	for i := h & mask; ; i = (i + 1) & mask {
		slot := x.slots[i]
		if slot == 0 {
			return 0, false
		}
		if slot&^0xFFFFFFFF == tag {
			if n := uint32(slot) - 1; x.is(n, host, extra) {
				return n, true
			}
		}
	}
}

// Number returns the number of (host, extra), whose hash is h, numbering it if it is
// new; added reports that it was.
func (x *Index) Number(host string, extra, h uint64) (n uint32, added bool) {
	if n, ok := x.Find(host, extra, h); ok {
		return n, false
	}
	if len(x.entries) == math.MaxUint32-1 {
		// A slot holds a number + 1 in 32 bits: a servers.csv of hundreds of GB.
		panic("hostindex: more than 2^32-2 keys")
	}
	n = uint32(len(x.entries))
	x.hosts = append(x.hosts, host...)
	x.entries = append(x.entries, entry{hash: h, extra: extra, end: len(x.hosts)})
	if 2*len(x.entries) > len(x.slots) {
		x.slots = make([]uint64, 2*len(x.slots))
		for n := range x.entries {
			x.index(uint32(n))
		}
	} else {
		x.index(n)
	}
	return n, true
}

// Touch loads the slots of the keys hashed hs, which stand apart: the CPU waits for
// several at a time, where Number, which needs each slot before the next step, waits for
// one after the other. Called on a few hundred keys before they are numbered, it cut the
// time to number them by a third.
func (x *Index) Touch(hs func(yield func(uint64) bool)) {
	mask, sum := uint64(len(x.slots)-1), uint64(0)
	for h := range hs {
		sum += x.slots[h&mask]
	}
	x.touched = sum
}

// index puts key n in the first free slot from its hash on.
func (x *Index) index(n uint32) {
	h, mask := x.entries[n].hash, uint64(len(x.slots)-1)
	i := h & mask
	for x.slots[i] != 0 {
		i = (i + 1) & mask
	}
	x.slots[i] = h>>32<<32 | uint64(n+1)
}

// is reports whether key n is (host, extra).
func (x *Index) is(n uint32, host string, extra uint64) bool {
	e := &x.entries[n]
	start := 0
	if n > 0 {
		start = x.entries[n-1].end
	}
	return e.extra == extra && string(x.hosts[start:e.end]) == host
}
