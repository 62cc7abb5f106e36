// Package journal is the till's durable memory: every sale and every payment step,
// written to a bbolt file before the side effect it describes, so that a crash at
// any point leaves enough on disk to finish the payment exactly once.
//
// The journal has one writer (the till), so it uses Update, never Batch.
package journal

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

var (
	bucketSales = []byte("sales")
	bucketRefs  = []byte("references")
	bucketMeta  = []byte("meta")

	keyReceiptSeq = []byte("receipt-seq")
	keyCursor     = []byte("relay-cursor")
	keyTillID     = []byte("till-id")
	keyDay        = []byte("business-day")
	keySchema     = []byte("schema")
)

// Errors a cashier must understand; each says what to do.
var (
	ErrLocked  = errors.New("the journal is in use by another Kasse (close it first)")
	ErrCorrupt = errors.New("the journal file is damaged; restore it from a backup - Kasse will not replace it with an empty one")
	ErrWrite   = errors.New("could not write to the journal (is the disk full?); nothing was sent to Vipps")
	ErrNoSale  = errors.New("no such sale in the journal")
)

// Journal is an open journal file.
type Journal struct {
	db     *bolt.DB
	path   string
	tillID string
	now    func() time.Time
	fault  atomic.Pointer[error]
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

// update is db.Update behind the injected fault, if any.
func (j *Journal) update(fn func(*bolt.Tx) error) error {
	if f := j.fault.Load(); f != nil {
		return *f
	}
	return j.db.Update(fn)
}

// Open opens (or creates) the journal at path. A file another process holds gives
// ErrLocked after timeout; a damaged file gives ErrCorrupt, never a new empty file.
func Open(path string, timeout time.Duration) (*Journal, error) {
	if timeout <= 0 {
		timeout = 2 * time.Second
	}
	if fi, err := os.Stat(path); err == nil && fi.Size() > 0 && fi.Size() < 1024 {
		return nil, fmt.Errorf("open %s: %w", path, ErrCorrupt)
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: timeout})
	if err != nil {
		switch {
		case errors.Is(err, bolterrors.ErrTimeout):
			return nil, fmt.Errorf("open %s: %w", path, ErrLocked)
		case errors.Is(err, bolterrors.ErrInvalid), errors.Is(err, bolterrors.ErrChecksum),
			errors.Is(err, bolterrors.ErrVersionMismatch), strings.Contains(err.Error(), "file size too small"),
			strings.Contains(err.Error(), "invalid"):
			return nil, fmt.Errorf("open %s: %w (%v)", path, ErrCorrupt, err)
		}
		return nil, fmt.Errorf("open journal %s: %w", path, err)
	}
	j := &Journal{db: db, path: path, now: time.Now}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketSales, bucketRefs, bucketMeta} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		meta := tx.Bucket(bucketMeta)
		if id := meta.Get(keyTillID); id != nil {
			j.tillID = string(id)
			return nil
		}
		// A random id per journal keeps payment references unique at Vipps even
		// if a till's journal is ever started afresh.
		j.tillID = randomID(6)
		if err := meta.Put(keySchema, []byte("1")); err != nil {
			return err
		}
		return meta.Put(keyTillID, []byte(j.tillID))
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("init journal %s: %w", path, err)
	}
	return j, nil
}

// Close closes the file.
func (j *Journal) Close() error { return j.db.Close() }

// Path is the file's location.
func (j *Journal) Path() string { return j.path }

// TillID is this journal's random id, part of every payment reference.
func (j *Journal) TillID() string { return j.tillID }

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

// NewSale allocates the next receipt number and stores s under a new id. The
// receipt counter never goes back, across days and restarts.
func (j *Journal) NewSale(s *Sale) error {
	err := j.update(func(tx *bolt.Tx) error {
		sales := tx.Bucket(bucketSales)
		id, err := sales.NextSequence()
		if err != nil {
			return err
		}
		meta := tx.Bucket(bucketMeta)
		var n uint64
		if v := meta.Get(keyReceiptSeq); v != nil {
			n = binary.BigEndian.Uint64(v)
		}
		n++
		if err := meta.Put(keyReceiptSeq, itob(n)); err != nil {
			return err
		}
		s.ID = id
		s.ReceiptNumber = fmt.Sprintf("%06d", n)
		if s.Created.IsZero() {
			s.Created = j.now()
		}
		if s.Day == "" {
			s.Day = dayOf(meta, s.Created)
		}
		return put(tx, s)
	})
	if err != nil {
		return fmt.Errorf("%w: %v", ErrWrite, err)
	}
	return nil
}

func dayOf(meta *bolt.Bucket, t time.Time) string {
	if v := meta.Get(keyDay); v != nil {
		return string(v)
	}
	return t.Format("2006-01-02")
}

func put(tx *bolt.Tx, s *Sale) error {
	data, err := json.Marshal(s)
	if err != nil {
		return err
	}
	if err := tx.Bucket(bucketSales).Put(itob(s.ID), data); err != nil {
		return err
	}
	refs := tx.Bucket(bucketRefs)
	for _, a := range s.Attempts {
		if err := refs.Put([]byte(a.Reference), itob(s.ID)); err != nil {
			return err
		}
	}
	return nil
}

// Save writes the sale as it is now. Callers save before each API call; an error
// (ErrWrite) means the call must not be made.
func (j *Journal) Save(s *Sale) error {
	if s.ID == 0 {
		return fmt.Errorf("journal: save of a sale that was never created")
	}
	if err := j.update(func(tx *bolt.Tx) error { return put(tx, s) }); err != nil {
		return fmt.Errorf("%w: %v", ErrWrite, err)
	}
	return nil
}

// Update reads sale id, lets fn change it, and writes it back in one
// transaction, so writers that each own part of a sale (the till its payment
// attempts, the back office its refunds) never undo each other's work. An
// error from fn writes nothing.
func (j *Journal) Update(id uint64, fn func(*Sale) error) error {
	err := j.update(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketSales).Get(itob(id))
		if v == nil {
			return ErrNoSale
		}
		s := new(Sale)
		if err := json.Unmarshal(v, s); err != nil {
			return fmt.Errorf("journal: sale %d: %w", id, err)
		}
		if err := fn(s); err != nil {
			return err
		}
		return put(tx, s)
	})
	if err != nil && !errors.Is(err, ErrNoSale) {
		return fmt.Errorf("%w: %v", ErrWrite, err)
	}
	return err
}

// Get reads one sale by id.
func (j *Journal) Get(id uint64) (*Sale, error) {
	var s *Sale
	err := j.db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketSales).Get(itob(id))
		if v == nil {
			return ErrNoSale
		}
		s = new(Sale)
		return json.Unmarshal(v, s)
	})
	return s, err
}

// ByReference finds the sale that owns a payment reference.
func (j *Journal) ByReference(ref string) (*Sale, error) {
	var id uint64
	err := j.db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketRefs).Get([]byte(ref))
		if v == nil {
			return ErrNoSale
		}
		id = binary.BigEndian.Uint64(v)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return j.Get(id)
}

// Each calls fn for every sale, newest first, until fn returns false.
func (j *Journal) Each(fn func(*Sale) bool) error {
	return j.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketSales).Cursor()
		for k, v := c.Last(); k != nil; k, v = c.Prev() {
			s := new(Sale)
			if err := json.Unmarshal(v, s); err != nil {
				return fmt.Errorf("journal: sale %x: %w", k, err)
			}
			if !fn(s) {
				return nil
			}
		}
		return nil
	})
}

// Unfinished returns the sales with a payment not yet in a final state, oldest
// first: the work recovery must finish on start.
func (j *Journal) Unfinished() ([]*Sale, error) {
	var out []*Sale
	err := j.Each(func(s *Sale) bool {
		if len(s.Open()) > 0 {
			out = append(out, s)
		}
		return true
	})
	sort.Slice(out, func(a, b int) bool { return out[a].ID < out[b].ID })
	return out, err
}

// LoadCursor returns the relay cursor the till has acted on.
func (j *Journal) LoadCursor() (uint64, error) {
	var c uint64
	err := j.db.View(func(tx *bolt.Tx) error {
		if v := tx.Bucket(bucketMeta).Get(keyCursor); v != nil {
			c = binary.BigEndian.Uint64(v)
		}
		return nil
	})
	return c, err
}

// SaveCursor stores the relay cursor after the till has acted on its events.
func (j *Journal) SaveCursor(c uint64) error {
	return j.update(func(tx *bolt.Tx) error { return tx.Bucket(bucketMeta).Put(keyCursor, itob(c)) })
}

// BusinessDay is the open day's date (YYYY-MM-DD); sales are counted to it.
func (j *Journal) BusinessDay() string {
	var d string
	_ = j.db.View(func(tx *bolt.Tx) error { d = dayOf(tx.Bucket(bucketMeta), j.now()); return nil })
	return d
}

// CloseDay ends the open business day and opens next (YYYY-MM-DD). Receipt
// numbers continue; they never start again.
func (j *Journal) CloseDay(next string) error {
	return j.update(func(tx *bolt.Tx) error { return tx.Bucket(bucketMeta).Put(keyDay, []byte(next)) })
}
