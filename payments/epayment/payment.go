package epayment

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
)

const pathPayments = "/epayment/v1/payments"

// referencePattern is the spec's reference pattern. The live API allows 64
// characters; 50 keeps a reference valid under both.
var referencePattern = regexp.MustCompile(`^[a-zA-Z0-9-]{8,50}$`)

// maxIdempotencyKey is the spec's maxLength of Idempotency-Key.
const maxIdempotencyKey = 50

func checkReference(reference string) error {
	if !referencePattern.MatchString(reference) {
		return fmt.Errorf("%w: reference %q is not 8 to 50 letters, digits and dashes", ErrInvalid, reference)
	}
	return nil
}

// checkIdemKey refuses an idempotency key the API would not accept, or that the
// client would have to change to send: the key is sent exactly as given.
func checkIdemKey(key string) error {
	if key == "" {
		return fmt.Errorf("%w: empty idempotency key; take it from the journal", ErrInvalid)
	}
	if len(key) > maxIdempotencyKey || !visibleASCII(key) {
		return fmt.Errorf("%w: idempotency key %q is not 1 to %d visible ASCII characters", ErrInvalid, key, maxIdempotencyKey)
	}
	return nil
}

// paymentPath is the path of a payment, or of one of its sub-resources.
func paymentPath(reference, sub string) string {
	p := pathPayments + "/" + url.PathEscape(reference)
	if sub != "" {
		p += "/" + sub
	}
	return p
}

// CreatePayment asks the customer to pay (POST /epayment/v1/payments). idemKey
// must be the key the journal stored with the sale before the call; it is sent
// unchanged on every retry. A till sends UserFlow FlowPushMessage with a
// Customer, or FlowQR, with CustomerInteraction CustomerPresent and a Receipt.
//
// If the error wraps ErrOutcomeUnknown (a timeout, a dropped connection, a
// 5xx), the payment may exist: call CreatePayment again with the same key and
// request, or GetPayment, before giving up on the sale. A 409 (ErrConflict)
// means the reference or key was used before with another request.
func (c *Client) CreatePayment(ctx context.Context, idemKey string, req CreatePaymentRequest) (*CreatePaymentResponse, error) {
	if err := checkIdemKey(idemKey); err != nil {
		return nil, err
	}
	if err := checkReference(req.Reference); err != nil {
		return nil, err
	}
	var out CreatePaymentResponse
	if err := c.do(ctx, http.MethodPost, pathPayments, idemKey, req, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// GetPayment reads a payment's state and its aggregate: the truth to fall back
// on after a timeout, a restart, or a webhook that did not come. Mind the rate
// limit of 120 reads per minute per payment: poll every 1–2 s, not faster.
func (c *Client) GetPayment(ctx context.Context, reference string) (*Payment, error) {
	if err := checkReference(reference); err != nil {
		return nil, err
	}
	var out Payment
	if err := c.do(ctx, http.MethodGet, paymentPath(reference, ""), "", nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// GetEvents reads a payment's event log, oldest first as the API sends it.
func (c *Client) GetEvents(ctx context.Context, reference string) ([]PaymentEvent, error) {
	if err := checkReference(reference); err != nil {
		return nil, err
	}
	var out []PaymentEvent
	if err := c.do(ctx, http.MethodGet, paymentPath(reference, "events"), "", nil, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// ForceApprove approves a payment as the customer would, through the test
// environment's POST /epayment/v1/test/payments/{reference}/approve (the
// simulator answers it too). The production API refuses it, and so does the
// client, before sending anything, when BaseURL is ProductionURL.
//
// It has no idempotency key and is not retried once it may have reached the
// API.
func (c *Client) ForceApprove(ctx context.Context, reference string, req ForceApproveRequest) error {
	if err := checkReference(reference); err != nil {
		return err
	}
	if c.base == ProductionURL {
		return fmt.Errorf("%w: ForceApprove is for the test environment only", ErrInvalid)
	}
	return c.do(ctx, http.MethodPost, "/epayment/v1/test/payments/"+url.PathEscape(reference)+"/approve", "", req, nil)
}
