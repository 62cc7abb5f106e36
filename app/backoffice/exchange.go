package backoffice

import "context"

// SendRefunds sends the sale's journaled refunds that are not confirmed yet:
// the till journals an exchange's difference as a refund of the original
// payment (checkout.RefundSender) and has the Refunder send it, under the
// same engine and lock as every refund. A refund left pending is finished by
// Resume on the next start.
func (r *Refunder) SendRefunds(ctx context.Context, saleID uint64) error {
	_, err := r.Retry(ctx, saleID)
	return err
}
