package proof

import (
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/kasse-pos/kasse/payments/epayment"
	"github.com/kasse-pos/kasse/payments/sim"
)

// TestBooksCatchWhatIsWrong checks the checker: money moved behind the till's
// back (a payment charged twice, one left authorized, neither in the journal)
// must show in the books, or the other tests would prove nothing.
func TestBooksCatchWhatIsWrong(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	st, c := w.startTill(t)
	c.sell(saleSpec{Products: basket, Phone: phoneApproves})
	st.Close()
	if b := w.audit(); len(b.Problems) > 0 || b.Captured != 1 {
		t.Fatalf("an honest sale: %+v", b)
	}

	m := sim.DemoMerchant()
	api, err := epayment.New(epayment.Config{BaseURL: w.cfg.Vipps.BaseURL, ClientID: m.ClientID, ClientSecret: m.ClientSecret,
		SubscriptionKey: m.SubscriptionKey, MSN: m.MSN, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	nok := func(v int64) epayment.Amount { return epayment.Amount{Currency: "NOK", Value: v} }
	rogue := func(ref string) {
		t.Helper()
		_, err := api.CreatePayment(ctx, ref+"-create", epayment.CreatePaymentRequest{
			Amount: nok(10000), Customer: &epayment.Customer{PhoneNumber: "47" + phoneSilent},
			CustomerInteraction: epayment.CustomerPresent, PaymentMethod: epayment.PaymentMethod{Type: "WALLET"},
			Reference: ref, UserFlow: epayment.FlowPushMessage,
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := w.demo.Sim.Approve(sim.DemoMSN, ref); err != nil {
			t.Fatal(err)
		}
	}
	rogue("rogue-twice")
	for _, key := range []string{"a", "b"} {
		if _, err := api.Capture(ctx, "rogue-twice", "rogue-twice-"+key, nok(5000)); err != nil {
			t.Fatal(err)
		}
	}
	rogue("rogue-left")

	b := w.audit()
	if b.Double != 1 || b.Left != 1 {
		t.Errorf("double charges %d, authorizations left %d; want 1 and 1", b.Double, b.Left)
	}
	all := strings.Join(b.Problems, "\n")
	for _, want := range []string{"rogue-twice is at Vipps but not in the journal", "rogue-left left authorized"} {
		if !strings.Contains(all, want) {
			t.Errorf("the books miss %q:\n%s", want, all)
		}
	}
}
