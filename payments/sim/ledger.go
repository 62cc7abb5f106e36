package sim

import (
	"slices"

	"github.com/kasse-pos/kasse/payments/epayment"
)

// LedgerEntry is one payment as the simulator's books show it.
type LedgerEntry struct {
	MSN       string             `json:"msn"`
	Reference string             `json:"reference"`
	State     epayment.State     `json:"state"`
	Amount    epayment.Amount    `json:"amount"`
	Aggregate epayment.Aggregate `json:"aggregate"`
	// Captures counts successful capture operations; an idempotent replay does
	// not count again.
	Captures int                     `json:"captures"`
	Events   []epayment.PaymentEvent `json:"events"`
}

// Outstanding is the money still authorized: neither captured nor cancelled.
// A sale that ended properly has none.
func (e LedgerEntry) Outstanding() int64 {
	a := e.Aggregate
	return a.AuthorizedAmount.Value - a.CapturedAmount.Value - a.CancelledAmount.Value
}

// Ledger returns a snapshot of every payment, oldest first, for tests to prove
// properties such as "each sale captured exactly once or cancelled, nothing
// authorized left".
func (s *Sim) Ledger() []LedgerEntry {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]LedgerEntry, 0, len(s.order))
	for _, p := range s.order {
		out = append(out, p.ledger())
	}
	return out
}

// Payment returns the ledger entry of one payment.
func (s *Sim) Payment(msn, reference string) (LedgerEntry, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.payments[paymentKey(msn, reference)]
	if p == nil {
		return LedgerEntry{}, false
	}
	return p.ledger(), true
}

func (p *payment) ledger() LedgerEntry {
	return LedgerEntry{
		MSN:       p.msn,
		Reference: p.req.Reference,
		State:     p.state,
		Amount:    p.req.Amount,
		Aggregate: p.agg,
		Captures:  p.captures,
		Events:    slices.Clone(p.events),
	}
}
