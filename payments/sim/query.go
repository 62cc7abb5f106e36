package sim

import (
	"net/http"

	"github.com/kasse-pos/kasse/payments/epayment"
)

// getPayment answers GET /epayment/v1/payments/{reference}.
func (s *Sim) getPayment(c call) *answer {
	p, a := s.pathPayment(c)
	if a != nil {
		return a
	}
	return jsonAnswer(http.StatusOK, ctJSON, p.view())
}

// getEvents answers GET /epayment/v1/payments/{reference}/events.
func (s *Sim) getEvents(c call) *answer {
	p, a := s.pathPayment(c)
	if a != nil {
		return a
	}
	return jsonAnswer(http.StatusOK, ctJSON, append([]epayment.PaymentEvent{}, p.events...))
}
