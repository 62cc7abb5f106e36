package saft

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/kasse-pos/kasse/app/fiscal"
	"github.com/kasse-pos/kasse/app/journal"
)

// A sale paid in cash, and its refund in cash, are exported with the cash payment type (12001):
// the transaction is the lines' amount (the cash rounding is not a sale), the payment the cash
// that changed hands, and the rounding its own amount; signed like any sale.
func TestExportCashSale(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	j := openJournal(t, dir)
	keys, err := fiscal.OpenKeys(filepath.Join(dir, "fiscal"))
	if err != nil {
		t.Fatal(err)
	}
	odd := bread
	odd.UnitPrice = 5745 // 57,45: paid as 57,00 in cash
	id := must(t, j, journal.Record{Kind: journal.KindSaleOpened, Cashier: "kari", Opened: &journal.Opened{POSID: "KASSE-1", Currency: "NOK"}},
		journal.Record{Kind: journal.KindLineAdded, Line: &journal.LineEdit{Line: odd}},
		journal.Record{Kind: journal.KindSaleNumbered, Numbered: &journal.Numbered{}})[0].Sale
	must(t, j, journal.Record{Kind: journal.KindTenderCash, Sale: id,
		Tender: &journal.TenderData{Method: journal.TenderCash, Amount: 5700, Rounding: -45, Given: 10000, Change: 4300}})
	// And refunded in cash, as app/backoffice journals it.
	must(t, j, journal.Record{Kind: journal.KindRefundCash, Sale: id, RefundCash: &journal.RefundCashData{
		Key: "cash-000001-r1-20300301", Amount: 5745, Paid: 5700, RefundData: journal.RefundData{Reason: "stale", Lines: []string{"bread:1"}}}})
	if _, err := fiscal.NewSigner(j, keys, clock()).Sign(ctx, id); err != nil {
		t.Fatal(err)
	}
	af, path := exportDay(t, j, dir)
	cts := af.Company.Locations[0].CashRegisters[0].Transactions
	if len(cts) != 2 || cts[0].TransAmntIn != "57.45" || len(cts[0].Payments) != 1 ||
		cts[0].Payments[0].PaymentType != PayCash || cts[0].Payments[0].PaidAmnt != "57.00" ||
		cts[0].Rounding == nil || cts[0].Rounding.RoundingAmnt != "-0.45" {
		t.Fatalf("transactions: %+v", cts)
	}
	if r := cts[1]; r.TransType != TransReturn || r.TransAmntIn != "-57.45" || r.Payments[0].PaymentType != PayCash ||
		r.Payments[0].PaidAmnt != "-57.00" || r.Rounding == nil || r.Rounding.RoundingAmnt != "0.45" {
		t.Errorf("the cash refund: %s %s paid %+v", r.TransType, r.TransAmntIn, r.Payments)
	}
	rep, err := Verify(path, keys.Public)
	if err != nil || !rep.OK() {
		t.Errorf("verify: %v\n%s", err, rep)
	}
}
