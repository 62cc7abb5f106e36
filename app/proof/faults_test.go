package proof

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kasse-pos/kasse/app/checkout"
	"github.com/kasse-pos/kasse/app/station"
	"github.com/kasse-pos/kasse/payments/contract"
	"github.com/kasse-pos/kasse/payments/sim"
)

// startTill starts a till in this process over the world's journal, with every
// Vipps call checked against the contract. Calls time out after a second, so
// that a hanging answer turns into an unknown outcome quickly.
func (w *world) startTill(t *testing.T) (*station.Station, *cashier) {
	t.Helper()
	hc := &http.Client{Transport: contract.Transport(nil, t.Errorf), Timeout: time.Second}
	st, err := station.Start(context.Background(), w.cfg, station.Options{
		Logger: slog.New(slog.DiscardHandler), HTTPClient: hc, ResetRelayCursor: w.starts == 0,
	})
	if err != nil {
		t.Fatal(err)
	}
	w.starts++
	t.Cleanup(st.Close)
	c := &cashier{t: t, till: st.Till, st: st, wake: make(chan struct{}, 1), deadline: time.Now().Add(60 * time.Second)}
	st.Till.OnChange(c.poke)
	return st, c
}

// TestFaults sells through a till while the simulator misbehaves in one way
// at a time; each sale still ends captured once, with the receipt shown.
func TestFaults(t *testing.T) {
	create, capture := []string{sim.OpCreatePayment}, []string{sim.OpCapture}
	cases := []struct {
		name string
		f    sim.Faults
		// webhook faults are not counted as injected requests
		webhook bool
	}{
		{name: "5xx on create", f: sim.Faults{ServerError: 1, Limit: 1, Ops: create}},
		{name: "5xx on capture", f: sim.Faults{ServerError: 1, Limit: 2, Ops: capture}},
		{name: "429 with Retry-After on create", f: sim.Faults{RateLimit: 1, RetryAfter: time.Second, Limit: 1, Ops: create}},
		{name: "429 with Retry-After on capture", f: sim.Faults{RateLimit: 1, RetryAfter: time.Second, Limit: 1, Ops: capture}},
		{name: "create hangs", f: sim.Faults{Hang: 1, Limit: 1, Ops: create}},
		{name: "capture hangs", f: sim.Faults{Hang: 1, Limit: 1, Ops: capture}},
		{name: "create dropped before the work", f: sim.Faults{DropBefore: 1, Limit: 1, Ops: create}},
		{name: "capture dropped before the work", f: sim.Faults{DropBefore: 1, Limit: 1, Ops: capture}},
		{name: "create dropped after the work", f: sim.Faults{DropAfter: 1, Limit: 1, Ops: create}},
		{name: "capture dropped after the work", f: sim.Faults{DropAfter: 1, Limit: 1, Ops: capture}},
		// Every try of the capture is done or replayed, then dropped: the till
		// cannot know until it asks again after its own pause.
		{name: "capture dropped after the work, every try", f: sim.Faults{DropAfter: 1, Limit: 6, Ops: capture}},
		{name: "slow create", f: sim.Faults{Slow: 1, SlowDelay: 500 * time.Millisecond, Limit: 1, Ops: create}},
		{name: "slow capture", f: sim.Faults{Slow: 1, SlowDelay: 500 * time.Millisecond, Limit: 1, Ops: capture}},
		{name: "webhooks duplicated", f: sim.Faults{DuplicateWebhook: 1}, webhook: true},
		{name: "webhooks reordered", f: sim.Faults{ReorderWebhook: 1, ReorderHold: 500 * time.Millisecond}, webhook: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t)
			w.demo.Sim.SetFaults(c.f)
			st, cs := w.startTill(t)
			v := cs.sell(saleSpec{Products: basket, Phone: phoneApproves, Retries: 3})
			if v.Phase != checkout.PhaseDone || v.Receipt == nil || v.Receipt.Totals.Gross != 49800 {
				t.Fatalf("the sale ended %s (%s): %q", v.Phase, v.Outcome, v.Message)
			}
			// A second sale, for faults that wait for a later event.
			v = cs.sell(saleSpec{Products: []string{"P001"}, Phone: phoneApproves, Retries: 3})
			if v.Phase != checkout.PhaseDone {
				t.Fatalf("the second sale ended %s: %q", v.Phase, v.Message)
			}
			st.Close()
			w.audit().ok(t)
			requests, dups := w.faults.counts()
			switch {
			case c.webhook && c.f.DuplicateWebhook > 0 && dups == 0:
				t.Error("no webhook was delivered twice")
			case !c.webhook && requests == 0:
				t.Error("no fault was injected")
			}
			t.Logf("faults injected: %d requests, %d duplicate webhooks", requests, dups)
		})
	}
}

// TestRelayDownMidSale takes the relay off the network while the customer has
// the request on the phone. The till falls back to polling GET payment and
// captures once; when the relay returns, the till reconnects and sells on.
func TestRelayDownMidSale(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	_, c := w.startTill(t)
	c.await("the relay to connect", func(v checkout.View) bool { return v.Status.Relay == "connected" })
	for _, id := range basket {
		if err := c.till.AddProduct(id); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.till.SetCustomer(phoneSilent); err != nil {
		t.Fatal(err)
	}
	if err := c.till.Pay(); err != nil {
		t.Fatal(err)
	}
	v := c.await("the customer's phone", func(v checkout.View) bool { return v.Phase == checkout.PhaseWaiting })
	w.demo.StopRelay()
	c.await("the relay reported down", func(v checkout.View) bool { return strings.HasPrefix(v.Status.Relay, "reconnecting") })
	// The customer approves now; the webhook cannot reach the relay.
	if err := w.demo.Sim.Approve(sim.DemoMSN, v.Reference); err != nil {
		t.Fatal(err)
	}
	v = c.await("the capture, by polling", func(v checkout.View) bool { return settledPhase(v) })
	if v.Phase != checkout.PhaseDone || v.Receipt == nil {
		t.Fatalf("the sale ended %s: %q", v.Phase, v.Message)
	}
	if got := w.captures(v.Reference); got != 1 {
		t.Fatalf("captures = %d", got)
	}
	if err := w.demo.StartRelay(); err != nil {
		t.Fatal(err)
	}
	c.await("the relay back", func(v checkout.View) bool { return v.Status.Relay == "connected" })
	if v := c.sell(saleSpec{Products: []string{"P002"}, Phone: phoneApproves}); v.Phase != checkout.PhaseDone {
		t.Fatalf("the sale after the relay returned ended %s: %q", v.Phase, v.Message)
	}
	c.st.Close()
	w.audit().ok(t)
}
