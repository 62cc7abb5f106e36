package setup_test

import (
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/creack/pty"

	"github.com/kasse-pos/kasse/app/setup"
	"github.com/kasse-pos/kasse/app/station"
	"github.com/kasse-pos/kasse/assets"
	"github.com/kasse-pos/kasse/payments/sim"
)

func TestKeysAgainstTheSimulator(t *testing.T) {
	s, err := sim.New(sim.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	hs := httptest.NewServer(s.Handler())
	t.Cleanup(hs.Close)
	m := sim.DemoMerchant()
	c := setup.Defaults()
	c.Vipps = station.VippsConfig{BaseURL: hs.URL, ClientID: m.ClientID, ClientSecret: m.ClientSecret, SubscriptionKey: m.SubscriptionKey, MSN: m.MSN}
	if got := (setup.Tester{}).Keys(context.Background(), c); !got.OK {
		t.Errorf("good keys: %+v", got)
	}
	c.Vipps.SubscriptionKey = "wrong"
	if got := (setup.Tester{}).Keys(context.Background(), c); got.OK || !strings.Contains(got.Message.String(), "refused") {
		t.Errorf("a wrong subscription key: %+v", got)
	}
	c.Vipps.SubscriptionKey, c.Vipps.MSN = m.SubscriptionKey, "000001"
	if got := (setup.Tester{}).Keys(context.Background(), c); got.OK {
		t.Errorf("another merchant's MSN: %+v", got)
	}
}

func TestPrinterTestPrints(t *testing.T) {
	path := filepath.Join(t.TempDir(), "lp0")
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	c := setup.Defaults()
	c.Printer = "file:" + path
	got := (setup.Tester{}).Printer(context.Background(), c)
	b, _ := os.ReadFile(path)
	if !got.OK || !strings.Contains(string(b), "Kasse test print") {
		t.Errorf("test print: %+v, %d bytes on paper", got, len(b))
	}
	c.Printer = "nonsense:"
	if got := (setup.Tester{}).Printer(context.Background(), c); got.OK {
		t.Errorf("a bad printer address passed: %+v", got)
	}
}

func TestScannerTestReadsABarcode(t *testing.T) {
	master, slave, err := pty.Open()
	if err != nil {
		t.Skip("no pseudo-terminal:", err)
	}
	t.Cleanup(func() { master.Close(); slave.Close() })
	c := setup.Defaults()
	c.Scanner.Port = slave.Name()
	done := make(chan station.Check, 1)
	go func() { done <- (setup.Tester{ScanWait: 20 * time.Second}).Scanner(context.Background(), c) }()
	// Keep scanning until the test has opened the port and read a line: a
	// line written before the port is opened is echoed, not read.
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case got := <-done:
			if !got.OK || !strings.Contains(got.Message.String(), "7038010009457") {
				t.Errorf("scanner test: %+v", got)
			}
			return
		case <-tick.C:
			master.Write([]byte("7038010009457\r\n"))
		}
	}
}

func TestScannerTestWithoutAScan(t *testing.T) {
	c := setup.Defaults()
	c.Scanner.Port = filepath.Join(t.TempDir(), "ttyACM9")
	got := (setup.Tester{ScanWait: 300 * time.Millisecond}).Scanner(context.Background(), c)
	if got.OK {
		t.Errorf("a missing port passed: %+v", got)
	}
}

func TestCatalogAndManagerAndValidate(t *testing.T) {
	dir := t.TempDir()
	good, bad := filepath.Join(dir, "good.json"), filepath.Join(dir, "bad.json")
	os.WriteFile(good, assets.DemoCatalog, 0o600)
	os.WriteFile(bad, []byte(`{"products": [}`), 0o600)
	if c := setup.Catalog(good, "NO"); !c.OK || !strings.Contains(c.Message.String(), "products") {
		t.Errorf("good catalog: %+v", c)
	}
	if c := setup.Catalog(bad, "NO"); c.OK {
		t.Errorf("bad catalog: %+v", c)
	}
	csvFile := filepath.Join(dir, "products.csv")
	os.WriteFile(csvFile, []byte("name,price,vat,ean,category\nKaffe,32,15,7038010001079,Kaffe\nBad,,15,1,Kaffe\n"), 0o600)
	if c := setup.Catalog(csvFile, "DK"); c.OK || !strings.Contains(c.Message.String(), "row 3") {
		t.Errorf("a CSV with a bad row: %+v", c)
	}
	if c := setup.Catalog(filepath.Join(dir, "none.json"), "NO"); c.OK {
		t.Errorf("missing catalog: %+v", c)
	}
	if _, err := setup.Manager("Anna", "1234", "1243"); err == nil {
		t.Error("two different PINs accepted")
	}
	if _, err := setup.Manager("Anna", "12", "12"); err == nil {
		t.Error("a two-digit PIN accepted")
	}
	m, err := setup.Manager(" Anna ", "1234", "1234")
	if err != nil || m.Name != "Anna" || strings.Contains(m.PIN, "1234") {
		t.Fatalf("Manager = %+v, %v", m, err)
	}
	c := setup.Defaults()
	missing := setup.Validate(c)
	for _, s := range []setup.Step{setup.StepKeys, setup.StepShop, setup.StepManager} {
		if missing[s] == "" {
			t.Errorf("step %s not reported missing", s)
		}
	}
	c.Vipps = station.VippsConfig{BaseURL: station.TestURL, ClientID: "a", ClientSecret: "b", SubscriptionKey: "c", MSN: "1"}
	c.Shop.Name, c.Cashiers = "Butikken", append(c.Cashiers, m)
	if missing := setup.Validate(c); len(missing) != 0 {
		t.Errorf("complete config reported missing: %v", missing)
	}
	if f := setup.Finish(c); f.Currency != "NOK" {
		t.Errorf("currency %q", f.Currency)
	}
}
