// Package station assembles a whole till from its configuration: the journal,
// the ePayment client, the relay poller, the receipt publisher, the scanner and
// the printer, around a checkout.Till. Production and demo mode both start here;
// demo mode only points the configuration at the simulator and an in-process
// relay.
package station

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/kasse-pos/kasse/app/checkout"
)

// Config is the till's configuration file (JSON).
type Config struct {
	// DataDir holds the journal (kasse.db). Empty: the OS's user data folder.
	DataDir string `json:"dataDir,omitempty"`
	// POSID is the till's id on receipts and in payment references.
	POSID    string        `json:"posId"`
	Shop     checkout.Shop `json:"shop"`
	Market   string        `json:"market"`   // NO, DK or FI
	Currency string        `json:"currency"` // NOK, DKK or EUR; empty: the catalog's
	// CatalogFile is a product list (JSON, as assets/catalog.json); empty: the
	// demo catalog.
	CatalogFile string `json:"catalogFile,omitempty"`

	Vipps VippsConfig `json:"vipps"`
	Relay RelayConfig `json:"relay"`

	Scanner ScannerConfig `json:"scanner,omitempty"`
	// Printer is the receipt printer: "tcp:HOST:9100", "serial:/dev/ttyUSB0?baud=19200",
	// "file:/dev/usb/lp0", "virtual:" or empty for none.
	Printer       string        `json:"printer,omitempty"`
	PrinterLayout PrinterConfig `json:"printerLayout,omitempty"`

	// CustomerDisplay opens a second window for the customer: the basket,
	// the total, the payment and the QR codes, and the shop's name between
	// sales (the -customer-display flag does the same).
	CustomerDisplay bool `json:"customerDisplay,omitempty"`

	// PushTimeout is how long the customer has to approve; it should match the
	// API's expiry of push requests. Default 5m.
	PushTimeout Duration `json:"pushTimeout,omitempty"`
	// EventGrace and PollInterval tune the webhook-then-poll wait (defaults 3s, 2s).
	EventGrace   Duration `json:"eventGrace,omitempty"`
	PollInterval Duration `json:"pollInterval,omitempty"`
}

// VippsConfig is the merchant's API access (from the Vipps MobilePay portal).
type VippsConfig struct {
	BaseURL         string `json:"baseUrl"` // https://api.vipps.no or https://apitest.vipps.no
	ClientID        string `json:"clientId"`
	ClientSecret    string `json:"clientSecret"`
	SubscriptionKey string `json:"subscriptionKey"`
	MSN             string `json:"msn"`
}

// RelayConfig is the till's place on the webhook relay.
type RelayConfig struct {
	URL   string `json:"url"`
	Token string `json:"token"`
}

// ScannerConfig is a serial barcode scanner; empty Port means none (keyboard-
// wedge scanners need no configuration).
type ScannerConfig struct {
	Port   string `json:"port,omitempty"`
	Baud   int    `json:"baud,omitempty"`
	Suffix string `json:"suffix,omitempty"`
}

// Duration is a time.Duration written as "90s" in JSON.
type Duration time.Duration

// UnmarshalJSON reads "90s", "5m".
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("duration: %w", err)
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("duration %q: %w", s, err)
	}
	*d = Duration(v)
	return nil
}

// MarshalJSON writes the duration as text.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

// Load reads a configuration file.
func Load(path string) (Config, error) {
	var c Config
	b, err := os.ReadFile(path)
	if err != nil {
		return c, fmt.Errorf("config: %w", err)
	}
	if err := json.Unmarshal(b, &c); err != nil {
		return c, fmt.Errorf("config %s: %w", path, err)
	}
	return c, nil
}

// DefaultDataDir is where the journal lives when the config names no folder.
func DefaultDataDir() (string, error) {
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("no user data folder: %w", err)
	}
	return filepath.Join(dir, "kasse"), nil
}
