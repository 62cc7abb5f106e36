package ui

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/kasse-pos/kasse/app/basket"
	"github.com/kasse-pos/kasse/app/checkout"
	"github.com/kasse-pos/kasse/app/i18n"
)

// The customer display speaks the customer's language (the receipts'), not
// the cashier's: a Danish market with an English till shows Danish words to
// the customer and English ones to the cashier.
func TestCustomerDisplaySpeaksTheReceiptLanguage(t *testing.T) {
	u, f, _ := newFake(t, sizes[1], checkout.View{Phase: checkout.PhaseBasket, Currency: "DKK"})
	t.Cleanup(func() { _ = UseLanguage("en") })
	if err := UseLanguage("en"); err != nil {
		t.Fatal(err)
	}
	cw := test.NewTempWindow(t, nil)
	cw.Resize(fyne.NewSize(1280, 800))
	d := NewCustomerDisplay(cw, f, "Kaffebaren", i18n.For("da"))

	lines := []basket.Line{{ProductID: "P001", Name: "Kaffe", UnitPrice: 3200, VATRate: 2500, Quantity: 1}}
	b := basket.Basket{Lines: lines}
	waiting := checkout.View{Phase: checkout.PhaseWaiting, Lines: lines, Totals: b.Totals(), Currency: "DKK"}
	f.set(waiting)

	if d.title.Text != "Godkend i appen" || !strings.Contains(d.text.Text, "godkend betalingen") {
		t.Errorf("the customer reads %q / %q, want Danish", d.title.Text, d.text.Text)
	}
	if got := d.steps[1].Text; !strings.Contains(got, i18n.T("da", "Your approval")) || strings.Contains(got, "Your approval") {
		t.Errorf("the step reads %q, want Danish", got)
	}
	if got := u.basket.pay.Text; !strings.HasPrefix(got, "Pay ") {
		t.Errorf("the cashier's Pay button reads %q: the cashier's language is English", got)
	}
}
