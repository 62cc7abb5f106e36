package station

import (
	"context"
	"fmt"

	"github.com/kasse-pos/kasse/app/checkout"
	"github.com/kasse-pos/kasse/hardware/escpos"
)

// PrinterConfig tunes the receipt layout for the printer's paper and abilities.
type PrinterConfig struct {
	Width    int  `json:"width,omitempty"`    // characters per line: 48 (80 mm, default) or 32 (58 mm)
	NativeQR bool `json:"nativeQr,omitempty"` // the printer has the GS ( k QR command
	English  bool `json:"english,omitempty"`  // English receipt words instead of Norwegian
}

// ReceiptPrinter prints checkout receipts on an ESC/POS printer.
type ReceiptPrinter struct {
	Device  escpos.Printer
	Options escpos.Options
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

// PrintText prints a plain report (the Z report) made for the paper's width.
func (p *ReceiptPrinter) PrintText(ctx context.Context, title, text string) error {
	return p.Device.Print(ctx, escpos.EncodeText(title, text))
}

// PrintReceipt lays the receipt out and prints it; a second print of the same
// receipt is marked as a copy, as the bookkeeping rules ask.
func (p *ReceiptPrinter) PrintReceipt(ctx context.Context, r checkout.Receipt) error {
	doc := escpos.Receipt{
		ShopName: r.Shop.Name, ShopAddress: r.Shop.Address, OrgNumber: r.Shop.OrgNumber,
		Time: r.Time, Number: r.Number, Cashier: r.Cashier, Total: r.Totals.Gross, Currency: r.Currency,
		PaymentMethod: r.Method, PaymentRef: r.Reference, QRURL: r.URL, Copy: r.Printed,
	}
	for _, l := range r.Lines {
		doc.Lines = append(doc.Lines, escpos.Line{Name: l.Name, Qty: l.Quantity, UnitPrice: l.UnitPrice, Total: l.Total()})
	}
	for _, v := range r.Totals.ByVAT {
		doc.VAT = append(doc.VAT, escpos.VATLine{Percent: v.Percent, Net: v.Net, VAT: v.VAT, Gross: v.Gross})
	}
	if r.Refund {
		// A credit note prints the money going back as negative amounts.
		doc.Refund, doc.Total = true, -doc.Total
		for i := range doc.Lines {
			doc.Lines[i].UnitPrice, doc.Lines[i].Total = -doc.Lines[i].UnitPrice, -doc.Lines[i].Total
		}
		for i := range doc.VAT {
			v := &doc.VAT[i]
			v.Net, v.VAT, v.Gross = -v.Net, -v.VAT, -v.Gross
		}
	}
	data, err := escpos.Encode(doc, p.Options)
	if err != nil {
		return fmt.Errorf("lay out receipt %s: %w", r.Number, err)
	}
	return p.Device.Print(ctx, data)
}
