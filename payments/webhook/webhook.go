// Package webhook holds the ePayment webhook event and the HMAC scheme of the
// Vipps MobilePay Webhooks API. The simulator signs with it and the relay verifies
// with it; neither imports the other.
package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/kasse-pos/kasse/payments/epayment"
)

// Event is the body Vipps posts for an ePayment event (WebhookEvent in the spec).
type Event struct {
	MSN            string             `json:"msn"`
	Reference      string             `json:"reference"`
	PSPReference   string             `json:"pspReference"`
	Name           epayment.EventName `json:"name"`
	Amount         epayment.Amount    `json:"amount"`
	Timestamp      time.Time          `json:"timestamp"`
	IdempotencyKey *string            `json:"idempotencyKey,omitempty"`
	Success        bool               `json:"success"`
}

// Key identifies an event for duplicate suppression: Vipps retries deliver the
// same reference, name and pspReference again.
func (e Event) Key() string {
	return e.MSN + "|" + e.Reference + "|" + string(e.Name) + "|" + e.PSPReference
}

// Type is the Webhooks API event type an ePayment event name is registered as.
func Type(name epayment.EventName) string {
	switch name {
	case epayment.EventCreated:
		return "epayments.payment.created.v1"
	case epayment.EventAborted:
		return "epayments.payment.aborted.v1"
	case epayment.EventExpired:
		return "epayments.payment.expired.v1"
	case epayment.EventCancelled:
		return "epayments.payment.cancelled.v1"
	case epayment.EventCaptured:
		return "epayments.payment.captured.v1"
	case epayment.EventRefunded:
		return "epayments.payment.refunded.v1"
	case epayment.EventAuthorized:
		return "epayments.payment.authorized.v1"
	case epayment.EventTerminated:
		return "epayments.payment.terminated.v1"
	}
	return ""
}

// Header names of a signed delivery.
const (
	HeaderDate        = "x-ms-date"
	HeaderContentHash = "x-ms-content-sha256"
	authPrefix        = "HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature="
)

// Errors of Verify; each names what a forged or damaged delivery got wrong.
var (
	ErrContentHash = errors.New("webhook: body does not match x-ms-content-sha256")
	ErrSignature   = errors.New("webhook: signature does not match")
	ErrDate        = errors.New("webhook: x-ms-date missing or outside the replay window")
)

// ContentHash is base64(SHA-256(body)), the x-ms-content-sha256 value.
func ContentHash(body []byte) string {
	sum := sha256.Sum256(body)
	return base64.StdEncoding.EncodeToString(sum[:])
}

// Authorization computes the Authorization header value for a delivery of body
// to pathAndQuery on host at date, signed with secret (its UTF-8 bytes as the key).
func Authorization(secret, pathAndQuery, host, date, contentHash string) string {
	toSign := "POST\n" + pathAndQuery + "\n" + date + ";" + host + ";" + contentHash
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(toSign))
	return authPrefix + base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// Sign sets the three headers Vipps sends on a webhook delivery. The request's URL
// and Host must already be final.
func Sign(req *http.Request, body []byte, secret string, now time.Time) {
	date := now.UTC().Format(http.TimeFormat)
	hash := ContentHash(body)
	host := req.Host
	if host == "" {
		host = req.URL.Host
	}
	req.Header.Set(HeaderDate, date)
	req.Header.Set(HeaderContentHash, hash)
	req.Header.Set("Authorization", Authorization(secret, req.URL.RequestURI(), host, date, hash))
}

// Verify checks a received delivery: the body's hash, the date within window of
// now, and the HMAC over the registered URL's host and path, compared in constant
// time. host and pathAndQuery come from the URL registered with Vipps, not from
// the request, so a relay behind a reverse proxy verifies what Vipps signed.
// A zero window skips the date check.
func Verify(h http.Header, body []byte, secret, host, pathAndQuery string, now time.Time, window time.Duration) error {
	hash := h.Get(HeaderContentHash)
	if subtle.ConstantTimeCompare([]byte(hash), []byte(ContentHash(body))) != 1 {
		return ErrContentHash
	}
	date := h.Get(HeaderDate)
	if window > 0 {
		t, err := http.ParseTime(date)
		if err != nil {
			return fmt.Errorf("%w: %q", ErrDate, date)
		}
		if d := now.Sub(t); d > window || d < -window {
			return fmt.Errorf("%w: %s off", ErrDate, d.Round(time.Second))
		}
	}
	want := Authorization(secret, pathAndQuery, host, date, hash)
	if subtle.ConstantTimeCompare([]byte(h.Get("Authorization")), []byte(want)) != 1 {
		return ErrSignature
	}
	return nil
}

// TillEvents are the ePayment event types a till acts on: every outcome of a
// payment request and every later change of its money.
func TillEvents() []string {
	names := []epayment.EventName{
		epayment.EventAuthorized, epayment.EventAborted, epayment.EventExpired, epayment.EventTerminated,
		epayment.EventCancelled, epayment.EventCaptured, epayment.EventRefunded,
	}
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = Type(n)
	}
	return out
}
