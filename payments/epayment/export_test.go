package epayment

import (
	"context"
	"sync"
	"time"
)

// SetClock makes c read the time from now, for token expiry tests.
func SetClock(c *Client, now func() time.Time) { c.now = now }

// Sleeps records the waits c would make between attempts, instead of making
// them, and returns a function that reports them.
func Sleeps(c *Client) func() []time.Duration {
	var mu sync.Mutex
	var waits []time.Duration
	c.sleep = func(ctx context.Context, d time.Duration) error {
		mu.Lock()
		waits = append(waits, d)
		mu.Unlock()
		return ctx.Err()
	}
	return func() []time.Duration {
		mu.Lock()
		defer mu.Unlock()
		return append([]time.Duration(nil), waits...)
	}
}
