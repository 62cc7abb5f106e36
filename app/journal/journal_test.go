package journal

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/kasse-pos/kasse/app/basket"
)

func openTemp(t *testing.T) (*Journal, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "kasse.db")
	j, err := Open(path, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	return j, path
}

func TestSurvivesReopen(t *testing.T) {
	j, path := openTemp(t)
	s := &Sale{Currency: "NOK", Basket: basket.Basket{Lines: []basket.Line{{ProductID: "P1", Name: "Powerbank", UnitPrice: 29900, VAT: 25, Quantity: 1}}}}
	if err := j.NewSale(s); err != nil {
		t.Fatal(err)
	}
	s.Attempts = append(s.Attempts, &Attempt{Reference: "kasse-1-abc-000001-1", CreateKey: "k1"})
	s.Mark(s.Current(), StateCreating, "", time.Now())
	if err := j.Save(s); err != nil {
		t.Fatal(err)
	}
	s2 := &Sale{Currency: "NOK"}
	if err := j.NewSale(s2); err != nil {
		t.Fatal(err)
	}
	if err := j.SaveCursor(42); err != nil {
		t.Fatal(err)
	}
	till := j.TillID()
	j.Close()

	j, err := Open(path, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	if j.TillID() != till {
		t.Errorf("till id changed across reopen: %s → %s", till, j.TillID())
	}
	got, err := j.ByReference("kasse-1-abc-000001-1")
	if err != nil {
		t.Fatal(err)
	}
	if got.ReceiptNumber != "000001" || got.State() != StateCreating || got.Basket.Lines[0].Name != "Powerbank" {
		t.Errorf("reopened sale = %+v", got)
	}
	if len(got.Steps) != 1 || got.Steps[0].State != StateCreating {
		t.Errorf("steps = %+v", got.Steps)
	}
	un, _ := j.Unfinished()
	if len(un) != 1 || un[0].ID != s.ID {
		t.Errorf("unfinished = %v, want the sale with a payment in flight", un)
	}
	if c, _ := j.LoadCursor(); c != 42 {
		t.Errorf("cursor = %d, want 42", c)
	}
	s3 := &Sale{}
	j.NewSale(s3)
	if s3.ReceiptNumber != "000003" {
		t.Errorf("receipt number after reopen = %s, want 000003", s3.ReceiptNumber)
	}
}

func TestReceiptNumbersNeverRepeatAcrossDays(t *testing.T) {
	j, _ := openTemp(t)
	defer j.Close()
	a := &Sale{}
	j.NewSale(a)
	if err := j.CloseDay("2030-01-02"); err != nil {
		t.Fatal(err)
	}
	b := &Sale{}
	j.NewSale(b)
	if b.ReceiptNumber <= a.ReceiptNumber || b.Day != "2030-01-02" {
		t.Errorf("after closing the day: %s (%s) after %s", b.ReceiptNumber, b.Day, a.ReceiptNumber)
	}
}

func TestLockedFileIsRefusedPlainly(t *testing.T) {
	j, path := openTemp(t)
	defer j.Close()
	_, err := Open(path, 100*time.Millisecond)
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("second open: %v, want ErrLocked", err)
	}
}

func TestCorruptFileIsNeverReplaced(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kasse.db")
	junk := make([]byte, 64*1024)
	for i := range junk {
		junk[i] = byte(i * 7)
	}
	os.WriteFile(path, junk, 0o600)
	_, err := Open(path, time.Second)
	if !errors.Is(err, ErrCorrupt) {
		t.Fatalf("open of a damaged file: %v, want ErrCorrupt", err)
	}
	after, _ := os.ReadFile(path)
	if string(after) != string(junk) {
		t.Fatal("the damaged file was changed")
	}
	os.WriteFile(path, []byte("short"), 0o600)
	if _, err := Open(path, time.Second); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("open of a truncated file: %v, want ErrCorrupt", err)
	}
}

func TestWriteFailureIsReported(t *testing.T) {
	j, _ := openTemp(t)
	s := &Sale{}
	j.NewSale(s)
	j.Close() // a closed database fails every write, like a full disk does
	if err := j.Save(s); !errors.Is(err, ErrWrite) {
		t.Fatalf("save on a failing journal: %v, want ErrWrite", err)
	}
}
