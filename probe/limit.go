package probe

import (
	"context"
	"sync"
	"time"
)

// Two token buckets pace new connections. The per-host bucket is the politeness limit: a
// server sees at most HostRate new connections per second from us after an initial burst
// that lets one endpoint's measurement start at once. The global bucket is a ceiling on
// the scan as a whole, protecting our own machine and network (sockets, NAT tables,
// links), not any one server.

// clock is the time source of the rate limiter; tests replace it to count rather than time.
type clock struct {
	now   func() time.Time
	sleep func(context.Context, time.Duration) error
}

func realClock() clock { return clock{now: time.Now, sleep: sleepCtx} }

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

// tokenBucket holds up to burst tokens and gains rate tokens per second. A taker reserves
// a token (the balance may go negative) and sleeps until it is theirs, so takers are
// served in arrival order without polling. A rate <= 0 means unlimited.
type tokenBucket struct {
	mu     sync.Mutex
	rate   float64
	burst  float64
	tokens float64
	last   time.Time // when tokens was last brought up to date; zero: never used
	taken  int64     // tokens handed out, for tests and stats
}

func newTokenBucket(rate float64, burst int) *tokenBucket {
	burst = max(burst, 1)
	return &tokenBucket{rate: rate, burst: float64(burst), tokens: float64(burst)}
}

// refill brings tokens up to now. Callers hold mu.
func (b *tokenBucket) refill(now time.Time) {
	if !b.last.IsZero() && now.After(b.last) {
		b.tokens = min(b.burst, b.tokens+now.Sub(b.last).Seconds()*b.rate)
	}
	if b.last.IsZero() || now.After(b.last) {
		b.last = now
	}
}

// reserve takes a token and says how long the taker must wait before using it.
func (b *tokenBucket) reserve(now time.Time) time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.taken++
	if b.rate <= 0 {
		return 0
	}
	b.refill(now)
	b.tokens--
	if b.tokens >= 0 {
		return 0
	}
	return time.Duration(-b.tokens / b.rate * float64(time.Second))
}

// unreserve gives back a token whose taker gave up waiting, so the next taker does not
// pay for it.
func (b *tokenBucket) unreserve() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.taken--
	if b.rate > 0 {
		b.tokens = min(b.burst, b.tokens+1)
	}
}

// full reports whether the bucket has refilled to its burst by now, so that forgetting it
// and starting a new one changes nothing.
func (b *tokenBucket) full(now time.Time) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.rate <= 0 {
		return true
	}
	b.refill(now)
	return b.tokens >= b.burst
}

func (b *tokenBucket) count() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.taken
}

// wait takes a token from b, sleeping on clk until it is due or ctx ends.
func (b *tokenBucket) wait(ctx context.Context, clk clock) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return b.await(ctx, clk, b.reserve(clk.now()))
}

// await sleeps d for a token already reserved, giving it back if ctx ends first.
func (b *tokenBucket) await(ctx context.Context, clk clock, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	if err := clk.sleep(ctx, d); err != nil {
		b.unreserve()
		return err
	}
	return nil
}

// rateLimiter paces new connections with one bucket per IP address and one over all.
type rateLimiter struct {
	clk       clock
	global    *tokenBucket
	hostRate  float64
	hostBurst int

	mu    sync.Mutex
	hosts map[string]*tokenBucket
	// pruneAt is the number of host buckets at which full ones are next forgotten, so a
	// scan of a million hosts keeps only the buckets that still hold back a connection.
	pruneAt int
	// forgotten counts host buckets dropped, forgottenTaken the tokens they had handed
	// out (tests, stats).
	forgotten, forgottenTaken int64
}

const minPruneAt = 64

func newRateLimiter(rate float64, burst int, hostRate float64, hostBurst int, clk clock) *rateLimiter {
	return &rateLimiter{
		clk:       clk,
		global:    newTokenBucket(rate, burst),
		hostRate:  hostRate,
		hostBurst: hostBurst,
		hosts:     map[string]*tokenBucket{},
		pruneAt:   minPruneAt,
	}
}

// wait returns when a new connection to host may be made: first under the host's rate,
// then under the global one (so the global budget is spent when the connection is made,
// not while it still waits for its host).
func (l *rateLimiter) wait(ctx context.Context, host string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	hb, d := l.reserveHost(host)
	if err := hb.await(ctx, l.clk, d); err != nil {
		return err
	}
	if err := l.global.wait(ctx, l.clk); err != nil {
		hb.unreserve() // the connection is not made: the host gets its token back too
		return err
	}
	return nil
}

// reserveHost reserves a token of host's bucket, making the bucket (and forgetting full
// ones) as needed. Reserving under mu means a bucket is never forgotten between being
// found and being charged, which would hand out a second burst.
func (l *rateLimiter) reserveHost(host string) (*tokenBucket, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.clk.now()
	b, ok := l.hosts[host]
	if !ok {
		if len(l.hosts) >= l.pruneAt {
			for h, old := range l.hosts {
				if old.full(now) {
					delete(l.hosts, h)
					l.forgotten++
					l.forgottenTaken += old.count()
				}
			}
			l.pruneAt = max(minPruneAt, 2*len(l.hosts))
		}
		b = newTokenBucket(l.hostRate, l.hostBurst)
		l.hosts[host] = b
	}
	return b, b.reserve(now)
}

// counts returns the tokens handed out by the global bucket and by all host buckets,
// forgotten ones included.
func (l *rateLimiter) counts() (global, hosts int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	hosts = l.forgottenTaken
	for _, b := range l.hosts {
		hosts += b.count()
	}
	return l.global.count(), hosts
}

// hostSlots bounds how many endpoints (or connections) of one IP address are in use at once.
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
