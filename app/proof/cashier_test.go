package proof

import (
	"context"
	"errors"
	"fmt"
	"github.com/kasse-pos/kasse/app/backoffice"
	"github.com/kasse-pos/kasse/app/journal"
	"strings"
	"testing"
	"time"

	"github.com/kasse-pos/kasse/app/checkout"
	"github.com/kasse-pos/kasse/app/station"
)

// cashier drives one till the way a person at the counter does.
type cashier struct {
	t        *testing.T
	till     *checkout.Till
	st       *station.Station
	wake     chan struct{}
	deadline time.Time
	// beforePay, if set, runs just before each tap on Pay.
	beforePay func()
}

func (c *cashier) poke() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// settledPhase is true when no payment is in flight on screen.
func settledPhase(v checkout.View) bool {
	return v.Phase == checkout.PhaseDone || v.Phase == checkout.PhaseEnded || v.Phase == checkout.PhaseBasket
}

// await waits until ok holds on the till's view.
func (c *cashier) await(what string, ok func(checkout.View) bool) checkout.View {
	c.t.Helper()
	var v checkout.View
	c.until(what, func() (bool, string) {
		v = c.till.View()
		return ok(v), fmt.Sprintf("phase %s, message %q", v.Phase, v.Message)
	})
	return v
}

// until waits until ok holds, woken by the till's changes; a slow tick also
// re-checks, because some journal writes change nothing on screen. ok's text
// says what was seen, for the failure.
func (c *cashier) until(what string, ok func() (bool, string)) {
	c.t.Helper()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	deadline := time.NewTimer(time.Until(c.deadline))
	defer deadline.Stop()
	for {
		done, seen := ok()
		if done {
			return
		}
		select {
		case <-c.wake:
		case <-tick.C:
		case <-deadline.C:
			c.t.Fatalf("till: timed out waiting for %s; %s", what, seen)
		}
	}
}

// sell rings up one sale and waits for its end on screen.
func (c *cashier) sell(s saleSpec) checkout.View {
	c.t.Helper()
	if !s.Again {
		// The cashier finishes the last sale on screen before the next.
		c.await("the last sale to finish", settledPhase)
		c.till.NewSale()
		for _, id := range s.Products {
			if err := c.till.AddProduct(id); err != nil {
				c.t.Fatalf("add %s: %v", id, err)
			}
		}
		if err := c.till.SetCustomer(s.Phone); err != nil {
			c.t.Fatalf("customer %s: %v", s.Phone, err)
		}
	}
	if c.beforePay != nil {
		c.beforePay()
	}
	pay := c.till.Pay
	switch {
	case s.Cash > 0:
		pay = func() error { return c.till.PayCash(s.Cash) }
	case s.SplitCash > 0:
		pay = func() error { return c.till.PaySplit(s.SplitCash, 0) }
	}
	if err := pay(); err != nil {
		// A journal that cannot be written stops the sale here; say so.
		return c.till.View()
	}
	retries := s.Retries
	cancelled := false
	for {
		v := c.await("the payment to end or wait", func(v checkout.View) bool {
			return settledPhase(v) || journalStuck(v) || (s.CancelWhenWaiting && !cancelled && v.Phase == checkout.PhaseWaiting)
		})
		switch {
		case journalStuck(v):
			return v
		case v.Phase == checkout.PhaseWaiting:
			cancelled = true
			_ = c.till.Cancel() // the customer may have answered meanwhile
		case v.Phase == checkout.PhaseEnded && v.CanRetry && retries > 0:
			retries--
			if err := c.till.Retry(); err != nil {
				c.t.Fatalf("retry: %v", err)
			}
		case v.Phase == checkout.PhaseDone:
			// The cashier turns the screen to the customer once the receipt
			// QR is there.
			v = c.await("the receipt link", func(v checkout.View) bool {
				return v.Phase != checkout.PhaseDone || v.Receipt != nil && v.Receipt.URL != ""
			})
			if s.Refund > 0 {
				c.refund(v.Reference, s.Refund)
			}
			return v
		default:
			return v
		}
	}
}

// journalStuck: a payment in progress waits for the journal (a full disk).
func journalStuck(v checkout.View) bool {
	return !settledPhase(v) && strings.Contains(v.Status.Journal, "could not write to the journal")
}

// refund returns part of a paid sale, as a cashier does for a returned item.
// A refund Vipps does not confirm stays pending in the journal; the next
// start sends it again.
func (c *cashier) refund(ref string, amount int64) {
	c.t.Helper()
	s, err := c.st.Journal.ByReference(ref)
	if err != nil {
		c.t.Fatalf("refund: %v", err)
	}
	_, err = c.st.Refunder.Refund(context.Background(), backoffice.RefundRequest{SaleID: s.ID, Amount: min(amount, s.Totals.Gross), Reason: "returned"})
	if err != nil && !errors.Is(err, backoffice.ErrPending) {
		c.t.Errorf("refund %d of %s: %v", amount, ref, err)
	}
}

// awaitJournal waits until the journal has no unfinished payment, no refund
// still unconfirmed, and every paid sale has its receipt.
func (c *cashier) awaitJournal() {
	c.t.Helper()
	c.until("the journal to settle", func() (bool, string) {
		var open []string
		err := c.st.Journal.Each(func(s *journal.Sale) bool {
			for _, a := range s.Open() {
				open = append(open, fmt.Sprintf("%s %s", a.Reference, a.State))
			}
			for _, rf := range s.Refunds {
				if !rf.Done && rf.Error == "" {
					open = append(open, "refund "+rf.Key+" unconfirmed")
				}
			}
			if capturedAttempt(s) != nil && s.ReceiptURL == "" {
				open = append(open, "receipt "+s.ReceiptNumber+" not delivered")
			}
			return true
		})
		if err != nil {
			c.t.Fatalf("journal: %v", err)
		}
		return len(open) == 0, fmt.Sprint(len(open), " open: ", strings.Join(open, "; "))
	})
}

func capturedAttempt(s *journal.Sale) *journal.Attempt {
	for _, a := range s.Attempts {
		if a.State == journal.StateCaptured {
			return a
		}
	}
	return nil
}
