// Package checkout is the till's brain: the basket being sold, the customer, and
// the payment state machine that drives one sale from Pay to a captured receipt
// (or to a plain, recoverable failure). It imports no UI: ui/ draws View and calls
// the commands; everything here is tested without a window.
package checkout

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kasse-pos/kasse/app/basket"
	"github.com/kasse-pos/kasse/app/catalog"
	"github.com/kasse-pos/kasse/app/journal"
	"github.com/kasse-pos/kasse/app/msisdn"
	"github.com/kasse-pos/kasse/payments/epayment"
)

// PaymentAPI is the part of the ePayment API the till calls; *epayment.Client
// implements it.
type PaymentAPI interface {
	CreatePayment(ctx context.Context, idemKey string, req epayment.CreatePaymentRequest) (*epayment.CreatePaymentResponse, error)
	GetPayment(ctx context.Context, reference string) (*epayment.Payment, error)
	GetEvents(ctx context.Context, reference string) ([]epayment.PaymentEvent, error)
	Capture(ctx context.Context, reference, idemKey string, amount epayment.Amount) (*epayment.ModificationResponse, error)
	Cancel(ctx context.Context, reference, idemKey string, transactionOnly bool) (*epayment.ModificationResponse, error)
	Refund(ctx context.Context, reference, idemKey string, amount epayment.Amount) (*epayment.ModificationResponse, error)
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

// Shop is what the receipt says about who sold.
type Shop struct {
	Name      string `json:"name"`
	Address   string `json:"address,omitempty"`
	OrgNumber string `json:"orgNumber,omitempty"`
}

// Config wires a Till.
type Config struct {
	Journal   *journal.Journal
	API       PaymentAPI
	Catalog   *catalog.Catalog
	Shop      Shop
	POSID     string // the till's id on receipts and in references, e.g. "1"
	Currency  string // NOK, DKK or EUR
	Market    msisdn.Market
	Publisher ReceiptPublisher // optional
	Printer   ReceiptPrinter   // optional
	Logger    *slog.Logger

	// PushTimeout is how long the customer has to answer the push before the
	// API expires the request; the countdown shows it. Default 5 minutes.
	PushTimeout time.Duration
	// EventGrace is how long the till waits for a webhook through the relay
	// before it starts polling GET payment. Default 3 s.
	EventGrace time.Duration
	// PollInterval is the pace of GET payment polling. Default 2 s (the API
	// allows 120 per minute per payment).
	PollInterval time.Duration
	// RetryDelay is the first pause between attempts to finish a capture or
	// cancel the API did not confirm. Default 2 s.
	RetryDelay time.Duration
	Now        func() time.Time
	// Trace, if set, is told of each step of a payment just before and after
	// each side effect (see the Trace* names). Crash tests kill the process
	// there; it must not block.
	Trace func(step, reference string)
}

// Steps reported to Config.Trace.
const (
	TraceCreateBefore  = "create:before"  // journaled "creating"; createPayment not sent yet
	TraceCreateAfter   = "create:after"   // createPayment answered; not journaled yet
	TraceAuthorized    = "authorized"     // approval learned; capture not journaled yet
	TraceCaptureBefore = "capture:before" // journaled "capturing"; capture not sent yet
	TraceCaptureAfter  = "capture:after"  // capture answered; "captured" not journaled yet
	TraceCaptured      = "captured"       // journaled "captured"
	TraceCancelBefore  = "cancel:before"  // journaled "cancelling"; cancel not sent yet
)

func (t *Till) trace(step, ref string) {
	if t.cfg.Trace != nil {
		t.cfg.Trace(step, ref)
	}
}

// Phase is what the checkout screen shows.
type Phase int

// Phases of the checkout screen.
const (
	PhaseBasket     Phase = iota // building the basket
	PhaseSending                 // journaling and sending createPayment
	PhaseWaiting                 // waiting for the customer, with a countdown
	PhaseCancelling              // the cashier cancelled; waiting for the API
	PhaseCapturing               // approved; capturing
	PhaseDone                    // captured: receipt
	PhaseEnded                   // declined, expired, cancelled or failed: message, back to basket
)

var phaseNames = [...]string{"basket", "sending", "waiting", "cancelling", "capturing", "done", "ended"}

func (p Phase) String() string { return phaseNames[p] }

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
	Notice    string // the last scan or input message
	Status    Status
	Recovery  []string // what recovery did on start
}

// Till is one checkout. All methods are safe for concurrent use.
type Till struct {
	cfg Config
	log *slog.Logger

	ctx  context.Context
	stop context.CancelFunc
	wg   sync.WaitGroup

	mu            sync.Mutex
	basket        basket.Basket
	customer      msisdn.Number
	customerInput string
	customerErr   string
	phase         Phase
	sale          *journal.Sale
	outcome       journal.State
	message       string
	canRetry      bool
	receipt       *Receipt
	notice        string
	status        Status
	recovery      []string
	listeners     map[int]func()
	nextListener  int
	// waiters route states learned from webhooks to the goroutine that drives
	// the payment with that reference.
	waiters  map[string]chan epayment.State
	cancelCh chan struct{}

	// rec serialises changes to sales and their journal writes: more than one
	// goroutine may work on one sale (an attempt being withdrawn while the
	// next one is driven). settling lets one settle run at a time.
	rec      sync.Mutex
	settling sync.Mutex

	// relayUp says webhooks reach the till; without them it polls at once.
	relayUp atomic.Bool
}

// SetRelayConnected tells the till whether the relay delivers webhooks now.
// While it does not, a waiting payment is polled from the start instead of
// after EventGrace.
func (t *Till) SetRelayConnected(up bool) { t.relayUp.Store(up) }

// New makes a till. Call Recover before selling, and Close when done.
func New(cfg Config) (*Till, error) {
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
	if cfg.PushTimeout <= 0 {
		cfg.PushTimeout = 5 * time.Minute
	}
	if cfg.EventGrace <= 0 {
		cfg.EventGrace = 3 * time.Second
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = 2 * time.Second
	}
	if cfg.RetryDelay <= 0 {
		cfg.RetryDelay = 2 * time.Second
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	ctx, stop := context.WithCancel(context.Background())
	return &Till{cfg: cfg, log: cfg.Logger, ctx: ctx, stop: stop, waiters: map[string]chan epayment.State{}}, nil
}

// Close stops the payment goroutines. A payment in flight stays in the journal
// and recovery finishes it on the next start.
func (t *Till) Close() {
	t.stop()
	t.wg.Wait()
}

// Catalog is the till's product list.
func (t *Till) Catalog() *catalog.Catalog { return t.cfg.Catalog }

// Journal is the till's journal, for history and reports.
func (t *Till) Journal() *journal.Journal { return t.cfg.Journal }

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
	v := View{
		Phase:         t.phase,
		Lines:         append([]basket.Line(nil), t.basket.Lines...),
		Totals:        t.basket.Totals(),
		Currency:      t.cfg.Currency,
		CustomerInput: t.customerInput,
		CustomerError: t.customerErr,
		Outcome:       t.outcome,
		Message:       t.message,
		CanRetry:      t.canRetry,
		Receipt:       t.receipt,
		Notice:        t.notice,
		Status:        t.status,
		Recovery:      append([]string(nil), t.recovery...),
	}
	if !t.customer.IsZero() {
		v.Customer = t.customer.Masked()
	}
	if t.sale != nil {
		t.rec.Lock()
		a := t.sale.Current()
		t.rec.Unlock()
		if a != nil {
			v.Reference, v.Sent, v.Deadline = a.Reference, a.Sent, a.ExpiresAt
		}
	}
	if t.phase == PhaseDone && t.sale != nil {
		// The done screen shows the sold basket, not the empty next one.
		v.Lines = append([]basket.Line(nil), t.sale.Basket.Lines...)
		v.Totals = t.sale.Totals
	}
	v.CanPay = t.canPayLocked()
	return v
}

// canPayLocked is called with t.mu held and t.rec not held.
func (t *Till) canPayLocked() bool {
	t.rec.Lock()
	defer t.rec.Unlock()
	return t.canPayBothLocked()
}

// canPayBothLocked is called with t.mu and t.rec held.
func (t *Till) canPayBothLocked() bool {
	// A sale paid in the background (a late approval) is never offered for
	// payment again, not even in the moment before its receipt shows.
	if t.sale != nil && t.sale.State() == journal.StateCaptured {
		return false
	}
	return (t.phase == PhaseBasket || t.phase == PhaseEnded) && !t.basket.Empty() && !t.customer.IsZero()
}

// editable reports whether the basket may change now: not while a payment for
// it is in flight, so the customer approves exactly what is on the receipt.
func (t *Till) editableLocked() bool { return t.phase == PhaseBasket || t.phase == PhaseEnded }

var errBusy = errors.New("a payment is in progress; cancel it or wait for it to finish")

// AddProduct puts one of the product with id in the basket.
func (t *Till) AddProduct(id string) error {
	p, ok := t.cfg.Catalog.ByID(id)
	if !ok {
		return fmt.Errorf("unknown product %s", id)
	}
	return t.edit(func(b *basket.Basket) error { return b.Add(p) })
}

// SetQuantity sets a line's quantity; 0 removes it.
func (t *Till) SetQuantity(id string, q int) error {
	return t.edit(func(b *basket.Basket) error { return b.SetQuantity(id, q) })
}

// Remove drops a line.
func (t *Till) Remove(id string) error {
	return t.edit(func(b *basket.Basket) error { b.Remove(id); return nil })
}

// Clear empties the basket.
func (t *Till) Clear() error {
	return t.edit(func(b *basket.Basket) error { b.Clear(); return nil })
}

func (t *Till) edit(fn func(*basket.Basket) error) error {
	t.mu.Lock()
	if t.phase == PhaseDone {
		t.startNewSaleLocked()
	}
	if !t.editableLocked() {
		t.mu.Unlock()
		return errBusy
	}
	err := fn(&t.basket)
	if err != nil {
		t.notice = err.Error()
	} else {
		t.notice = ""
		if t.phase == PhaseEnded {
			t.backLocked()
		}
	}
	t.mu.Unlock()
	t.changed()
	return err
}

// SetCustomer takes the phone number the cashier typed. An invalid number is
// kept as typed with a plain message, and Pay stays off.
func (t *Till) SetCustomer(input string) error {
	t.mu.Lock()
	if !t.editableLocked() && t.phase != PhaseDone {
		t.mu.Unlock()
		return errBusy
	}
	err := t.setCustomerLocked(input)
	t.mu.Unlock()
	t.changed()
	return err
}

func (t *Till) setCustomerLocked(input string) error {
	t.customerInput = input
	t.customer = msisdn.Number{}
	t.customerErr = ""
	if input == "" {
		return nil
	}
	n, err := msisdn.Parse(input, t.cfg.Market)
	if err != nil {
		t.customerErr = err.Error()
		return err
	}
	t.customer = n
	return nil
}

// Back leaves the message of a declined, expired, cancelled or failed payment
// and returns to the basket, which is kept as it was.
func (t *Till) Back() {
	t.mu.Lock()
	if t.phase == PhaseEnded {
		t.backLocked()
	}
	t.mu.Unlock()
	t.changed()
}

func (t *Till) backLocked() {
	t.phase = PhaseBasket
	t.message = ""
	t.outcome = ""
	// The sale stays on screen and in the journal; the next Pay is a new
	// attempt on it (or, after no answer, withdraws the unanswered one first).
}

// NewSale clears the finished sale and starts an empty basket.
func (t *Till) NewSale() {
	t.mu.Lock()
	if t.phase == PhaseDone || t.phase == PhaseEnded || t.phase == PhaseBasket {
		t.startNewSaleLocked()
	}
	t.mu.Unlock()
	t.changed()
}

func (t *Till) startNewSaleLocked() {
	t.phase = PhaseBasket
	t.basket.Clear()
	t.sale = nil
	t.receipt = nil
	t.message, t.notice, t.outcome = "", "", ""
	t.canRetry = false
	_ = t.setCustomerLocked("")
}

// SetStatus updates one field of the status bar: "relay", "scanner", "printer".
func (t *Till) SetStatus(which, text string) {
	t.mu.Lock()
	switch which {
	case "relay":
		t.status.Relay = text
	case "scanner":
		t.status.Scanner = text
	case "printer":
		t.status.Printer = text
	case "journal":
		t.status.Journal = text
	}
	t.mu.Unlock()
	t.changed()
}

// Notify shows a short message to the cashier (a scan that was not understood).
func (t *Till) Notify(msg string) {
	t.mu.Lock()
	t.notice = msg
	t.mu.Unlock()
	t.changed()
}
