package checkout

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kasse-pos/kasse/app/basket"
	"github.com/kasse-pos/kasse/app/journal"
	"github.com/kasse-pos/kasse/app/money"
	"github.com/kasse-pos/kasse/app/scan"
)

// Actions Config.Allowed is asked about.
const (
	// ActionRefund: refund a sale found by scanning its receipt.
	ActionRefund = "refund"
	// ActionReturnNoReceipt: take goods back without the original sale and
	// pay the money out (a manager's decision).
	ActionReturnNoReceipt = "return.no-receipt"
)

// ReturnScan is a receipt scanned at the till to refund its sale. Seq grows
// with every scan, so the same receipt scanned twice opens the dialog twice.
type ReturnScan struct {
	Seq     int
	Sale    uint64
	Receipt string // its receipt number
}

// scanReceipt finds the sale whose receipt page a scan named and asks the
// screen to open the refund dialog on it.
func (t *Till) scanReceipt(id string) {
	if t.allowed(ActionRefund) != nil {
		t.Notify("Refunds need a manager at this till.")
		return
	}
	var found *journal.Sale
	err := t.cfg.Journal.Each(func(s *journal.Sale) bool {
		if s.ReceiptURL != "" {
			if got, ok := scan.ReceiptID(s.ReceiptURL); ok && got == id {
				found = s
				return false
			}
		}
		return true
	})
	switch {
	case err != nil:
		t.log.Error("find a scanned receipt", "err", err)
		t.Notify("Could not read the journal to find that receipt. Find the sale in the history instead.")
		return
	case found == nil:
		t.Notify("That receipt is not from this till. Find the sale in its till's history, or make a return without receipt.")
		return
	}
	a := capturedAttempt(found)
	if a == nil {
		t.Notify(t.tr().T("Receipt {{.Receipt}} was not paid, so there is nothing to refund.", "Receipt", found.ReceiptNumber))
		return
	}
	left := a.Captured
	for _, rf := range found.Refunds {
		if rf.Done || rf.Error == "" { // confirmed, or pending
			left -= rf.Amount
		}
	}
	left -= found.ExchangedTotal() // lines brought back in exchanges
	if left <= 0 {
		t.Notify(t.tr().T("Receipt {{.Receipt}} is refunded in full already.", "Receipt", found.ReceiptNumber))
		return
	}
	t.update(func(s *screen) {
		s.returnScan = ReturnScan{Seq: s.returnScan.Seq + 1, Sale: found.ID, Receipt: found.ReceiptNumber}
		s.notice, s.unknown = t.tr().T("Receipt {{.Receipt}} scanned: choose what to refund.", "Receipt", found.ReceiptNumber), ""
	})
}

// ReturnItem is one thing brought back without its receipt: a catalog
// product, or a typed item when ProductID is empty.
type ReturnItem struct {
	ProductID string
	Open      OpenItem
	Quantity  int // 0 means 1
}

// ReturnNoReceipt is goods taken back without the original sale. With no
// payment reference nothing can go back to the customer's Vipps MobilePay,
// so the money is paid out in cash.
type ReturnNoReceipt struct {
	Items  []ReturnItem
	Reason string
}

// maxReturnAmount bounds a return without receipt, like an open item's price.
const maxReturnAmount = 100_000_00

// ReturnWithoutReceipt journals a return without the original sale (its
// lines, the amount, the reason and that it is paid out in cash, rounded as
// cash is) as a sale of its own with a receipt number, with the drawer's
// opening; then it opens the drawer, signs the return (a transaction of its
// own, fiscal.OfReturn) and prints its return receipt.
func (t *Till) ReturnWithoutReceipt(ctx context.Context, ret ReturnNoReceipt) (*Receipt, error) {
	if t.allowed(ActionReturnNoReceipt) != nil {
		return nil, errors.New("a return without receipt needs a manager")
	}
	reason := strings.TrimSpace(ret.Reason)
	switch {
	case reason == "":
		return nil, errors.New("give a reason for the return")
	case utf8.RuneCountInString(reason) > 200:
		return nil, errors.New("the reason is too long (at most 200 characters)")
	case len(ret.Items) == 0:
		return nil, errors.New("choose what is returned")
	}
	var b basket.Basket
	for i, it := range ret.Items {
		l, err := t.returnLine(it, i+1)
		if err != nil {
			return nil, err
		}
		b.Lines = append(b.Lines, l)
	}
	tot := b.Totals()
	if tot.Gross <= 0 || tot.Gross > maxReturnAmount {
		return nil, fmt.Errorf("a return of %s is more than 100 000,00 or nothing; check it", money.Format(tot.Gross))
	}
	paid := money.RoundCash(tot.Gross, money.CashUnit(t.cfg.Currency))
	var id uint64
	err := t.do(func() error {
		stored, err := t.cfg.Journal.Append(
			t.opened(),
			journal.Record{Kind: journal.KindReturned, Note: "return without receipt: " + reason,
				Return: &journal.ReturnData{Lines: b.Lines, Amount: paid, Tender: journal.TenderCash, Reason: reason}},
			journal.Record{Kind: journal.KindSaleNumbered, Numbered: &journal.Numbered{}})
		if err != nil {
			t.journalFailed(err)
			return err
		}
		id = stored[0].Sale
		// The drawer names the return (not a no-sale opening); journaled
		// before it is kicked open.
		if _, err := t.cfg.Journal.Append(journal.Record{Kind: journal.KindDrawerOpened,
			Drawer: &journal.DrawerData{Reason: journal.DrawerRefund, Sale: id, Receipt: stored[2].Numbered.Number}}); err != nil {
			t.journalFailed(err)
			return err
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	s, err := t.cfg.Journal.Get(id)
	if err != nil {
		return nil, fmt.Errorf("return: %w", err)
	}
	t.kick(journal.DrawerRefund)
	t.sign(id)
	rc := Receipt{Shop: t.cfg.Shop, Number: s.ReceiptNumber, Time: s.Created, POSID: s.POSID,
		Lines: b.Lines, Totals: tot, Currency: s.Currency, Method: MethodCash, Refund: true, Training: s.Training,
		CashPart: CashPart{Rounding: paid - tot.Gross, Tenders: []Tender{{Method: MethodCash, Amount: paid}}}}
	t.log.Info("return without receipt", "receipt", s.ReceiptNumber, "amount", tot.Gross, "reason", reason)
	if t.cfg.Printer != nil {
		pctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		perr := t.cfg.Printer.PrintReceipt(pctx, rc)
		cancel()
		pd := &journal.PrintData{Device: "printer"}
		if perr != nil {
			pd.Error = shortErr(perr)
			rc.PrintError = perr.Error()
		}
		if _, err := t.cfg.Journal.Append(journal.Record{Kind: journal.KindPrinted, Sale: id, Print: pd}); err != nil {
			t.log.Error("journal the return receipt's print", "err", err)
		}
		rc.Printed = perr == nil
	}
	return &rc, nil
}

// returnLine is the basket line of one returned item.
func (t *Till) returnLine(it ReturnItem, n int) (basket.Line, error) {
	q := it.Quantity
	if q == 0 {
		q = 1
	}
	if q < 0 || q > basket.MaxQuantity {
		return basket.Line{}, fmt.Errorf("a quantity from 1 to %d", basket.MaxQuantity)
	}
	if it.ProductID != "" {
		p, ok := t.cfg.Catalog.ByID(it.ProductID)
		if !ok {
			return basket.Line{}, fmt.Errorf("unknown product %s", it.ProductID)
		}
		var b basket.Basket
		if err := b.Add(p); err != nil {
			return basket.Line{}, err
		}
		l := b.Lines[0]
		l.Quantity = q
		return l, nil
	}
	o := it.Open
	desc := strings.TrimSpace(o.Description)
	switch {
	case desc == "":
		return basket.Line{}, errors.New("describe the returned item: the receipt must say what came back")
	case utf8.RuneCountInString(desc) > 60:
		return basket.Line{}, errors.New("the description is too long for the receipt (at most 60 characters)")
	case o.Price <= 0 || o.Price > maxOpenPrice:
		return basket.Line{}, errors.New("type the returned item's price, above zero and at most 100 000,00")
	case !t.vatAllowed(o.VATRate):
		return basket.Line{}, fmt.Errorf("%s is not a VAT rate of this shop's products", o.VATRate.Format(","))
	}
	return basket.Line{ProductID: fmt.Sprintf("return-%d", n), Name: desc, EAN: o.EAN, UnitPrice: o.Price, VATRate: o.VATRate, Quantity: q}, nil
}
