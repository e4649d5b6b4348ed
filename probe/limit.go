package probe

import (
	"context"
	"sync"
	"time"
)

// tokenBucket limits new connections per second across the whole scan. Waiters reserve a
// token (the balance may go negative) and sleep until it is theirs, so they are served in
// arrival order without polling.
type tokenBucket struct {
	mu     sync.Mutex
	rate   float64 // tokens per second; <= 0 means unlimited
	burst  float64
	tokens float64
	last   time.Time
	now    func() time.Time
	sleep  func(context.Context, time.Duration) error
	taken  int64 // tokens handed out, for tests and stats
}

func newTokenBucket(rate float64, burst int) *tokenBucket {
	if burst < 1 {
		burst = 1
	}
	return &tokenBucket{rate: rate, burst: float64(burst), tokens: float64(burst), now: time.Now, sleep: sleepCtx}
}

// Wait takes one token, sleeping until it is available or ctx ends.
func (b *tokenBucket) Wait(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	b.mu.Lock()
	b.taken++
	if b.rate <= 0 {
		b.mu.Unlock()
		return nil
	}
	now := b.now()
	if !b.last.IsZero() {
		b.tokens += now.Sub(b.last).Seconds() * b.rate
		if b.tokens > b.burst {
			b.tokens = b.burst
		}
	}
	b.last = now
	b.tokens--
	wait := time.Duration(0)
	if b.tokens < 0 {
		wait = time.Duration(-b.tokens / b.rate * float64(time.Second))
	}
	b.mu.Unlock()
	if wait == 0 {
		return nil
	}
	if err := b.sleep(ctx, wait); err != nil {
		// Give the reservation back so the next caller does not pay for it.
		b.mu.Lock()
		b.tokens++
		b.taken--
		b.mu.Unlock()
		return err
	}
	return nil
}

func (b *tokenBucket) count() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.taken
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// hostSlots bounds how many endpoints of one IP address are measured at once.
type hostSlots struct {
	mu    sync.Mutex
	limit int
	busy  map[string]int
	peak  int // most slots one host has held at once, for tests and stats
	wake  map[string]chan struct{}
}

func newHostSlots(limit int) *hostSlots {
	return &hostSlots{limit: limit, busy: map[string]int{}, wake: map[string]chan struct{}{}}
}

// acquire takes a slot for host; the returned func gives it back.
func (h *hostSlots) acquire(ctx context.Context, host string) (func(), error) {
	for {
		h.mu.Lock()
		if h.busy[host] < h.limit {
			h.busy[host]++
			h.peak = max(h.peak, h.busy[host])
			h.mu.Unlock()
			return func() { h.release(host) }, nil
		}
		ch, ok := h.wake[host]
		if !ok {
			ch = make(chan struct{})
			h.wake[host] = ch
		}
		h.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

func (h *hostSlots) release(host string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.busy[host]--
	if h.busy[host] == 0 {
		delete(h.busy, host)
	}
	if ch, ok := h.wake[host]; ok {
		close(ch) // wake every waiter; they race for the free slot
		delete(h.wake, host)
	}
}

func (h *hostSlots) maxPeak() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.peak
}
