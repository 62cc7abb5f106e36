package journal

import (
	"testing"
)

// Login and logout are till-level records: no sale, chained and verified
// like any other; SetCashier names the cashier on records appended without
// one, and a record that names its own keeps it.
func TestCashierRecords(t *testing.T) {
	j, path := openTemp(t)
	who := "Kari"
	j.SetCashier(func() string { return who })
	recs := mustAppend(t, j,
		Record{Kind: KindCashierLogin, Cashier: "Kari", Note: "cashier"},
		Record{Kind: KindSaleOpened, Opened: &Opened{POSID: "1", Currency: "NOK"}},
		Record{Kind: KindCashierLogout, Cashier: "Kari", Note: "switch to Per"},
	)
	if recs[0].Sale != 0 || recs[2].Sale != 0 || recs[1].Cashier != "Kari" {
		t.Fatalf("records %+v", recs)
	}
	s, err := j.Get(recs[1].Sale)
	if err != nil || s.Cashier != "Kari" {
		t.Fatalf("sale %+v, %v", s, err)
	}
	who = "Per"
	if r := mustAppend(t, j, Record{Kind: KindBasketCleared, Sale: s.ID}); r[0].Cashier != "Per" {
		t.Errorf("record appended after the switch names %q", r[0].Cashier)
	}
	j.Close()
	rep, err := Verify(path)
	if err != nil || !rep.OK() || rep.Records != 5 { // journal.created and the four above
		t.Errorf("verify: %+v, %v", rep, err)
	}
}
