package hostindex

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

type key struct {
	host  string
	extra uint64
}

// Keys whose hashes collide keep their own numbers, also when the index grows.
func TestCollisions(t *testing.T) {
	x := New(0)
	keys := []key{{"one.example", 443<<1 | 1}, {"one.example", 443 << 1}, {"two.example", 443<<1 | 1},
		{"one.example", 8443<<1 | 1}, {"one.exampl", 443<<1 | 1}}
	for i := 0; i < 40; i++ {
		keys = append(keys, key{fmt.Sprintf("h%d.example", i), 443})
	}
	slots := len(x.slots)
	const h = 0x1234_5678_9abc_def0 // every key's hash
	for i, k := range keys {
		if _, ok := x.Find(k.host, k.extra, h); ok {
			t.Fatalf("%+v found before it was numbered", k)
		}
		if n, added := x.Number(k.host, k.extra, h); n != uint32(i) || !added {
			t.Fatalf("%+v numbered %d (added %v), want %d", k, n, added, i)
		}
	}
	for i, k := range keys {
		if n, added := x.Number(k.host, k.extra, h); n != uint32(i) || added {
			t.Errorf("%+v again: %d (added %v), want %d", k, n, added, i)
		}
		if n, ok := x.Find(k.host, k.extra, h); n != uint32(i) || !ok {
			t.Errorf("Find(%+v) = %d, %v; want %d", k, n, ok, i)
		}
	}
	if _, ok := x.Find("three.example", 443, h); ok {
		t.Error("a key never numbered was found")
	}
	if x.Len() != len(keys) || len(x.slots) <= slots {
		t.Errorf("%d keys in %d slots (from %d); want %d in more", x.Len(), len(x.slots), slots, len(keys))
	}
}

// An Index numbers as a map from key to number does, on random keys and real hashes,
// across growth of its slots.
func TestMatchesMap(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 4))
	x := New(0)
	want := map[key]uint32{}
	for i := 0; i < 20000; i++ {
		k := key{fmt.Sprintf("h%d.example", rng.IntN(5000)), uint64(rng.IntN(6))}
		n, ok := want[k]
		if !ok {
			n = uint32(len(want))
			want[k] = n
		}
		h := x.Hash(k.host, k.extra)
		x.Touch(func(yield func(uint64) bool) { yield(h) })
		if got, added := x.Number(k.host, k.extra, h); got != n || added == ok {
			t.Fatalf("step %d: %+v numbered %d (added %v), want %d (new %v)", i, k, got, added, n, !ok)
		}
	}
}

// BenchmarkNumber numbers a million keys, each met four times, as the servers.csv pass
// of a 10^7-row study does per batch.
func BenchmarkNumber(b *testing.B) {
	hosts := make([]string, 1<<20)
	for i := range hosts {
		hosts[i] = fmt.Sprintf("api%d.app%05d.example", i%25, i/25)
	}
	for b.Loop() {
		x := New(len(hosts))
		for range 4 {
			for _, h := range hosts {
				x.Number(h, 443, x.Hash(h, 443))
			}
		}
	}
}
