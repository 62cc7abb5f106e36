// Package setup is the logic of Kasse's setup window and settings screen:
// the steps a shop goes through, the tests behind each "Test connection"
// button, and the configuration they make. It draws nothing (ui/setup.go and
// ui/settings.go do) and says every outcome in plain words.
package setup

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/kasse-pos/kasse/app/cashier"
	"github.com/kasse-pos/kasse/app/catalog"
	"github.com/kasse-pos/kasse/app/station"
	"github.com/kasse-pos/kasse/hardware/escpos"
	"github.com/kasse-pos/kasse/hardware/scanner"
)

// Step is one page of the setup.
type Step string

// The setup's steps, in order.
const (
	StepEnvironment Step = "environment" // test or production
	StepKeys        Step = "keys"        // client id, secret, subscription key, MSN
	StepShop        Step = "shop"        // name, address, organisation number
	StepTill        Step = "till"        // posId, relay URL and token
	StepScanner     Step = "scanner"
	StepPrinter     Step = "printer"
	StepCatalog     Step = "catalog"
	StepMarket      Step = "market" // market and language
	StepManager     Step = "manager"
)

// Steps lists the steps in order.
var Steps = []Step{StepEnvironment, StepKeys, StepShop, StepTill, StepScanner, StepPrinter, StepCatalog, StepMarket, StepManager}

// Markets and languages offered.
var (
	Markets   = []string{"NO", "DK", "FI"}
	Languages = []string{"", "en", "nb", "da", "fi"} // "" follows the operating system
)

// Tester runs the tests behind "Test connection". The zero value uses the
// real network and devices.
type Tester struct {
	HTTPClient *http.Client
	// ScanWait is how long the scanner test waits for a barcode (default 15 s).
	ScanWait time.Duration
}

// Keys tests the Vipps MobilePay keys.
func (t Tester) Keys(ctx context.Context, c station.Config) station.Check {
	return station.CheckVipps(ctx, c.Vipps, t.HTTPClient)
}

// Relay tests the relay URL and token against the till's id and MSN.
func (t Tester) Relay(ctx context.Context, c station.Config) station.Check {
	return station.CheckRelay(ctx, c.Relay, c.POSID, c.Vipps.MSN, t.HTTPClient)
}

// Printer prints a test page on the configured printer.
func (t Tester) Printer(ctx context.Context, c station.Config) station.Check {
	if c.Printer == "" {
		return station.Check{OK: true, Message: "No receipt printer: receipts go to the customer's phone only."}
	}
	p, err := station.NewReceiptPrinter(c.Printer, c.PrinterLayout)
	if err != nil {
		return station.Check{Message: "Kasse cannot use this printer address: " + err.Error()}
	}
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	text := "If you can read this, Kasse prints here.\n" + time.Now().Format("02.01.2006 15:04")
	if c.Shop.Name != "" {
		text = c.Shop.Name + "\n" + text
	}
	if err := p.PrintText(ctx, "Kasse test print", text); err != nil {
		return station.Check{Message: "The test print failed: " + escpos.Message(err)}
	}
	return station.Check{OK: true, Message: "A test page went to the printer. Did it come out?"}
}

// Scanner opens the scanner's port and waits for one barcode.
func (t Tester) Scanner(ctx context.Context, c station.Config) station.Check {
	if c.Scanner.Port == "" {
		return station.Check{OK: true, Message: "No serial scanner: a USB scanner that types like a keyboard needs no setting."}
	}
	wait := t.ScanWait
	if wait <= 0 {
		wait = 15 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	codes := make(chan string, 1)
	var last atomic.Pointer[scanner.Status]
	cfg := scanner.Config{Port: c.Scanner.Port, Baud: c.Scanner.Baud, Suffix: c.Scanner.Suffix}
	go func() {
		_ = scanner.Run(ctx, cfg, func(code string) {
			select {
			case codes <- code:
			default:
			}
		}, func(st scanner.Status) { last.Store(&st) })
	}()
	select {
	case code := <-codes:
		cancel()
		return station.Check{OK: true, Message: fmt.Sprintf("The scanner works: it read %q.", code)}
	case <-ctx.Done():
		if st := last.Load(); st != nil && st.Err != nil {
			return station.Check{Message: st.Message()}
		}
		return station.Check{Message: fmt.Sprintf("No barcode arrived on %s in %s. Scan a barcode within that time, or check the port.", c.Scanner.Port, wait)}
	}
}

// Catalog checks that the catalog file (JSON, or CSV in the market's
// currency) can be read, and names every bad row of a CSV file.
func Catalog(path, market string) station.Check {
	if path == "" {
		return station.Check{OK: true, Message: "An empty catalog: add products later, or type items by hand at the till."}
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return station.Check{Message: "Kasse cannot read " + path + ": " + errors.Unwrap(err).Error()}
	}
	cat, err := catalog.Load(path, b, Currency(market))
	if err != nil {
		return station.Check{Message: "This is not a catalog Kasse can read: " + err.Error()}
	}
	return station.Check{OK: true, Message: fmt.Sprintf("%d products in %d categories.", len(cat.All()), len(cat.Categories()))}
}

// SerialPorts lists the serial ports this computer has, for the scanner
// step: USB serial and ACM devices and their stable by-id names on Linux,
// /dev/cu.* on macOS, COM1–COM32 that exist on Windows.
func SerialPorts() []string {
	var pats []string
	switch runtime.GOOS {
	case "linux":
		pats = []string{"/dev/serial/by-id/*", "/dev/ttyUSB*", "/dev/ttyACM*"}
	case "darwin":
		pats = []string{"/dev/cu.*"}
	case "windows":
		var out []string
		for i := 1; i <= 32; i++ {
			name := fmt.Sprintf("COM%d", i)
			if f, err := os.OpenFile(`\\.\`+name, os.O_RDWR, 0); err == nil {
				f.Close()
				out = append(out, name)
			} else if !errors.Is(err, os.ErrNotExist) {
				out = append(out, name) // there, but in use
			}
		}
		return out
	default:
		pats = []string{"/dev/tty.usb*", "/dev/cuaU*"}
	}
	var out []string
	for _, p := range pats {
		m, _ := filepath.Glob(p)
		out = append(out, m...)
	}
	return slices.Compact(out)
}

// Manager makes the first manager account from a name and a PIN typed twice.
func Manager(name, pin, again string) (cashier.Account, error) {
	name = strings.TrimSpace(name)
	switch {
	case name == "":
		return cashier.Account{}, errors.New("type the manager's name")
	case pin != again:
		return cashier.Account{}, errors.New("the two PINs are not the same")
	}
	h, err := cashier.HashPIN(pin)
	if err != nil {
		return cashier.Account{}, err
	}
	return cashier.Account{Name: name, Role: cashier.RoleManager, PIN: h}, nil
}

// Validate says what is missing in c for a real till, step by step; an
// empty list means it can start.
func Validate(c station.Config) map[Step]string {
	out := map[Step]string{}
	if c.Vipps.BaseURL == "" {
		out[StepEnvironment] = "Choose Test or Production."
	}
	if c.Vipps.ClientID == "" || c.Vipps.ClientSecret == "" || c.Vipps.SubscriptionKey == "" || c.Vipps.MSN == "" {
		out[StepKeys] = "Fill in all four keys from the Vipps MobilePay portal."
	}
	if strings.TrimSpace(c.Shop.Name) == "" {
		out[StepShop] = "Type the shop's name: it is printed on every receipt."
	}
	if strings.TrimSpace(c.POSID) == "" {
		out[StepTill] = "Give the till an id, such as 1."
	} else if c.Relay.URL != "" && c.Relay.Token == "" {
		out[StepTill] = "Fill in the relay's till token, or leave the relay URL empty."
	}
	if !slices.Contains(Markets, c.Market) {
		out[StepMarket] = "Choose Norway, Denmark or Finland."
	}
	hasManager := slices.ContainsFunc(c.Cashiers, func(a cashier.Account) bool { return a.Role == cashier.RoleManager })
	if !hasManager {
		out[StepManager] = "Add a manager with a PIN: only a manager may refund and change the settings."
	}
	return out
}

// Currency is the market's currency.
func Currency(market string) string {
	switch market {
	case "DK":
		return "DKK"
	case "FI":
		return "EUR"
	}
	return "NOK"
}

// Finish fills what follows from the choices (the currency of the market)
// before the configuration is saved.
func Finish(c station.Config) station.Config {
	c.Currency = Currency(c.Market)
	c.Demo = false
	return c
}

// Defaults is a new shop's configuration before the first step.
func Defaults() station.Config {
	return station.Config{POSID: "1", Market: "NO", Vipps: station.VippsConfig{BaseURL: station.TestURL}}
}
