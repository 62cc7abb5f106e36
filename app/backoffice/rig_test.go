package backoffice_test

import (
	"context"
	"log/slog"
	"net/http"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/kasse-pos/kasse/app/backoffice"
	"github.com/kasse-pos/kasse/app/checkout"
	"github.com/kasse-pos/kasse/app/demo"
	"github.com/kasse-pos/kasse/app/journal"
	"github.com/kasse-pos/kasse/app/station"
	"github.com/kasse-pos/kasse/payments/contract"
	"github.com/kasse-pos/kasse/payments/epayment"
	"github.com/kasse-pos/kasse/payments/sim"
)

var quiet = slog.New(slog.DiscardHandler)

// rig is a till wired to the simulator and relay over loopback HTTP, to make
// real sales, and an API client for the back office with instant retries.
type rig struct {
	t    *testing.T
	demo *demo.Demo
	st   *station.Station
	till *checkout.Till
	j    *journal.Journal
	api  *recordingAPI
	cfg  station.Config
}

func newRig(t *testing.T) *rig {
	t.Helper()
	dir := t.TempDir()
	d, err := demo.Start(context.Background(), demo.Options{DataDir: dir, ApproveDelay: 50 * time.Millisecond, ExpireAfter: time.Minute, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.Close)
	r := &rig{t: t, demo: d, cfg: d.Config}
	r.cfg.EventGrace = station.Duration(2 * time.Second)
	r.cfg.PollInterval = station.Duration(200 * time.Millisecond)
	r.start()
	m := sim.DemoMerchant()
	hc := &http.Client{Transport: contract.Transport(nil, t.Errorf), Timeout: 5 * time.Second}
	api, err := epayment.New(epayment.Config{BaseURL: d.SimURL, ClientID: m.ClientID, ClientSecret: m.ClientSecret,
		SubscriptionKey: m.SubscriptionKey, MSN: m.MSN, HTTPClient: hc, Logger: quiet, Retry: epayment.RetryPolicy{NoSleep: true}})
	if err != nil {
		t.Fatal(err)
	}
	r.api = &recordingAPI{PaymentAPI: api}
	return r
}

func (r *rig) start() {
	r.t.Helper()
	hc := &http.Client{Transport: contract.Transport(nil, r.t.Errorf), Timeout: 5 * time.Second}
	st, err := station.Start(context.Background(), r.cfg, station.Options{HTTPClient: hc, ResetRelayCursor: true, Logger: quiet})
	if err != nil {
		r.t.Fatal(err)
	}
	r.st, r.till, r.j = st, st.Till, st.Journal
	r.t.Cleanup(st.Close)
}

// restart closes the till and opens its journal again, as a new start does.
func (r *rig) restart() {
	r.t.Helper()
	r.st.Close()
	j, err := journal.Open(filepath.Join(r.cfg.DataDir, "kasse.db"), time.Second)
	if err != nil {
		r.t.Fatal(err)
	}
	r.t.Cleanup(func() { j.Close() })
	r.j = j
}

func (r *rig) refunder() *backoffice.Refunder {
	return &backoffice.Refunder{Journal: r.j, API: r.api, Logger: quiet, Shop: checkout.Shop{Name: "Test Kafé"}}
}

// await waits, with a deadline, until the till's view satisfies ok.
func (r *rig) await(what string, ok func(checkout.View) bool) checkout.View {
	r.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	v, err := r.till.WaitFor(ctx, ok)
	if err != nil {
		r.t.Fatalf("timed out waiting for %s; view: phase %s, message %q", what, v.Phase, v.Message)
	}
	return v
}

func (r *rig) fill(phone string, ids ...string) {
	r.t.Helper()
	r.till.NewSale()
	for _, id := range ids {
		if err := r.till.AddProduct(id); err != nil {
			r.t.Fatal(err)
		}
	}
	if err := r.till.SetCustomer(phone); err != nil {
		r.t.Fatal(err)
	}
	if err := r.till.Pay(); err != nil {
		r.t.Fatal(err)
	}
}

// sale reads a finished sale back from the journal and clears the till.
func (r *rig) sale(ref string) *journal.Sale {
	r.t.Helper()
	r.till.NewSale()
	s, err := r.j.ByReference(ref)
	if err != nil {
		r.t.Fatal(err)
	}
	return s
}

// sell makes a captured sale. It waits for the receipt link and the print too,
// the till's last writes of the sale, so the back office is its only writer
// after: the till saves its own copy of the sale then, which would overwrite a
// refund journaled meanwhile.
func (r *rig) sell(phone string, ids ...string) *journal.Sale {
	r.t.Helper()
	r.fill(phone, ids...)
	v := r.await("captured, linked and printed", func(v checkout.View) bool {
		if v.Phase == checkout.PhaseEnded {
			return true
		}
		rc := v.Receipt
		return v.Phase == checkout.PhaseDone && rc != nil && rc.URL != "" && (rc.Printed || rc.PrintError != "")
	})
	if v.Phase != checkout.PhaseDone {
		r.t.Fatalf("sale ended %s: %s", v.Outcome, v.Message)
	}
	return r.sale(v.Reference)
}

// decline makes a sale the customer declines (a number ending in 0).
func (r *rig) decline(ids ...string) *journal.Sale {
	r.t.Helper()
	r.fill("912 34 560", ids...)
	v := r.await("declined", func(v checkout.View) bool { return v.Phase == checkout.PhaseEnded })
	return r.sale(v.Reference)
}

// unanswered makes a sale whose customer never answers (a number ending in 9)
// and ends it with end: the cashier's cancel, or the simulator's expiry.
func (r *rig) unanswered(end func(ref string), ids ...string) *journal.Sale {
	r.t.Helper()
	r.fill("912 34 569", ids...)
	v := r.await("waiting", func(v checkout.View) bool { return v.Phase == checkout.PhaseWaiting })
	end(v.Reference)
	v = r.await("ended", func(v checkout.View) bool { return v.Phase == checkout.PhaseEnded })
	return r.sale(v.Reference)
}

func (r *rig) cancelled(ids ...string) *journal.Sale {
	return r.unanswered(func(string) {
		if err := r.till.Cancel(); err != nil {
			r.t.Fatal(err)
		}
	}, ids...)
}

func (r *rig) expired(ids ...string) *journal.Sale {
	return r.unanswered(func(ref string) {
		if err := r.demo.Sim.Expire(sim.DemoMSN, ref); err != nil {
			r.t.Fatal(err)
		}
	}, ids...)
}

func (r *rig) ledger(ref string) sim.LedgerEntry {
	r.t.Helper()
	p, ok := r.demo.Sim.Payment(sim.DemoMSN, ref)
	if !ok {
		r.t.Fatalf("simulator has no payment %s", ref)
	}
	return p
}

// refundEvents counts the REFUNDED events the simulator holds for ref.
func (r *rig) refundEvents(ref string) int {
	n := 0
	for _, e := range r.ledger(ref).Events {
		if e.Name == epayment.EventRefunded && e.Success {
			n++
		}
	}
	return n
}

// recordingAPI notes the refunds the back office sends.
type recordingAPI struct {
	checkout.PaymentAPI
	mu   sync.Mutex
	keys []string
}

func (a *recordingAPI) Refund(ctx context.Context, reference, idemKey string, amount epayment.Amount) (*epayment.ModificationResponse, error) {
	a.mu.Lock()
	a.keys = append(a.keys, idemKey)
	a.mu.Unlock()
	return a.PaymentAPI.Refund(ctx, reference, idemKey, amount)
}

func (a *recordingAPI) sent() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string(nil), a.keys...)
}
