package checkout_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kasse-pos/kasse/app/checkout"
	"github.com/kasse-pos/kasse/app/journal"
	"github.com/kasse-pos/kasse/payments/epayment"
	"github.com/kasse-pos/kasse/payments/sim"
)

// A capture refused for Kasse's own trouble (the API keys rotated in the
// portal: 401/403) must never release the customer's approval: the payment
// stays approved, the cashier is told to check the keys, and it is captured as
// soon as the API takes the capture.
func TestRefusedCaptureHoldsTheApproval(t *testing.T) {
	r := newRig(t, true)
	r.Fill("912 34 567", "P026")
	r.Demo.Sim.SetFaults(sim.Faults{Ops: []string{sim.OpCapture}, Refuse: 1, RefuseStatus: 401})
	if err := r.Till.Pay(); err != nil {
		t.Fatal(err)
	}
	v := r.Await("waiting", phase(checkout.PhaseWaiting))
	ref := v.Reference
	if err := r.Demo.Sim.Approve(sim.DemoMSN, ref); err != nil {
		t.Fatal(err)
	}
	v = r.Await("told to check the keys", func(v checkout.View) bool { return strings.Contains(v.Message, "API keys") })
	if v.Phase != checkout.PhaseCapturing {
		t.Errorf("phase %s while the capture is held", v.Phase)
	}
	p := r.Ledger(ref)
	if p.State != epayment.StateAuthorized || p.Aggregate.CancelledAmount.Value != 0 || p.Captures != 0 {
		t.Fatalf("after a refused capture Vipps has %s, cancelled %d, %d captures; want the approval kept", p.State, p.Aggregate.CancelledAmount.Value, p.Captures)
	}
	s, _ := r.Station.Journal.ByReference(ref)
	if a := s.Attempt(ref); a.State != journal.StateCapturing || !strings.Contains(a.Hold, "API keys") {
		t.Errorf("journal: %s, hold %q; want capturing, held for the keys", a.State, a.Hold)
	}
	// The keys are fixed: the same owner captures, once.
	r.Demo.Sim.SetFaults(sim.Faults{})
	v = r.Await("captured", phase(checkout.PhaseDone))
	if p := r.Ledger(ref); p.Captures != 1 || p.Outstanding() != 0 || p.Aggregate.CancelledAmount.Value != 0 {
		t.Fatalf("after the keys came back: %+v", p)
	}
	if v.Receipt == nil || v.Receipt.Reference != ref {
		t.Errorf("receipt %+v", v.Receipt)
	}
}

// A refund and a cancel made in the merchant portal, and a failed event, reach
// the journal: the history shows them, and the journal takes the API's
// figures.
func TestEventsFromElsewhereAreJournaled(t *testing.T) {
	r := newRig(t, false)
	r.Fill("912 34 567", "P026")
	if err := r.Till.Pay(); err != nil {
		t.Fatal(err)
	}
	v := r.Await("captured", phase(checkout.PhaseDone))
	ref := v.Reference
	// The shop owner refunds 50,00 in the portal (the same API, another key).
	if _, err := r.Station.API.Refund(context.Background(), ref, "portal-refund-1", epayment.Amount{Currency: "NOK", Value: 5000}); err != nil {
		t.Fatal(err)
	}
	var s *journal.Sale
	r.Await("the portal refund journaled", func(checkout.View) bool {
		s, _ = r.Station.Journal.ByReference(ref)
		if s == nil || s.Attempt(ref).Refunded != 5000 {
			return false
		}
		for _, e := range s.Events {
			if e.Name == epayment.EventRefunded {
				return true
			}
		}
		return false
	})
	var seen []string
	for _, e := range s.Events {
		seen = append(seen, string(e.Name))
	}
	if !strings.Contains(strings.Join(seen, " "), "REFUNDED") {
		t.Errorf("events journaled: %v; want the REFUNDED event", seen)
	}
	found := false
	for _, st := range s.Steps {
		if st.State == "event REFUNDED" && strings.Contains(st.Note, "50,00") {
			found = true
		}
	}
	if !found {
		t.Errorf("the history steps do not show the portal's refund: %+v", s.Steps)
	}
}

// After "Vipps did not answer", the cashier starts a new sale: the unanswered
// request is withdrawn, so a late approval cannot be charged with no receipt.
func TestNewSaleAfterNoAnswerWithdrawsTheRequest(t *testing.T) {
	r := newRig(t, true)
	// The create reaches Vipps but its answer and every lookup are lost.
	r.Demo.Sim.SetFaults(sim.Faults{DropAfter: 1, Ops: []string{sim.OpCreatePayment, sim.OpGetPayment}})
	r.Fill("912 34 567", "P026")
	if err := r.Till.Pay(); err != nil {
		t.Fatal(err)
	}
	v := r.Await("no answer", func(v checkout.View) bool { return v.Phase == checkout.PhaseEnded && v.CanRetry })
	ref := v.Reference
	r.Demo.Sim.SetFaults(sim.Faults{})
	r.Till.NewSale()
	if v := r.Till.View(); v.Phase != checkout.PhaseBasket || len(v.Lines) != 0 {
		t.Fatalf("new sale shows %s with %d lines", v.Phase, len(v.Lines))
	}
	r.Await("the old request withdrawn", func(checkout.View) bool {
		p, ok := r.Demo.Sim.Payment(sim.DemoMSN, ref)
		return ok && p.State == epayment.StateTerminated
	})
	if err := r.Demo.Sim.Approve(sim.DemoMSN, ref); err == nil {
		t.Error("the customer could still approve the withdrawn request")
	}
	r.Await("journaled as cancelled", func(checkout.View) bool {
		s, _ := r.Station.Journal.ByReference(ref)
		return s != nil && s.Attempt(ref).State == journal.StateCancelled
	})
	if p := r.Ledger(ref); p.Captures != 0 {
		t.Errorf("the withdrawn request was captured %d times", p.Captures)
	}
}

// One damaged record does not hide the other sales: recovery still finishes
// every readable unfinished payment, and the cashier is told which record of
// which sale is damaged.
func TestDamagedRecordIsNamedAndRecoveryGoesOn(t *testing.T) {
	r := newRig(t, true)
	// Sale 1: a request left waiting on the customer's phone.
	r.Fill("912 34 567", "P026")
	if err := r.Till.Pay(); err != nil {
		t.Fatal(err)
	}
	waiting := r.Await("waiting", phase(checkout.PhaseWaiting)).Reference
	r.Station.Close()
	// Damage sale 1's customer record in the file, as a failing disk would:
	// its JSON no longer parses. bbolt copies pages on write, so every copy.
	path := filepath.Join(r.Config.DataDir, "kasse.db")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	rec := []byte(`"kind":"customer.identified"`)
	if !bytes.Contains(data, rec) {
		t.Fatal("test setup: no customer record in the file")
	}
	for i := bytes.Index(data, rec); i >= 0; i = bytes.Index(data, rec) {
		copy(data[i:], `"kind":"customer.identifie!"`)
	}
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	r.Restart()
	v := r.Await("recovered", func(v checkout.View) bool { return len(v.Recovery) > 1 })
	all := strings.Join(v.Recovery, "\n")
	if !strings.Contains(all, "damaged") || !strings.Contains(all, "sale 1") {
		t.Errorf("the cashier was not told of the damaged record: %q", v.Recovery)
	}
	if v.Reference != waiting || v.Phase != checkout.PhaseWaiting {
		t.Fatalf("the waiting request %s was not resumed past the damage: %s %s", waiting, v.Reference, v.Phase)
	}
	if err := r.Demo.Sim.Approve(sim.DemoMSN, waiting); err != nil {
		t.Fatal(err)
	}
	r.Await("captured past the damage", phase(checkout.PhaseDone))
	if p := r.Ledger(waiting); p.Captures != 1 || p.Outstanding() != 0 {
		t.Errorf("ledger %+v", p)
	}
}

// A customer with no personal QR and no wish to give a phone number pays by
// scanning the till's QR code: the request goes out as userFlow QR with no
// customer, the till shows the URL Vipps made, and the scan (the simulator's
// approve with the code's token, as the app does) is captured once.
func TestMerchantQRPayment(t *testing.T) {
	r := newRig(t, true)
	if err := r.AddProduct("P026"); err != nil {
		t.Fatal(err)
	}
	if v := r.Till.View(); !v.CanShowQR || v.CanPay {
		t.Fatalf("with a basket and no customer: Show QR %v, Pay %v; want QR on, Pay off", v.CanShowQR, v.CanPay)
	}
	if err := r.Till.ShowQR(); err != nil {
		t.Fatal(err)
	}
	v := r.Await("the QR on screen", func(v checkout.View) bool { return v.Phase == checkout.PhaseWaiting && v.QR != "" })
	token := v.QR[strings.Index(v.QR, "token=")+len("token="):]
	s, _ := r.Station.Journal.ByReference(v.Reference)
	a := s.Attempt(v.Reference)
	if a.Request.UserFlow != epayment.FlowQR || a.Request.Customer != nil || a.QR != v.QR {
		t.Fatalf("journaled request: flow %s, customer %+v, QR %q", a.Request.UserFlow, a.Request.Customer, a.QR)
	}
	// The customer's app opens the code's URL and approves that payment.
	if err := approveByToken(r, v.Reference, token); err != nil {
		t.Fatal(err)
	}
	v = r.Await("captured", phase(checkout.PhaseDone))
	if p := r.Ledger(v.Reference); p.Captures != 1 || p.Outstanding() != 0 {
		t.Errorf("ledger %+v", p)
	}
}

// A sales unit without push approval (error 5080): the till says why, shows
// the QR code for the same basket at once, and remembers it for the next sale.
func TestPushRefusedFallsBackToQR(t *testing.T) {
	r := newRig(t, false)
	r.Demo.Sim.SetPushDisabled(sim.DemoMSN, true)
	r.Fill("912 34 567", "P026")
	if err := r.Till.Pay(); err != nil {
		t.Fatal(err)
	}
	v := r.Await("the QR instead", func(v checkout.View) bool { return v.QR != "" || v.Phase == checkout.PhaseDone })
	if !v.PushOff || !strings.Contains(v.Notice, "5080") {
		t.Errorf("push off %v, notice %q; want the cashier told why", v.PushOff, v.Notice)
	}
	v = r.Await("captured by QR", phase(checkout.PhaseDone))
	s, _ := r.Station.Journal.ByReference(v.Reference)
	if len(s.Attempts) != 2 || s.Attempts[0].State != journal.StateFailed || s.Attempts[1].Request.UserFlow != epayment.FlowQR {
		t.Fatalf("attempts: %d; want the refused push and the QR request of one sale", len(s.Attempts))
	}
	// The next sale goes straight to the QR code: no push is tried again.
	r.Till.NewSale()
	if err := r.AddProduct("P001"); err != nil {
		t.Fatal(err)
	}
	if v := r.Till.View(); !v.CanPay {
		t.Fatal("Pay is off for a basket on a till that pays by QR")
	}
	if err := r.Till.Pay(); err != nil {
		t.Fatal(err)
	}
	v = r.Await("second sale by QR", phase(checkout.PhaseDone))
	s, _ = r.Station.Journal.ByReference(v.Reference)
	if len(s.Attempts) != 1 || s.Attempts[0].Request.UserFlow != epayment.FlowQR {
		t.Errorf("the second sale sent %d requests, first %s", len(s.Attempts), s.Attempts[0].Request.UserFlow)
	}
}

// approveByToken is the customer's app approving the payment behind a
// scanned QR code, through the test API's approve endpoint.
func approveByToken(r rig, ref, token string) error {
	return r.Station.API.ForceApprove(context.Background(), ref, epayment.ForceApproveRequest{Token: token})
}

// An item the catalog lacks (an unknown barcode, a service) is typed by hand
// with its VAT rate, journaled as a line, and paid like any other: the request
// carries it with its VAT split exactly.
func TestOpenItemIsSoldAndJournaled(t *testing.T) {
	r := newRig(t, false)
	for _, bad := range []checkout.OpenItem{
		{Description: "", Price: 100, VATRate: 2500},
		{Description: "Gift wrap", Price: 0, VATRate: 2500},
		{Description: "Gift wrap", Price: 1000, VATRate: 1300},
		{Description: "Gift wrap", Price: 100_000_01, VATRate: 2500},
	} {
		if err := r.Till.AddOpenItem(bad); err == nil {
			t.Errorf("%+v was accepted", bad)
		}
	}
	if n := len(r.Till.View().Lines); n != 0 {
		t.Fatalf("refused items left %d lines", n)
	}
	if err := r.Till.AddOpenItem(checkout.OpenItem{Description: "Gift wrap", Price: 3999, VATRate: 2500, EAN: "7038010009990"}); err != nil {
		t.Fatal(err)
	}
	if err := r.Till.AddOpenItem(checkout.OpenItem{Description: "Gift wrap", Price: 1000, VATRate: 1500, Quantity: 2}); err != nil {
		t.Fatal(err)
	}
	r.Fill("912 34 567", "P001")
	v := r.Till.View()
	if len(v.Lines) != 3 || v.Totals.Gross != 3999+2000+3200 {
		t.Fatalf("basket %d lines, total %d", len(v.Lines), v.Totals.Gross)
	}
	if err := r.Till.Pay(); err != nil {
		t.Fatal(err)
	}
	v = r.Await("captured", phase(checkout.PhaseDone))
	s, _ := r.Station.Journal.ByReference(v.Reference)
	lines := s.Attempt(v.Reference).Request.Receipt.OrderLines
	var sum int64
	for _, l := range lines {
		if l.TotalAmountExcludingTax+l.TotalTaxAmount != l.TotalAmount {
			t.Errorf("line %s: %d + %d != %d", l.Name, l.TotalAmountExcludingTax, l.TotalTaxAmount, l.TotalAmount)
		}
		sum += l.TotalAmount
	}
	if len(lines) != 3 || lines[0].Name != "Gift wrap" || lines[0].TaxPercentage == nil || *lines[0].TaxPercentage != 25 || sum != v.Totals.Gross {
		t.Errorf("request lines %+v", lines)
	}
	if p := r.Ledger(v.Reference); p.Captures != 1 || p.Aggregate.CapturedAmount.Value != 9199 {
		t.Errorf("ledger %+v", p)
	}
}
