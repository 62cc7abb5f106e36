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
// cancelled). The newest request still waiting for its customer is resumed on
// screen with its countdown, so the cashier can keep waiting or cancel; older
// ones are withdrawn. The cashier sees a line per payment it touched.
func (t *Till) Recover(ctx context.Context) error {
	sales, err := t.cfg.Journal.Unfinished()
	if err != nil {
		return fmt.Errorf("recover: read journal: %w", err)
	}
	for i, s := range sales {
		// The sale on screen is worked on in memory, never through a second
		// copy, and an attempt being driven right now is the driver's.
		t.mu.Lock()
		if t.sale != nil && t.sale.ID == s.ID {
			s = t.sale
		}
		t.mu.Unlock()
		t.rec.Lock()
		open := s.Open()
		t.rec.Unlock()
		for _, a := range open {
			t.mu.Lock()
			_, driven := t.waiters[a.Reference]
			t.mu.Unlock()
			if driven {
				continue
			}
			resume := i == len(sales)-1 && a == s.Current() && !a.Abandon
			if err := t.recoverOne(ctx, s, a, resume); err != nil {
				t.report(fmt.Sprintf("Receipt %s: could not settle %s with Vipps MobilePay yet (%s); Kasse keeps trying.", s.ReceiptNumber, a.Reference, shortErr(err)))
				t.goRecover(s, a)
			}
		}
	}
	return nil
}

// goRecover keeps trying to settle an attempt recovery could not reach Vipps
// about, so that a request still live on a customer's phone is withdrawn as
// soon as Vipps answers, not at the next start. It is never resumed on screen:
// the cashier has moved on.
func (t *Till) goRecover(s *journal.Sale, a *journal.Attempt) {
	t.wg.Add(1)
	go func() {
		defer t.wg.Done()
		for attempt := 0; t.pause(t.ctx, attempt); attempt++ {
			if err := t.recoverOne(t.ctx, s, a, false); err == nil {
				return
			}
		}
	}()
}

func (t *Till) report(line string) {
	t.log.Info("recovery", "what", line)
	t.mu.Lock()
	t.recovery = append(t.recovery, line)
	t.mu.Unlock()
	t.changed()
}

func (t *Till) recoverOne(ctx context.Context, s *journal.Sale, a *journal.Attempt, resume bool) error {
	t.settling.Lock()
	defer t.settling.Unlock()
	before := a.State
	p, err := t.cfg.API.GetPayment(ctx, a.Reference)
	if err != nil && !errors.Is(err, epayment.ErrNotFound) {
		return err
	}
	if err == nil && p.State == epayment.StateCreated && resume && before != journal.StateCancelling {
		return t.resume(s, a)
	}
	if err := t.settleWith(ctx, s, a, p); err != nil {
		return err
	}
	t.report(fmt.Sprintf("Receipt %s: found %s after a restart; now %s.", s.ReceiptNumber, before, a.State))
	return nil
}

// resume puts a payment still waiting for its customer back on screen.
func (t *Till) resume(s *journal.Sale, a *journal.Attempt) error {
	t.mu.Lock()
	if t.sale != nil || t.phase != PhaseBasket || !t.basket.Empty() {
		// The cashier has moved on: never replace their basket.
		t.mu.Unlock()
		return errors.New("another sale is on screen")
	}
	t.sale = s
	t.basket = s.Basket.Clone()
	_ = t.setCustomerLocked(s.Customer)
	t.phase = PhaseWaiting
	t.message = "Resumed after a restart: waiting for the customer to approve…"
	t.cancelCh = make(chan struct{}, 1)
	ch := t.watchLocked(a.Reference)
	t.mu.Unlock()
	if a.State == journal.StateCreating {
		_ = t.record(s, a, journal.StateRequested, "created (confirmed by lookup after restart)", nil)
	}
	t.report(fmt.Sprintf("Receipt %s: still waiting for the customer after a restart; resumed. Cancel it if the customer has left.", s.ReceiptNumber))
	t.goDrive(s, a.Reference, false, ch)
	return nil
}

// settle finishes an attempt nobody is driving (a superseded request, or a
// late webhook), from what the API says now.
func (t *Till) settle(ctx context.Context, s *journal.Sale, ref string) error {
	t.settling.Lock()
	defer t.settling.Unlock()
	t.rec.Lock()
	a := s.Attempt(ref)
	final := a.State.Final()
	t.rec.Unlock()
	if final {
		return nil
	}
	p, err := t.cfg.API.GetPayment(ctx, ref)
	if err != nil && !errors.Is(err, epayment.ErrNotFound) {
		return err
	}
	if err := t.settleWith(ctx, s, a, p); err != nil {
		return err
	}
	t.settledOnScreen(ctx, s, a)
	return nil
}

// settledOnScreen brings the screen up to date when a payment settled in the
// background is the current one of the sale on screen (an approval that came
// after "Vipps did not answer"): a paid sale must never still offer Pay.
func (t *Till) settledOnScreen(ctx context.Context, s *journal.Sale, a *journal.Attempt) {
	t.mu.Lock()
	t.rec.Lock()
	current := t.sale == s && s.Current() == a && (t.phase == PhaseEnded || t.phase == PhaseBasket)
	t.rec.Unlock()
	t.mu.Unlock()
	if !current {
		return
	}
	t.rec.Lock()
	st := a.State
	t.rec.Unlock()
	switch st {
	case journal.StateCaptured:
		t.showPaid(ctx, s, a, true)
	case journal.StateAborted, journal.StateExpired, journal.StateCancelled, journal.StateFailed:
		msg := map[journal.State]string{
			journal.StateAborted:   "The customer declined the payment in the app. The basket is kept.",
			journal.StateExpired:   "The customer did not answer in time; the request expired. Send it again or use another customer.",
			journal.StateCancelled: "The payment was cancelled. Nothing was charged. The basket is kept.",
			journal.StateFailed:    "The payment never reached Vipps MobilePay. Nothing was charged. The basket is kept.",
		}[st]
		t.mu.Lock()
		if t.sale == s && (t.phase == PhaseEnded || t.phase == PhaseBasket) {
			t.failLocked(st, msg, false)
		}
		t.mu.Unlock()
		t.changed()
	}
}

// settleWith drives an attempt to its end from p, the API's view of it (nil:
// the API has no such payment). It journals each step before its API call.
func (t *Till) settleWith(ctx context.Context, s *journal.Sale, a *journal.Attempt, p *epayment.Payment) error {
	if p == nil {
		if a.State == journal.StateCreating || a.Abandon {
			return t.record(s, a, journal.StateFailed, "never reached Vipps MobilePay; nothing was charged", nil)
		}
		return fmt.Errorf("payment %s: %w", a.Reference, epayment.ErrNotFound)
	}
	agg := p.Aggregate
	switch p.State {
	case epayment.StateCreated:
		// Nobody waits for this customer any more: withdraw the request, but
		// only if they have not approved it meanwhile (then release it below).
		if err := t.record(s, a, journal.StateCancelling, "withdrawn: nobody is waiting for it", func() { a.Abandon = true }); err != nil {
			return err
		}
		t.trace(TraceCancelBefore, a.Reference)
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
		return t.record(s, a, journal.StateCancelled, "request withdrawn; nothing was charged", nil)
	case epayment.StateAuthorized:
		switch {
		case agg.CapturedAmount.Value >= p.Amount.Value:
			return t.record(s, a, journal.StateCaptured, "captured (confirmed with Vipps MobilePay)", func() { a.Captured = agg.CapturedAmount.Value })
		case agg.CancelledAmount.Value > 0 && agg.CapturedAmount.Value == 0:
			return t.record(s, a, journal.StateCancelled, "reservation released (confirmed with Vipps MobilePay)", nil)
		case a.Abandon:
			if err := t.record(s, a, journal.StateCancelling, "releasing the reservation", nil); err != nil {
				return err
			}
			t.trace(TraceCancelBefore, a.Reference)
			if _, err := t.cfg.API.Cancel(ctx, a.Reference, a.CancelKey+"-all", false); err != nil {
				return err
			}
			return t.record(s, a, journal.StateCancelled, "reservation released; nothing was charged", nil)
		default:
			if err := t.record(s, a, journal.StateCapturing, "capturing the approved payment", nil); err != nil {
				return err
			}
			t.trace(TraceCaptureBefore, a.Reference)
			resp, err := t.cfg.API.Capture(ctx, a.Reference, a.CaptureKey, p.Amount)
			t.trace(TraceCaptureAfter, a.Reference)
			if err != nil {
				return err
			}
			return t.record(s, a, journal.StateCaptured, "captured", func() { a.Captured = resp.Aggregate.CapturedAmount.Value })
		}
	case epayment.StateAborted:
		return t.record(s, a, journal.StateAborted, "declined by the customer", nil)
	case epayment.StateExpired:
		return t.record(s, a, journal.StateExpired, "expired", nil)
	case epayment.StateTerminated:
		return t.record(s, a, journal.StateCancelled, "cancelled; nothing was charged", nil)
	}
	return fmt.Errorf("payment %s: unknown state %q", a.Reference, p.State)
}
