package sim_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/kasse-pos/kasse/payments/contract"
	"github.com/kasse-pos/kasse/payments/epayment"
	"github.com/kasse-pos/kasse/payments/sim"
)

// noReuse makes every request open its own connection. Go's transport retries
// a request that carries an Idempotency-Key by itself when a reused
// connection is dropped; a fault test must see the drop instead.
func (e *env) noReuse() {
	e.client = &http.Client{Transport: contract.Transport(&http.Transport{DisableKeepAlives: true}, e.report), Timeout: 10 * time.Second}
}

func TestFaultServerError(t *testing.T) {
	e := newEnv(t, nil)
	e.allow(500, 502, 503)
	e.sim.SetFaults(sim.Faults{ServerError: 1, Ops: []string{sim.OpCreatePayment}, Limit: 1})
	req := pushRequest("kasse-fault-5xx1", sim.PhoneApproves, 1000)
	key := newKey()
	r := e.must(http.MethodPost, "/epayment/v1/payments", key, req)
	if r.status < 500 || r.code(t) != "" {
		t.Fatalf("first create: %d %s, want a 5xx", r.status, r.body)
	}
	if n := len(e.sim.Ledger()); n != 0 {
		t.Fatalf("a 5xx fault did the work: %d payments", n)
	}
	if r := e.must(http.MethodPost, "/epayment/v1/payments", key, req); r.status != http.StatusCreated {
		t.Errorf("retry: %d %s", r.status, r.body)
	}
}

func TestFaultRateLimit(t *testing.T) {
	e := newEnv(t, nil)
	e.allow(http.StatusTooManyRequests, http.StatusNotFound)
	e.sim.SetFaults(sim.Faults{RateLimit: 1, RetryAfter: 3 * time.Second, Ops: []string{sim.OpGetPayment}})
	r := e.must(http.MethodGet, paymentPath("kasse-fault-429"), "", nil)
	if r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") != "3" {
		t.Errorf("%d Retry-After %q, want 429 with Retry-After 3", r.status, r.header.Get("Retry-After"))
	}
	e.sim.SetFaults(sim.Faults{})
	if r := e.must(http.MethodGet, paymentPath("kasse-fault-429"), "", nil); r.status != http.StatusNotFound {
		t.Errorf("after the faults were cleared: %d", r.status)
	}
}

func TestFaultHang(t *testing.T) {
	e := newEnv(t, nil)
	e.noReuse()
	e.client.Timeout = 100 * time.Millisecond
	e.sim.SetFaults(sim.Faults{Hang: 1, Ops: []string{sim.OpCreatePayment}})
	_, err := e.send(http.MethodPost, "/epayment/v1/payments", newKey(), pushRequest("kasse-fault-hang", sim.PhoneApproves, 1000))
	var ne interface{ Timeout() bool }
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("err = %v, want a client timeout", err)
	}
	if n := len(e.sim.Ledger()); n != 0 {
		t.Errorf("a hung request did the work: %d payments", n)
	}
}

func TestFaultDropBeforeWork(t *testing.T) {
	e := newEnv(t, nil)
	e.noReuse()
	e.sim.SetFaults(sim.Faults{DropBefore: 1, Ops: []string{sim.OpCreatePayment}, Limit: 1})
	req := pushRequest("kasse-fault-drop", sim.PhoneApproves, 1000)
	key := newKey()
	if _, err := e.send(http.MethodPost, "/epayment/v1/payments", key, req); err == nil {
		t.Fatal("the connection was not dropped")
	}
	if n := len(e.sim.Ledger()); n != 0 {
		t.Fatalf("dropped before the work, yet %d payments exist", n)
	}
	if r := e.must(http.MethodPost, "/epayment/v1/payments", key, req); r.status != http.StatusCreated {
		t.Errorf("retry: %d %s", r.status, r.body)
	}
}

// TestFaultDropAfterWork is the double charge: the capture happened but the
// answer was lost. The same key gets the original answer; nothing moves twice.
func TestFaultDropAfterWork(t *testing.T) {
	e := newEnv(t, nil)
	e.noReuse()
	ref := "kasse-fault-after"
	e.create(pushRequest(ref, sim.PhoneApproves, 5000))
	e.clock.Advance(sim.DefaultApproveDelay)
	e.sim.SetFaults(sim.Faults{DropAfter: 1, Ops: []string{sim.OpCapture}, Limit: 1})
	key := newKey()
	if _, err := e.send(http.MethodPost, paymentPath(ref, "capture"), key, modification(5000)); err == nil {
		t.Fatal("the capture's answer was not dropped")
	}
	if led, _ := e.sim.Payment(sim.DemoMSN, ref); led.Captures != 1 {
		t.Fatalf("captures after the lost answer = %d, want 1 (the work was done)", led.Captures)
	}
	r := e.must(http.MethodPost, paymentPath(ref, "capture"), key, modification(5000))
	if r.status != http.StatusOK {
		t.Fatalf("retry with the same key: %d %s", r.status, r.body)
	}
	var m epayment.ModificationResponse
	r.decode(t, &m)
	wantAggregate(t, m.Aggregate, 5000, 5000, 0, 0)
	r = e.must(http.MethodPost, paymentPath(ref, "capture"), newKey(), modification(5000))
	if r.status != http.StatusBadRequest || r.code(t) != sim.CodeCaptureTooHigh {
		t.Errorf("retry with a new key: %d %s, want 400/6090", r.status, r.body)
	}
	if led, _ := e.sim.Payment(sim.DemoMSN, ref); led.Captures != 1 || led.Outstanding() != 0 {
		t.Errorf("ledger = %+v, want captured exactly once", led)
	}
}

func TestFaultSlow(t *testing.T) {
	e := newEnv(t, nil)
	e.sim.SetFaults(sim.Faults{Slow: 1, SlowDelay: 50 * time.Millisecond, Ops: []string{sim.OpCreatePayment}})
	start := time.Now()
	e.create(pushRequest("kasse-fault-slow", sim.PhoneApproves, 1000))
	if d := time.Since(start); d < 50*time.Millisecond {
		t.Errorf("answered after %v, want at least the 50 ms SlowDelay", d)
	}
}

func TestFaultsAreDeterministic(t *testing.T) {
	e := newEnv(t, nil)
	e.allow(http.StatusNotFound, 500, 502, 503)
	run := func() []int {
		e.sim.SetFaults(sim.Faults{Seed: 42, ServerError: 0.5})
		var got []int
		for range 20 {
			got = append(got, e.must(http.MethodGet, paymentPath("kasse-determined"), "", nil).status)
		}
		return got
	}
	a, b := run(), run()
	if !slices.Equal(a, b) {
		t.Errorf("same seed, different faults:\n%v\n%v", a, b)
	}
	if !slices.Contains(a, http.StatusNotFound) || slices.Index(a, http.StatusNotFound) == -1 || !slices.ContainsFunc(a, func(s int) bool { return s >= 500 }) {
		t.Errorf("a rate of 0.5 over 20 requests gave %v", a)
	}
}

func TestFaultDuplicateWebhook(t *testing.T) {
	e := newEnv(t, nil)
	rc := newReceiver(t, e.clock)
	e.register(rc, allEvents)
	e.sim.SetFaults(sim.Faults{DuplicateWebhook: 1})
	e.create(pushRequest("kasse-fault-dup1", sim.PhoneApproves, 1000))
	a, b := rc.next(), rc.next()
	if a.Key() != b.Key() || a.Name != epayment.EventCreated {
		t.Errorf("deliveries %+v and %+v, want the same CREATED twice", a, b)
	}
}

func TestFaultReorderedWebhooks(t *testing.T) {
	e := newEnv(t, nil)
	rc := newReceiver(t, e.clock)
	e.register(rc, allEvents)
	e.sim.SetFaults(sim.Faults{ReorderWebhook: 1, ReorderHold: time.Minute})
	ref := "kasse-fault-order"
	e.create(pushRequest(ref, sim.PhoneApproves, 1000))
	e.clock.Advance(sim.DefaultApproveDelay)
	if got := rc.nextNames(2); !slices.Equal(got, []epayment.EventName{epayment.EventAuthorized, epayment.EventCreated}) {
		t.Errorf("webhooks = %v, want AUTHORIZED before CREATED", got)
	}
	// A held event with nothing behind it is released after ReorderHold.
	e.must(http.MethodPost, paymentPath(ref, "capture"), newKey(), modification(1000))
	e.clock.Advance(time.Minute)
	if ev := rc.next(); ev.Name != epayment.EventCaptured {
		t.Errorf("webhook = %s, want CAPTURED", ev.Name)
	}
}

func TestCloseReleasesHangingRequests(t *testing.T) {
	hanging := make(chan struct{}, 1)
	e := newEnv(t, func(c *sim.Config) {
		c.Logger = slog.New(&signalHandler{msg: "fault injected", c: hanging})
	})
	e.noReuse()
	e.sim.SetFaults(sim.Faults{Hang: 1, Ops: []string{sim.OpGetPayment}})
	done := make(chan error, 1)
	go func() {
		_, err := e.send(http.MethodGet, paymentPath("kasse-close-0001"), "", nil)
		done <- err
	}()
	select {
	case <-hanging:
	case <-time.After(10 * time.Second):
		t.Fatal("the request never reached the hang fault")
	}
	if err := e.sim.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err == nil {
			t.Error("a hanging request got an answer; want the connection dropped")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a hanging request outlived Close")
	}
}

// signalHandler is a slog.Handler that signals c on each record with message msg.
type signalHandler struct {
	msg string
	c   chan struct{}
}

func (h *signalHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h *signalHandler) Handle(_ context.Context, r slog.Record) error {
	if r.Message == h.msg {
		select {
		case h.c <- struct{}{}:
		default:
		}
	}
	return nil
}
func (h *signalHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *signalHandler) WithGroup(string) slog.Handler      { return h }
