// Package journal is the till's durable memory: an append-only, hash-chained
// log of records (see Record) in one bbolt file. Every sale and every payment
// step is appended before the side effect it describes, so a crash at any point
// leaves enough on disk to finish the payment exactly once, and nothing once
// written is ever changed or deleted.
//
// The file holds:
//
//	records       seq (uint64 BE, from 1, no gaps) → JSON of a Record
//	sale-records  sale id (8 bytes BE) + seq (8 bytes BE) → empty
//	sales         sale id → JSON of the Sale folded from its records (a cache)
//	refs          payment reference → sale id (a cache)
//	meta          schema, till id, counters, the chain's head, the relay cursor
//
// records and sale-records are the journal; sales and refs are indexes that
// Rebuild can derive again from records at any time.
//
// The journal has one writer (the till), so it uses Update, never Batch.
package journal

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

var (
	bucketRecords     = []byte("records")
	bucketSaleRecords = []byte("sale-records")
	bucketSales       = []byte("sales")
	bucketRefs        = []byte("refs")
	bucketMeta        = []byte("meta")

	keySchema     = []byte("schema")
	keyTillID     = []byte("till-id")
	keyReceiptSeq = []byte("receipt-seq")
	keyDay        = []byte("business-day")
	keyLastSeq    = []byte("last-seq")
	keyLastHash   = []byte("last-hash")
	// keyIndexSeq is the last seq folded into the sales and refs indexes. It
	// equals last-seq after every Append; anything else marks the indexes
	// stale, and Open rebuilds them.
	keyIndexSeq = []byte("index-seq")
	// keyCursor is the till's position in the relay's event feed. It is not a
	// legal record, only where to resume reading, so unlike everything in
	// records it is rewritten in place.
	keyCursor = []byte("relay-cursor")
)

// Schema is the format this package writes.
const Schema = "2"

// Errors a cashier must understand; each says what to do.
var (
	ErrLocked  = errors.New("the journal is in use by another Kasse (close it first)")
	ErrCorrupt = errors.New("the journal file is damaged; restore it from a backup - Kasse will not replace it with an empty one")
	ErrWrite   = errors.New("could not write to the journal (is the disk full?); nothing was sent to Vipps")
	ErrNoSale  = errors.New("no such sale in the journal")
)

// Options configure Open. The zero value is usable.
type Options struct {
	// Timeout is how long Open waits for another process to let go of the
	// file before ErrLocked (default 2s).
	Timeout time.Duration
	// Now is the clock for records appended without a time (default time.Now).
	Now func() time.Time
	// Logger gets what Open finds and does: migration, rebuilds, damage.
	Logger *slog.Logger
}

// Journal is an open journal file.
type Journal struct {
	db     *bolt.DB
	path   string
	tillID string
	now    func() time.Time
	log    *slog.Logger
	fault  atomic.Pointer[error]
	// cashier names who is logged in, for records appended without one.
	cashier atomic.Pointer[func() string]

	mu     sync.Mutex
	damage []Damage
	seen   map[Damage]bool
}

// InjectWriteFault makes every following write fail with err, as a full disk
// does, until it is called with nil. It exists for fault-injection tests and
// drills: the till must then make no API call and tell the cashier.
func (j *Journal) InjectWriteFault(err error) {
	if err == nil {
		j.fault.Store(nil)
		return
	}
	j.fault.Store(&err)
}

// SetCashier makes Append fill Record.Cashier, when empty, with who fn says
// is logged in, so that every record the till appends names its cashier.
func (j *Journal) SetCashier(fn func() string) {
	if fn == nil {
		j.cashier.Store(nil)
		return
	}
	j.cashier.Store(&fn)
}

// update is db.Update behind the injected fault, if any.
func (j *Journal) update(fn func(*bolt.Tx) error) error {
	if f := j.fault.Load(); f != nil {
		return *f
	}
	return j.db.Update(fn)
}

// view is db.View behind the damage guard: a panic or memory fault inside
// bbolt while reading a damaged page becomes ErrCorrupt instead of a crash.
func (j *Journal) view(fn func(*bolt.Tx) error) error {
	return withFaultsAsPanics(func() error { return j.db.View(fn) })
}

// Open opens the journal at path, creating it only if no file exists there. A
// file another process holds gives ErrLocked after the timeout; a damaged file
// gives ErrCorrupt and is left as it was, never replaced. A schema-1 file is
// backed up and migrated (see migrate.go).
func Open(path string, opt Options) (*Journal, error) {
	if opt.Timeout <= 0 {
		opt.Timeout = 2 * time.Second
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Logger == nil {
		opt.Logger = slog.Default()
	}
	j := &Journal{path: path, now: opt.Now, log: opt.Logger, seen: map[Damage]bool{}}
	switch _, err := os.Stat(path); {
	case errors.Is(err, fs.ErrNotExist):
		if err := j.create(opt.Timeout); err != nil {
			return nil, err
		}
	case err != nil:
		return nil, fmt.Errorf("open journal: %w", err)
	}
	db, err := openBolt(path, opt.Timeout, false)
	if err != nil {
		return nil, err
	}
	j.db = db
	if err := j.load(); err != nil {
		db.Close()
		return nil, err
	}
	return j, nil
}

// openBolt checks the file's header and opens it with bbolt.
func openBolt(path string, timeout time.Duration, readOnly bool) (db *bolt.DB, err error) {
	if err := checkFile(path); err != nil {
		return nil, err
	}
	err = withFaultsAsPanics(func() error {
		var err error
		db, err = bolt.Open(path, 0o600, &bolt.Options{Timeout: timeout, ReadOnly: readOnly})
		return err
	})
	switch {
	case err == nil:
		return db, nil
	case errors.Is(err, bolterrors.ErrTimeout):
		return nil, fmt.Errorf("open %s: %w", path, ErrLocked)
	case errors.Is(err, fs.ErrPermission):
		return nil, fmt.Errorf("open journal: %w", err)
	}
	// The file exists and passed checkFile: what bbolt refuses is damage.
	return nil, fmt.Errorf("open %s: %w (%v)", path, ErrCorrupt, err)
}

// create makes a new journal: built under a temporary name and renamed into
// place, so a crash while creating never leaves a half-made file at path that
// the next start would have to refuse.
func (j *Journal) create(timeout time.Duration) error {
	tmp := j.path + ".new"
	_ = os.Remove(tmp) // an earlier create that crashed; it was never a journal
	db, err := bolt.Open(tmp, 0o600, &bolt.Options{Timeout: timeout})
	if err != nil {
		return fmt.Errorf("create journal: %w", err)
	}
	j.db = db
	// A random id per journal keeps payment references unique at Vipps even if
	// a till's journal is ever started afresh.
	j.tillID = randomID(6)
	err = db.Update(func(tx *bolt.Tx) error {
		if err := initBuckets(tx, j.tillID); err != nil {
			return err
		}
		_, err := j.appendTx(tx, []Record{{Kind: KindJournalCreated, Note: "schema " + Schema}})
		return err
	})
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	j.db = nil
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("create journal: %w", err)
	}
	// Link, unlike rename, fails if a file appeared at path meanwhile: a
	// journal is never replaced.
	if err := os.Link(tmp, j.path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("create journal: %w", err)
	}
	os.Remove(tmp)
	syncDir(filepath.Dir(j.path))
	j.log.Info("journal created", "path", j.path, "till", j.tillID)
	return nil
}

func initBuckets(tx *bolt.Tx, tillID string) error {
	for _, b := range [][]byte{bucketRecords, bucketSaleRecords, bucketSales, bucketRefs, bucketMeta} {
		if _, err := tx.CreateBucketIfNotExists(b); err != nil {
			return err
		}
	}
	meta := tx.Bucket(bucketMeta)
	if err := meta.Put(keySchema, []byte(Schema)); err != nil {
		return err
	}
	return meta.Put(keyTillID, []byte(tillID))
}

// load checks an opened file, migrates schema 1, notes damaged records and
// rebuilds the indexes if they are stale.
func (j *Journal) load() error {
	var schema string
	err := j.view(func(tx *bolt.Tx) error {
		if err := checkTx(tx); err != nil {
			return err
		}
		meta := tx.Bucket(bucketMeta)
		if meta == nil {
			return fmt.Errorf("%w (no meta bucket: not a Kasse journal)", ErrCorrupt)
		}
		schema = string(meta.Get(keySchema))
		return nil
	})
	if err != nil {
		return fmt.Errorf("open %s: %w", j.path, err)
	}
	switch schema {
	case "1":
		if err := j.migrate(); err != nil {
			return err
		}
	case Schema:
	default:
		return fmt.Errorf("open %s: journal schema %q is not one this Kasse knows (a newer version wrote it?)", j.path, schema)
	}
	stale := false
	err = j.view(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bucketMeta)
		j.tillID = string(meta.Get(keyTillID))
		recs := tx.Bucket(bucketRecords)
		if recs == nil || tx.Bucket(bucketSaleRecords) == nil || j.tillID == "" {
			return fmt.Errorf("%w (records, sale-records or till id missing)", ErrCorrupt)
		}
		last := u64(meta.Get(keyLastSeq))
		if k, _ := recs.Cursor().Last(); u64(k) != last {
			return fmt.Errorf("%w (the last record is %d, the journal's head says %d)", ErrCorrupt, u64(k), last)
		}
		// Read every record once, so damage is known (and logged) from the
		// start rather than found in the middle of a sale.
		c := recs.Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			var r Record
			if err := json.Unmarshal(v, &r); err != nil {
				j.noteDamage(tx, u64(k), err)
			} else if !r.Kind.known() {
				j.noteDamage(tx, u64(k), fmt.Errorf("unknown kind %q", r.Kind))
			}
		}
		sales, refs := tx.Bucket(bucketSales), tx.Bucket(bucketRefs)
		if sales == nil || refs == nil || u64(meta.Get(keyIndexSeq)) != last {
			stale = true
			return nil
		}
		return sales.ForEach(func(k, v []byte) error {
			if !stale && json.Unmarshal(v, new(Sale)) != nil {
				stale = true
			}
			return nil
		})
	})
	if err != nil {
		return fmt.Errorf("open %s: %w", j.path, err)
	}
	if stale {
		j.log.Warn("journal index is stale or damaged; rebuilding it from the records", "path", j.path)
		if err := j.Rebuild(); err != nil {
			return err
		}
	}
	return nil
}

// Close closes the file.
func (j *Journal) Close() error { return j.db.Close() }

// Path is the file's location.
func (j *Journal) Path() string { return j.path }

// TillID is this journal's random id, part of every payment reference.
func (j *Journal) TillID() string { return j.tillID }

// refused is an Append the journal will not write because the records are
// wrong, as opposed to a write that failed.
type refused struct{ err error }

func (r refused) Error() string { return r.err.Error() }
func (r refused) Unwrap() error { return r.err }

// Append writes recs at the end of the journal in one transaction, in order,
// and returns them as stored. For each record it fills Seq, Prev, Till and,
// when zero, At; with SetCashier, an empty Cashier too. A KindSaleOpened with Sale 0 gets the next sale id, and the
// records after it in the same call with Sale 0 get that id too. A
// KindSaleNumbered with an empty Number or Day gets the next receipt number
// (never repeating, across days and restarts) and the open business day. A
// KindDayClosed opens Day.Next.
//
// Each record is folded into its sale with Apply; a record Apply refuses
// refuses the whole call and nothing is written. A failed write returns an
// error wrapping ErrWrite: the caller must then not make the call the records
// announce.
func (j *Journal) Append(recs ...Record) ([]Record, error) {
	if len(recs) == 0 {
		return nil, nil
	}
	if fn := j.cashier.Load(); fn != nil {
		recs = slices.Clone(recs)
		for i := range recs {
			if recs[i].Cashier == "" {
				recs[i].Cashier = (*fn)()
			}
		}
	}
	var out []Record
	err := j.update(func(tx *bolt.Tx) error {
		var err error
		out, err = j.appendTx(tx, recs)
		return err
	})
	if err != nil {
		if r := (refused{}); errors.As(err, &r) {
			return nil, fmt.Errorf("journal: append refused: %w", r.err)
		}
		return nil, fmt.Errorf("%w: %v", ErrWrite, err)
	}
	return out, nil
}

// appendTx is Append inside tx. Migration uses it too, so migrated records are
// chained and folded exactly as new ones are.
func (j *Journal) appendTx(tx *bolt.Tx, recs []Record) ([]Record, error) {
	meta := tx.Bucket(bucketMeta)
	records, saleRecs := tx.Bucket(bucketRecords), tx.Bucket(bucketSaleRecords)
	sales, refs := tx.Bucket(bucketSales), tx.Bucket(bucketRefs)
	seq := u64(meta.Get(keyLastSeq))
	prev := string(meta.Get(keyLastHash))
	if seq == 0 {
		prev = GenesisHash
	}
	receipt := u64(meta.Get(keyReceiptSeq))
	series := loadSeries(meta)
	day := dayOf(meta, j.now())
	nextSale := lastSaleID(saleRecs) + 1

	// The sales this call touches, loaded from the index once and stored
	// once at the end: Append never re-folds a sale from its records.
	touched := map[uint64]*Sale{}
	var order []uint64
	sale := func(id uint64, opened bool) (*Sale, error) {
		if s, ok := touched[id]; ok {
			if opened {
				return nil, refused{fmt.Errorf("sale %d is already open", id)}
			}
			return s, nil
		}
		s := new(Sale)
		v := sales.Get(itob(id))
		switch {
		case opened && (v != nil || hasRecords(saleRecs, id)):
			return nil, refused{fmt.Errorf("sale %d is already open", id)}
		case !opened && v == nil:
			return nil, refused{fmt.Errorf("sale %d: %w", id, ErrNoSale)}
		case v != nil:
			if err := json.Unmarshal(v, s); err != nil {
				// Read past a damaged cache entry: fold what the records say.
				j.addDamage(Damage{Sale: id, What: "index entry: " + err.Error()})
				s = j.foldTx(tx, id)
			}
		}
		touched[id] = s
		order = append(order, id)
		return s, nil
	}

	out := make([]Record, 0, len(recs))
	var current uint64 // the sale a KindSaleOpened in this call opened
	for _, r := range recs {
		seq++
		r.Seq, r.Prev, r.Till = seq, prev, j.tillID
		if r.At.IsZero() {
			r.At = j.now()
		}
		switch r.Kind {
		case KindSaleOpened:
			if r.Sale == 0 {
				r.Sale = nextSale
			}
			nextSale = max(nextSale, r.Sale+1)
			current = r.Sale
		case KindSaleNumbered:
			if r.Numbered == nil {
				r.Numbered = &Numbered{}
			}
			n := *r.Numbered
			switch {
			case n.Number == "" && n.Training:
				n.Number = series.nextTraining()
			case n.Number == "":
				receipt++
				n.Number = fmt.Sprintf("%06d", receipt)
			}
			if n.Day == "" {
				n.Day = day
			}
			r.Numbered = &n
		case KindDayClosed:
			if r.Day == nil || r.Day.Next == "" {
				return nil, refused{fmt.Errorf("record %d: a closed day needs the next day", seq)}
			}
			d := *r.Day
			if d.Closed == "" {
				d.Closed = day
			}
			r.Day, day = &d, d.Next
		case KindReport:
			if r.Report == nil {
				return nil, refused{errPayload(r)}
			}
			rep := *r.Report
			if err := series.report(&rep); err != nil {
				return nil, refused{fmt.Errorf("record %d: %w", seq, err)}
			}
			r.Report = &rep
		}
		if r.Sale == 0 && aboutSale(r.Kind) {
			if current == 0 {
				return nil, refused{fmt.Errorf("record %d (%s) names no sale", seq, r.Kind)}
			}
			r.Sale = current
		}
		if r.Sale != 0 {
			if !aboutSale(r.Kind) {
				return nil, refused{fmt.Errorf("record %d (%s) is not about a sale", seq, r.Kind)}
			}
			s, err := sale(r.Sale, r.Kind == KindSaleOpened)
			if err != nil {
				return nil, err
			}
			if r.Kind == KindSaleNumbered && s.ReceiptNumber != "" {
				// A second number would leave a hole in the receipt sequence.
				return nil, refused{fmt.Errorf("sale %d already has receipt number %s", r.Sale, s.ReceiptNumber)}
			}
			if err := Apply(s, r); err != nil {
				return nil, refused{err}
			}
			if r.Kind == KindIntent && r.Intent.Action == ActCreate && r.Ref != "" {
				if v := refs.Get([]byte(r.Ref)); v != nil && u64(v) != r.Sale {
					return nil, refused{fmt.Errorf("payment reference %s already belongs to sale %d", r.Ref, u64(v))}
				}
				if err := refs.Put([]byte(r.Ref), itob(r.Sale)); err != nil {
					return nil, err
				}
			}
			if err := saleRecs.Put(saleRecKey(r.Sale, seq), nil); err != nil {
				return nil, err
			}
		} else if err := Apply(new(Sale), r); err != nil {
			return nil, refused{err} // an unknown kind, or a payload missing
		} else if r.Kind == KindSetting {
			if err := putSetting(meta, r.Setting); err != nil {
				return nil, err
			}
		}
		v, err := json.Marshal(r)
		if err != nil {
			return nil, refused{err}
		}
		if err := records.Put(itob(seq), v); err != nil {
			return nil, err
		}
		prev = hashOf(v)
		out = append(out, r)
	}
	for _, id := range order {
		v, err := json.Marshal(touched[id])
		if err != nil {
			return nil, err
		}
		if err := sales.Put(itob(id), v); err != nil {
			return nil, err
		}
	}
	if err := series.store(meta); err != nil {
		return nil, err
	}
	for k, v := range map[string][]byte{
		string(keyLastSeq): itob(seq), string(keyIndexSeq): itob(seq), string(keyLastHash): []byte(prev),
		string(keyReceiptSeq): itob(receipt), string(keyDay): []byte(day),
	} {
		if err := meta.Put([]byte(k), v); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// aboutSale reports whether records of kind k belong to a sale.
func aboutSale(k Kind) bool {
	switch k {
	case KindJournalCreated, KindMigrated, KindDayClosed, KindSetting, KindDrawerOpened, KindCashIn, KindCashOut, KindCashCounted, KindCashierLogin, KindCashierLogout:
		return false
	}
	return !tillLevel(k)
}

// Rebuild derives the sales and refs indexes again from the records. Damaged
// records are skipped (see Damage), and so are records that no longer fold
// because of them; every other sale is rebuilt whole.
func (j *Journal) Rebuild() error {
	err := withFaultsAsPanics(func() error { return j.update(j.rebuildTx) })
	if err != nil && !errors.Is(err, ErrCorrupt) {
		return fmt.Errorf("rebuild journal index: %w: %v", ErrWrite, err)
	}
	return err
}

func (j *Journal) rebuildTx(tx *bolt.Tx) error {
	for _, b := range [][]byte{bucketSales, bucketRefs} {
		if tx.Bucket(b) != nil {
			if err := tx.DeleteBucket(b); err != nil {
				return err
			}
		}
	}
	sales, err := tx.CreateBucket(bucketSales)
	if err != nil {
		return err
	}
	refs, err := tx.CreateBucket(bucketRefs)
	if err != nil {
		return err
	}
	folded := map[uint64]*Sale{}
	meta := tx.Bucket(bucketMeta)
	var werr error
	err = j.eachRecordTx(tx, 1, func(r Record) bool {
		if r.Kind == KindSetting && r.Setting != nil {
			werr = putSetting(meta, r.Setting)
			return werr == nil
		}
		if r.Sale == 0 {
			return true
		}
		s := folded[r.Sale]
		if s == nil {
			s = new(Sale)
			folded[r.Sale] = s
		}
		if err := Apply(s, r); err != nil {
			j.addDamage(Damage{Seq: r.Seq, Sale: r.Sale, What: "cannot be applied after damage: " + err.Error()})
			return true
		}
		if r.Kind == KindIntent && r.Intent.Action == ActCreate && r.Ref != "" {
			if err := refs.Put([]byte(r.Ref), itob(r.Sale)); err != nil {
				return false
			}
		}
		return true
	})
	if err == nil {
		err = werr
	}
	if err != nil {
		return err
	}
	for id, s := range folded {
		if s.ID == 0 {
			s.ID = id // its opening record was damaged
		}
		v, err := json.Marshal(s)
		if err != nil {
			return err
		}
		if err := sales.Put(itob(id), v); err != nil {
			return err
		}
	}
	return meta.Put(keyIndexSeq, meta.Get(keyLastSeq))
}

// settingPrefix starts the meta keys that cache each setting's newest value
// (KindSetting); like the sales index, Rebuild derives them from the records.
const settingPrefix = "setting:"

func putSetting(meta *bolt.Bucket, st *SettingData) error {
	k := []byte(settingPrefix + st.Name)
	if st.Value == "" {
		return meta.Delete(k)
	}
	return meta.Put(k, []byte(st.Value))
}

// Setting is the newest value journaled for a till-level setting (KindSetting),
// or "" if it was never set or was cleared.
func (j *Journal) Setting(name string) (string, error) {
	var v string
	err := j.view(func(tx *bolt.Tx) error {
		v = string(tx.Bucket(bucketMeta).Get([]byte(settingPrefix + name)))
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("journal: read setting %s: %w", name, err)
	}
	return v, nil
}

// Get reads one sale by id.
func (j *Journal) Get(id uint64) (*Sale, error) {
	var s *Sale
	err := j.view(func(tx *bolt.Tx) error {
		var err error
		s, err = j.saleTx(tx, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	return s, nil
}

// saleTx reads a sale from the index, or, if its entry is damaged, folds it
// from its records.
func (j *Journal) saleTx(tx *bolt.Tx, id uint64) (*Sale, error) {
	v := tx.Bucket(bucketSales).Get(itob(id))
	if v == nil {
		return nil, ErrNoSale
	}
	s := new(Sale)
	if err := json.Unmarshal(v, s); err == nil {
		return s, nil
	} else {
		j.addDamage(Damage{Sale: id, What: "index entry: " + err.Error()})
	}
	return j.foldTx(tx, id), nil
}

// foldTx folds sale id from its readable records.
func (j *Journal) foldTx(tx *bolt.Tx, id uint64) *Sale {
	s := &Sale{ID: id}
	for _, r := range j.recordsTx(tx, id) {
		if err := Apply(s, r); err != nil {
			j.addDamage(Damage{Seq: r.Seq, Sale: id, What: "cannot be applied after damage: " + err.Error()})
		}
	}
	return s
}

// ByReference finds the sale that owns a payment reference (the reference
// of an Attempt; refunds are not indexed).
func (j *Journal) ByReference(ref string) (*Sale, error) {
	var s *Sale
	err := j.view(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketRefs).Get([]byte(ref))
		if len(v) != 8 {
			return ErrNoSale
		}
		var err error
		s, err = j.saleTx(tx, u64(v))
		return err
	})
	if err != nil {
		return nil, err
	}
	return s, nil
}

// Each calls fn for every sale, newest first, until fn returns false. A sale
// whose index entry is damaged is folded from its records instead; what
// cannot be read is skipped and listed by Damage.
func (j *Journal) Each(fn func(*Sale) bool) error {
	return j.view(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketSales).Cursor()
		for k, _ := c.Last(); k != nil; k, _ = c.Prev() {
			if len(k) != 8 {
				continue
			}
			s, err := j.saleTx(tx, u64(k))
			if err != nil {
				return err
			}
			if !fn(s) {
				return nil
			}
		}
		return nil
	})
}

// Unfinished returns the sales with a payment not yet in a final state, oldest
// first: the work recovery must finish on start. Like Each, it reads past
// damage.
func (j *Journal) Unfinished() ([]*Sale, error) {
	var out []*Sale
	err := j.Each(func(s *Sale) bool {
		if len(s.Open()) > 0 {
			out = append(out, s)
		}
		return true
	})
	slices.Reverse(out)
	return out, err
}

// Records returns every readable record of a sale, in order. Damaged records
// are left out and listed by Damage.
func (j *Journal) Records(saleID uint64) ([]Record, error) {
	var out []Record
	err := j.view(func(tx *bolt.Tx) error {
		out = j.recordsTx(tx, saleID)
		return nil
	})
	return out, err
}

func (j *Journal) recordsTx(tx *bolt.Tx, saleID uint64) []Record {
	var out []Record
	recs := tx.Bucket(bucketRecords)
	prefix := itob(saleID)
	c := tx.Bucket(bucketSaleRecords).Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		if len(k) != 16 {
			continue
		}
		seq := u64(k[8:])
		var r Record
		v := recs.Get(k[8:])
		if v == nil {
			j.addDamage(Damage{Seq: seq, Sale: saleID, What: "is missing"})
			continue
		}
		if err := json.Unmarshal(v, &r); err != nil {
			j.addDamage(Damage{Seq: seq, Sale: saleID, What: err.Error()})
			continue
		}
		out = append(out, r)
	}
	return out
}

// EachRecord calls fn for every record from seq from on, in order, until fn
// returns false. Damaged records are skipped and listed by Damage.
func (j *Journal) EachRecord(from uint64, fn func(Record) bool) error {
	return j.view(func(tx *bolt.Tx) error { return j.eachRecordTx(tx, from, fn) })
}

func (j *Journal) eachRecordTx(tx *bolt.Tx, from uint64, fn func(Record) bool) error {
	c := tx.Bucket(bucketRecords).Cursor()
	for k, v := c.Seek(itob(from)); k != nil; k, v = c.Next() {
		var r Record
		if err := json.Unmarshal(v, &r); err != nil {
			j.noteDamage(tx, u64(k), err)
			continue
		}
		if !fn(r) {
			return nil
		}
	}
	return nil
}

// LoadCursor returns the relay cursor the till has acted on.
func (j *Journal) LoadCursor() (uint64, error) {
	var c uint64
	err := j.view(func(tx *bolt.Tx) error {
		c = u64(tx.Bucket(bucketMeta).Get(keyCursor))
		return nil
	})
	return c, err
}

// SaveCursor stores the relay cursor after the till has acted on its events.
func (j *Journal) SaveCursor(c uint64) error {
	err := j.update(func(tx *bolt.Tx) error { return tx.Bucket(bucketMeta).Put(keyCursor, itob(c)) })
	if err != nil {
		return fmt.Errorf("%w: %v", ErrWrite, err)
	}
	return nil
}

// BusinessDay is the open day's date (YYYY-MM-DD); sales are counted to it.
// Until the first day is closed, it is today.
func (j *Journal) BusinessDay() string {
	var d string
	if err := j.view(func(tx *bolt.Tx) error { d = dayOf(tx.Bucket(bucketMeta), j.now()); return nil }); err != nil {
		return j.now().Format(time.DateOnly)
	}
	return d
}

func dayOf(meta *bolt.Bucket, t time.Time) string {
	if v := meta.Get(keyDay); len(v) > 0 {
		return string(v)
	}
	return t.Format(time.DateOnly)
}

// lastSaleID is the highest sale id with records. sale-records, unlike the
// sales index, is never rebuilt, so an id stays taken even if its sale's
// records are damaged.
func lastSaleID(saleRecs *bolt.Bucket) uint64 {
	k, _ := saleRecs.Cursor().Last()
	if len(k) < 8 {
		return 0
	}
	return u64(k[:8])
}

func hasRecords(saleRecs *bolt.Bucket, id uint64) bool {
	k, _ := saleRecs.Cursor().Seek(itob(id))
	return k != nil && bytes.HasPrefix(k, itob(id))
}

func saleRecKey(sale, seq uint64) []byte {
	k := make([]byte, 16)
	binary.BigEndian.PutUint64(k, sale)
	binary.BigEndian.PutUint64(k[8:], seq)
	return k
}

// hashOf is the chain hash of a record's stored bytes.
func hashOf(v []byte) string {
	h := sha256.Sum256(v)
	return hex.EncodeToString(h[:])
}

func randomID(n int) string {
	const alphabet = "abcdefghijkmnpqrstuvwxyz23456789"
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported systems
	}
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

func itob(v uint64) []byte {
	b := make([]byte, 8)
	binary.BigEndian.PutUint64(b, v)
	return b
}

// u64 reads a big-endian uint64; anything but 8 bytes reads as 0.
func u64(b []byte) uint64 {
	if len(b) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(b)
}

func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync() // best effort: not every OS can sync a directory
		d.Close()
	}
}
