package journal

import (
	"testing"

	"github.com/kasse-pos/kasse/app/basket"
)

// A parked sale folds to Parked until it is recalled, and to Dropped when it
// is given up; the fold after a rebuild from the records is the same.
func TestParkRecallDropFold(t *testing.T) {
	j, _ := openTemp(t)
	a := openSale(t, j, "Kaffe")
	b := openSale(t, j, "Te")
	mustAppend(t, j, Record{Kind: KindParked, Sale: a}, Record{Kind: KindParked, Sale: b})
	mustAppend(t, j, Record{Kind: KindRecalled, Sale: a}, Record{Kind: KindDropped, Sale: b, Note: "customer left"})
	for round := range 2 {
		sa, _ := j.Get(a)
		sb, _ := j.Get(b)
		if sa.Parked || !sa.Recalled || sa.Dropped || len(sa.Basket.Lines) != 1 {
			t.Errorf("round %d: recalled sale: parked %v dropped %v lines %d", round, sa.Parked, sa.Dropped, len(sa.Basket.Lines))
		}
		if sb.Parked || sb.Recalled || !sb.Dropped {
			t.Errorf("round %d: dropped sale: parked %v dropped %v", round, sb.Parked, sb.Dropped)
		}
		if err := j.Rebuild(); err != nil {
			t.Fatal(err)
		}
	}
}

// A till-level setting is the newest journaled value; it outlives a reopen
// and a rebuild, and an empty value clears it.
func TestSettingIsTheNewestRecord(t *testing.T) {
	j, path := openTemp(t)
	if v := setting(t, j, "push-refused:1"); v != "" {
		t.Fatalf("unset setting = %q", v)
	}
	mustAppend(t, j, Record{Kind: KindSetting, Setting: &SettingData{Name: "push-refused:1", Value: "5080"}})
	mustAppend(t, j, Record{Kind: KindSetting, Setting: &SettingData{Name: "other", Value: "x"}})
	if _, err := j.Append(Record{Kind: KindSetting}); err == nil {
		t.Error("a setting without its payload was accepted")
	}
	if _, err := j.Append(Record{Kind: KindSetting, Sale: 1, Setting: &SettingData{Name: "a", Value: "b"}}); err == nil {
		t.Error("a setting on a sale was accepted")
	}
	j.Close()
	j = openAt(t, path)
	if v := setting(t, j, "push-refused:1"); v != "5080" {
		t.Fatalf("after reopen: %q", v)
	}
	mustAppend(t, j, Record{Kind: KindSetting, Setting: &SettingData{Name: "other"}})
	if err := j.Rebuild(); err != nil {
		t.Fatal(err)
	}
	if v, o := setting(t, j, "push-refused:1"), setting(t, j, "other"); v != "5080" || o != "" {
		t.Errorf("after rebuild: push %q, other %q", v, o)
	}
	a := openSale(t, j, "Kaffe")
	mustAppend(t, j, Record{Kind: KindParked, Sale: a}, Record{Kind: KindRecalled, Sale: a})
	j.Close()
	if rep, err := Verify(path); err != nil || !rep.OK() {
		t.Errorf("verify a journal with settings and parked sales: %v\n%s", err, rep)
	}
}

// A return without receipt keeps its lines, amount, tender and reason.
func TestReturnFold(t *testing.T) {
	j, _ := openTemp(t)
	out := mustAppend(t, j,
		Record{Kind: KindSaleOpened, Opened: &Opened{POSID: "pos", Currency: "NOK"}},
		Record{Kind: KindReturned, Return: &ReturnData{Lines: []basket.Line{{ProductID: "P1", Name: "Kopp", UnitPrice: 19900, VATRate: 2500, Quantity: 1}},
			Amount: 19900, Tender: TenderCash, Reason: "gift, no receipt"}},
		Record{Kind: KindSaleNumbered, Numbered: &Numbered{}})
	s, err := j.Get(out[0].Sale)
	if err != nil {
		t.Fatal(err)
	}
	if s.Return == nil || s.Return.Amount != 19900 || s.Return.Tender != TenderCash || s.Return.Reason == "" || len(s.Return.Lines) != 1 || s.ReceiptNumber == "" {
		t.Errorf("return folded to %+v, receipt %q", s.Return, s.ReceiptNumber)
	}
}

func setting(t *testing.T, j *Journal, name string) string {
	t.Helper()
	v, err := j.Setting(name)
	if err != nil {
		t.Fatal(err)
	}
	return v
}
