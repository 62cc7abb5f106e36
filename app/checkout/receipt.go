package checkout

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/kasse-pos/kasse/app/basket"
	"github.com/kasse-pos/kasse/app/i18n"
	"github.com/kasse-pos/kasse/app/journal"
	"github.com/kasse-pos/kasse/app/money"
)

// Receipt is a finished sale as the customer gets it: on screen, on paper and
// behind the QR code.
type Receipt struct {
	Shop      Shop
	Number    string
	Cashier   string // who opened the sale
	Time      time.Time
	POSID     string
	Lines     []basket.Line
	Totals    basket.Totals
	Currency  string
	Customer  string // masked
	Reference string
	Method    string
	// Lang is the receipt's language (app/i18n); empty: the printer's own.
	Lang string
	// URL is where the customer's phone opens the receipt; empty until published.
	URL string
	// Printed and PrintError say how the paper copy went.
	Printed    bool
	PrintError string
	// PublishError says why the receipt has no link, if it has none.
	PublishError string
	// Refund marks a refund receipt (credit note): Lines and Totals are money
	// returned to the customer; Of is the number of the sales receipt it
	// returns.
	Refund bool
	// Exchange marks the receipt of an exchange: its lines carry their
	// signs (returned goods negative, Line.Return naming their receipt);
	// one that comes to less than nothing is a return receipt.
	Exchange bool
	// Discount is the basket's own discount; each line's share of it is in
	// the line (BasketOff).
	Discount *basket.Off
	Of       string
	// Copy marks the one copy the rules allow ("KOPI"); Training a receipt
	// of training mode, which is no receipt of a purchase.
	Copy     bool
	Training bool
	// Copies is how many copies of this receipt were printed already.
	Copies int
	// CashPart: the cash rounding and tenders of a sale paid (partly) in cash.
	CashPart
}

func (t *Till) buildReceipt(s *journal.Sale, a *journal.Attempt) Receipt {
	at := s.Created
	for _, st := range s.Steps {
		if st.State == journal.StateCaptured && st.Reference == a.Reference {
			at = st.At
		}
	}
	r := Receipt{
		Shop: t.cfg.Shop, Number: s.ReceiptNumber, Cashier: s.Cashier, Time: at, POSID: s.POSID,
		Lines: append([]basket.Line(nil), a.Basket.Lines...), Totals: a.Totals,
		Currency: s.Currency, Customer: s.CustomerMasked, Reference: a.Reference,
		Method: t.cfg.Brand, URL: s.ReceiptURL, Printed: s.Printed, Lang: t.rtr().Lang(),
		Discount: a.Basket.Discount,
		Training: s.Training, Copies: s.Copies,
	}
	r.Exchange = len(a.Basket.Returns()) > 0
	if r.CashPart = cashPartOf(s, a); len(r.Tenders) > 0 {
		r.Method = MethodVipps + " + " + MethodCash
	}
	return r
}

// receiptOf builds the receipt of a captured attempt from the journal.
func (t *Till) receiptOf(saleID uint64, ref string) *Receipt {
	s, err := t.cfg.Journal.Get(saleID)
	if err != nil {
		t.log.Error("read the paid sale", "sale", saleID, "err", err)
		return nil
	}
	a := s.Attempt(ref)
	if a == nil {
		return nil
	}
	r := t.buildReceipt(s, a)
	return &r
}

// paid publishes and prints a captured sale's receipt. A sale paid in the
// background (a late approval, a restart) gets its receipt too, and the
// cashier is told.
func (t *Till) paid(saleID uint64, r Receipt, onScreen bool) {
	if !onScreen {
		t.update(func(s *screen) {
			if s.once(toldPaid, r.Reference) {
				s.notice = t.tr().T("Receipt {{.Receipt}} was paid after all ({{.Amount}}); its receipt is in the history.", "Receipt", r.Number, "Amount", money.FormatCurrency(r.Totals.Gross, r.Currency))
			}
		})
	}
	t.wg.Add(1)
	go func() {
		defer t.wg.Done()
		t.sign(saleID)
		t.deliverReceipt(t.ctx, saleID, r)
	}()
}

// sign adds a captured sale to the signature chain. A sale left unsigned (a
// crash, a full disk) is signed by the station's SignPending on the next start.
func (t *Till) sign(saleID uint64) {
	if t.cfg.Signer == nil {
		return
	}
	if _, err := t.cfg.Signer.Sign(t.ctx, saleID); err != nil {
		t.log.Error("sign the sale", "sale", saleID, "err", err)
	}
}

// deliverReceipt publishes the receipt for the customer's phone, then prints it,
// journaling each. Neither can undo the sale: a failure is shown and can be
// tried again.
func (t *Till) deliverReceipt(ctx context.Context, saleID uint64, r Receipt) {
	if t.cfg.Publisher != nil && r.URL == "" {
		url, err := t.cfg.Publisher.PublishReceipt(ctx, r)
		if err != nil {
			t.log.Warn("publish receipt", "receipt", r.Number, "err", err)
			r.PublishError = i18n.Key("The receipt link could not be made; the paper receipt has it all.")
		} else {
			r.URL = url
			if _, err := t.cfg.Journal.Append(journal.Record{Kind: journal.KindReceipt, Sale: saleID, Ref: r.Reference, Print: &journal.PrintData{URL: url}}); err != nil {
				t.log.Error("journal receipt url", "err", err)
			}
		}
		t.showReceipt(r)
	}
	if !r.Printed {
		t.print(ctx, saleID, r, false)
	}
}

func (t *Till) print(ctx context.Context, saleID uint64, r Receipt, copy bool) {
	if t.cfg.Printer == nil {
		return
	}
	r.Copy = copy
	err := t.cfg.Printer.PrintReceipt(ctx, r)
	rec := journal.Record{Kind: journal.KindPrinted, Sale: saleID, Ref: r.Reference, Print: &journal.PrintData{Copy: copy}}
	if copy {
		rec.Kind = journal.KindCopy
	}
	if err != nil {
		t.log.Warn("print receipt", "receipt", r.Number, "err", err)
		r.Printed, r.PrintError = false, "The receipt did not print. The sale is complete; check the printer and tap Print again."
		rec.Print.Error = err.Error()
		t.SetStatus("printer", "not printing: check the paper and the cable")
	} else {
		r.Printed, r.PrintError = true, ""
		if copy {
			r.Copies++
		}
		t.SetStatus("printer", "ready")
	}
	if _, jerr := t.cfg.Journal.Append(rec); jerr != nil {
		t.log.Error("journal the print", "err", jerr)
	}
	t.showReceipt(r)
}

func (t *Till) showReceipt(r Receipt) {
	t.update(func(s *screen) {
		if s.shown != nil && s.shown.Reference == r.Reference && s.shown.Number == r.Number {
			rr := r
			s.shown = &rr
		}
	})
}

// ErrCopyMade refuses a second copy: the Norwegian rules allow at most one
// copy of a receipt from the till (kassasystemforskrifta § 2-6).
var ErrCopyMade = errors.New("the copy of this receipt was printed already; the rules allow only one copy")

// Reprint prints the receipt on screen again (after the printer was fixed). A
// receipt that printed before prints as a copy, marked KOPI, and the journal
// says so; only one copy is ever printed.
func (t *Till) Reprint(ctx context.Context) error {
	t.reprintMu.Lock()
	defer t.reprintMu.Unlock()
	t.mu.Lock()
	sale, r := t.sale, t.shown
	t.mu.Unlock()
	if sale == 0 || r == nil {
		return errors.New("no receipt to print")
	}
	if r.Printed {
		// The journal, not the screen, says how many copies exist.
		s, err := t.cfg.Journal.Get(sale)
		if err != nil {
			return fmt.Errorf("read the sale: %w", err)
		}
		if s.Copies >= 1 {
			t.Notify(i18n.Key("The copy of this receipt was printed already; the rules allow only one copy."))
			return ErrCopyMade
		}
	}
	t.print(ctx, sale, *r, r.Printed)
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.shown != nil && t.shown.PrintError != "" {
		return errors.New(t.shown.PrintError)
	}
	return nil
}
