package checkout_test

import (
	"context"
	"encoding/json"
	"errors"
	"github.com/kasse-pos/kasse/app/money"
	"math/rand"
	"os"
	"path/filepath"
	"testing"

	"github.com/kasse-pos/kasse/app/basket"
	"github.com/kasse-pos/kasse/app/catalog"
	"github.com/kasse-pos/kasse/app/checkout"
	"github.com/kasse-pos/kasse/app/demo/demotest"
	"github.com/kasse-pos/kasse/app/journal"
	"github.com/kasse-pos/kasse/app/scan"
	"github.com/kasse-pos/kasse/app/station"
	"github.com/kasse-pos/kasse/assets"
	"github.com/kasse-pos/kasse/payments/epayment"
)

// requestOf is the createPayment body the till journaled for ref.
func requestOf(t *testing.T, r *demotest.Till, ref string) (*journal.Sale, epayment.CreatePaymentRequest) {
	t.Helper()
	s, err := r.Station.Journal.ByReference(ref)
	if err != nil {
		t.Fatal(err)
	}
	return s, s.Attempt(ref).Request
}

// receiptAddsUp checks what the receipt validation of Vipps requires: each
// line's net and tax make its total, and the lines make the amount.
func receiptAddsUp(t *testing.T, req epayment.CreatePaymentRequest) {
	t.Helper()
	var sum int64
	for _, l := range req.Receipt.OrderLines {
		if l.TotalAmountExcludingTax+l.TotalTaxAmount != l.TotalAmount || l.Discount < 0 {
			t.Errorf("order line %+v does not add up", l)
		}
		sum += l.TotalAmount
	}
	if sum != req.Amount.Value {
		t.Errorf("order lines sum to %d, the amount is %d", sum, req.Amount.Value)
	}
}

func TestDiscountedSaleIsCaptured(t *testing.T) {
	r := newRig(t, false)
	r.Fill("912 34 567", "P025", "P001", "P001") // 199,00 at 25 %, 2 × 32,00 at 15 %
	if err := r.Till.DiscountLine("P001", &basket.Off{Percent: 10, Reason: "best before today"}); err != nil {
		t.Fatal(err)
	}
	if err := r.Till.DiscountBasket(&basket.Off{Amount: 1000, Reason: "regular customer"}); err != nil {
		t.Fatal(err)
	}
	if err := r.Till.DiscountBasket(&basket.Off{Amount: 1000}); err == nil {
		t.Fatal("a discount without a reason was taken")
	}
	v := r.Till.View()
	// 199,00 + 64,00 − 6,40 − 10,00.
	if v.Totals.Gross != 24660 || v.Totals.Discount != 1640 || v.Discount == nil || v.Discount.Reason != "regular customer" {
		t.Fatalf("view totals %+v, discount %+v", v.Totals, v.Discount)
	}
	if err := r.Till.Pay(); err != nil {
		t.Fatal(err)
	}
	v = r.Await("captured", phase(checkout.PhaseDone))
	if v.Receipt.Totals.Gross != 24660 {
		t.Fatalf("receipt total %d, want 24660", v.Receipt.Totals.Gross)
	}
	if p := r.Ledger(v.Reference); p.Aggregate.CapturedAmount.Value != 24660 {
		t.Errorf("captured %d, want 24660", p.Aggregate.CapturedAmount.Value)
	}
	s, req := requestOf(t, r.Till, v.Reference)
	receiptAddsUp(t, req)
	// 10,00 off shared 191,24:57,60 by largest remainder: 7,76 and 2,24.
	want := map[string][2]int64{"P025": {19124, 776}, "P001": {5536, 640 + 224}}
	for _, l := range req.Receipt.OrderLines {
		w := want[l.ID]
		if l.TotalAmount != w[0] || l.Discount != w[1] {
			t.Errorf("order line %s: total %d discount %d, want %d and %d", l.ID, l.TotalAmount, l.Discount, w[0], w[1])
		}
	}
	if l := req.Receipt.OrderLines[1]; l.UnitInfo == nil || l.UnitInfo.UnitPrice != 3200 || l.UnitInfo.Quantity != "2" {
		t.Errorf("unitInfo = %+v, want the list price 3200 × 2", l.UnitInfo)
	}
	recs, err := r.Station.Journal.Records(s.ID)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[journal.Kind]int{}
	for _, rec := range recs {
		kinds[rec.Kind]++
	}
	if kinds[journal.KindLineDiscounted] != 1 || kinds[journal.KindBasketDiscounted] != 1 {
		t.Errorf("journal kinds %v, want one line.discounted and one basket.discounted", kinds)
	}
	if s.Totals.Gross != 24660 || s.Totals.Discount != 1640 {
		t.Errorf("journaled totals %+v", s.Totals)
	}
}

func TestPriceOverrideIsJournaled(t *testing.T) {
	r := newRig(t, false)
	r.Fill("912 34 567", "P025")
	if err := r.Till.SetPrice("P025", 15000, ""); err == nil {
		t.Fatal("a new price without a reason was taken")
	}
	if err := r.Till.SetPrice("P025", 15000, "price match"); err != nil {
		t.Fatal(err)
	}
	if err := r.Till.Pay(); err != nil {
		t.Fatal(err)
	}
	v := r.Await("captured", phase(checkout.PhaseDone))
	s, req := requestOf(t, r.Till, v.Reference)
	receiptAddsUp(t, req)
	if req.Amount.Value != 15000 || req.Receipt.OrderLines[0].UnitInfo.UnitPrice != 15000 {
		t.Errorf("request %+v, want 150,00", req.Amount)
	}
	l := s.Basket.Lines[0]
	if l.Override == nil || l.Override.ListPrice != 19900 || l.Override.Reason != "price match" {
		t.Errorf("journaled line %+v, override %+v", l, l.Override)
	}
}

// weighedCatalog is the demo catalog and apples sold by weight, item 00001.
func weighedCatalog(t *testing.T) string {
	t.Helper()
	var f map[string]any
	if err := json.Unmarshal(assets.DemoCatalog, &f); err != nil {
		t.Fatal(err)
	}
	f["products"] = append(f["products"].([]any), map[string]any{"id": "W1", "name": "Epler", "category": "Mat",
		"price": 3490, "vat": 15, "ean": "2300001000008", "plu": "00001", "perKg": true, "color": "#8bc34a"})
	data, _ := json.Marshal(f)
	path := filepath.Join(t.TempDir(), "catalog.json")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestWeighedBarcodeSellsKilograms(t *testing.T) {
	cat := weighedCatalog(t)
	r := demotest.Start(t, demotest.Options{Contract: true, Configure: func(c *station.Config) {
		c.CatalogFile = cat
		c.InStoreBarcodes = scan.Rules{{Prefix: "23", Weight: true}, {Prefix: "24"}}
	}})
	if err := r.Till.AddProduct("W1"); err == nil {
		t.Fatal("a product sold by weight went in the basket by the piece")
	}
	r.Till.Scan("2300001005324") // item 00001, 532 g
	r.Till.Scan("2400001049905") // item 00001 with a price label: 49,90
	r.Till.Scan("2300099005329") // an item code the catalog lacks
	v := r.Till.View()
	if v.UnknownCode != "2300099005329" {
		t.Errorf("unknown in-store item: notice %q, code %q", v.Notice, v.UnknownCode)
	}
	if len(v.Lines) != 2 || v.Lines[0].Grams != 532 || v.Lines[0].ProductID != "W1" || v.Lines[1].ProductID != "W1#2" {
		t.Fatalf("lines = %+v", v.Lines)
	}
	// 34,90/kg × 0,532 kg = 18,5668 → 18,57; and 49,90.
	if v.Totals.Gross != 1857+4990 {
		t.Fatalf("total %d, want %d", v.Totals.Gross, 1857+4990)
	}
	if err := r.Till.SetCustomer("912 34 567"); err != nil {
		t.Fatal(err)
	}
	if err := r.Till.Pay(); err != nil {
		t.Fatal(err)
	}
	v = r.Await("captured", phase(checkout.PhaseDone))
	_, req := requestOf(t, r, v.Reference)
	receiptAddsUp(t, req)
	got := req.Receipt.OrderLines[0]
	if got.TotalAmount != 1857 || got.UnitInfo == nil || *got.UnitInfo != (epayment.UnitInfo{UnitPrice: 3490, Quantity: "0.532", QuantityUnit: "KG"}) {
		t.Errorf("weighed order line %+v, unitInfo %+v", got, got.UnitInfo)
	}
	if u := req.Receipt.OrderLines[1].UnitInfo; u == nil || *u != (epayment.UnitInfo{UnitPrice: 4990, Quantity: "1", QuantityUnit: "PCS"}) {
		t.Errorf("price-labelled unitInfo %+v", u)
	}
}

// noAPI is a payment API the tests below never reach.
type noAPI struct{ checkout.PaymentAPI }

func TestPermissionHook(t *testing.T) {
	j, err := journal.Open(filepath.Join(t.TempDir(), "kasse.db"), journal.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	cat, err := catalog.Parse(assets.DemoCatalog)
	if err != nil {
		t.Fatal(err)
	}
	var asked []string
	till, err := checkout.New(context.Background(), checkout.Config{Journal: j, API: noAPI{}, Catalog: cat,
		Allowed: func(action string) bool { asked = append(asked, action); return action == checkout.ActionDiscount }})
	if err != nil {
		t.Fatal(err)
	}
	defer till.Close()
	if err := till.AddProduct("P025"); err != nil {
		t.Fatal(err)
	}
	if err := till.SetPrice("P025", 100, "staff"); !errors.Is(err, checkout.ErrNotAllowed) {
		t.Fatalf("SetPrice without the right: %v", err)
	}
	if err := till.DiscountLine("P025", &basket.Off{Percent: 50, Reason: "staff"}); err != nil {
		t.Fatal(err)
	}
	if len(asked) != 2 || asked[0] != checkout.ActionReprice || asked[1] != checkout.ActionDiscount {
		t.Errorf("asked %v", asked)
	}
	if v := till.View(); v.Totals.Gross != 9950 || v.Lines[0].UnitPrice != 19900 {
		t.Errorf("view %+v", v.Totals)
	}
}

// TestReceiptLinesAddUpProperty builds random baskets with discounts and
// weighed lines through the till and checks the request it would send.
func TestReceiptLinesAddUpProperty(t *testing.T) {
	r := rand.New(rand.NewSource(7))
	for i := 0; i < 2000; i++ {
		var b basket.Basket
		for n := 1 + r.Intn(6); n > 0; n-- {
			l := basket.Line{ProductID: "P", Name: "x", UnitPrice: 1 + r.Int63n(100000), VATRate: []money.Rate{0, 1200, 1500, 2500, 2550}[r.Intn(5)], Quantity: 1 + r.Intn(5)}
			if r.Intn(3) == 0 {
				l.Grams = 1 + r.Intn(20000)
				l.Quantity = 1
			}
			l = b.AddLine(l)
			if r.Intn(2) == 0 {
				_ = b.SetDiscount(l.ProductID, &basket.Off{Percent: 1 + r.Intn(100), Reason: "r"})
			}
		}
		_ = b.SetBasketDiscount(&basket.Off{Amount: r.Int63n(b.Totals().Gross + 1), Reason: "r"})
		req := checkout.CreateRequestForTest(b)
		receiptAddsUp(t, req)
		if t.Failed() {
			t.Fatalf("basket %d: %+v", i, b)
		}
	}
}
