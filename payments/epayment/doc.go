// Package epayment is the Vipps MobilePay ePayment API as Kasse uses it: the wire
// types of ../contract/vipps/epayment.v1.yaml (plus the access token, Webhooks and
// QR exchange calls a till needs) and a Client that sends them.
//
// The simulator (payments/sim) answers with these same types, so the till and the
// simulator can never drift apart without a contract test failing.
//
// # Outcomes
//
// A call that fails returns one of three kinds of error. Test for
// ErrOutcomeUnknown first: it can wrap a 4xx that followed an uncertain try.
//
//   - A refusal: an *APIError with a 4xx Status (errors.As gives the Vipps
//     Code and TraceID), or a call the client refused before sending it
//     (errors.Is(err, ErrInvalid) and no *APIError). Nothing was done.
//   - An unknown outcome: errors.Is(err, ErrOutcomeUnknown), only ever on a
//     write. A timeout, a dropped connection or a 5xx, on the last attempt or
//     an earlier one, means the write may have been carried out. This is never
//     a failure: call again with the same idempotency key and the same body,
//     or GET the payment, before telling the cashier anything. It wraps the
//     last attempt's error, so errors.Is(err, context.DeadlineExceeded) and
//     errors.As(err, &apiErr) still work.
//   - A failed read (GET, or the QR exchange): a network error or a 5xx;
//     nothing changed, ask again.
//
// A context that is already done sends nothing and returns its error.
//
// The client has already retried what may pass (network errors, 5xx, 423,
// 429 and the Vipps codes 6160, 6250, 6260, 6280) as far as its RetryPolicy and
// the context allow.
//
// Idempotency keys come from the caller (the till writes them to its journal
// before the call) and are sent unchanged on every retry.
package epayment
