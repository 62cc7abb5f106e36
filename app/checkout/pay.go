package checkout

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"time"

	"github.com/kasse-pos/kasse/app/basket"
	"github.com/kasse-pos/kasse/app/i18n"
	"github.com/kasse-pos/kasse/app/journal"
	"github.com/kasse-pos/kasse/app/msisdn"
	"github.com/kasse-pos/kasse/app/payment"
	"github.com/kasse-pos/kasse/payments/epayment"
	"github.com/kasse-pos/kasse/payments/webhook"
)

var timeZero time.Time

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

// Pay sends the basket to the identified customer's phone. The sale, its
// customer, its receipt number and the request are journaled before the
// payment engine sends anything; Pay returns once the request has its owner,
// and View follows its progress. On a sales unit that may not send push
// requests (error 5080) Pay shows the QR code instead, as ShowQR does.
func (t *Till) Pay() error {
	return t.do(func() error {
		t.mu.Lock()
		qr := t.pushOff
		t.mu.Unlock()
		if qr {
			return t.payWith(epayment.FlowQR)
		}
		return t.payWith(epayment.FlowPushMessage)
	})
}

// ShowQR asks for the payment with a merchant-presented QR code: the customer
// scans it with the Vipps or MobilePay app, so no phone number is needed.
// View.QR carries the code's URL once Vipps has made it.
func (t *Till) ShowQR() error {
	return t.do(func() error { return t.payWith(epayment.FlowQR) })
}

func (t *Till) payWith(flow string) error {
	push := flow == epayment.FlowPushMessage
	t.mu.Lock()
	s := t.screen
	t.mu.Unlock()
	switch {
	case s.phase() == PhaseDone || s.pay.State == journal.StateCaptured:
		return errors.New("this sale has just been paid; its receipt is on screen")
	case !s.editable():
		return errBusy
	case s.basket.Empty():
		return errors.New("the basket is empty")
	case push && s.customer.IsZero():
		return errors.New("identify the customer first: scan the Vipps or MobilePay QR or type the phone number")
	case s.basket.Totals().Gross-s.cash.paid < minAmount(t.cfg.Currency):
		return errors.New("the total is below the smallest amount Vipps MobilePay accepts")
	}
	if s.pay.Reference != "" && !s.pay.State.Final() {
		// The last request's fate is unknown and the cashier chose a new one:
		// its owner withdraws it for good, so that it can never be charged too.
		t.engine.SetOnScreen(s.pay.Reference, false)
		t.engine.Send(s.pay.Reference, payment.Observation{Kind: payment.ObsSupersede})
	}
	var sale *journal.Sale
	var err error
	if s.sale != 0 {
		if sale, err = t.cfg.Journal.Get(s.sale); err != nil {
			return t.payFailed(err)
		}
	}
	var recs []journal.Record
	if sale == nil {
		recs = append(recs, t.opened())
		for _, l := range s.basket.Lines {
			recs = append(recs, journal.Record{Kind: journal.KindLineAdded, Line: &journal.LineEdit{Line: l}})
		}
	}
	if push && (sale == nil || sale.Customer != s.customer.MSISDN()) {
		recs = append(recs, journal.Record{Kind: journal.KindCustomer, Sale: s.sale,
			Customer: &journal.CustomerData{MSISDN: s.customer.MSISDN(), Masked: s.customer.Masked()}})
	}
	if sale == nil || sale.ReceiptNumber == "" {
		recs = append(recs, journal.Record{Kind: journal.KindSaleNumbered, Sale: s.sale, Numbered: &journal.Numbered{Training: s.training}})
	}
	id := s.sale
	if len(recs) > 0 {
		stored, err := t.cfg.Journal.Append(recs...)
		if err != nil {
			return t.payFailed(err)
		}
		id = stored[0].Sale // opened by these records, if it was not before
	}
	if sale, err = t.cfg.Journal.Get(id); err != nil {
		return t.payFailed(err)
	}
	now := t.cfg.Now()
	ref := fmt.Sprintf("%s%s-%s-%d", ReferencePrefix(t.cfg.POSID), t.cfg.Journal.TillID(), sale.ReceiptNumber, len(sale.Attempts)+1)
	req := t.createRequest(sale, ref, flow)
	expires := now.Add(t.cfg.PushTimeout)
	if _, err := t.cfg.Journal.Append(journal.Record{Kind: journal.KindIntent, Sale: sale.ID, Ref: ref,
		Note:   "sending to " + sale.CustomerMasked,
		Intent: &journal.Intent{Action: journal.ActCreate, Key: ref + "-create", Amount: req.Amount.Value, Request: &req, ExpiresAt: expires}}); err != nil {
		return t.payFailed(err)
	}
	if sale, err = t.cfg.Journal.Get(sale.ID); err != nil {
		return t.payFailed(err)
	}
	t.update(func(sc *screen) {
		sc.sale, sc.receipt = sale.ID, sale.ReceiptNumber
		sc.pay = payment.Snapshot{Reference: ref, State: journal.StateCreating, Amount: req.Amount.Value, OnScreen: true}
		sc.sent, sc.deadline = now, expires
		sc.dismissed, sc.notice, sc.status.Journal = false, "", ""
	})
	t.engine.Start(sale, ref, payment.Observation{Kind: payment.ObsStart, Fresh: true}, true)
	return nil
}

func (t *Till) payFailed(err error) error {
	t.journalFailed(err)
	return err
}

// Retry resends an attempt whose fate is unknown (Vipps did not answer) with the
// same reference, body and idempotency key, so it can never pay twice.
func (t *Till) Retry() error {
	t.mu.Lock()
	ref, unknown := t.pay.Reference, t.pay.Unknown
	t.mu.Unlock()
	if !unknown || !t.engine.Send(ref, payment.Observation{Kind: payment.ObsRetry}) {
		return errors.New("nothing to retry")
	}
	t.update(func(s *screen) {
		if s.pay.Reference == ref {
			s.pay.Unknown = false
		}
	})
	return nil
}

// Cancel asks to stop the payment while the customer has not answered. The API
// is told to cancel only if the customer has not approved yet, so a cancel can
// never silently void an approval that just happened.
func (t *Till) Cancel() error {
	t.mu.Lock()
	p, ref := t.phase(), t.pay.Reference
	t.mu.Unlock()
	if p != PhaseWaiting && p != PhaseSending {
		return errors.New("there is no payment waiting to cancel")
	}
	if !t.engine.Send(ref, payment.Observation{Kind: payment.ObsCashierCancel}) {
		return errors.New("there is no payment waiting to cancel")
	}
	return nil
}

// followPayment is the engine's word on a payment: the screen follows the one
// on screen; a payment settled in the background reaches the cashier too.
func (t *Till) followPayment(u payment.Update) {
	if u.Refreshed {
		t.changed() // the history may show new figures
		return
	}
	ref := u.Snap.Reference
	var r *Receipt
	if u.Snap.State == journal.StateCaptured {
		// Read before the screen changes, so that the done screen never
		// shows without its receipt.
		r = t.receiptOf(u.SaleID, ref)
	}
	t.mu.Lock()
	onScreen := t.pay.Reference == ref
	if onScreen && r != nil {
		t.shown = r
		// The next customer starts with an empty basket.
		t.basket = basket.Basket{}
		t.customer, t.customerInput, t.customerErr = msisdn.Number{}, "", ""
	}
	refusedPush := false
	if onScreen {
		wasFinal := t.pay.State.Final()
		t.pay = u.Snap
		t.payJournalErr = u.JournalErr != nil
		if !wasFinal && u.Snap.State.Final() {
			t.dismissed = false
			refusedPush = u.Snap.State == journal.StateFailed && u.Snap.RefusalCode == "5080"
		}
	}
	if u.JournalErr != nil {
		t.status.Journal = u.JournalErr.Error()
	} else if t.status.Journal != "" && u.Snap.State != "" {
		t.status.Journal = ""
	}
	receipt, recovering := t.recovering[ref]
	tell := recovering && u.Unanswered && t.once(toldUnanswered, ref)
	if recovering && u.Snap.State.Final() {
		delete(t.recovering, ref)
	}
	t.mu.Unlock()
	t.changed()
	if refusedPush {
		t.pushRefused()
	}
	if tell {
		t.report(t.tr().T("Receipt {{.Receipt}}: could not settle the payment with Vipps MobilePay yet (no answer); Kasse keeps trying.", "Receipt", receipt))
	}
	if recovering && u.Snap.State.Final() {
		t.report(t.tr().T("Receipt {{.Receipt}}: finished after a restart: {{.State}}.", "Receipt", receipt, "State", u.Snap.State))
	}
	if r != nil && t.firstDelivery(ref) {
		t.paid(u.SaleID, *r, onScreen)
	}
}

func requestNote(flow, masked string) string {
	if flow == epayment.FlowQR {
		return "shown as a QR code"
	}
	return "sending to " + masked
}

func (t *Till) createRequest(s *journal.Sale, ref, flow string) epayment.CreatePaymentRequest {
	cur := epayment.Currency(s.Currency)
	settled := s.Basket.Settled() // each line's share of a basket discount is in its line
	lines := make([]epayment.OrderLine, 0, len(settled.Lines))
	for _, l := range settled.Lines {
		lines = append(lines, orderLine(l))
	}
	// The customer reads it in the app: the receipts' language.
	desc := t.rtr().T("{{.Shop}}, receipt {{.Receipt}}", "Shop", t.cfg.Shop.Name, "Receipt", s.ReceiptNumber)
	if r := []rune(desc); len(r) > 100 { // the API counts characters
		desc = string(r[:100])
	}
	// A split sale asks Vipps for what cash did not pay; the receipt still
	// lists every line, and paymentSources says how much was cash.
	cash := s.CashPaid()
	req := epayment.CreatePaymentRequest{
		Amount:              epayment.Amount{Currency: cur, Value: s.Basket.Totals().Gross - cash},
		CustomerInteraction: epayment.CustomerPresent,
		PaymentMethod:       epayment.PaymentMethod{Type: "WALLET"},
		Reference:           ref,
		UserFlow:            flow,
		PaymentDescription:  desc,
		Receipt: &epayment.Receipt{
			OrderLines: lines,
			BottomLine: epayment.BottomLine{Currency: cur, POSID: t.cfg.POSID, ReceiptNumber: s.ReceiptNumber},
		},
	}
	if cash > 0 {
		req.Receipt.BottomLine.PaymentSources = &epayment.PaymentSources{Cash: cash}
	}
	if flow == epayment.FlowQR {
		// The URL to encode ourselves: the till draws the code, large.
		req.QRFormat = &epayment.QRFormat{Format: epayment.QRTargetURL}
	} else {
		req.Customer = &epayment.Customer{PhoneNumber: s.Customer}
	}
	return req
}

func shortErr(err error) string {
	s := err.Error()
	if len(s) > 120 {
		s = s[:120] + "…"
	}
	return s
}

// Deliver hands the till an event from the relay: the engine journals it and
// gives it to the payment's owner. It returns once the event is journaled, so
// the poller may advance its cursor; it never waits for the payment.
func (t *Till) Deliver(ctx context.Context, ev webhook.Event) error {
	return t.engine.Deliver(ctx, ev)
}

// firstDelivery reports whether ref's receipt has not been sent out yet in
// this session (a capture is reported again once the journal has it).
func (t *Till) firstDelivery(ref string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.once(toldDelivered, ref)
}

// pushSetting names the journal setting that says Vipps refused push
// requests for a sales unit.
func pushSetting(salesUnit string) string { return "push-refused:" + salesUnit }

// pushRefused: the sales unit may not send push requests (error 5080). The
// till remembers it, says why, and shows the QR code for the same basket at
// once; every later Pay shows a QR code too.
func (t *Till) pushRefused() {
	why := i18n.Key("This shop cannot send payment requests to phones (Vipps MobilePay error 5080), so the customer scans the QR code instead.")
	t.mu.Lock()
	already := t.pushOff
	t.mu.Unlock()
	if already {
		return
	}
	// Journaled first, so the next start asks by QR at once too. If the
	// journal cannot be written, this session still knows.
	if _, err := t.cfg.Journal.Append(journal.Record{Kind: journal.KindSetting, Note: "Vipps MobilePay refused push requests (5080)",
		Setting: &journal.SettingData{Name: pushSetting(t.cfg.SalesUnit), Value: "5080"}}); err != nil {
		t.log.Error("journal that push requests are refused", "err", err)
	}
	t.mu.Lock()
	already = t.pushOff
	t.pushOff = true
	t.mu.Unlock()
	t.log.Warn("push requests refused for this sales unit (5080); using QR")
	if already {
		return
	}
	t.wg.Add(1)
	go func() {
		defer t.wg.Done()
		if err := t.ShowQR(); err != nil {
			t.log.Warn("show QR after 5080", "err", err)
		}
		t.Notify(why)
	}()
}
