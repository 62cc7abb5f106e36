package station

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/kasse-pos/kasse/app/checkout"
	"github.com/kasse-pos/kasse/app/events"
	"github.com/kasse-pos/kasse/app/journal"
	"github.com/kasse-pos/kasse/payments/epayment"
	"github.com/kasse-pos/kasse/payments/sim"
)

// trainingAPI sends the payments of training sales to the built-in simulator
// and every other payment to Vipps MobilePay: a till in training mode can
// never take real money. A payment is a training payment by its reference
// (checkout.IsTrainingReference), which the journal fixes before any call.
type trainingAPI struct {
	real checkout.PaymentAPI
	sim  checkout.PaymentAPI
}

func (a *trainingAPI) pick(reference string) checkout.PaymentAPI {
	if checkout.IsTrainingReference(reference) {
		return a.sim
	}
	return a.real
}

func (a *trainingAPI) CreatePayment(ctx context.Context, idemKey string, req epayment.CreatePaymentRequest) (*epayment.CreatePaymentResponse, error) {
	return a.pick(req.Reference).CreatePayment(ctx, idemKey, req)
}

func (a *trainingAPI) GetPayment(ctx context.Context, reference string) (*epayment.Payment, error) {
	return a.pick(reference).GetPayment(ctx, reference)
}

func (a *trainingAPI) Capture(ctx context.Context, reference, idemKey string, amount epayment.Amount) (*epayment.ModificationResponse, error) {
	return a.pick(reference).Capture(ctx, reference, idemKey, amount)
}

func (a *trainingAPI) Cancel(ctx context.Context, reference, idemKey string, transactionOnly bool) (*epayment.ModificationResponse, error) {
	return a.pick(reference).Cancel(ctx, reference, idemKey, transactionOnly)
}

func (a *trainingAPI) Refund(ctx context.Context, reference, idemKey string, amount epayment.Amount) (*epayment.ModificationResponse, error) {
	return a.pick(reference).Refund(ctx, reference, idemKey, amount)
}

func (a *trainingAPI) GetEvents(ctx context.Context, reference string) ([]epayment.PaymentEvent, error) {
	return a.pick(reference).GetEvents(ctx, reference)
}

// ExchangeQR reads a customer's QR code: no money moves, so it always asks
// Vipps MobilePay, as a real sale would.
func (a *trainingAPI) ExchangeQR(ctx context.Context, qr string) (*epayment.QRExchangeResponse, error) {
	return a.real.ExchangeQR(ctx, qr)
}

// startTrainingSim runs the simulator on loopback for training sales, with a
// simulated customer who approves after a second, and returns a client for
// it and the function that stops it.
func startTrainingSim(log *slog.Logger) (checkout.PaymentAPI, func() error, error) {
	s, err := sim.New(sim.Config{ApproveDelay: time.Second, Logger: log})
	if err != nil {
		return nil, nil, fmt.Errorf("training simulator: %w", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		s.Close()
		return nil, nil, fmt.Errorf("training simulator: %w", err)
	}
	srv := &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("training simulator stopped", "err", err)
		}
	}()
	m := sim.DemoMerchant()
	api, err := epayment.New(epayment.Config{BaseURL: "http://" + ln.Addr().String(), ClientID: m.ClientID,
		ClientSecret: m.ClientSecret, SubscriptionKey: m.SubscriptionKey, MSN: m.MSN,
		SystemName: "kasse-training", SystemVersion: Version, Retry: epayment.RetryPolicy{MaxAttempts: 1}, Logger: log})
	stop := func() error {
		err := srv.Close()
		s.Close()
		return err
	}
	if err != nil {
		_ = stop()
		return nil, nil, fmt.Errorf("training simulator: %w", err)
	}
	return api, stop, nil
}

// reportHeader is who the X and Z reports are about. The system ID number
// is Kasse's version and the journal's till id, unique per installation.
func reportHeader(cfg Config, j interface{ TillID() string }) events.Header {
	posID := cfg.POSID
	if posID == "" {
		posID = "1"
	}
	return events.Header{CompanyName: cfg.Shop.Name, OrgNumber: cfg.Shop.OrgNumber, RegisterID: posID,
		SystemID: "Kasse " + Version + " / " + j.TillID()}
}

// journalStart journals the program's start (13001), and before it, on the
// first start of a new version, the update (13007).
func journalStart(j *journal.Journal) error {
	st, err := j.Station()
	if err != nil {
		return err
	}
	now := "Kasse " + Version
	var recs []journal.Record
	if st.Version != "" && st.Version != now {
		recs = append(recs, journal.Record{Kind: journal.KindTillUpdated, Station: &journal.StationData{Text: st.Version + " → " + now}})
	}
	recs = append(recs, journal.Record{Kind: journal.KindTillStarted, Station: &journal.StationData{Text: now}})
	if _, err := j.Append(recs...); err != nil {
		return fmt.Errorf("journal the start: %w", err)
	}
	return nil
}
