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
	"github.com/kasse-pos/kasse/app/demo/demotest"
	"github.com/kasse-pos/kasse/app/journal"
	"github.com/kasse-pos/kasse/app/payment"
	"github.com/kasse-pos/kasse/payments/contract"
	"github.com/kasse-pos/kasse/payments/epayment"
	"github.com/kasse-pos/kasse/payments/sim"
)

var quiet = slog.New(slog.DiscardHandler)

// rig is a till wired to the simulator and relay over loopback HTTP, to make
// real sales, and an API client for the back office with instant retries.
type rig struct {
	*demotest.Till
	t   *testing.T
	j   *journal.Journal
	api *recordingAPI
}

func newRig(t *testing.T) *rig {
	t.Helper()
	r := &rig{Till: demotest.Start(t, demotest.Options{ApproveDelay: 50 * time.Millisecond, Contract: true}), t: t}
	r.j = r.Station.Journal
	m := sim.DemoMerchant()
	hc := &http.Client{Transport: contract.Transport(nil, t.Errorf), Timeout: 5 * time.Second}
	api, err := epayment.New(epayment.Config{BaseURL: r.Demo.SimURL, ClientID: m.ClientID, ClientSecret: m.ClientSecret,
		SubscriptionKey: m.SubscriptionKey, MSN: m.MSN, HTTPClient: hc, Logger: quiet, Retry: epayment.RetryPolicy{NoSleep: true}})
	if err != nil {
		t.Fatal(err)
	}
	r.api = &recordingAPI{PaymentAPI: api}
	return r
}

// restart closes the till and opens its journal again, as a new start does.
func (r *rig) restart() {
	r.t.Helper()
	r.Station.Close()
	j, err := journal.Open(filepath.Join(r.Config.DataDir, "kasse.db"), journal.Options{Timeout: time.Second})
	if err != nil {
		r.t.Fatal(err)
	}
	r.t.Cleanup(func() { j.Close() })
	r.j = j
}

func (r *rig) refunder() *backoffice.Refunder {
	eng, err := payment.New(r.t.Context(), payment.Config{Journal: r.j, API: r.api, Logger: quiet,
		Policy: payment.Policy{Base: 20 * time.Millisecond, Max: 200 * time.Millisecond},
		// The simulator has no rate limit; a short window keeps the retries
		// of lost answers quick.
		WriteLimit: payment.Limit{Calls: 5, Window: 200 * time.Millisecond}})
	if err != nil {
		r.t.Fatal(err)
	}
	r.t.Cleanup(eng.Close)
	return &backoffice.Refunder{Journal: r.j, Engine: eng, API: r.api, Logger: quiet, Shop: checkout.Shop{Name: "Test Kafé"}}
}

func (r *rig) fill(phone string, ids ...string) {
	r.t.Helper()
	r.Till.NewSale()
	for _, id := range ids {
		if err := r.Till.AddProduct(id); err != nil {
			r.t.Fatal(err)
		}
	}
	if err := r.Till.SetCustomer(phone); err != nil {
		r.t.Fatal(err)
	}
	if err := r.Till.Pay(); err != nil {
		r.t.Fatal(err)
	}
}

// sale reads a finished sale back from the journal and clears the till.
func (r *rig) sale(ref string) *journal.Sale {
	r.t.Helper()
	r.Till.NewSale()
	s, err := r.j.ByReference(ref)
	if err != nil {
		r.t.Fatal(err)
	}
	return s
}

// sell makes a captured sale. It waits for the receipt link and the print too,
// so that each test starts from a sale the till has finished with.
func (r *rig) sell(phone string, ids ...string) *journal.Sale {
	r.t.Helper()
	r.fill(phone, ids...)
	v := r.Await("captured, linked and printed", func(v checkout.View) bool {
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
	v := r.Await("declined", func(v checkout.View) bool { return v.Phase == checkout.PhaseEnded })
	return r.sale(v.Reference)
}

// unanswered makes a sale whose customer never answers (a number ending in 9)
// and ends it with end: the cashier's cancel, or the simulator's expiry.
func (r *rig) unanswered(end func(ref string), ids ...string) *journal.Sale {
	r.t.Helper()
	r.fill("912 34 569", ids...)
	v := r.Await("waiting", func(v checkout.View) bool { return v.Phase == checkout.PhaseWaiting })
	end(v.Reference)
	v = r.Await("ended", func(v checkout.View) bool { return v.Phase == checkout.PhaseEnded })
	return r.sale(v.Reference)
}

func (r *rig) cancelled(ids ...string) *journal.Sale {
	return r.unanswered(func(string) {
		if err := r.Till.Cancel(); err != nil {
			r.t.Fatal(err)
		}
	}, ids...)
}

func (r *rig) expired(ids ...string) *journal.Sale {
	return r.unanswered(func(ref string) {
		if err := r.Demo.Sim.Expire(sim.DemoMSN, ref); err != nil {
			r.t.Fatal(err)
		}
	}, ids...)
}

// refundEvents counts the REFUNDED events the simulator holds for ref.
func (r *rig) refundEvents(ref string) int {
	n := 0
	for _, e := range r.Ledger(ref).Events {
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
