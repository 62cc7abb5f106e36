package basket

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/kasse-pos/kasse/app/catalog"
)

var (
	powerbank = catalog.Product{ID: "P1", Name: "Powerbank", Price: 29900, VATRate: 2500, EAN: "7038010001079"}
	termokopp = catalog.Product{ID: "P2", Name: "Termokopp", Price: 19900, VATRate: 2500, EAN: "7038010001147"}
	bolle     = catalog.Product{ID: "P3", Name: "Kanelbolle", Price: 3900, VATRate: 1500, EAN: "7038010001215"}
)

func TestSeedBasket(t *testing.T) {
	var b Basket
	b.Add(powerbank)
	b.Add(termokopp)
	tot := b.Totals()
	if tot.Gross != 49800 || tot.Net != 39840 || tot.VAT != 9960 {
		t.Fatalf("totals = %+v, want 49800 = 39840 + 9960", tot)
	}
	if len(tot.ByVAT) != 1 || tot.ByVAT[0] != (VATLine{Rate: 2500, Net: 39840, VAT: 9960, Gross: 49800}) {
		t.Fatalf("VAT per rate = %+v", tot.ByVAT)
	}
	net, vat := b.Lines[0].Split()
	if net != 23920 || vat != 5980 {
		t.Errorf("powerbank line = %d + %d, want 23920 + 5980", net, vat)
	}
}

func TestMixedRatesAddUp(t *testing.T) {
	var b Basket
	b.Add(bolle)
	b.Add(bolle)
	b.Add(bolle)
	b.Add(powerbank)
	if b.Lines[0].Quantity != 3 || len(b.Lines) != 2 {
		t.Fatalf("lines = %+v", b.Lines)
	}
	tot := b.Totals()
	var gross, net, vat int64
	for _, l := range b.Lines {
		n, v := l.Split()
		gross += l.Total()
		net += n
		vat += v
	}
	if tot.Gross != gross || tot.Net != net || tot.VAT != vat || tot.Net+tot.VAT != tot.Gross {
		t.Fatalf("totals %+v do not sum the lines (%d, %d, %d)", tot, gross, net, vat)
	}
	if len(tot.ByVAT) != 2 || tot.ByVAT[0].Rate != 2500 || tot.ByVAT[1].Rate != 1500 {
		t.Fatalf("rates = %+v", tot.ByVAT)
	}
	// 3 × 39,00 at 15 %: 117,00 = 101,74 + 15,26
	if tot.ByVAT[1].Net != 10174 || tot.ByVAT[1].VAT != 1526 {
		t.Errorf("15 %% rate = %+v", tot.ByVAT[1])
	}
}

func TestQuantities(t *testing.T) {
	var b Basket
	b.Add(bolle)
	if err := b.SetQuantity("P3", MaxQuantity+1); err == nil {
		t.Error("quantity above max accepted")
	}
	b.SetQuantity("P3", 0)
	if !b.Empty() {
		t.Error("quantity 0 kept the line")
	}
	b.Add(bolle)
	c := b.Clone()
	b.Add(bolle)
	if c.Lines[0].Quantity != 1 {
		t.Error("clone shares lines with the basket")
	}
	b.Clear()
	if !b.Empty() || b.Count() != 0 {
		t.Error("clear left lines")
	}
}

func TestLineReadsOldWholePercentAndFinnishRate(t *testing.T) {
	// A journal written before rates had decimals says "vat": 25.
	var l Line
	if err := json.Unmarshal([]byte(`{"productId":"P1","name":"Kaffe","unitPrice":1000,"vat":25,"quantity":1}`), &l); err != nil || l.VATRate != 2500 {
		t.Fatalf("old line: %+v, %v", l, err)
	}
	if b, _ := json.Marshal(l); !strings.Contains(string(b), `"vat":25,`) {
		t.Errorf("whole rate not written as before: %s", b)
	}
	// Finland: 25.5 %. 10,00 € → net 7,97, VAT 2,03, exactly.
	fi := Basket{Lines: []Line{{ProductID: "K", Name: "Kahvi", UnitPrice: 500, VATRate: 2550, Quantity: 2}, {ProductID: "L", Name: "Leipä", UnitPrice: 490, VATRate: 1350, Quantity: 1}}}
	tot := fi.Totals()
	if len(tot.ByVAT) != 2 || tot.ByVAT[0] != (VATLine{Rate: 2550, Net: 797, VAT: 203, Gross: 1000}) || tot.ByVAT[1] != (VATLine{Rate: 1350, Net: 432, VAT: 58, Gross: 490}) {
		t.Errorf("FI totals = %+v", tot)
	}
	if b, _ := json.Marshal(tot.ByVAT[0]); string(b) != `{"percent":25.5,"net":797,"vat":203,"gross":1000}` {
		t.Errorf("VAT line JSON = %s", b)
	}
}
