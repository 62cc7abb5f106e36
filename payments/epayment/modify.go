package epayment

import (
	"context"
	"net/http"
)

// Capture takes amount of an authorized payment (POST …/{reference}/capture).
// Each capture, partial ones included, needs its own idempotency key, stored in
// the journal before the call and sent unchanged on every retry.
//
// If the error wraps ErrOutcomeUnknown, the money may have been captured: call
// Capture again with the same key and amount, or read Payment.Aggregate with
// GetPayment. Vipps codes worth knowing (APIError.Code): 6080 not authorized
// yet, 6090 more than authorized, 6100 capture period over, 6140 partial
// capture not allowed.
func (c *Client) Capture(ctx context.Context, reference, idemKey string, amount Amount) (*ModificationResponse, error) {
	return c.modify(ctx, reference, "capture", idemKey, ModificationRequest{ModificationAmount: amount})
}

// Refund pays amount of a captured payment back (POST …/{reference}/refund),
// with its own idempotency key as for Capture. If the error wraps
// ErrOutcomeUnknown, retry with the same key and amount, or read the
// aggregate's refundedAmount. 6150: more than captured; 6220: over 365 days.
func (c *Client) Refund(ctx context.Context, reference, idemKey string, amount Amount) (*ModificationResponse, error) {
	return c.modify(ctx, reference, "refund", idemKey, ModificationRequest{ModificationAmount: amount})
}

// Cancel releases whatever of a payment is not captured (POST
// …/{reference}/cancel); it cannot be undone. Before authorization the payment
// ends TERMINATED, after it the state stays AUTHORIZED and cancelledAmount
// grows.
//
// With transactionOnly the body {"cancelTransactionOnly":true} asks the API to
// cancel only if the customer has not approved yet, and to refuse otherwise
// (APIError.Code 6060): a cashier's cancel then never races a fresh approval.
// Use it when the cashier aborts a waiting payment. If the error wraps
// ErrOutcomeUnknown, retry with the same key, or GetPayment.
func (c *Client) Cancel(ctx context.Context, reference, idemKey string, transactionOnly bool) (*ModificationResponse, error) {
	var body any // spec 1.4.1 has no body; send one only when it says something
	if transactionOnly {
		body = CancelRequest{CancelTransactionOnly: true}
	}
	return c.modify(ctx, reference, "cancel", idemKey, body)
}

// modify is the shared shape of capture, refund and cancel.
func (c *Client) modify(ctx context.Context, reference, op, idemKey string, body any) (*ModificationResponse, error) {
	if err := checkIdemKey(idemKey); err != nil {
		return nil, err
	}
	if err := checkReference(reference); err != nil {
		return nil, err
	}
	var out ModificationResponse
	if err := c.do(ctx, http.MethodPost, paymentPath(reference, op), idemKey, body, &out); err != nil {
		return nil, err
	}
	return &out, nil
}
