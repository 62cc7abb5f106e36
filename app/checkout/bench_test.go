package checkout_test

import (
	"context"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/kasse-pos/kasse/app/checkout"
	"github.com/kasse-pos/kasse/app/demo"
	"github.com/kasse-pos/kasse/app/station"
)

// benchSales measures one whole sale, Pay to captured, against the simulator
// over loopback, with the customer approving at once: the till's own share
// of a sale's wait. With the relay, the approval arrives as a webhook; without
// it, the till learns it by polling GET payment every PollInterval.
func benchSales(b *testing.B, withRelay bool) {
	quiet := slog.New(slog.DiscardHandler)
	d, err := demo.Start(context.Background(), demo.Options{DataDir: b.TempDir(), ApproveDelay: time.Millisecond, ExpireAfter: time.Minute, Logger: quiet})
	if err != nil {
		b.Fatal(err)
	}
	defer d.Close()
	cfg := d.Config
	cfg.Printer = ""
	cfg.PollInterval = station.Duration(2 * time.Second)
	if !withRelay {
		cfg.Relay = station.RelayConfig{}
	}
	st, err := station.Start(context.Background(), cfg, station.Options{Logger: quiet, ResetRelayCursor: true, HTTPClient: &http.Client{Timeout: 10 * time.Second}})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	till := st.Till
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	if withRelay {
		if _, err := till.WaitFor(ctx, func(v checkout.View) bool { return v.Status.Relay == "connected" }); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for b.Loop() {
		till.NewSale()
		till.AddProduct("P001")
		till.AddProduct("P025")
		till.SetCustomer("91234567")
		if err := till.Pay(); err != nil {
			b.Fatal(err)
		}
		v, err := till.WaitFor(ctx, func(v checkout.View) bool {
			return v.Phase == checkout.PhaseDone || v.Phase == checkout.PhaseEnded
		})
		if err != nil || v.Phase != checkout.PhaseDone {
			b.Fatalf("sale ended %s: %q (%v)", v.Phase, v.Message, err)
		}
	}
}

func BenchmarkSaleWithRelay(b *testing.B)   { benchSales(b, true) }
func BenchmarkSalePollingOnly(b *testing.B) { benchSales(b, false) }
