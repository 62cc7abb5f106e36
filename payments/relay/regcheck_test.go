package relay

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/kasse-pos/kasse/payments/epayment"
	"github.com/kasse-pos/kasse/payments/sim"
)

// simAPI runs the simulator over loopback HTTP and returns its Webhooks API
// client for the demo MSN.
func simAPI(t *testing.T) *epayment.Client {
	t.Helper()
	s, err := sim.New(sim.Config{ManualCustomer: true})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(func() { srv.Close(); s.Close() })
	m := sim.DemoMerchant()
	c, err := epayment.New(epayment.Config{BaseURL: srv.URL, ClientID: m.ClientID, ClientSecret: m.ClientSecret, SubscriptionKey: m.SubscriptionKey, MSN: m.MSN, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (h *harness) health() Health {
	h.t.Helper()
	resp, err := http.Get(h.http.URL + PathHealth)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	var got Health
	if resp.StatusCode != http.StatusOK || json.NewDecoder(resp.Body).Decode(&got) != nil {
		h.t.Fatalf("healthz: %s", resp.Status)
	}
	return got
}

// TestRegistrationDeletedAtVippsIsNoticed: Vipps deletes a registration after
// two weeks of failed deliveries. The check finds it gone; without
// ReRegister it says so on /healthz until the registration is back, with
// ReRegister it registers the URL again and verifies with the new secret.
func TestRegistrationDeletedAtVippsIsNoticed(t *testing.T) {
	for _, reregister := range []bool{false, true} {
		api := simAPI(t)
		msn := sim.DemoMSN
		h := newHarness(t, func(c *Config) {
			c.ReRegister = reregister
		})
		// No check loop: the test runs each check itself.
		h.server.cfg.WebhookAPI = func(m string) (WebhookAPI, error) {
			if m != msn {
				return nil, errors.New("no API keys for this MSN")
			}
			return api, nil
		}
		// The harness's registration of this MSN was never made at the simulator.
		if err := h.store.RemoveRegistration("reg-a"); err != nil {
			t.Fatal(err)
		}
		url := WebhookURL(h.http.URL, msn)
		ctx := context.Background()
		reg, _, err := Register(ctx, api, h.store, msn, url)
		if err != nil {
			t.Fatal(err)
		}
		if missing := h.server.CheckRegistrations(ctx); len(missing) != 0 || h.health().Status != "ok" {
			t.Fatalf("registered, yet missing %v", missing)
		}
		// Vipps deletes it.
		if err := api.DeleteWebhook(ctx, reg.ID); err != nil {
			t.Fatal(err)
		}
		missing := h.server.CheckRegistrations(ctx)
		hooks, err := api.ListWebhooks(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !reregister {
			if !slices.Equal(missing, []string{msn + "/" + reg.ID}) {
				t.Fatalf("missing = %v", missing)
			}
			if got := h.health(); got.Status != "registration missing" || !slices.Equal(got.MissingRegistrations, missing) {
				t.Fatalf("healthz = %+v", got)
			}
			if len(hooks) != 0 {
				t.Fatalf("registered again without ReRegister: %+v", hooks)
			}
			// The operator registers again: the stale one goes, the check clears.
			if err := Unregister(ctx, api, h.store, reg.ID); err != nil {
				t.Fatal(err)
			}
			if _, _, err := Register(ctx, api, h.store, msn, url); err != nil {
				t.Fatal(err)
			}
			if missing := h.server.CheckRegistrations(ctx); len(missing) != 0 || h.health().Status != "ok" {
				t.Fatalf("after registering again: missing %v", missing)
			}
			continue
		}
		if len(missing) != 0 || h.health().Status != "ok" {
			t.Fatalf("ReRegister: still missing %v", missing)
		}
		if len(hooks) != 1 || hooks[0].URL != url || hooks[0].ID == reg.ID {
			t.Fatalf("at Vipps after re-registering: %+v", hooks)
		}
		stored := h.store.RegistrationsFor(msn)
		if len(stored) != 1 || stored[0].ID != hooks[0].ID || stored[0].Secret == reg.Secret {
			t.Fatalf("stored after re-registering: %+v", stored)
		}
		// Deliveries signed with the new secret are taken.
		tok := h.addTill("till-1", msn, "rr-")
		ev := event(msn, "rr-1", epayment.EventAuthorized)
		body, _ := json.Marshal(ev)
		if resp := h.postRaw(msn, body, reg.Secret, time.Now(), nil); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("webhook with the deleted registration's secret: %s", resp.Status)
		}
		if resp := h.postRaw(msn, body, stored[0].Secret, time.Now(), nil); resp.StatusCode != http.StatusOK {
			t.Fatalf("webhook with the new secret: %s", resp.Status)
		}
		if _, page := h.poll(tok, 0, "0"); len(page.Events) != 1 {
			t.Fatalf("till sees %d events", len(page.Events))
		}
	}
}
