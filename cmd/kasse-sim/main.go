// Command kasse-sim runs the Vipps MobilePay simulator (payments/sim) on its
// own port, for integrators, tests and a second till: the access token,
// ePayment, QR exchange and Webhooks APIs with a simulated customer. See
// docs/simulator.md.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/kasse-pos/kasse/payments/sim"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "kasse-sim:", err)
		os.Exit(1)
	}
}

func run() error {
	var (
		addr         = flag.String("addr", "127.0.0.1:8089", "address to listen on")
		approveDelay = flag.Duration("approve-delay", sim.DefaultApproveDelay, "how long the simulated customer takes to answer")
		expireAfter  = flag.Duration("expire-after", sim.DefaultExpireAfter, "how long an unanswered payment waits before it EXPIRES")
		tokenLife    = flag.Duration("token-lifetime", sim.DefaultTokenLifetime, "lifetime of access tokens")
		qrAge        = flag.Duration("personal-qr-age", sim.DefaultPersonalQRAge, "how long an issued personal QR can be exchanged")
		manual       = flag.Bool("manual-customer", false, "turn the simulated customer off; approve with POST /epayment/v1/test/payments/{reference}/approve")
		plainHTTP    = flag.Bool("allow-http-webhooks", false, "accept http:// webhook URLs off loopback")
		adminAnyone  = flag.Bool("admin-from-anywhere", false, "serve the control API (/sim/v1/) to clients off loopback too")
		msn          = flag.String("msn", sim.DemoMSN, "merchant serial number")
		clientID     = flag.String("client-id", sim.DemoClientID, "client_id of the merchant")
		clientSecret = flag.String("client-secret", sim.DemoClientSecret, "client_secret of the merchant")
		subKey       = flag.String("subscription-key", sim.DemoSubscriptionKey, "Ocp-Apim-Subscription-Key of the merchant")
		faults       = flag.String("faults", "", `faults to inject from the start, as JSON (see docs/simulator.md), e.g. '{"serverError":0.1}'`)
		logFormat    = flag.String("log-format", "text", "log format: text or json")
		debug        = flag.Bool("debug", false, "log at debug level")
	)
	flag.Parse()

	level := slog.LevelInfo
	if *debug {
		level = slog.LevelDebug
	}
	opts := &slog.HandlerOptions{Level: level}
	var h slog.Handler
	switch *logFormat {
	case "text":
		h = slog.NewTextHandler(os.Stderr, opts)
	case "json":
		h = slog.NewJSONHandler(os.Stderr, opts)
	default:
		return fmt.Errorf("-log-format %q: want text or json", *logFormat)
	}
	log := slog.New(h)

	merchant := sim.Merchant{MSN: *msn, ClientID: *clientID, ClientSecret: *clientSecret, SubscriptionKey: *subKey}
	s, err := sim.New(sim.Config{
		Merchants:              []sim.Merchant{merchant},
		TokenLifetime:          *tokenLife,
		ApproveDelay:           *approveDelay,
		ExpireAfter:            *expireAfter,
		ManualCustomer:         *manual,
		PersonalQRMaxAge:       *qrAge,
		AllowPlainHTTPWebhooks: *plainHTTP,
		AdminFromAnywhere:      *adminAnyone,
		Logger:                 log,
	})
	if err != nil {
		return err
	}
	defer s.Close()
	if *faults != "" {
		f, err := sim.ParseFaults([]byte(*faults))
		if err != nil {
			return fmt.Errorf("-faults: %w", err)
		}
		s.SetFaults(f)
	}

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	base := "http://" + ln.Addr().String()
	log.Info("kasse-sim listening", "base_url", base, "msn", merchant.MSN, "client_id", merchant.ClientID,
		"client_secret", merchant.ClientSecret, "subscription_key", merchant.SubscriptionKey,
		"approve_delay", *approveDelay, "expire_after", *expireAfter, "manual_customer", *manual)
	fmt.Println(banner(base, merchant))

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := s.Serve(ctx, ln); err != nil && !errors.Is(err, sim.ErrClosed) {
		return err
	}
	log.Info("kasse-sim stopped")
	return nil
}

// banner is what an integrator copies into the till's or their own config.
func banner(base string, m sim.Merchant) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Vipps MobilePay simulator at %s\n", base)
	fmt.Fprintf(&b, "  Merchant-Serial-Number:    %s\n", m.MSN)
	fmt.Fprintf(&b, "  client_id:                 %s\n", m.ClientID)
	fmt.Fprintf(&b, "  client_secret:             %s\n", m.ClientSecret)
	fmt.Fprintf(&b, "  Ocp-Apim-Subscription-Key: %s\n", m.SubscriptionKey)
	fmt.Fprintf(&b, "Customer phones: %s approves, %s declines, %s never answers\n", sim.PhoneApproves, sim.PhoneDeclines, sim.PhoneNeverAnswers)
	fmt.Fprintf(&b, "Faults: PUT %s/sim/v1/faults; ledger: GET %s/sim/v1/ledger. Stop with Ctrl-C.", base, base)
	return b.String()
}
