package saft

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kasse-pos/kasse/app/basket"
	"github.com/kasse-pos/kasse/app/fiscal"
	"github.com/kasse-pos/kasse/app/journal"
	"github.com/kasse-pos/kasse/payments/epayment"
)

// A sale with a new price, a line discount, a basket discount and two
// weighings of one product exports what was paid, validates, names the
// weighed product's article once and records the price change as an event.
func TestExportDiscountedSale(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	j := openJournal(t, dir)
	keys, err := fiscal.OpenKeys(filepath.Join(dir, "fiscal"))
	if err != nil {
		t.Fatal(err)
	}
	signer := fiscal.NewSigner(j, keys, clock())

	var b basket.Basket
	b.Lines = append(b.Lines, shirt)
	apples := basket.Line{ProductID: "apples", Name: "Epler", UnitPrice: 3490, VATRate: 1500, Quantity: 1, Grams: 532}
	b.AddLine(apples)
	apples.Grams = 1000
	b.AddLine(apples)
	recs := []journal.Record{{Kind: journal.KindSaleOpened, Cashier: "kari", Opened: &journal.Opened{POSID: "KASSE-1", Currency: "NOK"}}}
	for _, l := range b.Lines {
		recs = append(recs, journal.Record{Kind: journal.KindLineAdded, Cashier: "kari", Line: &journal.LineEdit{Line: l}})
	}
	if err := b.SetPrice("shirt", 10000, "price match", ""); err != nil {
		t.Fatal(err)
	}
	recs = append(recs, journal.Record{Kind: journal.KindLineRepriced, Cashier: "kari", Line: &journal.LineEdit{Line: b.Lines[0]}})
	if err := b.SetDiscount("apples", &basket.Off{Percent: 10, Reason: "bruised"}); err != nil {
		t.Fatal(err)
	}
	recs = append(recs, journal.Record{Kind: journal.KindLineDiscounted, Cashier: "kari", Line: &journal.LineEdit{Line: b.Lines[1]}})
	off := basket.Off{Amount: 500, Reason: "regular customer"}
	if err := b.SetBasketDiscount(&off); err != nil {
		t.Fatal(err)
	}
	recs = append(recs, journal.Record{Kind: journal.KindBasketDiscounted, Cashier: "kari", Discount: &off},
		journal.Record{Kind: journal.KindSaleNumbered, Numbered: &journal.Numbered{}})
	id := must(t, j, recs...)[0].Sale
	total := b.Totals().Gross // 100,00 + 18,57 − 1,86 + 34,90 − 5,00
	if total != 14661 {
		t.Fatalf("total %d", total)
	}
	ref := "kasse-1-000001"
	must(t, j,
		journal.Record{Kind: journal.KindIntent, Sale: id, Ref: ref, Intent: &journal.Intent{Action: journal.ActCreate, Key: ref + "-create", Amount: total,
			Request: &epayment.CreatePaymentRequest{Reference: ref, Amount: epayment.Amount{Currency: "NOK", Value: total}}}},
		journal.Record{Kind: journal.KindState, Sale: id, Ref: ref, State: &journal.StateChange{State: journal.StateRequested}},
		journal.Record{Kind: journal.KindAnswer, Sale: id, Ref: ref, Answer: &journal.Answer{Action: journal.ActCapture, OK: true, Captured: total}},
		journal.Record{Kind: journal.KindState, Sale: id, Ref: ref, State: &journal.StateChange{State: journal.StateCaptured}})
	if _, err := signer.Sign(ctx, id); err != nil {
		t.Fatal(err)
	}
	s, _ := j.Get(id)
	if s.Totals.Gross != total || s.Basket.Lines[1].Off == nil || s.Basket.Lines[1].Off.By != "kari" {
		t.Fatalf("folded sale %+v", s.Basket)
	}

	af, path := exportDay(t, j, dir)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	reg := af.Company.Locations[0].CashRegisters[0]
	if len(reg.Transactions) != 1 || reg.Transactions[0].TransAmntIn != "146.61" {
		t.Fatalf("transactions %+v", reg.Transactions)
	}
	if s := string(data); strings.Contains(s, "apples#2") || !strings.Contains(s, "Prisendring: T-skjorte (shirt) 125,00 → 100,00: price match") {
		t.Errorf("the export names a weighing as an article, or lacks the price change")
	}
}
