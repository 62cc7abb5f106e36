package ui

import (
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/kasse-pos/kasse/app/basket"
	"github.com/kasse-pos/kasse/app/checkout"
	"github.com/kasse-pos/kasse/app/demo/demotest"
)

// A scanned receipt's refund dialog offers Exchange: the chosen line goes
// into the till's basket as returned goods, the new item is added, and the
// difference is paid through the simulator.
func TestRefundDialogExchangesALine(t *testing.T) {
	r := demotest.Start(t, demotest.Options{ApproveDelay: 50 * time.Millisecond, PollInterval: 250 * time.Millisecond})
	st := r.Station
	sold := boSell(t, st.Till, st.Journal, "912 34 567", "P025", "P026")
	a := test.NewTempApp(t)
	w := test.NewTempWindow(t, nil)
	w.Resize(fyne.NewSize(1280, 800))
	u := Create(a, w, st.Till, Options{Title: "Test Kafé", BackOffice: &BackOffice{Office: st.Office}})
	t.Cleanup(u.Close) // its ticker stops with the test

	st.Till.Scan(sold.ReceiptURL)
	var rd *refundDialog
	u.inspect(func() { rd = u.bo.refundDialog })
	if rd == nil || rd.exch == nil {
		t.Fatalf("refund dialog %+v without Exchange", rd)
	}
	if !rd.exch.Disabled() {
		t.Error("Exchange is on with nothing chosen")
	}
	test.Tap(rd.lines[0].plus) // one Termokopp, 199,00
	if rd.exch.Disabled() {
		t.Fatal("Exchange is off with a line chosen")
	}
	test.Tap(rd.exch)
	if err := st.Till.AddProduct("P026"); err != nil { // a Powerbank instead, 299,00
		t.Fatal(err)
	}
	v := st.Till.View()
	if v.Exchange.Returns != 19900 || v.Totals.Gross != 10000 {
		t.Fatalf("basket after Exchange: returns %d, total %d", v.Exchange.Returns, v.Totals.Gross)
	}
	var text string
	var settleShown bool
	u.inspect(func() { text, settleShown = u.basket.exch.text.Text, u.basket.exch.settle.Visible() })
	if !strings.Contains(text, "199,00") || settleShown {
		t.Errorf("exchange row %q, Finish exchange shown %v", text, settleShown)
	}
	if err := st.Till.SetCustomer("912 34 567"); err != nil {
		t.Fatal(err)
	}
	if err := st.Till.Pay(); err != nil {
		t.Fatal(err)
	}
	v = r.Await("captured", func(v checkout.View) bool { return v.Phase == checkout.PhaseDone })
	if p := r.Ledger(v.Reference); p.Aggregate.CapturedAmount.Value != 10000 {
		t.Errorf("simulator captured %d, want 10000", p.Aggregate.CapturedAmount.Value)
	}
}

// With a fake till: an exchange that comes to less than nothing shows what
// the customer gets back, and Finish exchange reaches the till.
func TestFinishExchangeButton(t *testing.T) {
	ret := basket.ReturnLine(7, "000007", basket.Line{ProductID: "P026", Name: "Powerbank", UnitPrice: 29900, VATRate: 2500, Quantity: 1}, 1, 29900)
	lines := []basket.Line{ret, {ProductID: "P025", Name: "Termokopp", UnitPrice: 19900, VATRate: 2500, Quantity: 1}}
	b := basket.Basket{Lines: lines}
	u, f, _ := newFake(t, fyne.NewSize(1280, 800), checkout.View{Phase: checkout.PhaseBasket, Currency: "NOK", Lines: lines, Totals: b.Totals(),
		Exchange: checkout.ExchangeView{Returns: 29900, CanSettle: true}})
	var text string
	var btn = u.basket.exch.settle
	u.inspect(func() { text = u.basket.exch.text.Text })
	if !strings.Contains(text, "100,00") || !btn.Visible() || btn.Disabled() {
		t.Fatalf("exchange row %q, Finish exchange visible %v disabled %v", text, btn.Visible(), btn.Disabled())
	}
	test.Tap(btn)
	if got := fakeCalls(f); !strings.Contains(got, "settle exchange") {
		t.Errorf("calls %q", got)
	}
}
