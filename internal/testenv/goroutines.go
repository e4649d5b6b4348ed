package testenv

import (
	"runtime"
	"testing"
	"time"
)

// StableGoroutines returns the goroutine count once it has stopped changing for 20 ms, so
// that what earlier tests left winding down does not count against the next one.
func StableGoroutines() int {
	n := runtime.NumGoroutine()
	for range 100 {
		time.Sleep(20 * time.Millisecond)
		m := runtime.NumGoroutine()
		if m == n {
			return n
		}
		n = m
	}
	return n
}

// NoLeakedGoroutines fails t, with every goroutine's stack, unless the goroutine count comes
// back to at most before within 3 s (connection goroutines end shortly after their sockets
// close, so the count is polled rather than read once).
func NoLeakedGoroutines(t testing.TB, before int) {
	t.Helper()
	n := runtime.NumGoroutine()
	for i := 0; i < 300 && n > before; i++ {
		time.Sleep(10 * time.Millisecond)
		n = runtime.NumGoroutine()
	}
	if n > before {
		buf := make([]byte, 1<<20)
		t.Errorf("%d goroutines left running, %d before:\n%s", n, before, buf[:runtime.Stack(buf, true)])
	}
}
