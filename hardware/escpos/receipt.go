// Package escpos prints receipts on ESC/POS thermal printers and reads ESC/POS
// streams back.
//
// Encode lays a Receipt out as an ESC/POS byte stream; Open gives a Printer for
// a serial port, a device file, a network printer (TCP port 9100) or the
// virtual printer of demo mode; Decode reads a stream back into its text, QR
// codes and cut, and Render draws it as the paper would look. Amounts are int64
// minor units (øre, cents) throughout; no floats come near money.
package escpos

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/skip2/go-qrcode"
)

// Receipt is what a till prints after a sale.
type Receipt struct {
	ShopName    string
	ShopAddress string // may hold several lines, separated by "\n"
	OrgNumber   string // printed as given, e.g. "987 654 321 MVA"
	Time        time.Time
	Number      string // the receipt's number
	Cashier     string // who sold, printed when set
	Lines       []Line
	VAT         []VATLine // one per rate
	Total       int64
	Currency    string // ISO 4217: NOK, DKK, EUR
	// PaymentMethod is how the customer paid ("Vipps MobilePay") and
	// PaymentRef the payment's reference at the provider.
	PaymentMethod string
	PaymentRef    string
	// QRURL, if set, is printed as a QR code: the receipt online.
	QRURL  string
	Footer string // may hold several lines
	// Copy marks a reprint. A copy must say so on paper (in Norway: "KOPI").
	Copy bool
	// Refund marks a return; pass the amounts with the sign they should print.
	// Of is the number of the sales receipt a return refers to.
	Refund bool
	// Discount is taken off the whole receipt after the lines (minor units,
	// VAT included), printed as a line of its own with DiscountText; Total
	// is what is left.
	Discount     int64
	DiscountText string
	Of           string
	// Register is the cash point's id, printed beside the receipt number.
	Register string
	// Training marks a receipt of training mode: never a receipt of a
	// purchase, and it says so at the top.
	Training bool
	// Cash: see cash.go.
	CashPart
}

// Line is one line of the sale.
type Line struct {
	Name      string
	Qty       int
	UnitPrice int64 // minor units, VAT included
	Total     int64 // minor units, VAT included, Discount taken off
	// Detail, if set, replaces "Qty x UnitPrice" under the name, e.g. a
	// weight: "0,532 kg x 34,90/kg".
	Detail string
	// Discount is what was taken off the line, printed under it with
	// DiscountText; the line's name shows Total + Discount.
	Discount     int64
	DiscountText string
}

// VATLine is the VAT of one rate: Net + VAT = Gross.
type VATLine struct {
	// Rate is the rate as printed, e.g. "25 %" or "25,5 %": the till
	// formats it for the receipt's language.
	Rate            string
	Net, VAT, Gross int64
}

// Labels are the fixed words of a receipt.
type Labels struct {
	Title, Number, Total, VAT, Net, VATAmount, Gross, PaidWith, Reference, Copy, Refund, QR string
	Discount                                                                                string
	// Register names the cash point; Of introduces the sale a return
	// refers to; Training and TrainingNote mark a training receipt.
	Register, Of, Training, TrainingNote string
	// OrgNr introduces an organisation number given without it.
	OrgNr string
	// Cash words; empty ones print as in Norwegian.
	Rounding, Cash, Given, Change string
	// Cashier introduces the name of who sold.
	Cashier string
}

// Receipt words. Norwegian is the default. The kassasystemforskrifta asks
// for the names "Salgskvittering" and "Returkvittering" at the top and the
// marking "KOPI", in Norwegian even on an English receipt (§ 2-4), printed at
// least 50 % larger than the amounts (see Encode).
var (
	Norwegian = Labels{
		Title: "Salgskvittering", Number: "Kvittering nr.", Total: "Totalt", VAT: "MVA",
		Net: "Grunnlag", VATAmount: "MVA", Gross: "Sum", PaidWith: "Betalt med",
		Reference: "Referanse", Copy: "KOPI",
		Refund: "Returkvittering", QR: "Kvitteringen på nett:",
		Register: "Kasse", Of: "Retur av kvittering nr.",
		Training: "TRENINGSKVITTERING", TrainingNote: "Treningsmodus - ikke gyldig kvittering",
		OrgNr: "Org.nr.", Discount: "Rabatt",
		Rounding: "Øreavrunding", Cash: "Kontant", Given: "Mottatt", Change: "Tilbake", Cashier: "Kasserer",
	}
	English = Labels{
		Title: "Salgskvittering", Number: "Receipt no.", Total: "Total", VAT: "VAT",
		Net: "Net", VATAmount: "VAT", Gross: "Gross", PaidWith: "Paid with",
		Reference: "Reference", Copy: "KOPI",
		Refund: "Returkvittering", QR: "Your receipt online:",
		Register: "Till", Of: "Return of receipt no.",
		Training: "TRENINGSKVITTERING", TrainingNote: "Treningsmodus - ikke gyldig kvittering (training, not a receipt)",
		OrgNr: "Org.nr.", Discount: "Discount",
		Rounding: "Rounding", Cash: "Cash", Given: "Cash given", Change: "Change", Cashier: "Cashier",
	}
)

// Options are the printer's abilities and the receipt's language.
type Options struct {
	// Width is the number of characters on a line in the normal font:
	// 0 means 48 (80 mm paper, Font A). Use 32 for 58 mm paper.
	Width int
	// NativeQR prints the QR code with the printer's own QR command
	// (GS ( k). Without it the QR is sent as a raster image (GS v 0), which
	// every ESC/POS printer prints.
	NativeQR bool
	// QRModule is the size of one QR module in dots; 0 means 6.
	QRModule int
	// Labels are the receipt's words; the zero value means Norwegian.
	Labels Labels
}

func (o Options) withDefaults() Options {
	if o.Width <= 0 {
		o.Width = 48
	}
	o.Width = max(o.Width, 24)
	if o.QRModule <= 0 {
		o.QRModule = 6
	}
	o.QRModule = min(o.QRModule, 16)
	if o.Labels == (Labels{}) {
		o.Labels = Norwegian
	}
	return o
}

// Encode lays the receipt out as an ESC/POS stream that starts by
// initialising the printer and ends by cutting the paper. It fails only when
// the QR code cannot hold QRURL.
func Encode(r Receipt, opt Options) ([]byte, error) {
	opt = opt.withDefaults()
	w, l := opt.Width, opt.Labels
	b := builder{cur: r.Currency}
	b.init()

	b.align(Center)
	b.bold(true)
	b.size(2, 2)
	for _, s := range wrap(r.ShopName, w/2) {
		b.line(s)
	}
	b.size(1, 1)
	b.bold(false)
	for _, s := range splitLines(r.ShopAddress) {
		for _, s := range wrap(s, w) {
			b.line(s)
		}
	}
	if r.OrgNumber != "" {
		org := r.OrgNumber
		// Unless the number already says what it is ("Org.nr. …", "CVR …").
		lower := strings.ToLower(org)
		if !strings.HasPrefix(lower, "org") && (l.OrgNr == "" || !strings.HasPrefix(lower, strings.ToLower(strings.Fields(l.OrgNr)[0]))) {
			org = l.OrgNr + " " + org // the rules ask for "Org.nr 999 999 999 MVA"
		}
		b.line(org)
	}
	b.feed(1)
	b.bold(true)
	// The receipt's name and markings: double width and triple height, so
	// they stand 50 % taller than even the total (double height) and three
	// times the other amounts.
	b.size(2, 3)
	title := l.Title
	if r.Refund {
		title = l.Refund
	}
	if r.Training {
		title = l.Training
	}
	for _, s := range wrap(title, w/2) {
		b.line(s)
	}
	if r.Copy {
		b.line(l.Copy)
	}
	b.size(1, 1)
	if r.Training {
		for _, s := range wrap(l.TrainingNote, w) {
			b.line(s)
		}
	}
	b.bold(false)
	b.align(Left)
	if r.Number != "" {
		b.pair(l.Number+" "+r.Number, r.Time.Format("02.01.2006 15:04"), w)
	} else {
		b.line(r.Time.Format("02.01.2006 15:04"))
	}
	if r.Register != "" {
		b.line(l.Register + " " + r.Register)
	}
	if r.Cashier != "" && l.Cashier != "" {
		b.pair(l.Cashier, r.Cashier, w)
	}
	if r.Refund && r.Of != "" {
		b.pair(l.Of, r.Of, w)
	}
	b.line(strings.Repeat("-", w))

	for _, ln := range r.Lines {
		b.saleLine(ln, w)
		if ln.Discount != 0 {
			for _, s := range wrapPair("  "+discountText(l, ln.DiscountText), b.amount(-ln.Discount), w) {
				b.line(s)
			}
		}
	}
	if r.Discount != 0 {
		for _, s := range wrapPair(discountText(l, r.DiscountText), b.amount(-r.Discount), w) {
			b.line(s)
		}
	}
	b.line(strings.Repeat("-", w))

	b.bold(true)
	b.size(1, 2)
	b.line(pad(l.Total+" "+r.Currency, formatAmountIn(r.Total, r.Currency), w))
	b.size(1, 1)
	b.bold(false)

	if len(r.VAT) > 0 {
		b.feed(1)
		b.vatTable(r.VAT, l, w, r.Currency)
	}

	b.rounding(r.CashPart, l, w)

	if r.PaymentMethod != "" || r.PaymentRef != "" || len(r.Tenders) > 0 {
		b.feed(1)
		b.tenders(r.CashPart, l, w)
		if r.PaymentMethod != "" && len(r.Tenders) == 0 {
			b.pair(l.PaidWith, r.PaymentMethod, w)
		}
		if r.PaymentRef != "" {
			b.pair(l.Reference, r.PaymentRef, w)
		}
	}

	if r.QRURL != "" {
		b.feed(1)
		b.align(Center)
		b.line(l.QR)
		if opt.NativeQR {
			if len(r.QRURL) > 7089 {
				return nil, fmt.Errorf("escpos: receipt QR: %d bytes is more than a QR code holds", len(r.QRURL))
			}
			b.qrNative(r.QRURL, opt.QRModule)
		} else {
			rows, err := qrRaster(r.QRURL, opt.QRModule)
			if err != nil {
				return nil, fmt.Errorf("escpos: receipt QR: %w", err)
			}
			b.raster(rows)
		}
		b.align(Left)
	}

	if r.Footer != "" {
		b.feed(1)
		b.align(Center)
		for _, s := range splitLines(r.Footer) {
			for _, s := range wrap(s, w) {
				b.line(s)
			}
		}
		b.align(Left)
	}
	b.cut()
	return b.Bytes(), nil
}

// pair prints left and right on one line if they fit, else on two, so that
// neither a receipt number nor a reference is ever cut.
func (b *builder) pair(left, right string, w int) {
	if cols(left)+1+cols(right) <= w {
		b.line(pad(left, right, w))
		return
	}
	for _, s := range wrap(left, w) {
		b.line(s)
	}
	for _, s := range wrap(right, w) {
		b.line(strings.Repeat(" ", w-cols(s)) + s)
	}
}

// vatTable prints one row per rate under a heading, in columns as wide as
// their widest cell, or, on paper too narrow for that, one block per rate.
func (b *builder) vatTable(vat []VATLine, l Labels, w int, currency string) {
	rows := [][4]string{{l.VAT, l.Net, l.VATAmount, l.Gross}}
	for _, v := range vat {
		rows = append(rows, [4]string{v.Rate, formatAmountIn(v.Net, currency), formatAmountIn(v.VAT, currency), formatAmountIn(v.Gross, currency)})
	}
	var width [4]int
	for _, r := range rows {
		for i, c := range r {
			width[i] = max(width[i], cols(c))
		}
	}
	used := width[0] + 3 + width[1] + width[2] + width[3] // a space at least before each amount
	if used > w {
		for _, r := range rows[1:] {
			b.line(l.VAT + " " + r[0])
			b.line(pad("  "+l.Net, r[1], w))
			b.line(pad("  "+l.VATAmount, r[2], w))
			b.line(pad("  "+l.Gross, r[3], w))
		}
		return
	}
	// Share the spare room between the amount columns, the rest to the
	// first, so the last column ends flush right like every other amount.
	extra := [4]int{1: (w - used) / 3, 2: (w - used) / 3, 3: (w - used) / 3}
	extra[1] += (w - used) % 3
	for _, r := range rows {
		line := r[0] + strings.Repeat(" ", width[0]-cols(r[0]))
		for i := 1; i < 4; i++ {
			line += strings.Repeat(" ", 1+extra[i]+width[i]-cols(r[i])) + r[i]
		}
		b.line(line)
	}
}

// qrRaster draws text as a QR code, level M, each module scale×scale dots,
// with the four-module quiet zone a reader needs.
func qrRaster(text string, scale int) ([][]bool, error) {
	q, err := qrcode.New(text, qrcode.Medium)
	if err != nil {
		return nil, err
	}
	bm := q.Bitmap() // includes the quiet zone
	rows := make([][]bool, 0, len(bm)*scale)
	for _, src := range bm {
		row := make([]bool, len(src)*scale)
		for x, on := range src {
			for i := 0; i < scale; i++ {
				row[x*scale+i] = on
			}
		}
		for i := 0; i < scale; i++ {
			rows = append(rows, row)
		}
	}
	return rows, nil
}

// formatAmount writes minor units the Nordic way: 123450 → "1 234,50".
func formatAmount(minor int64) string { return formatAmountIn(minor, "") }

// formatAmountIn is formatAmount as the currency's country groups thousands:
// Danish kroner with a point ("1.234,50").
func formatAmountIn(minor int64, currency string) string {
	sep := byte(' ')
	if currency == "DKK" {
		sep = '.'
	}
	neg := minor < 0
	u := uint64(minor)
	if neg {
		u = -u // also right for math.MinInt64
	}
	whole := strconv.FormatUint(u/100, 10)
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i := range len(whole) {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(sep)
		}
		b.WriteByte(whole[i])
	}
	fmt.Fprintf(&b, ",%02d", u%100)
	return b.String()
}

// cols is how many columns s takes on paper.
func cols(s string) int { return len(encodeText(s)) }

// pad puts left and right on one line of w columns, cutting left if both do
// not fit.
func pad(left, right string, w int) string {
	room := w - cols(right) - 1
	if room < 0 {
		return right
	}
	left = cut(left, room)
	return left + strings.Repeat(" ", w-cols(left)-cols(right)) + right
}

// cut shortens s to at most n columns.
func cut(s string, n int) string {
	used := 0
	for i, r := range s {
		c := cols(string(r))
		if used+c > n {
			return s[:i]
		}
		used += c
	}
	return s
}

// wrap breaks s into lines of at most w columns, at spaces where it can.
func wrap(s string, w int) []string {
	var out []string
	line := ""
	for _, word := range strings.Fields(s) {
		for cols(word) > w { // a word longer than a line is broken
			if line != "" {
				out = append(out, line)
				line = ""
			}
			head := cut(word, w)
			out = append(out, head)
			word = word[len(head):]
		}
		switch {
		case line == "":
			line = word
		case cols(line)+1+cols(word) <= w:
			line += " " + word
		default:
			out = append(out, line)
			line = word
		}
	}
	if line != "" {
		out = append(out, line)
	}
	return out
}

func splitLines(s string) []string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// saleLine prints one line of the sale: its name and amount before any
// discount, and "Qty x UnitPrice" (or its Detail) when there is more to say.
func (b *builder) saleLine(ln Line, w int) {
	total := b.amount(ln.Total + ln.Discount)
	single := ln.Qty == 1 && ln.Detail == ""
	names := wrap(ln.Name, w)
	if single && len(names) == 1 && cols(names[0])+1+cols(total) <= w {
		b.line(pad(names[0], total, w))
		return
	}
	if single && len(names) > 1 {
		// A long name: the amount goes at the end of its last line.
		last := names[len(names)-1]
		for _, s := range names[:len(names)-1] {
			b.line(s)
		}
		if cols(last)+1+cols(total) <= w {
			b.line(pad(last, total, w))
		} else {
			b.line(last)
			b.line(pad("", total, w))
		}
		return
	}
	for _, s := range names {
		b.line(s)
	}
	detail := ln.Detail
	if detail == "" {
		detail = strconv.Itoa(ln.Qty) + " x " + b.amount(ln.UnitPrice)
	}
	b.line(pad("  "+detail, total, w))
}

// wrapPair is left and right on one line, or left on its own lines and right
// under it when they do not fit.
func wrapPair(left, right string, w int) []string {
	if cols(left)+1+cols(right) <= w {
		return []string{pad(left, right, w)}
	}
	return append(wrap(left, w), pad("", right, w))
}

func discountText(l Labels, text string) string {
	return strings.TrimSpace(l.Discount + " " + text)
}
