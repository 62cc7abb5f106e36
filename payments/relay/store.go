package relay

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/kasse-pos/kasse/payments/webhook"
)

// Buckets of the relay's bbolt file. Every top-level bucket is created at open.
var (
	bucketEvents      = []byte("events")      // big-endian seq → event record
	bucketKeys        = []byte("keys")        // webhook.Event.Key() → big-endian seq (duplicate suppression)
	bucketFeeds       = []byte("feeds")       // till name → bucket of big-endian seq → nothing
	bucketTills       = []byte("tills")       // till name → tillRecord JSON
	bucketTokens      = []byte("tokens")      // SHA-256(token) → till name
	bucketRegs        = []byte("regs")        // registration id → Registration JSON
	bucketReceipts    = []byte("receipts")    // receipt id → receiptRecord JSON
	bucketReceiptKeys = []byte("receiptKeys") // till NUL receipt number → receipt id
)

var allBuckets = [][]byte{bucketEvents, bucketKeys, bucketFeeds, bucketTills, bucketTokens, bucketRegs, bucketReceipts, bucketReceiptKeys}

// Errors of the store.
var (
	ErrTillExists     = errors.New("relay: a till with that name exists")
	ErrNoTill         = errors.New("relay: no such till")
	ErrPrefixOverlap  = errors.New("relay: reference prefix overlaps another till's on the same MSN")
	ErrCursorAhead    = errors.New("relay: cursor is ahead of the relay's log")
	ErrNoReceipt      = errors.New("relay: no such receipt")
	ErrNoRegistration = errors.New("relay: no such registration")
	// ErrLocked means another process (a running relay) has the file open.
	ErrLocked = errors.New("relay: the file is locked by another process (is kasse-relay running? stop it first)")
)

// OpenTimeout is how long OpenStore waits for the file lock; a second process
// (a running relay) holds it, and bbolt would otherwise wait forever.
const OpenTimeout = 2 * time.Second

// Store is the relay's durable state in one bbolt file: the event log with
// per-till feeds, till tokens (hashed), webhook registrations and receipts.
// It keeps small in-memory indexes of tills and registrations, so one Store
// must own the file (bbolt's lock makes sure of that across processes).
type Store struct {
	db   *bolt.DB
	path string

	// admin serialises AddTill, RevokeTill and registration changes. mu guards
	// the indexes and is never held across a transaction: Append reads the
	// indexes inside one, and would deadlock against a writer holding mu.
	admin   sync.Mutex
	mu      sync.RWMutex
	byToken map[[sha256.Size]byte]*Till // active tills by token hash
	byMSN   map[string][]*Till          // active tills per MSN
	regs    map[string][]Registration   // registrations per MSN
}

// Till is a till the relay serves: it sees events of MSN whose reference starts
// with Prefix.
type Till struct {
	Name    string     `json:"name"`
	MSN     string     `json:"msn"`
	Prefix  string     `json:"prefix"`
	Created time.Time  `json:"created"`
	Revoked *time.Time `json:"revoked,omitempty"`

	TokenHash []byte `json:"tokenHash"` // SHA-256 of the token; the token itself is never stored

	start uint64 // JetStore: the stream sequence the till's feed starts after
}

// Registration is a webhook registration with the Webhooks API for one MSN.
// Secret is the HMAC key Vipps signs with; never log it.
type Registration struct {
	MSN     string    `json:"msn"`
	ID      string    `json:"id"`
	Secret  string    `json:"secret"`
	URL     string    `json:"url"`
	Created time.Time `json:"created"`
}

// OpenStore opens the relay's bbolt file at path, creating it if it does not
// exist. An existing file is checked first: an empty, truncated or damaged
// one is refused with ErrDamaged, never replaced by a new store.
func OpenStore(path string) (*Store, error) { return openStore(path, true) }

// OpenExistingStore is OpenStore for commands that must not create a store
// (a mistyped -db would otherwise start a new, empty one): a missing file is
// ErrNoStore.
func OpenExistingStore(path string) (*Store, error) { return openStore(path, false) }

func openStore(path string, create bool) (*Store, error) {
	switch err := checkBoltFile(path); {
	case errors.Is(err, os.ErrNotExist) && create:
	case errors.Is(err, os.ErrNotExist):
		return nil, fmt.Errorf("%w: %s does not exist (check -db)", ErrNoStore, path)
	case err != nil:
		return nil, err
	}
	db, err := openBolt(path, &bolt.Options{Timeout: OpenTimeout})
	if err != nil {
		if errors.Is(err, bolt.ErrTimeout) {
			return nil, fmt.Errorf("%w: %s", ErrLocked, path)
		}
		if errors.Is(err, ErrDamaged) {
			return nil, err
		}
		if !errors.Is(err, os.ErrNotExist) && !errors.Is(err, os.ErrPermission) {
			// bbolt's own refusals (ErrInvalid, ErrChecksum, ErrVersionMismatch).
			return nil, fmt.Errorf("%w: %s: %w", ErrDamaged, path, err)
		}
		return nil, fmt.Errorf("relay: open %s: %w", path, err)
	}
	// A lone webhook waits at most this long for others to share its commit;
	// bbolt's default of 10 ms would add that to every approval at low load.
	db.MaxBatchDelay = 2 * time.Millisecond
	s := &Store{db: db, path: path}
	if err := db.Update(func(tx *bolt.Tx) error {
		for _, b := range allBuckets {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		db.Close()
		return nil, fmt.Errorf("relay: create buckets in %s: %w", path, err)
	}
	if err := s.loadIndexes(); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

// Close closes the file. Callers stop the server first.
func (s *Store) Close() error { return s.db.Close() }

// Path is the file the store lives in.
func (s *Store) Path() string { return s.path }

func (s *Store) loadIndexes() error {
	byToken := map[[sha256.Size]byte]*Till{}
	byMSN := map[string][]*Till{}
	regs := map[string][]Registration{}
	err := s.db.View(func(tx *bolt.Tx) error {
		if err := tx.Bucket(bucketTills).ForEach(func(_, v []byte) error {
			var t Till
			if err := json.Unmarshal(v, &t); err != nil {
				return fmt.Errorf("till record: %w", err)
			}
			if t.Revoked == nil && len(t.TokenHash) == sha256.Size {
				byToken[[sha256.Size]byte(t.TokenHash)] = &t
				byMSN[t.MSN] = append(byMSN[t.MSN], &t)
			}
			return nil
		}); err != nil {
			return err
		}
		return tx.Bucket(bucketRegs).ForEach(func(_, v []byte) error {
			var r Registration
			if err := json.Unmarshal(v, &r); err != nil {
				return fmt.Errorf("registration record: %w", err)
			}
			regs[r.MSN] = append(regs[r.MSN], r)
			return nil
		})
	})
	if err != nil {
		return fmt.Errorf("relay: load %s: %w", s.path, err)
	}
	s.mu.Lock()
	s.byToken, s.byMSN, s.regs = byToken, byMSN, regs
	s.mu.Unlock()
	return nil
}

// --- tills -------------------------------------------------------------------

// tokenPrefix marks Kasse till tokens so secret scanners and people recognise them.
const tokenPrefix = "kt_"

func hashToken(token string) [sha256.Size]byte { return sha256.Sum256([]byte(token)) }

// AddTill creates a till that sees the events of msn whose reference starts with
// prefix, and returns its bearer token. The token is shown only here: the store
// keeps its SHA-256. A prefix that is a prefix of another active till's on the
// same MSN (or the other way round) is refused, since one till would then see
// the other's payments.
func (s *Store) AddTill(name, msn, prefix string) (token string, err error) {
	if err := checkTillArgs(name, msn, prefix); err != nil {
		return "", err
	}
	token, h := newToken()
	t := &Till{Name: name, MSN: msn, Prefix: prefix, Created: time.Now().UTC(), TokenHash: h[:]}
	s.admin.Lock()
	defer s.admin.Unlock()
	s.mu.RLock()
	for _, o := range s.byMSN[msn] {
		if strings.HasPrefix(o.Prefix, prefix) || strings.HasPrefix(prefix, o.Prefix) {
			s.mu.RUnlock()
			return "", fmt.Errorf("%w: %q (till %q) and %q", ErrPrefixOverlap, o.Prefix, o.Name, prefix)
		}
	}
	s.mu.RUnlock()
	err = s.db.Update(func(tx *bolt.Tx) error {
		tb := tx.Bucket(bucketTills)
		if v := tb.Get([]byte(name)); v != nil {
			var old Till
			if json.Unmarshal(v, &old) == nil && old.Revoked == nil {
				return ErrTillExists
			}
		}
		v, err := json.Marshal(t)
		if err != nil {
			return err
		}
		if err := tb.Put([]byte(name), v); err != nil {
			return err
		}
		if err := tx.Bucket(bucketTokens).Put(h[:], []byte(name)); err != nil {
			return err
		}
		// A re-added name starts with an empty feed; event keys are global
		// sequence numbers, so a cursor the till kept from before stays valid.
		feeds := tx.Bucket(bucketFeeds)
		if feeds.Bucket([]byte(name)) != nil {
			if err := feeds.DeleteBucket([]byte(name)); err != nil {
				return err
			}
		}
		_, err = feeds.CreateBucket([]byte(name))
		return err
	})
	if err != nil {
		return "", fmt.Errorf("relay: add till %q: %w", name, err)
	}
	s.mu.Lock()
	s.byToken[h] = t
	s.byMSN[msn] = append(s.byMSN[msn], t)
	s.mu.Unlock()
	return token, nil
}

func checkTillArgs(name, msn, prefix string) error {
	if name == "" || strings.ContainsAny(name, "\x00/") || len(name) > 100 {
		return fmt.Errorf("relay: till name %q: want 1-100 characters, no '/'", name)
	}
	if msn == "" || prefix == "" {
		return fmt.Errorf("relay: till %q: MSN and reference prefix are both required", name)
	}
	return nil
}

// RevokeTill invalidates a till's token at once and drops its feed. The record
// stays for the audit trail; AddTill with the same name issues a new token.
func (s *Store) RevokeTill(name string) error {
	s.admin.Lock()
	defer s.admin.Unlock()
	now := time.Now().UTC()
	var t Till
	err := s.db.Update(func(tx *bolt.Tx) error {
		tb := tx.Bucket(bucketTills)
		v := tb.Get([]byte(name))
		if v == nil {
			return ErrNoTill
		}
		if err := json.Unmarshal(v, &t); err != nil {
			return err
		}
		if t.Revoked != nil {
			return nil
		}
		t.Revoked = &now
		nv, err := json.Marshal(&t)
		if err != nil {
			return err
		}
		if err := tb.Put([]byte(name), nv); err != nil {
			return err
		}
		if err := tx.Bucket(bucketTokens).Delete(t.TokenHash); err != nil {
			return err
		}
		if tx.Bucket(bucketFeeds).Bucket([]byte(name)) != nil {
			return tx.Bucket(bucketFeeds).DeleteBucket([]byte(name))
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("relay: revoke till %q: %w", name, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(t.TokenHash) == sha256.Size {
		delete(s.byToken, [sha256.Size]byte(t.TokenHash))
	}
	list := s.byMSN[t.MSN][:0:0]
	for _, o := range s.byMSN[t.MSN] {
		if o.Name != name {
			list = append(list, o)
		}
	}
	s.byMSN[t.MSN] = list
	return nil
}

// Tills lists all tills, revoked ones included, sorted by name.
func (s *Store) Tills() ([]Till, error) {
	var out []Till
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketTills).ForEach(func(_, v []byte) error {
			var t Till
			if err := json.Unmarshal(v, &t); err != nil {
				return err
			}
			t.TokenHash = nil
			out = append(out, t)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("relay: list tills: %w", err)
	}
	return out, nil
}

// TillByToken returns the active till a bearer token belongs to, or nil.
func (s *Store) TillByToken(token string) *Till {
	return tillByToken(&s.mu, s.byToken, token)
}

// tillByToken is both stores' lookup of a bearer token in their index of
// active tills by token hash, read under mu.
func tillByToken(mu *sync.RWMutex, byToken map[[sha256.Size]byte]*Till, token string) *Till {
	if !strings.HasPrefix(token, tokenPrefix) {
		return nil
	}
	h := hashToken(token)
	mu.RLock()
	t := byToken[h]
	mu.RUnlock()
	// The map finds the candidate by hash; the constant-time compare is the check.
	if t == nil || subtle.ConstantTimeCompare(t.TokenHash, h[:]) != 1 {
		return nil
	}
	return t
}

// Active reports whether the named till still holds the token hash it had.
func (s *Store) Active(t *Till) bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.byToken[[sha256.Size]byte(t.TokenHash)] == t
}

// tillsFor returns the names of the active tills that see an event.
func (s *Store) tillsFor(msn, reference string) []string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var names []string
	for _, t := range s.byMSN[msn] {
		if strings.HasPrefix(reference, t.Prefix) {
			names = append(names, t.Name)
		}
	}
	return names
}

// --- registrations -----------------------------------------------------------

// AddRegistration stores a webhook registration's id and secret for msn; url
// is the exact URL registered, whose host and path Vipps signs.
func (s *Store) AddRegistration(msn, id, secret, url string) error {
	if msn == "" || id == "" || secret == "" || url == "" {
		return errors.New("relay: registration needs MSN, id, secret and URL")
	}
	r := Registration{MSN: msn, ID: id, Secret: secret, URL: url, Created: time.Now().UTC()}
	v, err := json.Marshal(r)
	if err != nil {
		return err
	}
	s.admin.Lock()
	defer s.admin.Unlock()
	if err := s.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketRegs).Put([]byte(id), v)
	}); err != nil {
		return fmt.Errorf("relay: store registration: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	list := s.regs[msn][:0:0]
	for _, o := range s.regs[msn] {
		if o.ID != id {
			list = append(list, o)
		}
	}
	s.regs[msn] = append(list, r)
	return nil
}

// RemoveRegistration forgets a registration (after it was deleted at Vipps).
func (s *Store) RemoveRegistration(id string) error {
	s.admin.Lock()
	defer s.admin.Unlock()
	var r Registration
	if err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketRegs)
		v := b.Get([]byte(id))
		if v == nil {
			return ErrNoRegistration
		}
		if err := json.Unmarshal(v, &r); err != nil {
			return err
		}
		return b.Delete([]byte(id))
	}); err != nil {
		return fmt.Errorf("relay: remove registration %s: %w", id, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	list := s.regs[r.MSN][:0:0]
	for _, o := range s.regs[r.MSN] {
		if o.ID != id {
			list = append(list, o)
		}
	}
	s.regs[r.MSN] = list
	return nil
}

// Registrations lists the stored registrations, secrets included: print only
// their IDs, URLs and MSNs.
func (s *Store) Registrations() []Registration {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []Registration
	for _, l := range s.regs {
		out = append(out, l...)
	}
	return out
}

// RegistrationsFor lists the registrations of one MSN.
func (s *Store) RegistrationsFor(msn string) []Registration {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.regs[msn]
}

// --- events ------------------------------------------------------------------

func itob(v uint64) []byte {
	b := make([]byte, 8)
	binary.BigEndian.PutUint64(b, v)
	return b
}

// An event record is [8 received unix nanos][2 key length][key][raw body]:
// binary, because the webhook path encodes one per request.
func encodeRecord(received time.Time, key string, body []byte) []byte {
	b := make([]byte, 10+len(key)+len(body))
	binary.BigEndian.PutUint64(b, uint64(received.UnixNano()))
	binary.BigEndian.PutUint16(b[8:], uint16(len(key)))
	copy(b[10:], key)
	copy(b[10+len(key):], body)
	return b
}

func decodeRecord(v []byte) (received time.Time, key string, body []byte, ok bool) {
	if len(v) < 10 {
		return time.Time{}, "", nil, false
	}
	n := int(binary.BigEndian.Uint16(v[8:]))
	if len(v) < 10+n {
		return time.Time{}, "", nil, false
	}
	return time.Unix(0, int64(binary.BigEndian.Uint64(v))), string(v[10 : 10+n]), v[10+n:], true
}

// Appended is the outcome of Append.
type Appended struct {
	Seq       uint64   // the event's place in the log
	Duplicate bool     // the log already held this event (a Vipps retry)
	Tills     []string // tills whose feeds got it (none for a duplicate)
}

// Append stores a verified event durably, once: a second delivery of the same
// ev.Key() returns the first one's sequence with Duplicate set. Concurrent calls
// share one commit (bbolt Batch); Append returns after that commit.
func (s *Store) Append(_ context.Context, ev webhook.Event, body []byte, received time.Time) (Appended, error) {
	key := ev.Key()
	if len(key) > 0xffff {
		return Appended{}, errors.New("relay: event key too long")
	}
	var out Appended
	err := s.db.Batch(func(tx *bolt.Tx) error {
		// Batch may run this more than once; start from scratch each time.
		out = Appended{}
		keys := tx.Bucket(bucketKeys)
		if v := keys.Get([]byte(key)); v != nil {
			out.Seq, out.Duplicate = binary.BigEndian.Uint64(v), true
			return nil
		}
		events := tx.Bucket(bucketEvents)
		seq, err := events.NextSequence()
		if err != nil {
			return err
		}
		k := itob(seq)
		if err := events.Put(k, encodeRecord(received, key, body)); err != nil {
			return err
		}
		if err := keys.Put([]byte(key), k); err != nil {
			return err
		}
		feeds := tx.Bucket(bucketFeeds)
		for _, name := range s.tillsFor(ev.MSN, ev.Reference) {
			fb := feeds.Bucket([]byte(name))
			if fb == nil { // revoked meanwhile
				continue
			}
			if err := fb.Put(k, nil); err != nil {
				return err
			}
			out.Tills = append(out.Tills, name)
		}
		out.Seq = seq
		return nil
	})
	if err != nil {
		return Appended{}, fmt.Errorf("relay: store event: %w", err)
	}
	return out, nil
}

// FeedEvent is one event in a till's feed: its cursor and the body Vipps sent.
type FeedEvent struct {
	Cursor uint64          `json:"cursor"`
	Event  json.RawMessage `json:"event"`
}

// Feed returns up to limit events of a till's feed after cursor, and the log's
// head (the last sequence ever given out). It stops before the bodies pass
// maxBytes, but always returns at least one event when there is one. A cursor
// beyond the head means the relay's file was replaced; Feed then returns
// ErrCursorAhead.
func (s *Store) Feed(_ context.Context, till string, after uint64, limit, maxBytes int) ([]FeedEvent, uint64, error) {
	var out []FeedEvent
	var head uint64
	err := s.db.View(func(tx *bolt.Tx) error {
		events := tx.Bucket(bucketEvents)
		head = events.Sequence()
		if after > head {
			return ErrCursorAhead
		}
		fb := tx.Bucket(bucketFeeds).Bucket([]byte(till))
		if fb == nil {
			return ErrNoTill
		}
		c := fb.Cursor()
		size := 0
		for k, _ := c.Seek(itob(after + 1)); k != nil && len(out) < limit; k, _ = c.Next() {
			_, _, body, ok := decodeRecord(events.Get(k))
			if !ok { // pruned while the feed entry waits for the same pruning
				continue
			}
			if size += len(body) + feedEventOverhead; size > maxBytes && len(out) > 0 {
				break
			}
			// Values live only as long as the transaction: copy.
			out = append(out, FeedEvent{Cursor: binary.BigEndian.Uint64(k), Event: bytes.Clone(body)})
		}
		return nil
	})
	if err != nil {
		return nil, head, fmt.Errorf("relay: read feed of %q: %w", till, err)
	}
	return out, head, nil
}

// Prune deletes events received before cutoff, with their duplicate keys and
// feed entries, and receipts created before receiptCutoff. It works in small
// transactions so that webhooks are not held up. It returns how many events and
// receipts it deleted.
func (s *Store) Prune(cutoff, receiptCutoff time.Time) (events, receipts int, err error) {
	const chunk = 1000
	for {
		var n int
		err := s.db.Update(func(tx *bolt.Tx) error {
			n = 0
			eb, kb := tx.Bucket(bucketEvents), tx.Bucket(bucketKeys)
			var dead [][]byte
			var deadKeys []string
			c := eb.Cursor()
			for k, v := c.First(); k != nil && len(dead) < chunk; k, v = c.Next() {
				t, key, _, ok := decodeRecord(v)
				if ok && !t.Before(cutoff) {
					break
				}
				dead = append(dead, bytes.Clone(k))
				deadKeys = append(deadKeys, key)
			}
			if len(dead) == 0 {
				return nil
			}
			// Collect first, delete after: deleting under a cursor can skip keys.
			for i, k := range dead {
				if err := eb.Delete(k); err != nil {
					return err
				}
				if deadKeys[i] != "" {
					if err := kb.Delete([]byte(deadKeys[i])); err != nil {
						return err
					}
				}
			}
			last := dead[len(dead)-1]
			if err := tx.Bucket(bucketFeeds).ForEachBucket(func(name []byte) error {
				fb := tx.Bucket(bucketFeeds).Bucket(name)
				var fk [][]byte
				fc := fb.Cursor()
				for k, _ := fc.First(); k != nil && bytes.Compare(k, last) <= 0; k, _ = fc.Next() {
					fk = append(fk, bytes.Clone(k))
				}
				for _, k := range fk {
					if err := fb.Delete(k); err != nil {
						return err
					}
				}
				return nil
			}); err != nil {
				return err
			}
			n = len(dead)
			return nil
		})
		if err != nil {
			return events, receipts, fmt.Errorf("relay: prune events: %w", err)
		}
		events += n
		if n < chunk {
			break
		}
	}
	err = s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketReceipts)
		var dead [][]byte
		if err := b.ForEach(func(k, v []byte) error {
			var r struct {
				Created time.Time `json:"created"`
			}
			if json.Unmarshal(v, &r) != nil || r.Created.Before(receiptCutoff) {
				dead = append(dead, bytes.Clone(k))
			}
			return nil
		}); err != nil {
			return err
		}
		for _, k := range dead {
			if err := b.Delete(k); err != nil {
				return err
			}
		}
		receipts = len(dead)
		return pruneReceiptKeys(tx)
	})
	if err != nil {
		return events, 0, fmt.Errorf("relay: prune receipts: %w", err)
	}
	return events, receipts, nil
}

// WriteTransactions is the number of write transactions committed to the file
// so far (bbolt's transaction id); the difference over a run shows how well
// concurrent webhooks share commits.
func (s *Store) WriteTransactions() int {
	var id int
	s.db.View(func(tx *bolt.Tx) error { id = tx.ID(); return nil })
	return id
}

// Head is the last event sequence given out.
func (s *Store) Head(context.Context) (uint64, error) {
	var head uint64
	err := s.db.View(func(tx *bolt.Tx) error {
		head = tx.Bucket(bucketEvents).Sequence()
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("relay: head: %w", err)
	}
	return head, nil
}

// ActiveTills counts the tills with a valid token.
func (s *Store) ActiveTills() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.byToken)
}

// Stats is a summary for /healthz and the CLI.
type Stats struct {
	Head     uint64 `json:"head"`     // last event sequence
	Events   int    `json:"events"`   // events held
	Tills    int    `json:"tills"`    // active tills
	Receipts int    `json:"receipts"` // receipts held
}

// Stats counts what the store holds; it walks the buckets, so it is for the
// CLI and tests, not for every health check.
func (s *Store) Stats() (Stats, error) {
	var st Stats
	err := s.db.View(func(tx *bolt.Tx) error {
		eb := tx.Bucket(bucketEvents)
		st.Head = eb.Sequence()
		st.Events = eb.Stats().KeyN
		st.Receipts = tx.Bucket(bucketReceipts).Stats().KeyN
		return nil
	})
	s.mu.RLock()
	st.Tills = len(s.byToken)
	s.mu.RUnlock()
	if err != nil {
		return st, fmt.Errorf("relay: stats: %w", err)
	}
	return st, nil
}

// Backup writes a consistent copy of the file to w while the relay runs.
func (s *Store) Backup(w io.Writer) (int64, error) {
	var n int64
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		n, err = tx.WriteTo(w)
		return err
	})
	if err != nil {
		return n, fmt.Errorf("relay: backup: %w", err)
	}
	return n, nil
}

// BackupFile writes a consistent copy of the store to path while the relay
// runs: to a temporary file first, synced, then renamed over path, so that
// path always holds a whole backup.
func (s *Store) BackupFile(path string) error {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("relay: backup: %w", err)
	}
	if _, err := s.Backup(f); err != nil {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		os.Remove(tmp)
		return fmt.Errorf("relay: backup: %w", err)
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("relay: backup: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("relay: backup: %w", err)
	}
	return nil
}
