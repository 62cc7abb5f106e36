package sim

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"sync"

	"github.com/kasse-pos/kasse/payments/epayment"
	"github.com/kasse-pos/kasse/payments/webhook"
)

// Bodies of the Webhooks API (webhooks.v1.yaml); payments/epayment has none.
type (
	registerRequest struct {
		URL    string   `json:"url"`
		Events []string `json:"events"`
	}
	registerResponse struct {
		ID     string `json:"id"`
		Secret string `json:"secret"`
	}
	webhookInfo struct {
		ID     string   `json:"id"`
		URL    string   `json:"url"`
		Events []string `json:"events"`
	}
	webhookList struct {
		Webhooks []webhookInfo `json:"webhooks"`
	}
)

// checkedInEvent is the QR API's check-in event, limited to one registration.
const checkedInEvent = "user.checked-in.v1"

// knownEvent reports whether the simulator can deliver an event type.
func knownEvent(typ string) bool {
	if typ == checkedInEvent {
		return true
	}
	for _, n := range []epayment.EventName{epayment.EventCreated, epayment.EventAborted, epayment.EventExpired,
		epayment.EventCancelled, epayment.EventCaptured, epayment.EventRefunded, epayment.EventAuthorized, epayment.EventTerminated} {
		if webhook.Type(n) == typ {
			return true
		}
	}
	return false
}

// registration is one registered webhook and its delivery queue.
type registration struct {
	id, msn, url, secret string
	events               []string

	ctx    context.Context // ends when the registration is deleted or the Sim closed
	cancel context.CancelFunc

	mu        sync.Mutex
	queue     []webhook.Event // pending, in delivery order; queue[0] is in flight
	held      *webhook.Event  // held back by the reorder fault
	holdTimer Timer
	wake      chan struct{} // signalled when the queue grows
}

func (r *registration) wants(typ string) bool { return slices.Contains(r.events, typ) }

func (r *registration) stop() {
	r.cancel()
	r.mu.Lock()
	if r.holdTimer != nil {
		r.holdTimer.Stop()
	}
	r.mu.Unlock()
}

func (r *registration) info() webhookInfo {
	return webhookInfo{ID: r.id, URL: r.url, Events: slices.Clone(r.events)}
}

func hookProblem(c call, field, reason string) *answer {
	return invalid(c.r, "", field, reason)
}

// registerWebhook answers POST /webhooks/v1/webhooks.
func (s *Sim) registerWebhook(c call) *answer {
	var req registerRequest
	if err := json.Unmarshal(c.body, &req); err != nil {
		return hookProblem(c, "body", "The body must be JSON with url and events.")
	}
	if reason := s.checkHookURL(req.URL); reason != "" {
		return hookProblem(c, "url", reason)
	}
	if len(req.Events) == 0 {
		return hookProblem(c, "events", "At least one event type is required.")
	}
	events := []string{}
	for _, typ := range req.Events {
		if !knownEvent(typ) {
			return hookProblem(c, "events", "Unknown event type "+strconv.Quote(typ)+".")
		}
		if slices.Contains(events, typ) {
			continue
		}
		limit := s.cfg.WebhookLimit
		if typ == checkedInEvent {
			limit = 1
		}
		n := 0
		for _, r := range s.regOrder {
			if r.msn == c.msn && r.wants(typ) {
				n++
			}
		}
		if n >= limit {
			return hookProblem(c, "events", "At most "+strconv.Itoa(limit)+" webhooks can be registered for "+typ+".")
		}
		events = append(events, typ)
	}
	secret := make([]byte, 64)
	rand.Read(secret)
	ctx, cancel := context.WithCancel(s.ctx)
	r := &registration{
		id: uuid4(), msn: c.msn, url: req.URL, events: events,
		secret: base64.StdEncoding.EncodeToString(secret),
		ctx:    ctx, cancel: cancel,
		wake: make(chan struct{}, 1),
	}
	s.regs[r.id] = r
	s.regOrder = append(s.regOrder, r)
	s.wg.Add(1)
	go s.deliverLoop(r)
	s.log.Info("webhook registered", "msn", c.msn, "id", r.id, "url", r.url, "events", events)
	return jsonAnswer(http.StatusCreated, ctJSON, registerResponse{ID: r.id, Secret: r.secret})
}

// checkHookURL returns why a URL cannot be registered, or "". Vipps requires
// HTTPS; the simulator also takes http:// on loopback, where a till's relay
// runs in demo mode, and anywhere with AllowPlainHTTPWebhooks.
func (s *Sim) checkHookURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || !u.IsAbs() || u.Host == "" {
		return "The URL must be an absolute https:// URL."
	}
	if u.Fragment != "" || u.User != nil {
		return "The URL must not have a fragment or user info."
	}
	switch u.Scheme {
	case "https":
		return ""
	case "http":
		if s.cfg.AllowPlainHTTPWebhooks || loopbackHost(u.Hostname()) {
			return ""
		}
		return "The URL must use HTTPS (plain http:// is accepted on loopback only)."
	}
	return "The URL must use HTTPS."
}

func loopbackHost(h string) bool {
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// listWebhooks answers GET /webhooks/v1/webhooks with the merchant's
// registrations, oldest first.
func (s *Sim) listWebhooks(c call) *answer {
	list := webhookList{Webhooks: []webhookInfo{}}
	for _, r := range s.regOrder {
		if r.msn == c.msn {
			list.Webhooks = append(list.Webhooks, r.info())
		}
	}
	return jsonAnswer(http.StatusOK, ctJSON, list)
}

// deleteWebhook answers DELETE /webhooks/v1/webhooks/{id}; events still queued
// for the registration are dropped.
func (s *Sim) deleteWebhook(c call) *answer {
	id := c.r.PathValue("id")
	r := s.regs[id]
	if r == nil || r.msn != c.msn {
		return hookProblem(c, "id", "No webhook with id "+id+" is registered for this merchant.")
	}
	delete(s.regs, id)
	s.regOrder = slices.DeleteFunc(s.regOrder, func(x *registration) bool { return x == r })
	r.stop()
	s.log.Info("webhook deleted", "msn", c.msn, "id", id)
	return &answer{status: http.StatusNoContent}
}
