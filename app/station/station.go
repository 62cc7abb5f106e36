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
	"github.com/kasse-pos/kasse/app/i18n"
	"github.com/kasse-pos/kasse/app/journal"
	"github.com/kasse-pos/kasse/app/market"
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
	// Market is the configured market; Language the till's language
	// (resolved: never empty), for ui.UseLanguage.
	Market   market.Market
	Language string
	// Cashiers is the till's login; every record the till journals names
	// the cashier logged in.
	Cashiers *cashier.Desk
	// Signer signs the till's transactions (Norway), or is nil.
	Signer *fiscal.Signer

	cancel context.CancelFunc
	wg     sync.WaitGroup
	closer []func() error
	closed bool // Close ran: the stop is journaled once
}

// Options are the parts a caller may supply instead of building them from the
// configuration (the demo's virtual printer, a test's HTTP client).
type Options struct {
	Logger     *slog.Logger
	HTTPClient *http.Client
	Printer    checkout.ReceiptPrinter
	// Drawer opens the cash drawer; by default the receipt printer's drawer
	// port, when the printer has one.
	Drawer checkout.CashDrawer
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
	if err := cfg.InStoreBarcodes.Check(); err != nil {
		return fail(err)
	}
	// Training sales are paid on a simulator of their own, never with Vipps.
	simAPI, stopSim, err := startTrainingSim(log.With("part", "training-sim"))
	if err != nil {
		return fail(err)
	}
	s.closer = append(s.closer, stopSim)
	routed := &trainingAPI{real: api, sim: simAPI}
	mk, err := market.Of(cfg.Market)
	if err != nil {
		return fail(err)
	}
	if cfg.Currency == "" {
		cfg.Currency = cat.Currency
	}
	if cfg.Currency != mk.Currency || cat.Currency != mk.Currency {
		return fail(fmt.Errorf("market %s sells in %s, but the configuration says %q and the catalog %q", mk.Code, mk.Currency, cfg.Currency, cat.Currency))
	}
	s.Market, s.Language = mk, ResolveLanguage(cfg.Language)
	// Receipts are the customer's and, in Norway, a legal document
	// ("Salgskvittering"): in the market's language unless configured.
	receiptLang := s.ReceiptLanguage(cfg)
	var publisher checkout.ReceiptPublisher
	if cfg.Relay.URL != "" {
		publisher = &relayPublisher{c: &relay.TillClient{BaseURL: cfg.Relay.URL, Token: cfg.Relay.Token}, lang: receiptLang}
		s.Publisher = publisher
	}
	printer := opts.Printer
	if printer == nil && cfg.Printer != "" {
		rp, err := NewReceiptPrinter(cfg.Printer, cfg.PrinterLayout)
		if err != nil {
			return fail(err)
		}
		if !cfg.PrinterLayout.English {
			rp.Lang = receiptLang
		}
		s.Printer, printer = rp, rp
	}
	ctx, s.cancel = context.WithCancel(ctx)
	var signer *fiscal.Signer
	if mk.Code == msisdn.Norway && s.Printer != nil {
		s.Printer.Location = fiscal.Norway // receipts in Norwegian time, like the signatures
		s.Printer.Norway = true
	}
	if mk.Code == msisdn.Norway {
		// Norway: every sale and return is signed in the cash register's
		// chain, with a key made on this installation and kept owner-only.
		keys, err := fiscal.OpenKeys(filepath.Join(dir, "fiscal"))
		if err != nil {
			return fail(fmt.Errorf("signing key: %w", err))
		}
		signer = fiscal.NewSigner(j, keys, nil)
		s.Signer = signer
	}
	drawer := opts.Drawer
	if d, ok := printer.(checkout.CashDrawer); ok && drawer == nil {
		drawer = d
	}
	till, err := checkout.New(ctx, checkout.Config{
		Journal: j, API: routed, Catalog: cat, Shop: cfg.Shop, POSID: cfg.POSID,
		Currency: cfg.Currency, Market: mk.Code, Brand: mk.Brand, Lang: s.Language, ReceiptLang: receiptLang, VATRates: mk.VATRates,
		Publisher: publisher, Printer: printer, Signer: optSigner(signer),
		// What the cashier logged in may do: the till asks in app/cashier's
		// action names.
		Allowed:      s.Cashiers.Allowed,
		Logger:       log.With("part", "checkout"),
		PushTimeout:  time.Duration(cfg.PushTimeout),
		EventGrace:   time.Duration(cfg.EventGrace),
		PollInterval: time.Duration(cfg.PollInterval),
		Trace:        opts.Trace,
		InStore:      cfg.InStoreBarcodes,
		SalesUnit:    cfg.Vipps.MSN,
		Drawer:       drawer,
	})
	if err != nil {
		return fail(err)
	}
	s.Till = till
	s.Refunder = &backoffice.Refunder{Journal: j, Engine: till.Engine(), API: routed, Printer: printer, Publisher: publisher, Drawer: drawer,
		Shop: cfg.Shop, Lang: receiptLang, Brand: mk.Brand, Logger: log.With("part", "refund"), Signer: optSigner(signer)}
	till.SetRefunds(s.Refunder) // an exchange's difference goes back through it
	s.Office = &backoffice.Desk{Journal: j, API: routed, Refunder: s.Refunder, Header: reportHeader(cfg, j), Lang: s.Language}
	if err := journalStart(j); err != nil {
		return fail(err)
	}

	if opts.ResetRelayCursor {
		if err := j.SaveCursor(0); err != nil {
			return fail(err)
		}
	}
	rs := &relayStatus{till: till, lang: s.Language}
	if cfg.Relay.URL != "" {
		till.SetStatus("relay", i18n.Key("connecting…"))
		p := &relay.Poller{
			BaseURL: cfg.Relay.URL, Token: cfg.Relay.Token, Cursor: j,
			OnEvent: till.Deliver,
			OnState: func(st relay.PollerState, err error) {
				till.SetRelayConnected(st == relay.Connected)
				msg := st.String()
				defer func() { rs.setState(msg) }()
				if st != relay.Connected {
					msg = i18n.T(s.Language, "{{.State}} (payments are checked by polling meanwhile)", "State", i18n.T(s.Language, st.String()))
					if errors.Is(err, relay.ErrUnauthorized) {
						msg = i18n.Key("token refused: check relay.token in the configuration")
					}
				}
			},
			Logger: log.With("part", "relay-poller"),
		}
		s.goRun(func() {
			if err := p.Run(ctx); err != nil {
				log.Error("relay poller stopped", "err", err)
				till.SetStatus("relay", i18n.Key("stopped: restart Kasse; until then payments are checked by polling"))
			}
		})
	} else {
		till.SetStatus("relay", i18n.Key("none (payments are checked by polling)"))
	}
	if cfg.Scanner.Port != "" {
		sc := scanner.Config{Port: cfg.Scanner.Port, Baud: cfg.Scanner.Baud, Suffix: cfg.Scanner.Suffix, Logger: log.With("part", "scanner")}
		s.goRun(func() {
			err := scanner.Run(ctx, sc, till.Scan, func(st scanner.Status) { till.SetStatus("scanner", scannerText(s.Language, st)) })
			if err != nil {
				log.Error("scanner stopped", "err", err)
				till.SetStatus("scanner", i18n.Key("stopped: check its cable and the port in Settings, then restart Kasse"))
			}
		})
	}
	if printer != nil {
		till.SetStatus("printer", i18n.Key("ready"))
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
				till.Notify(i18n.Key("A refund could not be confirmed with Vipps MobilePay yet; Kasse tries again on the next start. The refund list in History shows which one."))
			}
		})
	}
	return s, nil
}

// ReceiptLanguage is the language cfg gives the receipts and the customer
// display: the market's unless configured (s.Market is the station's).
func (s *Station) ReceiptLanguage(cfg Config) string {
	if cfg.ReceiptLanguage != "" {
		return ResolveLanguage(cfg.ReceiptLanguage)
	}
	return s.Market.Language
}

// ResolveLanguage is the language a setting means ("" follows the computer):
// what the till and ui.UseLanguage use. A settings screen that lets the
// shop choose calls it with the choice.
func ResolveLanguage(setting string) string { return i18n.Resolve(setting) }

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
	if s.closed {
		return
	}
	s.closed = true
	if s.Cashiers != nil {
		_ = s.Cashiers.Logout("till closed")
	}
	if s.Till != nil {
		// A clean exit is an event of the journal (13002); a crash leaves
		// none, which is how a reader tells them apart.
		if _, err := s.Journal.Append(journal.Record{Kind: journal.KindTillStopped}); err != nil {
			slog.Default().Warn("journal the stop", "err", err)
		}
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
		if mk, err := market.Of(cfg.Market); err == nil {
			cur = mk.Currency
		}
	}
	switch {
	case cfg.CatalogFile != "":
		b, err := os.ReadFile(cfg.CatalogFile)
		if err != nil {
			return nil, fmt.Errorf("catalog: %w", err)
		}
		return catalog.Load(cfg.CatalogFile, b, cur)
	case cfg.Demo:
		switch cfg.Market {
		case "DK":
			return catalog.Parse(assets.DemoCatalogDK)
		case "FI":
			return catalog.Parse(assets.DemoCatalogFI)
		}
		return catalog.Parse(assets.DemoCatalog)
	}
	b, _ := json.Marshal(map[string]any{"currency": cur, "categories": []string{}, "products": []any{}})
	return catalog.Parse(b)
}

// EmptyCatalogNotice is what the till says when it has no catalog file.
var EmptyCatalogNotice = i18n.Key("This till has no products yet: no catalog file is set up. Add one in Settings (Products), or type items by hand.")

// relayPublisher uploads receipts to the relay's receipt page.
type relayPublisher struct {
	c    *relay.TillClient
	lang string // the receipts' language, when the receipt does not say
}

func (p *relayPublisher) PublishReceipt(ctx context.Context, r checkout.Receipt) (string, error) {
	lang := r.Lang
	if lang == "" {
		lang = p.lang
	}
	doc := relay.ReceiptDoc{
		ShopName: r.Shop.Name, ShopAddress: r.Shop.Address, OrgNumber: r.Shop.OrgNumber,
		Number: r.Number, Time: r.Time, Currency: r.Currency, Total: r.Totals.Gross,
		PaymentMethod: r.Method, PaymentReference: r.Reference,
		Register: r.POSID, Return: r.Refund, Of: r.Of, Training: r.Training,
		Lang: lang, Labels: pageLabels(i18n.For(lang)),
	}
	if r.Method == checkout.MethodCash {
		doc.PaymentMethod = i18n.For(lang).T("Cash") // "Kontant" on a Norwegian page
	}
	for _, l := range r.Lines {
		qty := l.QuantityString()
		if l.Weighed() {
			qty += " kg"
		}
		// Amount is what the line cost, its discounts taken off.
		rl := relay.ReceiptLine{Name: l.Name, Qty: qty, Amount: l.Total()}
		if p, whole := l.VATRate.Whole(); whole {
			rl.VATPercent = p
		}
		doc.Lines = append(doc.Lines, rl)
	}
	for _, v := range r.Totals.ByVAT {
		doc.VAT = append(doc.VAT, relay.ReceiptVAT{Rate: v.Rate.Format(","), Percent: int(v.Rate / 100), Base: v.Net, Amount: v.VAT})
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	return p.c.UploadReceipt(ctx, doc)
}
