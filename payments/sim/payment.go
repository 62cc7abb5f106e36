package sim

import (
	"crypto/rand"
	"math/big"
	"time"

	"github.com/kasse-pos/kasse/payments/epayment"
	"github.com/kasse-pos/kasse/payments/webhook"
)

// payment is one payment as the simulator holds it. All fields are guarded by
// Sim.mu.
type payment struct {
	msn         string
	req         epayment.CreatePaymentRequest
	msisdn      string // the customer's phone, "" when not known (QR, token)
	approveTok  string // the token in redirectUrl, for approve {"token":…}
	redirectURL string
	state       epayment.State
	psp         string
	agg         epayment.Aggregate
	captures    int
	events      []epayment.PaymentEvent
	timers      []Timer
}

func paymentKey(msn, reference string) string { return msn + "/" + reference }

// remaining is what is authorized and neither captured nor cancelled.
func (p *payment) remaining() int64 {
	return p.agg.AuthorizedAmount.Value - p.agg.CapturedAmount.Value - p.agg.CancelledAmount.Value
}

func (p *payment) stopTimers() {
	for _, t := range p.timers {
		t.Stop()
	}
	p.timers = nil
}

func (p *payment) view() epayment.Payment {
	return epayment.Payment{
		Aggregate:     p.agg,
		Amount:        p.req.Amount,
		State:         p.state,
		PaymentMethod: epayment.PaymentMethod{Type: p.req.PaymentMethod.Type},
		PSPReference:  p.psp,
		Reference:     p.req.Reference,
		RedirectURL:   p.redirectURL,
		Metadata:      p.req.Metadata,
	}
}

func (p *payment) modification() epayment.ModificationResponse {
	return epayment.ModificationResponse{
		Amount:       p.req.Amount,
		State:        p.state,
		Aggregate:    p.agg,
		PSPReference: p.psp,
		Reference:    p.req.Reference,
	}
}

// pspReference is a numeric id like the ones Vipps hands out.
func pspReference() string {
	n, _ := rand.Int(rand.Reader, big.NewInt(9e17))
	return n.Add(n, big.NewInt(1e17)).String()
}

// record appends an event to the payment's log and queues its webhook to every
// registration of the merchant that subscribed to it. Call with s.mu held.
func (s *Sim) record(p *payment, name epayment.EventName, amount int64, idemKey string) {
	ev := epayment.PaymentEvent{
		Reference:    p.req.Reference,
		PSPReference: pspReference(),
		Name:         name,
		Amount:       epayment.Amount{Currency: p.req.Amount.Currency, Value: amount},
		Timestamp:    s.clock.Now().UTC(),
		Success:      true,
	}
	if idemKey != "" {
		k := idemKey
		ev.IdempotencyKey = &k
	}
	if name == epayment.EventCreated {
		p.psp = ev.PSPReference
	}
	p.events = append(p.events, ev)
	s.log.Info("payment event", "msn", p.msn, "reference", p.req.Reference, "event", name, "amount", amount, "state", p.state)

	wh := webhook.Event{
		MSN:            p.msn,
		Reference:      ev.Reference,
		PSPReference:   ev.PSPReference,
		Name:           ev.Name,
		Amount:         ev.Amount,
		Timestamp:      ev.Timestamp,
		IdempotencyKey: ev.IdempotencyKey,
		Success:        true,
	}
	typ := webhook.Type(name)
	for _, r := range s.regOrder {
		if r.msn == p.msn && r.wants(typ) {
			s.enqueue(r, wh)
		}
	}
}

// after runs f under s.mu once d has passed on the simulator's clock, unless
// the Sim has been closed by then.
func (s *Sim) after(p *payment, d time.Duration, f func()) {
	p.timers = append(p.timers, s.clock.AfterFunc(d, func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.closed {
			return
		}
		f()
	}))
}

// The state changes of the customer's side. Each is a no-op unless the payment
// is still CREATED, so a late timer can never undo a cancel or an approval.

// answerPayment is the customer's answer to a waiting payment (or its
// expiry): it moves a CREATED payment to state, records the event, and
// reports whether anything changed.
func (s *Sim) answerPayment(p *payment, state epayment.State, ev epayment.EventName) bool {
	if p.state != epayment.StateCreated {
		return false
	}
	p.stopTimers()
	p.state = state
	if state == epayment.StateAuthorized {
		p.agg.AuthorizedAmount = p.req.Amount
	}
	s.record(p, ev, p.req.Amount.Value, "")
	return true
}

func (s *Sim) authorizePayment(p *payment) bool {
	return s.answerPayment(p, epayment.StateAuthorized, epayment.EventAuthorized)
}

func (s *Sim) abortPayment(p *payment) bool {
	return s.answerPayment(p, epayment.StateAborted, epayment.EventAborted)
}

func (s *Sim) expirePayment(p *payment) bool {
	return s.answerPayment(p, epayment.StateExpired, epayment.EventExpired)
}

// pathPayment finds the payment a request's {reference} names for its MSN,
// or the 404 answer.
func (s *Sim) pathPayment(c call) (*payment, *answer) {
	p := s.payments[paymentKey(c.msn, c.r.PathValue("reference"))]
	if p == nil {
		return nil, notFound(c.r)
	}
	return p, nil
}
