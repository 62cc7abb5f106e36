package backoffice_test

import (
	"bytes"
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/kasse-pos/kasse/app/backoffice"
	"github.com/kasse-pos/kasse/app/checkout"
	"github.com/kasse-pos/kasse/app/events"
	"github.com/kasse-pos/kasse/app/journal"
	"github.com/kasse-pos/kasse/hardware/escpos"
)

func TestZReportCountsTheCash(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	till := r.Till.Till
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(till.CashIn("Kari", 200000, journal.CashFloat)) // 2 000,00 float
	// A cash sale: 32,00 at 15 %, paid with 50 kr.
	must(till.AddProduct("P001"))
	must(till.PayCash(5000))
	till.NewSale()
	// A split sale: 498,00, 100 kr of it in cash.
	r.Fill("91234567", "P025", "P026")
	must(till.PaySplit(10000, 0))
	r.Await("split captured", func(v checkout.View) bool { return v.Phase == checkout.PhaseDone })
	till.NewSale()
	// A Vipps sale moves no cash.
	r.sell("41234567", "P001")
	must(till.CashIn("Kari", 5000, "change from the bank"))
	must(till.CashOut("Kari", 100000, "bank drop"))
	must(till.OpenDrawer("Per", "customer's wrong change"))
	must(till.CountCash("Kari", 100000))
	must(till.CountCash("Kari", 117100)) // the last count counts

	z, err := backoffice.BuildZ(ctx, r.j, nil, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	c := z.Cash
	want := backoffice.CashReport{Float: 200000, Sales: 3200 + 10000, In: 5000, Out: 100000,
		Expected: 200000 + 13200 + 5000 - 100000, Counted: 117100, Counts: 2, Difference: 117100 - 118200,
		Openings: 6, NoSale: 1, NoSaleReasons: []string{"Per customer's wrong change"}}
	if c.Float != want.Float || c.Sales != want.Sales || c.In != want.In || c.Out != want.Out || c.Expected != want.Expected ||
		c.Counted != want.Counted || c.Counts != want.Counts || c.Difference != want.Difference ||
		c.Openings != want.Openings || c.NoSale != want.NoSale || len(c.NoSaleReasons) != 1 || c.NoSaleReasons[0] != want.NoSaleReasons[0] {
		t.Errorf("cash = %+v\nwant %+v", c, want)
	}
	// Captured: the cash sale, the split (Vipps part + cash part) and the
	// Vipps sale, each at its full amount.
	if st := z.States[0]; st.Category != backoffice.CatCaptured || st.Count != 3 || st.Amount != 3200+49800+3200 {
		t.Errorf("captured = %+v", st)
	}
	if z.Sold.Gross != 3200+49800+3200 {
		t.Errorf("sold = %d", z.Sold.Gross)
	}
	var buf bytes.Buffer
	if err := z.WriteCSV(&buf); err != nil {
		t.Fatal(err)
	}
	back, err := backoffice.ReadCSV(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back.Cash, z.Cash) {
		t.Errorf("cash read back from CSV = %+v\nwant %+v", back.Cash, z.Cash)
	}
	text := z.Text()
	for _, s := range []string{"CASH", "= Expected in drawer", "1\u00a0182,00", "Difference", "-11,00", "without a sale"} {
		if !strings.Contains(text, s) {
			t.Errorf("report text lacks %q:\n%s", s, text)
		}
	}
	// After the day is closed the next day's drawer starts from nothing.
	if _, err := backoffice.CloseDay(r.j, events.Header{CompanyName: "Test Kafé", OrgNumber: "999999999", RegisterID: "1"}, z, backoffice.NextDay(z.Day, time.Now())); err != nil {
		t.Fatal(err)
	}
	z2, err := backoffice.BuildZ(ctx, r.j, nil, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if z2.Cash.Expected != 0 || z2.Cash.Openings != 0 || z2.Cash.Counts != 0 {
		t.Errorf("the next day's cash = %+v", z2.Cash)
	}
}

// A cash sale is refunded in cash: journaled with the drawer's opening, the
// drawer kicked, the refund signed, and the Z report's cash expects less.
func TestCashSaleRefundedInCash(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	till := r.Till.Till
	if err := till.AddOpenItem(checkout.OpenItem{Description: "Kopp", Price: 12345, VATRate: 2500}); err != nil {
		t.Fatal(err)
	}
	if err := till.AddProduct("P001"); err != nil { // 32,00 at 15 %
		t.Fatal(err)
	}
	if err := till.PayCash(20000); err != nil {
		t.Fatal(err)
	}
	v := r.Await("printed", func(v checkout.View) bool { return v.Receipt != nil && v.Receipt.Printed })
	var id uint64
	_ = r.j.Each(func(s *journal.Sale) bool { id = s.ID; return false })
	e := backoffice.Summarize(mustSale(t, r.j, id))
	if e.Refundable != 15545 {
		t.Fatalf("refundable %d, want the lines' 155,45", e.Refundable)
	}
	kopp := v.Receipt.Lines[0].ProductID
	res, err := r.Station.Office.Refund(ctx, backoffice.RefundRequest{SaleID: id, Lines: []backoffice.LineQty{{ProductID: kopp, Quantity: 1}}, Reason: "cracked"})
	if err != nil {
		t.Fatal(err)
	}
	rf := res.Sale.Refunds[0]
	if !rf.Done || rf.Amount != 12345 || rf.Cash != 12300 || res.Receipt.Totals.Gross != 12345 {
		t.Fatalf("refund %+v, receipt total %d", rf, res.Receipt.Totals.Gross)
	}
	if _, err := r.Station.Office.Refund(ctx, backoffice.RefundRequest{SaleID: id, Amount: 4000, Reason: "too much"}); err == nil {
		t.Error("refunded 40,00 of the 32,00 left")
	}
	s := mustSale(t, r.j, id)
	if len(s.Signatures) != 2 {
		t.Errorf("%d signatures, want the sale's and the refund's", len(s.Signatures))
	}
	vp := r.Station.Printer.Device.(*escpos.Virtual)
	if vp.Kicks() != 2 {
		t.Errorf("drawer kicked %d times, want 2 (the sale, the refund)", vp.Kicks())
	}
	z, err := backoffice.BuildZ(ctx, r.j, nil, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if z.Cash.Sales != 15500 || z.Cash.Refunds != 12300 || z.Cash.Expected != 3200 || z.Refunded.Gross != 12345 {
		t.Errorf("cash %+v, refunded %d", z.Cash, z.Refunded.Gross)
	}
}

func mustSale(t *testing.T, j *journal.Journal, id uint64) *journal.Sale {
	t.Helper()
	s, err := j.Get(id)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
