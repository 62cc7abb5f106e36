package relay

import (
	"context"
	"time"

	"github.com/kasse-pos/kasse/payments/webhook"
)

// Backend is the relay's durable state. Store (one bbolt file, for one host)
// and JetStore (NATS JetStream, for several) implement it, and one conformance
// suite (backend_test.go) holds both to the same behaviour.
//
// The calls of the request paths take a context. The administrative ones
// (tills, registrations, pruning) are quick on bbolt and bounded by a timeout
// of their own on JetStream, and keep the signatures the bbolt store has
// always had.
type Backend interface {
	// AddTill creates a till and returns its bearer token (shown only here).
	AddTill(name, msn, prefix string) (token string, err error)
	// RevokeTill invalidates a till's token at once and drops its feed.
	RevokeTill(name string) error
	// Tills lists all tills, revoked ones included, without token hashes.
	Tills() ([]Till, error)
	// TillByToken returns the active till a bearer token belongs to, or nil.
	TillByToken(token string) *Till
	// Active reports whether t (from TillByToken) still holds its token.
	Active(t *Till) bool
	// ActiveTills counts the tills with a valid token.
	ActiveTills() int

	// AddRegistration stores a webhook registration's id and secret.
	AddRegistration(msn, id, secret, url string) error
	// RemoveRegistration forgets a registration; ErrNoRegistration if unknown.
	RemoveRegistration(id string) error
	// Registrations lists every stored registration, secrets included.
	Registrations() []Registration
	// RegistrationsFor lists the registrations of one MSN.
	RegistrationsFor(msn string) []Registration

	// Append stores a verified event durably and once, and returns after
	// the store has acknowledged it.
	Append(ctx context.Context, ev webhook.Event, body []byte, received time.Time) (Appended, error)
	// Feed returns up to limit events (at most maxBytes of bodies, but at
	// least one) of a till's feed after cursor, and the head of the log.
	Feed(ctx context.Context, till string, after uint64, limit, maxBytes int) ([]FeedEvent, uint64, error)
	// Head is the last event sequence given out.
	Head(ctx context.Context) (uint64, error)
	// Prune deletes events and receipts older than the cutoffs (a store that
	// expires them by itself returns zeros).
	Prune(cutoff, receiptCutoff time.Time) (events, receipts int, err error)
	// Stats summarises what the store holds.
	Stats() (Stats, error)

	// SaveReceipt stores a receipt and returns its id; the same till and
	// receipt number give the same id.
	SaveReceipt(ctx context.Context, till string, doc ReceiptDoc, now time.Time) (string, error)
	// Receipt returns a stored receipt, or ErrNoReceipt.
	Receipt(ctx context.Context, id string) (ReceiptDoc, error)

	Close() error
}

// waker is implemented by a Backend that several relay instances share: it
// tells the server of events other instances stored, so that the long-polls
// waiting here wake up.
type waker interface {
	setWake(func(till string))
}

var _ Backend = (*Store)(nil)
