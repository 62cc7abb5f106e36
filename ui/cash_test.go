package ui

import (
	"github.com/kasse-pos/kasse/app/money"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/kasse-pos/kasse/app/basket"
	"github.com/kasse-pos/kasse/app/catalog"
	"github.com/kasse-pos/kasse/app/checkout"
	"github.com/kasse-pos/kasse/assets"
)

func (f *fakeRegister) takeCalls() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	s := strings.Join(f.calls, ", ")
	f.calls = nil
	return s
}

// buttons lists the buttons under o.
func buttons(o fyne.CanvasObject) []*widget.Button {
	var out []*widget.Button
	var walk func(fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		switch w := o.(type) {
		case *widget.Button:
			out = append(out, w)
		case *fyne.Container:
			for _, c := range w.Objects {
				walk(c)
			}
		}
	}
	walk(o)
	return out
}

// The cash dialog, driven through a fake register: the quick buttons offer
// the exact amount and the notes above it, the change shows as the amount
// given changes, a short amount says so, and Take cash (or Split) reaches
// the till with the amounts in øre.
func TestCashDialog(t *testing.T) {
	cat, err := catalog.Parse(assets.DemoCatalog)
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeRegister{cat: cat}
	b := basket.Basket{Lines: []basket.Line{{ProductID: "X", Name: "Kaffe", UnitPrice: 32245, VATRate: 2500, Quantity: 1}}}
	f.view = checkout.View{Phase: checkout.PhaseBasket, Lines: b.Lines, Totals: b.Totals(), Currency: "NOK", CanShowQR: true,
		Cash: checkout.CashView{CanCash: true, CanSplit: true, Due: 32245, CashDue: 32200, Rounding: -45, Unit: 100, SplitMax: 32100}}
	a := test.NewTempApp(t)
	w := test.NewTempWindow(t, nil)
	w.Resize(fyne.NewSize(1280, 800))
	u := Create(a, w, f, Options{Title: "Fake"})
	t.Cleanup(u.Close) // its ticker stops with the test
	cc := u.basket.cash
	if h := cc.cash.MinSize().Height; h < 48 {
		t.Errorf("Cash is %.0f px high", h)
	}
	test.Tap(cc.cash)
	d := cc.dlg
	if d == nil || !strings.Contains(d.due.Text, "322,00") || !strings.Contains(d.dueNote.Text, "-0,45") {
		t.Fatalf("the dialog says %q / %q", d.due.Text, d.dueNote.Text)
	}
	var quick []string
	for _, b := range buttons(d.quick) {
		quick = append(quick, b.Text)
		if h := b.MinSize().Height; h < 48 {
			t.Errorf("quick button %q is %.0f px high", b.Text, h)
		}
	}
	if got := strings.Join(quick, " | "); !strings.HasPrefix(got, "Exact "+money.FormatCurrency(32200, "NOK")) || !strings.Contains(got, money.FormatCurrency(35000, "NOK")) || !strings.Contains(got, money.FormatCurrency(50000, "NOK")) || !strings.Contains(got, money.FormatCurrency(100000, "NOK")) {
		t.Errorf("quick buttons: %s", got)
	}
	test.Type(d.given, "300")
	if !strings.Contains(d.change.Text, "22,00") || !strings.Contains(d.change.Text, "short") {
		t.Errorf("300 for 322: %q", d.change.Text)
	}
	for _, b := range buttons(d.quick) {
		if strings.Contains(b.Text, "500,00") {
			test.Tap(b)
		}
	}
	if !strings.Contains(d.change.Text, "178,00") || d.change.TextSize < 32 {
		t.Errorf("500 for 322: %q at %.0f px", d.change.Text, d.change.TextSize)
	}
	test.Tap(d.take)
	if got := f.takeCalls(); got != "cash 50000" {
		t.Errorf("the till got %q, want cash 50000", got)
	}

	// A split: 200 kr in cash (a 500 note), the rest by Vipps.
	test.Tap(cc.cash)
	d = cc.dlg
	test.TapAt(d.split, fyne.NewPos(10, d.split.Size().Height/2)) // a Check takes taps on its row only
	test.Type(d.part, "200")
	if !strings.Contains(d.rest.Text, "122,45") {
		t.Errorf("the rest: %q", d.rest.Text)
	}
	test.Type(d.given, "500")
	if !strings.Contains(d.change.Text, "300,00") {
		t.Errorf("500 for a cash part of 200: %q", d.change.Text)
	}
	test.Tap(d.take)
	if got := f.takeCalls(); got != "split 20000 50000" {
		t.Errorf("the till got %q, want split 20000 50000", got)
	}

	// A bad amount says so and sends nothing.
	test.Tap(cc.cash)
	d = cc.dlg
	test.Type(d.given, "5x0")
	test.Tap(d.take)
	if d.err.Text == "" || f.takeCalls() != "" {
		t.Errorf("a bad amount: message %q", d.err.Text)
	}
}

// The drawer dialog reaches the till's drawer commands.
func TestDrawerDialog(t *testing.T) {
	cat, _ := catalog.Parse(assets.DemoCatalog)
	f := &fakeRegister{cat: cat}
	f.view = checkout.View{Phase: checkout.PhaseBasket, Currency: "NOK"}
	a := test.NewTempApp(t)
	w := test.NewTempWindow(t, nil)
	w.Resize(fyne.NewSize(1280, 800))
	u := Create(a, w, f, Options{Title: "Fake"})
	t.Cleanup(u.Close) // its ticker stops with the test
	test.Tap(u.basket.cash.drawer)
	d := u.basket.cash.drw
	test.Type(d.cashier, "Kari")
	test.Type(d.reason, "float")
	test.Type(d.amount, "1500")
	for _, b := range []*widget.Button{d.open, d.count, d.in, d.out} {
		if h := b.MinSize().Height; h < 48 {
			t.Errorf("%s is %.0f px high", b.Text, h)
		}
	}
	test.Tap(d.in)
	test.Tap(d.open)
	test.Type(d.amount, "1499,50")
	test.Tap(d.count)
	if got := f.takeCalls(); got != "cash in Kari 150000 float, open drawer Kari: float, count Kari 149950" {
		t.Errorf("the till got %q", got)
	}
}

// A cash sale through the window, on a real till: Cash, 500 kr given, the
// receipt screen shows the change large and the receipt's rounding and cash.
func TestCashSaleThroughTheWindow(t *testing.T) {
	u, till, _ := newTill(t)
	test.Tap(u.products.tileFor("P001")) // Kaffe, liten 32,00
	test.Tap(u.products.tileFor("P025")) // Termokopp 199,00
	if u.basket.cash.cash.Disabled() {
		t.Fatal("Cash is off with a basket")
	}
	test.Tap(u.basket.cash.cash)
	d := u.basket.cash.dlg
	test.Type(d.given, "500")
	test.Tap(d.take)
	waitView(t, till, "printed", func(v checkout.View) bool {
		return v.Phase == checkout.PhaseDone && v.Receipt != nil && v.Receipt.Printed && v.Receipt.URL != ""
	})
	var total, body, current string
	u.inspect(func() { total, body, current = u.receipt.total.Text, u.receipt.body.Text, u.current })
	if current != "receipt" || total != "Change "+money.FormatCurrency(26900, "NOK") {
		t.Errorf("screen %s says %q", current, total)
	}
	for _, want := range []string{"Cash ", "231,00", "Cash given", "500,00", "Paid with Cash"} {
		if !strings.Contains(body, want) {
			t.Errorf("receipt on screen lacks %q:\n%s", want, body)
		}
	}
	test.Tap(u.receipt.newSale)
	if u.current != "basket" || len(till.View().Lines) != 0 {
		t.Errorf("New sale left %s with %d lines", u.current, len(till.View().Lines))
	}
}
