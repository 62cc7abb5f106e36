package journal

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/kasse-pos/kasse/app/basket"
)

// The journal refuses cash that does not add up, cash for a paid sale, and
// drawer records without their payload; a refused append writes nothing.
func TestCashRecordsAreChecked(t *testing.T) {
	j, err := Open(filepath.Join(t.TempDir(), "kasse.db"), Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	line := basket.Line{ProductID: "P1", Name: "Kaffe", UnitPrice: 12345, VATRate: 2500, Quantity: 1}
	recs, err := j.Append(Record{Kind: KindSaleOpened, Opened: &Opened{POSID: "1", Currency: "NOK"}},
		Record{Kind: KindLineAdded, Line: &LineEdit{Line: line}}, Record{Kind: KindSaleNumbered})
	if err != nil {
		t.Fatal(err)
	}
	id := recs[0].Sale
	for name, bad := range map[string]Record{
		"given less change is not the amount": {Kind: KindTenderCash, Sale: id, Tender: &TenderData{Method: TenderCash, Amount: 12300, Rounding: -45, Given: 20000, Change: 7600}},
		"no amount":                           {Kind: KindTenderCash, Sale: id, Tender: &TenderData{Method: TenderCash}},
		"a return of cash never taken":        {Kind: KindTenderReturn, Sale: id, Tender: &TenderData{Method: TenderCash, Amount: 100}},
		"a drawer opening without a reason":   {Kind: KindDrawerOpened, Drawer: &DrawerData{}},
		"cash out of nothing":                 {Kind: KindCashOut, Cash: &CashData{Day: "2026-12-01"}},
		"a cash refund of an unpaid sale":     {Kind: KindRefundCash, Sale: id, RefundCash: &RefundCashData{Key: "k", Amount: 100, Paid: 100}},
	} {
		if _, err := j.Append(bad); err == nil {
			t.Errorf("%s: appended", name)
		}
	}
	if _, err := j.Append(Record{Kind: KindTenderCash, Sale: id, Tender: &TenderData{Method: TenderCash, Amount: 12300, Rounding: -45, Given: 20000, Change: 7700}}); err != nil {
		t.Fatal(err)
	}
	s, err := j.Get(id)
	if err != nil {
		t.Fatal(err)
	}
	if !s.PaidInCash() || s.State() != StateCaptured || s.CashPaid() != 12300 || s.CashRounding() != -45 || s.CashSettled().IsZero() {
		t.Fatalf("sale: paid %v, state %s, cash %d, rounding %d", s.PaidInCash(), s.State(), s.CashPaid(), s.CashRounding())
	}
	if _, err := j.Append(Record{Kind: KindTenderCash, Sale: id, Tender: &TenderData{Method: TenderCash, Amount: 100}}); err == nil {
		t.Error("cash was taken twice for one sale")
	}
	// The index folds the same from the records.
	if err := j.Rebuild(); err != nil {
		t.Fatal(err)
	}
	if again, _ := j.Get(id); again.CashPaid() != 12300 || len(again.Tenders) != 1 {
		t.Errorf("after rebuild: %+v", again.Tenders)
	}
}
