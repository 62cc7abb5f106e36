package station

import (
	"context"
	"slices"
	"testing"

	"github.com/kasse-pos/kasse/app/basket"
	"github.com/kasse-pos/kasse/app/checkout"
	"github.com/kasse-pos/kasse/hardware/escpos"
)

// The paper receipt of a discounted sale: each line's own discount under it,
// the basket's once after the lines, the weight of a weighed line, and the
// amounts down the right add up to the total.
func TestDiscountedReceiptOnPaper(t *testing.T) {
	b := basket.Basket{Lines: []basket.Line{
		{ProductID: "P1", Name: "Skolebolle", UnitPrice: 3900, VATRate: 1500, Quantity: 2},
		{ProductID: "W1", Name: "Epler", UnitPrice: 3490, VATRate: 1500, Quantity: 1, Grams: 532},
	}}
	if err := b.SetDiscount("P1", &basket.Off{Percent: 10, Reason: "best before today"}); err != nil {
		t.Fatal(err)
	}
	if err := b.SetBasketDiscount(&basket.Off{Amount: 1000, Reason: "regular customer"}); err != nil {
		t.Fatal(err)
	}
	s := b.Settled()
	r := checkout.Receipt{Number: "000124", Currency: "NOK", Lines: s.Lines, Totals: s.Totals(), Discount: s.Discount}
	p, err := NewReceiptPrinter("virtual:", PrinterConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.PrintReceipt(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	d, _ := p.Device.(*escpos.Virtual).Last()
	for _, want := range []string{
		"  2 x 39,00                                78,00",
		"  Rabatt 10 %: best before today           -7,80",
		"  0,532 kg x 34,90/kg                      18,57",
		"Rabatt 10,00: regular customer            -10,00",
		"Totalt NOK                                 78,77", // 78,00 − 7,80 + 18,57 − 10,00
	} {
		if !slices.Contains(d.Lines, want) {
			t.Errorf("no line %q in\n%s", want, d.Text())
		}
	}
}
