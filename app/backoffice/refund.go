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
	"github.com/kasse-pos/kasse/app/payment"
	"github.com/kasse-pos/kasse/payments/epayment"
)

// Steps a refund adds to a sale's history (Sale.Steps), as the journal folds
// them.
const (
	StepRefunding     = journal.StepRefunding
	StepRefunded      = journal.StepRefunded
	StepRefundRefused = journal.StepRefundRefused
)

// confirmWait bounds how long a refund the cashier is waiting for is tried
// before it is left pending (it is then finished on the next start or Retry).
const confirmWait = 20 * time.Second

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

// Refunder makes refunds. The station owns one per till; it is safe for
// concurrent use, and makes refunds one at a time so that two cannot both pass
// the limit check. Refunds are sent by the payment engine, under the same
// journal-first executor, retry policy and rate budget as every payment call.
type Refunder struct {
	Journal   *journal.Journal
	Engine    *payment.Engine
	API       checkout.PaymentAPI       // to confirm a refused resend from the payment's events
	Printer   checkout.ReceiptPrinter   // optional
	Publisher checkout.ReceiptPublisher // optional
	Shop      checkout.Shop             // for the refund receipt
	// Lang and Brand are the refund receipt's language (app/i18n; empty:
	// English) and the market's app ("Vipps", "MobilePay").
	Lang, Brand string
	Now         func() time.Time // default time.Now
	Logger      *slog.Logger     // default: discard
	// Signer, if set, signs each confirmed refund in the signature chain.
	Signer checkout.TransactionSigner
	// Drawer, if set, opens for a refund in cash (cash_refund.go).
	Drawer checkout.CashDrawer

	mu sync.Mutex
}

// sign adds a confirmed refund to the signature chain; one left unsigned is
// signed on the next start.
func (r *Refunder) sign(ctx context.Context, saleID uint64) {
	if r.Signer == nil {
		return
	}
	if _, err := r.Signer.Sign(ctx, saleID); err != nil {
		r.log().Error("sign the refund", "sale", saleID, "err", err)
	}
}

func (r *Refunder) lock() func() {
	r.mu.Lock()
	return r.mu.Unlock
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
	if (a == nil || a.Captured <= 0) && !cashOnly(s) {
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
	if cashOnly(s) {
		return r.refundCash(ctx, s, bd, lines, reason) // cash_refund.go
	}
	a := capturedAttempt(s)
	idx := len(s.Refunds)
	key := refundKey(a.Reference, idx+1, r.Journal.BusinessDay())
	amount := bd.Totals.Gross
	_, err = r.Journal.Append(journal.Record{Kind: journal.KindIntent, Sale: s.ID, Ref: a.Reference,
		Note: fmt.Sprintf("refund %d: %s (%s)", idx+1, money.Format(amount), reason),
		Intent: &journal.Intent{Action: journal.ActRefund, Key: key, Amount: amount,
			Refund: &journal.RefundData{Reason: reason, Lines: encodeLines(lines)}}})
	if err != nil {
		// Not journaled, so not sent.
		return nil, fmt.Errorf("refund not made: %w", err)
	}
	r.log().Info("refund journaled", "receipt", s.ReceiptNumber, "reference", a.Reference, "key", key, "amount", amount)
	err = r.send(ctx, s.ID, idx)
	return r.result(s.ID, idx), err
}

// send has the engine send journaled refund idx of sale id; the engine journals
// the answer. Call with the lock held.
func (r *Refunder) send(ctx context.Context, id uint64, idx int) error {
	s, err := r.Journal.Get(id)
	if err != nil {
		return fmt.Errorf("%w (%v)", ErrPending, err)
	}
	rf := s.Refunds[idx]
	// The payment the refund goes to: the sale's own, or for an exchange's
	// difference the original sale's, which its Intent names.
	ref := rf.Reference
	if a := capturedAttempt(s); a != nil && ref == "" {
		ref = a.Reference
	}
	amount := epayment.Amount{Currency: epayment.Currency(s.Currency), Value: rf.Amount}
	cctx, cancel := context.WithTimeout(ctx, confirmWait)
	defer cancel()
	err = r.Engine.Refund(cctx, s.ID, ref, rf.Key, amount)
	if err == nil {
		r.log().Info("refund done", "receipt", s.ReceiptNumber, "key", rf.Key, "amount", rf.Amount)
		r.sign(ctx, s.ID)
		return nil
	}
	var apiErr *epayment.APIError
	if !errors.As(err, &apiErr) || apiErr.Retryable() || errors.Is(err, epayment.ErrOutcomeUnknown) {
		r.log().Warn("refund not confirmed", "key", rf.Key, "err", err)
		return fmt.Errorf("%w (%v)", ErrPending, err)
	}
	// A refusal. The API keeps an idempotency key's answer for a while only; if
	// this key's refund already happened, its event says so, whatever a resend
	// is told now.
	if evs, gerr := r.API.GetEvents(ctx, ref); gerr == nil {
		for _, ev := range evs {
			if ev.Name == epayment.EventRefunded && ev.Success && ev.IdempotencyKey != nil && *ev.IdempotencyKey == rf.Key {
				an := journal.Answer{Action: journal.ActRefund, Key: rf.Key, OK: true}
				if p, perr := r.API.GetPayment(ctx, ref); perr == nil {
					an.Refunded = p.Aggregate.RefundedAmount.Value
				}
				if _, jerr := r.Journal.Append(journal.Record{Kind: journal.KindAnswer, Sale: s.ID, Ref: ref, Answer: &an,
					Note: fmt.Sprintf("refund %d: %s refunded (confirmed by the payment's events)", idx+1, money.Format(rf.Amount))}); jerr != nil {
					return fmt.Errorf("%w (the refund was made, but %v)", ErrPending, jerr)
				}
				r.sign(ctx, s.ID)
				return nil
			}
		}
	}
	msg := apiErr.Detail
	if msg == "" {
		msg = apiErr.Title
	}
	if apiErr.Code != "" {
		msg += " (error " + apiErr.Code + ")"
	}
	return fmt.Errorf("%w: %s", ErrRefused, msg)
}

func (r *Refunder) result(id uint64, idx int) *RefundResult {
	s, err := r.Journal.Get(id)
	if err != nil {
		r.log().Error("refund: read sale", "sale", id, "err", err)
		return nil
	}
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
		if err := r.send(ctx, s.ID, i); err != nil {
			errs = append(errs, fmt.Errorf("receipt %s refund %d: %w", s.ReceiptNumber, i+1, err))
			continue
		}
		out = append(out, r.result(s.ID, i))
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
