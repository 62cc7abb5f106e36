package sim

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/kasse-pos/kasse/payments/webhook"
)

// enqueue queues an event for one registration, applying the duplicate and
// reorder faults. Call with s.mu held.
func (s *Sim) enqueue(r *registration, ev webhook.Event) {
	dup, hold, holdFor := s.faults.webhookFaults()
	r.mu.Lock()
	defer r.mu.Unlock()
	if hold && r.held == nil {
		// Held back until the next event for this registration has been queued
		// (or holdFor has passed), so it arrives after a later event.
		held := ev
		r.held = &held
		r.holdTimer = s.clock.AfterFunc(holdFor, func() { r.release() })
		if dup {
			r.queue = append(r.queue, ev)
		}
	} else {
		r.queue = append(r.queue, ev)
		if dup {
			r.queue = append(r.queue, ev)
		}
		if r.held != nil {
			r.holdTimer.Stop()
			r.queue = append(r.queue, *r.held)
			r.held = nil
		}
	}
	r.signal()
}

func (r *registration) release() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.held != nil {
		r.queue = append(r.queue, *r.held)
		r.held = nil
		r.signal()
	}
}

// signal wakes the delivery goroutine. Call with r.mu held.
func (r *registration) signal() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// deliverLoop is the one goroutine per registration: it posts the queued
// events in order, each retried until it succeeds, so a slow or failing
// receiver holds back only its own later events and never the API.
func (s *Sim) deliverLoop(r *registration) {
	defer s.wg.Done()
	for {
		r.mu.Lock()
		if len(r.queue) == 0 {
			r.mu.Unlock()
			select {
			case <-r.wake:
				continue
			case <-r.ctx.Done():
				return
			}
		}
		ev := r.queue[0]
		r.mu.Unlock()
		s.deliver(r, ev)
		if r.ctx.Err() != nil {
			return
		}
		r.mu.Lock()
		r.queue = r.queue[1:]
		r.mu.Unlock()
	}
}

// deliver posts one event until the receiver answers 2xx, retrying with
// exponential backoff (WebhookRetryMin doubling up to WebhookRetryMax) and
// dropping the event after WebhookRetryFor, as Vipps does.
func (s *Sim) deliver(r *registration, ev webhook.Event) {
	body, err := json.Marshal(ev)
	if err != nil {
		s.log.Error("webhook: marshal event", "err", err)
		return
	}
	first := s.clock.Now()
	wait := s.cfg.WebhookRetryMin
	for attempt := 1; ; attempt++ {
		err := s.post(r, body)
		if err == nil {
			s.log.Info("webhook delivered", "id", r.id, "reference", ev.Reference, "event", ev.Name, "attempt", attempt)
			return
		}
		if r.ctx.Err() != nil {
			return
		}
		if s.clock.Now().Sub(first) >= s.cfg.WebhookRetryFor {
			s.log.Warn("webhook dropped after retrying", "id", r.id, "reference", ev.Reference, "event", ev.Name, "attempts", attempt, "err", err)
			return
		}
		s.log.Warn("webhook delivery failed", "id", r.id, "reference", ev.Reference, "event", ev.Name, "attempt", attempt, "retry_in", wait, "err", err)
		if !s.sleep(r.ctx, wait) {
			return
		}
		wait = min(2*wait, s.cfg.WebhookRetryMax)
	}
}

// post makes one signed delivery attempt.
func (s *Sim) post(r *registration, body []byte) error {
	req, err := http.NewRequestWithContext(r.ctx, http.MethodPost, r.url, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("webhook: build request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	webhook.Sign(req, body, r.secret, s.clock.Now())
	resp, err := s.hooks.Do(req)
	if err != nil {
		return fmt.Errorf("webhook: post %s: %w", r.url, err)
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("webhook: %s answered %s", r.url, resp.Status)
	}
	return nil
}

// sleep waits d on the simulator's clock; false if ctx ended first.
func (s *Sim) sleep(ctx context.Context, d time.Duration) bool {
	done := make(chan struct{})
	t := s.clock.AfterFunc(d, func() { close(done) })
	select {
	case <-done:
		return true
	case <-ctx.Done():
		t.Stop()
		return false
	}
}
