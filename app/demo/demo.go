// Package demo runs Kasse with no Vipps account: it starts the simulator of the
// Vipps MobilePay API and a relay in-process, on loopback, registers the relay's
// webhook with the simulator exactly as `kasse-relay register` does with Vipps,
// and returns a station.Config that points the till at them. The till then runs
// the production code path, over real HTTP, with a fake Vipps behind it.
package demo

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/kasse-pos/kasse/app/cashier"
	"github.com/kasse-pos/kasse/app/checkout"
	"github.com/kasse-pos/kasse/app/market"
	"github.com/kasse-pos/kasse/app/station"
	"github.com/kasse-pos/kasse/payments/epayment"
	"github.com/kasse-pos/kasse/payments/relay"
	"github.com/kasse-pos/kasse/payments/sim"
	"github.com/kasse-pos/kasse/payments/webhook"
)

// Options tune the demo.
type Options struct {
	// DataDir holds the till's journal and the demo relay's file.
	DataDir string
	// ApproveDelay is how long the simulated customer takes (default 3 s).
	ApproveDelay time.Duration
	// ExpireAfter is how long an unanswered request lives (default 2 min).
	ExpireAfter time.Duration
	// ManualCustomer turns the simulated customer off (tests approve by hand).
	ManualCustomer bool
	// Market is the demo shop's country: "NO" (default), "DK" or "FI", with
	// its own shop, catalog, currency and brand. Language is the till's
	// (empty: the computer's).
	Market, Language string
	// LAN serves receipt pages on the machine's LAN address, so a phone on the
	// same network can open the receipt QR.
	LAN    bool
	Logger *slog.Logger
}

// DemoStaffPIN opens the demo kiosk's staff menu.
const DemoStaffPIN = "1234"

// Demo is a running simulator and relay.
type Demo struct {
	Sim      *sim.Sim
	SimURL   string
	RelayURL string
	Config   station.Config

	relayStore *relay.Store
	relaySrv   *relay.Server
	relayHTTP  *http.Server
	relayAddr  string
	servers    []*http.Server
	log        *slog.Logger
	phoneURL   string

	mu        sync.Mutex // the scenario below
	playing   string
	relayDown bool
}

// Start starts the simulator and the relay and registers the webhook.
func Start(ctx context.Context, opts Options) (*Demo, error) {
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	if opts.ApproveDelay <= 0 {
		opts.ApproveDelay = 3 * time.Second
	}
	if opts.ExpireAfter <= 0 {
		opts.ExpireAfter = 2 * time.Minute
	}
	if err := os.MkdirAll(opts.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("demo data folder: %w", err)
	}
	d := &Demo{log: log}
	fail := func(err error) (*Demo, error) {
		d.Close()
		return nil, err
	}
	s, err := sim.New(sim.Config{
		ApproveDelay: opts.ApproveDelay, ExpireAfter: opts.ExpireAfter,
		ManualCustomer: opts.ManualCustomer, Logger: log.With("part", "sim"),
	})
	if err != nil {
		return fail(err)
	}
	d.Sim = s
	if d.SimURL, err = d.serve("127.0.0.1:0", s.Handler()); err != nil {
		return fail(err)
	}
	if err := d.servePhone(opts.LAN); err != nil {
		return fail(err)
	}

	// The demo relay starts empty each time, like the simulator, so the till's
	// cursor into the old feed no longer applies.
	relayPath := filepath.Join(opts.DataDir, "demo-relay.db")
	_ = os.Remove(relayPath)
	if d.relayStore, err = relay.OpenStore(relayPath); err != nil {
		return fail(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fail(err)
	}
	d.RelayURL = "http://" + ln.Addr().String()
	receiptBase := d.RelayURL
	var lanLn net.Listener
	if opts.LAN {
		if ip := lanAddress(); ip != "" {
			if lanLn, err = net.Listen("tcp", net.JoinHostPort(ip, "0")); err == nil {
				receiptBase = "http://" + lanLn.Addr().String()
			} else {
				log.Warn("demo: receipts only on this machine", "err", err)
			}
		}
	}
	d.relaySrv, err = relay.NewServer(relay.Config{Store: d.relayStore, PublicURL: d.RelayURL, ReceiptBaseURL: receiptBase, Logger: log.With("part", "relay")})
	if err != nil {
		ln.Close()
		return fail(err)
	}
	d.relayAddr = ln.Addr().String()
	d.relayHTTP = d.serveOn(ln, d.relaySrv.Handler())
	if lanLn != nil {
		d.serveOn(lanLn, d.relaySrv.ReceiptHandler())
	}

	// Register the relay with the (simulated) Webhooks API, as a store owner
	// does with `kasse-relay register`.
	m := sim.DemoMerchant()
	api, err := epayment.New(epayment.Config{BaseURL: d.SimURL, ClientID: m.ClientID, ClientSecret: m.ClientSecret, SubscriptionKey: m.SubscriptionKey, MSN: m.MSN, Logger: log})
	if err != nil {
		return fail(err)
	}
	hookURL := relay.WebhookURL(d.RelayURL, m.MSN)
	reg, err := api.RegisterWebhook(ctx, hookURL, webhook.TillEvents())
	if err != nil {
		return fail(fmt.Errorf("demo: register webhook: %w", err))
	}
	if err := d.relayStore.AddRegistration(m.MSN, reg.ID, reg.Secret, hookURL); err != nil {
		return fail(err)
	}
	const posID = "1"
	token, err := d.relayStore.AddTill("demo-till-1", m.MSN, checkout.ReferencePrefix(posID))
	if err != nil {
		return fail(err)
	}
	mk, err := market.Of(opts.Market)
	if err != nil {
		return fail(err)
	}
	shop := map[string]checkout.Shop{
		"NO": {Name: "Kasse Demo Kafé", Address: "Storgata 1, 0155 Oslo", OrgNumber: "999 999 999 MVA"},
		"DK": {Name: "Kasse Demo Café", Address: "Strøget 1, 1160 København K", OrgNumber: "99999999"},
		"FI": {Name: "Kasse Demo Kahvila", Address: "Aleksanterinkatu 1, 00100 Helsinki", OrgNumber: "9999999-9"},
	}[string(mk.Code)]
	d.Config = station.Config{
		DataDir:  opts.DataDir,
		POSID:    posID,
		Shop:     shop,
		Market:   string(mk.Code),
		Currency: mk.Currency,
		Language: opts.Language,
		Vipps: station.VippsConfig{
			BaseURL: d.SimURL, ClientID: m.ClientID, ClientSecret: m.ClientSecret,
			SubscriptionKey: m.SubscriptionKey, MSN: m.MSN,
		},
		Relay:       station.RelayConfig{URL: d.RelayURL, Token: token},
		Printer:     "virtual:", // shows the paper receipt as a picture in the till
		PushTimeout: station.Duration(opts.ExpireAfter),
		// The demo kiosk's staff PIN (README); a real shop sets its own.
		Kiosk: station.KioskConfig{StaffPIN: DemoStaffPIN},
		Demo:  true,
		Cashiers: []cashier.Account{
			{Name: ManagerName, Role: cashier.RoleManager, PIN: managerHash},
			{Name: "Ola", Role: cashier.RoleCashier, PIN: cashierHash},
		},
	}
	return d, nil
}

// The demo's cashiers: the till starts with the manager logged in; Switch
// cashier shows the login (LoginHint says the PINs).
const (
	ManagerName = "Anna"
	ManagerPIN  = "1234"
	LoginHint   = "Demo: Anna, PIN 1234 (manager); Ola, PIN 0000 (cashier)."
)

// The hashes of the demo PINs 1234 and 0000, made once with cashier.HashPIN:
// hashing them on every start would slow every test that starts a demo.
const (
	managerHash = "$argon2id$v=19$m=19456,t=2,p=1$s/chcdD2A3cHLqJYFx6s/w$jqku3PpDISMY+aohZNysmrfy5iwqQYZtUuVYxzOQfc4"
	cashierHash = "$argon2id$v=19$m=19456,t=2,p=1$A1C2XWL2lhxnNkLAQS73nw$cXVFbUJIIjXO+Y+KXCY8kqoih7+H/ZEncYf4Anijvu4"
)

func (d *Demo) serve(addr string, h http.Handler) (string, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", err
	}
	d.serveOn(ln, h)
	return "http://" + ln.Addr().String(), nil
}

func (d *Demo) serveOn(ln net.Listener, h http.Handler) *http.Server {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	d.servers = append(d.servers, srv)
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			slog.Error("demo server", "err", err)
		}
	}()
	return srv
}

// StopRelay takes the relay off the network, as a relay host going down does;
// its stored events stay. Webhooks then fail and the simulator retries them.
func (d *Demo) StopRelay() {
	d.relayHTTP.Close()
}

// StartRelay brings the relay back on the same address.
func (d *Demo) StartRelay() error {
	ln, err := net.Listen("tcp", d.relayAddr)
	if err != nil {
		return fmt.Errorf("demo: relay back on %s: %w", d.relayAddr, err)
	}
	d.relayHTTP = d.serveOn(ln, d.relaySrv.Handler())
	return nil
}

// Close stops the servers and the simulator.
func (d *Demo) Close() {
	if d.relaySrv != nil {
		d.relaySrv.Close()
	}
	for _, s := range d.servers {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		_ = s.Shutdown(ctx)
		cancel()
		s.Close()
	}
	if d.Sim != nil {
		d.Sim.Close()
	}
	if d.relayStore != nil {
		d.relayStore.Close()
	}
}

// lanAddress is the machine's first private IPv4 address, or "".
func lanAddress() string {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return ""
	}
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && n.IP.To4() != nil && n.IP.IsPrivate() {
			return n.IP.String()
		}
	}
	return ""
}
