package backoffice_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/kasse-pos/kasse/app/backoffice"
	"github.com/kasse-pos/kasse/app/checkout"
	"github.com/kasse-pos/kasse/app/journal"
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
	text := z.Text()
	for _, s := range []string{"CASH", "= Expected in drawer", "1\u00a0182,00", "Difference", "-11,00", "without a sale"} {
		if !strings.Contains(text, s) {
			t.Errorf("report text lacks %q:\n%s", s, text)
		}
	}
	// After the day is closed the next day's drawer starts from nothing.
	must(backoffice.CloseDay(r.j, z, backoffice.NextDay(z.Day, time.Now())))
	z2, err := backoffice.BuildZ(ctx, r.j, nil, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if z2.Cash.Expected != 0 || z2.Cash.Openings != 0 || z2.Cash.Counts != 0 {
		t.Errorf("the next day's cash = %+v", z2.Cash)
	}
}
