package ui

import (
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/test"

	"github.com/kasse-pos/kasse/app/basket"
	"github.com/kasse-pos/kasse/app/checkout"
)

// Fyne's lang reads Kasse's files (go-i18n fails a whole file on one bad
// key), and UseLanguage chooses the language whatever the computer's is.
func TestUseLanguageTranslatesTheWindow(t *testing.T) {
	test.NewTempApp(t)
	t.Cleanup(func() { _ = UseLanguage("en") })
	for _, c := range []struct{ code, pay, receipt string }{
		{"nb", "Betal", "Kvittering 000042"},
		{"da", "Betal", "Kvittering 000042"},
		{"fi", "Maksa", "Kuitti 000042"},
		{"en", "Pay", "Receipt 000042"},
	} {
		if err := UseLanguage(c.code); err != nil {
			t.Fatal(err)
		}
		if got := lang.L("Pay"); got != c.pay {
			t.Errorf("%s: Pay = %q, want %q", c.code, got, c.pay)
		}
		if got := lang.L("Receipt {{.Receipt}}", map[string]any{"Receipt": "000042"}); got != c.receipt {
			t.Errorf("%s: %q, want %q", c.code, got, c.receipt)
		}
	}
	if err := UseLanguage("sv"); err == nil {
		t.Error("Swedish accepted")
	}
}

// A window in Finnish with a Finnish market: buttons, the customer prompt
// with the market's brand, and prices in euro.
func TestWindowInFinnish(t *testing.T) {
	if err := UseLanguage("fi"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = UseLanguage("en") })
	u, _, _ := newFake(t, fyne.NewSize(1280, 800), checkout.View{Brand: "MobilePay", Currency: "EUR",
		Lines:  []basket.Line{{ProductID: "K", Name: "Kahvi", UnitPrice: 350, VATRate: 2550, Quantity: 2}},
		Totals: basket.Totals{Gross: 700}})
	for got, want := range map[string]string{u.basket.clear.Text: "Tyhjennä", u.basket.showQR.Text: "Näytä QR",
		u.basket.who.Text(): "Lue asiakkaan MobilePay-QR tai kirjoita numero.", u.basket.total.Text: "Yhteensä 7,00\u00a0€"} {
		if got != want {
			t.Errorf("%q, want %q", got, want)
		}
	}
}
