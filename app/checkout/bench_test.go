package checkout_test

import (
	"context"
	"testing"
	"time"

	"github.com/kasse-pos/kasse/app/checkout"
	"github.com/kasse-pos/kasse/app/demo/demotest"
	"github.com/kasse-pos/kasse/app/station"
)

// benchSales measures one whole sale, Pay to captured, against the simulator
// over loopback, with the customer approving at once: the till's own share
// of a sale's wait. With the relay, the approval arrives as a webhook; without
// it, the till learns it by polling GET payment every PollInterval.
func benchSales(b *testing.B, withRelay bool) {
	r := demotest.Start(b, demotest.Options{ApproveDelay: time.Millisecond, PollInterval: 2 * time.Second,
		Configure: func(c *station.Config) {
			c.Printer = ""
			if !withRelay {
				c.Relay = station.RelayConfig{}
			}
		}})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	if withRelay {
		r.Await("relay connected", func(v checkout.View) bool { return v.Status.Relay == "connected" })
	}
	b.ResetTimer()
	for b.Loop() {
		r.NewSale()
		r.Fill("91234567", "P001", "P025")
		if err := r.Pay(); err != nil {
			b.Fatal(err)
		}
		v, err := r.WaitFor(ctx, func(v checkout.View) bool {
			return v.Phase == checkout.PhaseDone || v.Phase == checkout.PhaseEnded
		})
		if err != nil || v.Phase != checkout.PhaseDone {
			b.Fatalf("sale ended %s: %q (%v)", v.Phase, v.Message, err)
		}
	}
}

func BenchmarkSaleWithRelay(b *testing.B)   { benchSales(b, true) }
func BenchmarkSalePollingOnly(b *testing.B) { benchSales(b, false) }
