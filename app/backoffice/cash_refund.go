package backoffice

import (
	"context"
	"fmt"
	"time"

	"github.com/kasse-pos/kasse/app/journal"
	"github.com/kasse-pos/kasse/app/money"
)

// cashOnly reports whether cash alone paid s: it is refunded in cash, at the
// till, not through Vipps MobilePay. (A split sale refunds through Vipps, at
// most its Vipps part.)
func cashOnly(s *journal.Sale) bool {
	return s.PaidInCash() && capturedAttempt(s) == nil
}

// refundCash refunds a cash sale in cash: the refund and the drawer's
// opening are journaled in one append (the refund is done when journaled:
// no one else is asked), then the drawer opens and the refund is signed. The
// cash handed back is rounded as cash is; the refund's VAT is the lines'.
// Called with the lock held.
func (r *Refunder) refundCash(ctx context.Context, s *journal.Sale, bd Breakdown, lines []LineQty, reason string) (*RefundResult, error) {
	idx := len(s.Refunds)
	key := refundKey("cash-"+s.ReceiptNumber, idx+1, r.Journal.BusinessDay())
	paid := money.RoundCash(bd.Totals.Gross, money.CashUnit(s.Currency))
	if paid <= 0 {
		return nil, fmt.Errorf("%s rounds to nothing in cash", money.FormatCurrency(bd.Totals.Gross, s.Currency))
	}
	_, err := r.Journal.Append(
		journal.Record{Kind: journal.KindRefundCash, Sale: s.ID,
			Note: fmt.Sprintf("refund %d: %s in cash (%s)", idx+1, money.Format(paid), reason),
			RefundCash: &journal.RefundCashData{Key: key, Amount: bd.Totals.Gross, Paid: paid,
				RefundData: journal.RefundData{Reason: reason, Lines: encodeLines(lines)}}},
		journal.Record{Kind: journal.KindDrawerOpened, Note: reason,
			Drawer: &journal.DrawerData{Reason: journal.DrawerRefund, Sale: s.ID, Receipt: s.ReceiptNumber}})
	if err != nil {
		return nil, fmt.Errorf("refund not made: %w", err)
	}
	r.log().Info("cash refund journaled", "receipt", s.ReceiptNumber, "key", key, "amount", bd.Totals.Gross, "paid", paid)
	if r.Drawer != nil {
		dctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		if err := r.Drawer.OpenDrawer(dctx); err != nil {
			r.log().Warn("open the cash drawer for a refund", "err", err)
		}
		cancel()
	}
	r.sign(ctx, s.ID)
	return r.result(s.ID, idx), nil
}
