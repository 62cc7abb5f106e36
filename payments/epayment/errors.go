package epayment

import (
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"
)

// Sentinel kinds of error. An *APIError unwraps to the one that matches its HTTP
// status, so callers can write errors.Is(err, epayment.ErrNotFound) and still
// get the details with errors.As.
var (
	// ErrUnauthorized: 401, a missing, wrong or expired token or wrong keys.
	ErrUnauthorized = errors.New("epayment: unauthorized")
	// ErrForbidden: 403, the product or feature is not enabled for the sales unit.
	ErrForbidden = errors.New("epayment: forbidden")
	// ErrNotFound: 404, no payment (or webhook) with that id.
	ErrNotFound = errors.New("epayment: not found")
	// ErrConflict: 409, the reference or idempotency key was already used with
	// another request, or the payment's state forbids the operation.
	ErrConflict = errors.New("epayment: conflict")
	// ErrRateLimited: 429, too many calls; see APIError.RetryAfter.
	ErrRateLimited = errors.New("epayment: rate limited")
	// ErrServer: a 5xx answer. The outcome of a write is unknown.
	ErrServer = errors.New("epayment: server error")
	// ErrInvalid: the request was refused as it stands, by the API (400 and the
	// other 4xx without a kind of their own) or by the client before sending it
	// (an empty idempotency key, a malformed reference, a bad Config). Nothing
	// was done; sending it again unchanged cannot succeed.
	ErrInvalid = errors.New("epayment: invalid request")
	// ErrOutcomeUnknown marks a failed write that may nevertheless have been
	// carried out: a timeout, a dropped connection or a 5xx, on this attempt or
	// an earlier one of the same call. It is never a refusal. Call again with
	// the same idempotency key and body, or GET the payment, to learn the truth.
	ErrOutcomeUnknown = errors.New("epayment: outcome unknown, retry with the same idempotency key or GET the payment")
)

// APIError is an error answer of the Vipps MobilePay API, decoded from its RFC
// 7807 problem+json body (or application/json, which some APIs send).
//
// Branch on Status and Code, never on Title: titles change over time.
type APIError struct {
	Status   int    // HTTP status
	Title    string // short summary from the body, or the HTTP status text
	Detail   string // what went wrong this time
	Instance string // the path the API says failed
	TraceID  string // quote it to Vipps MobilePay support
	// Code is the Vipps error code from extraDetails (name "ErrorCode"), e.g.
	// "6080" (capture before authorization). Empty for validation errors,
	// which name the offending field in Extra instead.
	Code  string
	Extra []ExtraDetail
	// RetryAfter is the answer's Retry-After header (seconds or HTTP date);
	// zero if absent.
	RetryAfter time.Duration
}

// Error returns a plain one-line description with the API's title, detail,
// error code and trace id.
func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "vipps: HTTP %d", e.Status)
	if e.Title != "" {
		b.WriteString(": " + e.Title)
	}
	if e.Detail != "" && e.Detail != e.Title {
		b.WriteString(": " + e.Detail)
	}
	for _, x := range e.Extra {
		if !strings.EqualFold(x.Name, "ErrorCode") {
			fmt.Fprintf(&b, "; %s: %s", x.Name, x.Reason)
		}
	}
	if e.Code != "" {
		b.WriteString(" (code " + e.Code + ")")
	}
	if e.TraceID != "" {
		b.WriteString(" [traceId " + e.TraceID + "]")
	}
	return b.String()
}

// retryableCodes are the Vipps error codes that ask for the same call again:
// 6160 another operation is in progress, 6250 the payment is being processed,
// 6260 funds not yet available, 6280 a transient failure.
var retryableCodes = map[string]bool{"6160": true, "6250": true, "6260": true, "6280": true}

// Retryable reports whether the same call, with the same idempotency key, may
// succeed later: a 5xx, 423 (locked), 429 (rate limited), or one of the Vipps
// codes 6160, 6250, 6260 and 6280. The client has already retried these as far
// as its RetryPolicy allows.
func (e *APIError) Retryable() bool {
	return e.Status >= 500 || e.Status == http.StatusLocked ||
		e.Status == http.StatusTooManyRequests || retryableCodes[e.Code]
}

// Unwrap returns the sentinel kind of the error's status, for errors.Is: a 423
// has none (it means "busy, try again"), and neither has a status outside 4xx
// and 5xx.
func (e *APIError) Unwrap() error {
	switch {
	case e.Status == http.StatusUnauthorized:
		return ErrUnauthorized
	case e.Status == http.StatusForbidden:
		return ErrForbidden
	case e.Status == http.StatusNotFound:
		return ErrNotFound
	case e.Status == http.StatusConflict:
		return ErrConflict
	case e.Status == http.StatusTooManyRequests:
		return ErrRateLimited
	case e.Status == http.StatusLocked:
		return nil
	case e.Status >= 500:
		return ErrServer
	case e.Status >= 400:
		return ErrInvalid
	}
	return nil
}

// maxErrorText bounds how much of a body that is not problem+json goes into
// APIError.Detail.
const maxErrorText = 200

// decodeError builds the *APIError of a non-2xx answer whose body is data.
func decodeError(resp *http.Response, data []byte, now time.Time) *APIError {
	e := &APIError{Status: resp.StatusCode}
	var p Problem
	if isJSON(resp.Header.Get("Content-Type"), data) && json.Unmarshal(data, &p) == nil {
		e.Title, e.Detail, e.Instance, e.TraceID = p.Title, p.Detail, p.Instance, p.TraceID
		e.Extra = p.ExtraDetails
		for _, x := range p.ExtraDetails {
			if strings.EqualFold(x.Name, "ErrorCode") {
				e.Code = x.Reason
				break
			}
		}
	} else if text := strings.TrimSpace(string(data)); text != "" && utf8.ValidString(text) {
		if len(text) > maxErrorText {
			text = text[:maxErrorText] + "…"
		}
		e.Detail = text
	}
	if e.Title == "" {
		e.Title = http.StatusText(resp.StatusCode)
	}
	e.RetryAfter = parseRetryAfter(resp.Header.Get("Retry-After"), now)
	return e
}

// isJSON reports whether an answer is JSON: application/json,
// application/problem+json or any other +json type, or, without a
// Content-Type, a body that looks like a JSON object or array.
func isJSON(contentType string, data []byte) bool {
	if contentType == "" {
		s := strings.TrimSpace(string(data))
		return strings.HasPrefix(s, "{") || strings.HasPrefix(s, "[")
	}
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return false
	}
	return mt == "application/json" || strings.HasSuffix(mt, "+json")
}
