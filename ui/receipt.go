package ui

import (
	"fmt"
	"image"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	"github.com/skip2/go-qrcode"

	"github.com/kasse-pos/kasse/app/basket"
	"github.com/kasse-pos/kasse/app/checkout"
	"github.com/kasse-pos/kasse/app/money"
)

// receiptScreen shows the paid sale: the receipt, a QR code a phone scans to
// keep it, the printer's result, and New sale.
type receiptScreen struct {
	till      checkout.Register
	title     *canvas.Text
	body      *widget.Label
	total     *canvas.Text
	qr        *canvas.Image
	qrPNG     []byte
	qrText    string
	qrHint    *message
	printMsg  *message
	reprint   *widget.Button
	newSale   *widget.Button
	showPaper *widget.Button
	paper     func() image.Image
	win       fyne.Window
}

func newReceiptScreen(till checkout.Register) *receiptScreen {
	s := &receiptScreen{till: till}
	s.title = canvas.NewText("Paid", theme.Color(theme.ColorNameSuccess))
	s.title.TextSize = 30
	s.title.TextStyle.Bold = true
	s.body = widget.NewLabel("")
	s.body.TextStyle.Monospace = true
	s.total = canvas.NewText("", theme.Color(theme.ColorNameForeground))
	s.total.TextSize = 30
	s.total.TextStyle.Bold = true
	s.qr = &canvas.Image{FillMode: canvas.ImageFillContain}
	s.qr.SetMinSize(fyne.NewSize(180, 180))
	s.reprint = &widget.Button{Text: "Print again", Icon: theme.DocumentPrintIcon(), OnTapped: s.onReprint}
	s.newSale = &widget.Button{Text: "New sale", Icon: theme.ContentAddIcon(), Importance: widget.HighImportance, OnTapped: s.onNewSale}
	s.showPaper = &widget.Button{Text: "Paper receipt", Icon: theme.VisibilityIcon(), OnTapped: s.onShowPaper}
	s.showPaper.ExtendBaseWidget(s.showPaper)
	s.reprint.ExtendBaseWidget(s.reprint)
	s.newSale.ExtendBaseWidget(s.newSale)
	return s
}

// setup makes what needs the window.
func (s *receiptScreen) setup() {
	s.qrHint = newMessage(s.win, "Receipt link", 3, widget.MediumImportance)
	s.qrHint.Set("Scan to keep the receipt on your phone", "")
	s.printMsg = newMessage(s.win, "Printer", 2, widget.WarningImportance)
}

func (s *receiptScreen) content() fyne.CanvasObject {
	if s.qrHint == nil {
		s.setup()
	}
	// The QR sits at the top, where the customer can reach it with a phone.
	top := container.NewBorder(nil, nil, nil, s.qr, container.NewVBox(s.title, s.total, s.qrHint))
	bottom := container.NewVBox(s.printMsg, container.NewGridWithColumns(2, sized(s.showPaper, 0, touch), sized(s.reprint, 0, touch)), sized(s.newSale, 0, 80))
	return container.NewBorder(top, bottom, nil, nil, container.NewVScroll(s.body))
}

func (s *receiptScreen) onNewSale() { s.till.NewSale() }

// onShowPaper shows what the demo's virtual printer printed.
func (s *receiptScreen) onShowPaper() {
	img := s.paper()
	if img == nil {
		return
	}
	pic := canvas.NewImageFromImage(img)
	pic.FillMode = canvas.ImageFillOriginal
	sc := container.NewVScroll(container.NewCenter(pic))
	sc.SetMinSize(fyne.NewSize(float32(img.Bounds().Dx())/2+40, 560))
	dialog.ShowCustom("Printed receipt", "Close", sc, s.win)
}

func (s *receiptScreen) onReprint() {
	go func() { _ = s.till.Reprint(contextBackground()) }()
}

func (s *receiptScreen) refresh(v checkout.View) {
	r := v.Receipt
	if r == nil {
		return
	}
	s.total.Text = "Total " + money.FormatCurrency(r.Totals.Gross, r.Currency)
	if r.Change > 0 && r.Method == checkout.MethodCash { // the change, large, to hand back
		s.total.Text = lang.L("Change") + " " + money.FormatCurrency(r.Change, r.Currency)
	}
	s.total.Refresh()
	s.body.SetText(receiptText(r))
	if r.URL != s.qrText {
		s.qrText = r.URL
		s.qrPNG = nil
		if r.URL != "" {
			if png, err := qrcode.Encode(r.URL, qrcode.Medium, 320); err == nil {
				s.qrPNG = png
			}
		}
		if s.qrPNG != nil {
			s.qr.Resource = fyne.NewStaticResource("receipt-qr.png", s.qrPNG)
		} else {
			s.qr.Resource = nil
		}
		s.qr.Refresh()
	}
	switch {
	case r.URL != "":
		s.qrHint.Set("Scan to keep the receipt on your phone", "")
	case r.PublishError != "":
		s.qrHint.Set(plain(r.PublishError, "The receipt link could not be made; the paper receipt has it all."))
	default:
		s.qrHint.Set("Making the receipt link…", "")
	}
	// The rules allow one copy: once it is printed, the button goes.
	show(s.reprint, (r.Printed && r.Copies == 0) || r.PrintError != "")
	show(s.showPaper, s.paper != nil && r.Printed)
	switch {
	case r.PrintError != "":
		text, detail := plain(r.PrintError, "The receipt did not print. The sale is complete; check the printer and tap Try printing again.")
		s.printMsg.label.Importance = widget.WarningImportance
		s.printMsg.Set("⚠ "+text, detail)
		s.reprint.SetText("Try printing again")
	case r.Printed && r.Copies > 0:
		s.printMsg.label.Importance = widget.SuccessImportance
		s.printMsg.Set("✓ "+lang.L("Receipt and its one copy printed."), "")
	case r.Printed:
		s.printMsg.label.Importance = widget.SuccessImportance
		s.printMsg.Set("✓ Receipt printed.", "")
		s.reprint.SetText(lang.L("Print copy (KOPI)"))
	default:
		s.printMsg.Set("", "")
	}
}

// receiptText lays the receipt out in fixed columns, as paper shows it.
func receiptText(r *checkout.Receipt) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n", r.Shop.Name)
	if r.Shop.Address != "" {
		fmt.Fprintf(&b, "%s\n", r.Shop.Address)
	}
	fmt.Fprintf(&b, "Receipt %s   %s\n\n", r.Number, r.Time.Format("02.01.2006 15:04"))
	// The lines as the history shows them: discounts under the lines they
	// are on, the basket's after them.
	for _, hl := range saleLines(basket.Basket{Lines: r.Lines, Discount: r.Discount}, false) {
		fmt.Fprintf(&b, "%-26s %10s\n", truncate(hl.what, 26), hl.amount)
	}
	fmt.Fprintf(&b, "%s\n", strings.Repeat("─", 37))
	fmt.Fprintf(&b, "%-26s %10s\n", "TOTAL "+r.Currency, money.Format(r.Totals.Gross))
	for _, v := range r.Totals.ByVAT {
		fmt.Fprintf(&b, "VAT %2d %% of %9s %10s\n", v.Percent, money.Format(v.Gross), money.Format(v.VAT))
	}
	b.WriteString(receiptCashText(r))
	fmt.Fprintf(&b, "\nPaid with %s\n%s\nRef. %s", r.Method, r.Customer, r.Reference)
	return b.String()
}

func truncate(s string, n int) string {
	rs := []rune(s)
	if len(rs) <= n {
		return s
	}
	return string(rs[:n-1]) + "…"
}
