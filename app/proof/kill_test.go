//go:build unix

package proof

import (
	"strings"
	"testing"

	"github.com/kasse-pos/kasse/app/checkout"
	"github.com/kasse-pos/kasse/app/journal"
	"github.com/kasse-pos/kasse/payments/epayment"
	"github.com/kasse-pos/kasse/payments/sim"
)

// basket is a sale of Termokopp 199,00 and Powerbank 299,00.
var basket = []string{"P025", "P026"}

// TestKillMatrix kills the till with SIGKILL at each step of a sale, starts it
// again, and checks that the sale ended exactly once and the books add up.
// The restarted till also sells a second sale, to show it works on.
func TestKillMatrix(t *testing.T) {
	cases := []struct {
		name   string
		step   string
		phone  string
		cancel bool       // the cashier cancels while the customer has not answered
		refund int64      // the cashier refunds this much once the sale is paid
		faults sim.Faults // while the first till runs
		// capturesAtKill is what Vipps had captured when the till died.
		capturesAtKill int
		want           journal.State
	}{
		{name: "before create is sent", step: checkout.TraceCreateBefore, phone: phoneApproves, want: journal.StateFailed},
		{name: "after create is answered", step: checkout.TraceCreateAfter, phone: phoneApproves, want: journal.StateCaptured},
		{name: "after authorization", step: checkout.TraceAuthorized, phone: phoneApproves, want: journal.StateCaptured},
		{name: "before capture is sent", step: checkout.TraceCaptureBefore, phone: phoneApproves, want: journal.StateCaptured},
		{
			name: "capture done but never answered", step: checkout.TraceCaptureAfter, phone: phoneApproves,
			// Vipps captures, then the connection drops; every retry's replay too.
			faults:         sim.Faults{Seed: 1, DropAfter: 1, Ops: []string{sim.OpCapture}},
			capturesAtKill: 1, want: journal.StateCaptured,
		},
		{name: "capture answered, not journaled", step: checkout.TraceCaptureAfter, phone: phoneApproves, capturesAtKill: 1, want: journal.StateCaptured},
		{name: "captured, before the receipt", step: checkout.TraceCaptured, phone: phoneApproves, capturesAtKill: 1, want: journal.StateCaptured},
		{name: "cashier cancelled, cancel not sent", step: checkout.TraceCancelBefore, phone: phoneSilent, cancel: true, want: journal.StateCancelled},
		{name: "refund journaled, not sent", step: checkout.TraceRefundBefore, phone: phoneApproves, refund: 5000, capturesAtKill: 1, want: journal.StateCaptured},
		{name: "refund made, not journaled", step: checkout.TraceRefundAfter, phone: phoneApproves, refund: 5000, capturesAtKill: 1, want: journal.StateCaptured},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t)
			w.demo.Sim.SetFaults(c.faults)
			ref := w.killAt(c.step, 1, saleSpec{Products: basket, Phone: c.phone, CancelWhenWaiting: c.cancel, Refund: c.refund})
			if got := w.captures(ref); got != c.capturesAtKill {
				t.Fatalf("when the till died Vipps had %d captures of %s, want %d: the kill was not where this case says", got, ref, c.capturesAtKill)
			}
			w.demo.Sim.SetFaults(sim.Faults{})
			second := w.run(plan{Sales: []saleSpec{{Products: []string{"P001"}, Phone: phoneApproves}}, Settle: true}, nil)
			if rec, _ := second.event("recovered"); len(rec.Lines) > 0 {
				t.Logf("recovery told the cashier: %q", rec.Lines)
			}
			w.audit().ok(t)
			if got := w.state(ref); got != c.want {
				t.Errorf("the killed sale %s ended %s, want %s", ref, got, c.want)
			}
			if e, _ := w.demo.Sim.Payment(sim.DemoMSN, ref); e.Aggregate.RefundedAmount.Value != c.refund {
				t.Errorf("Vipps refunded %d of %s, want %d once", e.Aggregate.RefundedAmount.Value, ref, c.refund)
			}
			if ev, _ := second.event("sale"); ev.Outcome != string(journal.StateCaptured) {
				t.Errorf("the sale after the restart: %+v", ev)
			}
		})
	}
}

// TestKilledAgainDuringRecovery kills the till after an approval, then kills
// the restarted till while recovery's capture is unanswered; the third start
// finishes the sale, captured once.
func TestKilledAgainDuringRecovery(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ref := w.killAt(checkout.TraceAuthorized, 1, saleSpec{Products: basket, Phone: phoneApproves})
	w.demo.Sim.SetFaults(sim.Faults{Seed: 2, DropAfter: 1, Ops: []string{sim.OpCapture}})
	second := w.run(plan{KillStep: checkout.TraceCaptureAfter, KillNth: 1}, nil)
	if ev, _ := second.event("killed"); !second.Killed || ev.Ref != ref {
		t.Fatalf("recovery did not reach the capture of %s: %+v", ref, second.Events)
	}
	w.demo.Sim.SetFaults(sim.Faults{})
	w.run(plan{Settle: true}, nil)
	w.audit().ok(t)
	if got := w.state(ref); got != journal.StateCaptured {
		t.Errorf("%s ended %s", ref, got)
	}
}

// TestResumedPaymentTheCashierCancels: the till dies while the customer has
// the request on the phone; on restart the request is back on screen,
// waiting, and the cashier cancels it. Nothing is charged.
func TestResumedPaymentTheCashierCancels(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ref := w.killAt(checkout.TraceCreateAfter, 1, saleSpec{Products: basket, Phone: phoneSilent})
	second := w.run(plan{OnResume: "cancel", Settle: true}, nil)
	if ev, ok := second.event("resumed"); !ok || ev.Ref != ref {
		t.Fatalf("the waiting payment %s was not resumed on screen: %+v", ref, second.Events)
	}
	if ev, _ := second.event("sale"); ev.Ref != ref || ev.Outcome != string(journal.StateCancelled) {
		t.Errorf("after the cashier's cancel the screen shows %+v", ev)
	}
	w.audit().ok(t)
	if e, _ := w.demo.Sim.Payment(sim.DemoMSN, ref); e.State != epayment.StateTerminated {
		t.Errorf("Vipps has %s %s, want TERMINATED", ref, e.State)
	}
}

// TestResumedPaymentTheCustomerApproves: the same, but the customer approves
// after the restart; the resumed till captures once and shows the receipt.
func TestResumedPaymentTheCustomerApproves(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ref := w.killAt(checkout.TraceCreateAfter, 1, saleSpec{Products: basket, Phone: phoneSilent})
	second := w.run(plan{OnResume: "wait", Settle: true}, func(ev childEvent) {
		if ev.Ev == "resumed" {
			if err := w.demo.Sim.Approve(sim.DemoMSN, ev.Ref); err != nil {
				t.Errorf("approve %s: %v", ev.Ref, err)
			}
		}
	})
	if ev, _ := second.event("sale"); ev.Ref != ref || ev.Phase != checkout.PhaseDone.String() {
		t.Errorf("after the approval the screen shows %+v", ev)
	}
	w.audit().ok(t)
	if got := w.state(ref); got != journal.StateCaptured {
		t.Errorf("%s ended %s", ref, got)
	}
}

// TestTwoWaitingPaymentsTheNewestIsResumed: two requests are still waiting on
// customers' phones at a restart (the first could not be settled on the
// start before, while Vipps answered lookups with errors). The newest comes
// back on screen; the older one is withdrawn, so it can never be charged.
func TestTwoWaitingPaymentsTheNewestIsResumed(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	older := w.killAt(checkout.TraceCreateAfter, 1, saleSpec{Products: basket, Phone: phoneSilent})
	w.demo.Sim.SetFaults(sim.Faults{Seed: 3, ServerError: 1, Ops: []string{sim.OpGetPayment}})
	second := w.run(plan{KillStep: checkout.TraceCreateAfter, KillNth: 1, Sales: []saleSpec{{Products: []string{"P001"}, Phone: phoneSilent}}}, nil)
	killed, _ := second.event("killed")
	if !second.Killed || killed.Ref == older {
		t.Fatalf("the second sale was not sent: %+v", second.Events)
	}
	newer := killed.Ref
	if rec, _ := second.event("recovered"); !strings.Contains(strings.Join(rec.Lines, "\n"), "could not settle") {
		t.Errorf("the cashier was not told that recovery failed: %q", rec.Lines)
	}
	w.demo.Sim.SetFaults(sim.Faults{})
	third := w.run(plan{OnResume: "wait", Settle: true}, func(ev childEvent) {
		if ev.Ev == "resumed" {
			if err := w.demo.Sim.Approve(sim.DemoMSN, ev.Ref); err != nil {
				t.Errorf("approve %s: %v", ev.Ref, err)
			}
		}
	})
	if ev, _ := third.event("resumed"); ev.Ref != newer {
		t.Errorf("resumed %q, want the newest request %s", ev.Ref, newer)
	}
	w.audit().ok(t)
	if got := w.state(older); got != journal.StateCancelled {
		t.Errorf("the older request %s ended %s, want cancelled", older, got)
	}
	if got := w.state(newer); got != journal.StateCaptured {
		t.Errorf("the resumed request %s ended %s, want captured", newer, got)
	}
}

// killAt runs a till on a fresh journal that sells s and dies at the n-th
// step; it returns the reference the till was working on.
func (w *world) killAt(step string, n int, s saleSpec) string {
	w.t.Helper()
	res := w.run(plan{KillStep: step, KillNth: n, Sales: []saleSpec{s}}, nil)
	ev, ok := res.event("killed")
	if !res.Killed || !ok {
		w.t.Fatalf("the till was not killed at %s: %+v\n%s", step, res.Events, tail(res.Output, 4000))
	}
	return ev.Ref
}
