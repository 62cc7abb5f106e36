package journal

import (
	"path/filepath"
	"testing"
)

func TestSignedRecordsFoldIntoTheSale(t *testing.T) {
	j, path := openTemp(t)
	id := openSale(t, j, "Kaffe")
	pay(t, j, id, "ref-1", StateCaptured)
	sig := SignedData{Of: "sale", Nr: "1", Date: "2030-01-02", Time: "11:00:10", AmountIn: 29900, AmountEx: 23920,
		KeyVersion: "1", Signature: "c2ln"}
	mustAppend(t, j, Record{Kind: KindSigned, Sale: id, Ref: "ref-1", Signed: &sig})
	if _, err := j.Append(Record{Kind: KindSigned, Sale: id}); err == nil {
		t.Fatal("a signature without its data was journaled")
	}
	check := func(j *Journal, when string) {
		t.Helper()
		s, err := j.Get(id)
		if err != nil {
			t.Fatal(err)
		}
		if len(s.Signatures) != 1 || s.Signatures[0] != sig {
			t.Fatalf("%s: signatures %+v", when, s.Signatures)
		}
	}
	check(j, "after append")
	if err := j.Rebuild(); err != nil {
		t.Fatal(err)
	}
	check(j, "after rebuild")
	j.Close()
	rep, err := Verify(path)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() {
		t.Fatalf("verify: %s", rep)
	}
	j2 := openAt(t, filepath.Clean(path))
	defer j2.Close()
	check(j2, "after reopen")
}
