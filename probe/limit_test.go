package probe

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"
)

// fakeClock advances only when a waiter sleeps (or the test says so), so the buckets'
// arithmetic is checked by counting instead of timing.
type fakeClock struct {
	mu    sync.Mutex
	t     time.Time
	slept time.Duration
}

func newFakeClock() *fakeClock { return &fakeClock{t: time.Unix(1_000_000, 0)} }

func (c *fakeClock) clock() clock { return clock{now: c.now, sleep: c.sleep} }

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
	c.slept += d
	return nil
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func (c *fakeClock) total() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.slept
}

// near allows float rounding of a nanosecond per token.
func near(got, want time.Duration, tokens int) bool {
	d := got - want
	return d >= -time.Duration(tokens) && d <= time.Duration(tokens)
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
		{50, 40, 40, 0},                      // one endpoint's connections within the burst
		{50, 40, 90, time.Second},            // 50 more at 50/s
		{1000, 100, 1100, time.Second},       // the global default
		{-1, 1, 1000, 0},                     // unlimited
		{0.5, 0, 3, 4 * time.Second},         // burst below 1 is 1
		{1e6, 1, 1_000_001, 1 * time.Second}, // high rates do not lose time to rounding
		{3, 2, 2 + 3*7, 7 * time.Second},     // whole seconds of refill
		{7, 7, 7, 0},                         // exactly the burst
		{7, 7, 8, time.Second / 7},           // one past it
		{100, 1, 2, 10 * time.Millisecond},   // one refill interval
		{100, 100, 100 + 1, 10 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("rate=%v burst=%d n=%d", tt.rate, tt.burst, tt.n), func(t *testing.T) {
			clk := newFakeClock()
			b := newTokenBucket(tt.rate, tt.burst)
			for range tt.n {
				if err := b.wait(context.Background(), clk.clock()); err != nil {
					t.Fatal(err)
				}
			}
			if !near(clk.total(), tt.want, tt.n) {
				t.Errorf("%d tokens slept %v, want %v", tt.n, clk.total(), tt.want)
			}
			if b.count() != int64(tt.n) {
				t.Errorf("count %d, want %d", b.count(), tt.n)
			}
		})
	}
}

func TestTokenBucketRefillsAndCaps(t *testing.T) {
	clk := newFakeClock()
	b := newTokenBucket(10, 3)
	take := func() { b.wait(context.Background(), clk.clock()) }
	for range 3 {
		take()
	}
	clk.advance(time.Hour) // idle: the bucket refills only up to its burst
	for range 3 {
		take()
	}
	if clk.total() != 0 {
		t.Fatalf("slept %v within the burst", clk.total())
	}
	take()
	if !near(clk.total(), 100*time.Millisecond, 1) {
		t.Fatalf("slept %v for the fourth token, want 100ms", clk.total())
	}
	// Half a refill interval of idleness pays half the next wait.
	clk.advance(50 * time.Millisecond)
	take()
	if !near(clk.total(), 150*time.Millisecond, 2) {
		t.Fatalf("slept %v in all, want 150ms", clk.total())
	}
	if b.full(clk.now()) {
		t.Error("bucket full right after it was drained")
	}
	clk.advance(300 * time.Millisecond)
	if !b.full(clk.now()) {
		t.Error("bucket not full after refilling its burst")
	}
}

func TestTokenBucketCanceled(t *testing.T) {
	clk := newFakeClock()
	b := newTokenBucket(1, 1)
	b.wait(context.Background(), clk.clock())
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := b.wait(ctx, clk.clock()); err == nil {
		t.Fatal("wait on a canceled context succeeded")
	}
	if b.count() != 1 {
		t.Fatalf("count %d after a canceled wait, want 1", b.count())
	}
	// A waiter that gives up mid-sleep gives its token back: the next one waits one
	// interval, not two.
	sleepFails := clock{now: clk.now, sleep: func(context.Context, time.Duration) error { return context.Canceled }}
	if err := b.wait(context.Background(), sleepFails); err == nil {
		t.Fatal("wait whose sleep was canceled succeeded")
	}
	before := clk.total()
	b.wait(context.Background(), clk.clock())
	if got := clk.total() - before; !near(got, time.Second, 1) {
		t.Errorf("next waiter slept %v, want 1s (the canceled token given back)", got)
	}
}

// TestRateLimiterPerHost checks that hosts are paced independently, each with its own
// burst, under the global ceiling.
func TestRateLimiterPerHost(t *testing.T) {
	tests := []struct {
		name      string
		rate      float64
		burst     int
		hostRate  float64
		hostBurst int
		perHost   map[string]int // connections per host, taken host by host
		want      time.Duration
	}{
		{"one endpoint within the host burst", 1000, 100, 50, 40, map[string]int{"a": 34}, 0},
		{"two hosts each within its burst", 1000, 100, 50, 40, map[string]int{"a": 40, "b": 40}, 0},
		{"one host past its burst", 1000, 100, 50, 40, map[string]int{"a": 90}, time.Second},
		// 300 connections to 10 hosts: no host is past its burst, the global bucket
		// (burst 100, 1000/s) holds back the last 200 for 0.2 s.
		{"many hosts, the global ceiling", 1000, 100, 50, 40, hostsOf(10, 30), 200 * time.Millisecond},
		{"host rate unlimited", 1000, 100, -1, 1, map[string]int{"a": 100}, 0},
		{"both unlimited", -1, 1, -1, 1, hostsOf(5, 1000), 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := newFakeClock()
			l := newRateLimiter(tt.rate, tt.burst, tt.hostRate, tt.hostBurst, clk.clock())
			n := 0
			for host, k := range tt.perHost {
				for range k {
					if err := l.wait(context.Background(), host); err != nil {
						t.Fatal(err)
					}
					n++
				}
			}
			if !near(clk.total(), tt.want, 2*n) {
				t.Errorf("slept %v, want %v", clk.total(), tt.want)
			}
			if g, h := l.counts(); g != int64(n) || h != int64(n) {
				t.Errorf("counts global %d, hosts %d; want %d each", g, h, n)
			}
		})
	}
}

func hostsOf(hosts, conns int) map[string]int {
	m := map[string]int{}
	for i := range hosts {
		m[fmt.Sprintf("10.0.0.%d", i)] = conns
	}
	return m
}

// TestRateLimiterHostIsolation drains one host and checks that another host's first
// connection does not wait, while the drained host's next one waits its interval.
func TestRateLimiterHostIsolation(t *testing.T) {
	clk := newFakeClock()
	l := newRateLimiter(-1, 1, 10, 5, clk.clock())
	for range 5 {
		l.wait(context.Background(), "a")
	}
	l.wait(context.Background(), "b")
	if clk.total() != 0 {
		t.Fatalf("host b waited %v for host a's drained bucket", clk.total())
	}
	l.wait(context.Background(), "a")
	if !near(clk.total(), 100*time.Millisecond, 1) {
		t.Fatalf("host a's sixth connection slept %v, want 100ms", clk.total())
	}
}

// TestRateLimiterForgetsIdleHosts scans many hosts while one busy host stays in debt:
// buckets that have refilled are dropped (memory stays bounded), the busy host's bucket
// is kept (a new one would grant it a second burst), and the counts survive.
func TestRateLimiterForgetsIdleHosts(t *testing.T) {
	clk := newFakeClock()
	l := newRateLimiter(-1, 1, 10, 2, clk.clock())
	ctx := context.Background()
	l.wait(ctx, "busy")
	l.wait(ctx, "busy") // its burst is spent
	busy := l.hosts["busy"]
	const hosts = 10 * minPruneAt
	for i := range hosts {
		l.wait(ctx, fmt.Sprintf("host-%d", i)) // one token of two: full again after 100 ms
		l.wait(ctx, "busy")                    // 100 ms each: the only time that passes
		if l.hosts["busy"] != busy {
			t.Fatalf("after %d hosts the busy host's bucket was replaced", i+1)
		}
	}
	if want := hosts * 100 * time.Millisecond; !near(clk.total(), want, 3*hosts) {
		t.Errorf("busy host slept %v, want %v (no second burst)", clk.total(), want)
	}
	if l.forgotten == 0 || len(l.hosts) > 2*minPruneAt {
		t.Errorf("forgotten %d, %d buckets kept after %d hosts", l.forgotten, len(l.hosts), hosts)
	}
	if g, h := l.counts(); g != 2*hosts+2 || h != 2*hosts+2 {
		t.Errorf("counts global %d, hosts %d; want %d", g, h, 2*hosts+2)
	}
}

func TestRateLimiterCanceledGivesBothBack(t *testing.T) {
	clk := newFakeClock()
	l := newRateLimiter(1, 1, 1, 1, clk.clock())
	l.wait(context.Background(), "a")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := l.wait(ctx, "a"); err == nil {
		t.Fatal("wait on a canceled context succeeded")
	}
	if g, h := l.counts(); g != 1 || h != 1 {
		t.Fatalf("counts %d %d after a canceled wait, want 1 1", g, h)
	}
	// Host token granted, then the global wait is abandoned: the host token comes back.
	l2 := newRateLimiter(1, 1, 100, 5, clk.clock())
	l2.wait(context.Background(), "x") // drains the global bucket
	l2.clk = clock{now: clk.now, sleep: func(context.Context, time.Duration) error { return context.Canceled }}
	if err := l2.wait(context.Background(), "y"); err == nil {
		t.Fatal("wait whose global sleep failed succeeded")
	}
	if g, h := l2.counts(); g != 1 || h != 1 {
		t.Fatalf("counts %d %d after an abandoned global wait, want 1 1", g, h)
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
