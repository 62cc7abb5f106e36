package journal

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/kasse-pos/kasse/app/basket"
	"github.com/kasse-pos/kasse/payments/epayment"
)

var t0 = time.Date(2030, 1, 2, 10, 0, 0, 0, time.UTC)

// clock is a test clock that moves a second per reading.
func clock() func() time.Time {
	t := t0
	return func() time.Time { t = t.Add(time.Second); return t }
}

func openAt(t *testing.T, path string) *Journal {
	t.Helper()
	j, err := Open(path, Options{Timeout: time.Second, Now: clock(), Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	return j
}

func openTemp(t *testing.T) (*Journal, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "kasse.db")
	j := openAt(t, path)
	t.Cleanup(func() { j.Close() })
	return j, path
}

func mustAppend(t *testing.T, j *Journal, recs ...Record) []Record {
	t.Helper()
	out, err := j.Append(recs...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func line(id, name string, price int64, q int) *LineEdit {
	return &LineEdit{Line: basket.Line{ProductID: id, Name: name, UnitPrice: price, VATRate: 2500, Quantity: q}}
}

// openSale opens a numbered sale with one line and returns its id.
func openSale(t *testing.T, j *Journal, name string) uint64 {
	t.Helper()
	out := mustAppend(t, j,
		Record{Kind: KindSaleOpened, Opened: &Opened{POSID: "pos", Currency: "NOK"}},
		Record{Kind: KindLineAdded, Line: line("P-"+name, name, 29900, 1)},
		Record{Kind: KindSaleNumbered},
	)
	return out[0].Sale
}

// pay sends a payment request for sale id under ref and moves it to st.
func pay(t *testing.T, j *Journal, id uint64, ref string, st State) {
	t.Helper()
	mustAppend(t, j,
		Record{Kind: KindIntent, Sale: id, Ref: ref, Intent: &Intent{Action: ActCreate, Key: ref + "-create",
			Request: &epayment.CreatePaymentRequest{Reference: ref, Amount: epayment.Amount{Currency: "NOK", Value: 29900}}}},
		Record{Kind: KindState, Sale: id, Ref: ref, State: &StateChange{State: StateRequested}},
	)
	if st != StateRequested {
		mustAppend(t, j, Record{Kind: KindState, Sale: id, Ref: ref, State: &StateChange{State: st}})
	}
}

// rawRecords reads the stored bytes of every record with bbolt directly.
func rawRecords(t *testing.T, path string) [][]byte {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var out [][]byte
	db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketRecords).ForEach(func(k, v []byte) error {
			out = append(out, append([]byte(nil), v...))
			return nil
		})
	})
	return out
}

func TestAppendChainsRecordsAndIndexesTheSale(t *testing.T) {
	j, path := openTemp(t)
	id := openSale(t, j, "Powerbank")
	out := mustAppend(t, j, Record{Kind: KindLineChanged, Sale: id, Line: &LineEdit{Line: line("P-Powerbank", "Powerbank", 29900, 3).Line, Before: 1}})
	if out[0].Seq != 5 || out[0].Till != j.TillID() || !out[0].At.After(t0) {
		t.Errorf("stored record = %+v, want seq 5 (after created, opened, line, numbered), till and time filled", out[0])
	}
	s, err := j.Get(id)
	if err != nil {
		t.Fatal(err)
	}
	if id != 1 || s.ReceiptNumber != "000001" || len(s.Basket.Lines) != 1 || s.Basket.Lines[0].Quantity != 3 || s.Corrections != 1 || s.LastSeq != 5 {
		t.Errorf("sale = %+v", s)
	}
	recs, _ := j.Records(id)
	if len(recs) != 4 || recs[0].Kind != KindSaleOpened || recs[3].Seq != 5 {
		t.Errorf("records of the sale = %+v", recs)
	}
	j.Close()

	raw := rawRecords(t, path)
	if len(raw) != 5 {
		t.Fatalf("%d records stored, want 5", len(raw))
	}
	prev := GenesisHash
	for i, v := range raw {
		var r Record
		if err := json.Unmarshal(v, &r); err != nil {
			t.Fatal(err)
		}
		if r.Seq != uint64(i+1) || r.Prev != prev {
			t.Errorf("record %d: seq %d prev %s, want seq %d prev %s", i, r.Seq, r.Prev, i+1, prev)
		}
		prev = hashOf(v)
	}
	var first Record
	json.Unmarshal(raw[0], &first)
	if first.Kind != KindJournalCreated {
		t.Errorf("first record is %s, want %s", first.Kind, KindJournalCreated)
	}
}

func TestSurvivesReopen(t *testing.T) {
	j, path := openTemp(t)
	a := openSale(t, j, "Powerbank")
	pay(t, j, a, "kasse-1-abc-000001-1", StateRequested)
	openSale(t, j, "Kabel")
	if err := j.SaveCursor(42); err != nil {
		t.Fatal(err)
	}
	till := j.TillID()
	j.Close()

	j = openAt(t, path)
	defer j.Close()
	if j.TillID() != till {
		t.Errorf("till id changed across reopen: %s → %s", till, j.TillID())
	}
	got, err := j.ByReference("kasse-1-abc-000001-1")
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != a || got.ReceiptNumber != "000001" || got.State() != StateRequested || got.Basket.Lines[0].Name != "Powerbank" {
		t.Errorf("reopened sale = %+v", got)
	}
	if len(got.Steps) != 2 || got.Steps[0].State != StateCreating || got.Steps[1].State != StateRequested {
		t.Errorf("steps = %+v", got.Steps)
	}
	un, _ := j.Unfinished()
	if len(un) != 1 || un[0].ID != a {
		t.Errorf("unfinished = %v, want the sale with a payment in flight", un)
	}
	if c, _ := j.LoadCursor(); c != 42 {
		t.Errorf("cursor = %d, want 42", c)
	}
	c := openSale(t, j, "Lader")
	if s, _ := j.Get(c); c != 3 || s.ReceiptNumber != "000003" {
		t.Errorf("after reopen: sale %d numbered %s, want sale 3 numbered 000003", c, s.ReceiptNumber)
	}
	if len(j.Damage()) != 0 {
		t.Errorf("damage on a healthy journal: %v", j.Damage())
	}
}

func TestReceiptNumbersNeverRepeatAcrossDays(t *testing.T) {
	j, path := openTemp(t)
	if d := j.BusinessDay(); d != "2030-01-02" {
		t.Errorf("business day before any is closed = %s, want today", d)
	}
	a, _ := j.Get(openSale(t, j, "A"))
	out := mustAppend(t, j, Record{Kind: KindDayClosed, Day: &DayData{Next: "2030-01-03", Report: "Z 1"}})
	if out[0].Day.Closed != "2030-01-02" || out[0].Sale != 0 {
		t.Errorf("day record = %+v, want the closed day filled in and no sale", out[0])
	}
	j.Close()
	j = openAt(t, path)
	defer j.Close()
	b, _ := j.Get(openSale(t, j, "B"))
	if b.ReceiptNumber <= a.ReceiptNumber || b.Day != "2030-01-03" || a.Day != "2030-01-02" || j.BusinessDay() != "2030-01-03" {
		t.Errorf("after closing the day: %s (%s) after %s (%s)", b.ReceiptNumber, b.Day, a.ReceiptNumber, a.Day)
	}
}

func TestRefusedAppendWritesNothing(t *testing.T) {
	j, _ := openTemp(t)
	id := openSale(t, j, "A")
	before, _ := j.Records(id)
	cases := map[string][]Record{
		"no such sale":     {{Kind: KindLineAdded, Sale: 99, Line: line("X", "X", 1, 1)}},
		"no sale named":    {{Kind: KindLineAdded, Line: line("X", "X", 1, 1)}},
		"unknown kind":     {{Kind: "line.stolen", Sale: id}},
		"missing payload":  {{Kind: KindLineAdded, Sale: id}},
		"unknown payment":  {{Kind: KindLineAdded, Sale: id, Line: line("Y", "Y", 1, 1)}, {Kind: KindState, Sale: id, Ref: "nope", State: &StateChange{State: StateCaptured}}},
		"opened twice":     {{Kind: KindSaleOpened, Sale: id, Opened: &Opened{}}},
		"day without next": {{Kind: KindDayClosed, Day: &DayData{}}},
		"numbered twice":   {{Kind: KindSaleNumbered, Sale: id}},
		"half a new sale":  {{Kind: KindSaleOpened, Opened: &Opened{}}, {Kind: KindState, Ref: "nope", State: &StateChange{State: StateCaptured}}},
	}
	for name, recs := range cases {
		_, err := j.Append(recs...)
		if err == nil || errors.Is(err, ErrWrite) {
			t.Errorf("%s: append = %v, want a refusal that is not a write failure", name, err)
		}
	}
	after, _ := j.Records(id)
	if len(after) != len(before) {
		t.Errorf("a refused append wrote records: %d → %d", len(before), len(after))
	}
	if _, err := j.Get(2); !errors.Is(err, ErrNoSale) {
		t.Errorf("a refused new sale was indexed: %v", err)
	}
	var n int
	j.EachRecord(1, func(Record) bool { n++; return true })
	if n != 4 {
		t.Errorf("%d records after refusals, want 4", n)
	}
	if next := openSale(t, j, "B"); next != 2 {
		t.Errorf("the next sale is %d, want 2: a refused append must not use up an id", next)
	}
}

func TestByReferenceFindsAttemptsOnly(t *testing.T) {
	j, _ := openTemp(t)
	id := openSale(t, j, "A")
	pay(t, j, id, "ref-1", StateCaptured)
	mustAppend(t, j, Record{Kind: KindIntent, Sale: id, Ref: "refund-1", Intent: &Intent{Action: ActRefund, Key: "rk", Amount: 100}})
	if s, err := j.ByReference("ref-1"); err != nil || s.ID != id {
		t.Errorf("ByReference(attempt) = %v, %v", s, err)
	}
	if _, err := j.ByReference("refund-1"); !errors.Is(err, ErrNoSale) {
		t.Errorf("ByReference(refund) = %v, want ErrNoSale", err)
	}
	if _, err := j.Get(77); !errors.Is(err, ErrNoSale) {
		t.Errorf("Get(77) = %v, want ErrNoSale", err)
	}
	other := openSale(t, j, "B")
	_, err := j.Append(Record{Kind: KindIntent, Sale: other, Ref: "ref-1", Intent: &Intent{Action: ActCreate, Request: &epayment.CreatePaymentRequest{}}})
	if err == nil {
		t.Error("a payment reference was given to a second sale")
	}
}

func TestEachNewestFirstAndUnfinishedOldestFirst(t *testing.T) {
	j, _ := openTemp(t)
	var ids []uint64
	for i, st := range []State{StateRequested, StateCaptured, StateAuthorized, StateAborted} {
		id := openSale(t, j, fmt.Sprint("P", i))
		pay(t, j, id, fmt.Sprint("ref-", i), st)
		ids = append(ids, id)
	}
	var seen []uint64
	j.Each(func(s *Sale) bool { seen = append(seen, s.ID); return len(seen) < 3 })
	if fmt.Sprint(seen) != fmt.Sprint([]uint64{ids[3], ids[2], ids[1]}) {
		t.Errorf("Each = %v, want newest first, stopping when told", seen)
	}
	un, _ := j.Unfinished()
	if len(un) != 2 || un[0].ID != ids[0] || un[1].ID != ids[2] {
		t.Errorf("unfinished = %v, want sales %d and %d", un, ids[0], ids[2])
	}
}

func TestWriteFailureIsReportedAndWritesNothing(t *testing.T) {
	j, _ := openTemp(t)
	id := openSale(t, j, "A")
	j.InjectWriteFault(errors.New("disk full"))
	if _, err := j.Append(Record{Kind: KindLineAdded, Sale: id, Line: line("B", "B", 1, 1)}); !errors.Is(err, ErrWrite) {
		t.Fatalf("append on a failing journal: %v, want ErrWrite", err)
	}
	if err := j.SaveCursor(3); !errors.Is(err, ErrWrite) {
		t.Errorf("save cursor on a failing journal: %v, want ErrWrite", err)
	}
	j.InjectWriteFault(nil)
	if s, _ := j.Get(id); len(s.Basket.Lines) != 1 {
		t.Errorf("the failed append changed the sale: %+v", s.Basket)
	}
	out := mustAppend(t, j, Record{Kind: KindLineAdded, Sale: id, Line: line("B", "B", 1, 1)})
	if out[0].Seq != 5 {
		t.Errorf("seq after a failed append = %d, want 5 (no gap)", out[0].Seq)
	}
	j.Close() // a closed database fails every write
	if _, err := j.Append(Record{Kind: KindLineAdded, Sale: id, Line: line("C", "C", 1, 1)}); !errors.Is(err, ErrWrite) {
		t.Errorf("append on a closed journal: %v, want ErrWrite", err)
	}
}

func TestLockedFileIsRefusedPlainly(t *testing.T) {
	_, path := openTemp(t)
	_, err := Open(path, Options{Timeout: 100 * time.Millisecond})
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("second open: %v, want ErrLocked", err)
	}
}

func TestRebuildDerivesTheSameIndex(t *testing.T) {
	j, path := openTemp(t)
	for i := range 5 {
		id := openSale(t, j, fmt.Sprint("P", i))
		pay(t, j, id, fmt.Sprint("ref-", i), StateCaptured)
	}
	mustAppend(t, j, Record{Kind: KindIntent, Sale: 2, Ref: "ref-1", Intent: &Intent{Action: ActRefund, Key: "rk", Amount: 100}},
		Record{Kind: KindAnswer, Sale: 2, Ref: "ref-1", Answer: &Answer{Action: ActRefund, Key: "rk", OK: true}})
	snapshot := func() string {
		var b []byte
		j.Each(func(s *Sale) bool { v, _ := json.Marshal(s); b = append(b, v...); return true })
		return string(b)
	}
	before := snapshot()
	if err := j.Rebuild(); err != nil {
		t.Fatal(err)
	}
	if after := snapshot(); after != before {
		t.Errorf("rebuilt index differs:\n%s\n%s", before, after)
	}
	if s, err := j.ByReference("ref-3"); err != nil || s.ID != 4 {
		t.Errorf("refs after rebuild: %v, %v", s, err)
	}
	j.Close()

	// An index that is gone is rebuilt on open.
	db, _ := bolt.Open(path, 0o600, nil)
	db.Update(func(tx *bolt.Tx) error { tx.DeleteBucket(bucketRefs); return tx.DeleteBucket(bucketSales) })
	db.Close()
	j = openAt(t, path)
	defer j.Close()
	if after := snapshot(); after != before {
		t.Errorf("index rebuilt on open differs:\n%s\n%s", before, after)
	}
	if s, err := j.ByReference("ref-3"); err != nil || s.ID != 4 {
		t.Errorf("refs after rebuild on open: %v, %v", s, err)
	}
}

func TestCorruptFileIsNeverReplaced(t *testing.T) {
	dir := t.TempDir()
	junk := make([]byte, 64*1024)
	for i := range junk {
		junk[i] = byte(i * 7)
	}
	for name, data := range map[string][]byte{"junk": junk, "short": []byte("short"), "empty": nil} {
		path := filepath.Join(dir, name+".db")
		os.WriteFile(path, data, 0o600)
		_, err := Open(path, Options{Timeout: time.Second})
		if !errors.Is(err, ErrCorrupt) {
			t.Errorf("open of a %s file: %v, want ErrCorrupt", name, err)
		}
		after, _ := os.ReadFile(path)
		if string(after) != string(data) {
			t.Errorf("the %s file was changed", name)
		}
	}
}

func TestCreateIgnoresAHalfMadeJournal(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kasse.db")
	os.WriteFile(path+".new", []byte("left by a create that crashed"), 0o600)
	j := openAt(t, path)
	defer j.Close()
	if _, err := os.Stat(path + ".new"); err == nil {
		t.Error("the temporary file is still there")
	}
	var n int
	j.EachRecord(1, func(r Record) bool { n++; return r.Kind == KindJournalCreated })
	if n != 1 {
		t.Errorf("a new journal has %d records, want the one that created it", n)
	}
}
