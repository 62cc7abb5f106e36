// Package payment owns the life of a payment: from the request sent to the
// customer's phone to exactly one end, captured once or ended without money.
//
// It has three parts, each the only one of its kind in Kasse:
//
//   - Next, a pure transition function: (state, observation) → decision. Every
//     rule about what to do when the API, a webhook, the cashier or a timer
//     says something lives there, and is table-tested.
//   - the executor (exec.go): journals the intent, makes the API call, journals
//     the answer, under one retry and pause policy and a write budget per
//     reference that keeps within the API's rate limits.
//   - the owners (engine.go): one goroutine per unfinished payment. Webhooks,
//     polls, the cashier's cancel, a superseding request and start-up recovery
//     send it observations; nothing else changes a payment.
package payment

import (
	"github.com/kasse-pos/kasse/app/i18n"
	"github.com/kasse-pos/kasse/app/journal"
	"github.com/kasse-pos/kasse/payments/epayment"
)

// Snapshot is what the engine knows of one payment attempt.
type Snapshot struct {
	Reference string
	State     journal.State
	// Abandon: the till will not capture this attempt (the cashier cancelled or
	// superseded it); an approval found later is released.
	Abandon bool
	// Hold says why an approved payment is not captured yet.
	Hold string
	// Amount is what the customer was asked for; Captured what the API says is
	// captured.
	Amount, Captured int64
	// OnScreen: a cashier is waiting for this attempt, so an unanswered request
	// is kept (Retry) and a request still waiting for its customer is waited
	// for. Recovery and background owners withdraw such requests instead.
	OnScreen bool
	// Unknown: the last createPayment got no answer and the API does not know
	// the payment (yet).
	Unknown bool
	// Recovered: the owner took the attempt up after a restart. A request
	// the API still does not know then never reached it.
	Recovered bool
	// Released: an approval was released (the attempt went through Releasing).
	Released bool
	// Refusal is the plain reason the API refused the request, and
	// RefusalCode its error code (5080: push requests are not allowed).
	Refusal     string
	RefusalCode string
	// QR is the URL to show as a QR code for a merchant-presented request.
	QR string
}

// Kind is what an observation is.
type Kind int

// Observations.
const (
	ObsStart         Kind = iota // an owner starts: Fresh for a new request, else recovery
	ObsAnswer                    // an API call answered 2xx (Action says which)
	ObsRefused                   // an API call was refused for good (4xx); Code, Status
	ObsNoAnswer                  // no answer: network, timeout, 5xx, 429; the call may have happened
	ObsNotFound                  // the API has no such payment (404)
	ObsPayment                   // GET payment: PaymentState and the aggregate
	ObsEvent                     // a webhook or event-log entry: Event, Success
	ObsCashierCancel             // the cashier tapped Cancel
	ObsSupersede                 // a new request for the same basket replaces this one
	ObsRetry                     // the cashier tapped Retry after no answer
	ObsTick                      // the poll timer
)

var kindNames = [...]string{"start", "answer", "refused", "no-answer", "not-found", "payment", "event", "cashier-cancel", "supersede", "retry", "tick"}

func (k Kind) String() string { return kindNames[k] }

// Observation is something the engine learns about a payment.
type Observation struct {
	Kind   Kind
	Fresh  bool           // ObsStart: a new request whose create is not sent yet
	Action journal.Action // the call an answer, refusal or no-answer is about
	// The payment as the API reports it (ObsPayment, and ObsAnswer where the
	// answer carries it).
	PaymentState epayment.State
	Authorized   int64
	Captured     int64
	Cancelled    int64
	// ObsEvent.
	Event   epayment.EventName
	Success bool
	// ObsRefused.
	Status int
	Code   string
	Detail string
	// RedirectURL is createPayment's answer for a QR request.
	RedirectURL string
}

// Do is the one action a decision asks for.
type Do int

// Actions.
const (
	DoWait    Do = iota // nothing to call; wait for the next observation (polling on)
	DoCreate            // createPayment, with the attempt's one idempotency key
	DoLookup            // GET payment
	DoCapture           // capture the whole amount
	DoCancel            // cancel with cancelTransactionOnly: withdraw an unapproved request
	DoRelease           // cancel in full: release an approval
	DoStop              // the attempt is final; the owner ends
)

var doNames = [...]string{"wait", "create", "lookup", "capture", "cancel", "release", "stop"}

func (d Do) String() string { return doNames[d] }

// Decision is what Next says to do.
type Decision struct {
	// State is the attempt's new state; "" keeps it. The owner journals a
	// change before it acts.
	State       journal.State
	Abandon     bool   // set Abandon (it is never cleared)
	Hold        string // the new hold ("" clears it)
	Unknown     bool   // the new Unknown
	Refusal     string // the API's refusal of the request, in plain words
	RefusalCode string
	Do          Do
	// Pause asks the owner to wait (backoff, Retry-After) before Do.
	Pause bool
	// Note is the journal's line for the change.
	Note string
}

// Next is the whole payment state machine. It decides from what is known (s)
// and what was just observed (o); it has no side effects.
func Next(s Snapshot, o Observation) Decision {
	keep := Decision{Hold: s.Hold, Unknown: s.Unknown, Refusal: s.Refusal, RefusalCode: s.RefusalCode}
	if s.State.Final() {
		return final(s, o, keep)
	}
	if s.Abandon && (s.State == journal.StateCapturing || s.State == journal.StateAuthorized) &&
		!(o.Kind == ObsPayment && o.Captured > 0) && !(o.Kind == ObsAnswer && o.Action == journal.ActCapture && o.Captured > 0) {
		// Given up while the approval was being acted on (a journal written
		// by an older Kasse): the cashier's choice wins, and the release
		// finds out if a capture went through after all.
		return to(keep, journal.StateReleasing, DoRelease, "releasing the reservation of a payment the till gave up", true)
	}
	if call := pending(s.State); (o.Kind == ObsAnswer || o.Kind == ObsRefused || o.Kind == ObsNoAnswer || o.Kind == ObsNotFound) &&
		o.Action != journal.ActLookup && o.Action != call {
		// An answer to a call this state does not make (a stale one): act
		// on the state as it is.
		return tick(s, keep)
	}
	switch o.Kind {
	case ObsStart:
		return start(s, o, keep)
	case ObsPayment:
		return fromPayment(s, o, keep)
	case ObsEvent:
		return fromEvent(s, o, keep)
	case ObsCashierCancel, ObsSupersede:
		return withdraw(s, o, keep)
	case ObsRetry:
		if s.State == journal.StateCreating && s.Unknown {
			keep.Do, keep.Unknown = DoCreate, false
			return keep
		}
		keep.Do = DoWait
		return keep
	case ObsTick:
		return tick(s, keep)
	case ObsNotFound:
		return notFound(s, o, keep)
	case ObsAnswer:
		return answered(s, o, keep)
	case ObsRefused:
		return refused(s, o, keep)
	case ObsNoAnswer:
		return noAnswer(s, o, keep)
	}
	keep.Do = DoWait
	return keep
}

// final handles what still arrives for an attempt that has ended: only an
// approval matters, and money the till will not take is released.
func final(s Snapshot, o Observation, d Decision) Decision {
	d.Do = DoStop
	approved := (o.Kind == ObsPayment && o.PaymentState == epayment.StateAuthorized && o.Captured == 0 && o.Cancelled == 0) ||
		(o.Kind == ObsEvent && o.Success && o.Event == epayment.EventAuthorized)
	switch s.State {
	case journal.StateCaptured, journal.StateCancelled:
		return d
	}
	if approved {
		// A request the till gave up on (never reached Vipps, as far as it
		// could tell) was approved after all: the sale ended without this
		// money, so the reservation goes back to the customer.
		return to(d, journal.StateReleasing, DoRelease, "approved after the till had ended it; releasing the reservation", true)
	}
	return d
}

func start(s Snapshot, o Observation, d Decision) Decision {
	if o.Fresh && (s.State == journal.StateNew || s.State == journal.StateCreating) {
		d.Do = DoCreate
		return d
	}
	// Recovery: a create is looked up (did it land before the crash?); a
	// capture, cancel or release is resent under its key, which cannot do
	// the work twice.
	d.Do = callFor(s.State)
	return d
}

// fromPayment acts on GET payment: the API's own word on where a payment stands.
func fromPayment(s Snapshot, o Observation, d Decision) Decision {
	d.Unknown = false
	switch o.PaymentState {
	case epayment.StateCreated:
		switch s.State {
		case journal.StateCreating:
			d = to(d, journal.StateRequested, DoWait, "created (confirmed by lookup)", false)
			if !s.OnScreen {
				return withdraw(Snapshot{State: journal.StateRequested}, Observation{Kind: ObsSupersede}, d)
			}
			return d
		case journal.StateRequested:
			if !s.OnScreen {
				return withdraw(s, Observation{Kind: ObsSupersede}, d)
			}
			d.Do = DoWait
		case journal.StateCancelling:
			d.Do, d.Pause = DoCancel, true
		default:
			d.Do = DoWait
		}
		return d
	case epayment.StateAuthorized:
		switch {
		case o.Captured > 0 && o.Captured >= s.Amount:
			d.Hold = ""
			return to(d, journal.StateCaptured, DoStop, "captured (confirmed with Vipps MobilePay)", false)
		case o.Cancelled > 0 && o.Captured == 0:
			return to(d, journal.StateCancelled, DoStop, "reservation released (confirmed with Vipps MobilePay)", false)
		}
		return approved(s, d, true)
	case epayment.StateAborted:
		return ended(d, journal.StateAborted)
	case epayment.StateExpired:
		return ended(d, journal.StateExpired)
	case epayment.StateTerminated:
		return ended(d, journal.StateCancelled)
	}
	d.Do, d.Pause = DoLookup, true
	return d
}

// endNotes are the journal's words for a payment the API ended.
var endNotes = map[journal.State]string{
	journal.StateAborted:   "declined by the customer",
	journal.StateExpired:   "expired: the customer did not answer in time",
	journal.StateCancelled: "cancelled; nothing was charged",
}

// ended is the API's word that a payment ended without money.
func ended(d Decision, st journal.State) Decision {
	return to(d, st, DoStop, endNotes[st], false)
}

// approved decides for an approval: capture it, or release it if the till gave
// the attempt up. fromLookup says the API confirmed it with its figures.
func approved(s Snapshot, d Decision, fromLookup bool) Decision {
	if s.Abandon {
		if s.State == journal.StateReleasing {
			d.Do = DoRelease
			d.Pause = fromLookup
			return d
		}
		return to(d, journal.StateReleasing, DoRelease, "approved after the cashier cancelled; releasing the reservation", false)
	}
	if s.State == journal.StateCapturing {
		d.Do = DoCapture
		d.Pause = fromLookup && s.Hold != ""
		return d
	}
	return to(d, journal.StateCapturing, DoCapture, "approved; capturing", false)
}

func fromEvent(s Snapshot, o Observation, d Decision) Decision {
	if !o.Success {
		// A failed capture or cancel elsewhere: the payment's own state is the
		// truth, so ask.
		d.Do = DoLookup
		return d
	}
	switch o.Event {
	case epayment.EventAuthorized:
		d.Unknown = false
		switch s.State {
		case journal.StateCapturing, journal.StateReleasing:
			d.Do = DoWait // already acting on it
			return d
		case journal.StateCancelling:
			// The customer approved as the cancel went out: the cancel will
			// be refused (6060) or has been; release.
			return to(d, journal.StateReleasing, DoRelease, "approved as the cancel went out; releasing the reservation", true)
		}
		return approved(s, d, false)
	case epayment.EventAborted:
		return ended(d, journal.StateAborted)
	case epayment.EventExpired:
		return ended(d, journal.StateExpired)
	case epayment.EventTerminated:
		return ended(d, journal.StateCancelled)
	case epayment.EventCaptured, epayment.EventCancelled:
		// Done by this till (its answer is on its way) or in the merchant
		// portal: the aggregate says which and how much.
		d.Do = DoLookup
		return d
	}
	d.Do = DoWait // CREATED, REFUNDED: nothing to do for the attempt
	return d
}

// withdraw acts on the cashier's cancel or a superseding request.
func withdraw(s Snapshot, o Observation, d Decision) Decision {
	note := "cancelled by the cashier"
	if o.Kind == ObsSupersede {
		note = "withdrawn: replaced by a new request, or nobody is waiting for it"
	}
	switch s.State {
	case journal.StateNew, journal.StateCreating, journal.StateRequested:
		return to(d, journal.StateCancelling, DoCancel, note, true)
	case journal.StateCancelling, journal.StateReleasing:
		d.Do, d.Abandon = DoWait, true
		return d
	}
	// Approved already: the money is the customer's choice made; capture it.
	d.Do = DoWait
	return d
}

func tick(s Snapshot, d Decision) Decision {
	d.Do = callFor(s.State)
	return d
}

func notFound(s Snapshot, o Observation, d Decision) Decision {
	switch s.State {
	case journal.StateCreating:
		if s.OnScreen && !s.Abandon && !s.Recovered {
			// The request may still land: keep it, and let the cashier resend
			// it under the same key (Retry) or give it up.
			d.Do, d.Unknown = DoWait, true
			return d
		}
		return to(d, journal.StateFailed, DoStop, "never reached Vipps MobilePay; nothing was charged", false)
	case journal.StateCancelling, journal.StateReleasing:
		return to(d, journal.StateFailed, DoStop, "never reached Vipps MobilePay; nothing was charged", false)
	}
	d.Do, d.Pause = DoLookup, true
	return d
}

func answered(s Snapshot, o Observation, d Decision) Decision {
	switch o.Action {
	case journal.ActCreate:
		d.Unknown = false
		if s.State == journal.StateCreating {
			return to(d, journal.StateRequested, DoWait, "push sent", false)
		}
		d.Do = DoWait
		return d
	case journal.ActCapture:
		if o.Captured >= s.Amount {
			d.Hold = ""
			return to(d, journal.StateCaptured, DoStop, "captured", false)
		}
		d.Do, d.Pause = DoLookup, true
		return d
	case journal.ActCancel:
		return to(d, journal.StateCancelled, DoStop, "request withdrawn; nothing was charged", false)
	case journal.ActRelease:
		return to(d, journal.StateCancelled, DoStop, "reservation released; nothing was charged", false)
	case journal.ActLookup:
		return fromPayment(s, o, d)
	}
	d.Do = DoWait
	return d
}

func refused(s Snapshot, o Observation, d Decision) Decision {
	switch o.Action {
	case journal.ActCreate:
		if s.State == journal.StateCreating {
			d.Refusal, d.RefusalCode = RefusalMessage(o.Code, o.Detail), o.Code
			return to(d, journal.StateFailed, DoStop, "refused by Vipps MobilePay"+codeNote(o), false)
		}
	case journal.ActCapture:
		// Only the API's word on the payment itself ends an approved payment
		// (declined, expired, captured already). A refusal of the capture
		// call (keys rotated, a conflict) is Kasse's trouble: hold and ask.
		d.Hold = holdReason(o)
		d.Do = DoLookup
		return d
	case journal.ActCancel:
		if o.Code == "6060" {
			// The customer approved just before the cancel: the cashier's
			// choice still wins, but not silently.
			return to(d, journal.StateReleasing, DoRelease, "approved as the cancel went out; releasing the reservation", true)
		}
		d.Do = DoLookup // perhaps final already (declined, expired)
		return d
	case journal.ActRelease:
		d.Do = DoLookup
		d.Pause = true
		return d
	case journal.ActLookup:
		d.Do, d.Pause = retryOf(s), true
		return d
	}
	d.Do = DoWait
	return d
}

func noAnswer(s Snapshot, o Observation, d Decision) Decision {
	switch o.Action {
	case journal.ActCreate:
		d.Do = DoLookup // never take a timeout for a failure: ask
		return d
	case journal.ActLookup:
		if s.State == journal.StateCreating && s.OnScreen && !s.Abandon {
			d.Do, d.Unknown = DoWait, true
			return d
		}
		d.Do, d.Pause = retryOf(s), true
		return d
	case journal.ActCapture:
		d.Do, d.Pause = DoCapture, true
	case journal.ActCancel:
		d.Do, d.Pause = DoCancel, true
	case journal.ActRelease:
		d.Do, d.Pause = DoRelease, true
	default:
		d.Do, d.Pause = DoLookup, true
	}
	return d
}

// pending is the call a state is waiting on, if any.
func pending(st journal.State) journal.Action {
	switch st {
	case journal.StateNew, journal.StateCreating:
		return journal.ActCreate
	case journal.StateCapturing:
		return journal.ActCapture
	case journal.StateCancelling:
		return journal.ActCancel
	case journal.StateReleasing:
		return journal.ActRelease
	}
	return journal.ActLookup
}

// callFor is the call that moves a payment in state st on: a lookup while
// the customer (or the API) has the word, else the call the state is waiting
// on.
func callFor(st journal.State) Do {
	switch st {
	case journal.StateCapturing:
		return DoCapture
	case journal.StateCancelling:
		return DoCancel
	case journal.StateReleasing:
		return DoRelease
	}
	return DoLookup
}

// retryOf is the call that moves s on when a lookup failed: while the
// customer decides, the next tick asks again.
func retryOf(s Snapshot) Do {
	if s.State == journal.StateRequested {
		return DoWait
	}
	return callFor(s.State)
}

func to(d Decision, st journal.State, do Do, note string, abandon bool) Decision {
	d.State, d.Do, d.Note = st, do, note
	d.Abandon = d.Abandon || abandon
	return d
}

func codeNote(o Observation) string {
	if o.Code != "" {
		return " (error " + o.Code + ")"
	}
	return ""
}

// holdReason says in plain words why a capture was refused and what to do.
func holdReason(o Observation) string {
	switch o.Status {
	case 401, 403:
		return i18n.Key("Vipps MobilePay refused the capture: the API keys were not accepted. Check the API keys in the settings; Kasse keeps trying and captures as soon as they work.")
	}
	// Journaled in English; the till translates the sentence without a code.
	if o.Code != "" {
		return i18n.M("Vipps MobilePay refused the capture (error {{.Code}}). The payment stays approved; Kasse keeps trying.", "Code", o.Code).String()
	}
	return i18n.Key("Vipps MobilePay refused the capture. The payment stays approved; Kasse keeps trying.")
}

// RefusalMessage says in plain words why Vipps MobilePay refused a payment
// request, and what the cashier can do (in English, as journaled).
func RefusalMessage(code, detail string) string { return RefusalMsg(code).String() }

// RefusalMsg is RefusalMessage as a translatable message.
func RefusalMsg(code string) i18n.Msg {
	switch code {
	case "7010":
		return i18n.M("This customer cannot pay this shop with Vipps MobilePay. Ask for another number or another way to pay.")
	case "4070", "4060":
		return i18n.M("Vipps MobilePay did not accept the customer's number or QR. Check it and try again.")
	case "5080":
		return i18n.M("This shop cannot send payment requests to customers' phones (error 5080). Show the QR code for the customer to scan instead; nothing was charged.")
	case "":
		return i18n.M("Vipps MobilePay refused the payment. Nothing was charged. The basket is kept.")
	}
	return i18n.M("Vipps MobilePay refused the payment (error {{.Code}}). Nothing was charged. The basket is kept.", "Code", code)
}
