package backoffice

import (
	"context"
	"fmt"

	"github.com/kasse-pos/kasse/app/journal"
)

// SendRefunds sends the sale's journaled refunds that are not confirmed yet:
// the till journals an exchange's difference as a refund of the original
// payment (checkout.RefundSender) and has the Refunder send it, under the
// same engine and lock as every refund. A refund left pending is finished by
// Resume on the next start.
func (r *Refunder) SendRefunds(ctx context.Context, saleID uint64) error {
	_, err := r.Retry(ctx, saleID)
	return err
}

// exchangeRefunds sums the confirmed refunds of exchanges' differences by
// the payment they went back to, and adds the sales of those payments that
// are not among the day's to refunded, so each is reconciled.
func exchangeRefunds(j *journal.Journal, day string, daySales []*journal.Sale, refunded *[]*journal.Sale) (map[string]int64, error) {
	out := map[string]int64{}
	have := map[uint64]bool{}
	for _, s := range append(append([]*journal.Sale(nil), daySales...), *refunded...) {
		have[s.ID] = true
	}
	for _, s := range daySales {
		for _, rf := range s.Refunds {
			if !rf.Exchange || !rf.Done || RefundDay(rf) != day {
				continue
			}
			out[rf.Reference] += rf.Amount
			orig, err := j.ByReference(rf.Reference)
			if err != nil {
				return nil, fmt.Errorf("the payment an exchange refunded: %w", err)
			}
			if !have[orig.ID] {
				have[orig.ID] = true
				*refunded = append(*refunded, orig)
			}
		}
	}
	return out, nil
}
