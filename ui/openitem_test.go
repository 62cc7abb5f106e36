package ui

import (
	"fmt"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/kasse-pos/kasse/app/checkout"
	"github.com/kasse-pos/kasse/app/demo/demotest"
)

// ean13 completes 12 digits with their check digit.
func ean13(d12 string) string {
	sum := 0
	for i, c := range d12 {
		n := int(c - '0')
		if i%2 == 1 {
			n *= 3
		}
		sum += n
	}
	return fmt.Sprintf("%s%d", d12, (10-sum%10)%10)
}

// A barcode the catalog lacks: the notice says so and offers "Add by hand…";
// the dialog takes a description, a price and one of the shop's VAT rates,
// says plainly what is wrong with a bad price, and the item lands in the
// basket with its barcode.
func TestUnknownBarcodeAddedByHand(t *testing.T) {
	r := demotest.Start(t, demotest.Options{ApproveDelay: 200 * time.Millisecond})
	a := test.NewTempApp(t)
	w := test.NewTempWindow(t, nil)
	w.Resize(fyne.NewSize(1280, 800))
	u := Create(a, w, r.Till, Options{Title: "Test Kafé", Demo: true})
	t.Cleanup(u.Close) // its ticker stops with the test
	code := ean13("703801000999")
	r.Till.Scan(code)
	waitView(t, r.Till, "the unknown-product notice", func(v checkout.View) bool { return v.UnknownCode == code })
	var visible bool
	u.inspect(func() { visible = u.byHand.Visible() })
	if !visible {
		t.Fatal("the notice does not offer to add the item by hand")
	}
	if h := u.byHand.MinSize().Height; h < 48 {
		t.Errorf("Add by hand is %.0f px high", h)
	}
	test.Tap(u.byHand)
	d := u.openItem
	test.Type(d.desc, "Gavekort-omslag")
	test.Type(d.price, "39,9x")
	test.Tap(d.add)
	if d.err.Text == "" || len(r.Till.View().Lines) != 0 {
		t.Fatalf("a bad price: message %q, %d lines", d.err.Text, len(r.Till.View().Lines))
	}
	d.price.SetText("39,90")
	d.vat.SetSelected("25 %")
	test.Tap(d.add)
	v := waitView(t, r.Till, "the item in the basket", func(v checkout.View) bool { return len(v.Lines) == 1 })
	l := v.Lines[0]
	if l.Name != "Gavekort-omslag" || l.UnitPrice != 3990 || l.VATRate != 2500 || l.EAN != code || v.UnknownCode != "" {
		t.Errorf("line %+v, unknown code still %q", l, v.UnknownCode)
	}
}
