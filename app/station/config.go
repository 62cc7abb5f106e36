// Package station assembles a whole till from its configuration: the journal,
// the ePayment client, the relay poller, the receipt publisher, the scanner and
// the printer, around a checkout.Till. Production and demo mode both start here;
// demo mode only points the configuration at the simulator and an in-process
// relay.
package station

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/kasse-pos/kasse/app/cashier"
	"github.com/kasse-pos/kasse/app/checkout"
	"github.com/kasse-pos/kasse/app/scan"
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
	// Language is the till's: "en", "nb", "da" or "fi"; empty follows the
	// computer's language (English if it is none of these). ReceiptLanguage
	// is the receipts', the phone receipt page's and the payment
	// description's; empty: the market's (nb, da, fi).
	Language        string `json:"language,omitempty"`
	ReceiptLanguage string `json:"receiptLanguage,omitempty"`
	// CatalogFile is a product list: JSON, as assets/catalog.json, or CSV
	// (name,price,vat,ean,category; see catalog.ParseCSV) when it ends in
	// .csv. Empty: an empty catalog (the demo's products only with Demo set).
	CatalogFile string `json:"catalogFile,omitempty"`
	// Demo marks the built-in demo's configuration: the only one that sells
	// the demo café's products when it names no catalog file.
	Demo bool `json:"demo,omitempty"`

	// Cashiers may log in to the till; their PINs are stored hashed. Empty:
	// no login (a notice says so).
	Cashiers []cashier.Account `json:"cashiers,omitempty"`
	// LockAfter locks the till after this long without a touch (default 5m;
	// "0s" never).
	LockAfter *Duration `json:"lockAfter,omitempty"`

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

	// Kiosk sets up self-checkout (kasse -kiosk): see KioskConfig.
	Kiosk KioskConfig `json:"kiosk,omitempty"`

	// InStoreBarcodes are the shop's own EAN-13 prefixes for weighed and
	// price-marked items, e.g. [{"prefix":"23","weight":true},{"prefix":"24"}].
	InStoreBarcodes scan.Rules `json:"inStoreBarcodes,omitempty"`
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

// LogValue keeps the secret and the subscription key out of logs.
func (v VippsConfig) LogValue() slog.Value {
	return slog.GroupValue(slog.String("baseUrl", v.BaseURL), slog.String("clientId", v.ClientID),
		slog.String("clientSecret", Mask(v.ClientSecret)), slog.String("subscriptionKey", Mask(v.SubscriptionKey)),
		slog.String("msn", v.MSN))
}

// LogValue keeps the till's token out of logs.
func (r RelayConfig) LogValue() slog.Value {
	return slog.GroupValue(slog.String("url", r.URL), slog.String("token", Mask(r.Token)))
}

// Mask shows only the last 4 characters of a secret, so that a person can
// tell which one is set without reading it ("••••3f9a").
func Mask(secret string) string {
	r := []rune(secret)
	if len(r) == 0 {
		return ""
	}
	if len(r) <= 4 {
		return "••••"
	}
	return "••••" + string(r[len(r)-4:])
}

// IdleLock is how long the till waits without a touch before it locks.
func (c Config) IdleLock() time.Duration {
	if c.LockAfter == nil {
		return 5 * time.Minute
	}
	return time.Duration(*c.LockAfter)
}

// ConfigError is a configuration file that could not be read, with the line
// and column of the mistake when the JSON says where it is.
type ConfigError struct {
	Path         string
	Line, Column int // 0 when unknown
	Err          error
}

func (e *ConfigError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("configuration %s, line %d, column %d: %v", e.Path, e.Line, e.Column, e.Err)
	}
	return fmt.Sprintf("configuration %s: %v", e.Path, e.Err)
}

func (e *ConfigError) Unwrap() error { return e.Err }

// Load reads a configuration file. A mistake in the JSON is a *ConfigError
// that names its line and column.
func Load(path string) (Config, error) {
	var c Config
	b, err := os.ReadFile(path)
	if err != nil {
		return c, &ConfigError{Path: path, Err: err}
	}
	if err := json.Unmarshal(b, &c); err != nil {
		ce := &ConfigError{Path: path, Err: err}
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se):
			ce.Line, ce.Column = position(b, se.Offset)
		case errors.As(err, &te):
			ce.Line, ce.Column = position(b, te.Offset)
			ce.Err = fmt.Errorf("%s should be %s, not %s", te.Field, te.Type, te.Value)
		}
		return c, ce
	}
	return c, nil
}

// position turns a byte offset into a 1-based line and column (in
// characters). encoding/json's offsets point just past the byte it stopped
// at, so the column is that byte's.
func position(b []byte, offset int64) (line, col int) {
	if offset > int64(len(b)) {
		offset = int64(len(b))
	}
	if offset < 1 {
		offset = 1
	}
	before := b[:offset-1]
	line = bytes.Count(before, []byte("\n")) + 1
	start := bytes.LastIndexByte(before, '\n') + 1
	col = len([]rune(string(before[start:]))) + 1
	return line, col
}

// rename is os.Rename; a test replaces it to simulate a crash mid-save.
var rename = os.Rename

// Save writes the configuration to path atomically and owner-only: the new
// file is written beside the old one, synced, and renamed over it, so a
// crash at any moment leaves either the old file or the new one, whole.
func Save(path string, c Config) error {
	data, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return fmt.Errorf("configuration: %w", err)
	}
	data = append(data, '\n')
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("configuration folder: %w", err)
	}
	f, err := os.CreateTemp(dir, ".kasse-*.json")
	if err != nil {
		return fmt.Errorf("configuration: %w", err)
	}
	tmp := f.Name()
	done := false
	defer func() {
		if !done {
			os.Remove(tmp)
		}
	}()
	// CreateTemp makes the file 0600 already; Chmod says so on purpose.
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return fmt.Errorf("configuration: %w", err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("configuration: write: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("configuration: sync: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("configuration: %w", err)
	}
	if err := rename(tmp, path); err != nil {
		return fmt.Errorf("configuration: replace %s: %w", path, err)
	}
	done = true
	// The rename is durable only once the folder's entry is on disk.
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync() // not every OS can sync a folder (Windows)
		d.Close()
	}
	return nil
}

// DefaultConfigPath is where `kasse` looks for its configuration when given
// no -config, and where setup saves it.
func DefaultConfigPath() (string, error) {
	dir, err := DefaultDataDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, "kasse.json"), nil
}

// DefaultDataDir is where the journal lives when the config names no folder.
func DefaultDataDir() (string, error) {
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("no user data folder: %w", err)
	}
	return filepath.Join(dir, "kasse"), nil
}
