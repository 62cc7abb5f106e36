// Package setup is the logic of Kasse's setup window and settings screen:
// the steps a shop goes through, the tests behind each "Test connection"
// button, and the configuration they make. It draws nothing (ui/setup.go and
// ui/settings.go do) and says every outcome in plain words.
package setup

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
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
	"github.com/kasse-pos/kasse/app/i18n"
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
		return station.Check{OK: true, Message: i18n.M("No receipt printer: receipts go to the customer's phone only.")}
	}
	p, err := station.NewReceiptPrinter(c.Printer, c.PrinterLayout)
	if err != nil {
		slog.Warn("setup: printer address", "err", err)
		return station.Check{Message: i18n.M("Kasse cannot use this printer address. Write it as serial:/dev/ttyUSB0, file:/dev/usb/lp0 or tcp:192.168.1.50:9100.")}
	}
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	text := "If you can read this, Kasse prints here.\n" + time.Now().Format("02.01.2006 15:04")
	if c.Shop.Name != "" {
		text = c.Shop.Name + "\n" + text
	}
	if err := p.PrintText(ctx, "Kasse test print", text); err != nil {
		slog.Warn("setup: test print", "err", err)
		return station.Check{Message: i18n.M("The test print failed: {{.Reason}} Check the printer, then try again.", "Reason", printerReason(err))}
	}
	return station.Check{OK: true, Message: i18n.M("A test page went to the printer. Did it come out?")}
}

// Scanner opens the scanner's port and waits for one barcode.
func (t Tester) Scanner(ctx context.Context, c station.Config) station.Check {
	if c.Scanner.Port == "" {
		return station.Check{OK: true, Message: i18n.M("No serial scanner: a USB scanner that types like a keyboard needs no setting.")}
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
		return station.Check{OK: true, Message: i18n.M("The scanner works: it read \"{{.Code}}\".", "Code", code)}
	case <-ctx.Done():
		if st := last.Load(); st != nil && st.Err != nil {
			return station.Check{Message: station.ScannerMsg(*st)}
		}
		return station.Check{Message: i18n.M("No barcode arrived on {{.Port}} in {{.Wait}}. Scan a barcode within that time, or check the port.", "Port", c.Scanner.Port, "Wait", wait)}
	}
}

// Catalog checks that the catalog file (JSON, or CSV in the market's
// currency) can be read, and names every bad row of a CSV file.
func Catalog(path, market string) station.Check {
	if path == "" {
		return station.Check{OK: true, Message: i18n.M("An empty catalog: add products later, or type items by hand at the till.")}
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return station.Check{Message: i18n.M("Kasse cannot read {{.Path}}: {{.Reason}}", "Path", path, "Reason", errors.Unwrap(err).Error())}
	}
	cat, err := catalog.Load(path, b, Currency(market))
	if err != nil {
		return station.Check{Message: i18n.M("This is not a catalog Kasse can read: {{.Reason}}", "Reason", err.Error())}
	}
	return station.Check{OK: true, Message: i18n.M("{{.Products}} products in {{.Categories}} categories.", "Products", len(cat.All()), "Categories", len(cat.Categories()))}
}

// printerReason is why a print failed, in words of app/i18n.
func printerReason(err error) i18n.Msg {
	switch {
	case errors.Is(err, escpos.ErrPaperOut):
		return i18n.M("the printer is out of paper.")
	case errors.Is(err, escpos.ErrCoverOpen):
		return i18n.M("the printer's cover is open.")
	case errors.Is(err, escpos.ErrOffline):
		return i18n.M("the printer does not answer; is it on and connected?")
	}
	return i18n.M("the printer reported an error (the log has it).")
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
		return cashier.Account{}, i18n.M("Type the manager's name.")
	case pin != again:
		return cashier.Account{}, i18n.M("The two PINs are not the same; type them again.")
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
		out[StepEnvironment] = i18n.Key("Choose Test or Production.")
	}
	if c.Vipps.ClientID == "" || c.Vipps.ClientSecret == "" || c.Vipps.SubscriptionKey == "" || c.Vipps.MSN == "" {
		out[StepKeys] = i18n.Key("Fill in all four keys from the Vipps MobilePay portal.")
	}
	if strings.TrimSpace(c.Shop.Name) == "" {
		out[StepShop] = i18n.Key("Type the shop's name: it is printed on every receipt.")
	}
	if strings.TrimSpace(c.POSID) == "" {
		out[StepTill] = i18n.Key("Give the till an id, such as 1.")
	} else if c.Relay.URL != "" && c.Relay.Token == "" {
		out[StepTill] = i18n.Key("Fill in the relay's till token, or leave the relay URL empty.")
	}
	if !slices.Contains(Markets, c.Market) {
		out[StepMarket] = i18n.Key("Choose Norway, Denmark or Finland.")
	}
	hasManager := slices.ContainsFunc(c.Cashiers, func(a cashier.Account) bool { return a.Role == cashier.RoleManager })
	if !hasManager {
		out[StepManager] = i18n.Key("Add a manager with a PIN: only a manager may refund and change the settings.")
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
