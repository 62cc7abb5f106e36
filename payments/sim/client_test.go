package sim_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/kasse-pos/kasse/payments/contract"
	"github.com/kasse-pos/kasse/payments/epayment"
	"github.com/kasse-pos/kasse/payments/sim"
)

// client is the till's ePayment client pointed at the simulator, its traffic
// checked against the contract.
func (e *env) epaymentClient() *epayment.Client {
	e.t.Helper()
	c, err := epayment.New(epayment.Config{
		BaseURL:         e.base,
		ClientID:        sim.DemoClientID,
		ClientSecret:    sim.DemoClientSecret,
		SubscriptionKey: sim.DemoSubscriptionKey,
		MSN:             sim.DemoMSN,
		HTTPClient:      &http.Client{Transport: contract.Transport(nil, e.report), Timeout: 10 * time.Second},
		Logger:          slog.New(slog.NewTextHandler(io.Discard, nil)),
		Retry:           epayment.RetryPolicy{NoSleep: true},
	})
	if err != nil {
		e.t.Fatalf("epayment.New: %v", err)
	}
	return c
}

func TestClientSale(t *testing.T) {
	e := newEnv(t, nil)
	c := e.epaymentClient()
	ctx := context.Background()
	ref := "kasse-client-001"
	if _, err := c.CreatePayment(ctx, newKey(), pushRequest(ref, sim.PhoneApproves, 34900)); err != nil {
		t.Fatalf("CreatePayment: %v", err)
	}
	e.clock.Advance(sim.DefaultApproveDelay)
	p, err := c.GetPayment(ctx, ref)
	if err != nil || p.State != epayment.StateAuthorized {
		t.Fatalf("GetPayment = %+v, %v; want AUTHORIZED", p, err)
	}
	m, err := c.Capture(ctx, ref, newKey(), nok(34900))
	if err != nil {
		t.Fatalf("Capture: %v", err)
	}
	wantAggregate(t, m.Aggregate, 34900, 34900, 0, 0)
	evs, err := c.GetEvents(ctx, ref)
	if err != nil || len(evs) != 3 {
		t.Errorf("GetEvents = %d events, %v; want CREATED, AUTHORIZED, CAPTURED", len(evs), err)
	}
}

func TestClientDeclineAndExpiry(t *testing.T) {
	e := newEnv(t, nil)
	c := e.epaymentClient()
	ctx := context.Background()
	for _, phone := range []string{sim.PhoneDeclines, sim.PhoneNeverAnswers} {
		if _, err := c.CreatePayment(ctx, newKey(), pushRequest("kasse-client-"+phone, phone, 1000)); err != nil {
			t.Fatalf("CreatePayment: %v", err)
		}
	}
	e.clock.Advance(sim.DefaultApproveDelay)
	if p, err := c.GetPayment(ctx, "kasse-client-"+sim.PhoneDeclines); err != nil || p.State != epayment.StateAborted {
		t.Errorf("declining customer: %+v, %v; want ABORTED", p, err)
	}
	if p, err := c.GetPayment(ctx, "kasse-client-"+sim.PhoneNeverAnswers); err != nil || p.State != epayment.StateCreated {
		t.Errorf("silent customer before expiry: %+v, %v; want CREATED", p, err)
	}
	e.clock.Advance(sim.DefaultExpireAfter)
	if p, err := c.GetPayment(ctx, "kasse-client-"+sim.PhoneNeverAnswers); err != nil || p.State != epayment.StateExpired {
		t.Errorf("silent customer after ExpireAfter: %+v, %v; want EXPIRED", p, err)
	}
}

func TestClientAPIError(t *testing.T) {
	e := newEnv(t, nil)
	c := e.epaymentClient()
	ctx := context.Background()
	ref := "kasse-client-err"
	if _, err := c.CreatePayment(ctx, newKey(), pushRequest(ref, sim.PhoneApproves, 1000)); err != nil {
		t.Fatal(err)
	}
	_, err := c.Capture(ctx, ref, newKey(), nok(1000))
	var apiErr *epayment.APIError
	if !errors.As(err, &apiErr) || apiErr.Status != http.StatusBadRequest || apiErr.Code != sim.CodeCaptureBeforeAuth || apiErr.TraceID == "" {
		t.Fatalf("capture before authorization: %v; want an APIError 400/6080 with a traceId", err)
	}
	if !errors.Is(err, epayment.ErrInvalid) {
		t.Errorf("%v does not unwrap to ErrInvalid", err)
	}
	_, err = c.Cancel(ctx, ref, newKey(), true)
	if err != nil {
		t.Fatalf("cancel: %v", err)
	}
	if p, _ := c.GetPayment(ctx, ref); p.State != epayment.StateTerminated {
		t.Errorf("state after cancel = %s, want TERMINATED", p.State)
	}
}

// TestClientRetriesLostCapture: the simulator captures and then drops the
// connection; the client retries with the same key and gets the original
// answer, and the money moves once.
func TestClientRetriesLostCapture(t *testing.T) {
	e := newEnv(t, nil)
	c := e.epaymentClient()
	ctx := context.Background()
	ref := "kasse-client-retry"
	if _, err := c.CreatePayment(ctx, newKey(), pushRequest(ref, sim.PhoneApproves, 5000)); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(sim.DefaultApproveDelay)
	e.sim.SetFaults(sim.Faults{DropAfter: 1, Ops: []string{sim.OpCapture}, Limit: 1})
	m, err := c.Capture(ctx, ref, newKey(), nok(5000))
	if err != nil {
		t.Fatalf("Capture after a lost answer: %v", err)
	}
	wantAggregate(t, m.Aggregate, 5000, 5000, 0, 0)
	led, _ := e.sim.Payment(sim.DemoMSN, ref)
	if led.Captures != 1 || led.Outstanding() != 0 {
		t.Errorf("ledger: %d captures, %d outstanding; want exactly one capture", led.Captures, led.Outstanding())
	}

	e.allow(500, 502, 503)
	e.sim.SetFaults(sim.Faults{ServerError: 1, Ops: []string{sim.OpCreatePayment}, Limit: 2})
	if _, err := c.CreatePayment(ctx, newKey(), pushRequest("kasse-client-5xx", sim.PhoneApproves, 1000)); err != nil {
		t.Fatalf("CreatePayment through two 5xx: %v", err)
	}
	if n := len(e.sim.Ledger()); n != 2 {
		t.Errorf("%d payments, want 2", n)
	}
}
