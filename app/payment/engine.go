package payment

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/kasse-pos/kasse/app/journal"
	"github.com/kasse-pos/kasse/payments/epayment"
	"github.com/kasse-pos/kasse/payments/webhook"
)

// API is the part of the ePayment API the engine calls; *epayment.Client
// implements it.
type API interface {
	CreatePayment(ctx context.Context, idemKey string, req epayment.CreatePaymentRequest) (*epayment.CreatePaymentResponse, error)
	GetPayment(ctx context.Context, reference string) (*epayment.Payment, error)
	Capture(ctx context.Context, reference, idemKey string, amount epayment.Amount) (*epayment.ModificationResponse, error)
	Cancel(ctx context.Context, reference, idemKey string, transactionOnly bool) (*epayment.ModificationResponse, error)
	Refund(ctx context.Context, reference, idemKey string, amount epayment.Amount) (*epayment.ModificationResponse, error)
}

// Steps reported to Config.Trace, just before and after each side effect.
// Crash tests kill the process there.
const (
	TraceCreateBefore  = "create:before"  // journaled the create intent; createPayment not sent yet
	TraceCreateAfter   = "create:after"   // createPayment answered; not journaled yet
	TraceAuthorized    = "authorized"     // approval learned; capture not journaled yet
	TraceCaptureBefore = "capture:before" // journaled "capturing"; capture not sent yet
	TraceCaptureAfter  = "capture:after"  // capture answered; not journaled yet
	TraceCaptured      = "captured"       // journaled "captured"
	TraceCancelBefore  = "cancel:before"  // journaled "cancelling" or "releasing"; cancel not sent yet
	TraceRefundBefore  = "refund:before"  // journaled the refund intent; refund not sent yet
	TraceRefundAfter   = "refund:after"   // refund answered; not journaled yet
)

// Update tells the till where a payment stands after each change.
type Update struct {
	SaleID  uint64
	Snap    Snapshot
	Message string // the sentence for the cashier (Message(Snap))
	// JournalErr is set while the journal cannot be written: nothing is sent
	// to Vipps until it can.
	JournalErr error
	// Unanswered: the last call got no answer from Vipps MobilePay (it is
	// tried again).
	Unanswered bool
	// Refreshed: the API's figures of a settled payment were journaled (a
	// refund or cancel made elsewhere); nothing changed for the till.
	Refreshed bool
}

// Config wires an Engine.
type Config struct {
	Journal  *journal.Journal
	API      API
	Currency string
	Policy   Policy
	// WriteLimit is the API's rate limit on writes to one payment; the zero
	// value is the documented 5 per minute per reference and call.
	WriteLimit Limit
	// PollInterval paces GET payment while waiting (default 2 s; the API
	// allows 120 per minute per payment). EventGrace is how long a waiting
	// payment relies on webhooks before it polls (default 3 s); while
	// RelayUp says no, it polls at once.
	PollInterval, EventGrace time.Duration
	RelayUp                  func() bool
	Logger                   *slog.Logger
	Trace                    func(step, reference string)
	// OnUpdate is called from the owners' goroutines after every change. It
	// must not block for long and must not call back into the engine.
	OnUpdate func(Update)
	// Cashier names who is logged in, for the journal.
	Cashier func() string
}

// Engine runs the owners of the unfinished payments of one till.
type Engine struct {
	cfg    Config
	log    *slog.Logger
	budget Budget
	ctx    context.Context
	stop   context.CancelFunc
	wg     sync.WaitGroup

	mu     sync.Mutex // guards owners and closed; never held across a call or a write
	owners map[string]*owner
	closed bool // no goroutine starts once Close has begun
}

// New makes an engine whose owners live until Close or until ctx ends.
func New(ctx context.Context, cfg Config) (*Engine, error) {
	if cfg.Journal == nil || cfg.API == nil {
		return nil, errors.New("payment: journal and API are required")
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = 2 * time.Second
	}
	if cfg.EventGrace <= 0 {
		cfg.EventGrace = 3 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.RelayUp == nil {
		cfg.RelayUp = func() bool { return true }
	}
	if cfg.OnUpdate == nil {
		cfg.OnUpdate = func(Update) {}
	}
	if cfg.Cashier == nil {
		cfg.Cashier = func() string { return "" }
	}
	ctx, stop := context.WithCancel(ctx)
	return &Engine{cfg: cfg, log: cfg.Logger, ctx: ctx, stop: stop, owners: map[string]*owner{},
		budget: Budget{Calls: cfg.WriteLimit.Calls, Window: cfg.WriteLimit.Window}}, nil
}

// Close stops every owner. A payment in flight stays in the journal, and
// Recover finishes it on the next start.
func (e *Engine) Close() {
	e.mu.Lock()
	e.closed = true
	e.mu.Unlock()
	e.stop()
	e.wg.Wait()
}

// spawn runs fn on a goroutine the engine waits for, unless it is closing.
func (e *Engine) spawn(fn func()) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return false
	}
	e.wg.Add(1)
	go func() {
		defer e.wg.Done()
		fn()
	}()
	return true
}

// Wait blocks until no owner runs, or ctx ends.
func (e *Engine) Wait(ctx context.Context) error {
	done := make(chan struct{})
	go func() { e.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (e *Engine) trace(step, ref string) {
	if e.cfg.Trace != nil {
		e.cfg.Trace(step, ref)
	}
}

// Owned reports whether an owner runs for reference.
func (e *Engine) Owned(reference string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.owners[reference] != nil
}

// Start gives the attempt ref of sale an owner, unless it has one; first is
// its first observation (ObsStart, Fresh for a request not sent yet). It
// reports whether a new owner started.
func (e *Engine) Start(sale *journal.Sale, ref string, first Observation, onScreen bool) bool {
	return e.start(sale, ref, first, onScreen) != nil
}

// start is Start, returning the new owner (nil if none started).
func (e *Engine) start(sale *journal.Sale, ref string, first Observation, onScreen bool) *owner {
	a := sale.Attempt(ref)
	if a == nil {
		return nil
	}
	e.mu.Lock()
	if e.owners[ref] != nil || e.closed {
		e.mu.Unlock()
		return nil
	}
	o := &owner{e: e, sale: sale.ID, signal: make(chan struct{}, 1), asked: make(chan struct{}), createJournaled: first.Fresh,
		snap: Snapshot{Reference: ref, State: a.State, Abandon: a.Abandon, Hold: a.Hold, QR: a.QR,
			Amount: a.Request.Amount.Value, Captured: a.Captured, OnScreen: onScreen,
			Recovered: first.Kind == ObsStart && !first.Fresh}}
	e.owners[ref] = o
	e.wg.Add(1)
	e.mu.Unlock()
	go func() {
		defer e.wg.Done()
		o.run(e.ctx, first)
		o.markAsked()
		e.mu.Lock()
		delete(e.owners, ref)
		e.mu.Unlock()
		// An observation that came as the owner ended may reopen the
		// payment (an approval of a request the till had ended).
		if rest := o.drain(); len(rest) > 0 {
			if s, err := e.cfg.Journal.Get(o.sale); err == nil {
				for _, ob := range rest {
					if ob.Kind == ObsEvent || ob.Kind == ObsPayment {
						if d := Next(o.snapshot(), ob); d.Do != DoStop {
							e.start(s, ref, ob, false)
							return
						}
					}
				}
			}
		}
	}()
	return o
}

// Send gives the owner of ref an observation; false if ref has no owner.
func (e *Engine) Send(ref string, ob Observation) bool {
	e.mu.Lock()
	o := e.owners[ref]
	e.mu.Unlock()
	if o == nil {
		return false
	}
	o.post(ob)
	return true
}

// SetOnScreen tells the owner of ref whether a cashier is waiting for it.
func (e *Engine) SetOnScreen(ref string, on bool) {
	e.mu.Lock()
	o := e.owners[ref]
	e.mu.Unlock()
	if o != nil {
		o.mu.Lock()
		o.snap.OnScreen = on
		o.mu.Unlock()
	}
}

// Deliver journals a payment event from the relay and hands it to the
// payment's owner; a payment with no owner that the event concerns (a restart,
// an approval of a request the till had ended) gets one. It returns nil once
// the event is journaled, so the relay cursor may advance past it.
func (e *Engine) Deliver(ctx context.Context, ev webhook.Event) error {
	sale, err := e.cfg.Journal.ByReference(ev.Reference)
	if errors.Is(err, journal.ErrNoSale) {
		return nil // not this till's payment (or a refund's own reference)
	}
	if err != nil {
		return fmt.Errorf("payment: event for %s: %w", ev.Reference, err)
	}
	rec := journal.Record{Kind: journal.KindEvent, Sale: sale.ID, Ref: ev.Reference, Cashier: e.cfg.Cashier(),
		Event: &journal.EventData{Name: ev.Name, Success: ev.Success, Amount: ev.Amount.Value,
			PSPReference: ev.PSPReference, Timestamp: ev.Timestamp, Source: "webhook"}}
	if _, err := e.cfg.Journal.Append(rec); err != nil {
		return fmt.Errorf("payment: journal event %s %s: %w", ev.Name, ev.Reference, err)
	}
	ob := Observation{Kind: ObsEvent, Event: ev.Name, Success: ev.Success}
	if e.Send(ev.Reference, ob) {
		return nil
	}
	if sale, err = e.cfg.Journal.Get(sale.ID); err != nil {
		return err
	}
	a := sale.Attempt(ev.Reference)
	snap := Snapshot{Reference: a.Reference, State: a.State, Abandon: a.Abandon, Amount: a.Request.Amount.Value}
	if d := Next(snap, ob); d.Do != DoStop || d.State != "" {
		e.Start(sale, ev.Reference, ob, false)
		return nil
	}
	if a.State.Final() && ev.Success && (ev.Name == epayment.EventRefunded || ev.Name == epayment.EventCancelled || ev.Name == epayment.EventCaptured) {
		// Money moved on a settled payment, in the merchant portal or by
		// this till: the journal takes the API's figures, so the history and
		// the reports show what the customer really paid.
		e.refresh(sale.ID, ev.Reference)
	}
	return nil
}

// refresh journals the API's figures of a settled payment, in the background.
func (e *Engine) refresh(saleID uint64, ref string) {
	e.spawn(func() {
		o := &owner{e: e, sale: saleID, snap: Snapshot{Reference: ref}}
		for n := 0; n < 5 && e.ctx.Err() == nil; n++ {
			if ob := o.lookup(e.ctx, ref); ob.Kind == ObsPayment {
				e.cfg.OnUpdate(Update{SaleID: saleID, Snap: Snapshot{Reference: ref, State: journal.StateCaptured}, Refreshed: true})
				return
			}
			if !o.pause(e.ctx) {
				return
			}
		}
	})
}

// Recover gives every unfinished payment in the journal an owner, on start.
// resume names the attempt (if any) a cashier is shown again, so that a request
// still waiting for its customer is waited for rather than withdrawn. The
// returned wait blocks until each of them has asked Vipps once (or ctx ends),
// so what recovery found can be told.
func (e *Engine) Recover(sales []*journal.Sale, resume string) (wait func(context.Context)) {
	var asked []chan struct{}
	for _, s := range sales {
		for _, a := range s.Open() {
			if o := e.start(s, a.Reference, Observation{Kind: ObsStart}, a.Reference == resume); o != nil {
				asked = append(asked, o.asked)
			}
		}
	}
	return func(ctx context.Context) {
		for _, ch := range asked {
			select {
			case <-ch:
			case <-ctx.Done():
				return
			}
		}
	}
}

// owner is the one goroutine that changes one payment.
type owner struct {
	e               *Engine
	sale            uint64
	createJournaled bool // the first create's intent was journaled with the sale
	tries           int  // pauses since the last progress
	waits           int  // waits for the customer so far
	unanswered      bool // the last call got no answer
	retryAfter      time.Duration

	mu     sync.Mutex
	snap   Snapshot
	queue  []Observation
	signal chan struct{}
	// asked is closed once the owner's first call has its answer (or no
	// answer), or the owner has ended.
	asked     chan struct{}
	askedOnce sync.Once
}

func (o *owner) markAsked() { o.askedOnce.Do(func() { close(o.asked) }) }

func (o *owner) post(ob Observation) {
	o.mu.Lock()
	o.queue = append(o.queue, ob)
	o.mu.Unlock()
	select {
	case o.signal <- struct{}{}:
	default:
	}
}

func (o *owner) next() (Observation, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if len(o.queue) == 0 {
		return Observation{}, false
	}
	ob := o.queue[0]
	o.queue = o.queue[1:]
	return ob, true
}

func (o *owner) drain() []Observation {
	o.mu.Lock()
	defer o.mu.Unlock()
	q := o.queue
	o.queue = nil
	return q
}

func (o *owner) snapshot() Snapshot {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.snap
}

// run is the owner's loop: decide, journal, act, observe.
func (o *owner) run(ctx context.Context, ob Observation) {
	first := true
	called := false // a call has been made; its answer is told with the next update
	for ctx.Err() == nil {
		s := o.snapshot()
		d := Next(s, ob)
		if d.State == journal.StateCapturing && s.State != journal.StateCapturing {
			o.e.trace(TraceAuthorized, s.Reference)
		}
		if err := o.record(s, d); err != nil {
			// Nothing is sent that is not journaled: wait for the disk, then
			// decide again on the same observation.
			o.e.log.Error("journal write failed; the payment waits", "reference", s.Reference, "err", err)
			if d.State == journal.StateCaptured {
				// The money is taken (the API says so and remembers it):
				// the customer gets the receipt while the journal waits.
				c := s
				c.State, c.Hold = journal.StateCaptured, ""
				o.e.cfg.OnUpdate(Update{SaleID: o.sale, Snap: c, Message: Message(c), JournalErr: err})
			} else {
				o.update(err)
			}
			if called {
				o.markAsked()
			}
			if !o.pause(ctx) {
				return
			}
			continue
		}
		if d.State != "" && d.State != s.State || first {
			o.tries = 0
		}
		first = false
		o.update(nil)
		if called {
			o.markAsked()
		}
		if d.Do == DoStop {
			return
		}
		if d.Pause {
			if got, ok := o.pauseFor(ctx); ok {
				ob = got
				continue
			}
			if ctx.Err() != nil {
				return
			}
		}
		if d.Do == DoWait {
			var ok bool
			if ob, ok = o.wait(ctx, o.snapshot().State); !ok {
				return
			}
			continue
		}
		ob = o.exec(ctx, d.Do)
		o.unanswered = ob.Kind == ObsNoAnswer
		called = true
		if ob.RedirectURL != "" && s.QR == "" {
			o.mu.Lock()
			o.snap.QR = ob.RedirectURL
			o.mu.Unlock()
		}
	}
}

// record journals the decision's change of the attempt, if any, and applies
// it to the snapshot.
func (o *owner) record(s Snapshot, d Decision) error {
	changed := d.State != "" && d.State != s.State || d.Abandon && !s.Abandon || d.Hold != s.Hold
	if changed {
		st := d.State
		if st == "" {
			st = s.State
		}
		next := s
		next.State, next.Abandon, next.Hold, next.Refusal, next.RefusalCode = st, s.Abandon || d.Abandon, d.Hold, d.Refusal, d.RefusalCode
		next.Released = s.Released || s.State == journal.StateReleasing
		rec := journal.Record{Kind: journal.KindState, Sale: o.sale, Ref: s.Reference, Cashier: o.e.cfg.Cashier(), Note: d.Note,
			State: &journal.StateChange{State: st, Abandon: next.Abandon, Hold: d.Hold, Message: Message(next)}}
		if rec.Note == "" {
			rec.Note = d.Hold
		}
		if _, err := o.e.cfg.Journal.Append(rec); err != nil {
			return err
		}
		if st == journal.StateCaptured {
			o.e.trace(TraceCaptured, s.Reference)
		}
	}
	o.mu.Lock()
	if d.State != "" {
		o.snap.State = d.State
	}
	o.snap.Abandon = o.snap.Abandon || d.Abandon
	o.snap.Hold, o.snap.Unknown, o.snap.Refusal, o.snap.RefusalCode = d.Hold, d.Unknown, d.Refusal, d.RefusalCode
	o.snap.Released = o.snap.Released || o.snap.State == journal.StateReleasing
	o.mu.Unlock()
	return nil
}

func (o *owner) update(jerr error) {
	s := o.snapshot()
	o.e.cfg.OnUpdate(Update{SaleID: o.sale, Snap: s, Message: Message(s), JournalErr: jerr, Unanswered: o.unanswered})
}

// pause waits out the policy's delay; observations sent meanwhile wait for
// the next decision. It reports false if ctx ended.
func (o *owner) pause(ctx context.Context) bool {
	_, _, alive := o.sleep(ctx, o.backoff(), false)
	return alive
}

// pauseFor waits out the policy's delay, or returns early with an observation
// that came meanwhile (a webhook, the cashier's cancel).
func (o *owner) pauseFor(ctx context.Context) (Observation, bool) {
	ob, got, _ := o.sleep(ctx, o.backoff(), true)
	return ob, got
}

// backoff is the policy's next pause for this owner.
func (o *owner) backoff() time.Duration {
	d := o.e.cfg.Policy.Delay(o.tries, o.retryAfter)
	o.tries++
	o.retryAfter = 0
	return d
}

// wait returns the next observation: one sent to the owner, or a poll tick.
// A request just sent relies on webhooks for EventGrace before it polls.
func (o *owner) wait(ctx context.Context, st journal.State) (Observation, bool) {
	every := o.e.cfg.PollInterval
	if st == journal.StateRequested && o.e.cfg.RelayUp() && o.waits == 0 {
		every = o.e.cfg.EventGrace
	}
	o.waits++ // later waits poll at PollInterval
	ob, got, alive := o.sleep(ctx, every, true)
	if !got && alive {
		return Observation{Kind: ObsTick}, true
	}
	return ob, got
}

// sleep waits d or until ctx ends; with listen, an observation sent
// meanwhile ends it early and is returned (got).
func (o *owner) sleep(ctx context.Context, d time.Duration, listen bool) (ob Observation, got, alive bool) {
	t := time.NewTimer(d)
	defer t.Stop()
	var wake <-chan struct{} // nil: observations wait for the next decision
	if listen {
		wake = o.signal
	}
	for {
		if listen {
			if ob, ok := o.next(); ok {
				return ob, true, true
			}
		}
		select {
		case <-ctx.Done():
			return Observation{}, false, false
		case <-t.C:
			return Observation{}, false, true
		case <-wake:
		}
	}
}
