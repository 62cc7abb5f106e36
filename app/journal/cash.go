package journal

import (
	"errors"
	"fmt"
	"time"
)

// TenderCash is the Method of a cash tender.
const TenderCash = "cash"

// Why a cash drawer was opened (DrawerData.Reason). A till may journal any
// other reason a manager gives for a drawer opened without a sale.
const (
	DrawerSale     = "sale"          // cash taken for a sale
	DrawerNoSale   = "no sale"       // opened without a sale; the record's Note says why
	DrawerCashIn   = "cash in"       // float or change put in
	DrawerCashOut  = "cash out"      // bank drop or payout
	DrawerReturned = "cash returned" // a cash part handed back
	DrawerRefund   = "refund"        // a refund in cash
)

// CashFloat is the Reason of the cash in that starts the day's drawer.
const CashFloat = "float"

// TenderData is cash taken for a sale (KindTenderCash) or handed back
// (KindTenderReturn, which repeats the tender it undoes). Amount is what the
// tender pays of the sale, its cash rounding included: for a sale paid wholly
// in cash, Amount = the lines' total + Rounding exactly. Given and Change are
// what the customer handed over and got back: Given − Change = Amount.
type TenderData struct {
	Method   string `json:"method"`
	Amount   int64  `json:"amount"`
	Rounding int64  `json:"rounding,omitempty"`
	Given    int64  `json:"given,omitempty"`
	Change   int64  `json:"change,omitempty"`
}

// Tender is one tender of a sale as it was journaled.
type Tender struct {
	At time.Time `json:"at"`
	TenderData
	// Returned marks a cash part handed back (KindTenderReturn).
	Returned bool `json:"returned,omitempty"`
}

// DrawerData is one opening of the cash drawer, journaled before the drawer
// is kicked open. For a sale, Sale and Receipt name it.
type DrawerData struct {
	Reason  string `json:"reason"`
	Sale    uint64 `json:"sale,omitempty"`
	Receipt string `json:"receipt,omitempty"`
}

// CashData is cash put into the drawer (KindCashIn), taken out (KindCashOut)
// or counted in it (KindCashCounted), on the business day Day. Amount is
// never negative; the kind says which way it went.
type CashData struct {
	Amount int64  `json:"amount"`
	Reason string `json:"reason,omitempty"`
	Day    string `json:"day"`
}

// RefundCashData is a refund of a cash sale, made in cash at the till: done
// when journaled (no API call), the drawer opened after it. Amount is what the
// refund returns of the sale's lines (its VAT basis); Paid is the cash handed
// back, Amount rounded as cash is.
type RefundCashData struct {
	Key    string `json:"key"`
	Amount int64  `json:"amount"`
	Paid   int64  `json:"paid"`
	RefundData
}

// StepRefundedCash is the history step of a refund in cash.
const StepRefundedCash State = "refunded in cash"

// applyCash folds the cash kinds: tenders into the sale; the drawer's
// records, which name no sale, are only checked.
func applyCash(s *Sale, r Record) error {
	switch r.Kind {
	case KindTenderCash, KindTenderReturn:
		t := r.Tender
		if t == nil {
			return errPayload(r)
		}
		if t.Method != TenderCash || t.Amount <= 0 || (t.Given != 0 && t.Given-t.Change != t.Amount) {
			return fmt.Errorf("record %d: a cash tender of %d (given %d, change %d) does not add up", r.Seq, t.Amount, t.Given, t.Change)
		}
		if r.Kind == KindTenderReturn && t.Amount > s.CashPaid() {
			return fmt.Errorf("record %d: returns %d in cash of a sale that took %d", r.Seq, t.Amount, s.CashPaid())
		}
		if r.Kind == KindTenderCash && len(s.Open()) > 0 {
			return errors.New("a payment of this sale is still in progress; cash cannot be taken now")
		}
		if r.Kind == KindTenderCash && (s.PaidInCash() || s.State() == StateCaptured) {
			return fmt.Errorf("record %d: sale %d is paid already", r.Seq, s.ID)
		}
		// Cash freezes the basket it pays for, as a payment request does.
		s.Totals = s.Basket.Totals()
		s.Tenders = append(s.Tenders, Tender{At: r.At, TenderData: *t, Returned: r.Kind == KindTenderReturn})
		state := State("cash")
		if r.Kind == KindTenderReturn {
			state = "cash returned"
		}
		s.Steps = append(s.Steps, Step{At: r.At, State: state, Note: r.Note})
	case KindRefundCash:
		rc := r.RefundCash
		if rc == nil {
			return errPayload(r)
		}
		if rc.Key == "" || rc.Amount <= 0 || rc.Paid <= 0 || !s.PaidInCash() {
			return fmt.Errorf("record %d: a cash refund of %d (paid %d) on a sale not paid in cash", r.Seq, rc.Amount, rc.Paid)
		}
		s.Refunds = append(s.Refunds, Refund{Key: rc.Key, Amount: rc.Amount, Reason: rc.Reason, Lines: rc.Lines, At: r.At, Done: true, Cash: rc.Paid})
		s.Steps = append(s.Steps, Step{At: r.At, State: StepRefundedCash, Note: r.Note})
	case KindDrawerOpened:
		if r.Drawer == nil || r.Drawer.Reason == "" {
			return errPayload(r)
		}
	case KindCashIn, KindCashOut, KindCashCounted:
		if r.Cash == nil {
			return errPayload(r)
		}
		if r.Cash.Amount < 0 || (r.Kind != KindCashCounted && r.Cash.Amount == 0) {
			return fmt.Errorf("record %d: %s of %d", r.Seq, r.Kind, r.Cash.Amount)
		}
	}
	return nil
}

// CashPaid is the cash the sale holds: taken less handed back, rounding
// included.
func (s *Sale) CashPaid() int64 {
	var n int64
	for _, t := range s.Tenders {
		if t.Returned {
			n -= t.Amount
		} else {
			n += t.Amount
		}
	}
	return n
}

// CashRounding is the cash rounding the sale's kept tenders carry.
func (s *Sale) CashRounding() int64 {
	var n int64
	for _, t := range s.Tenders {
		if t.Returned {
			n -= t.Rounding
		} else {
			n += t.Rounding
		}
	}
	return n
}

// PaidInCash reports whether cash alone pays the whole sale: the kept tenders,
// less their rounding, cover the lines' total.
func (s *Sale) PaidInCash() bool {
	c := s.CashPaid()
	return c > 0 && c-s.CashRounding() >= s.Totals.Gross
}

// CashSettled is when the tender that paid the sale in full was journaled,
// or the zero time.
func (s *Sale) CashSettled() time.Time {
	if !s.PaidInCash() {
		return time.Time{}
	}
	for i := len(s.Tenders) - 1; i >= 0; i-- {
		if !s.Tenders[i].Returned {
			return s.Tenders[i].At
		}
	}
	return time.Time{}
}
