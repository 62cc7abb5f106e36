// Package checkout is the till: the basket being sold, the customer, and the
// screen model the UI draws. It journals every change of a sale before it
// shows it, and follows the payment engine (app/payment) for everything about
// money: the engine owns each payment, the till only asks and listens. It
// imports no UI; everything here is tested without a window.
package checkout

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kasse-pos/kasse/app/basket"
	"github.com/kasse-pos/kasse/app/catalog"
	"github.com/kasse-pos/kasse/app/i18n"
	"github.com/kasse-pos/kasse/app/journal"
	"github.com/kasse-pos/kasse/app/money"
	"github.com/kasse-pos/kasse/app/msisdn"
	"github.com/kasse-pos/kasse/app/payment"
	"github.com/kasse-pos/kasse/app/scan"
	"github.com/kasse-pos/kasse/payments/epayment"
)

// PaymentAPI is the part of the ePayment API the till calls; *epayment.Client
// implements it.
type PaymentAPI interface {
	payment.API
	GetEvents(ctx context.Context, reference string) ([]epayment.PaymentEvent, error)
	ExchangeQR(ctx context.Context, qr string) (*epayment.QRExchangeResponse, error)
}

// ReceiptPublisher puts a finished receipt where a phone can open it and returns
// its URL (the relay's receipt page).
type ReceiptPublisher interface {
	PublishReceipt(ctx context.Context, r Receipt) (url string, err error)
}

// ReceiptPrinter prints a receipt on paper (or on the demo's virtual printer).
type ReceiptPrinter interface {
	PrintReceipt(ctx context.Context, r Receipt) error
}

// TransactionSigner signs a sale's completed transactions in the cash
// register's signature chain (the Norwegian rules); *fiscal.Signer is one.
type TransactionSigner interface {
	Sign(ctx context.Context, saleID uint64) ([]journal.Record, error)
}

// Shop is what the receipt says about who sold.
type Shop struct {
	Name      string `json:"name"`
	Address   string `json:"address,omitempty"`
	OrgNumber string `json:"orgNumber,omitempty"`
}

// Config wires a Till.
type Config struct {
	Journal  *journal.Journal
	API      PaymentAPI
	Catalog  *catalog.Catalog
	Shop     Shop
	POSID    string // the till's id on receipts and in references, e.g. "1"
	Currency string // NOK, DKK or EUR
	Market   msisdn.Market
	// Brand is the app the customer pays with ("Vipps", "MobilePay"; see
	// app/market), for the receipt and the customer's texts. Default "Vipps MobilePay".
	Brand string
	// Lang is the cashier's language (app/i18n; default English): the view's
	// sentences. ReceiptLang is the receipts' and the payment description's
	// (default Lang).
	Lang        string
	ReceiptLang string
	// VATRates are the market's current rates (app/market), offered for an
	// open item besides the catalog's own.
	VATRates  []money.Rate
	Publisher ReceiptPublisher  // optional
	Printer   ReceiptPrinter    // optional
	Signer    TransactionSigner // optional: signs each captured sale
	Logger    *slog.Logger
	// Drawer opens the cash drawer (optional; see cash.go).
	Drawer CashDrawer

	// PushTimeout is how long the customer has to answer the push before the
	// API expires the request; the countdown shows it. Default 5 minutes.
	PushTimeout time.Duration
	// EventGrace is how long the till waits for a webhook through the relay
	// before it starts polling GET payment. Default 3 s.
	EventGrace time.Duration
	// PollInterval is the pace of GET payment polling. Default 2 s (the API
	// allows 120 per minute per payment).
	PollInterval time.Duration
	// RetryDelay is the first pause between tries of a call the API did not
	// answer (doubling, at most 30 s). Default 0.5 s.
	RetryDelay time.Duration
	Now        func() time.Time
	// Trace, if set, is told of each step of a payment just before and after
	// each side effect (see the Trace* names). Crash tests kill the process
	// there; it must not block.
	Trace func(step, reference string)
	// Allowed, if set, says whether the cashier signed in may do an action
	// (the Action* names: discounts, prices, the drawer, returns); nil
	// allows everything. The roles of
	// cashiers and managers plug in here.
	Allowed func(action string) bool
	// InStore are the shop's in-store barcode prefixes (weighed and
	// price-marked items, see scan.Rule); none by default.
	InStore scan.Rules

	// SalesUnit is the Vipps MobilePay sales unit (MSN) the till sells
	// through; what the till learns about it (push refused, 5080) is kept
	// per sales unit across restarts.
	SalesUnit string
}

// Steps reported to Config.Trace: the payment engine's.
const (
	TraceCreateBefore  = payment.TraceCreateBefore
	TraceCreateAfter   = payment.TraceCreateAfter
	TraceAuthorized    = payment.TraceAuthorized
	TraceCaptureBefore = payment.TraceCaptureBefore
	TraceCaptureAfter  = payment.TraceCaptureAfter
	TraceCaptured      = payment.TraceCaptured
	TraceCancelBefore  = payment.TraceCancelBefore
	TraceRefundBefore  = payment.TraceRefundBefore
	TraceRefundAfter   = payment.TraceRefundAfter
)

// Phase is what the checkout screen shows. It is derived from the state of the
// payment on screen (journal.State), never kept beside it.
type Phase int

// Phases of the checkout screen.
const (
	PhaseBasket     Phase = iota // building the basket
	PhaseSending                 // journaling and sending createPayment
	PhaseWaiting                 // waiting for the customer, with a countdown
	PhaseCancelling              // the cashier cancelled; waiting for the API
	PhaseCapturing               // approved; capturing
	PhaseDone                    // captured: receipt
	PhaseEnded                   // declined, expired, cancelled, failed or unanswered: message, back to basket
)

var phaseNames = [...]string{"basket", "sending", "waiting", "cancelling", "capturing", "done", "ended"}

func (p Phase) String() string { return phaseNames[p] }

// phaseOf maps the payment on screen to the screen's phase.
func phaseOf(s payment.Snapshot) Phase {
	switch s.State {
	case journal.StateNew, journal.StateCreating:
		if s.Unknown {
			return PhaseEnded
		}
		return PhaseSending
	case journal.StateRequested:
		return PhaseWaiting
	case journal.StateAuthorized, journal.StateCapturing:
		return PhaseCapturing
	case journal.StateCancelling, journal.StateReleasing:
		return PhaseCancelling
	case journal.StateCaptured:
		return PhaseDone
	}
	return PhaseEnded
}

// Status is the state of the till's connections, for the status bar.
type Status struct {
	Relay   string
	Scanner string
	Printer string
	Journal string
}

// View is a consistent snapshot of everything the UI draws.
type View struct {
	Phase         Phase
	Lines         []basket.Line
	Totals        basket.Totals
	Currency      string
	CustomerInput string
	Customer      string // masked number of who is identified
	CustomerError string
	CanPay        bool
	// Outcome is the final state of the last attempt in PhaseEnded and PhaseDone.
	Outcome journal.State
	// Message is the plain sentence for the cashier about the payment.
	Message string
	// CanRetry says the last attempt's fate is unknown and Retry resends it
	// safely under the same idempotency key.
	CanRetry  bool
	Reference string
	Sent      time.Time
	Deadline  time.Time
	Receipt   *Receipt
	// QR is the URL to show as a large QR code while a merchant-presented
	// request waits for the customer to scan it.
	QR string
	// CanShowQR says the basket can be paid with a QR code now; PushOff that
	// this shop cannot send requests to phones, so Pay shows one too.
	CanShowQR bool
	PushOff   bool
	// Brand is the app the customer pays with, as the market names it.
	Brand  string
	Notice string // the last scan or input message
	// UnknownCode is the barcode the notice says the catalog lacks: the
	// cashier may add it as an open item.
	UnknownCode string
	Status      Status
	Recovery    []string // what recovery did on start
	// Discount is the basket's own discount, if any (the lines carry theirs).
	Discount *basket.Off
	// Training says training mode is on: the screen must say so.
	Training bool
	// Parked are the baskets put aside, oldest first; CanPark says the
	// basket on screen may be parked now.
	Parked  []Parked
	CanPark bool
	// ReturnScan is the last receipt scanned to refund: the UI opens the
	// refund dialog on its sale each time its Seq grows.
	ReturnScan ReturnScan
	// Cash is the cash side: what is due, cash taken, change (cash.go).
	Cash CashView
	// Exchange is the exchange side: returned goods, settling (exchange.go).
	Exchange ExchangeView
}

// Till is one checkout. All methods are safe for concurrent use.
//
// Commands that change a sale run one at a time on the till's own goroutine,
// which journals each change before the screen model shows it; the screen
// model has one lock, never held across the disk or the network.
type Till struct {
	cfg    Config
	log    *slog.Logger
	engine *payment.Engine
	// The cashier's and the receipts' languages; SetLanguage changes them.
	trp, rtrp atomic.Pointer[i18n.Localizer]

	ctx  context.Context
	stop context.CancelFunc
	wg   sync.WaitGroup
	cmds chan func()

	mu sync.Mutex // the screen model below
	screen
	listeners    map[int]func()
	nextListener int

	// relayUp says webhooks reach the till; without them it polls at once.
	relayUp atomic.Bool
	// reprintMu makes one Reprint at a time, so two taps cannot both find
	// no copy made and print two.
	reprintMu sync.Mutex
}

// told is one thing said or done once for a payment.
type told struct {
	what string // toldPaid, toldUnanswered, toldDelivered
	ref  string
}

const (
	toldPaid       = "paid in the background"
	toldUnanswered = "recovery got no answer"
	toldDelivered  = "receipt sent out"
)

// once reports whether what has not happened yet for ref, and marks it
// done; the screen's lock is held.
func (s *screen) once(what, ref string) bool {
	k := told{what, ref}
	if s.told[k] {
		return false
	}
	s.told[k] = true
	return true
}

// screen is the model the UI draws.
type screen struct {
	basket        basket.Basket
	customer      msisdn.Number
	customerInput string
	customerErr   string
	// sale is the journaled sale on screen (0: nothing journaled yet).
	sale    uint64
	receipt string // its receipt number, once it has one
	// pay is the payment on screen; dismissed: the cashier has read how it
	// ended and is back at the basket.
	pay       payment.Snapshot
	sent      time.Time
	deadline  time.Time
	dismissed bool
	shown     *Receipt
	notice    string
	status    Status
	recovery  []string
	// recovering names the payments recovery took up, with their receipt
	// numbers, so the cashier hears how each ended.
	recovering map[string]string
	// told remembers what the cashier was already told, and which receipts
	// went out, once per payment.
	told map[told]bool
	// payJournalErr is set while the payment on screen waits for the journal.
	payJournalErr bool
	// pushOff: Vipps refused push requests for this sales unit (5080), so
	// the till asks with a QR code.
	pushOff bool
	// unknown is the last scanned barcode the catalog lacks, while its
	// notice is up.
	unknown string
	// training: training mode is on (see SetTraining).
	training bool
	// parked are the baskets put aside (park.go); returnScan the last
	// receipt scanned for a refund (returns.go).
	parked     []Parked
	returnScan ReturnScan
	// cash is the cash taken for the sale on screen (cash.go).
	cash cashScreen
	// exchanged is an exchange just settled; refunds sends its difference
	// back (exchange.go).
	exchanged exchangeScreen
	refunds   RefundSender
}

// SetRelayConnected tells the till whether the relay delivers webhooks now.
// While it does not, a waiting payment is polled from the start instead of
// after EventGrace.
func (t *Till) SetRelayConnected(up bool) { t.relayUp.Store(up) }

// New makes a till that lives until Close or until ctx ends. Call Recover
// before selling.
func New(ctx context.Context, cfg Config) (*Till, error) {
	if cfg.Journal == nil || cfg.API == nil || cfg.Catalog == nil {
		return nil, errors.New("checkout: journal, API and catalog are required")
	}
	if cfg.POSID == "" {
		cfg.POSID = "1"
	}
	if cfg.Currency == "" {
		cfg.Currency = cfg.Catalog.Currency
	}
	if cfg.Market == "" {
		cfg.Market = msisdn.Norway
	}
	if cfg.Brand == "" {
		cfg.Brand = "Vipps MobilePay"
	}
	if cfg.ReceiptLang == "" {
		cfg.ReceiptLang = cfg.Lang
	}
	if cfg.PushTimeout <= 0 {
		cfg.PushTimeout = 5 * time.Minute
	}
	if cfg.RetryDelay <= 0 {
		cfg.RetryDelay = 500 * time.Millisecond
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	ctx, stop := context.WithCancel(ctx)
	t := &Till{cfg: cfg, log: cfg.Logger, ctx: ctx, stop: stop, cmds: make(chan func())}
	t.trp.Store(i18n.For(cfg.Lang))
	t.rtrp.Store(i18n.For(cfg.ReceiptLang))
	t.recovering, t.told = map[string]string{}, map[told]bool{}
	st, err := cfg.Journal.Station()
	if err != nil {
		stop()
		return nil, err
	}
	t.training = st.Training // training mode lasts across restarts
	eng, err := payment.New(ctx, payment.Config{
		Journal: cfg.Journal, API: cfg.API, Currency: cfg.Currency,
		Policy:       payment.Policy{Base: cfg.RetryDelay, Max: 30 * time.Second},
		PollInterval: cfg.PollInterval, EventGrace: cfg.EventGrace,
		RelayUp: t.relayUp.Load, Logger: cfg.Logger.With("part", "payment"),
		Trace: cfg.Trace, OnUpdate: t.followPayment,
	})
	if err != nil {
		stop()
		return nil, err
	}
	t.engine = eng
	if err := t.remember(); err != nil {
		stop()
		eng.Close()
		return nil, err
	}
	t.wg.Add(1)
	go t.loop()
	return t, nil
}

// loop runs the till's commands, one at a time.
func (t *Till) loop() {
	defer t.wg.Done()
	for {
		select {
		case fn := <-t.cmds:
			fn()
		case <-t.ctx.Done():
			return
		}
	}
}

var errClosed = errors.New("the till is closing")

// do runs fn on the till's goroutine and returns its error.
func (t *Till) do(fn func() error) error {
	done := make(chan error, 1)
	select {
	case t.cmds <- func() { done <- fn() }:
	case <-t.ctx.Done():
		return errClosed
	}
	select {
	case err := <-done:
		return err
	case <-t.ctx.Done():
		return errClosed
	}
}

// Close stops the till and its payments' owners. A payment in flight stays in
// the journal and recovery finishes it on the next start.
func (t *Till) Close() {
	t.stop()
	t.engine.Close()
	t.wg.Wait()
}

// Catalog is the till's product list.
func (t *Till) Catalog() *catalog.Catalog { return t.cfg.Catalog }

// Journal is the till's journal, for history and reports.
func (t *Till) Journal() *journal.Journal { return t.cfg.Journal }

// Engine is the till's payment engine, which the back office's refunds share.
func (t *Till) Engine() *payment.Engine { return t.engine }

// OnChange registers fn to be called (from any goroutine) after every change;
// the returned func unregisters it.
func (t *Till) OnChange(fn func()) (remove func()) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.listeners == nil {
		t.listeners = map[int]func(){}
	}
	id := t.nextListener
	t.nextListener++
	t.listeners[id] = fn
	return func() {
		t.mu.Lock()
		delete(t.listeners, id)
		t.mu.Unlock()
	}
}

// changed must be called without t.mu held.
func (t *Till) changed() {
	t.mu.Lock()
	ls := make([]func(), 0, len(t.listeners))
	for _, fn := range t.listeners {
		ls = append(ls, fn)
	}
	t.mu.Unlock()
	for _, fn := range ls {
		fn()
	}
}

// update changes the screen model under its lock and tells the listeners.
func (t *Till) update(fn func(*screen)) {
	t.mu.Lock()
	fn(&t.screen)
	t.mu.Unlock()
	t.changed()
}

// WaitFor blocks until the till's view satisfies ok or ctx ends, and returns
// the last view it saw. Headless drivers and tests wait on events with it.
func (t *Till) WaitFor(ctx context.Context, ok func(View) bool) (View, error) {
	ch := make(chan struct{}, 1)
	remove := t.OnChange(func() {
		select {
		case ch <- struct{}{}:
		default:
		}
	})
	defer remove()
	for {
		v := t.View()
		if ok(v) {
			return v, nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return v, ctx.Err()
		}
	}
}

// View returns a snapshot for drawing.
func (t *Till) View() View {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := &t.screen
	v := View{
		Phase:         s.phase(),
		Lines:         append([]basket.Line(nil), s.basket.Lines...),
		Totals:        s.basket.Totals(),
		Currency:      t.cfg.Currency,
		CustomerInput: s.customerInput,
		CustomerError: s.customerErr,
		Receipt:       s.shown,
		Brand:         t.cfg.Brand,
		// The sentences are kept in English (the keys) or already in
		// words; a key is put into the cashier's language here.
		Notice:    t.tr().T(s.notice),
		Status:    Status{Relay: t.tr().T(s.status.Relay), Scanner: t.tr().T(s.status.Scanner), Printer: t.tr().T(s.status.Printer), Journal: t.tr().T(s.status.Journal)},
		Recovery:  make([]string, len(s.recovery)),
		Reference: s.pay.Reference,
		Sent:      s.sent,
		Deadline:  s.deadline,
	}
	for i, r := range s.recovery {
		v.Recovery[i] = t.tr().T(r)
	}
	v.CustomerError = t.tr().T(v.CustomerError)
	if !s.customer.IsZero() {
		v.Customer = s.customer.Masked()
	}
	switch v.Phase {
	case PhaseBasket:
	case PhaseEnded, PhaseDone:
		v.Outcome = s.pay.State
		if s.pay.Unknown {
			v.Outcome = ""
		}
		v.Message = t.tr().Msg(payment.Msg(s.pay))
		v.CanRetry = s.pay.Unknown
	default:
		v.Message = t.tr().Msg(payment.Msg(s.pay))
		if s.payJournalErr {
			v.Message = t.tr().T("The journal cannot be written (is the disk full?). The payment waits: nothing more is sent to Vipps MobilePay until the journal can be written again.")
		}
	}
	if v.Phase == PhaseDone && s.shown != nil {
		// The done screen shows the sold basket, not the empty next one.
		v.Lines = append([]basket.Line(nil), s.shown.Lines...)
		v.Totals = s.shown.Totals
	}
	v.Discount = s.basket.Discount
	if v.Phase == PhaseDone && s.shown != nil {
		v.Discount = s.shown.Discount
	}
	v.CanPay = s.canPay()
	v.Training = s.training
	v.PushOff = s.pushOff
	if s.notice != "" && s.editable() {
		v.UnknownCode = s.unknown
	}
	v.CanShowQR = (v.Phase == PhaseBasket || v.Phase == PhaseEnded) && !s.basket.Empty()
	if s.pushOff {
		v.CanPay = v.CanShowQR
	}
	if v.Phase == PhaseWaiting || v.Phase == PhaseSending {
		v.QR = s.pay.QR
	}
	v.Parked = append([]Parked(nil), s.parked...)
	v.CanPark = s.canPark() == nil
	v.ReturnScan = s.returnScan
	t.cashView(&v)
	t.exchangeView(&v)
	return v
}

// phase is the screen's phase, from the payment on screen.
func (s *screen) phase() Phase {
	if s.cash.done || s.exchanged.done {
		return PhaseDone
	}
	if s.pay.Reference == "" {
		return PhaseBasket
	}
	p := phaseOf(s.pay)
	if p == PhaseEnded && s.dismissed {
		return PhaseBasket
	}
	return p
}

func (s *screen) canPay() bool {
	p := s.phase()
	return (p == PhaseBasket || p == PhaseEnded) && !s.basket.Empty() && !s.customer.IsZero()
}

// editable reports whether the basket may change now: not while a payment for
// it is in flight, so the customer approves exactly what is on the receipt.
func (s *screen) editable() bool {
	p := s.phase()
	return p == PhaseBasket || p == PhaseEnded
}

// SetStatus updates one field of the status bar: "relay", "scanner",
// "printer" or "journal".
func (t *Till) SetStatus(which, text string) {
	t.update(func(s *screen) {
		switch which {
		case "relay":
			s.status.Relay = text
		case "scanner":
			s.status.Scanner = text
		case "printer":
			s.status.Printer = text
		case "journal":
			s.status.Journal = text
		}
	})
}

// Notify shows a short message to the cashier (a scan that was not understood).
//
// msg is in the cashier's language already or an English sentence of
// app/i18n, which the view translates.
func (t *Till) Notify(msg string) {
	t.update(func(s *screen) { s.notice, s.unknown = msg, "" })
}

// SetLanguage makes lang the cashier's language and receipt the receipts'
// (app/i18n codes; empty receipt: lang), from the next view and receipt on.
// A settings screen calls it together with ui.UseLanguage.
func (t *Till) SetLanguage(lang, receipt string) {
	if receipt == "" {
		receipt = lang
	}
	t.trp.Store(i18n.For(lang))
	t.rtrp.Store(i18n.For(receipt))
	t.changed()
}

func (t *Till) tr() *i18n.Localizer  { return t.trp.Load() }
func (t *Till) rtr() *i18n.Localizer { return t.rtrp.Load() }

// notifyErr shows err as the notice, in the cashier's language.
func (t *Till) notifyErr(err error) { t.Notify(t.say(err)) }

// say is err in the cashier's language: an i18n.Msg with its values, or an
// English sentence the view looks up.
func (t *Till) say(err error) string {
	var m i18n.Msg
	if errors.As(err, &m) && err.Error() == m.Error() {
		return t.tr().Msg(m)
	}
	return err.Error()
}

func (t *Till) report(line string) {
	t.log.Info("recovery", "what", line)
	t.update(func(s *screen) { s.recovery = append(s.recovery, line) })
}
