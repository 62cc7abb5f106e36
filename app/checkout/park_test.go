package checkout_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/kasse-pos/kasse/app/backoffice"
	"github.com/kasse-pos/kasse/app/checkout"
	"github.com/kasse-pos/kasse/app/journal"
	"github.com/kasse-pos/kasse/payments/epayment"
	"github.com/kasse-pos/kasse/payments/sim"
)

// A basket parked with its customer waits while the next customer is
// served, survives a restart, and is recalled and paid to captured.
func TestParkedBasketSurvivesARestart(t *testing.T) {
	r := newRig(t, false)
	if r.Till.View().CanPark {
		t.Error("Park is on with an empty basket")
	}
	if err := r.Till.Park(); err == nil {
		t.Error("an empty basket was parked")
	}
	r.Fill("912 34 567", "P025", "P026") // 199,00 + 299,00
	if !r.Till.View().CanPark {
		t.Fatal("Park is off with a basket")
	}
	if err := r.Till.Park(); err != nil {
		t.Fatal(err)
	}
	v := r.Till.View()
	if len(v.Lines) != 0 || v.Customer != "" || len(v.Parked) != 1 {
		t.Fatalf("after parking: %d lines, customer %q, %d parked", len(v.Lines), v.Customer, len(v.Parked))
	}
	p := v.Parked[0]
	if p.Total != 49800 || p.Items != 2 || p.Customer == "" || !strings.Contains(p.Summary, "Termokopp") {
		t.Errorf("parked %+v", p)
	}

	// The next customer pays while the first one is parked.
	r.Fill("41234567", "P001")
	if err := r.Till.Recall(p.Sale); !errors.Is(err, checkout.ErrBasketNotEmpty) {
		t.Errorf("recall onto a basket: %v, want ErrBasketNotEmpty", err)
	}
	if err := r.Till.Pay(); err != nil {
		t.Fatal(err)
	}
	r.Await("next customer captured", phase(checkout.PhaseDone))
	r.Till.NewSale()

	r.Restart()
	v = r.Till.View()
	if len(v.Parked) != 1 || v.Parked[0].Sale != p.Sale || v.Parked[0].Total != 49800 || v.Parked[0].At.IsZero() {
		t.Fatalf("after the restart parked = %+v", v.Parked)
	}
	es, err := backoffice.Search(r.Station.Journal, backoffice.Query{})
	if err != nil {
		t.Fatal(err)
	}
	if e := findEntry(es, p.Sale); e == nil || !e.Sale.Parked || e.Amount != 49800 {
		t.Errorf("history entry of the parked sale: %+v", e)
	}

	if err := r.Till.Recall(p.Sale); err != nil {
		t.Fatal(err)
	}
	v = r.Till.View()
	if len(v.Lines) != 2 || v.Totals.Gross != 49800 || v.Customer == "" || !v.CanPay || len(v.Parked) != 0 {
		t.Fatalf("recalled: %d lines, total %d, customer %q, pay %v, %d parked", len(v.Lines), v.Totals.Gross, v.Customer, v.CanPay, len(v.Parked))
	}
	if err := r.Till.Recall(p.Sale); err == nil {
		t.Error("a recalled basket was recalled again")
	}
	if err := r.Till.Pay(); err != nil {
		t.Fatal(err)
	}
	v = r.Await("recalled basket captured", phase(checkout.PhaseDone))
	if l := r.Ledger(v.Reference); l.Captures != 1 || l.Aggregate.CapturedAmount.Value != 49800 {
		t.Errorf("ledger %+v", l)
	}
	s, err := r.Station.Journal.ByReference(v.Reference)
	if err != nil {
		t.Fatal(err)
	}
	if s.ID != p.Sale || s.Parked || s.Customer != "4791234567" {
		t.Errorf("paid sale %d (parked %v, customer %s); want the parked sale %d with its customer", s.ID, s.Parked, s.Customer, p.Sale)
	}
	kinds := kindsOf(t, r.Station.Journal, s.ID)
	if !strings.Contains(kinds, "customer.identified,sale.parked,sale.recalled") {
		t.Errorf("journal of the sale: %s", kinds)
	}
}

// A parked basket the customer never comes back for is dropped with a
// reason: it leaves the list, stays in the history as dropped, and does not
// come back after a restart.
func TestDropParkedBasket(t *testing.T) {
	r := newRig(t, false)
	if err := r.AddProduct("P003"); err != nil {
		t.Fatal(err)
	}
	if err := r.Till.Park(); err != nil {
		t.Fatal(err)
	}
	id := r.Till.View().Parked[0].Sale
	if err := r.Till.Drop(id, "customer left"); err != nil {
		t.Fatal(err)
	}
	if n := len(r.Till.View().Parked); n != 0 {
		t.Fatalf("%d parked after the drop", n)
	}
	if err := r.Till.Drop(id, "again"); err == nil {
		t.Error("a dropped basket was dropped again")
	}
	r.Restart()
	if n := len(r.Till.View().Parked); n != 0 {
		t.Fatalf("%d parked after the restart", n)
	}
	s, err := r.Station.Journal.Get(id)
	if err != nil || !s.Dropped || s.Parked {
		t.Fatalf("dropped sale: %+v, %v", s, err)
	}
	recs, _ := r.Station.Journal.Records(id)
	if last := recs[len(recs)-1]; last.Kind != journal.KindDropped || last.Note != "customer left" {
		t.Errorf("last record %s %q", last.Kind, last.Note)
	}
}

// A basket whose payment is in flight cannot be parked.
func TestNoParkWhilePaying(t *testing.T) {
	r := newRig(t, true)
	r.Fill("912 34 567", "P003")
	if err := r.Till.Pay(); err != nil {
		t.Fatal(err)
	}
	r.Await("waiting", phase(checkout.PhaseWaiting))
	if r.Till.View().CanPark {
		t.Error("Park is on while the customer is asked to pay")
	}
	if err := r.Till.Park(); err == nil {
		t.Error("a basket being paid was parked")
	}
}

// Vipps refusing push requests (5080) is journaled for the sales unit: after
// a restart the till asks by QR at once, without trying a push again.
func TestPushRefusedIsRememberedAfterRestart(t *testing.T) {
	r := newRig(t, false)
	if r.Till.View().PushOff {
		t.Fatal("push is off on a new till")
	}
	r.Demo.Sim.SetPushDisabled(sim.DemoMSN, true)
	r.Fill("912 34 567", "P026")
	if err := r.Till.Pay(); err != nil {
		t.Fatal(err)
	}
	r.Await("captured by QR", phase(checkout.PhaseDone))
	r.Till.NewSale()

	r.Restart()
	if !r.Till.View().PushOff {
		t.Fatal("the till forgot the 5080 over a restart")
	}
	if err := r.AddProduct("P001"); err != nil {
		t.Fatal(err)
	}
	if !r.Till.View().CanPay {
		t.Fatal("Pay is off on a till that pays by QR")
	}
	if err := r.Till.Pay(); err != nil {
		t.Fatal(err)
	}
	v := r.Await("paid by QR after the restart", phase(checkout.PhaseDone))
	s, _ := r.Station.Journal.ByReference(v.Reference)
	if len(s.Attempts) != 1 || s.Attempts[0].Request.UserFlow != epayment.FlowQR {
		t.Errorf("after the restart the sale sent %d requests, first %s", len(s.Attempts), s.Attempts[0].Request.UserFlow)
	}
	r.Till.NewSale()

	// The shop got push approved: the cashier tries push again, and that
	// too outlives a restart.
	r.Demo.Sim.SetPushDisabled(sim.DemoMSN, false)
	if err := r.Till.TryPushAgain(); err != nil {
		t.Fatal(err)
	}
	r.Restart()
	if r.Till.View().PushOff {
		t.Fatal("push is still off after TryPushAgain and a restart")
	}
	r.Fill("912 34 567", "P001")
	if err := r.Till.Pay(); err != nil {
		t.Fatal(err)
	}
	v = r.Await("paid by push", phase(checkout.PhaseDone))
	s, _ = r.Station.Journal.ByReference(v.Reference)
	if len(s.Attempts) != 1 || s.Attempts[0].Request.UserFlow != epayment.FlowPushMessage {
		t.Errorf("after trying push again the sale sent %d requests, first %s", len(s.Attempts), s.Attempts[0].Request.UserFlow)
	}
}

func findEntry(es []backoffice.Entry, id uint64) *backoffice.Entry {
	for i := range es {
		if es[i].Sale.ID == id {
			return &es[i]
		}
	}
	return nil
}

func kindsOf(t *testing.T, j *journal.Journal, id uint64) string {
	t.Helper()
	recs, err := j.Records(id)
	if err != nil {
		t.Fatal(err)
	}
	var ks []string
	for _, r := range recs {
		ks = append(ks, string(r.Kind))
	}
	return strings.Join(ks, ",")
}

// Parked baskets and a return without receipt leave the Z report without
// problems: unnumbered baskets share no receipt number.
func TestParkedAndReturnsInTheZReport(t *testing.T) {
	r := newRig(t, false)
	for _, id := range []string{"P001", "P003"} {
		if err := r.AddProduct(id); err != nil {
			t.Fatal(err)
		}
		if err := r.Till.Park(); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := r.Till.ReturnWithoutReceipt(context.Background(), checkout.ReturnNoReceipt{Reason: "no receipt", Items: []checkout.ReturnItem{{ProductID: "P025"}}}); err != nil {
		t.Fatal(err)
	}
	z, err := backoffice.BuildZ(context.Background(), r.Station.Journal, nil, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if len(z.Problems) != 0 {
		t.Errorf("Z report problems: %q", z.Problems)
	}
	for _, st := range z.States {
		if st.Category == backoffice.CatOpen && st.Count != 0 {
			t.Errorf("Z report counts %d open sales", st.Count)
		}
	}
	if z.ReturnedCount != 1 || z.Returned.Gross != 19900 || z.Net.Gross != -19900 || !strings.Contains(z.Text(), "RETURNED WITHOUT RECEIPT") {
		t.Errorf("Z report: %d returned, %d; net %d:\n%s", z.ReturnedCount, z.Returned.Gross, z.Net.Gross, z.Text())
	}
}

// A basket whose request Vipps never answered cannot be parked: it could
// still be approved. Once the request is settled, it can.
func TestNoParkWhileTheRequestIsUnanswered(t *testing.T) {
	r := newRig(t, false)
	r.Config.Vipps.BaseURL = "http://127.0.0.1:1" // a Vipps host that does not answer
	r.Restart()
	r.Fill("91234567", "P001")
	if err := r.Till.Pay(); err != nil {
		t.Fatal(err)
	}
	v := r.Await("no answer", func(v checkout.View) bool { return v.Phase == checkout.PhaseEnded && v.CanRetry })
	if v.CanPark {
		t.Error("Park is on for a basket whose request is unanswered")
	}
	if err := r.Till.Park(); err == nil || !strings.Contains(err.Error(), "not answered") {
		t.Errorf("park of an unanswered basket: %v", err)
	}
	if n := len(r.Till.View().Parked); n != 0 {
		t.Errorf("%d parked", n)
	}
}

// A basket recalled but neither paid nor cleared when the till stopped is
// parked again on the next start, journaled, so the waiting customer is not
// forgotten.
func TestRecalledBasketIsParkedAgainAfterARestart(t *testing.T) {
	r := newRig(t, false)
	r.Fill("912 34 567", "P025")
	if err := r.Till.Park(); err != nil {
		t.Fatal(err)
	}
	id := r.Till.View().Parked[0].Sale
	if err := r.Till.Recall(id); err != nil {
		t.Fatal(err)
	}
	r.Restart()
	v := r.Till.View()
	if len(v.Parked) != 1 || v.Parked[0].Sale != id || len(v.Lines) != 0 {
		t.Fatalf("after the restart: parked %+v, %d lines on screen", v.Parked, len(v.Lines))
	}
	recs, _ := r.Station.Journal.Records(id)
	if last := recs[len(recs)-1]; last.Kind != journal.KindParked || !strings.Contains(last.Note, "restart") {
		t.Errorf("last record %s %q", last.Kind, last.Note)
	}
	// Recalled and paid, it stays paid over the next restart.
	if err := r.Till.Recall(id); err != nil {
		t.Fatal(err)
	}
	if err := r.Till.Pay(); err != nil {
		t.Fatal(err)
	}
	r.Await("captured", phase(checkout.PhaseDone))
	r.Restart()
	if n := len(r.Till.View().Parked); n != 0 {
		t.Errorf("a paid basket is parked again: %d", n)
	}
}
