package backoffice

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/kasse-pos/kasse/app/checkout"
	"github.com/kasse-pos/kasse/app/journal"
	"github.com/kasse-pos/kasse/app/money"
	"github.com/kasse-pos/kasse/payments/epayment"
)

// Steps a refund adds to a sale's history (Sale.Steps). They sit beside the
// payment states; recovery of payments ignores them.
const (
	StepRefunding     journal.State = "refunding"      // journaled; refund about to be sent
	StepRefunded      journal.State = "refunded"       // the API confirmed it
	StepRefundRefused journal.State = "refund refused" // the API refused it; no money moved
)

// Errors a refund can end with. Each wraps into a message for the cashier.
var (
	// ErrNotRefundable: nothing was captured, or everything was refunded.
	ErrNotRefundable = errors.New("nothing on this sale can be refunded")
	// ErrTooMuch: the refund is more than captured less refunded; nothing was
	// sent (the API would refuse it with 6150).
	ErrTooMuch = errors.New("the refund is more than is left to refund on this sale")
	// ErrPending: the API did not confirm the refund. It stays in the journal
	// and is sent again with the same idempotency key, so it cannot be paid
	// twice; Resume (on start) or Retry finishes it.
	ErrPending = errors.New("Vipps MobilePay did not confirm the refund; it is kept and will be sent again (it cannot be paid twice)")
	// ErrRefused: the API refused the refund; no money moved.
	ErrRefused = errors.New("Vipps MobilePay refused the refund")
)

// RefundRequest says what to refund of one sale: everything left (Full), some
// lines (Lines), or an amount (Amount). Reason is required.
type RefundRequest struct {
	SaleID uint64
	Full   bool
	Lines  []LineQty
	Amount int64
	Reason string
}

// Refunder makes refunds. It is safe for concurrent use; refunds of one journal
// are made one at a time, whichever Refunder makes them.
type Refunder struct {
	Journal   *journal.Journal
	API       checkout.PaymentAPI
	Printer   checkout.ReceiptPrinter   // optional
	Publisher checkout.ReceiptPublisher // optional
	Shop      checkout.Shop             // for the refund receipt
	Now       func() time.Time          // default time.Now
	Logger    *slog.Logger              // default: discard
}

// locks serialise the read-modify-write of sales by refunds, per journal and
// across Refunders (the start-up Resume and the cashier's screen), so that two
// refunds cannot both pass the limit check or overwrite each other's record.
var locks sync.Map // *journal.Journal → *sync.Mutex

func (r *Refunder) lock() func() {
	m, _ := locks.LoadOrStore(r.Journal, new(sync.Mutex))
	mu := m.(*sync.Mutex)
	mu.Lock()
	return mu.Unlock
}

func (r *Refunder) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

func (r *Refunder) log() *slog.Logger {
	if r.Logger != nil {
		return r.Logger
	}
	return slog.New(slog.DiscardHandler)
}

// Plan computes what req would refund of s, and checks it against what is left:
// captured less every refund confirmed or pending. It changes nothing.
func Plan(s *journal.Sale, req RefundRequest) (Breakdown, []LineQty, error) {
	a := capturedAttempt(s)
	if a == nil || a.Captured <= 0 {
		return Breakdown{}, nil, ErrNotRefundable
	}
	b, _, err := replay(s)
	if err != nil {
		return Breakdown{}, nil, err
	}
	e := Summarize(s)
	if e.Refundable <= 0 {
		return Breakdown{}, nil, ErrNotRefundable
	}
	lines := req.Lines
	var bd Breakdown
	switch {
	case req.Full:
		lines = nil
		if !amountRefunds(s) {
			for _, l := range s.Basket.Lines {
				if q := b.lines[l.ProductID].qty; q > 0 {
					lines = append(lines, LineQty{ProductID: l.ProductID, Quantity: q})
				}
			}
		}
		if len(lines) > 0 {
			bd, err = b.byLines(lines, false)
		}
		if len(lines) == 0 || err != nil || bd.Totals.Gross != e.Refundable {
			// What is left is not whole lines (a refund by amount came first,
			// or less was captured than sold): refund it as an amount.
			lines = nil
			bd, err = b.byAmount(e.Refundable, false)
		}
	case len(req.Lines) > 0:
		if req.Amount != 0 {
			return Breakdown{}, nil, errors.New("refund either lines or an amount, not both")
		}
		bd, err = b.byLines(req.Lines, false)
	default:
		if req.Amount <= 0 {
			return Breakdown{}, nil, errors.New("choose lines or type an amount to refund")
		}
		if req.Amount > e.Refundable {
			return Breakdown{}, nil, fmt.Errorf("%w: at most %s", ErrTooMuch, money.Format(e.Refundable))
		}
		bd, err = b.byAmount(req.Amount, false)
	}
	if err != nil {
		return Breakdown{}, nil, err
	}
	if bd.Totals.Gross > e.Refundable {
		return Breakdown{}, nil, fmt.Errorf("%w: at most %s", ErrTooMuch, money.Format(e.Refundable))
	}
	return bd, lines, nil
}

// amountRefunds reports whether any counting refund of s was by amount.
func amountRefunds(s *journal.Sale) bool {
	for _, r := range s.Refunds {
		if counts(r) && len(r.Lines) == 0 {
			return true
		}
	}
	return false
}

// RefundResult is a refund made (or journaled and still pending).
type RefundResult struct {
	Sale    *journal.Sale
	Index   int // in Sale.Refunds
	Receipt RefundReceipt
}

// Refund journals the refund with a fresh idempotency key, then asks the API to
// make it, then journals that it is done. The result is returned with
// ErrPending too: the refund is then journaled and will be finished by Retry or
// Resume. With any other error nothing was sent, or the API refused it.
func (r *Refunder) Refund(ctx context.Context, req RefundRequest) (*RefundResult, error) {
	reason := strings.TrimSpace(req.Reason)
	if reason == "" {
		return nil, errors.New("give a reason for the refund")
	}
	defer r.lock()()
	s, err := r.Journal.Get(req.SaleID)
	if err != nil {
		return nil, fmt.Errorf("refund: %w", err)
	}
	bd, lines, err := Plan(s, req)
	if err != nil {
		return nil, err
	}
	a := capturedAttempt(s)
	now := r.now()
	idx := len(s.Refunds)
	ref := journal.Refund{
		Key:    refundKey(a.Reference, idx+1, r.Journal.BusinessDay()),
		Amount: bd.Totals.Gross,
		Reason: reason,
		Lines:  encodeLines(lines),
		At:     now,
	}
	step := journal.Step{At: now, Reference: a.Reference, State: StepRefunding,
		Note: fmt.Sprintf("refund %d: %s (%s)", idx+1, money.Format(ref.Amount), reason)}
	err = r.write(s, func(x *journal.Sale) error {
		if len(x.Refunds) != idx {
			return fmt.Errorf("%w: another refund of this sale was journaled meanwhile", ErrPending)
		}
		x.Refunds = append(x.Refunds, ref)
		x.Steps = append(x.Steps, step)
		return nil
	})
	if err != nil {
		// Not journaled, so not sent.
		return nil, fmt.Errorf("refund not made: %w", err)
	}
	r.log().Info("refund journaled", "receipt", s.ReceiptNumber, "reference", a.Reference, "key", ref.Key, "amount", ref.Amount)
	err = r.send(ctx, s, idx)
	return r.result(s, idx), err
}

// send asks the API for journaled refund idx of s and journals the outcome.
// Call with the journal's lock held.
func (r *Refunder) send(ctx context.Context, s *journal.Sale, idx int) error {
	a := capturedAttempt(s)
	rf := &s.Refunds[idx]
	amount := epayment.Amount{Currency: epayment.Currency(s.Currency), Value: rf.Amount}
	resp, err := r.API.Refund(ctx, a.Reference, rf.Key, amount)
	if err == nil {
		return r.done(s, idx, resp.Aggregate.RefundedAmount.Value, "refunded")
	}
	var apiErr *epayment.APIError
	if errors.Is(err, epayment.ErrOutcomeUnknown) || !errors.As(err, &apiErr) || apiErr.Retryable() || ctx.Err() != nil {
		r.log().Warn("refund not confirmed", "key", rf.Key, "err", err)
		return fmt.Errorf("%w (%v)", ErrPending, err)
	}
	// A refusal. The API keeps an idempotency key's answer for a while only; if
	// this key's refund already happened, its event says so, whatever a resend
	// is told now.
	if evs, gerr := r.API.GetEvents(ctx, a.Reference); gerr == nil {
		for _, ev := range evs {
			if ev.Name == epayment.EventRefunded && ev.Success && ev.IdempotencyKey != nil && *ev.IdempotencyKey == rf.Key {
				agg := a.Refunded + rf.Amount
				if p, perr := r.API.GetPayment(ctx, a.Reference); perr == nil {
					agg = p.Aggregate.RefundedAmount.Value
				}
				return r.done(s, idx, agg, "refunded (confirmed by the payment's events)")
			}
		}
	}
	r.log().Warn("refund refused", "key", rf.Key, "status", apiErr.Status, "code", apiErr.Code, "traceId", apiErr.TraceID)
	msg := apiErr.Detail
	if msg == "" {
		msg = apiErr.Title
	}
	if apiErr.Code != "" {
		msg += " (error " + apiErr.Code + ")"
	}
	step := journal.Step{At: r.now(), Reference: a.Reference, State: StepRefundRefused,
		Note: fmt.Sprintf("refund %d: %s", idx+1, msg)}
	serr := r.write(s, func(x *journal.Sale) error {
		x.Refunds[idx].Error = msg
		x.Steps = append(x.Steps, step)
		return nil
	})
	if serr != nil {
		// Still pending in the journal: a resend is refused again, harmlessly.
		return fmt.Errorf("%w: %s (and the journal could not note it: %v)", ErrRefused, msg, serr)
	}
	return fmt.Errorf("%w: %s", ErrRefused, msg)
}

// done journals a confirmed refund. If the write fails the refund stays pending
// in the journal, and the next resend under its key is answered as done.
func (r *Refunder) done(s *journal.Sale, idx int, aggRefunded int64, note string) error {
	a := capturedAttempt(s)
	rf := s.Refunds[idx]
	step := journal.Step{At: r.now(), Reference: a.Reference, State: StepRefunded,
		Note: fmt.Sprintf("refund %d: %s %s", idx+1, money.Format(rf.Amount), note)}
	err := r.write(s, func(x *journal.Sale) error {
		x.Refunds[idx].Done, x.Refunds[idx].Error = true, ""
		capturedAttempt(x).Refunded = aggRefunded
		x.Steps = append(x.Steps, step)
		return nil
	})
	if err != nil {
		r.log().Error("refund made but not journaled", "key", rf.Key, "err", err)
		return fmt.Errorf("%w (the refund was made, but %v)", ErrPending, err)
	}
	r.log().Info("refund done", "receipt", s.ReceiptNumber, "key", rf.Key, "amount", rf.Amount)
	return nil
}

func (r *Refunder) result(s *journal.Sale, idx int) *RefundResult {
	rc, err := NewRefundReceipt(s, idx)
	if err != nil {
		r.log().Error("refund receipt", "receipt", s.ReceiptNumber, "err", err)
	}
	return &RefundResult{Sale: s, Index: idx, Receipt: rc}
}

// pendingIdx lists the refunds of s journaled but neither done nor refused.
func pendingIdx(s *journal.Sale) []int {
	var out []int
	for i, rf := range s.Refunds {
		if !rf.Done && rf.Error == "" {
			out = append(out, i)
		}
	}
	return out
}

// Retry sends the sale's pending refunds again, each with its own key.
func (r *Refunder) Retry(ctx context.Context, saleID uint64) ([]*RefundResult, error) {
	defer r.lock()()
	s, err := r.Journal.Get(saleID)
	if err != nil {
		return nil, fmt.Errorf("refund: %w", err)
	}
	var out []*RefundResult
	var errs []error
	for _, i := range pendingIdx(s) {
		if err := r.send(ctx, s, i); err != nil {
			errs = append(errs, fmt.Errorf("receipt %s refund %d: %w", s.ReceiptNumber, i+1, err))
			continue
		}
		out = append(out, r.result(s, i))
	}
	return out, errors.Join(errs...)
}

// Resume finishes every refund the journal holds as sent but not confirmed: a
// crash or a lost answer. Call it when the till starts. Each is sent again
// with its own idempotency key, so a refund that did reach the API is not paid
// twice. It returns the refunds it finished; the error lists those still
// pending or refused.
func (r *Refunder) Resume(ctx context.Context) ([]*RefundResult, error) {
	var ids []uint64
	err := r.Journal.Each(func(s *journal.Sale) bool {
		if len(pendingIdx(s)) > 0 {
			ids = append(ids, s.ID)
		}
		return true
	})
	if err != nil {
		return nil, fmt.Errorf("refund resume: %w", err)
	}
	var out []*RefundResult
	var errs []error
	for i := len(ids) - 1; i >= 0; i-- { // oldest first
		done, err := r.Retry(ctx, ids[i])
		out = append(out, done...)
		if err != nil {
			errs = append(errs, err)
		}
		if ctx.Err() != nil {
			break
		}
	}
	return out, errors.Join(errs...)
}

// refundKey is a refund's idempotency key: its payment, its number on the sale
// and the business day it was made on (which the Z report reads back), at most
// 50 characters as the API requires. A key too long for that is random.
func refundKey(reference string, n int, day string) string {
	k := fmt.Sprintf("%s-r%d-%s", reference, n, strings.ReplaceAll(day, "-", ""))
	if len(k) <= 50 {
		return k
	}
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return fmt.Sprintf("refund-%s-%s", strings.ReplaceAll(day, "-", ""), hex.EncodeToString(b))
}

// RefundDay is the business day a refund was made on, read from its key; for a
// key of another shape, the calendar day of its time.
func RefundDay(rf journal.Refund) string {
	k := rf.Key
	if i := strings.LastIndexByte(k, '-'); i >= 0 && len(k)-i-1 == 8 {
		d := k[i+1:]
		if t, err := time.Parse("20060102", d); err == nil {
			return t.Format("2006-01-02")
		}
	}
	return rf.At.Format("2006-01-02")
}

// write changes the stored sale in one journal transaction (the till may be
// writing its receipt link or print flag meanwhile) and refreshes s from it.
func (r *Refunder) write(s *journal.Sale, change func(*journal.Sale) error) error {
	var fresh journal.Sale
	err := r.Journal.Update(s.ID, func(x *journal.Sale) error {
		if err := change(x); err != nil {
			return err
		}
		fresh = *x
		return nil
	})
	if err != nil {
		return err
	}
	*s = fresh
	return nil
}
