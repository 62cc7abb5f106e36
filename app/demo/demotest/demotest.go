// Package demotest starts a whole till for tests, as net/http/httptest starts
// servers: the simulator and a relay in-process on loopback (app/demo), and a
// station over them, with quiet logs, short waits, and cleanup on the test's
// end. Tests then drive the till and wait on its events with Await.
package demotest

import (
	"context"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/kasse-pos/kasse/app/checkout"
	"github.com/kasse-pos/kasse/app/demo"
	"github.com/kasse-pos/kasse/app/station"
	"github.com/kasse-pos/kasse/payments/contract"
	"github.com/kasse-pos/kasse/payments/sim"
)

// Quiet discards logs.
var Quiet = slog.New(slog.DiscardHandler)

// Options tune the till; the zero value is a quick demo till.
type Options struct {
	// ApproveDelay is the simulated customer's pace; 0 means 100 ms.
	ApproveDelay time.Duration
	// ManualCustomer: the test approves and declines with Demo.Sim.
	ManualCustomer bool
	// PollInterval and EventGrace of the till; 0 means 200 ms and 2 s.
	PollInterval, EventGrace time.Duration
	// Contract checks every call the till makes to Vipps against the OpenAPI
	// files, reporting breaches as test errors.
	Contract bool
	// Configure, if set, changes the station's configuration last.
	Configure func(*station.Config)
	// Drawer, if set, is the till's cash drawer instead of the printer's.
	Drawer checkout.CashDrawer
}

// Till is a running till and the fake Vipps behind it.
type Till struct {
	*checkout.Till
	T       testing.TB
	Demo    *demo.Demo
	Station *station.Station
	Config  station.Config
	opts    Options
}

// Start starts the simulator, the relay and a till; the test's cleanup stops
// them.
func Start(t testing.TB, opts Options) *Till {
	t.Helper()
	if opts.ApproveDelay <= 0 {
		opts.ApproveDelay = 100 * time.Millisecond
	}
	if opts.PollInterval <= 0 {
		opts.PollInterval = 200 * time.Millisecond
	}
	if opts.EventGrace <= 0 {
		opts.EventGrace = 2 * time.Second
	}
	d, err := demo.Start(context.Background(), demo.Options{DataDir: t.TempDir(), ApproveDelay: opts.ApproveDelay,
		ExpireAfter: time.Minute, ManualCustomer: opts.ManualCustomer, Logger: Quiet})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.Close)
	r := &Till{T: t, Demo: d, Config: d.Config, opts: opts}
	r.Config.PollInterval = station.Duration(opts.PollInterval)
	r.Config.EventGrace = station.Duration(opts.EventGrace)
	if opts.Configure != nil {
		opts.Configure(&r.Config)
	}
	r.start(true)
	return r
}

// Restart stops the till and starts it again on the same journal and relay,
// as a new start of the program does (recovery included).
func (r *Till) Restart() {
	r.T.Helper()
	r.Station.Close()
	r.start(false)
}

func (r *Till) start(fresh bool) {
	r.T.Helper()
	so := station.Options{Logger: Quiet, ResetRelayCursor: fresh, Drawer: r.opts.Drawer}
	if r.opts.Contract {
		so.HTTPClient = &http.Client{Transport: contract.Transport(nil, r.T.Errorf), Timeout: 5 * time.Second}
	}
	st, err := station.Start(context.Background(), r.Config, so)
	if err != nil {
		r.T.Fatal(err)
	}
	r.Station, r.Till = st, st.Till
	r.T.Cleanup(st.Close)
	// As kasse -demo does, the demo's manager is logged in (unless a test
	// set up cashiers of its own).
	for _, a := range r.Config.Cashiers {
		if a.Name == demo.ManagerName {
			if _, err := st.Cashiers.Login(demo.ManagerName, demo.ManagerPIN); err != nil {
				r.T.Fatal(err)
			}
		}
	}
}

// Await waits, with a 30 s deadline (a race-detector run on a loaded CI
// machine is slow), until the till's view satisfies ok.
func (r *Till) Await(what string, ok func(checkout.View) bool) checkout.View {
	r.T.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	v, err := r.WaitFor(ctx, ok)
	if err != nil {
		r.T.Fatalf("timed out waiting for %s; view: phase %s, message %q, status %+v", what, v.Phase, v.Message, v.Status)
	}
	return v
}

// Fill puts products in the basket and identifies the customer.
func (r *Till) Fill(phone string, ids ...string) {
	r.T.Helper()
	for _, id := range ids {
		if err := r.AddProduct(id); err != nil {
			r.T.Fatal(err)
		}
	}
	if err := r.SetCustomer(phone); err != nil {
		r.T.Fatal(err)
	}
}

// Ledger is the simulator's record of a payment.
func (r *Till) Ledger(ref string) sim.LedgerEntry {
	r.T.Helper()
	p, ok := r.Demo.Sim.Payment(sim.DemoMSN, ref)
	if !ok {
		r.T.Fatalf("the simulator has no payment %s", ref)
	}
	return p
}
