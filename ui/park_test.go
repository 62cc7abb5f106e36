package ui

import (
	"context"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"

	"github.com/kasse-pos/kasse/app/checkout"
	"github.com/kasse-pos/kasse/app/demo/demotest"
	"github.com/kasse-pos/kasse/payments/epayment"
	"github.com/kasse-pos/kasse/payments/sim"
)

func fakeCalls(f *fakeRegister) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return strings.Join(f.calls, ", ")
}

// Park, the list of parked baskets and its Recall and Drop reach the till;
// a recall onto a full basket offers to park that one first. Every button is
// a touch target.
func TestParkListRecallAndDrop(t *testing.T) {
	now := time.Now()
	lines := someLines(2)
	v := checkout.View{Phase: checkout.PhaseBasket, Lines: lines, Currency: "NOK", CanPark: true, Parked: []checkout.Parked{
		{Sale: 7, At: now, Items: 2, Total: 49800, Currency: "NOK", Customer: "+47 ••• •• 567", Summary: "Termokopp, Powerbank (kr 498,00)"},
		{Sale: 8, At: now, Items: 1, Total: 3200, Currency: "NOK", Summary: "Kaffe (kr 32,00)"},
	}}
	u, f, w := newFake(t, fyne.NewSize(1280, 800), v)
	if u.park == nil {
		t.Fatal("no park row on a staffed till")
	}
	if u.park.park.Disabled() || u.park.parked.Disabled() || !strings.Contains(u.park.parked.Text, "(2)") {
		t.Fatalf("Park disabled %v, %q disabled %v", u.park.park.Disabled(), u.park.parked.Text, u.park.parked.Disabled())
	}
	test.Tap(u.park.park)

	test.Tap(u.park.parked)
	l := u.park.list
	if l == nil || len(l.recall) != 2 || len(l.drop) != 2 {
		t.Fatal("the list does not show the two parked baskets with Recall and Drop")
	}
	for _, o := range w.Canvas().Overlays().List() {
		touchables(o, func(c fyne.CanvasObject) {
			if sz := c.Size(); sz.Height < 48 || sz.Width < 48 {
				t.Errorf("a %T in the parked list is %v, smaller than 48 px: %s", c, sz, describe(c))
			}
		})
	}

	f.mu.Lock()
	f.recallErr = checkout.ErrBasketNotEmpty
	f.mu.Unlock()
	test.Tap(l.recall[7])
	if l.confirm == nil {
		t.Fatal("a recall onto a full basket asked nothing")
	}
	test.Tap(l.confirm.yes) // park the one on screen, then recall

	test.Tap(u.park.parked)
	l = u.park.list
	test.Tap(l.drop[8])
	test.Tap(l.confirm.yes)

	want := "park, recall 7, park, recall 7, drop 8 the customer did not come back"
	if got := fakeCalls(f); got != want {
		t.Errorf("the till got %q\nwant %q", got, want)
	}

	// No basket: Park is off; nothing parked: the list is off.
	f.set(checkout.View{Phase: checkout.PhaseBasket, Currency: "NOK"})
	if !u.park.park.Disabled() || !u.park.parked.Disabled() || !strings.Contains(u.park.parked.Text, "(0)") {
		t.Errorf("empty till: Park disabled %v, %q disabled %v", u.park.park.Disabled(), u.park.parked.Text, u.park.parked.Disabled())
	}
}

// A return without receipt is typed in its dialog and reaches the till with
// the reason; what to pay out is told to the cashier.
func TestReturnWithoutReceiptDialog(t *testing.T) {
	u, f, _ := newFake(t, fyne.NewSize(1280, 800), checkout.View{Phase: checkout.PhaseBasket, Currency: "NOK"})
	test.Tap(u.park.ret)
	d := u.park.returns
	done := make(chan struct{}, 1)
	d.done = func() { done <- struct{}{} }
	test.Type(d.desc, "Scarf")
	test.Type(d.price, "150,00")
	test.Tap(d.confirm)
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the return was not answered")
	}
	if got := fakeCalls(f); !strings.Contains(got, "return ") {
		t.Errorf("calls %q", got)
	}
	d.reason.SetText("Gift without receipt")
	test.Tap(d.confirm)
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the return was not answered")
	}
	if got := fakeCalls(f); !strings.Contains(got, "return Gift without receipt") {
		t.Errorf("calls %q", got)
	}
	if v := f.View(); !strings.Contains(v.Notice, "000099") {
		t.Errorf("notice %q", v.Notice)
	}
}

// Scanning a sale's receipt QR at the till opens the refund dialog on that
// sale, and its refund goes through the simulator.
func TestScannedReceiptOpensTheRefundDialog(t *testing.T) {
	r := demotest.Start(t, demotest.Options{ApproveDelay: 50 * time.Millisecond, PollInterval: 250 * time.Millisecond})
	st := r.Station
	sold := boSell(t, st.Till, st.Journal, "912 34 567", "P025", "P026")
	boSell(t, st.Till, st.Journal, "41234567", "P001")
	if sold.ReceiptURL == "" {
		t.Fatal("the sale has no receipt link to scan")
	}
	a := test.NewTempApp(t)
	w := test.NewTempWindow(t, nil)
	w.Resize(fyne.NewSize(1280, 800))
	u := Create(a, w, st.Till, Options{Title: "Test Kafé", BackOffice: &BackOffice{Office: st.Office}})
	t.Cleanup(u.Close) // its ticker stops with the test
	events := make(chan string, 16)
	u.bo.notify = func(e string) {
		select {
		case events <- e:
		default:
		}
	}

	st.Till.Scan(sold.ReceiptURL)
	var rd *refundDialog
	u.inspect(func() { rd = u.bo.refundDialog })
	if rd == nil || rd.sale.ID != sold.ID || len(rd.lines) != 2 {
		t.Fatalf("refund dialog %+v; want one on sale %d", rd, sold.ID)
	}
	test.Tap(rd.lines[0].plus) // one Termokopp
	test.Tap(rd.lines[1].plus) // one Powerbank
	test.Type(rd.reason, "Returned goods")
	if rd.confirm.Disabled() || !strings.Contains(rd.confirm.Text, "498,00") {
		t.Fatalf("confirm %q (disabled %v), summary %q", rd.confirm.Text, rd.confirm.Disabled(), rd.summary.Text)
	}
	test.Tap(rd.confirm)
	boAwait(t, events, "refund")
	if p := r.Ledger(sold.Current().Reference); p.Aggregate.RefundedAmount.Value != 49800 {
		t.Errorf("simulator refunded %d, want 49800", p.Aggregate.RefundedAmount.Value)
	}
}

// The history lists a parked basket as parked and a return without receipt
// as a return, with what was paid out and why.
func TestHistoryShowsParkedAndReturns(t *testing.T) {
	r := demotest.Start(t, demotest.Options{})
	st := r.Station
	if err := st.Till.AddProduct("P025"); err != nil {
		t.Fatal(err)
	}
	if err := st.Till.Park(); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Till.ReturnWithoutReceipt(context.Background(), checkout.ReturnNoReceipt{Reason: "Gift without receipt",
		Items: []checkout.ReturnItem{{ProductID: "P026"}}}); err != nil {
		t.Fatal(err)
	}
	test.NewTempApp(t).Settings().SetTheme(newTheme())
	w := test.NewTempWindow(t, nil)
	w.Resize(fyne.NewSize(1280, 800))
	bo := newBackOffice(w, BackOffice{Office: st.Office})
	w.SetContent(container.NewHBox(bo.buttons()...))
	test.Tap(bo.historyBtn)
	h := bo.history
	if len(h.entries) != 2 {
		t.Fatalf("history lists %d sales, want 2", len(h.entries))
	}
	ret, parked := entryLine(h.entries[0]), entryLine(h.entries[1])
	if !strings.Contains(ret, "return") || !strings.Contains(ret, "-299,00") || !strings.Contains(parked, "parked") || !strings.Contains(parked, "199,00") {
		t.Errorf("history rows:\n%s\n%s", ret, parked)
	}
	h.list.Select(0)
	if !strings.Contains(h.detailText, "RETURN WITHOUT RECEIPT") || !strings.Contains(h.detailText, "Gift without receipt") || !strings.Contains(h.detailText, "Powerbank") {
		t.Errorf("return detail:\n%s", h.detailText)
	}
	h.list.Select(1)
	if !strings.Contains(h.detailText, "PARKED") || !strings.Contains(h.detailText, "Termokopp") {
		t.Errorf("parked detail:\n%s", h.detailText)
	}
}

// With a fake till: each new receipt scan the view reports opens the refund
// dialog once, on its sale; the same scan drawn again does not reopen it.
func TestReceiptScanInTheViewOpensTheRefundOnce(t *testing.T) {
	r := demotest.Start(t, demotest.Options{ApproveDelay: 50 * time.Millisecond, PollInterval: 250 * time.Millisecond})
	st := r.Station
	sold := boSell(t, st.Till, st.Journal, "912 34 567", "P025")
	cat := st.Till.Catalog()
	f := &fakeRegister{cat: cat, view: checkout.View{Phase: checkout.PhaseBasket, Currency: "NOK"}}
	a := test.NewTempApp(t)
	w := test.NewTempWindow(t, nil)
	w.Resize(fyne.NewSize(1280, 800))
	u := Create(a, w, f, Options{Title: "Fake", BackOffice: &BackOffice{Office: st.Office}})
	t.Cleanup(u.Close) // its ticker stops with the test
	if u.bo.refundDialog != nil {
		t.Fatal("a refund dialog before any scan")
	}
	f.set(checkout.View{Phase: checkout.PhaseBasket, Currency: "NOK", ReturnScan: checkout.ReturnScan{Seq: 1, Sale: sold.ID, Receipt: sold.ReceiptNumber}})
	first := u.bo.refundDialog
	if first == nil || first.sale.ID != sold.ID {
		t.Fatalf("refund dialog %+v after the scan, want sale %d", first, sold.ID)
	}
	f.Notify("something else") // a redraw with the same scan
	if u.bo.refundDialog != first {
		t.Error("the same scan opened the dialog again")
	}
	f.set(checkout.View{Phase: checkout.PhaseBasket, Currency: "NOK", ReturnScan: checkout.ReturnScan{Seq: 2, Sale: sold.ID, Receipt: sold.ReceiptNumber}})
	if u.bo.refundDialog == first || u.bo.refundDialog.sale.ID != sold.ID {
		t.Error("a second scan of the receipt did not open a new dialog")
	}

	// A kiosk has no back office: a scan opens nothing (the notice says it).
	k := &fakeRegister{cat: cat, view: checkout.View{Phase: checkout.PhaseBasket, Currency: "NOK"}}
	kw := test.NewTempWindow(t, nil)
	ku := Create(a, kw, k, Options{Title: "Kiosk", Kiosk: true})
	t.Cleanup(ku.Close) // its ticker stops with the test
	k.set(checkout.View{Phase: checkout.PhaseBasket, Currency: "NOK", ReturnScan: checkout.ReturnScan{Seq: 1, Sale: sold.ID}})
	if ku.bo != nil || ku.park != nil {
		t.Error("a kiosk has a back office or a park row")
	}
}

// On a till that pays by QR since Vipps refused push requests (5080), Show QR
// becomes Send to phone: it tries the phone again, and a sale goes by push
// once the shop is approved.
func TestSendToPhoneAfter5080(t *testing.T) {
	r := demotest.Start(t, demotest.Options{ApproveDelay: 50 * time.Millisecond, PollInterval: 250 * time.Millisecond})
	r.Demo.Sim.SetPushDisabled(sim.DemoMSN, true)
	a := test.NewTempApp(t)
	w := test.NewTempWindow(t, nil)
	w.Resize(fyne.NewSize(1280, 800))
	u := Create(a, w, r.Till, Options{Title: "Test Kafé"})
	t.Cleanup(u.Close) // its ticker stops with the test
	test.Tap(u.products.tileFor("P026"))
	test.Type(u.basket.phone, "91234567")
	test.Tap(u.basket.pay)
	waitFor(t, r.Till, checkout.PhaseDone) // by QR, after the 5080
	// The second customer through the till itself: the window catches up.
	r.Till.NewSale()
	if err := r.Till.AddProduct("P001"); err != nil {
		t.Fatal(err)
	}
	if err := r.Till.SetCustomer("91234567"); err != nil {
		t.Fatal(err)
	}
	drawn(t, u, "Send to phone, on", func() bool { return u.basket.showQR.Text == "Send to phone" && !u.basket.showQR.Disabled() })
	r.Demo.Sim.SetPushDisabled(sim.DemoMSN, false)
	test.Tap(u.basket.showQR)
	v := waitFor(t, r.Till, checkout.PhaseDone)
	s, err := r.Station.Journal.ByReference(v.Reference)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Attempts) != 1 || s.Attempts[0].Request.UserFlow != epayment.FlowPushMessage || v.PushOff {
		t.Errorf("sent %d requests, first %s; push off %v", len(s.Attempts), s.Attempts[0].Request.UserFlow, v.PushOff)
	}
	r.Till.NewSale()
	drawn(t, u, "Show QR again", func() bool { return u.basket.showQR.Text == "Show QR" })
}

// drawn waits, with a deadline, until the window shows what ok checks: the
// till's goroutines redraw it in their own time.
func drawn(t *testing.T, u *UI, what string, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		var done bool
		u.inspect(func() { done = ok() })
		if done {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for the window to show %s", what)
		}
	}
}
