package checkout

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"time"

	"github.com/kasse-pos/kasse/app/journal"
	"github.com/kasse-pos/kasse/app/money"
	"github.com/kasse-pos/kasse/payments/epayment"
	"github.com/kasse-pos/kasse/payments/webhook"
)

// minAmount is the API's smallest payment (NOK: 1 kr, error 6010 below it).
func minAmount(currency string) int64 {
	if currency == "NOK" {
		return 100
	}
	return 1
}

var unsafeRef = regexp.MustCompile(`[^a-zA-Z0-9]`)

// ReferencePrefix is the start of every payment reference this till makes; the
// relay routes webhooks to the till by it.
func ReferencePrefix(posID string) string {
	id := unsafeRef.ReplaceAllString(posID, "")
	if len(id) > 8 {
		id = id[:8]
	}
	return "kasse-" + id + "-"
}

// Pay sends the basket to the identified customer's phone. It journals the sale
// and the payment's reference and idempotency keys before calling the API, and
// returns once the request is on its way; View follows its progress.
func (t *Till) Pay() error {
	t.mu.Lock()
	t.rec.Lock()
	sale, ref, superseded, err := t.payLocked()
	var ch chan epayment.State
	if err == nil {
		ch = t.watchLocked(ref)
	}
	t.rec.Unlock()
	t.mu.Unlock()
	t.changed()
	if err != nil {
		return err
	}
	if superseded != "" {
		t.goWithdraw(sale, superseded)
	}
	t.goDrive(sale, ref, true, ch)
	return nil
}

// payLocked journals a new attempt; t.mu and t.rec are held.
func (t *Till) payLocked() (sale *journal.Sale, ref, superseded string, err error) {
	if !t.canPayBothLocked() {
		switch {
		case t.basket.Empty():
			return nil, "", "", errors.New("the basket is empty")
		case t.customer.IsZero():
			return nil, "", "", errors.New("identify the customer first: scan the Vipps or MobilePay QR or type the phone number")
		}
		return nil, "", "", errBusy
	}
	if total := t.basket.Totals().Gross; total < minAmount(t.cfg.Currency) {
		return nil, "", "", fmt.Errorf("the total is below the smallest amount Vipps MobilePay accepts")
	}
	now := t.cfg.Now()
	sale = t.sale
	if sale != nil && sale.State() == journal.StateCaptured {
		// Paid in the background a moment ago (a late approval) and not yet on
		// screen: never ring the same basket up again.
		return nil, "", "", errors.New("this sale has just been paid; its receipt is on its way to the screen")
	}
	if sale == nil {
		sale = &journal.Sale{Currency: t.cfg.Currency, POSID: t.cfg.POSID}
	}
	if cur := sale.Current(); cur != nil && !cur.State.Final() {
		// The last request's fate is unknown and the cashier chose a new one:
		// withdraw the old one for good, so that it can never be charged too.
		cur.Abandon = true
		sale.Mark(cur, journal.StateCancelling, "superseded by a new request", now)
		superseded = cur.Reference
	}
	// The sale takes the basket as it is now: a copy, so later edits after a
	// decline make a new attempt with the new lines.
	sale.Basket = t.basket.Clone()
	sale.Totals = sale.Basket.Totals()
	sale.Customer = t.customer.MSISDN()
	sale.CustomerMasked = t.customer.Masked()
	if sale.ID == 0 {
		if err := t.cfg.Journal.NewSale(sale); err != nil {
			t.failLocked(journal.StateFailed, err.Error(), false)
			t.status.Journal = err.Error()
			return nil, "", "", err
		}
	}
	ref = fmt.Sprintf("%s%s-%s-%d", ReferencePrefix(t.cfg.POSID), t.cfg.Journal.TillID(), sale.ReceiptNumber, len(sale.Attempts)+1)
	a := &journal.Attempt{
		Reference:  ref,
		Request:    t.createRequest(sale, ref),
		CreateKey:  ref + "-create",
		CaptureKey: ref + "-capture",
		CancelKey:  ref + "-cancel",
		Sent:       now,
		ExpiresAt:  now.Add(t.cfg.PushTimeout),
	}
	sale.Attempts = append(sale.Attempts, a)
	sale.Mark(a, journal.StateCreating, "sending to "+sale.CustomerMasked, now)
	if err := t.cfg.Journal.Save(sale); err != nil {
		// Not journaled, so not sent: take the attempt back off the sale.
		sale.Attempts = sale.Attempts[:len(sale.Attempts)-1]
		sale.Steps = sale.Steps[:len(sale.Steps)-1]
		t.failLocked(journal.StateFailed, err.Error(), false)
		t.status.Journal = err.Error()
		return nil, "", "", err
	}
	t.sale = sale
	t.status.Journal = "" // it writes again
	t.phase = PhaseSending
	t.message = "Sending the payment request…"
	t.outcome, t.canRetry, t.notice = "", false, ""
	t.cancelCh = make(chan struct{}, 1)
	return sale, ref, superseded, nil
}

// goWithdraw settles an abandoned attempt in the background: cancelled if it
// exists, released if it was approved, failed if it never reached Vipps.
func (t *Till) goWithdraw(sale *journal.Sale, ref string) {
	t.wg.Add(1)
	go func() {
		defer t.wg.Done()
		for attempt := 0; ; attempt++ {
			err := t.settle(t.ctx, sale, ref)
			if err == nil || !t.pause(t.ctx, attempt) {
				return
			}
			t.log.Warn("withdrawing a superseded request", "reference", ref, "err", err)
		}
	}()
}

// Retry resends an attempt whose fate is unknown (Vipps did not answer) with the
// same reference, body and idempotency key, so it can never pay twice.
func (t *Till) Retry() error {
	t.mu.Lock()
	if t.phase != PhaseEnded || !t.canRetry || t.sale == nil {
		t.mu.Unlock()
		return errors.New("nothing to retry")
	}
	sale := t.sale
	t.rec.Lock()
	ref := sale.Current().Reference
	t.rec.Unlock()
	t.phase = PhaseSending
	t.message = "Sending the payment request again…"
	t.outcome, t.canRetry = "", false
	t.cancelCh = make(chan struct{}, 1)
	ch := t.watchLocked(ref)
	t.mu.Unlock()
	t.changed()
	t.goDrive(sale, ref, true, ch)
	return nil
}

// Cancel asks to stop the payment while the customer has not answered. The API
// is told to cancel only if the customer has not approved yet, so a cancel can
// never silently void an approval that just happened.
func (t *Till) Cancel() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.phase != PhaseWaiting && t.phase != PhaseSending {
		return errors.New("there is no payment waiting to cancel")
	}
	select {
	case t.cancelCh <- struct{}{}:
	default:
	}
	return nil
}

func (t *Till) createRequest(s *journal.Sale, ref string) epayment.CreatePaymentRequest {
	cur := epayment.Currency(s.Currency)
	lines := make([]epayment.OrderLine, 0, len(s.Basket.Lines))
	for _, l := range s.Basket.Lines {
		net, vat := l.Split()
		lines = append(lines, epayment.OrderLine{
			Name:                    l.Name,
			ID:                      l.ProductID,
			TotalAmount:             l.Total(),
			TotalAmountExcludingTax: net,
			TotalTaxAmount:          vat,
			TaxPercentage:           l.VAT,
			UnitInfo:                &epayment.UnitInfo{UnitPrice: l.UnitPrice, Quantity: strconv.Itoa(l.Quantity), QuantityUnit: "PCS"},
		})
	}
	desc := fmt.Sprintf("%s, kvittering %s", t.cfg.Shop.Name, s.ReceiptNumber)
	if r := []rune(desc); len(r) > 100 { // the API counts characters
		desc = string(r[:100])
	}
	return epayment.CreatePaymentRequest{
		Amount:              epayment.Amount{Currency: cur, Value: s.Totals.Gross},
		Customer:            &epayment.Customer{PhoneNumber: s.Customer},
		CustomerInteraction: epayment.CustomerPresent,
		PaymentMethod:       epayment.PaymentMethod{Type: "WALLET"},
		Reference:           ref,
		UserFlow:            epayment.FlowPushMessage,
		PaymentDescription:  desc,
		Receipt: &epayment.Receipt{
			OrderLines: lines,
			BottomLine: epayment.BottomLine{Currency: cur, POSID: t.cfg.POSID, ReceiptNumber: s.ReceiptNumber},
		},
	}
}

// watchLocked registers the driver's event channel for ref; t.mu is held, so
// that no one sees the attempt on screen without its driver registered.
func (t *Till) watchLocked(ref string) chan epayment.State {
	ch := make(chan epayment.State, 8)
	t.waiters[ref] = ch
	return ch
}

// goDrive drives ref in the background, reading events from ch (watchLocked).
func (t *Till) goDrive(sale *journal.Sale, ref string, create bool, ch chan epayment.State) {
	t.wg.Add(1)
	go func() {
		defer t.wg.Done()
		t.drive(sale, ref, create, ch)
		t.mu.Lock()
		delete(t.waiters, ref)
		t.mu.Unlock()
		// An event that came while the driver was finishing would be lost in
		// the channel: settle from the API instead (a no-op if already final).
		select {
		case <-ch:
			if err := t.settle(t.ctx, sale, ref); err != nil {
				t.log.Warn("settling after a late event", "reference", ref, "err", err)
			}
		default:
		}
	}()
}

// Deliver hands the till an event from the relay. It returns nil once the event
// is acted on (or needs no action), so the poller may advance its cursor.
func (t *Till) Deliver(ctx context.Context, ev webhook.Event) error {
	if !ev.Success {
		return nil
	}
	st, ok := stateOfEvent(ev.Name)
	if !ok {
		return nil
	}
	t.mu.Lock()
	ch := t.waiters[ev.Reference]
	t.mu.Unlock()
	if ch != nil {
		select {
		case ch <- st:
		default: // the driver has plenty queued; a duplicate changes nothing
		}
		return nil
	}
	// Not a payment in flight here: if the journal has it unfinished (a
	// restart, or a request the cashier superseded), finish it. The sale on
	// screen is worked on in memory, never through a second copy.
	t.mu.Lock()
	sale := t.sale
	t.mu.Unlock()
	t.rec.Lock()
	onScreen := sale != nil && sale.Attempt(ev.Reference) != nil
	t.rec.Unlock()
	if !onScreen {
		var err error
		sale, err = t.cfg.Journal.ByReference(ev.Reference)
		if errors.Is(err, journal.ErrNoSale) {
			return nil
		}
		if err != nil {
			return err
		}
	}
	t.rec.Lock()
	open := !sale.Attempt(ev.Reference).State.Final()
	t.rec.Unlock()
	if open {
		return t.settle(ctx, sale, ev.Reference)
	}
	return nil
}

func stateOfEvent(n epayment.EventName) (epayment.State, bool) {
	switch n {
	case epayment.EventAuthorized, epayment.EventCaptured:
		return epayment.StateAuthorized, true
	case epayment.EventAborted:
		return epayment.StateAborted, true
	case epayment.EventExpired:
		return epayment.StateExpired, true
	case epayment.EventTerminated:
		return epayment.StateTerminated, true
	}
	return "", false
}

// drive takes one attempt from creating to a final state.
func (t *Till) drive(sale *journal.Sale, ref string, create bool, events <-chan epayment.State) {
	ctx := t.ctx
	t.rec.Lock()
	a := sale.Attempt(ref)
	t.rec.Unlock()
	if create {
		if ok := t.create(ctx, sale, a); !ok {
			return
		}
	}
	st, ok := t.await(ctx, sale, a, events)
	if !ok {
		return
	}
	t.finish(ctx, sale, a, st)
}

// create sends createPayment. A refusal ends the attempt; no answer leaves it
// unknown, to be resent with the same key (Retry) or settled by recovery.
func (t *Till) create(ctx context.Context, sale *journal.Sale, a *journal.Attempt) bool {
	t.trace(TraceCreateBefore, a.Reference)
	_, err := t.cfg.API.CreatePayment(ctx, a.CreateKey, a.Request)
	t.trace(TraceCreateAfter, a.Reference)
	if err == nil {
		return t.step(sale, a, journal.StateRequested, "push sent to "+sale.CustomerMasked, PhaseWaiting, "Waiting for the customer to approve in the app…")
	}
	if ctx.Err() != nil {
		return false
	}
	var apiErr *epayment.APIError
	if !errors.Is(err, epayment.ErrOutcomeUnknown) && errors.As(err, &apiErr) && !apiErr.Retryable() {
		msg := refusalMessage(apiErr)
		t.log.Warn("createPayment refused", "reference", a.Reference, "status", apiErr.Status, "code", apiErr.Code, "traceId", apiErr.TraceID)
		t.end(sale, a, journal.StateFailed, msg, false)
		return false
	}
	// No answer: ask whether the payment exists before saying anything.
	p, gerr := t.cfg.API.GetPayment(ctx, a.Reference)
	if gerr == nil {
		t.log.Info("createPayment unanswered but the payment exists", "reference", a.Reference, "state", p.State)
		return t.step(sale, a, journal.StateRequested, "created (confirmed by lookup)", PhaseWaiting, "Waiting for the customer to approve in the app…")
	}
	// Not found, or no answer at all: the request may still land, so only a
	// resend under the same key (Retry) or a settled supersede is safe.
	t.log.Warn("createPayment: no answer", "reference", a.Reference, "err", err, "lookup", gerr)
	t.mu.Lock()
	t.phase = PhaseEnded
	t.outcome = ""
	t.message = "Vipps MobilePay did not answer. The sale is kept. Tap Retry to send the same request again; it cannot charge twice. (If the customer approves meanwhile, the sale completes by itself.)"
	t.canRetry = true
	t.mu.Unlock()
	t.changed()
	return false
}

// await waits for the customer's answer: from a webhook through the relay, or
// from polling GET payment once EventGrace has passed with no event.
func (t *Till) await(ctx context.Context, sale *journal.Sale, a *journal.Attempt, events <-chan epayment.State) (epayment.State, bool) {
	wait := t.cfg.EventGrace
	if !t.relayUp.Load() {
		wait = t.cfg.PollInterval // no webhook will come: poll from the start
	}
	grace := time.NewTimer(wait)
	defer grace.Stop()
	var tick <-chan time.Time
	t.mu.Lock()
	cancelCh := t.cancelCh
	t.mu.Unlock()
	for {
		select {
		case <-ctx.Done():
			return "", false
		case st := <-events:
			if st != epayment.StateCreated {
				return st, true
			}
		case <-grace.C:
			tk := time.NewTicker(t.cfg.PollInterval)
			defer tk.Stop()
			tick = tk.C
			if st, ok := t.poll(ctx, a); ok {
				return st, true
			}
		case <-tick:
			if st, ok := t.poll(ctx, a); ok {
				return st, true
			}
		case <-cancelCh:
			return t.cancel(ctx, sale, a)
		}
	}
}

func (t *Till) poll(ctx context.Context, a *journal.Attempt) (epayment.State, bool) {
	p, err := t.cfg.API.GetPayment(ctx, a.Reference)
	if err != nil {
		t.log.Debug("poll payment", "reference", a.Reference, "err", err)
		return "", false
	}
	if p.State == epayment.StateCreated {
		return "", false
	}
	return p.State, true
}

// cancel stops a waiting payment. If the customer approved just before the
// cancel reached the API (error 6060), the cashier's choice still wins, but not
// silently: the reservation is released in full and the message says so.
func (t *Till) cancel(ctx context.Context, sale *journal.Sale, a *journal.Attempt) (epayment.State, bool) {
	if !t.stepWith(sale, a, journal.StateCancelling, "cancelled by the cashier", PhaseCancelling, "Cancelling…", func() { a.Abandon = true }) {
		return "", false
	}
	for attempt := 0; ; attempt++ {
		t.trace(TraceCancelBefore, a.Reference)
		_, err := t.cfg.API.Cancel(ctx, a.Reference, a.CancelKey, true)
		if err == nil {
			return epayment.StateTerminated, true
		}
		var apiErr *epayment.APIError
		if errors.As(err, &apiErr) && apiErr.Code == "6060" {
			t.log.Info("approval raced the cancel; releasing the reservation", "reference", a.Reference)
			return epayment.StateAuthorized, true // finish() cancels it, as Abandon says
		}
		if errors.As(err, &apiErr) && !apiErr.Retryable() {
			// The payment may already be final (expired, declined): ask.
			if p, gerr := t.cfg.API.GetPayment(ctx, a.Reference); gerr == nil && p.State != epayment.StateCreated {
				return p.State, true
			}
			t.end(sale, a, journal.StateCancelling, "Vipps MobilePay refused the cancel: "+refusalMessage(apiErr)+" Recovery will settle it.", false)
			return "", false
		}
		t.setMessage("Cancelling… (Vipps MobilePay did not answer; trying again)")
		if !t.pause(ctx, attempt) {
			return "", false
		}
	}
}

// finish acts on the API's answer for an attempt.
func (t *Till) finish(ctx context.Context, sale *journal.Sale, a *journal.Attempt, st epayment.State) {
	switch st {
	case epayment.StateAuthorized:
		t.trace(TraceAuthorized, a.Reference)
		if a.Abandon {
			t.release(ctx, sale, a)
			return
		}
		t.capture(ctx, sale, a)
	case epayment.StateAborted:
		t.end(sale, a, journal.StateAborted, "The customer declined the payment in the app. The basket is kept.", false)
	case epayment.StateExpired:
		t.end(sale, a, journal.StateExpired, "The customer did not answer in time; the request expired. Send it again or use another customer.", false)
	case epayment.StateTerminated:
		t.end(sale, a, journal.StateCancelled, "The payment was cancelled. Nothing was charged. The basket is kept.", false)
	}
}

// capture takes the money of an approved payment, retrying under the same key
// until the API confirms; an authorization is never left behind.
func (t *Till) capture(ctx context.Context, sale *journal.Sale, a *journal.Attempt) {
	if a.State != journal.StateCapturing {
		if !t.step(sale, a, journal.StateCapturing, "approved; capturing", PhaseCapturing, "Approved. Capturing the payment…") {
			return
		}
	}
	amount := epayment.Amount{Currency: epayment.Currency(sale.Currency), Value: sale.Totals.Gross}
	for attempt := 0; ; attempt++ {
		t.trace(TraceCaptureBefore, a.Reference)
		resp, err := t.cfg.API.Capture(ctx, a.Reference, a.CaptureKey, amount)
		t.trace(TraceCaptureAfter, a.Reference)
		if err == nil {
			t.completed(ctx, sale, a, resp.Aggregate.CapturedAmount.Value, resp.PSPReference)
			return
		}
		if ctx.Err() != nil {
			return
		}
		var apiErr *epayment.APIError
		if errors.As(err, &apiErr) && !apiErr.Retryable() {
			// Perhaps an earlier try did capture: the aggregate is the truth.
			if p, gerr := t.cfg.API.GetPayment(ctx, a.Reference); gerr == nil && p.Aggregate.CapturedAmount.Value >= amount.Value {
				t.completed(ctx, sale, a, p.Aggregate.CapturedAmount.Value, p.PSPReference)
				return
			}
			t.log.Error("capture refused; releasing the reservation", "reference", a.Reference, "code", apiErr.Code, "traceId", apiErr.TraceID)
			t.release(ctx, sale, a)
			return
		}
		t.setMessage("Approved. Capturing the payment… (Vipps did not answer, trying again)")
		if !t.pause(ctx, attempt) {
			return
		}
	}
}

// release cancels an authorization the till will not capture.
func (t *Till) release(ctx context.Context, sale *journal.Sale, a *journal.Attempt) {
	if a.State != journal.StateCancelling || !a.Abandon {
		if !t.stepWith(sale, a, journal.StateCancelling, "releasing the reservation", PhaseCancelling, "Releasing the reservation…", func() { a.Abandon = true }) {
			return
		}
	}
	for attempt := 0; ; attempt++ {
		_, err := t.cfg.API.Cancel(ctx, a.Reference, a.CancelKey+"-all", false)
		if err == nil {
			t.end(sale, a, journal.StateCancelled, "Cancelled. The customer had just approved; the reservation was released and nothing was charged.", false)
			return
		}
		if ctx.Err() != nil {
			return
		}
		var apiErr *epayment.APIError
		if errors.As(err, &apiErr) && !apiErr.Retryable() {
			t.end(sale, a, journal.StateCancelling, "Could not release the reservation: "+refusalMessage(apiErr)+" Recovery will try again.", false)
			return
		}
		if !t.pause(ctx, attempt) {
			return
		}
	}
}

func (t *Till) completed(ctx context.Context, sale *journal.Sale, a *journal.Attempt, captured int64, psp string) {
	err := t.record(sale, a, journal.StateCaptured, "captured "+money.FormatCurrency(captured, sale.Currency), func() {
		a.Captured = captured
		if psp != "" {
			a.PSPReference = psp
		}
	})
	if err != nil {
		// The money is taken; the API remembers it and recovery will write it.
		t.log.Error("journal after capture", "reference", a.Reference, "err", err)
		t.SetStatus("journal", err.Error())
	}
	t.trace(TraceCaptured, a.Reference)
	t.showPaid(ctx, sale, a, false)
}

// showPaid puts the captured sale's receipt on screen, if the sale is the one
// on screen (onlyIfIdle: and no payment of it is being driven), then
// publishes and prints the receipt.
func (t *Till) showPaid(ctx context.Context, sale *journal.Sale, a *journal.Attempt, onlyIfIdle bool) {
	t.rec.Lock()
	r := t.buildReceipt(sale, a)
	t.rec.Unlock()
	t.mu.Lock()
	shown := t.sale == sale && (!onlyIfIdle || t.phase == PhaseEnded || t.phase == PhaseBasket)
	if shown {
		t.phase = PhaseDone
		t.outcome = journal.StateCaptured
		t.message = "Paid. Thank you!"
		t.canRetry = false
		t.receipt = &r
		// The next customer starts with an empty basket.
		t.basket.Clear()
		_ = t.setCustomerLocked("")
	}
	t.mu.Unlock()
	if !shown && onlyIfIdle {
		return
	}
	t.changed()
	t.wg.Add(1)
	go func() {
		defer t.wg.Done()
		t.deliverReceipt(ctx, sale, r)
	}()
}

// step journals a new state and only then shows it. A failed write stops the
// attempt with a plain message, before any further API call.
func (t *Till) step(sale *journal.Sale, a *journal.Attempt, st journal.State, note string, phase Phase, msg string) bool {
	return t.stepWith(sale, a, st, note, phase, msg, nil)
}

// record applies change to an attempt, marks its new state and journals the
// sale, all under t.rec.
//
// The write touches only this attempt and appends the step, in one journal
// transaction, so a refund the back office journals meanwhile is kept.
func (t *Till) record(s *journal.Sale, a *journal.Attempt, st journal.State, note string, change func()) error {
	t.rec.Lock()
	defer t.rec.Unlock()
	if change != nil {
		change()
	}
	s.Mark(a, st, note, t.cfg.Now())
	step := s.Steps[len(s.Steps)-1]
	return t.cfg.Journal.Update(s.ID, func(x *journal.Sale) error {
		xa := x.Attempt(a.Reference)
		if xa == nil {
			return fmt.Errorf("journal: sale %s has no attempt %s", x.ReceiptNumber, a.Reference)
		}
		refunded := xa.Refunded // the back office's
		*xa = *a
		xa.Refunded = refunded
		x.Steps = append(x.Steps, step)
		return nil
	})
}

func (t *Till) stepWith(sale *journal.Sale, a *journal.Attempt, st journal.State, note string, phase Phase, msg string, change func()) bool {
	if err := t.record(sale, a, st, note, change); err != nil {
		t.log.Error("journal write failed", "reference", a.Reference, "state", st, "err", err)
		t.mu.Lock()
		if t.sale == sale {
			t.phase = PhaseEnded
			t.message = err.Error()
			t.canRetry = false
		}
		t.status.Journal = err.Error()
		t.mu.Unlock()
		t.changed()
		return false
	}
	t.mu.Lock()
	if t.sale == sale {
		t.phase = phase
		t.message = msg
	}
	t.mu.Unlock()
	t.changed()
	return true
}

// end journals a final (or stuck) state and returns the screen to the basket's
// message view.
func (t *Till) end(sale *journal.Sale, a *journal.Attempt, st journal.State, msg string, retry bool) {
	if err := t.record(sale, a, st, msg, nil); err != nil {
		t.log.Error("journal write failed", "reference", a.Reference, "err", err)
		msg += " (" + err.Error() + ")"
	}
	t.mu.Lock()
	if t.sale == sale {
		t.failLocked(st, msg, retry)
	}
	t.mu.Unlock()
	t.changed()
}

func (t *Till) failLocked(st journal.State, msg string, retry bool) {
	t.phase = PhaseEnded
	t.outcome = st
	t.message = msg
	t.canRetry = retry
}

func (t *Till) setMessage(msg string) {
	t.mu.Lock()
	t.message = msg
	t.mu.Unlock()
	t.changed()
}

// pause waits before the next try: RetryDelay doubled per try, at most 30 s.
func (t *Till) pause(ctx context.Context, attempt int) bool {
	d := t.cfg.RetryDelay << min(attempt, 4)
	if d > 30*time.Second {
		d = 30 * time.Second
	}
	select {
	case <-ctx.Done():
		return false
	case <-time.After(d):
		return true
	}
}

func refusalMessage(e *epayment.APIError) string {
	switch e.Code {
	case "7010":
		return "This customer cannot pay this shop with Vipps MobilePay. Ask for another number or another way to pay."
	case "4070", "4060":
		return "Vipps MobilePay did not accept the customer's number or QR. Check it and try again."
	}
	msg := e.Detail
	if msg == "" {
		msg = e.Title
	}
	if e.Code != "" {
		msg += " (error " + e.Code + ")"
	}
	return "Vipps MobilePay refused the payment: " + msg
}

func shortErr(err error) string {
	s := err.Error()
	if len(s) > 120 {
		s = s[:120] + "…"
	}
	return s
}
