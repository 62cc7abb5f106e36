package station

import (
	"context"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/kasse-pos/kasse/app/checkout"
	"github.com/kasse-pos/kasse/app/journal"
	"github.com/kasse-pos/kasse/payments/epayment"
)

// The first start of a new version journals the update (13007) before the
// start (13001); a start of the same version only the start.
func TestStartJournalsAnUpdate(t *testing.T) {
	j, err := journal.Open(filepath.Join(t.TempDir(), "kasse.db"), journal.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	if _, err := j.Append(journal.Record{Kind: journal.KindTillStarted, Station: &journal.StationData{Text: "Kasse 0.0.1"}}); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := journalStart(j); err != nil {
			t.Fatal(err)
		}
	}
	var kinds []journal.Kind
	var update string
	_ = j.EachStationRecord(1, func(r journal.Record) bool {
		if r.Kind == journal.KindJournalCreated {
			return true
		}
		kinds = append(kinds, r.Kind)
		if r.Kind == journal.KindTillUpdated {
			update = r.Station.Text
		}
		return true
	})
	want := []journal.Kind{journal.KindTillStarted, journal.KindTillUpdated, journal.KindTillStarted, journal.KindTillStarted}
	if len(kinds) != len(want) || kinds[1] != want[1] || kinds[3] != want[3] || update != "Kasse 0.0.1 → Kasse "+Version {
		t.Errorf("records %v, update %q", kinds, update)
	}
}

// Training payments go to the simulator and no other payment does: the
// router decides by the training receipt number in the reference.
func TestTrainingPaymentsGoToTheSimulator(t *testing.T) {
	api, stop, err := startTrainingSim(quietLog())
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	real := &countingAPI{PaymentAPI: api}
	sim := &countingAPI{PaymentAPI: api}
	r := &trainingAPI{real: real, sim: sim}
	ctx := context.Background()
	for _, ref := range []string{"kasse-1-abc234-T000001-1", "kasse-1-abc234-000001-1"} {
		if _, err := r.CreatePayment(ctx, ref+"-create", epayment.CreatePaymentRequest{Reference: ref,
			Amount: epayment.Amount{Currency: "NOK", Value: 3200}, PaymentMethod: epayment.PaymentMethod{Type: "WALLET"},
			UserFlow: epayment.FlowQR}); err != nil {
			t.Fatalf("%s: %v", ref, err)
		}
		_, _ = r.GetPayment(ctx, ref)
	}
	if sim.n != 2 || real.n != 2 {
		t.Errorf("calls: simulator %d, Vipps %d; want 2 and 2", sim.n, real.n)
	}
}

// countingAPI counts the calls that reach it.
type countingAPI struct {
	checkout.PaymentAPI
	n int
}

func (c *countingAPI) CreatePayment(ctx context.Context, key string, req epayment.CreatePaymentRequest) (*epayment.CreatePaymentResponse, error) {
	c.n++
	return c.PaymentAPI.CreatePayment(ctx, key, req)
}

func (c *countingAPI) GetPayment(ctx context.Context, ref string) (*epayment.Payment, error) {
	c.n++
	return c.PaymentAPI.GetPayment(ctx, ref)
}

func quietLog() *slog.Logger { return slog.New(slog.DiscardHandler) }
