package payment

import (
	"context"
	"errors"
	"fmt"

	"github.com/kasse-pos/kasse/app/journal"
	"github.com/kasse-pos/kasse/payments/epayment"
)

// exec is the executor's one path for a payment call: journal the intent, make
// the call within the write budget, journal the answer, and return what was
// observed. A call whose intent cannot be journaled is not made.
func (o *owner) exec(ctx context.Context, do Do) Observation {
	s := o.snapshot()
	ref := s.Reference
	sale, err := o.e.cfg.Journal.Get(o.sale)
	if err != nil {
		o.e.log.Error("payment: read sale", "reference", ref, "err", err)
		return Observation{Kind: ObsNoAnswer, Action: journal.ActLookup}
	}
	a := sale.Attempt(ref)
	if a == nil {
		return Observation{Kind: ObsNoAnswer, Action: journal.ActLookup}
	}
	amount := epayment.Amount{Currency: epayment.Currency(a.Request.Amount.Currency), Value: a.Request.Amount.Value}
	var act journal.Action
	var key string
	switch do {
	case DoCreate:
		act, key = journal.ActCreate, a.CreateKey
	case DoCapture:
		act, key = journal.ActCapture, a.CaptureKey
	case DoCancel:
		act, key = journal.ActCancel, a.CancelKey
	case DoRelease:
		act, key = journal.ActRelease, a.CancelKey+"-all"
	default:
		act = journal.ActLookup
	}
	if act == journal.ActLookup {
		return o.lookup(ctx, ref)
	}
	if do == DoCreate && o.createJournaled {
		o.createJournaled = false // journaled with the sale by the till
	} else if err := o.intent(journal.Intent{Action: act, Key: key, Amount: amount.Value}); err != nil {
		o.e.log.Error("journal write failed; call not sent", "reference", ref, "action", act, "err", err)
		o.update(err)
		return Observation{Kind: ObsNoAnswer, Action: act}
	}
	if err := o.e.budget.Wait(ctx, ref, budgetKind(act)); err != nil {
		return Observation{Kind: ObsNoAnswer, Action: act}
	}
	var resp *epayment.ModificationResponse
	var created *epayment.CreatePaymentResponse
	switch do {
	case DoCreate:
		o.e.trace(TraceCreateBefore, ref)
		created, err = o.e.cfg.API.CreatePayment(ctx, key, a.Request)
		o.e.trace(TraceCreateAfter, ref)
	case DoCapture:
		o.e.trace(TraceCaptureBefore, ref)
		resp, err = o.e.cfg.API.Capture(ctx, ref, key, amount)
		o.e.trace(TraceCaptureAfter, ref)
	case DoCancel, DoRelease:
		o.e.trace(TraceCancelBefore, ref)
		resp, err = o.e.cfg.API.Cancel(ctx, ref, key, do == DoCancel)
	}
	ob := o.observe(act, err)
	if err == nil && created != nil {
		ob.RedirectURL = created.RedirectURL
	}
	if resp != nil {
		ob.PaymentState, ob.Authorized = resp.State, resp.Aggregate.AuthorizedAmount.Value
		ob.Captured, ob.Cancelled = resp.Aggregate.CapturedAmount.Value, resp.Aggregate.CancelledAmount.Value
	}
	if ctx.Err() != nil {
		return ob // the till is closing; the journal shows the intent
	}
	o.answer(act, key, ob, err, resp)
	return ob
}

// lookup asks GET payment. Its answers are journaled only when they say
// something new (the state change they cause is journaled by the owner).
func (o *owner) lookup(ctx context.Context, ref string) Observation {
	p, err := o.e.cfg.API.GetPayment(ctx, ref)
	ob := o.observe(journal.ActLookup, err)
	if err != nil {
		return ob
	}
	ob.Kind = ObsPayment
	ob.PaymentState = p.State
	ob.RedirectURL = p.RedirectURL
	ob.Authorized = p.Aggregate.AuthorizedAmount.Value
	ob.Captured = p.Aggregate.CapturedAmount.Value
	ob.Cancelled = p.Aggregate.CancelledAmount.Value
	if p.State != epayment.StateCreated {
		o.answer(journal.ActLookup, "", ob, nil, &epayment.ModificationResponse{State: p.State, Aggregate: p.Aggregate, PSPReference: p.PSPReference})
	}
	return ob
}

// observe turns a call's error into what the state machine needs to know.
func (o *owner) observe(act journal.Action, err error) Observation {
	ob := Observation{Kind: ObsAnswer, Action: act}
	if err == nil {
		return ob
	}
	var apiErr *epayment.APIError
	switch {
	case errors.Is(err, epayment.ErrNotFound) && !errors.Is(err, epayment.ErrOutcomeUnknown):
		ob.Kind = ObsNotFound
	case errors.As(err, &apiErr) && !apiErr.Retryable() && !errors.Is(err, epayment.ErrOutcomeUnknown):
		ob.Kind, ob.Status, ob.Code, ob.Detail = ObsRefused, apiErr.Status, apiErr.Code, apiErr.Detail
		if ob.Detail == "" {
			ob.Detail = apiErr.Title
		}
		o.e.log.Warn("payment call refused", "reference", o.snap.Reference, "action", act,
			"status", apiErr.Status, "code", apiErr.Code, "traceId", apiErr.TraceID)
	default:
		ob.Kind = ObsNoAnswer
		if errors.As(err, &apiErr) {
			o.retryAfter = apiErr.RetryAfter
			ob.Status, ob.Code = apiErr.Status, apiErr.Code
		}
		o.e.log.Warn("payment call unanswered", "reference", o.snap.Reference, "action", act, "err", err)
	}
	return ob
}

func (o *owner) intent(in journal.Intent) error {
	s := o.snapshot()
	_, err := o.e.cfg.Journal.Append(journal.Record{Kind: journal.KindIntent, Sale: o.sale, Ref: s.Reference,
		Cashier: o.e.cfg.Cashier(), Intent: &in, Note: string(in.Action)})
	return err
}

// answer journals what the API said. If the journal cannot take it, the API
// still remembers: the owner's next state change waits for the disk, and
// recovery asks the API again.
func (o *owner) answer(act journal.Action, key string, ob Observation, err error, resp *epayment.ModificationResponse) {
	an := journal.Answer{Action: act, Key: key, OK: err == nil, Unknown: ob.Kind == ObsNoAnswer,
		Status: ob.Status, Code: ob.Code, Error: ob.Detail, RedirectURL: ob.RedirectURL}
	if err != nil && an.Error == "" {
		an.Error = err.Error()
	}
	if resp != nil {
		an.PaymentState = string(resp.State)
		an.Captured, an.Refunded = resp.Aggregate.CapturedAmount.Value, resp.Aggregate.RefundedAmount.Value
		an.Cancelled, an.PSPReference = resp.Aggregate.CancelledAmount.Value, resp.PSPReference
	}
	s := o.snapshot()
	if _, jerr := o.e.cfg.Journal.Append(journal.Record{Kind: journal.KindAnswer, Sale: o.sale, Ref: s.Reference,
		Cashier: o.e.cfg.Cashier(), Answer: &an, Note: answerNote(an)}); jerr != nil {
		o.e.log.Error("journal the answer", "reference", s.Reference, "action", act, "err", jerr)
	}
}

func answerNote(an journal.Answer) string {
	switch {
	case an.OK:
		return string(an.Action) + ": ok"
	case an.Unknown:
		return string(an.Action) + ": no answer"
	}
	return fmt.Sprintf("%s: refused (%d %s)", an.Action, an.Status, an.Code)
}

// budgetKind is the rate-limit family of a call: a cancel and a release are
// both the cancel endpoint.
func budgetKind(a journal.Action) string {
	if a == journal.ActRelease {
		return string(journal.ActCancel)
	}
	return string(a)
}

// Refund sends a refund the caller has journaled as an Intent (ActRefund, key,
// amount) on the captured payment ref, under the same policy and budget as
// every other call, until the API answers or ctx ends. It journals the answer
// and returns the API's refused error, if any.
func (e *Engine) Refund(ctx context.Context, saleID uint64, ref, key string, amount epayment.Amount) error {
	o := &owner{e: e, sale: saleID, snap: Snapshot{Reference: ref}}
	for {
		if err := e.budget.Wait(ctx, ref, string(journal.ActRefund)); err != nil {
			return err
		}
		e.trace(TraceRefundBefore, ref)
		resp, err := e.cfg.API.Refund(ctx, ref, key, amount)
		e.trace(TraceRefundAfter, ref)
		ob := o.observe(journal.ActRefund, err)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		o.answer(journal.ActRefund, key, ob, err, resp)
		switch ob.Kind {
		case ObsAnswer:
			return nil
		case ObsRefused, ObsNotFound:
			return err
		}
		if !o.pause(ctx) {
			return ctx.Err()
		}
	}
}
