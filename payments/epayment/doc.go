// Package epayment is the Vipps MobilePay ePayment API as Kasse uses it: the wire
// types of ../contract/vipps/epayment.v1.yaml (plus the access token, Webhooks and
// QR exchange calls a till needs) and a Client that sends them.
//
// The simulator (payments/sim) answers with these same types, so the till and the
// simulator can never drift apart without a contract test failing.
//
// # Outcomes
//
// Every call returns either a result, or an error of one of two kinds:
//
//   - A refusal: the API answered with a 4xx, or the client refused the call
//     before sending it (errors.Is(err, ErrInvalid) with no *APIError). Nothing
//     happened; errors.As(err, &apiErr) gives the status and the Vipps code.
//   - An unknown outcome: errors.Is(err, ErrOutcomeUnknown). A write may or may
//     not have been carried out (a timeout, a dropped connection, a 5xx). This is
//     never a failure: call again with the same idempotency key and the same
//     body, or GET the payment, before telling the cashier anything.
//
// Idempotency keys come from the caller (the till writes them to its journal
// before the call) and are sent unchanged on every retry.
package epayment
