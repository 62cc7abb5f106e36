package station

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/kasse-pos/kasse/app/backoffice"
	"github.com/kasse-pos/kasse/app/cashier"
	"github.com/kasse-pos/kasse/app/catalog"
	"github.com/kasse-pos/kasse/app/checkout"
	"github.com/kasse-pos/kasse/app/fiscal"
	"github.com/kasse-pos/kasse/app/journal"
	"github.com/kasse-pos/kasse/app/msisdn"
	"github.com/kasse-pos/kasse/assets"
	"github.com/kasse-pos/kasse/hardware/scanner"
	"github.com/kasse-pos/kasse/payments/epayment"
	"github.com/kasse-pos/kasse/payments/relay"
)

// Version is Kasse's version, sent in the Vipps-System-* headers.
const Version = "0.1.0"

// Station is a running till: its checkout and the goroutines that feed it.
type Station struct {
	Till    *checkout.Till
	Journal *journal.Journal
	API     *epayment.Client
	// Printer is the receipt printer from the configuration, or nil.
	Printer *ReceiptPrinter
	// Publisher puts receipts on the relay's receipt page, or is nil.
	Publisher checkout.ReceiptPublisher
	// Refunder makes this till's refunds, through the till's payment engine.
	Refunder *backoffice.Refunder
	// Office is the till's back office, for the screens.
	Office *backoffice.Desk
	// Cashiers is the till's login; every record the till journals names
	// the cashier logged in.
	Cashiers *cashier.Desk

	cancel context.CancelFunc
	wg     sync.WaitGroup
	closer []func() error
}

// Options are the parts a caller may supply instead of building them from the
// configuration (the demo's virtual printer, a test's HTTP client).
type Options struct {
	Logger     *slog.Logger
	HTTPClient *http.Client
	Printer    checkout.ReceiptPrinter
	// NoRecover skips recovery on start (tests that drive it themselves).
	NoRecover bool
	// NoStartCheck skips testing the keys and the relay on start.
	NoStartCheck bool
	// Trace is passed to checkout.Config.Trace (crash tests).
	Trace func(step, reference string)
	// ResetRelayCursor starts reading the relay's feed from its beginning: the
	// demo's relay is new on every start.
	ResetRelayCursor bool
}

// Start opens the journal, connects the till to Vipps MobilePay and its relay,
// starts the scanner, and runs recovery in the background. The till is usable
// as soon as Start returns; recovery's results appear in its View.
func Start(ctx context.Context, cfg Config, opts Options) (*Station, error) {
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	cat, err := loadCatalog(cfg)
	if err != nil {
		return nil, err
	}
	dir := cfg.DataDir
	if dir == "" {
		if dir, err = DefaultDataDir(); err != nil {
			return nil, err
		}
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("data folder %s: %w", dir, err)
	}
	j, err := journal.Open(filepath.Join(dir, "kasse.db"), journal.Options{Timeout: 2 * time.Second, Logger: log.With("part", "journal")})
	if err != nil {
		return nil, err
	}
	s := &Station{Journal: j}
	s.closer = append(s.closer, j.Close)
	s.Cashiers = cashier.New(cashier.Config{Accounts: cfg.Cashiers, Journal: j, IdleLock: cfg.IdleLock(), Logger: log.With("part", "cashier")})
	j.SetCashier(s.Cashiers.Name)
	fail := func(err error) (*Station, error) {
		s.Close()
		return nil, err
	}
	api, err := epayment.New(epayment.Config{
		BaseURL:         cfg.Vipps.BaseURL,
		ClientID:        cfg.Vipps.ClientID,
		ClientSecret:    cfg.Vipps.ClientSecret,
		SubscriptionKey: cfg.Vipps.SubscriptionKey,
		MSN:             cfg.Vipps.MSN,
		SystemName:      "kasse",
		SystemVersion:   Version,
		PluginName:      "kasse-pos",
		PluginVersion:   Version,
		HTTPClient:      opts.HTTPClient,
		// One try per call: the payment engine's policy is the one that
		// decides when and how often a call is tried again.
		Retry:  epayment.RetryPolicy{MaxAttempts: 1},
		Logger: log.With("part", "epayment"),
	})
	if err != nil {
		return fail(fmt.Errorf("vipps configuration: %w", err))
	}
	s.API = api
	market := msisdn.Market(cfg.Market)
	if market == "" {
		market = msisdn.Norway
	}
	var publisher checkout.ReceiptPublisher
	if cfg.Relay.URL != "" {
		publisher = &relayPublisher{c: &relay.TillClient{BaseURL: cfg.Relay.URL, Token: cfg.Relay.Token}}
		s.Publisher = publisher
	}
	printer := opts.Printer
	if printer == nil && cfg.Printer != "" {
		rp, err := NewReceiptPrinter(cfg.Printer, cfg.PrinterLayout)
		if err != nil {
			return fail(err)
		}
		s.Printer, printer = rp, rp
	}
	ctx, s.cancel = context.WithCancel(ctx)
	var signer *fiscal.Signer
	if market == msisdn.Norway {
		// Norway: every sale and return is signed in the cash register's
		// chain, with a key made on this installation and kept owner-only.
		keys, err := fiscal.OpenKeys(filepath.Join(dir, "fiscal"))
		if err != nil {
			return fail(fmt.Errorf("signing key: %w", err))
		}
		signer = fiscal.NewSigner(j, keys, nil)
	}
	till, err := checkout.New(ctx, checkout.Config{
		Journal: j, API: api, Catalog: cat, Shop: cfg.Shop, POSID: cfg.POSID,
		Currency: cfg.Currency, Market: market, Publisher: publisher, Printer: printer, Signer: optSigner(signer),
		Logger:       log.With("part", "checkout"),
		PushTimeout:  time.Duration(cfg.PushTimeout),
		EventGrace:   time.Duration(cfg.EventGrace),
		PollInterval: time.Duration(cfg.PollInterval),
		Trace:        opts.Trace,
	})
	if err != nil {
		return fail(err)
	}
	s.Till = till
	s.Refunder = &backoffice.Refunder{Journal: j, Engine: till.Engine(), API: api, Printer: printer, Publisher: publisher,
		Shop: cfg.Shop, Logger: log.With("part", "refund"), Signer: optSigner(signer)}
	s.Office = &backoffice.Desk{Journal: j, API: api, Refunder: s.Refunder}

	if opts.ResetRelayCursor {
		if err := j.SaveCursor(0); err != nil {
			return fail(err)
		}
	}
	rs := &relayStatus{till: till}
	if cfg.Relay.URL != "" {
		till.SetStatus("relay", "connecting…")
		p := &relay.Poller{
			BaseURL: cfg.Relay.URL, Token: cfg.Relay.Token, Cursor: j,
			OnEvent: till.Deliver,
			OnState: func(st relay.PollerState, err error) {
				till.SetRelayConnected(st == relay.Connected)
				msg := st.String()
				defer func() { rs.setState(msg) }()
				if st != relay.Connected {
					msg += " (payments are checked by polling meanwhile)"
					if errors.Is(err, relay.ErrUnauthorized) {
						msg = "token refused: check relay.token in the configuration"
					}
				}
			},
			Logger: log.With("part", "relay-poller"),
		}
		s.goRun(func() {
			if err := p.Run(ctx); err != nil {
				log.Error("relay poller stopped", "err", err)
				till.SetStatus("relay", "stopped: "+err.Error())
			}
		})
	} else {
		till.SetStatus("relay", "none (payments are checked by polling)")
	}
	if cfg.Scanner.Port != "" {
		sc := scanner.Config{Port: cfg.Scanner.Port, Baud: cfg.Scanner.Baud, Suffix: cfg.Scanner.Suffix, Logger: log.With("part", "scanner")}
		s.goRun(func() {
			err := scanner.Run(ctx, sc, till.Scan, func(st scanner.Status) { till.SetStatus("scanner", st.Message()) })
			if err != nil {
				till.SetStatus("scanner", err.Error())
			}
		})
	}
	if printer != nil {
		till.SetStatus("printer", "ready")
	}
	if cfg.CatalogFile == "" && !cfg.Demo {
		till.Notify(EmptyCatalogNotice)
	}
	if !opts.NoStartCheck {
		s.goRun(func() { checkOnStart(ctx, cfg, opts.HTTPClient, till, rs, log) })
	}
	if !opts.NoRecover {
		s.goRun(func() {
			if err := till.Recover(ctx); err != nil {
				log.Error("recovery", "err", err)
			}
			if signer != nil {
				// What a crash left unsigned is signed now, oldest first.
				if n, err := signer.SignPending(ctx); err != nil {
					log.Error("signing", "err", err)
				} else if n > 0 {
					log.Info("signed transactions left unsigned", "count", n)
				}
			}
			// Refunds journaled but not confirmed are sent again, same key.
			if _, err := s.Refunder.Resume(ctx); err != nil {
				log.Warn("refunds still pending", "err", err)
				till.Notify("A refund could not be confirmed with Vipps MobilePay yet; Kasse tries again on the next start. " + err.Error())
			}
		})
	}
	return s, nil
}

// optSigner keeps a nil *fiscal.Signer a nil interface.
func optSigner(s *fiscal.Signer) checkout.TransactionSigner {
	if s == nil {
		return nil
	}
	return s
}

func (s *Station) goRun(fn func()) {
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		fn()
	}()
}

// Close stops the till's goroutines and closes the journal. A payment in flight
// stays journaled and is finished on the next start.
func (s *Station) Close() {
	if s.cancel != nil {
		s.cancel()
	}
	if s.Till != nil {
		s.Till.Close()
	}
	s.wg.Wait()
	if s.Cashiers != nil {
		_ = s.Cashiers.Logout("till closed")
	}
	for i := len(s.closer) - 1; i >= 0; i-- {
		_ = s.closer[i]()
	}
}

// loadCatalog reads the shop's catalog. Without a catalog file only the demo
// sells the demo café's products; a real till starts with none, and says so
// (EmptyCatalogNotice), rather than sell coffee under the shop's name.
func loadCatalog(cfg Config) (*catalog.Catalog, error) {
	cur := cfg.Currency
	if cur == "" {
		cur = "NOK"
	}
	switch {
	case cfg.CatalogFile != "":
		b, err := os.ReadFile(cfg.CatalogFile)
		if err != nil {
			return nil, fmt.Errorf("catalog: %w", err)
		}
		return catalog.Load(cfg.CatalogFile, b, cur)
	case cfg.Demo:
		return catalog.Parse(assets.DemoCatalog)
	}
	b, _ := json.Marshal(map[string]any{"currency": cur, "categories": []string{}, "products": []any{}})
	return catalog.Parse(b)
}

// EmptyCatalogNotice is what the till says when it has no catalog file.
const EmptyCatalogNotice = "This till has no products yet: no catalog file is set up. Add one in Settings (Products), or type items by hand."

// relayPublisher uploads receipts to the relay's receipt page.
type relayPublisher struct{ c *relay.TillClient }

func (p *relayPublisher) PublishReceipt(ctx context.Context, r checkout.Receipt) (string, error) {
	doc := relay.ReceiptDoc{
		ShopName: r.Shop.Name, ShopAddress: r.Shop.Address, OrgNumber: r.Shop.OrgNumber,
		Number: r.Number, Time: r.Time, Currency: r.Currency, Total: r.Totals.Gross,
		PaymentMethod: r.Method, PaymentReference: r.Reference,
	}
	for _, l := range r.Lines {
		doc.Lines = append(doc.Lines, relay.ReceiptLine{Name: l.Name, Qty: fmt.Sprint(l.Quantity), Amount: l.Total(), VATPercent: l.VAT})
	}
	for _, v := range r.Totals.ByVAT {
		doc.VAT = append(doc.VAT, relay.ReceiptVAT{Percent: v.Percent, Base: v.Net, Amount: v.VAT})
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	return p.c.UploadReceipt(ctx, doc)
}
