package events

import (
	"github.com/kasse-pos/kasse/app/fiscal"
	"github.com/kasse-pos/kasse/app/journal"
)

// Paid is one means of payment of a transaction and the money it moved, in
// minor units: negative for money paid back.
type Paid struct {
	Code   Code
	Amount int64
}

// TendersOf is how a completed transaction of s was paid, one entry per
// means of payment, from the sale's tenders: a split sale is cash and Vipps
// MobilePay. Cash is the cash that changed hands, its rounding included, so
// the amounts add up to c.AmountIn plus the rounding (see Rounding). The SAF-T
// export and the X and Z reports both use it.
func TendersOf(s *journal.Sale, c fiscal.Completed) []Paid {
	switch {
	case c.Of == fiscal.OfReturn && s.Return != nil:
		return []Paid{{PayCash, -s.Return.Amount}} // paid out in cash
	case c.Return:
		for _, rf := range s.Refunds {
			if c.Of == fiscal.OfRefundPrefix+rf.Key && rf.Cash > 0 {
				return []Paid{{PayCash, -rf.Cash}}
			}
		}
		return []Paid{{PayVipps, c.AmountIn}}
	}
	cash := s.CashPaid()
	if cash <= 0 {
		return []Paid{{PayVipps, c.AmountIn}}
	}
	out := []Paid{{PayCash, cash}}
	// The cash part's share of the lines is the cash less its rounding;
	// Vipps MobilePay paid the rest.
	if rest := c.AmountIn - (cash - s.CashRounding()); rest > 0 {
		out = append(out, Paid{PayVipps, rest})
	}
	return out
}

// Rounding is the cash rounding of a transaction: what its payments add up
// to beyond (or short of) its amount.
func Rounding(paid []Paid, c fiscal.Completed) int64 {
	n := -c.AmountIn
	for _, p := range paid {
		n += p.Amount
	}
	return n
}
