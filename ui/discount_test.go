package ui

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/kasse-pos/kasse/app/basket"
	"github.com/kasse-pos/kasse/app/catalog"
	"github.com/kasse-pos/kasse/app/checkout"
	"github.com/kasse-pos/kasse/app/money"
	"github.com/kasse-pos/kasse/assets"
)

func (f *fakeRegister) lastCall() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.calls) == 0 {
		return ""
	}
	return f.calls[len(f.calls)-1]
}

// Tapping a basket line opens its discount dialog: a reason is required, a
// bad percentage is refused in plain words, and the discount, an amount or a
// new price reaches the till; the basket's own discount has a button, and
// every control is a touch target.
func TestDiscountDialog(t *testing.T) {
	cat, err := catalog.Parse(assets.DemoCatalog)
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeRegister{cat: cat}
	b := basket.Basket{Lines: []basket.Line{{ProductID: "P025", Name: "Termokopp", UnitPrice: 19900, VATRate: 2500, Quantity: 2}}}
	f.view = checkout.View{Phase: checkout.PhaseBasket, Lines: b.Lines, Totals: b.Totals(), Currency: "NOK"}
	a := test.NewTempApp(t)
	w := test.NewTempWindow(t, nil)
	w.Resize(fyne.NewSize(1280, 800))
	u := Create(a, w, f, Options{Title: "Fake"})
	t.Cleanup(u.Close) // its ticker stops with the test

	var area *tapArea
	u.inspect(func() {
		for _, o := range test.LaidOutObjects(u.basket.lines) {
			if ta, ok := o.(*tapArea); ok {
				area = ta
			}
		}
	})
	if area == nil {
		t.Fatal("the basket line cannot be tapped")
	}
	test.Tap(area)
	d := u.basket.discountDlg
	if d == nil || d.line == nil || d.line.ProductID != "P025" {
		t.Fatalf("tapping the line opened %+v", d)
	}
	for _, o := range []fyne.CanvasObject{d.mode, d.value, d.reason, d.apply} {
		if h := o.MinSize().Height; h < 48 && o != d.mode {
			t.Errorf("%T is %.0f px high, under a touch target", o, h)
		}
	}
	test.Type(d.value, "10")
	test.Tap(d.apply)
	if d.err.Text == "" || f.lastCall() != "" {
		t.Fatalf("no reason: message %q, call %q", d.err.Text, f.lastCall())
	}
	test.Type(d.reason, "dented")
	d.value.SetText("250")
	test.Tap(d.apply)
	if !strings.Contains(d.err.Text, "1 to 100") || f.lastCall() != "" {
		t.Fatalf("250 %%: message %q, call %q", d.err.Text, f.lastCall())
	}
	d.value.SetText("10")
	test.Tap(d.apply)
	if got := f.lastCall(); got != "discount P025 10% 0 dented" {
		t.Fatalf("the till got %q", got)
	}

	test.Tap(area)
	d = u.basket.discountDlg
	d.mode.SetSelected(d.modePrice)
	test.Type(d.value, "149,00")
	test.Type(d.reason, "price match")
	test.Tap(d.apply)
	if got := f.lastCall(); got != "price P025 14900 price match" {
		t.Fatalf("the till got %q", got)
	}

	if h := u.basket.discount.MinSize().Height; h < 48 {
		t.Errorf("the basket's Discount button is %.0f px high", h)
	}
	test.Tap(u.basket.discount)
	d = u.basket.discountDlg
	if d.line != nil || len(d.mode.Options) != 2 {
		t.Fatalf("the basket's dialog: line %v, modes %v", d.line, d.mode.Options)
	}
	d.mode.SetSelected(d.modeAmount)
	test.Type(d.value, "20")
	test.Type(d.reason, "regular customer")
	test.Tap(d.apply)
	if got := f.lastCall(); got != "basket discount 0% 2000 regular customer" {
		t.Fatalf("the till got %q", got)
	}

	// The basket shows what its discount takes off.
	b.Discount = &basket.Off{Amount: 2000, Reason: "regular customer"}
	f.set(checkout.View{Phase: checkout.PhaseBasket, Lines: b.Lines, Totals: b.Totals(), Currency: "NOK", Discount: b.Discount})
	var text string
	u.inspect(func() { text = u.basket.discountText.Text })
	if !strings.Contains(text, "regular customer") || !strings.Contains(text, "−20,00") {
		t.Errorf("the basket's discount reads %q", text)
	}
	test.Tap(u.basket.discount)
	d = u.basket.discountDlg
	if !d.remove.Visible() {
		t.Fatal("a discounted basket's dialog cannot take the discount away")
	}
	test.Tap(d.remove)
	if got := f.lastCall(); got != "basket discount none" {
		t.Fatalf("the till got %q", got)
	}
}

// The history shows a sale's discounts and new prices, who gave them and
// why, and its amounts add up to the sale's total.
func TestHistoryShowsDiscounts(t *testing.T) {
	b := basket.Basket{Lines: []basket.Line{
		{ProductID: "P025", Name: "Termokopp", UnitPrice: 15000, VATRate: 2500, Quantity: 2, Override: &basket.Override{ListPrice: 19900, Reason: "price match", By: "Kari"}},
		{ProductID: "P001", Name: "Kaffe, liten", UnitPrice: 3200, VATRate: 1500, Quantity: 3, Off: &basket.Off{Percent: 10, Reason: "dented", By: "Ola"}},
		{ProductID: "W1", Name: "Epler", UnitPrice: 3490, VATRate: 1500, Quantity: 1, Grams: 532},
	}, Discount: &basket.Off{Amount: 1000, Reason: "regular customer"}}
	var sum int64
	var text []string
	for _, hl := range saleLines(b, true) {
		text = append(text, hl.what)
		if hl.amount == "" {
			continue
		}
		a, err := money.Parse(strings.TrimPrefix(hl.amount, "−"))
		if err != nil {
			t.Fatalf("amount %q: %v", hl.amount, err)
		}
		if strings.HasPrefix(hl.amount, "−") {
			a = -a
		}
		sum += a
	}
	if want := b.Totals().Gross; sum != want {
		t.Errorf("history lines add up to %d, the sale to %d:\n%s", sum, want, strings.Join(text, "\n"))
	}
	all := strings.Join(text, "\n")
	for _, want := range []string{"Price changed from 199,00 → 150,00: price match (Kari)", "Discount 10 %: dented (Ola)", "0,532 kg × 34,90/kg", "Discount on the basket 10,00: regular customer"} {
		if !strings.Contains(all, want) {
			t.Errorf("no %q in\n%s", want, all)
		}
	}
}

// A refund's lines carry their discount as BasketOff: shown, and adding up.
func TestRefundLinesShowTheirDiscount(t *testing.T) {
	l := basket.Line{ProductID: "P001", Name: "Kaffe, liten", UnitPrice: 3200, VATRate: 1500, Quantity: 1, BasketOff: 421}
	hl := saleLines(basket.Basket{Lines: []basket.Line{l}}, false)
	if len(hl) != 2 || hl[0].amount != "32,00" || hl[1].amount != "−4,21" {
		t.Errorf("refund lines %+v", hl)
	}
}
