package journal

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	bolt "go.etcd.io/bbolt"
)

// Schema 1 kept each sale as one mutable JSON document.
var (
	bucketSalesV1 = []byte("sales")
	bucketRefsV1  = []byte("references")
)

// migrate converts a schema-1 file in place, after copying it to a backup
// next to it. The conversion is one transaction: a crash leaves schema 1,
// and the next start migrates again (into a new backup).
func (j *Journal) migrate() error {
	err := j.view(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketRecords) != nil || tx.Bucket(bucketSalesV1) == nil {
			return fmt.Errorf("%w (it says schema 1 but does not have schema 1's buckets)", ErrCorrupt)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("open %s: %w", j.path, err)
	}
	backup, err := j.backup()
	if err != nil {
		return fmt.Errorf("migrate %s: backup: %w", j.path, err)
	}
	var n int
	err = withFaultsAsPanics(func() error {
		return j.update(func(tx *bolt.Tx) error {
			var old []*Sale
			err := tx.Bucket(bucketSalesV1).ForEach(func(k, v []byte) error {
				s := new(Sale)
				if err := json.Unmarshal(v, s); err != nil {
					return fmt.Errorf("%w (schema-1 sale %x cannot be read: %v)", ErrCorrupt, k, err)
				}
				if s.ID == 0 || s.ID != u64(k) {
					return fmt.Errorf("%w (schema-1 sale under key %x has id %d)", ErrCorrupt, k, s.ID)
				}
				old = append(old, s) // in key order: id order
				return nil
			})
			if err != nil {
				return err
			}
			n = len(old)
			for _, b := range [][]byte{bucketSalesV1, bucketRefsV1} {
				if tx.Bucket(b) != nil {
					if err := tx.DeleteBucket(b); err != nil {
						return err
					}
				}
			}
			// till-id, receipt-seq, business-day and relay-cursor stay in meta
			// as they were.
			if err := initBuckets(tx, string(tx.Bucket(bucketMeta).Get(keyTillID))); err != nil {
				return err
			}
			// Records carry the till's id; schema 1's is kept.
			if j.tillID = string(tx.Bucket(bucketMeta).Get(keyTillID)); j.tillID == "" {
				return fmt.Errorf("%w (the schema-1 journal has no till id)", ErrCorrupt)
			}
			_, err = j.appendTx(tx, []Record{
				{Kind: KindJournalCreated, Note: "schema " + Schema},
				{Kind: KindMigrated, Note: fmt.Sprintf("from schema 1, %d sales", len(old))},
			})
			if err != nil {
				return err
			}
			for _, s := range old {
				if _, err := j.appendTx(tx, recordsOf(s)); err != nil {
					return fmt.Errorf("sale %d: %w", s.ID, err)
				}
			}
			return nil
		})
	})
	if err != nil {
		if r := (refused{}); errors.As(err, &r) || errors.Is(err, ErrCorrupt) {
			return fmt.Errorf("migrate %s: %w (the file is unchanged; its backup is %s)", j.path, err, backup)
		}
		return fmt.Errorf("migrate %s: %w: %v", j.path, ErrWrite, err)
	}
	j.log.Info("journal migrated from schema 1", "path", j.path, "sales", n, "backup", backup)
	return nil
}

// backup copies the journal to <path>.schema1.bak, or .bak.2, .bak.3, … if
// that exists: an earlier backup is never overwritten.
func (j *Journal) backup() (string, error) {
	data, err := os.ReadFile(j.path)
	if err != nil {
		return "", err
	}
	for i := 1; i < 1000; i++ {
		name := j.path + ".schema1.bak"
		if i > 1 {
			name += fmt.Sprintf(".%d", i)
		}
		f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return "", err
		}
		if _, err := f.Write(data); err != nil {
			f.Close()
			return "", err
		}
		if err := f.Sync(); err != nil {
			f.Close()
			return "", err
		}
		if err := f.Close(); err != nil {
			return "", err
		}
		syncDir(filepath.Dir(name))
		return name, nil
	}
	return "", fmt.Errorf("too many backups of %s", j.path)
}

// recordsOf gives the records that fold (with Apply) to a schema-1 sale, as
// near as its document allows: what it did not keep (the order of basket
// edits, so Corrections) cannot be recovered.
func recordsOf(s *Sale) []Record {
	at := s.Created
	rec := func(r Record) Record {
		r.Sale, r.Cashier = s.ID, s.Cashier
		if r.At.IsZero() {
			r.At = at
		}
		at = r.At
		return r
	}
	out := []Record{rec(Record{Kind: KindSaleOpened, At: s.Created, Opened: &Opened{POSID: s.POSID, Currency: s.Currency}})}
	for _, l := range s.Basket.Lines {
		out = append(out, rec(Record{Kind: KindLineAdded, Line: &LineEdit{Line: l}}))
	}
	if s.Customer != "" || s.CustomerMasked != "" {
		out = append(out, rec(Record{Kind: KindCustomer, Customer: &CustomerData{MSISDN: s.Customer, Masked: s.CustomerMasked}}))
	}
	if s.ReceiptNumber != "" {
		out = append(out, rec(Record{Kind: KindSaleNumbered, Numbered: &Numbered{Number: s.ReceiptNumber, Day: s.Day}}))
	}
	for _, a := range s.Attempts {
		intent := Record{Kind: KindIntent, Ref: a.Reference, At: a.Sent,
			Intent: &Intent{Action: ActCreate, Key: a.CreateKey, Request: &a.Request, ExpiresAt: a.ExpiresAt}}
		var states []Record
		created := false
		for _, st := range s.Steps {
			if st.Reference != a.Reference || isRefundStep(st.State) {
				continue
			}
			if st.State == StateCreating && len(states) == 0 && !created {
				// The intent itself is the creating step.
				intent.At, intent.Note, created = st.At, st.Note, true
				continue
			}
			states = append(states, Record{Kind: KindState, Ref: a.Reference, At: st.At, Note: st.Note, State: &StateChange{State: st.State}})
		}
		last := StateCreating
		if len(states) > 0 {
			last = states[len(states)-1].State.State
		}
		if last != a.State || a.Abandon || a.Hold != "" {
			if last != a.State || len(states) == 0 {
				states = append(states, Record{Kind: KindState, Ref: a.Reference, Note: "state at migration from schema 1", State: &StateChange{State: a.State}})
			}
			sc := states[len(states)-1].State
			sc.Abandon, sc.Hold = a.Abandon, a.Hold
		}
		out = append(out, rec(intent))
		for _, r := range states {
			out = append(out, rec(r))
		}
		if a.Captured > 0 || a.Refunded > 0 || a.PSPReference != "" {
			act := ActLookup
			if a.State == StateCaptured {
				act = ActCapture
			}
			out = append(out, rec(Record{Kind: KindAnswer, Ref: a.Reference, Answer: &Answer{Action: act, Key: keyIf(act == ActCapture, a.CaptureKey),
				OK: true, Captured: a.Captured, Refunded: a.Refunded, PSPReference: a.PSPReference}}))
		}
	}
	for _, rf := range s.Refunds {
		out = append(out, rec(Record{Kind: KindIntent, Ref: rf.Reference, At: rf.At,
			Intent: &Intent{Action: ActRefund, Key: rf.Key, Amount: rf.Amount, Refund: &RefundData{Reason: rf.Reason, Lines: rf.Lines}}}))
		switch {
		case rf.Done:
			out = append(out, rec(Record{Kind: KindAnswer, Ref: rf.Reference, Answer: &Answer{Action: ActRefund, Key: rf.Key, OK: true}}))
		case rf.Error != "":
			out = append(out, rec(Record{Kind: KindAnswer, Ref: rf.Reference, Answer: &Answer{Action: ActRefund, Key: rf.Key, Error: rf.Error}}))
		}
	}
	for _, e := range s.Events {
		out = append(out, rec(Record{Kind: KindEvent, Ref: e.Reference, At: e.At, Event: &e.EventData}))
	}
	if s.ReceiptURL != "" {
		out = append(out, rec(Record{Kind: KindReceipt, Print: &PrintData{URL: s.ReceiptURL}}))
	}
	if s.Printed {
		out = append(out, rec(Record{Kind: KindPrinted, Print: &PrintData{}}))
	}
	for range s.Copies {
		out = append(out, rec(Record{Kind: KindCopy, Print: &PrintData{Copy: true}}))
	}
	return out
}

func isRefundStep(st State) bool {
	return st == StepRefunding || st == StepRefunded || st == StepRefundRefused
}

func keyIf(ok bool, key string) string {
	if ok {
		return key
	}
	return ""
}
