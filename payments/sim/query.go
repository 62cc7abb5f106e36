package sim

import (
	"net/http"

	"github.com/kasse-pos/kasse/payments/epayment"
)

// getPayment answers GET /epayment/v1/payments/{reference}.
func (s *Sim) getPayment(c call) *answer {
	p := s.payments[paymentKey(c.msn, c.r.PathValue("reference"))]
	if p == nil {
		return notFound(c.r)
	}
	return jsonAnswer(http.StatusOK, ctJSON, p.view())
}

// getEvents answers GET /epayment/v1/payments/{reference}/events.
func (s *Sim) getEvents(c call) *answer {
	p := s.payments[paymentKey(c.msn, c.r.PathValue("reference"))]
	if p == nil {
		return notFound(c.r)
	}
	return jsonAnswer(http.StatusOK, ctJSON, append([]epayment.PaymentEvent{}, p.events...))
}
