package analysis

import "testing"

// Endpoints whose hashes collide are told apart by host and port.
func TestResultIndexCollisions(t *testing.T) {
	x := newResultIndex()
	a, b, c := endpoint{"a.example", 443}, endpoint{"b.example", 443}, endpoint{"a.example", 8443}
	const h = 42 // as if all three hashed alike
	for i, e := range []endpoint{a, b, c} {
		if n := x.find(e, h); n != -1 {
			t.Fatalf("%v found before it was added: %d", e, n)
		}
		if n, added := x.number(e, h); n != int32(i) || !added {
			t.Fatalf("%v numbered %d (added %v), want %d", e, n, added, i)
		}
	}
	tests := []struct {
		e    endpoint
		h    uint64
		want int32
	}{
		{a, h, 0}, {b, h, 1}, {c, h, 2},
		{endpoint{"c.example", 443}, h, -1},
		{a, h + 1, -1}, // another hash: not looked for among these
	}
	for _, tt := range tests {
		if got := x.find(tt.e, tt.h); got != tt.want {
			t.Errorf("find(%v, %d) = %d, want %d", tt.e, tt.h, got, tt.want)
		}
	}
	// With real hashes every endpoint is found under its own.
	y := newResultIndex()
	for i, e := range []endpoint{a, b, c} {
		y.number(e, y.hash(e))
		if n := y.find(e, y.hash(e)); n != int32(i) {
			t.Errorf("find(%v) = %d, want %d", e, n, i)
		}
	}
}
