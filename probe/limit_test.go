package probe

import (
	"context"
	"sync"
	"testing"
	"time"
)

// fakeClock advances only when a waiter sleeps, so the bucket's arithmetic can be
// checked by counting instead of timing.
type fakeClock struct {
	mu    sync.Mutex
	t     time.Time
	slept time.Duration
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) sleep(_ context.Context, d time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
	c.slept += d
	return nil
}

func TestTokenBucketRate(t *testing.T) {
	tests := []struct {
		rate  float64
		burst int
		n     int
		want  time.Duration // total sleep for n tokens taken back to back
	}{
		{10, 1, 1, 0},
		{10, 1, 101, 10 * time.Second},
		{50, 5, 105, 2 * time.Second},
		{-1, 1, 1000, 0}, // unlimited
	}
	for _, tt := range tests {
		clk := &fakeClock{t: time.Unix(0, 0)}
		b := newTokenBucket(tt.rate, tt.burst)
		b.now, b.sleep = clk.now, clk.sleep
		for range tt.n {
			if err := b.Wait(context.Background()); err != nil {
				t.Fatal(err)
			}
		}
		// Allow float rounding of a nanosecond per token.
		if d := clk.slept - tt.want; d < -time.Duration(tt.n) || d > time.Duration(tt.n) {
			t.Errorf("rate %v burst %d: %d tokens slept %v, want %v", tt.rate, tt.burst, tt.n, clk.slept, tt.want)
		}
		if b.count() != int64(tt.n) {
			t.Errorf("count %d, want %d", b.count(), tt.n)
		}
	}
}

func TestTokenBucketRefillsAndCaps(t *testing.T) {
	clk := &fakeClock{t: time.Unix(0, 0)}
	b := newTokenBucket(10, 3)
	b.now, b.sleep = clk.now, clk.sleep
	for range 3 {
		b.Wait(context.Background())
	}
	clk.t = clk.t.Add(time.Hour) // idle: the bucket refills only up to its burst
	for range 3 {
		b.Wait(context.Background())
	}
	if clk.slept != 0 {
		t.Fatalf("slept %v within the burst", clk.slept)
	}
	b.Wait(context.Background())
	if clk.slept != 100*time.Millisecond {
		t.Fatalf("slept %v for the fourth token, want 100ms", clk.slept)
	}
}

func TestTokenBucketCanceled(t *testing.T) {
	b := newTokenBucket(1, 1)
	b.Wait(context.Background())
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := b.Wait(ctx); err == nil {
		t.Fatal("Wait on a canceled context succeeded")
	}
	if b.count() != 1 {
		t.Fatalf("count %d after a canceled wait, want 1", b.count())
	}
}

func TestHostSlots(t *testing.T) {
	h := newHostSlots(2)
	ctx := context.Background()
	r1, _ := h.acquire(ctx, "a")
	r2, _ := h.acquire(ctx, "a")
	rb, _ := h.acquire(ctx, "b") // another host is not held up
	full, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := h.acquire(full, "a"); err == nil {
		t.Fatal("third slot on a full host granted")
	}
	got := make(chan struct{})
	go func() {
		r, err := h.acquire(ctx, "a")
		if err == nil {
			r()
		}
		close(got)
	}()
	r1()
	<-got
	r2()
	rb()
	if h.maxPeak() != 2 {
		t.Fatalf("peak %d, want 2", h.maxPeak())
	}
}
