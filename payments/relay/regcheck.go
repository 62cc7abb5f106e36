package relay

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"time"
)

// DefaultCheckEvery is how often the relay asks the Webhooks API whether its
// registrations still exist. Vipps deletes a registration after about two
// weeks of failed deliveries; hourly finds that well before tills miss much.
const DefaultCheckEvery = time.Hour

// regCheck is what the last check of registrations found.
type regCheck struct {
	mu      sync.Mutex
	missing map[string]string // registration id → MSN, gone at Vipps
	checked time.Time
}

func (c *regCheck) list() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]string, 0, len(c.missing))
	for id, msn := range c.missing {
		out = append(out, msn+"/"+id)
	}
	sort.Strings(out)
	return out
}

func (c *regCheck) set(msn string, missing []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.missing == nil {
		c.missing = map[string]string{}
	}
	for id, m := range c.missing {
		if m == msn {
			delete(c.missing, id)
		}
	}
	for _, id := range missing {
		c.missing[id] = msn
	}
	c.checked = time.Now()
}

func (s *Server) checkLoop() {
	defer s.bg.Done()
	t := time.NewTicker(s.cfg.CheckEvery)
	defer t.Stop()
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		go func() {
			select {
			case <-s.done:
				cancel()
			case <-ctx.Done():
			}
		}()
		s.CheckRegistrations(ctx)
		cancel()
		select {
		case <-s.done:
			return
		case <-t.C:
		}
	}
}

// CheckRegistrations lists each MSN's webhooks at Vipps and compares them
// with the stored registrations. One that is gone is registered again when
// Config.ReRegister is set (the new secret replaces the old), and otherwise
// logged and shown on /healthz until it is back. It returns the registrations
// (MSN/id) still missing. The server runs it every Config.CheckEvery.
func (s *Server) CheckRegistrations(ctx context.Context) []string {
	if s.cfg.WebhookAPI == nil {
		return nil
	}
	byMSN := map[string][]Registration{}
	for _, r := range s.store.Registrations() {
		byMSN[r.MSN] = append(byMSN[r.MSN], r)
	}
	for msn, regs := range byMSN {
		log := s.log.With("msn", msn)
		api, err := s.cfg.WebhookAPI(msn)
		if err != nil {
			log.Warn("registration check: no API client", "err", err)
			continue
		}
		hooks, err := api.ListWebhooks(ctx)
		if err != nil {
			// Not knowing is not missing: keep what the last check found.
			log.Warn("registration check: list webhooks", "err", err)
			continue
		}
		at := map[string]bool{}
		for _, h := range hooks {
			at[h.ID] = true
		}
		var missing []string
		for _, r := range regs {
			if at[r.ID] {
				continue
			}
			if !s.cfg.ReRegister {
				log.Error("webhook registration missing at Vipps: its webhooks do not come; run kasse-relay register again (or serve -reregister)", "id", r.ID, "url", r.URL)
				missing = append(missing, r.ID)
				continue
			}
			if err := s.reRegister(ctx, api, r); err != nil {
				log.Error("webhook registration missing at Vipps, and registering again failed", "id", r.ID, "url", r.URL, "err", err)
				missing = append(missing, r.ID)
			}
		}
		s.regs.set(msn, missing)
	}
	return s.regs.list()
}

func (s *Server) reRegister(ctx context.Context, api WebhookAPI, old Registration) error {
	reg, created, err := Register(ctx, api, s.store, old.MSN, old.URL)
	if err != nil {
		return err
	}
	if err := s.store.RemoveRegistration(old.ID); err != nil {
		return fmt.Errorf("forget the old registration: %w", err)
	}
	s.log.Warn("webhook registration was missing at Vipps; registered again", "msn", old.MSN, "old", old.ID, "new", reg.ID, "url", reg.URL, "created", created)
	return nil
}
