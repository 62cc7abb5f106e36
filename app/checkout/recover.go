package checkout

import (
	"context"
	"errors"
	"fmt"

	"github.com/kasse-pos/kasse/app/journal"
	"github.com/kasse-pos/kasse/payments/epayment"
)

// Recover finishes, on start, every payment the journal shows unfinished: it asks
// the API where each stands and drives it to exactly one end (captured once, or
// cancelled). The newest payment still waiting for its customer is resumed on
// screen with its countdown, so the cashier can keep waiting or cancel; older
// ones are cancelled. The cashier sees a line per payment it touched.
func (t *Till) Recover(ctx context.Context) error {
	sales, err := t.cfg.Journal.Unfinished()
	if err != nil {
		return fmt.Errorf("recover: read journal: %w", err)
	}
	for i, s := range sales {
		ref := s.Current().Reference
		resume := i == len(sales)-1
		if err := t.recoverOne(ctx, s, ref, resume); err != nil {
			t.report(fmt.Sprintf("Receipt %s: could not reach Vipps MobilePay to settle %s (%v); will try again on the next start.", s.ReceiptNumber, ref, shortErr(err)))
		}
	}
	return nil
}

func (t *Till) report(line string) {
	t.log.Info("recovery", "what", line)
	t.mu.Lock()
	t.recovery = append(t.recovery, line)
	t.mu.Unlock()
	t.changed()
}

func (t *Till) recoverOne(ctx context.Context, s *journal.Sale, ref string, resume bool) error {
	a := s.Attempt(ref)
	p, err := t.cfg.API.GetPayment(ctx, ref)
	if errors.Is(err, epayment.ErrNotFound) {
		if a.State == journal.StateCreating {
			t.endQuiet(s, a, journal.StateFailed, "never reached Vipps MobilePay (till stopped before it was sent)")
			t.report(fmt.Sprintf("Receipt %s: the payment was never sent; nothing was charged.", s.ReceiptNumber))
			return nil
		}
		return fmt.Errorf("payment %s: %w", ref, err)
	}
	if err != nil {
		return err
	}
	if p.State == epayment.StateCreated && a.State != journal.StateCancelling && !a.Abandon && resume {
		return t.resume(s, a)
	}
	before := a.State
	if err := t.settleWith(ctx, s, a, p); err != nil {
		return err
	}
	t.report(fmt.Sprintf("Receipt %s: found %s after a restart (%s); now %s.", s.ReceiptNumber, before, p.State, a.State))
	return nil
}

// resume puts a payment still waiting for its customer back on screen.
func (t *Till) resume(s *journal.Sale, a *journal.Attempt) error {
	t.mu.Lock()
	if t.sale != nil && t.phase != PhaseBasket {
		t.mu.Unlock()
		return errors.New("another sale is on screen")
	}
	t.sale = s
	t.basket = s.Basket.Clone()
	_ = t.setCustomerLocked(s.Customer)
	t.phase = PhaseWaiting
	t.message = "Resumed after a restart: waiting for the customer to approve…"
	t.cancelCh = make(chan struct{}, 1)
	t.mu.Unlock()
	if a.State == journal.StateCreating {
		s.Mark(a, journal.StateRequested, "created (confirmed by lookup after restart)", t.cfg.Now())
		_ = t.cfg.Journal.Save(s)
	}
	t.report(fmt.Sprintf("Receipt %s: still waiting for the customer after a restart; resumed. Cancel it if the customer has left.", s.ReceiptNumber))
	t.goDrive(s, a.Reference, false)
	return nil
}

// settle finishes an attempt not driven on screen (a late webhook for it).
func (t *Till) settle(ctx context.Context, s *journal.Sale, ref string) error {
	p, err := t.cfg.API.GetPayment(ctx, ref)
	if err != nil {
		return err
	}
	return t.settleWith(ctx, s, s.Attempt(ref), p)
}

// settleWith drives an attempt to its end from what the API says, synchronously.
func (t *Till) settleWith(ctx context.Context, s *journal.Sale, a *journal.Attempt, p *epayment.Payment) error {
	agg := p.Aggregate
	switch p.State {
	case epayment.StateCreated:
		// Nobody is waiting for this customer any more: withdraw the request.
		a.Abandon = true
		t.endQuiet(s, a, journal.StateCancelling, "withdrawn after a restart")
		if _, err := t.cfg.API.Cancel(ctx, a.Reference, a.CancelKey, true); err != nil {
			var apiErr *epayment.APIError
			if errors.As(err, &apiErr) && apiErr.Code == "6060" {
				p2, gerr := t.cfg.API.GetPayment(ctx, a.Reference)
				if gerr != nil {
					return gerr
				}
				return t.settleWith(ctx, s, a, p2)
			}
			return err
		}
		t.endQuiet(s, a, journal.StateCancelled, "cancelled after a restart")
	case epayment.StateAuthorized:
		switch {
		case agg.CapturedAmount.Value >= p.Amount.Value:
			a.Captured = agg.CapturedAmount.Value
			t.endQuiet(s, a, journal.StateCaptured, "captured (confirmed after a restart)")
		case agg.CancelledAmount.Value > 0:
			t.endQuiet(s, a, journal.StateCancelled, "reservation released (confirmed after a restart)")
		case a.Abandon:
			t.endQuiet(s, a, journal.StateCancelling, "releasing the reservation after a restart")
			if _, err := t.cfg.API.Cancel(ctx, a.Reference, a.CancelKey+"-all", false); err != nil {
				return err
			}
			t.endQuiet(s, a, journal.StateCancelled, "reservation released after a restart")
		default:
			t.endQuiet(s, a, journal.StateCapturing, "capturing after a restart")
			resp, err := t.cfg.API.Capture(ctx, a.Reference, a.CaptureKey, epayment.Amount{Currency: p.Amount.Currency, Value: p.Amount.Value})
			if err != nil {
				return err
			}
			a.Captured = resp.Aggregate.CapturedAmount.Value
			t.endQuiet(s, a, journal.StateCaptured, "captured after a restart")
		}
	case epayment.StateAborted:
		t.endQuiet(s, a, journal.StateAborted, "declined by the customer")
	case epayment.StateExpired:
		t.endQuiet(s, a, journal.StateExpired, "expired")
	case epayment.StateTerminated:
		t.endQuiet(s, a, journal.StateCancelled, "cancelled")
	}
	return nil
}

func (t *Till) endQuiet(s *journal.Sale, a *journal.Attempt, st journal.State, note string) {
	s.Mark(a, st, note, t.cfg.Now())
	if err := t.cfg.Journal.Save(s); err != nil {
		t.log.Error("journal", "reference", a.Reference, "err", err)
	}
}
