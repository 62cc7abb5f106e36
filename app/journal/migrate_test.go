package journal

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/kasse-pos/kasse/app/basket"
	"github.com/kasse-pos/kasse/payments/epayment"
)

// schema1Sales are sales as the schema-1 journal kept them: a captured sale,
// one declined then paid (with a refund), and one waiting for the customer.
func schema1Sales() []*Sale {
	at := func(m int) time.Time { return t0.Add(time.Duration(m) * time.Minute) }
	lines := []basket.Line{
		{ProductID: "P1", Name: "Powerbank", UnitPrice: 29900, VATRate: 2500, Quantity: 2},
		{ProductID: "P2", Name: "Kabel", UnitPrice: 9900, VATRate: 2500, Quantity: 1},
	}
	attempt := func(ref string, st State, steps ...State) (*Attempt, []Step) {
		a := &Attempt{Reference: ref, CreateKey: ref + "-create", CaptureKey: ref + "-capture", CancelKey: ref + "-cancel",
			State: st, Sent: at(1), Request: epayment.CreatePaymentRequest{Reference: ref, Amount: epayment.Amount{Currency: "NOK", Value: 69700}},
			Basket: basket.Basket{Lines: lines}}
		a.Totals = a.Basket.Totals()
		var ss []Step
		for i, s := range steps {
			ss = append(ss, Step{At: at(2 + i), Reference: ref, State: s, Note: fmt.Sprint("step ", i)})
		}
		return a, ss
	}
	sale := func(id uint64, number string) *Sale {
		s := &Sale{ID: id, ReceiptNumber: number, Day: "2030-01-02", Created: at(0), POSID: "pos", Currency: "NOK",
			Basket: basket.Basket{Lines: lines}, Cashier: "kari"}
		s.Totals = s.Basket.Totals()
		return s
	}

	s1 := sale(1, "000001")
	a, steps := attempt("r1", StateCaptured, StateCreating, StateRequested, StateAuthorized, StateCapturing, StateCaptured)
	a.Captured, a.PSPReference = 69700, "psp-1"
	s1.Attempts, s1.Steps = []*Attempt{a}, steps
	s1.Customer, s1.CustomerMasked = "4712345678", "xxx45678"
	s1.ReceiptURL, s1.Printed = "https://example.com/r/1", true

	s2 := sale(2, "000002")
	a1, st1 := attempt("r2a", StateAborted, StateCreating, StateRequested, StateAborted)
	a2, st2 := attempt("r2b", StateCaptured, StateCreating, StateRequested, StateCaptured)
	a2.Captured, a2.Refunded = 69700, 9900
	s2.Attempts, s2.Steps = []*Attempt{a1, a2}, append(st1, st2...)
	s2.Refunds = []Refund{{Key: "rf1", Reference: "r2b", Amount: 9900, Reason: "Kabel returned", Lines: []string{"P2"}, At: at(30), Done: true}}
	s2.Steps = append(s2.Steps, Step{At: at(30), Reference: "r2b", State: StepRefunding}, Step{At: at(31), Reference: "r2b", State: StepRefunded})

	s3 := sale(3, "000003")
	s3.Day = "2030-01-03"
	a3, st3 := attempt("r3", StateRequested, StateCreating, StateRequested)
	a3.Abandon = true
	s3.Attempts, s3.Steps = []*Attempt{a3}, st3
	return []*Sale{s1, s2, s3}
}

// writeSchema1 writes a journal in the schema-1 layout, as the old Open,
// NewSale and Save did.
func writeSchema1(t *testing.T, path string, sales []*Sale) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.Update(func(tx *bolt.Tx) error {
		ss, _ := tx.CreateBucket([]byte("sales"))
		refs, _ := tx.CreateBucket([]byte("references"))
		meta, _ := tx.CreateBucket([]byte("meta"))
		meta.Put([]byte("schema"), []byte("1"))
		meta.Put([]byte("till-id"), []byte("oldtil"))
		meta.Put([]byte("receipt-seq"), itob(uint64(len(sales))))
		meta.Put([]byte("business-day"), []byte("2030-01-03"))
		meta.Put([]byte("relay-cursor"), itob(17))
		for _, s := range sales {
			id, _ := ss.NextSequence()
			v, _ := json.Marshal(s)
			if err := ss.Put(itob(id), v); err != nil {
				return err
			}
			for _, a := range s.Attempts {
				refs.Put([]byte(a.Reference), itob(id))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestMigrationFromSchema1(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kasse.db")
	old := schema1Sales()
	writeSchema1(t, path, old)
	oldBytes, _ := os.ReadFile(path)
	os.WriteFile(path+".schema1.bak", []byte("an earlier backup"), 0o600)

	j := openAt(t, path)
	if j.TillID() != "oldtil" || j.BusinessDay() != "2030-01-03" {
		t.Errorf("till %s, day %s: kept from schema 1?", j.TillID(), j.BusinessDay())
	}
	if c, _ := j.LoadCursor(); c != 17 {
		t.Errorf("cursor = %d, want 17", c)
	}
	for _, want := range old {
		got, err := j.Get(want.ID)
		if err != nil {
			t.Fatalf("sale %d: %v", want.ID, err)
		}
		if got.ReceiptNumber != want.ReceiptNumber || got.Day != want.Day || got.State() != want.State() ||
			got.Customer != want.Customer || got.CustomerMasked != want.CustomerMasked || got.Cashier != want.Cashier ||
			got.ReceiptURL != want.ReceiptURL || got.Printed != want.Printed || !got.Created.Equal(want.Created) ||
			fmt.Sprint(got.Totals) != fmt.Sprint(want.Totals) || got.RefundedTotal() != want.RefundedTotal() || len(got.Refunds) != len(want.Refunds) {
			t.Errorf("sale %d migrated to\n%+v\nwant\n%+v", want.ID, got, want)
		}
		gb, _ := json.Marshal(got.Basket)
		wb, _ := json.Marshal(want.Basket)
		if string(gb) != string(wb) {
			t.Errorf("sale %d basket %s, want %s", want.ID, gb, wb)
		}
		if len(got.Attempts) != len(want.Attempts) {
			t.Fatalf("sale %d: %d attempts, want %d", want.ID, len(got.Attempts), len(want.Attempts))
		}
		for i, wa := range want.Attempts {
			ga := got.Attempts[i]
			if ga.Reference != wa.Reference || ga.State != wa.State || ga.Captured != wa.Captured || ga.Refunded != wa.Refunded ||
				ga.PSPReference != wa.PSPReference || ga.Abandon != wa.Abandon || ga.CreateKey != wa.CreateKey ||
				ga.CaptureKey != wa.CaptureKey || ga.Request.Reference != wa.Request.Reference || fmt.Sprint(ga.Totals) != fmt.Sprint(wa.Totals) {
				t.Errorf("sale %d attempt %d migrated to %+v, want %+v", want.ID, i, ga, wa)
			}
		}
		var gs, ws []State
		for _, s := range got.Steps {
			gs = append(gs, s.State)
		}
		for _, s := range want.Steps {
			ws = append(ws, s.State)
		}
		if fmt.Sprint(gs) != fmt.Sprint(ws) {
			t.Errorf("sale %d steps %v, want %v", want.ID, gs, ws)
		}
	}
	if s, err := j.ByReference("r2a"); err != nil || s.ID != 2 {
		t.Errorf("ByReference(r2a) = %v, %v", s, err)
	}
	if un, _ := j.Unfinished(); len(un) != 1 || un[0].ID != 3 {
		t.Errorf("unfinished after migration = %v, want sale 3", un)
	}
	if next := openSale(t, j, "new"); next != 4 {
		t.Errorf("first new sale is %d, want 4", next)
	} else if s, _ := j.Get(next); s.ReceiptNumber != "000004" || s.Day != "2030-01-03" {
		t.Errorf("first new sale numbered %s on %s, want 000004 on 2030-01-03", s.ReceiptNumber, s.Day)
	}
	var kinds []Kind
	j.EachRecord(1, func(r Record) bool { kinds = append(kinds, r.Kind); return len(kinds) < 2 })
	if len(kinds) != 2 || kinds[0] != KindJournalCreated || kinds[1] != KindMigrated {
		t.Errorf("first records %v, want created then migrated", kinds)
	}
	j.Close()

	if b, _ := os.ReadFile(path + ".schema1.bak"); string(b) != "an earlier backup" {
		t.Error("an earlier backup was overwritten")
	}
	if b, _ := os.ReadFile(path + ".schema1.bak.2"); string(b) != string(oldBytes) {
		t.Error("the backup does not hold the schema-1 file as it was")
	}
	rep, err := Verify(path)
	if err != nil || !rep.OK() {
		t.Errorf("verify after migration: %v\n%s", err, rep)
	}

	j = openAt(t, path)
	defer j.Close()
	if _, err := os.Stat(path + ".schema1.bak.3"); err == nil {
		t.Error("a second open migrated again")
	}
	if s, _ := j.Get(4); s == nil || s.ReceiptNumber != "000004" {
		t.Errorf("after reopen, sale 4 = %+v", s)
	}
}
