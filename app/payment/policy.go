package payment

import (
	"context"
	"math/rand/v2"
	"sync"
	"time"
)

// Policy is Kasse's one retry and pause policy for payment calls: capped
// exponential backoff with jitter, never shorter than the API's Retry-After.
// The HTTP client is run with a single try per call, so these pauses are the
// only ones between tries.
type Policy struct {
	// Base is the first pause; each further pause doubles, up to Max.
	Base, Max time.Duration
}

// Delay is the pause before try n+1 (n counts from 0), at least retryAfter.
func (p Policy) Delay(n int, retryAfter time.Duration) time.Duration {
	base, max := p.Base, p.Max
	if base <= 0 {
		base = 2 * time.Second
	}
	if max < base {
		max = 30 * time.Second
	}
	d := base << min(n, 16)
	if d <= 0 || d > max {
		d = max
	}
	// 75–100 %: tills that lost the network together do not come back in step.
	d -= time.Duration(rand.Int64N(int64(d)/4 + 1))
	if retryAfter > d {
		d = retryAfter
	}
	return d
}

// Limit is a rate limit: Calls per Window.
type Limit struct {
	Calls  int
	Window time.Duration
}

// Budget keeps the writes to one payment within the API's rate limit: create,
// capture, cancel and refund each allow 5 calls per minute per reference
// (API-NOTES.md). A call beyond the budget waits for room instead of earning a
// 429.
type Budget struct {
	Calls  int           // per Window; 0 means 5
	Window time.Duration // 0 means one minute
	Now    func() time.Time

	mu   sync.Mutex
	sent map[string][]time.Time
}

// Wait returns when one more call of kind for reference fits in the budget,
// and counts it; or with ctx's error.
func (b *Budget) Wait(ctx context.Context, reference, kind string) error {
	for {
		d := b.take(reference + " " + kind)
		if d <= 0 {
			return nil
		}
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

// take counts a call and returns 0, or returns how long until one fits.
func (b *Budget) take(key string) time.Duration {
	calls, window, now := b.Calls, b.Window, time.Now
	if calls <= 0 {
		calls = 5
	}
	if window <= 0 {
		window = time.Minute
	}
	if b.Now != nil {
		now = b.Now
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.sent == nil {
		b.sent = map[string][]time.Time{}
	}
	t := now()
	kept := b.sent[key][:0]
	for _, at := range b.sent[key] {
		if t.Sub(at) < window {
			kept = append(kept, at)
		}
	}
	if len(kept) >= calls {
		b.sent[key] = kept
		return window - t.Sub(kept[0])
	}
	b.sent[key] = append(kept, t)
	if len(b.sent[key]) == 0 {
		delete(b.sent, key)
	}
	return 0
}
