package escpos

import (
	"slices"
	"testing"
	"time"
)

func TestDiscountsAndWeightOnPaper(t *testing.T) {
	r := Receipt{
		ShopName: "Kaffebrenneriet", Time: time.Date(2026, 11, 25, 14, 3, 0, 0, time.UTC), Number: "000124", Currency: "NOK",
		Lines: []Line{
			{Name: "Skolebolle", Qty: 2, UnitPrice: 3900, Total: 7020, Discount: 780, DiscountText: "10 %: best before today"},
			{Name: "Epler", Qty: 1, UnitPrice: 3490, Total: 1857, Detail: "0,532 kg x 34,90/kg"},
		},
		Discount: 1000, DiscountText: "10,00: regular customer",
		Total: 7877,
	}
	data, err := Encode(r, Options{})
	if err != nil {
		t.Fatal(err)
	}
	d, err := Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"  2 x 39,00                                78,00",
		"  Rabatt 10 %: best before today           -7,80",
		"Epler",
		"  0,532 kg x 34,90/kg                      18,57",
		"Rabatt 10,00: regular customer            -10,00",
		"Totalt NOK                                 78,77",
	} {
		if !slices.Contains(d.Lines, want) {
			t.Errorf("no line %q in\n%s", want, d.Text())
		}
	}
}
