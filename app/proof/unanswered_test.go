package proof

import (
	"testing"

	"github.com/kasse-pos/kasse/app/checkout"
	"github.com/kasse-pos/kasse/app/journal"
	"github.com/kasse-pos/kasse/payments/sim"
)

// TestApprovalAfterUnansweredCreate: createPayment reached Vipps but no answer
// came back, and the lookup failed too, so the screen says "Vipps did not
// answer ... tap Retry" with Pay still on. The customer then approves; the
// relay's webhook makes the till capture the payment in the background. The
// screen must then show the sale as paid: if it still offers Pay, the cashier
// rings the same basket up again and the customer pays it twice.
func TestApprovalAfterUnansweredCreate(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	// Every create and lookup is done, then its connection dropped.
	w.demo.Sim.SetFaults(sim.Faults{DropAfter: 1, Ops: []string{sim.OpCreatePayment, sim.OpGetPayment}})
	_, c := w.startTill(t)
	v := c.sell(saleSpec{Products: basket, Phone: phoneSilent})
	if v.Phase != checkout.PhaseEnded || !v.CanRetry {
		t.Fatalf("with no answers the sale ended %s (retry %v): %q", v.Phase, v.CanRetry, v.Message)
	}
	w.demo.Sim.SetFaults(sim.Faults{})
	if err := w.demo.Sim.Approve(sim.DemoMSN, v.Reference); err != nil {
		t.Fatalf("the request did not reach Vipps: %v", err)
	}
	ref := v.Reference
	c.until("the background capture", func() (bool, string) {
		s, err := c.st.Journal.ByReference(ref)
		if err != nil {
			return false, err.Error()
		}
		return s.Attempt(ref).State == journal.StateCaptured, string(s.Attempt(ref).State)
	})
	// The screen follows within moments; Pay is off from the capture on.
	if v = c.till.View(); v.CanPay {
		t.Errorf("%s is captured, but Pay is on (%s): %q", ref, v.Phase, v.Message)
	}
	v = c.await("the screen to show the sale paid", func(v checkout.View) bool { return v.Phase == checkout.PhaseDone || v.CanPay })
	if v.Phase == checkout.PhaseDone && !v.CanPay {
		return
	}
	t.Errorf("%s is captured, but the screen shows %s (Pay %v, Retry %v): %q", ref, v.Phase, v.CanPay, v.CanRetry, v.Message)
	if !v.CanPay {
		return
	}
	// What the cashier then does: Pay, and the customer approves again.
	if err := c.till.Pay(); err != nil {
		t.Fatal(err)
	}
	v = c.await("the second request", func(v checkout.View) bool { return v.Phase == checkout.PhaseWaiting })
	if err := w.demo.Sim.Approve(sim.DemoMSN, v.Reference); err != nil {
		t.Fatal(err)
	}
	v = c.await("the second capture", settledPhase)
	if v.Phase == checkout.PhaseDone && w.captures(v.Reference) == 1 {
		t.Errorf("the customer paid the same basket twice: %s and %s", ref, v.Reference)
	}
}
