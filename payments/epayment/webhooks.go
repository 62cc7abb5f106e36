package epayment

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
)

const pathWebhooks = "/webhooks/v1/webhooks"

var uuidPattern = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// RegisterWebhook asks Vipps MobilePay to POST the given event types (e.g.
// "epayments.payment.authorized.v1") to url, which must be https and reachable
// from the internet. The answer's Secret keys the HMAC of every delivery and
// is shown only this once: store it.
//
// The Webhooks API has no idempotency key, so a registration that may have
// reached the API is not retried; if the error wraps ErrOutcomeUnknown, look
// for url in ListWebhooks before registering again.
func (c *Client) RegisterWebhook(ctx context.Context, url string, events []string) (*WebhookRegistration, error) {
	if url == "" || len(events) == 0 {
		return nil, fmt.Errorf("%w: a webhook needs a URL and at least one event", ErrInvalid)
	}
	var out WebhookRegistration
	if err := c.do(ctx, http.MethodPost, pathWebhooks, "", RegisterWebhookRequest{URL: url, Events: events}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// ListWebhooks returns the webhooks registered for the sales unit.
func (c *Client) ListWebhooks(ctx context.Context) ([]Webhook, error) {
	var out WebhookList
	if err := c.do(ctx, http.MethodGet, pathWebhooks, "", nil, &out); err != nil {
		return nil, err
	}
	return out.Webhooks, nil
}

// DeleteWebhook removes the registration with the given id (a UUID).
func (c *Client) DeleteWebhook(ctx context.Context, id string) error {
	if !uuidPattern.MatchString(id) {
		return fmt.Errorf("%w: webhook id %q is not a UUID", ErrInvalid, id)
	}
	return c.do(ctx, http.MethodDelete, pathWebhooks+"/"+url.PathEscape(id), "", nil, nil)
}
