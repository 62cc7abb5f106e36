package payment

import (
	"fmt"
	"testing"

	"github.com/kasse-pos/kasse/app/journal"
	"github.com/kasse-pos/kasse/payments/epayment"
)

var allStates = []journal.State{
	journal.StateNew, journal.StateCreating, journal.StateRequested, journal.StateAuthorized,
	journal.StateCapturing, journal.StateCaptured, journal.StateCancelling, journal.StateReleasing,
	journal.StateCancelled, journal.StateAborted, journal.StateExpired, journal.StateTerminated, journal.StateFailed,
}

// allObservations is one of each kind of observation, with the variants that
// matter: every call for the answers, every payment state, every event.
func allObservations() []Observation {
	var obs []Observation
	obs = append(obs, Observation{Kind: ObsStart}, Observation{Kind: ObsStart, Fresh: true})
	for _, a := range []journal.Action{journal.ActCreate, journal.ActCapture, journal.ActCancel, journal.ActRelease, journal.ActLookup} {
		obs = append(obs,
			Observation{Kind: ObsAnswer, Action: a, Captured: 1000},
			Observation{Kind: ObsAnswer, Action: a},
			Observation{Kind: ObsRefused, Action: a, Status: 400, Code: "1234"},
			Observation{Kind: ObsRefused, Action: a, Status: 401},
			Observation{Kind: ObsRefused, Action: a, Status: 409, Code: "6060"},
			Observation{Kind: ObsNoAnswer, Action: a},
			Observation{Kind: ObsNotFound, Action: a},
		)
	}
	for _, st := range []epayment.State{epayment.StateCreated, epayment.StateAuthorized, epayment.StateAborted, epayment.StateExpired, epayment.StateTerminated} {
		obs = append(obs, Observation{Kind: ObsPayment, PaymentState: st, Authorized: 1000})
	}
	obs = append(obs,
		Observation{Kind: ObsPayment, PaymentState: epayment.StateAuthorized, Authorized: 1000, Captured: 1000},
		Observation{Kind: ObsPayment, PaymentState: epayment.StateAuthorized, Authorized: 1000, Cancelled: 1000},
	)
	for _, ev := range []epayment.EventName{epayment.EventCreated, epayment.EventAuthorized, epayment.EventAborted, epayment.EventExpired,
		epayment.EventCancelled, epayment.EventCaptured, epayment.EventRefunded, epayment.EventTerminated} {
		obs = append(obs, Observation{Kind: ObsEvent, Event: ev, Success: true}, Observation{Kind: ObsEvent, Event: ev})
	}
	obs = append(obs, Observation{Kind: ObsCashierCancel}, Observation{Kind: ObsSupersede}, Observation{Kind: ObsRetry}, Observation{Kind: ObsTick})
	return obs
}

func (o Observation) String() string {
	return fmt.Sprintf("%s{%s %s %s/%v st=%d code=%s cap=%d canc=%d fresh=%v}", o.Kind, o.Action, o.PaymentState, o.Event, o.Success, o.Status, o.Code, o.Captured, o.Cancelled, o.Fresh)
}

// apiSaysNoMoney is an observation in which the API itself says the payment
// can never be captured.
func apiSaysNoMoney(o Observation) bool {
	switch o.Kind {
	case ObsPayment:
		return o.PaymentState == epayment.StateAborted || o.PaymentState == epayment.StateExpired ||
			o.PaymentState == epayment.StateTerminated || o.Cancelled > 0
	case ObsEvent:
		return o.Success && (o.Event == epayment.EventAborted || o.Event == epayment.EventExpired || o.Event == epayment.EventTerminated)
	}
	return false
}

// TestEveryStateAndObservation runs Next over every state × observation, for
// attempts on screen and not, abandoned and not, and checks the rules that
// keep money safe.
func TestEveryStateAndObservation(t *testing.T) {
	n := 0
	for _, st := range allStates {
		for _, abandon := range []bool{false, true} {
			for _, onScreen := range []bool{false, true} {
				for _, ob := range allObservations() {
					n++
					s := Snapshot{Reference: "r", State: st, Abandon: abandon, OnScreen: onScreen, Amount: 1000}
					d := Next(s, ob)
					name := fmt.Sprintf("%s abandon=%v screen=%v + %s → %+v", st, abandon, onScreen, ob, d)
					newState := d.State
					if newState == "" {
						newState = st
					}
					abandoned := abandon || d.Abandon
					if d.Do == DoCapture && abandoned {
						t.Errorf("%s: captures an attempt the till gave up", name)
					}
					if d.Do == DoCreate && st != journal.StateCreating && st != journal.StateNew {
						t.Errorf("%s: creates from %s", name, st)
					}
					if d.Do == DoStop && !newState.Final() {
						t.Errorf("%s: stops the owner of an unfinished payment", name)
					}
					if newState.Final() && d.Do != DoStop {
						t.Errorf("%s: keeps acting on a final payment", name)
					}
					if abandon && !d.Abandon && d.State != "" && d.State != st {
						// Abandon is never cleared: the snapshot keeps it.
					}
					// An approved payment ends without money only on the API's
					// word, never on a refused call, no answer or a 404.
					if (st == journal.StateCapturing || st == journal.StateAuthorized) && !abandon {
						if noMoney := newState == journal.StateCancelled || newState == journal.StateFailed ||
							newState == journal.StateReleasing || d.Do == DoRelease || d.Do == DoCancel; noMoney && !apiSaysNoMoney(ob) {
							t.Errorf("%s: an approved payment is given up without the API's word", name)
						}
					}
					// A captured or cancelled payment never moves again.
					if (st == journal.StateCaptured || st == journal.StateCancelled) && (d.State != "" || d.Do != DoStop) {
						t.Errorf("%s: a settled payment changes", name)
					}
					// An ended payment moves only to release an approval.
					if st.Final() && d.State != "" && d.State != journal.StateReleasing {
						t.Errorf("%s: an ended payment moves to %s", name, d.State)
					}
					// A request a cashier cancelled is withdrawn with
					// cancelTransactionOnly, never a full cancel.
					if ob.Kind == ObsCashierCancel && d.Do == DoRelease && !abandon {
						t.Errorf("%s: the cashier's cancel releases without the 6060 answer", name)
					}
				}
			}
		}
	}
	t.Logf("%d combinations checked", n)
}

func TestTransitions(t *testing.T) {
	cases := []struct {
		name    string
		s       Snapshot
		o       Observation
		state   journal.State
		do      Do
		abandon bool
		hold    bool
		unknown bool
	}{
		{"a new request is sent", Snapshot{State: journal.StateCreating}, Observation{Kind: ObsStart, Fresh: true}, "", DoCreate, false, false, false},
		{"recovery asks before resending", Snapshot{State: journal.StateCreating}, Observation{Kind: ObsStart}, "", DoLookup, false, false, false},
		{"created: wait for the customer", Snapshot{State: journal.StateCreating}, Observation{Kind: ObsAnswer, Action: journal.ActCreate}, journal.StateRequested, DoWait, false, false, false},
		{"create refused", Snapshot{State: journal.StateCreating}, Observation{Kind: ObsRefused, Action: journal.ActCreate, Status: 400, Code: "7010"}, journal.StateFailed, DoStop, false, false, false},
		{"create unanswered: ask", Snapshot{State: journal.StateCreating}, Observation{Kind: ObsNoAnswer, Action: journal.ActCreate}, "", DoLookup, false, false, false},
		{"unanswered and unknown on screen: keep it, offer Retry", Snapshot{State: journal.StateCreating, OnScreen: true}, Observation{Kind: ObsNotFound, Action: journal.ActLookup}, "", DoWait, false, false, true},
		{"unanswered and unknown after a restart: never reached Vipps", Snapshot{State: journal.StateCreating}, Observation{Kind: ObsNotFound, Action: journal.ActLookup}, journal.StateFailed, DoStop, false, false, false},
		{"resumed on screen after a restart, unknown to Vipps: never reached it", Snapshot{State: journal.StateCreating, OnScreen: true, Recovered: true}, Observation{Kind: ObsNotFound, Action: journal.ActLookup}, journal.StateFailed, DoStop, false, false, false},
		{"Retry resends under the same key", Snapshot{State: journal.StateCreating, OnScreen: true, Unknown: true}, Observation{Kind: ObsRetry}, "", DoCreate, false, false, false},
		{"unknown, then approved late: capture", Snapshot{State: journal.StateCreating, OnScreen: true, Unknown: true}, Observation{Kind: ObsEvent, Event: epayment.EventAuthorized, Success: true}, journal.StateCapturing, DoCapture, false, false, false},
		{"unknown, cashier moves on: withdraw", Snapshot{State: journal.StateCreating, OnScreen: true, Unknown: true}, Observation{Kind: ObsSupersede}, journal.StateCancelling, DoCancel, true, false, true},
		{"approval by webhook: capture", Snapshot{State: journal.StateRequested}, Observation{Kind: ObsEvent, Event: epayment.EventAuthorized, Success: true}, journal.StateCapturing, DoCapture, false, false, false},
		{"approval by poll: capture", Snapshot{State: journal.StateRequested, OnScreen: true}, Observation{Kind: ObsPayment, PaymentState: epayment.StateAuthorized}, journal.StateCapturing, DoCapture, false, false, false},
		{"tick polls", Snapshot{State: journal.StateRequested}, Observation{Kind: ObsTick}, "", DoLookup, false, false, false},
		{"declined", Snapshot{State: journal.StateRequested}, Observation{Kind: ObsEvent, Event: epayment.EventAborted, Success: true}, journal.StateAborted, DoStop, false, false, false},
		{"expired", Snapshot{State: journal.StateRequested}, Observation{Kind: ObsPayment, PaymentState: epayment.StateExpired}, journal.StateExpired, DoStop, false, false, false},
		{"terminated", Snapshot{State: journal.StateRequested}, Observation{Kind: ObsEvent, Event: epayment.EventTerminated, Success: true}, journal.StateCancelled, DoStop, false, false, false},
		{"a failed event makes the till ask", Snapshot{State: journal.StateRequested}, Observation{Kind: ObsEvent, Event: epayment.EventAuthorized}, "", DoLookup, false, false, false},
		{"recovered request still waiting, nobody there: withdraw", Snapshot{State: journal.StateRequested}, Observation{Kind: ObsPayment, PaymentState: epayment.StateCreated}, journal.StateCancelling, DoCancel, true, false, false},
		{"resumed request still waiting: keep waiting", Snapshot{State: journal.StateRequested, OnScreen: true}, Observation{Kind: ObsPayment, PaymentState: epayment.StateCreated}, "", DoWait, false, false, false},
		{"cashier cancels: cancelTransactionOnly", Snapshot{State: journal.StateRequested, OnScreen: true}, Observation{Kind: ObsCashierCancel}, journal.StateCancelling, DoCancel, true, false, false},
		{"cancel done", Snapshot{State: journal.StateCancelling, Abandon: true}, Observation{Kind: ObsAnswer, Action: journal.ActCancel}, journal.StateCancelled, DoStop, false, false, false},
		{"cancel met an approval (6060): release", Snapshot{State: journal.StateCancelling, Abandon: true}, Observation{Kind: ObsRefused, Action: journal.ActCancel, Status: 409, Code: "6060"}, journal.StateReleasing, DoRelease, true, false, false},
		{"approval while cancelling: release", Snapshot{State: journal.StateCancelling, Abandon: true}, Observation{Kind: ObsEvent, Event: epayment.EventAuthorized, Success: true}, journal.StateReleasing, DoRelease, true, false, false},
		{"cancel of a payment that never landed", Snapshot{State: journal.StateCancelling, Abandon: true}, Observation{Kind: ObsNotFound, Action: journal.ActCancel}, journal.StateFailed, DoStop, false, false, false},
		{"cancel unanswered: again, after a pause", Snapshot{State: journal.StateCancelling, Abandon: true}, Observation{Kind: ObsNoAnswer, Action: journal.ActCancel}, "", DoCancel, false, false, false},
		{"release done", Snapshot{State: journal.StateReleasing, Abandon: true}, Observation{Kind: ObsAnswer, Action: journal.ActRelease}, journal.StateCancelled, DoStop, false, false, false},
		{"captured", Snapshot{State: journal.StateCapturing, Amount: 1000}, Observation{Kind: ObsAnswer, Action: journal.ActCapture, Captured: 1000}, journal.StateCaptured, DoStop, false, false, false},
		{"capture unanswered: again under the same key", Snapshot{State: journal.StateCapturing, Amount: 1000}, Observation{Kind: ObsNoAnswer, Action: journal.ActCapture}, "", DoCapture, false, false, false},
		{"capture refused (keys): hold, never release", Snapshot{State: journal.StateCapturing, Amount: 1000}, Observation{Kind: ObsRefused, Action: journal.ActCapture, Status: 401}, "", DoLookup, false, true, false},
		{"held and still approved: capture again", Snapshot{State: journal.StateCapturing, Amount: 1000, Hold: "keys"}, Observation{Kind: ObsPayment, PaymentState: epayment.StateAuthorized}, "", DoCapture, false, true, false},
		{"held, lookup refused too: capture again later", Snapshot{State: journal.StateCapturing, Amount: 1000, Hold: "keys"}, Observation{Kind: ObsRefused, Action: journal.ActLookup, Status: 401}, "", DoCapture, false, true, false},
		{"captured already (the API says)", Snapshot{State: journal.StateCapturing, Amount: 1000, Hold: "x"}, Observation{Kind: ObsPayment, PaymentState: epayment.StateAuthorized, Captured: 1000}, journal.StateCaptured, DoStop, false, false, false},
		{"released in the portal", Snapshot{State: journal.StateCapturing, Amount: 1000}, Observation{Kind: ObsPayment, PaymentState: epayment.StateAuthorized, Cancelled: 1000}, journal.StateCancelled, DoStop, false, false, false},
		{"cashier cancel after approval changes nothing", Snapshot{State: journal.StateCapturing, Amount: 1000}, Observation{Kind: ObsCashierCancel}, "", DoWait, false, false, false},
		{"recovery resends the capture", Snapshot{State: journal.StateCapturing, Amount: 1000}, Observation{Kind: ObsStart}, "", DoCapture, false, false, false},
		{"recovery resends the cancel", Snapshot{State: journal.StateCancelling, Abandon: true}, Observation{Kind: ObsStart}, "", DoCancel, false, false, false},
		{"an ended request approved late is released", Snapshot{State: journal.StateFailed, Abandon: true}, Observation{Kind: ObsEvent, Event: epayment.EventAuthorized, Success: true}, journal.StateReleasing, DoRelease, true, false, false},
		{"a captured payment stays captured", Snapshot{State: journal.StateCaptured}, Observation{Kind: ObsEvent, Event: epayment.EventAuthorized, Success: true}, "", DoStop, false, false, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.s.Amount == 0 {
				c.s.Amount = 1000
			}
			d := Next(c.s, c.o)
			if d.State != c.state || d.Do != c.do || d.Abandon != c.abandon || (d.Hold != "") != c.hold || d.Unknown != c.unknown {
				t.Errorf("Next(%+v, %s) = %+v; want state %q do %s abandon %v hold %v unknown %v", c.s, c.o, d, c.state, c.do, c.abandon, c.hold, c.unknown)
			}
		})
	}
}

func TestHoldSaysWhatToDo(t *testing.T) {
	d := Next(Snapshot{State: journal.StateCapturing, Amount: 1000}, Observation{Kind: ObsRefused, Action: journal.ActCapture, Status: 403})
	if got := Message(Snapshot{State: journal.StateCapturing, Hold: d.Hold}); got != d.Hold || !contains(got, "API keys") {
		t.Errorf("hold message %q; want one that names the API keys", got)
	}
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}
