package backoffice_test

import (
	"context"
	"testing"

	"github.com/kasse-pos/kasse/app/backoffice"
	"github.com/kasse-pos/kasse/app/basket"
	"github.com/kasse-pos/kasse/app/checkout"
	"github.com/kasse-pos/kasse/app/fiscal"
)

// A refund of a discounted line returns what the customer paid for it, not
// its list price, and all the refunds together return the sale's total.
func TestRefundOfDiscountedLines(t *testing.T) {
	r := newRig(t)
	r.Till.NewSale()
	for _, id := range []string{"P025", "P001", "P001", "P001"} { // 199,00 at 25 %, 3 × 32,00 at 15 %
		if err := r.Till.AddProduct(id); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.Till.DiscountLine("P001", &basket.Off{Percent: 10, Reason: "dented"}); err != nil {
		t.Fatal(err)
	}
	if err := r.Till.DiscountBasket(&basket.Off{Amount: 1000, Reason: "regular customer"}); err != nil {
		t.Fatal(err)
	}
	if err := r.Till.SetCustomer("91234567"); err != nil {
		t.Fatal(err)
	}
	if err := r.Till.Pay(); err != nil {
		t.Fatal(err)
	}
	v := r.Await("captured", func(v checkout.View) bool { return v.Phase == checkout.PhaseDone || v.Phase == checkout.PhaseEnded })
	if v.Phase != checkout.PhaseDone {
		t.Fatalf("sale ended %s", v.Outcome)
	}
	s := r.sale(v.Reference)
	// 96,00 − 9,60 = 86,40 for the coffees; 10,00 off shared 199,00:86,40 →
	// 6,97 and 3,03: the coffees cost 83,37 and the cup 192,03.
	if s.Totals.Gross != 27540 {
		t.Fatalf("sale total %d, want 27540", s.Totals.Gross)
	}
	rf := r.refunder()
	ctx := context.Background()
	steps := []struct {
		lines []backoffice.LineQty
		want  int64
	}{
		{[]backoffice.LineQty{{ProductID: "P001", Quantity: 1}}, 2779}, // a third of 83,37, rounded down; not 32,00
		{[]backoffice.LineQty{{ProductID: "P001", Quantity: 2}}, 5558}, // the rest of the line
		{[]backoffice.LineQty{{ProductID: "P025", Quantity: 1}}, 19203},
	}
	var refunded int64
	for i, st := range steps {
		res, err := rf.Refund(ctx, backoffice.RefundRequest{SaleID: s.ID, Lines: st.lines, Reason: "returned"})
		if err != nil {
			t.Fatalf("refund %d: %v", i+1, err)
		}
		rc := res.Receipt
		if rc.Totals.Gross != st.want || !rc.Done {
			t.Errorf("refund %d: %d (done %v), want %d", i+1, rc.Totals.Gross, rc.Done, st.want)
		}
		if len(rc.Lines) != 1 || rc.Lines[0].Total() != st.want {
			t.Errorf("refund %d lines %+v", i+1, rc.Lines)
		}
		refunded += st.want
		if p := r.Ledger(v.Reference); p.Aggregate.RefundedAmount.Value != refunded {
			t.Errorf("after refund %d the simulator refunded %d, want %d", i+1, p.Aggregate.RefundedAmount.Value, refunded)
		}
	}
	if refunded != s.Totals.Gross {
		t.Errorf("refunded %d of a sale of %d", refunded, s.Totals.Gross)
	}
	got, _ := r.j.Get(s.ID)
	if e := backoffice.Summarize(got); e.Refundable != 0 {
		t.Errorf("after all refunds: %+v", e)
	}
	// The signed returns are what was paid back too.
	var back int64
	for _, tx := range fiscal.Transactions(got)[1:] {
		back -= tx.AmountIn
	}
	if back != refunded {
		t.Errorf("signed returns total %d, want %d", back, refunded)
	}
}
