package station_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/creack/pty"

	"github.com/kasse-pos/kasse/app/checkout"
	"github.com/kasse-pos/kasse/app/demo"
	"github.com/kasse-pos/kasse/app/station"
)

// A serial scanner played by a real pseudo-terminal: its codes reach the
// basket, and unplugging it mid-sale keeps the sale and says so.
func TestSerialScannerFeedsTheTill(t *testing.T) {
	quiet := slog.New(slog.DiscardHandler)
	d, err := demo.Start(context.Background(), demo.Options{DataDir: t.TempDir(), ManualCustomer: true, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	master, slave, err := pty.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer master.Close()
	cfg := d.Config
	cfg.Scanner = station.ScannerConfig{Port: slave.Name(), Baud: 9600}
	st, err := station.Start(context.Background(), cfg, station.Options{Logger: quiet, ResetRelayCursor: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	till := st.Till
	await := func(what string, ok func(checkout.View) bool) checkout.View {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		v, err := till.WaitFor(ctx, ok)
		if err != nil {
			t.Fatalf("timed out waiting for %s; status %+v", what, v.Status)
		}
		return v
	}
	await("scanner ready", func(v checkout.View) bool { return strings.Contains(v.Status.Scanner, "ready") })
	p, _ := till.Catalog().ByID("P007")
	if _, err := master.Write([]byte(p.EAN + "\r\n" + "https://qr.vipps.no/28/2/01/031/4791234567?v=1\r\n")); err != nil {
		t.Fatal(err)
	}
	v := await("product and customer", func(v checkout.View) bool { return len(v.Lines) == 1 && v.Customer != "" })
	if v.Lines[0].ProductID != "P007" || !v.CanPay {
		t.Fatalf("after scanning: %+v", v)
	}
	// Unplugged mid-sale.
	slave.Close()
	master.Close()
	v = await("scanner reported gone", func(v checkout.View) bool { return !strings.Contains(v.Status.Scanner, "ready") })
	if len(v.Lines) != 1 || !v.CanPay {
		t.Errorf("the sale changed when the scanner went away: %+v", v.Lines)
	}
	t.Logf("status bar: %s", v.Status.Scanner)
}
