package fiscal

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"
	_ "time/tzdata" // Norwegian time must not depend on the OS's zone files.

	"github.com/kasse-pos/kasse/app/journal"
)

// Norway is the time zone of transDate and transTime: Norwegian time with
// daylight saving, whatever the machine's zone.
var Norway = mustZone("Europe/Oslo")

func mustZone(name string) *time.Location {
	l, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return l
}

// Signer signs a journal's completed transactions and journals each signature
// as a journal.KindSigned record. One journal is one cash register and one
// chain; only one Signer may sign a journal at a time.
//
// The till calls Sign(ctx, saleID) after it journals a capture or a refund's
// confirmation, and SignPending at start-up, which signs whatever a crash left
// unsigned. Both are idempotent: a transaction is signed once.
type Signer struct {
	j    *journal.Journal
	keys *KeyStore
	now  func() time.Time

	mu     sync.Mutex
	loaded bool
	prev   string // the newest signature in the journal
	nr     uint64 // the newest nr in the journal
}

// NewSigner signs j's transactions with the current key of keys. A
// transaction is signed with the date and time it completed; now (nil:
// time.Now) is used only when the journal does not say.
func NewSigner(j *journal.Journal, keys *KeyStore, now func() time.Time) *Signer {
	if now == nil {
		now = time.Now
	}
	return &Signer{j: j, keys: keys, now: now}
}

// Sign signs the completed transactions of one sale that are not signed yet
// and returns the records it journaled (none when there was nothing to sign).
func (s *Signer) Sign(ctx context.Context, saleID uint64) ([]journal.Record, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := s.load(); err != nil {
		return nil, err
	}
	sale, err := s.j.Get(saleID)
	if err != nil {
		return nil, fmt.Errorf("sign sale %d: %w", saleID, err)
	}
	return s.sign(unsigned(sale))
}

// SignPending signs every completed transaction in the journal that has no
// signature yet, oldest first, and returns how many it signed.
func (s *Signer) SignPending(ctx context.Context) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	if err := s.load(); err != nil {
		return 0, err
	}
	var todo []pending
	if err := s.j.Each(func(sale *journal.Sale) bool {
		todo = append(todo, unsigned(sale)...)
		return ctx.Err() == nil
	}); err != nil {
		return 0, fmt.Errorf("sign pending: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	// Each lists sales newest first; the chain must follow the order the
	// transactions completed in.
	slices.SortStableFunc(todo, func(a, b pending) int {
		if c := a.c.At.Compare(b.c.At); c != 0 {
			return c
		}
		return cmp.Compare(a.sale, b.sale)
	})
	recs, err := s.sign(todo)
	return len(recs), err
}

// pending is a completed transaction without a signature.
type pending struct {
	sale uint64
	c    Completed
}

func unsigned(sale *journal.Sale) []pending {
	done := map[string]bool{}
	for _, sg := range sale.Signatures {
		done[sg.Of] = true
	}
	var out []pending
	for _, c := range Transactions(sale) {
		if !done[c.Of] {
			out = append(out, pending{sale: sale.ID, c: c})
		}
	}
	return out
}

// sign signs todo in order and journals the signatures in one append: all
// or none.
func (s *Signer) sign(todo []pending) ([]journal.Record, error) {
	if len(todo) == 0 {
		return nil, nil
	}
	key := s.keys.Current()
	now := s.now()
	prev, nr := s.prev, s.nr
	recs := make([]journal.Record, 0, len(todo))
	for _, p := range todo {
		c := p.c
		// The transaction's own time, not the signing's: a transaction signed
		// late (after a crash) keeps its date.
		at := c.At
		if at.IsZero() {
			at = now
		}
		local := at.In(Norway)
		nr++
		t := Transaction{Nr: strconv.FormatUint(nr, 10), Date: local.Format(time.DateOnly), Time: local.Format(time.TimeOnly),
			AmountIn: c.AmountIn, AmountEx: c.AmountEx}
		signed, err := Chain(prev, []Transaction{t}, key)
		if err != nil {
			return nil, fmt.Errorf("sign sale %d: %w", p.sale, err)
		}
		sg := signed[0]
		prev = sg.Signature
		recs = append(recs, journal.Record{Kind: journal.KindSigned, Sale: p.sale, Ref: c.Reference,
			Note: "signed " + c.Of, Signed: &journal.SignedData{Of: c.Of, Nr: sg.Nr, Date: sg.Date, Time: sg.Time,
				AmountIn: sg.AmountIn, AmountEx: sg.AmountEx, KeyVersion: sg.KeyVersion, Signature: sg.Signature}})
	}
	out, err := s.j.Append(recs...)
	if err != nil {
		// Nothing was written: the chain head stays where it was.
		return nil, fmt.Errorf("journal the signatures: %w", err)
	}
	s.prev, s.nr = prev, nr
	return out, nil
}

// load finds the chain's head in the journal, once.
func (s *Signer) load() error {
	if s.loaded {
		return nil
	}
	chain, err := JournalChain(s.j)
	if err != nil {
		return err
	}
	s.prev, s.nr = FirstPrevious, 0
	if n := len(chain); n > 0 {
		last := chain[n-1]
		v, err := strconv.ParseUint(last.Nr, 10, 64)
		if err != nil {
			return fmt.Errorf("the journal's last signed nr %q is not a number: %w", last.Nr, err)
		}
		s.prev, s.nr = last.Signature, v
	}
	s.loaded = true
	return nil
}

// JournalChain is the journal's signature chain, in the order it was written.
func JournalChain(j *journal.Journal) ([]Signed, error) {
	var chain []Signed
	var bad error
	err := j.EachRecord(1, func(r journal.Record) bool {
		if r.Kind != journal.KindSigned {
			return true
		}
		if r.Signed == nil {
			bad = fmt.Errorf("record %d is a signature without its data", r.Seq)
			return false
		}
		chain = append(chain, FromRecord(*r.Signed))
		return true
	})
	if err == nil {
		err = bad
	}
	if err != nil {
		return nil, fmt.Errorf("read the signature chain: %w", err)
	}
	return chain, nil
}

// FromRecord is a journaled signature as a Signed.
func FromRecord(d journal.SignedData) Signed {
	return Signed{Transaction: Transaction{Nr: d.Nr, Date: d.Date, Time: d.Time, AmountIn: d.AmountIn, AmountEx: d.AmountEx},
		KeyVersion: d.KeyVersion, Signature: d.Signature}
}

// VerifyJournal checks the journal's whole signature chain against keys, and
// that each signature still covers its sale's transaction as the journal now
// folds it (amounts), so a rewritten sale is found even with an intact chain.
func VerifyJournal(j *journal.Journal, keys PublicKeys) error {
	chain, err := JournalChain(j)
	if err != nil {
		return err
	}
	if err := VerifyChain(chain, keys); err != nil {
		return err
	}
	var bad error
	err = j.Each(func(sale *journal.Sale) bool {
		want := map[string]Completed{}
		for _, c := range Transactions(sale) {
			want[c.Of] = c
		}
		for _, sg := range sale.Signatures {
			c, ok := want[sg.Of]
			if !ok || c.AmountIn != sg.AmountIn || c.AmountEx != sg.AmountEx {
				bad = fmt.Errorf("sale %d: signature nr %s (%s) does not match the sale's transaction", sale.ID, sg.Nr, sg.Of)
				return false
			}
		}
		return true
	})
	return errors.Join(err, bad)
}
