package sim

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/kasse-pos/kasse/payments/epayment"
)

// The simulated customer's phone answers a push request after ApproveDelay,
// deciding by the last digit of the customer's phone number (for a personal QR,
// of the number it stands for):
const (
	// DeclineDigit: a number ending in it declines (the payment is ABORTED).
	DeclineDigit = '0'
	// NoAnswerDigit: a number ending in it never answers (the payment EXPIRES).
	NoAnswerDigit = '9'
)

// Example phone numbers (MSISDN) for each answer of the simulated customer.
const (
	PhoneApproves     = "4712345678"
	PhoneDeclines     = "4712345670"
	PhoneNeverAnswers = "4712345679"
)

// customerAnswer is what the simulated phone will do with a request.
type customerAnswer int

const (
	willApprove customerAnswer = iota
	willDecline
	willIgnore
)

// answerOf decides by the last digit; payments without a known number (QR
// flow, customer token) are approved, as if the customer scanned and accepted.
func answerOf(msisdn string) customerAnswer {
	switch {
	case strings.HasSuffix(msisdn, string(DeclineDigit)):
		return willDecline
	case strings.HasSuffix(msisdn, string(NoAnswerDigit)):
		return willIgnore
	}
	return willApprove
}

// scheduleCustomer starts the simulated phone for a new payment. Call with
// s.mu held.
func (s *Sim) scheduleCustomer(p *payment) {
	if s.cfg.ManualCustomer {
		return
	}
	answer, delay := s.answerFor(p)
	switch answer {
	case willApprove:
		// The same step the approve endpoint takes; a person with the
		// test-phone page open answers instead.
		s.after(p, delay, func() {
			if !s.phoneActive() {
				s.approve(p, nil, "")
			}
		})
	case willDecline:
		s.after(p, delay, func() {
			if !s.phoneActive() {
				s.abortPayment(p)
			}
		})
	}
}

// approveError is why a payment could not be approved, with the test
// environment's error code.
type approveError struct {
	status int
	code   string
	msg    string
}

func (e *approveError) Error() string { return "sim: approve: " + e.msg }

// approve is the customer accepting a payment: the simulated phone, the
// approve endpoint and Sim.Approve all come here. customer and token are the
// approve call's optional identification. Call with s.mu held.
func (s *Sim) approve(p *payment, customer *epayment.Customer, token string) *approveError {
	if token != "" && token != p.approveTok {
		return &approveError{http.StatusBadRequest, "10010", "the token is not the one in this payment's redirectUrl"}
	}
	if customer != nil && customer.PhoneNumber != "" && p.msisdn != "" && customer.PhoneNumber != p.msisdn {
		return &approveError{http.StatusBadRequest, "10010", "the payment was sent to another customer"}
	}
	if p.state != epayment.StateCreated {
		return &approveError{http.StatusBadRequest, CodeApproveNotAllowed, "the payment is " + string(p.state) + ", not CREATED"}
	}
	s.authorizePayment(p)
	return nil
}

// forceApprove answers POST /epayment/v1/test/payments/{reference}/approve.
func (s *Sim) forceApprove(c call) *answer {
	var req epayment.ForceApproveRequest
	if len(c.body) > 0 {
		if a := decode(c, &req); a != nil {
			return a
		}
	}
	p, a := s.pathPayment(c)
	if a != nil {
		return a
	}
	if err := s.approve(p, req.Customer, req.Token); err != nil {
		return problem(c.r, err.status, err.code, "Approve failed", err.msg)
	}
	return &answer{status: http.StatusOK}
}

func notFound(r *http.Request) *answer {
	return problem(r, http.StatusNotFound, "", "Not Found", "No payment with reference "+r.PathValue("reference")+" for this merchant.")
}

// lookup finds a payment for the Go-side customer controls. Call with s.mu held.
func (s *Sim) lookup(msn, reference string) (*payment, error) {
	if s.closed {
		return nil, ErrClosed
	}
	p := s.payments[paymentKey(msn, reference)]
	if p == nil {
		return nil, fmt.Errorf("sim: no payment %s for merchant %s", reference, msn)
	}
	return p, nil
}

// Approve makes the customer accept a CREATED payment now, exactly as the
// approve endpoint does. It is how a test with ManualCustomer plays the phone.
func (s *Sim) Approve(msn, reference string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, err := s.lookup(msn, reference)
	if err != nil {
		return err
	}
	if err := s.approve(p, nil, ""); err != nil {
		return err
	}
	return nil
}

// Decline makes the customer reject a CREATED payment now (state ABORTED).
func (s *Sim) Decline(msn, reference string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, err := s.lookup(msn, reference)
	if err != nil {
		return err
	}
	if !s.abortPayment(p) {
		return fmt.Errorf("sim: decline %s: the payment is %s, not CREATED", reference, p.state)
	}
	return nil
}

// Expire lets a CREATED payment time out now (state EXPIRED), without waiting
// for ExpireAfter.
func (s *Sim) Expire(msn, reference string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, err := s.lookup(msn, reference)
	if err != nil {
		return err
	}
	if !s.expirePayment(p) {
		return fmt.Errorf("sim: expire %s: the payment is %s, not CREATED", reference, p.state)
	}
	return nil
}
