package checkout

import (
	"context"
	"fmt"
	"time"

	"github.com/kasse-pos/kasse/app/journal"
	"github.com/kasse-pos/kasse/app/msisdn"
	"github.com/kasse-pos/kasse/app/payment"
)

// Recover finishes, on start, every payment the journal shows unfinished: each
// gets an owner in the payment engine, the same code that drives a live
// payment, which asks the API where it stands and drives it to exactly one end
// (captured once, or cancelled). The newest request still waiting for its
// customer is resumed on screen with its countdown, so the cashier can keep
// waiting or cancel; older ones are withdrawn. A captured sale whose receipt
// never went out gets it now. Damage in the journal is named to the cashier,
// and every readable payment is still finished.
func (t *Till) Recover(ctx context.Context) error {
	sales, err := t.cfg.Journal.Unfinished()
	for _, d := range t.cfg.Journal.Damage() {
		t.report(t.tr().T("The journal has a damaged entry: {{.Entry}}. Every other sale is kept; restore the file from a backup when you can, and check that sale in the history.", "Entry", d.String()))
		t.SetStatus("journal", "damaged entries found; see the messages")
	}
	if err != nil {
		return fmt.Errorf("recover: read journal: %w", err)
	}
	resume := ""
	if n := len(sales); n > 0 {
		s := sales[n-1]
		if a := s.Current(); a != nil && !a.Abandon && (a.State == journal.StateRequested || a.State == journal.StateCreating) && t.resume(s, a) {
			resume = a.Reference
		}
	}
	for _, s := range sales {
		for _, a := range s.Open() {
			if t.engine.Owned(a.Reference) {
				continue // being driven now (a payment of this session)
			}
			t.mu.Lock()
			t.recovering[a.Reference] = s.ReceiptNumber
			t.mu.Unlock()
			if a.Reference == resume {
				t.report(t.tr().T("Receipt {{.Receipt}}: still waiting for the customer after a restart; resumed. Cancel it if the customer has left.", "Receipt", s.ReceiptNumber))
			} else {
				t.report(t.tr().T("Receipt {{.Receipt}}: found {{.State}} after a restart; Kasse is finishing it.", "Receipt", s.ReceiptNumber, "State", a.State))
			}
		}
	}
	// Return once Vipps has been asked about each payment (or 15 s have
	// passed), so the cashier sees where each stands: "waiting" or "did not
	// answer", not a request in the air.
	wctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	t.engine.Recover(sales, resume)(wctx)
	cancel()
	t.receiptsOwed(ctx)
	t.cashHeld()
	t.releaseAbandoned() // exchange.go
	return nil
}

// resume puts a payment still waiting for its customer back on screen, unless
// the cashier has moved on: a basket on screen is never replaced.
func (t *Till) resume(s *journal.Sale, a *journal.Attempt) bool {
	n, _ := msisdn.FromMSISDN(s.Customer)
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.sale != 0 || t.pay.Reference != "" || !t.basket.Empty() {
		return false
	}
	t.sale, t.receipt = s.ID, s.ReceiptNumber
	t.basket = a.Basket.Clone()
	t.customer, t.customerInput = n, n.String()
	t.pay = payment.Snapshot{Reference: a.Reference, State: a.State, Amount: a.Request.Amount.Value, OnScreen: true}
	t.sent, t.deadline = a.Sent, a.ExpiresAt
	t.cash = cashScreen{paid: s.CashPaid(), rounding: s.CashRounding()}
	return true
}

// receiptsOwed publishes and prints the receipts of captured sales that never
// got theirs (a crash between the capture and the receipt).
func (t *Till) receiptsOwed(ctx context.Context) {
	if t.cfg.Publisher == nil && t.cfg.Printer == nil {
		return
	}
	var owed []*journal.Sale
	_ = t.cfg.Journal.Each(func(s *journal.Sale) bool {
		if (capturedAttempt(s) != nil || s.PaidInCash() || s.Settled != nil) && s.ReceiptURL == "" && !s.Printed {
			owed = append(owed, s)
		}
		return true
	})
	for _, s := range owed {
		t.report(t.tr().T("Receipt {{.Receipt}} was paid but its receipt never went out; it goes out now.", "Receipt", s.ReceiptNumber))
		t.deliverReceipt(ctx, s.ID, t.saleReceipt(s))
	}
}

func capturedAttempt(s *journal.Sale) *journal.Attempt {
	for _, a := range s.Attempts {
		if a.State == journal.StateCaptured {
			return a
		}
	}
	return nil
}
