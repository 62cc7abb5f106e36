package sim

import (
	"net/http"

	"github.com/kasse-pos/kasse/payments/epayment"
)

// modified is the 200 answer of capture, refund and cancel. The spec declares
// its content type as application/problem+json, so that is what is sent.
func modified(p *payment) *answer {
	return jsonAnswer(http.StatusOK, ctProblemJSON, p.modification())
}

// modificationAmount decodes and checks the body of capture and refund.
func modificationAmount(c call, p *payment) (int64, *answer) {
	var req epayment.ModificationRequest
	if a := decode(c, &req); a != nil {
		return 0, a
	}
	m := req.ModificationAmount
	if m.Currency != p.req.Amount.Currency {
		return 0, invalid(c.r, "", "modificationAmount.currency", "The currency must be the payment's currency, "+string(p.req.Amount.Currency)+".")
	}
	if m.Value <= 0 || m.Value > maxAmount {
		return 0, invalid(c.r, CodeInvalidAmount, "modificationAmount.value", "The amount must be 1-65000000 minor units.")
	}
	return m.Value, nil
}

// capture answers POST …/capture: it moves money from authorized to captured.
func (s *Sim) capture(c call) *answer {
	p, a := s.pathPayment(c)
	if a != nil {
		return a
	}
	v, a := modificationAmount(c, p)
	if a != nil {
		return a
	}
	switch {
	case p.state == epayment.StateCreated:
		return problem(c.r, http.StatusBadRequest, CodeCaptureBeforeAuth, "Cannot capture before reservation",
			"The customer has not approved the payment yet; wait for AUTHORIZED.")
	case p.state != epayment.StateAuthorized:
		return problem(c.r, http.StatusBadRequest, CodeCannotCapture, "Payment cannot be captured", "The payment is "+string(p.state)+".")
	case p.remaining() == 0 && p.agg.CancelledAmount.Value > 0:
		return problem(c.r, http.StatusBadRequest, CodeCaptureCancelled, "Cannot capture a cancelled payment", "The rest of the payment was cancelled.")
	case v > p.remaining():
		return problem(c.r, http.StatusBadRequest, CodeCaptureTooHigh, "Capture amount too high",
			"At most "+itoa(p.remaining())+" can still be captured.")
	}
	p.agg.CapturedAmount.Value += v
	p.captures++
	s.record(p, epayment.EventCaptured, v, c.idemKey)
	return modified(p)
}

// refund answers POST …/refund: it returns captured money to the customer.
func (s *Sim) refund(c call) *answer {
	p, a := s.pathPayment(c)
	if a != nil {
		return a
	}
	v, a := modificationAmount(c, p)
	if a != nil {
		return a
	}
	refundable := p.agg.CapturedAmount.Value - p.agg.RefundedAmount.Value
	switch {
	case p.state == epayment.StateCreated:
		return problem(c.r, http.StatusBadRequest, CodeRefundBeforeAuth, "Attempted refund before reservation", "The payment is not authorized.")
	case p.state != epayment.StateAuthorized:
		return problem(c.r, http.StatusBadRequest, CodeCannotRefund, "Payment cannot be refunded", "The payment is "+string(p.state)+".")
	case v > refundable:
		return problem(c.r, http.StatusBadRequest, CodeRefundTooHigh, "Not enough refundable",
			"At most "+itoa(refundable)+" of the captured amount can still be refunded.")
	}
	p.agg.RefundedAmount.Value += v
	s.record(p, epayment.EventRefunded, v, c.idemKey)
	return modified(p)
}

// cancelPayment answers POST …/cancel. Before authorization the payment becomes
// TERMINATED; after, the part not captured is released (cancelledAmount). With
// the live API's {"cancelTransactionOnly":true} an authorized payment is left
// alone and the answer is 6060, so a cashier's cancel never voids a fresh
// approval. Cancelling what is already cancelled or terminated changes nothing
// and answers 200, so a till that lost an answer can simply ask again.
func (s *Sim) cancelPayment(c call) *answer {
	p, a := s.pathPayment(c)
	if a != nil {
		return a
	}
	var req epayment.CancelRequest
	if len(c.body) > 0 {
		if a := decode(c, &req); a != nil {
			return a
		}
	}
	switch p.state {
	case epayment.StateCreated:
		p.stopTimers()
		p.state = epayment.StateTerminated
		s.record(p, epayment.EventTerminated, p.req.Amount.Value, c.idemKey)
	case epayment.StateTerminated:
	case epayment.StateAborted, epayment.StateExpired:
		return problem(c.r, http.StatusBadRequest, CodeCancelNotReserved, "Cannot cancel a non-reserved payment", "The payment is "+string(p.state)+".")
	case epayment.StateAuthorized:
		switch {
		case req.CancelTransactionOnly:
			return problem(c.r, http.StatusBadRequest, CodeCancelAuthorized, "Cannot cancel authorized payment",
				"The customer has authorized the payment and cancelTransactionOnly was set; capture or cancel without it.")
		case p.remaining() > 0:
			left := p.remaining()
			p.agg.CancelledAmount.Value += left
			s.record(p, epayment.EventCancelled, left, c.idemKey)
		case p.agg.CancelledAmount.Value == 0:
			return problem(c.r, http.StatusBadRequest, CodeCancelCaptured, "Cannot cancel a captured payment", "The payment is fully captured; refund instead.")
		}
	}
	return modified(p)
}
