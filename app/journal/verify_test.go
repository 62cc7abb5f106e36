package journal

import (
	"fmt"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"
)

func TestVerifyHealthyJournal(t *testing.T) {
	path := journalWithSales(t, 4)
	rep, err := Verify(path)
	if err != nil {
		t.Fatal(err)
	}
	// created + 4 × (opened, line, numbered, intent, requested) + 2 captured
	if !rep.OK() || rep.Records != 23 || rep.Sales != 4 || rep.FirstSeq != 1 || rep.LastSeq != 23 ||
		len(rep.Head) != 64 || rep.Schema != Schema || rep.TillID == "" || !rep.LastAt.After(rep.FirstAt) {
		t.Errorf("report of a healthy journal:\n%s", rep)
	}
	if s := rep.String(); !strings.HasSuffix(s, "OK\n") || !strings.Contains(s, rep.Head) || !strings.Contains(s, "seq 1-23") {
		t.Errorf("report text:\n%s", s)
	}
	raw := rawRecords(t, path)
	if rep.Head != hashOf(raw[len(raw)-1]) {
		t.Error("head is not the hash of the last record")
	}
}

func TestVerifyFindsRemovedAndChangedRecords(t *testing.T) {
	path := journalWithSales(t, 3)
	db, _ := bolt.Open(path, 0o600, nil)
	db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketRecords)
		b.Delete(itob(5))
		// A sale's index entry rewritten, as someone hiding a sale might.
		return tx.Bucket(bucketSales).Put(itob(3), []byte(`{"id":3,"receiptNumber":"000003"}`))
	})
	db.Close()
	rep, err := Verify(path)
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Join(rep.Problems, "\n")
	for _, want := range []string{
		"records 5-5 are missing",
		"record 6 of sale 1: the chain is broken",
		"record 5 of sale 1 is listed for its sale but missing",
		"the index entry of sale 3 differs from the fold of its records",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("verify does not say %q:\n%s", want, rep)
		}
	}
	if !strings.Contains(rep.String(), fmt.Sprintf("DAMAGED (%d problems)", len(rep.Problems))) {
		t.Errorf("report text:\n%s", rep)
	}
}

func TestVerifyOpensNothingItCannot(t *testing.T) {
	if _, err := Verify(t.TempDir() + "/none.db"); err == nil {
		t.Error("verify of a missing file gave no error")
	}
	_, path := openTemp(t) // held open: locked
	if _, err := Verify(path); err == nil {
		t.Error("verify of a journal a till holds gave no error")
	}
}
