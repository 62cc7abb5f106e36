package journal

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// VerifyReport is what Verify found in a journal file.
type VerifyReport struct {
	Path     string
	Schema   string
	TillID   string
	Records  int // records read (damaged ones included)
	Sales    int // sales with records
	FirstSeq uint64
	LastSeq  uint64
	FirstAt  time.Time
	LastAt   time.Time
	// Head is the hash of the last record's stored bytes: a later copy of the
	// journal whose record LastSeq has this hash holds this one unchanged.
	Head     string
	Problems []string
}

// OK reports whether no problem was found.
func (r VerifyReport) OK() bool { return len(r.Problems) == 0 }

// String is the report as printed by kasse journal verify.
func (r VerifyReport) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "journal  %s\n", r.Path)
	fmt.Fprintf(&b, "schema   %s, till %s\n", r.Schema, r.TillID)
	fmt.Fprintf(&b, "records  %d (seq %d-%d)\n", r.Records, r.FirstSeq, r.LastSeq)
	fmt.Fprintf(&b, "sales    %d\n", r.Sales)
	if !r.FirstAt.IsZero() {
		fmt.Fprintf(&b, "time     %s - %s\n", r.FirstAt.Format(time.RFC3339), r.LastAt.Format(time.RFC3339))
	}
	fmt.Fprintf(&b, "head     %s\n", r.Head)
	for _, p := range r.Problems {
		fmt.Fprintf(&b, "problem  %s\n", p)
	}
	if r.OK() {
		b.WriteString("OK\n")
	} else {
		fmt.Fprintf(&b, "DAMAGED (%d problems)\n", len(r.Problems))
	}
	return b.String()
}

// Verify checks the journal at path without changing it: the file's
// structure, that every record parses, that seqs run from 1 without gaps, that
// each record's Prev is the hash of the one before, that the head in meta is
// the last record, and that every sale folds from its records to its index
// entry. It opens the file read-only, so it waits for a running till to let
// go of it. The error is only for a file that cannot be opened at all; what
// is wrong inside is in the report.
func Verify(path string) (VerifyReport, error) {
	rep := VerifyReport{Path: path}
	db, err := openBolt(path, 2*time.Second, true)
	if err != nil {
		return rep, err
	}
	defer db.Close()
	err = withFaultsAsPanics(func() error { return db.View(func(tx *bolt.Tx) error { return verifyTx(tx, &rep) }) })
	if err != nil {
		rep.Problems = append(rep.Problems, err.Error())
	}
	return rep, nil
}

func verifyTx(tx *bolt.Tx, rep *VerifyReport) error {
	problem := func(format string, a ...any) { rep.Problems = append(rep.Problems, fmt.Sprintf(format, a...)) }
	if err := checkTx(tx); err != nil {
		problem("%v", err)
		return nil // the b-tree itself cannot be trusted; reading on could fault
	}
	meta := tx.Bucket(bucketMeta)
	if meta == nil {
		problem("no meta bucket: not a Kasse journal")
		return nil
	}
	rep.Schema, rep.TillID = string(meta.Get(keySchema)), string(meta.Get(keyTillID))
	if rep.Schema != Schema {
		problem("schema %q, not %q: open it with Kasse to migrate it", rep.Schema, Schema)
		return nil
	}
	recs, saleRecs := tx.Bucket(bucketRecords), tx.Bucket(bucketSaleRecords)
	if recs == nil || saleRecs == nil {
		problem("the records or sale-records bucket is missing")
		return nil
	}

	owner := map[uint64]uint64{} // seq → sale, from sale-records
	_ = saleRecs.ForEach(func(k, _ []byte) error {
		if len(k) != 16 {
			problem("sale-records key %x is not sale+seq", k)
			return nil
		}
		owner[u64(k[8:])] = u64(k[:8])
		return nil
	})
	name := func(seq uint64) string {
		if s := owner[seq]; s != 0 {
			return fmt.Sprintf("record %d of sale %d", seq, s)
		}
		return fmt.Sprintf("record %d", seq)
	}

	folded := map[uint64]*Sale{}
	refs := map[string]uint64{} // payment reference → sale, from the records
	broken := map[uint64]bool{} // sales with a record that cannot be read or folded
	prevHash := GenesisHash
	var want uint64 = 1
	c := recs.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		seq := u64(k)
		rep.Records++
		if rep.FirstSeq == 0 {
			rep.FirstSeq = seq
		}
		rep.LastSeq = seq
		if seq != want {
			problem("records %d-%d are missing", want, seq-1)
		}
		want = seq + 1
		var r Record
		if err := json.Unmarshal(v, &r); err != nil {
			problem("%s cannot be read: %v", name(seq), err)
			broken[owner[seq]] = true
			prevHash = hashOf(v)
			continue
		}
		switch {
		case r.Prev != prevHash:
			problem("%s: the chain is broken (prev %.12s…, the record before hashes to %.12s…): a record was changed or removed", name(seq), r.Prev, prevHash)
		case r.Seq != seq:
			problem("%s says it is record %d", name(seq), r.Seq)
		case seq == 1 && r.Kind != KindJournalCreated:
			problem("record 1 is %s, not %s", r.Kind, KindJournalCreated)
		case r.Till != rep.TillID:
			problem("%s was written by till %q, not %q", name(seq), r.Till, rep.TillID)
		case r.Sale != owner[seq]:
			problem("%s names sale %d", name(seq), r.Sale)
		}
		prevHash = hashOf(v)
		if rep.FirstAt.IsZero() {
			rep.FirstAt = r.At
		}
		rep.LastAt = r.At
		if r.Sale == 0 {
			continue
		}
		if r.Kind == KindIntent && r.Intent != nil && r.Intent.Action == ActCreate && r.Ref != "" {
			refs[r.Ref] = r.Sale
		}
		s := folded[r.Sale]
		if s == nil {
			s = new(Sale)
			folded[r.Sale] = s
		}
		if err := Apply(s, r); err != nil {
			problem("%s does not fold into its sale: %v", name(seq), err)
			broken[r.Sale] = true
		}
	}
	rep.Head = prevHash
	if rep.Records == 0 {
		rep.Head = ""
		problem("the journal has no records")
	}
	if last := u64(meta.Get(keyLastSeq)); last != rep.LastSeq {
		problem("the journal's head says record %d, the last record is %d", last, rep.LastSeq)
	}
	if h := string(meta.Get(keyLastHash)); rep.Records > 0 && h != rep.Head {
		problem("the last record does not hash to the journal's head (%.12s…): it was changed", h)
	}
	for seq := range owner {
		if recs.Get(itob(seq)) == nil {
			problem("%s is listed for its sale but missing", name(seq))
		}
	}
	sales := map[uint64]bool{}
	for _, s := range owner {
		sales[s] = true
	}
	rep.Sales = len(sales)

	index := tx.Bucket(bucketSales)
	if index == nil || u64(meta.Get(keyIndexSeq)) != rep.LastSeq {
		problem("the sales index is stale (Kasse rebuilds it on open)")
		return nil
	}
	for id, s := range folded {
		if broken[id] {
			continue // already reported; the index may well hold what was lost
		}
		v := index.Get(itob(id))
		if v == nil {
			problem("sale %d is not in the index", id)
			continue
		}
		var got Sale
		if err := json.Unmarshal(v, &got); err != nil {
			problem("the index entry of sale %d cannot be read: %v", id, err)
			continue
		}
		a, _ := json.Marshal(s)
		b, _ := json.Marshal(&got)
		if !bytes.Equal(a, b) {
			problem("the index entry of sale %d differs from the fold of its records", id)
		}
	}
	if ri := tx.Bucket(bucketRefs); ri == nil {
		problem("the refs index is missing (Kasse rebuilds it on open)")
	} else {
		for ref, id := range refs {
			if got := u64(ri.Get([]byte(ref))); got != id {
				problem("the refs index gives payment %s to sale %d, its records to sale %d", ref, got, id)
			}
		}
	}
	_ = index.ForEach(func(k, _ []byte) error {
		if !sales[u64(k)] {
			problem("the index has sale %x, which has no records", k)
		}
		return nil
	})
	return nil
}
