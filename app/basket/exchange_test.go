package basket

import "testing"

// A return line is minus what was paid for it, whatever its unit price,
// takes no discount of its own nor a share of the basket's, and the totals
// are the net with VAT exact per rate.
func TestReturnLineInTotals(t *testing.T) {
	sold := Line{ProductID: "P025", Name: "Termokopp", UnitPrice: 19900, VATRate: 2500, Quantity: 3}
	ret := ReturnLine(7, "000007", sold, 2, 26533) // two of three after a discount
	if ret.Quantity != -2 || ret.Total() != -26533 || ret.CatalogID() != "P025" || ret.ProductID != ReturnID(7, "P025") {
		t.Fatalf("return line %+v: total %d, catalog id %s", ret, ret.Total(), ret.CatalogID())
	}
	b := Basket{Lines: []Line{ret, {ProductID: "P026", Name: "Powerbank", UnitPrice: 29900, VATRate: 2500, Quantity: 1}, {ProductID: "P001", Name: "Kaffe", UnitPrice: 3200, VATRate: 1500, Quantity: 1}}}
	if err := b.SetDiscount(ret.ProductID, &Off{Percent: 10, Reason: "no"}); err == nil {
		t.Error("a return line took a discount")
	}
	if err := b.SetPrice(ret.ProductID, 100, "no", ""); err == nil {
		t.Error("a return line took a new price")
	}
	if err := b.SetQuantity(ret.ProductID, -1); err == nil {
		t.Error("a return line's quantity changed")
	}
	if err := b.SetBasketDiscount(&Off{Amount: 33100, Reason: "all of what is sold"}); err != nil {
		t.Fatal(err)
	}
	s := b.Settled()
	if s.Lines[0].BasketOff != 0 {
		t.Errorf("the return line took %d of the basket discount", s.Lines[0].BasketOff)
	}
	tot := b.Totals()
	if tot.Gross != -26533 {
		t.Errorf("net %d, want -26533 (everything sold discounted away)", tot.Gross)
	}
	var gross, vat int64
	for _, v := range tot.ByVAT {
		gross += v.Gross
		vat += v.VAT
	}
	if gross != tot.Gross || vat != tot.VAT || tot.Net+tot.VAT != tot.Gross {
		t.Errorf("totals %+v do not add up", tot)
	}
	b.Remove(ret.ProductID)
	if b.Has(ret.ProductID) || len(b.Returns()) != 0 {
		t.Error("the return line was not removed")
	}
}
