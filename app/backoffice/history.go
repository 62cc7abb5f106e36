// Package backoffice is the till's back office: the history of sales and their
// payment steps, refunds (full, by line or by amount, journaled before they are
// sent, so that none is lost or made twice), and the end-of-day Z report,
// reconciled sale by sale against the API. It imports no UI; ui/ draws it.
package backoffice

import (
	"strings"
	"time"

	"github.com/kasse-pos/kasse/app/journal"
	"github.com/kasse-pos/kasse/app/money"
	"github.com/kasse-pos/kasse/app/msisdn"
)

// Match names what a search matched on a sale.
type Match string

// The keys a history search tries.
const (
	MatchReceipt   Match = "receipt"
	MatchPhone     Match = "phone"
	MatchAmount    Match = "amount"
	MatchReference Match = "reference"
)

// Entry is one sale as the history lists it.
type Entry struct {
	Sale     *journal.Sale
	Receipt  string
	Time     time.Time
	Day      string
	State    journal.State
	Amount   int64 // the basket's total
	Captured int64 // taken from the customer
	Refunded int64 // returned, confirmed by the API
	Pending  int64 // refunds journaled but not yet confirmed
	// Refundable is what may still be refunded: captured less every refund
	// confirmed or pending.
	Refundable int64
	// Exchanged is the money of the sale's lines brought back in exchanges.
	Exchanged int64
	// Matched says which keys of the search found the sale; empty when the
	// search was empty.
	Matched []Match
}

// Summarize reads the figures of one sale.
func Summarize(s *journal.Sale) Entry {
	e := Entry{Sale: s, Receipt: s.ReceiptNumber, Time: s.Created, Day: s.Day, State: s.State(), Amount: s.Totals.Gross}
	switch {
	case s.Return != nil:
		e.Amount = -s.Return.Amount // paid out
	case (s.Parked || s.Dropped) && len(s.Attempts) == 0:
		e.Amount = s.Basket.Totals().Gross // never asked for: the basket's total
	}
	if a := capturedAttempt(s); a != nil {
		e.Captured = a.Captured
	} else if cashOnly(s) {
		e.Captured = s.Totals.Gross // the lines' total; the rounding is not refunded
	}
	for _, r := range s.Refunds {
		switch {
		case r.Done:
			e.Refunded += r.Amount
		case r.Error == "":
			e.Pending += r.Amount
		}
	}
	e.Exchanged = s.ExchangedTotal()
	e.Refundable = max(e.Captured-e.Refunded-e.Pending-e.Exchanged, 0)
	return e
}

// capturedAttempt is the attempt that took the money, or nil. A sale has at most
// one: a new attempt is only made after the last one failed.
func capturedAttempt(s *journal.Sale) *journal.Attempt {
	for i := len(s.Attempts) - 1; i >= 0; i-- {
		if a := s.Attempts[i]; a.State == journal.StateCaptured {
			return a
		}
	}
	return nil
}

// Query is a history search.
type Query struct {
	// Text is what the cashier typed: a receipt number ("12", "000012"), a
	// phone number in any usual form ("912 34 567", "+4791234567"), an amount
	// ("498", "498,00") or part of a payment reference. Empty lists every sale.
	Text string
	// Day limits the search to one business day (YYYY-MM-DD); empty searches
	// every day.
	Day string
	// Limit caps the number of entries; 0 means 200.
	Limit int
}

// Search lists the sales that match q, newest first.
func Search(j *journal.Journal, q Query) ([]Entry, error) {
	if q.Limit <= 0 {
		q.Limit = 200
	}
	m := newMatcher(q.Text)
	var out []Entry
	err := j.Each(func(s *journal.Sale) bool {
		if q.Day != "" && s.Day != q.Day {
			return true
		}
		matched, ok := m.match(s)
		if !ok {
			return true
		}
		e := Summarize(s)
		e.Matched = matched
		out = append(out, e)
		return len(out) < q.Limit
	})
	return out, err
}

// matcher holds every reading of a search text.
type matcher struct {
	empty   bool
	digits  string   // the text's digits, when it is only digits and separators
	phones  []string // MSISDNs the text can stand for
	amount  int64    // -1 when the text is no amount
	lowered string
}

func newMatcher(text string) matcher {
	text = strings.TrimSpace(text)
	m := matcher{empty: text == "", amount: -1, lowered: strings.ToLower(text)}
	if m.empty {
		return m
	}
	if d, ok := onlyDigits(text); ok {
		m.digits = strings.TrimLeft(d, "0")
	}
	// A number typed without a country code could be from any market the
	// till serves; a number is a number, so every reading is tried.
	for _, mk := range []msisdn.Market{msisdn.Norway, msisdn.Denmark, msisdn.Finland} {
		if n, err := msisdn.Parse(text, mk); err == nil {
			m.phones = append(m.phones, n.MSISDN())
		}
	}
	if a, err := money.Parse(text); err == nil {
		m.amount = a
	}
	return m
}

// onlyDigits returns the digits of s if s holds nothing but digits and the
// separators people type in numbers.
func onlyDigits(s string) (string, bool) {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == ' ' || r == '\u00a0' || r == '-':
		default:
			return "", false
		}
	}
	return b.String(), b.Len() > 0
}

func (m matcher) match(s *journal.Sale) ([]Match, bool) {
	if m.empty {
		return nil, true
	}
	var got []Match
	if m.digits != "" && strings.TrimLeft(s.ReceiptNumber, "0") == m.digits {
		got = append(got, MatchReceipt)
	}
	for _, p := range m.phones {
		if s.Customer == p {
			got = append(got, MatchPhone)
			break
		}
	}
	if m.amount >= 0 && matchesAmount(s, m.amount) {
		got = append(got, MatchAmount)
	}
	if len(m.lowered) >= 4 {
		for _, a := range s.Attempts {
			if strings.Contains(strings.ToLower(a.Reference), m.lowered) {
				got = append(got, MatchReference)
				break
			}
		}
	}
	return got, len(got) > 0
}

// matchesAmount: the sale's total, what was captured, or one of its refunds.
func matchesAmount(s *journal.Sale, amount int64) bool {
	if s.Totals.Gross == amount {
		return true
	}
	if a := capturedAttempt(s); a != nil && a.Captured == amount {
		return true
	}
	for _, r := range s.Refunds {
		if r.Amount == amount {
			return true
		}
	}
	return false
}
