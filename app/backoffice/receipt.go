package backoffice

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/kasse-pos/kasse/app/basket"
	"github.com/kasse-pos/kasse/app/checkout"
	"github.com/kasse-pos/kasse/app/fiscal"
	"github.com/kasse-pos/kasse/app/i18n"
	"github.com/kasse-pos/kasse/app/journal"
	"github.com/kasse-pos/kasse/app/money"
)

// RefundReceipt is the customer's proof of a refund (a credit note): what was
// returned, with VAT per rate, against which sale.
type RefundReceipt struct {
	Number      string // "000012-R1": the sale's receipt number and the refund's
	SaleReceipt string
	Time        time.Time
	Reference   string // the payment refunded
	Key         string // the refund's idempotency key
	Customer    string // masked
	Currency    string
	Reason      string
	// Lines are the refunded quantities; a refund by amount has none.
	Lines  []basket.Line
	Totals basket.Totals
	Done   bool
	Error  string
	// Sale is the sale's id; POSID the cash point; Training marks a return
	// of a training sale.
	Sale     uint64
	POSID    string
	Training bool
	// Cash is the cash handed back for a refund in cash (the amount rounded
	// as cash is); 0 for a refund through Vipps MobilePay.
	Cash int64
}

// NewRefundReceipt builds the receipt of refund idx of s.
func NewRefundReceipt(s *journal.Sale, idx int) (RefundReceipt, error) {
	if idx < 0 || idx >= len(s.Refunds) {
		return RefundReceipt{}, fmt.Errorf("sale %s has no refund %d", s.ReceiptNumber, idx+1)
	}
	bds, err := Breakdowns(s)
	if err != nil {
		return RefundReceipt{}, err
	}
	rf := s.Refunds[idx]
	rc := RefundReceipt{
		Number: fmt.Sprintf("%s-R%d", s.ReceiptNumber, idx+1), SaleReceipt: s.ReceiptNumber,
		Time: rf.At, Key: rf.Key, Customer: s.CustomerMasked, Currency: s.Currency,
		Reason: rf.Reason, Lines: bds[idx].Lines, Totals: bds[idx].Totals, Done: rf.Done, Error: rf.Error,
		Sale: s.ID, POSID: s.POSID, Training: s.Training, Cash: rf.Cash,
	}
	if a := capturedAttempt(s); a != nil {
		rc.Reference = a.Reference
	}
	return rc, nil
}

// Checkout maps the refund receipt onto checkout.Receipt, for the printer and
// the receipt page: a return receipt ("Returkvittering") naming the sales
// receipt it returns. A refund by amount shows one line per VAT rate.
func (rc RefundReceipt) Checkout(shop checkout.Shop) checkout.Receipt {
	return rc.CheckoutIn(shop, "", "Vipps MobilePay")
}

// CheckoutIn is Checkout in a language (app/i18n; empty: English), with the
// market's brand ("Vipps", "MobilePay").
func (rc RefundReceipt) CheckoutIn(shop checkout.Shop, lang, brand string) checkout.Receipt {
	tr := i18n.For(lang)
	lines := append([]basket.Line(nil), rc.Lines...)
	if len(lines) == 0 {
		for _, v := range rc.Totals.ByVAT {
			lines = append(lines, basket.Line{ProductID: "refund-" + v.Rate.String(),
				Name: tr.T("Refund ({{.Rate}} VAT)", "Rate", v.Rate.Format(",")), UnitPrice: v.Gross, VATRate: v.Rate, Quantity: 1})
		}
	}
	r := checkout.Receipt{
		Shop: shop, Number: rc.Number, Time: rc.Time, Lines: lines, Totals: rc.Totals,
		Currency: rc.Currency, Customer: rc.Customer, Reference: rc.Reference,
		Method: tr.T("REFUND - {{.Brand}}", "Brand", brand), Refund: true, Lang: lang, Of: rc.SaleReceipt, POSID: rc.POSID, Training: rc.Training,
	}
	if rc.Cash > 0 {
		// Paid back in cash: the receipt says so ("Kontant"), with the
		// cash handed over and its rounding.
		r.Method = checkout.MethodCash
		r.CashPart = checkout.CashPart{Rounding: rc.Cash - rc.Totals.Gross,
			Tenders: []checkout.Tender{{Method: checkout.MethodCash, Amount: rc.Cash}}}
	}
	return r
}

// Text is the refund receipt as plain fixed-width text (42 columns).
func (rc RefundReceipt) Text(shop checkout.Shop) string { return rc.TextIn(shop, "") }

// TextIn is Text in a language (app/i18n; empty: English).
func (rc RefundReceipt) TextIn(shop checkout.Shop, lang string) string {
	tr := i18n.For(lang)
	var b strings.Builder
	const w = 42
	line := func(left, right string) {
		pad := max(w-len([]rune(left))-len([]rune(right)), 1)
		b.WriteString(left + strings.Repeat(" ", pad) + right + "\n")
	}
	if shop.Name != "" {
		b.WriteString(shop.Name + "\n")
	}
	if shop.OrgNumber != "" {
		b.WriteString(shop.OrgNumber + "\n")
	}
	b.WriteString(tr.T("RETURN RECEIPT") + "\n")
	line(tr.T("Refund"), rc.Number)
	line(tr.T("Of receipt"), rc.SaleReceipt)
	line(tr.T("Time"), rc.Time.Format("2006-01-02 15:04"))
	b.WriteString(strings.Repeat("-", w) + "\n")
	for _, l := range rc.Lines {
		line(fmt.Sprintf("%d x %s", l.Quantity, truncate(l.Name, 28)), money.FormatAmount(l.Total(), rc.Currency))
	}
	if len(rc.Lines) == 0 {
		line(tr.T("Amount refunded"), money.FormatAmount(rc.Totals.Gross, rc.Currency))
	}
	b.WriteString(strings.Repeat("-", w) + "\n")
	line(tr.T("TOTAL REFUNDED")+" "+rc.Currency, money.FormatAmount(rc.Totals.Gross, rc.Currency))
	for _, v := range rc.Totals.ByVAT {
		line(tr.T("VAT {{.Rate}} of {{.Gross}}", "Rate", v.Rate.Format(","), "Gross", money.FormatAmount(v.Net, rc.Currency)), money.FormatAmount(v.VAT, rc.Currency))
	}
	line(tr.T("Reason"), truncate(rc.Reason, 32))
	if rc.Customer != "" {
		line("Vipps MobilePay", rc.Customer)
	}
	switch {
	case rc.Done:
		b.WriteString(tr.T("Refunded to the customer's Vipps MobilePay.") + "\n")
	case rc.Error != "":
		b.WriteString(tr.T("NOT REFUNDED:") + " " + rc.Error + "\n")
	default:
		b.WriteString(tr.T("PENDING: not yet confirmed by Vipps MobilePay.") + "\n")
	}
	return b.String()
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// ErrNotDone refuses to hand out a receipt for a refund not confirmed.
var ErrNotDone = errors.New("the refund is not confirmed yet; no receipt")

// Deliver publishes the receipt of a confirmed refund (returning its link, if a
// publisher is set) and prints it (if a printer is set). Neither can undo the
// refund; their errors are joined.
func (r *Refunder) Deliver(ctx context.Context, rc RefundReceipt) (url string, err error) {
	if !rc.Done {
		return "", ErrNotDone
	}
	brand := r.Brand
	if brand == "" {
		brand = "Vipps MobilePay"
	}
	cr := rc.CheckoutIn(r.Shop, r.Lang, brand)
	var errs []error
	if r.Publisher != nil {
		if url, err = r.Publisher.PublishReceipt(ctx, cr); err != nil {
			errs = append(errs, fmt.Errorf("receipt link: %w", err))
		}
		cr.URL = url
	}
	if r.Printer != nil {
		err := r.Printer.PrintReceipt(ctx, cr)
		// The return receipt is journaled (event 13013), printed or not.
		rec := journal.Record{Kind: journal.KindPrinted, Sale: rc.Sale, Ref: rc.Reference,
			Print: &journal.PrintData{Of: fiscal.OfRefundPrefix + rc.Key}}
		if err != nil {
			errs = append(errs, fmt.Errorf("print: %w", err))
			rec.Print.Error = err.Error()
		}
		if rc.Sale != 0 {
			if _, jerr := r.Journal.Append(rec); jerr != nil {
				errs = append(errs, fmt.Errorf("journal the return receipt: %w", jerr))
			}
		}
	}
	return url, errors.Join(errs...)
}
