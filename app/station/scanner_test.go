package station_test

import (
	"strings"
	"testing"

	"github.com/creack/pty"

	"github.com/kasse-pos/kasse/app/checkout"
	"github.com/kasse-pos/kasse/app/demo/demotest"
	"github.com/kasse-pos/kasse/app/station"
)

// A serial scanner played by a real pseudo-terminal: its codes reach the
// basket, and unplugging it mid-sale keeps the sale and says so.
func TestSerialScannerFeedsTheTill(t *testing.T) {
	master, slave, err := pty.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer master.Close()
	r := demotest.Start(t, demotest.Options{ManualCustomer: true, Configure: func(c *station.Config) {
		c.Scanner = station.ScannerConfig{Port: slave.Name(), Baud: 9600}
	}})
	till, await := r.Till, r.Await
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
