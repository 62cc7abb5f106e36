package basket

import (
	"encoding/json"
	"github.com/kasse-pos/kasse/app/money"
	"math/rand"
	"testing"
)

func TestBasketDiscountSharedLargestRemainder(t *testing.T) {
	b := Basket{Lines: []Line{
		{ProductID: "A", UnitPrice: 100, VATRate: 2500, Quantity: 1},
		{ProductID: "B", UnitPrice: 100, VATRate: 1500, Quantity: 1},
		{ProductID: "C", UnitPrice: 100, VATRate: 0, Quantity: 1},
	}}
	if err := b.SetBasketDiscount(&Off{Amount: 100, Reason: "loyal"}); err != nil {
		t.Fatal(err)
	}
	s := b.Settled()
	got := []int64{s.Lines[0].BasketOff, s.Lines[1].BasketOff, s.Lines[2].BasketOff}
	if got[0] != 34 || got[1] != 33 || got[2] != 33 {
		t.Fatalf("shares = %v, want [34 33 33] (the first line takes the odd øre)", got)
	}
	tot := b.Totals()
	if tot.Gross != 200 || tot.Discount != 100 {
		t.Fatalf("totals = %+v, want gross 200 after 100 off", tot)
	}
}

func TestLineDiscountPercentAndAmount(t *testing.T) {
	var b Basket
	b.Add(bolle) // 39,00 at 15 %
	b.Add(bolle)
	if err := b.SetDiscount("P3", &Off{Percent: 15, Reason: "best before today"}); err != nil {
		t.Fatal(err)
	}
	if d := b.Lines[0].LineDiscount(); d != 1170 { // 15 % of 78,00
		t.Fatalf("discount = %d, want 1170", d)
	}
	if b.Totals().Gross != 7800-1170 {
		t.Fatalf("gross = %d", b.Totals().Gross)
	}
	if err := b.SetDiscount("P3", &Off{Amount: 7801, Reason: "x"}); err == nil {
		t.Fatal("a discount above the line's price was taken")
	}
	for _, bad := range []Off{{Reason: "x"}, {Percent: 10}, {Percent: 101, Reason: "x"}, {Percent: 5, Amount: 5, Reason: "x"}, {Amount: -1, Reason: "x"}} {
		if err := b.SetDiscount("P3", &bad); err == nil {
			t.Errorf("discount %+v was taken", bad)
		}
	}
	if err := b.SetDiscount("P3", nil); err != nil || b.Totals().Gross != 7800 {
		t.Fatalf("removing the discount: %v, gross %d", err, b.Totals().Gross)
	}
}

func TestWeighedLine(t *testing.T) {
	l := Line{ProductID: "W", Name: "Epler", UnitPrice: 12900, VATRate: 1500, Quantity: 1, Grams: 532}
	if l.Gross() != 6863 { // 68,628 rounds half up to 68,63
		t.Fatalf("gross = %d, want 6863", l.Gross())
	}
	if l.QuantityString() != "0.532" || l.QuantityUnit() != "KG" {
		t.Fatalf("quantity = %q %q", l.QuantityString(), l.QuantityUnit())
	}
	if (Line{Grams: 12005, Quantity: 1}).QuantityString() != "12.005" {
		t.Fatal("12005 g is not 12.005 kg")
	}
	var b Basket
	first := b.AddLine(l)
	second := b.AddLine(l)
	if first.ProductID != "W" || second.ProductID != "W#2" || len(b.Lines) != 2 {
		t.Fatalf("two weighings are %q and %q", first.ProductID, second.ProductID)
	}
	if err := b.SetQuantity("W", 2); err == nil {
		t.Fatal("a weighed line took a quantity of 2")
	}
}

func TestPriceOverrideKeepsListPrice(t *testing.T) {
	var b Basket
	b.Add(powerbank)
	if err := b.SetPrice("P1", 25000, "", "Kari"); err == nil {
		t.Fatal("a price override without a reason was taken")
	}
	if err := b.SetPrice("P1", 25000, "price match", "Kari"); err != nil {
		t.Fatal(err)
	}
	if err := b.SetPrice("P1", 24000, "price match again", "Kari"); err != nil {
		t.Fatal(err)
	}
	l := b.Lines[0]
	if l.UnitPrice != 24000 || l.Override == nil || l.Override.ListPrice != 29900 {
		t.Fatalf("line = %+v, override %+v", l, l.Override)
	}
}

func TestOldLineJSONLoads(t *testing.T) {
	// A line as journals before discounts wrote it.
	var l Line
	if err := json.Unmarshal([]byte(`{"productId":"P1","name":"Powerbank","ean":"7038010001079","unitPrice":29900,"vat":25,"quantity":2}`), &l); err != nil {
		t.Fatal(err)
	}
	if l.Total() != 59800 || l.Discount() != 0 || l.Weighed() {
		t.Fatalf("old line = %+v, total %d", l, l.Total())
	}
	out, _ := json.Marshal(Line{ProductID: "P1", UnitPrice: 1, Quantity: 1})
	if string(out) != `{"productId":"P1","name":"","unitPrice":1,"vat":0,"quantity":1}` {
		t.Fatalf("a plain line writes new fields: %s", out)
	}
}

// randomBasket is a basket of pieces and weighed lines at the Nordic VAT
// rates, with line discounts and maybe a basket discount.
func randomBasket(r *rand.Rand) Basket {
	rates := []money.Rate{0, 1200, 1500, 2500, 2550} // and Finland's 25.5 %
	var b Basket
	n := 1 + r.Intn(8)
	for i := 0; i < n; i++ {
		l := Line{ProductID: string(rune('A' + i)), Name: "x", UnitPrice: 1 + r.Int63n(200000), VATRate: rates[r.Intn(len(rates))], Quantity: 1 + r.Intn(12)}
		if r.Intn(4) == 0 {
			l.Quantity, l.Grams = 1, 1+r.Intn(99999)
		}
		b.Lines = append(b.Lines, l)
		switch r.Intn(4) {
		case 0:
			_ = b.SetDiscount(l.ProductID, &Off{Percent: 1 + r.Intn(100), Reason: "r"})
		case 1:
			_ = b.SetDiscount(l.ProductID, &Off{Amount: r.Int63n(l.Gross() + 1), Reason: "r"})
		}
	}
	switch r.Intn(3) {
	case 0:
		_ = b.SetBasketDiscount(&Off{Percent: 1 + r.Intn(100), Reason: "r"})
	case 1:
		_ = b.SetBasketDiscount(&Off{Amount: r.Int63n(b.Totals().Gross + 1), Reason: "r"})
	}
	return b
}

func TestDiscountsAddUpProperty(t *testing.T) {
	r := rand.New(rand.NewSource(14))
	for i := 0; i < 5000; i++ {
		b := randomBasket(r)
		tot := b.Totals()
		s := b.Settled()
		var gross, paid, off, shares, vat int64
		for _, l := range s.Lines {
			if l.Total() < 0 {
				t.Fatalf("basket %d: line %s below zero: %+v", i, l.ProductID, l)
			}
			gross += l.Gross()
			paid += l.Total()
			off += l.Discount()
			shares += l.BasketOff
			_, v := l.Split()
			vat += v
		}
		if gross-tot.Discount != tot.Gross || paid != tot.Gross || off != tot.Discount {
			t.Fatalf("basket %d: lines %d − discounts %d ≠ total %d (lines paid %d)", i, gross, tot.Discount, tot.Gross, paid)
		}
		if shares != b.BasketDiscount() {
			t.Fatalf("basket %d: shares %d ≠ basket discount %d", i, shares, b.BasketDiscount())
		}
		var rg, rv, rn int64
		for _, v := range tot.ByVAT {
			if v.Net+v.VAT != v.Gross {
				t.Fatalf("basket %d: rate %d: %d + %d ≠ %d", i, v.Rate, v.Net, v.VAT, v.Gross)
			}
			rg, rv, rn = rg+v.Gross, rv+v.VAT, rn+v.Net
		}
		if rg != tot.Gross || rv != tot.VAT || rn != tot.Net || vat != tot.VAT {
			t.Fatalf("basket %d: VAT per rate %d/%d/%d ≠ totals %+v (lines' VAT %d)", i, rg, rv, rn, tot, vat)
		}
		again := s.Settled()
		for j := range again.Lines {
			if again.Lines[j].BasketOff != s.Lines[j].BasketOff {
				t.Fatalf("basket %d: Settled is not idempotent", i)
			}
		}
		for _, l := range s.Lines {
			sum := int64(0)
			for k := 0; k < l.Quantity-1; k++ {
				sum += l.Part(1)
			}
			if l.Quantity > 1 && (sum > l.Total() || l.Part(-1) != -l.Part(1)) {
				t.Fatalf("basket %d: parts of %+v do not fit its total %d", i, l, l.Total())
			}
		}
	}
}
