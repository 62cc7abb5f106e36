package station

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/kasse-pos/kasse/app/basket"
	"github.com/kasse-pos/kasse/app/checkout"
	"github.com/kasse-pos/kasse/app/i18n"
	"github.com/kasse-pos/kasse/app/money"
	"github.com/kasse-pos/kasse/hardware/escpos"
	"github.com/kasse-pos/kasse/payments/relay"
)

// PrinterConfig tunes the receipt layout for the printer's paper and abilities.
type PrinterConfig struct {
	Width    int  `json:"width,omitempty"`    // characters per line: 48 (80 mm, default) or 32 (58 mm)
	NativeQR bool `json:"nativeQr,omitempty"` // the printer has the GS ( k QR command
	English  bool `json:"english,omitempty"`  // English receipt words, whatever the receipt language
}

// ReceiptPrinter prints checkout receipts on an ESC/POS printer.
type ReceiptPrinter struct {
	Device  escpos.Printer
	Options escpos.Options
	// Location is the time zone receipts are printed in (nil: the
	// machine's); in Norway the rules want Norwegian time.
	Location *time.Location
	// Norway prints the receipt names the Norwegian rules give, in any
	// language (see PaperLabels).
	Norway bool
	// mu keeps one job on the wire at a time: a drawer kick never lands
	// in the middle of a receipt.
	mu sync.Mutex
	// Lang is the language of a receipt that does not name one (app/i18n);
	// empty: the labels in Options (Norwegian by default).
	Lang string
}

// NewReceiptPrinter opens the printer a DSN names ("tcp:HOST:9100",
// "serial:/dev/ttyUSB0?baud=19200", "file:/dev/usb/lp0", "virtual:").
func NewReceiptPrinter(dsn string, pc PrinterConfig) (*ReceiptPrinter, error) {
	dev, err := escpos.Open(dsn)
	if err != nil {
		return nil, fmt.Errorf("printer %q: %w", dsn, err)
	}
	opt := escpos.Options{Width: pc.Width, NativeQR: pc.NativeQR}
	if pc.English {
		opt.Labels = escpos.English
	}
	return &ReceiptPrinter{Device: dev, Options: opt}, nil
}

// PaperLabels are the paper receipt's words in tr's language. In Norwegian
// the title is "Salgskvittering" and a copy says "KOPI", as
// bokføringsforskriften asks.
//
// norway keeps the names the Norwegian cash register rules give the kinds
// of receipt (Salgskvittering, Returkvittering, KOPI, TRENINGSKVITTERING),
// whatever the receipt's language.
func PaperLabels(tr *i18n.Localizer, norway bool) escpos.Labels {
	l := escpos.Labels{
		Title: tr.T("Sales receipt"), Number: tr.T("Receipt no."), Total: tr.T("Total"), VAT: tr.T("VAT"),
		Net: tr.T("Net"), VATAmount: tr.T("VAT"), Gross: tr.T("Gross"), PaidWith: tr.T("Paid with"),
		Reference: tr.T("Reference"), Copy: tr.T("COPY - not a valid receipt of purchase"),
		Refund: tr.T("Return receipt"), QR: tr.T("Your receipt online:"),
		Register: tr.T("Till"), Of: tr.T("Return of receipt no."),
		Training: tr.T("TRAINING RECEIPT"), TrainingNote: tr.T("Training mode - not a valid receipt"),
		OrgNr: tr.T("Org. no."), Discount: tr.T("Discount"),
		Rounding: tr.T("Rounding"), Cash: tr.T("Cash"), Given: tr.T("Cash given"), Change: tr.T("Change"),
		Cashier: tr.T("Cashier"),
	}
	if norway {
		nb := escpos.Norwegian
		l.Title, l.Refund, l.Copy, l.Training, l.OrgNr = nb.Title, nb.Refund, nb.Copy, nb.Training, nb.OrgNr
	}
	return l
}

// pageLabels are the phone receipt page's words in tr's language.
func pageLabels(tr *i18n.Localizer) *relay.ReceiptLabels {
	return &relay.ReceiptLabels{
		Receipt: tr.T("Receipt"), OrgNumber: tr.T("Org. no."), Total: tr.T("Total"), VATRate: tr.T("VAT rate"),
		Net: tr.T("Net"), VAT: tr.T("VAT"), PaidWith: tr.T("Paid with"), Reference: tr.T("Ref."),
		SalesReceipt: tr.T("Electronic sales receipt"), ReturnReceipt: tr.T("Electronic return receipt"),
		ReturnOf: tr.T("Return of receipt"), Training: tr.T("TRAINING RECEIPT"),
		TrainingNote: tr.T("Training mode – not a valid receipt"), Register: tr.T("Till"),
	}
}

// PrintText prints a plain report (the Z report) made for the paper's width.
func (p *ReceiptPrinter) PrintText(ctx context.Context, title, text string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.Device.Print(ctx, escpos.EncodeText(title, text))
}

// PrintReceipt lays the receipt out and prints it; the copy (r.Copy) is
// marked KOPI, as the cash register rules ask.
func (p *ReceiptPrinter) PrintReceipt(ctx context.Context, r checkout.Receipt) error {
	at := r.Time
	if p.Location != nil {
		at = at.In(p.Location)
	}
	doc := escpos.Receipt{
		ShopName: r.Shop.Name, ShopAddress: r.Shop.Address, OrgNumber: r.Shop.OrgNumber,
		Time: at, Number: r.Number, Cashier: r.Cashier, Total: r.Totals.Gross, Currency: r.Currency,
		PaymentMethod: r.Method, PaymentRef: r.Reference, QRURL: r.URL, Copy: r.Copy,
		Register: r.POSID, Training: r.Training, Of: r.Of,
		CashPart: escpos.CashPart{Rounding: r.Rounding, Given: r.Given, Change: r.Change},
	}
	if r.Method == checkout.MethodCash {
		doc.PaymentMethod = p.Options.Labels.Cash
		if doc.PaymentMethod == "" {
			doc.PaymentMethod = escpos.Norwegian.Cash
		}
	}
	for _, t := range r.Tenders {
		doc.Tenders = append(doc.Tenders, escpos.Tender{Cash: t.Method == checkout.MethodCash, Method: t.Method, Amount: t.Amount})
	}
	for _, l := range r.Lines {
		doc.Lines = append(doc.Lines, paperLine(l))
		doc.Discount += l.BasketOff
	}
	if r.Discount != nil {
		doc.DiscountText = r.Discount.Label(money.Format)
	}
	opt := p.Options
	lang := r.Lang
	if lang == "" {
		lang = p.Lang
	}
	if lang != "" && opt.Labels == (escpos.Labels{}) {
		opt.Labels = PaperLabels(i18n.For(lang), p.Norway)
	}
	for _, v := range r.Totals.ByVAT {
		doc.VAT = append(doc.VAT, escpos.VATLine{Rate: v.Rate.Format(","), Net: v.Net, VAT: v.VAT, Gross: v.Gross})
	}
	for i, l := range r.Lines {
		if l.Return != nil {
			// Goods back in an exchange: which receipt they came from.
			of := opt.Labels.Of
			if of == "" {
				of = escpos.Norwegian.Of
			}
			doc.Lines[i].Name = fmt.Sprintf("%s - %s %s", l.Name, of, l.Return.Receipt)
		}
	}
	// An exchange's lines carry their signs already; one that came to less
	// than nothing is a return.
	doc.Refund = doc.Refund || r.Exchange && r.Totals.Gross < 0
	if r.Refund {
		// A credit note prints the money going back as negative amounts.
		doc.Refund, doc.Total = true, -doc.Total
		for i := range doc.Lines {
			doc.Lines[i].UnitPrice, doc.Lines[i].Total = -doc.Lines[i].UnitPrice, -doc.Lines[i].Total
			doc.Lines[i].Discount = -doc.Lines[i].Discount
		}
		doc.Discount = -doc.Discount
		doc.CashPart.Rounding = -doc.CashPart.Rounding
		for i := range doc.Tenders {
			doc.Tenders[i].Amount = -doc.Tenders[i].Amount
		}
		for i := range doc.VAT {
			v := &doc.VAT[i]
			v.Net, v.VAT, v.Gross = -v.Net, -v.VAT, -v.Gross
		}
	}
	data, err := escpos.Encode(doc, opt)
	if err != nil {
		return fmt.Errorf("lay out receipt %s: %w", r.Number, err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.Device.Print(ctx, data)
}

// paperLine is a receipt line as printed: its own discount under it (its
// share of a basket discount is printed once, after the lines), and a
// weighed line's weight and price per kilogram.
func paperLine(l basket.Line) escpos.Line {
	pl := escpos.Line{Name: l.Name, Qty: l.Quantity, UnitPrice: l.UnitPrice, Total: l.Total() + l.BasketOff, Discount: l.LineDiscount()}
	if l.Off != nil {
		pl.DiscountText = l.Off.Label(money.Format)
	}
	if l.Weighed() {
		pl.Detail = strings.Replace(l.QuantityString(), ".", ",", 1) + " kg x " + money.Format(l.UnitPrice) + "/kg"
	}
	return pl
}

// OpenDrawer kicks the cash drawer on the printer's drawer port (pin 2).
func (p *ReceiptPrinter) OpenDrawer(ctx context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.Device.Print(ctx, escpos.Kick(escpos.DrawerPin2)); err != nil {
		return fmt.Errorf("open the cash drawer: %w", err)
	}
	return nil
}
