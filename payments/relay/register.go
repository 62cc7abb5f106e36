package relay

import (
	"context"
	"errors"
	"fmt"

	"github.com/kasse-pos/kasse/payments/epayment"
	"github.com/kasse-pos/kasse/payments/webhook"
)

// WebhookAPI is the part of the Webhooks API that registration uses;
// *epayment.Client has it, for one MSN.
type WebhookAPI interface {
	RegisterWebhook(ctx context.Context, url string, events []string) (*epayment.WebhookRegistration, error)
	ListWebhooks(ctx context.Context) ([]epayment.Webhook, error)
	DeleteWebhook(ctx context.Context, id string) error
}

// ErrRegisteredElsewhere means the Webhooks API already has url registered, but
// this relay's file lacks its secret (shown only at registration), so the
// relay could not verify its deliveries.
var ErrRegisteredElsewhere = errors.New("relay: URL registered at Vipps, but its secret is not in this relay's file")

// Register registers url for msn's webhook.TillEvents with the Webhooks API and stores
// the returned id and secret. A URL this relay registered before is left as it
// is (created false, nothing changed).
func Register(ctx context.Context, api WebhookAPI, st RegistrationStore, msn, url string) (reg Registration, created bool, err error) {
	hooks, err := api.ListWebhooks(ctx)
	if err != nil {
		return Registration{}, false, fmt.Errorf("relay: list webhooks: %w", err)
	}
	for _, h := range hooks {
		if h.URL != url {
			continue
		}
		for _, r := range st.RegistrationsFor(msn) {
			if r.ID == h.ID {
				return r, false, nil
			}
		}
		return Registration{}, false, fmt.Errorf("%w (id %s): delete it with `kasse-relay webhooks delete -msn %s -id %s`, then register again", ErrRegisteredElsewhere, h.ID, msn, h.ID)
	}
	got, err := api.RegisterWebhook(ctx, url, webhook.TillEvents())
	if err != nil {
		return Registration{}, false, fmt.Errorf("relay: register webhook: %w", err)
	}
	if err := st.AddRegistration(msn, got.ID, got.Secret, url); err != nil {
		// Without the secret stored the registration is useless; undo it.
		if derr := api.DeleteWebhook(ctx, got.ID); derr != nil {
			return Registration{}, false, fmt.Errorf("%w; and undoing the registration %s at Vipps failed, delete it by hand: %w", err, got.ID, derr)
		}
		return Registration{}, false, err
	}
	for _, r := range st.RegistrationsFor(msn) {
		if r.ID == got.ID {
			return r, true, nil
		}
	}
	return Registration{}, false, errors.New("relay: registration vanished after storing")
}

// Unregister deletes a registration at Vipps and from the store. A
// registration Vipps no longer knows is still removed locally.
func Unregister(ctx context.Context, api WebhookAPI, st RegistrationStore, id string) error {
	if err := api.DeleteWebhook(ctx, id); err != nil {
		var apiErr *epayment.APIError
		if !errors.As(err, &apiErr) || (apiErr.Status != 404 && apiErr.Status != 400) {
			return fmt.Errorf("relay: delete webhook %s: %w", id, err)
		}
	}
	if err := st.RemoveRegistration(id); err != nil && !errors.Is(err, ErrNoRegistration) {
		return err
	}
	return nil
}
