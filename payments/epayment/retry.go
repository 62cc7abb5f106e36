package epayment

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// RetryPolicy says how often and how patiently the client repeats a call that
// failed in a way that may pass: network errors and timeouts, 5xx, 423, 429 and
// the Vipps codes 6160, 6250, 6260 and 6280. Other 4xx are never repeated. A
// repeated write carries the same Idempotency-Key and the identical body.
//
// The zero value means the defaults: 4 attempts, 250 ms base delay, 4 s cap.
type RetryPolicy struct {
	// MaxAttempts is the number of tries in all, the first included; 1 turns
	// retries off. Zero means 4. Mind the rate limit of 5 writes per minute
	// per reference.
	MaxAttempts int
	// BaseDelay is the wait before the first retry; the n-th retry waits
	// BaseDelay·n², capped at MaxDelay, less up to 25 % jitter. A Retry-After
	// answer waits at least as long as it asks (up to one minute; a longer
	// one ends the call with the *APIError and its RetryAfter).
	BaseDelay, MaxDelay time.Duration
	// NoSleep skips the waits, for tests. Retries still happen, and still stop
	// when the context is done.
	NoSleep bool
}

// Defaults of RetryPolicy's zero fields.
const (
	defaultMaxAttempts = 4
	defaultBaseDelay   = 250 * time.Millisecond
	defaultMaxDelay    = 4 * time.Second
	// maxRetryAfter is the longest Retry-After the client waits out itself.
	maxRetryAfter = time.Minute
)

func (p RetryPolicy) withDefaults() RetryPolicy {
	if p.MaxAttempts == 0 {
		p.MaxAttempts = defaultMaxAttempts
	}
	if p.BaseDelay == 0 {
		p.BaseDelay = defaultBaseDelay
	}
	if p.MaxDelay == 0 {
		p.MaxDelay = defaultMaxDelay
	}
	if p.MaxDelay < p.BaseDelay {
		p.MaxDelay = p.BaseDelay
	}
	return p
}

func (p RetryPolicy) validate() error {
	if p.MaxAttempts < 0 || p.BaseDelay < 0 || p.MaxDelay < 0 {
		return fmt.Errorf("%w: config: negative RetryPolicy field", ErrInvalid)
	}
	return nil
}

// errBadAnswer marks a 2xx answer whose body could not be read as the API
// promised. Sending again would not help.
var errBadAnswer = errors.New("unreadable answer")

// shouldRetry is the client's whole retry policy. err is what attempt number
// attempt (1-based) ended with; resend says whether sending the request again
// is safe even if the failed attempt reached the API (a GET or DELETE, a write
// with an idempotency key, or an attempt that never left the client).
func (c *Client) shouldRetry(ctx context.Context, err error, attempt int, resend bool) (bool, string) {
	if ctx.Err() != nil {
		return false, "context done"
	}
	if attempt >= c.retry.MaxAttempts {
		return false, "no attempts left"
	}
	if apiErr, ok := errors.AsType[*APIError](err); ok {
		switch {
		case !apiErr.Retryable():
			return false, "final answer"
		case apiErr.RetryAfter > maxRetryAfter:
			return false, "Retry-After too long"
		case apiErr.Status == http.StatusTooManyRequests:
			return true, "rate limited"
		case apiErr.Status == http.StatusLocked:
			return true, "locked"
		case !resend:
			return false, "not safe to resend"
		case apiErr.Status >= 500:
			return true, "server error"
		}
		return true, "retryable error code " + apiErr.Code
	}
	if errors.Is(err, errBadAnswer) {
		return false, "unreadable answer"
	}
	var certErr *tls.CertificateVerificationError
	var authErr x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	if errors.As(err, &certErr) || errors.As(err, &authErr) || errors.As(err, &hostErr) {
		return false, "TLS certificate error"
	}
	if !resend {
		return false, "network error, not safe to resend"
	}
	return true, "network error"
}

// delay is how long to wait before attempt+1: capped quadratic backoff with
// jitter, and never less than the answer's Retry-After.
func (c *Client) delay(attempt int, err error) time.Duration {
	d := c.retry.BaseDelay * time.Duration(attempt*attempt)
	if d > c.retry.MaxDelay || d <= 0 {
		d = c.retry.MaxDelay
	}
	d -= time.Duration(rand.Int64N(int64(d)/4 + 1)) // 75–100 %
	if apiErr, ok := errors.AsType[*APIError](err); ok && apiErr.RetryAfter > d {
		d = apiErr.RetryAfter
	}
	return d
}

// sleep waits d, or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// noSleep is sleep for RetryPolicy.NoSleep.
func noSleep(ctx context.Context, _ time.Duration) error { return ctx.Err() }

// parseRetryAfter reads a Retry-After header: delay-seconds or an HTTP date.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil {
		if s <= 0 {
			return 0
		}
		return time.Duration(min(s, 86400)) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}
