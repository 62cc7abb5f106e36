//go:build linux

package proof

import (
	"strings"
	"testing"

	"github.com/kasse-pos/kasse/app/checkout"
	"github.com/kasse-pos/kasse/app/journal"
	"github.com/kasse-pos/kasse/payments/epayment"
	"github.com/kasse-pos/kasse/payments/sim"
)

// The journal's disk fills up (a file size limit on the till process makes
// every write of the real bbolt file fail with EFBIG) at a step of a sale.
// Nothing is sent to Vipps that the journal could not record first, and the
// cashier is told.

// journalRefusal is the start of journal.ErrWrite's sentence.
const journalRefusal = "could not write to the journal"

// TestDiskFullAtPay: the disk is full when the cashier taps Pay. No call goes
// to Vipps; the message says why; with room again, Pay sells the same basket.
func TestDiskFullAtPay(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	res := w.run(plan{DiskFull: "pay", Settle: true, Sales: []saleSpec{
		{Products: basket, Phone: phoneApproves},
		{Again: true},
	}}, nil)
	sales := events(res, "sale")
	if len(sales) != 2 {
		t.Fatalf("sales: %+v\n%s", res.Events, tail(res.Output, 4000))
	}
	full := sales[0]
	if full.Phase != checkout.PhaseBasket.String() || !strings.Contains(full.Notice, "disk is full") && !strings.Contains(full.Notice, "disk full") || !strings.Contains(full.Journal, journalRefusal) {
		t.Errorf("with the disk full the screen shows %s: notice %q, journal status %q; want the basket, with the journal named", full.Phase, full.Notice, full.Journal)
	}
	if len(full.Calls) > 0 {
		t.Errorf("Vipps was called while the journal could not be written: %q", full.Calls)
	}
	if sales[1].Phase != checkout.PhaseDone.String() {
		t.Errorf("with room again the sale ended %s: %q", sales[1].Phase, sales[1].Message)
	}
	b := w.audit()
	b.ok(t)
	if b.Payments != 1 || b.Captured != 1 {
		t.Errorf("Vipps saw %d payments (%d captured), want the one after the disk had room", b.Payments, b.Captured)
	}
}

// TestDiskFullWhenTheCustomerApproves: the disk fills up just as the approval
// arrives, so "capturing" cannot be journaled. The till does not capture and
// says why; the authorization waits (it is never released for Kasse's own
// trouble), and once the disk has room, or after a restart, it is captured
// once.
func TestDiskFullWhenTheCustomerApproves(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	res := w.run(plan{DiskFull: checkout.TraceAuthorized, Sales: []saleSpec{{Products: basket, Phone: phoneApproves}}}, nil)
	full, _ := res.event("sale")
	w.toldAndNothingSent(t, full)
	if e, _ := w.demo.Sim.Payment(sim.DemoMSN, full.Ref); e.State != epayment.StateAuthorized || e.Captures != 0 {
		t.Fatalf("after the failed write Vipps has %s with %d captures, want AUTHORIZED and none", e.State, e.Captures)
	}
	again := w.run(plan{Settle: true}, nil)
	rec, _ := again.event("recovered")
	t.Logf("recovery told the cashier: %q", rec.Lines)
	w.audit().ok(t)
	if got := w.state(full.Ref); got != journal.StateCaptured {
		t.Errorf("%s ended %s after the restart", full.Ref, got)
	}
}

// TestDiskFullWhenTheCustomerApprovesPayAgain: the same, but with room again
// the cashier taps Pay for the basket on screen: Pay is refused while the
// approval is being captured, and the sale is paid once, by the approval the
// customer gave.
func TestDiskFullWhenTheCustomerApprovesPayAgain(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	res := w.run(plan{DiskFull: checkout.TraceAuthorized, Settle: true, Sales: []saleSpec{
		{Products: basket, Phone: phoneApproves},
		{Again: true},
	}}, nil)
	sales := events(res, "sale")
	if len(sales) != 2 {
		t.Fatalf("sales: %+v", res.Events)
	}
	w.toldAndNothingSent(t, sales[0])
	if sales[1].Ref != sales[0].Ref {
		t.Errorf("paying again sent a second request %s for a basket whose approval %s was being captured", sales[1].Ref, sales[0].Ref)
	}
	b := w.audit()
	b.ok(t)
	if got := w.state(sales[0].Ref); got != journal.StateCaptured {
		t.Errorf("the approved request %s ended %s, want captured", sales[0].Ref, got)
	}
	if b.Payments != 1 {
		t.Errorf("Vipps saw %d payments for one basket", b.Payments)
	}
}

// TestRelayReconnectsAfterTheDiskHasRoom: a journal write that failed once
// (the relay cursor among them) must not leave the relay off until the next
// start: with room again, the till follows the relay again.
func TestRelayReconnectsAfterTheDiskHasRoom(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	res := w.run(plan{DiskFull: checkout.TraceAuthorized, Settle: true, Sales: []saleSpec{
		{Products: basket, Phone: phoneApproves},
		{Again: true},
		{Products: []string{"P001"}, Phone: phoneApproves},
	}}, nil)
	sales := events(res, "sale")
	if len(sales) != 3 {
		t.Fatalf("sales: %+v", res.Events)
	}
	if last := sales[2]; last.Relay != "connected" {
		t.Errorf("two sales after the disk had room again, the relay is %q", last.Relay)
	}
	w.audit().ok(t)
}

// TestDiskFullAfterCapture: the money is taken but "captured" cannot be
// journaled. The receipt is still shown (the customer has paid), the status
// bar says the journal failed, and a restart journals the capture from Vipps.
func TestDiskFullAfterCapture(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	res := w.run(plan{DiskFull: checkout.TraceCaptureAfter, Sales: []saleSpec{{Products: basket, Phone: phoneApproves}}}, nil)
	sale, _ := res.event("sale")
	if sale.Phase != checkout.PhaseDone.String() || !strings.Contains(sale.Journal, journalRefusal) {
		t.Errorf("after the capture the screen shows %s, journal status %q", sale.Phase, sale.Journal)
	}
	if len(sale.Calls) > 0 {
		t.Errorf("Vipps was called after the journal failed: %q", sale.Calls)
	}
	w.run(plan{Settle: true}, nil)
	w.audit().ok(t)
	if got := w.state(sale.Ref); got != journal.StateCaptured {
		t.Errorf("%s ended %s after the restart", sale.Ref, got)
	}
}

// toldAndNothingSent checks the screen after a refused journal write: the
// payment stopped with the journal's message, the status bar says so, and no
// call went to Vipps meanwhile.
func (w *world) toldAndNothingSent(t *testing.T, ev childEvent) {
	t.Helper()
	if ev.Phase == checkout.PhaseDone.String() || !strings.Contains(ev.Message, "journal cannot be written") {
		t.Errorf("with the disk full the screen shows %s: %q", ev.Phase, ev.Message)
	}
	if !strings.Contains(ev.Journal, journalRefusal) {
		t.Errorf("the status bar's journal field is %q", ev.Journal)
	}
	if len(ev.Calls) > 0 {
		t.Errorf("Vipps was called while the journal could not be written: %q", ev.Calls)
	}
}

// events returns the events named ev, in order.
func events(r childResult, ev string) []childEvent {
	var out []childEvent
	for _, e := range r.Events {
		if e.Ev == ev {
			out = append(out, e)
		}
	}
	return out
}
