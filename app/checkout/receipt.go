package checkout

import (
	"context"
	"errors"
	"time"

	"github.com/kasse-pos/kasse/app/basket"
	"github.com/kasse-pos/kasse/app/journal"
)

// Receipt is a finished sale as the customer gets it: on screen, on paper and
// behind the QR code.
type Receipt struct {
	Shop      Shop
	Number    string
	Time      time.Time
	POSID     string
	Lines     []basket.Line
	Totals    basket.Totals
	Currency  string
	Customer  string // masked
	Reference string
	Method    string
	// URL is where the customer's phone opens the receipt; empty until published.
	URL string
	// Printed and PrintError say how the paper copy went.
	Printed    bool
	PrintError string
	// PublishError says why the receipt has no link, if it has none.
	PublishError string
	// Refund marks a refund receipt (credit note): Lines and Totals are money
	// returned to the customer.
	Refund bool
}

func (t *Till) buildReceipt(s *journal.Sale, a *journal.Attempt) Receipt {
	at := s.Created
	for _, st := range s.Steps {
		if st.State == journal.StateCaptured && st.Reference == a.Reference {
			at = st.At
		}
	}
	return Receipt{
		Shop: t.cfg.Shop, Number: s.ReceiptNumber, Time: at, POSID: s.POSID,
		Lines: append([]basket.Line(nil), s.Basket.Lines...), Totals: s.Totals,
		Currency: s.Currency, Customer: s.CustomerMasked, Reference: a.Reference,
		Method: "Vipps MobilePay", URL: s.ReceiptURL, Printed: s.Printed,
	}
}

// deliverReceipt publishes the receipt for the customer's phone, then prints it.
// Neither can undo the sale: a failure is shown and can be tried again.
func (t *Till) deliverReceipt(ctx context.Context, s *journal.Sale, r Receipt) {
	if t.cfg.Publisher != nil && r.URL == "" {
		url, err := t.cfg.Publisher.PublishReceipt(ctx, r)
		if err != nil {
			t.log.Warn("publish receipt", "receipt", r.Number, "err", err)
			r.PublishError = "The receipt link could not be made: " + shortErr(err)
		} else {
			r.URL = url
			t.rec.Lock()
			s.ReceiptURL = url
			t.rec.Unlock()
			err := t.cfg.Journal.Update(s.ID, func(x *journal.Sale) error { x.ReceiptURL = url; return nil })
			if err != nil {
				t.log.Error("journal receipt url", "err", err)
			}
		}
		t.showReceipt(s, r)
	}
	t.print(ctx, s, r)
}

func (t *Till) print(ctx context.Context, s *journal.Sale, r Receipt) {
	if t.cfg.Printer == nil {
		return
	}
	err := t.cfg.Printer.PrintReceipt(ctx, r)
	if err != nil {
		t.log.Warn("print receipt", "receipt", r.Number, "err", err)
		r.Printed, r.PrintError = false, "The receipt did not print: "+shortErr(err)+". The sale is complete."
		t.SetStatus("printer", "not printing: "+shortErr(err))
	} else {
		r.Printed, r.PrintError = true, ""
		t.rec.Lock()
		s.Printed = true
		t.rec.Unlock()
		err := t.cfg.Journal.Update(s.ID, func(x *journal.Sale) error { x.Printed = true; return nil })
		if err != nil {
			t.log.Error("journal printed flag", "err", err)
		}
		t.SetStatus("printer", "ready")
	}
	t.showReceipt(s, r)
}

func (t *Till) showReceipt(s *journal.Sale, r Receipt) {
	t.mu.Lock()
	if t.sale == s && t.phase == PhaseDone {
		rr := r
		t.receipt = &rr
	}
	t.mu.Unlock()
	t.changed()
}

// Reprint prints the receipt on screen again (after the printer was fixed).
func (t *Till) Reprint(ctx context.Context) error {
	t.mu.Lock()
	s, r := t.sale, t.receipt
	t.mu.Unlock()
	if s == nil || r == nil {
		return errors.New("no receipt to print")
	}
	t.print(ctx, s, *r)
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.receipt != nil && t.receipt.PrintError != "" {
		return errors.New(t.receipt.PrintError)
	}
	return nil
}
