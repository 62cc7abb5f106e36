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
	s.title = canvas.NewText(lang.L("Paid"), theme.Color(theme.ColorNameSuccess))
	s.title.TextSize = 30
	s.title.TextStyle.Bold = true
	s.body = widget.NewLabel("")
	s.body.TextStyle.Monospace = true
	s.total = canvas.NewText("", theme.Color(theme.ColorNameForeground))
	s.total.TextSize = 30
	s.total.TextStyle.Bold = true
	s.qr = &canvas.Image{FillMode: canvas.ImageFillContain}
	s.qr.SetMinSize(fyne.NewSize(180, 180))
	s.reprint = &widget.Button{Text: lang.L("Print again"), Icon: theme.DocumentPrintIcon(), OnTapped: s.onReprint}
	s.newSale = &widget.Button{Text: lang.L("New sale"), Icon: theme.ContentAddIcon(), Importance: widget.HighImportance, OnTapped: s.onNewSale}
	s.showPaper = &widget.Button{Text: lang.L("Paper receipt"), Icon: theme.VisibilityIcon(), OnTapped: s.onShowPaper}
	s.showPaper.ExtendBaseWidget(s.showPaper)
	s.reprint.ExtendBaseWidget(s.reprint)
	s.newSale.ExtendBaseWidget(s.newSale)
	return s
}

// setup makes what needs the window.
func (s *receiptScreen) setup() {
	s.qrHint = newMessage(s.win, lang.L("Receipt link"), 3, widget.MediumImportance)
	s.qrHint.Set(lang.L("Scan to keep the receipt on your phone"), "")
	s.printMsg = newMessage(s.win, lang.L("Printer"), 2, widget.WarningImportance)
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
	dialog.ShowCustom(lang.L("Printed receipt"), lang.L("Close"), sc, s.win)
}

func (s *receiptScreen) onReprint() {
	go func() { _ = s.till.Reprint(contextBackground()) }()
}

func (s *receiptScreen) refresh(v checkout.View) {
	r := v.Receipt
	if r == nil {
		return
	}
	s.total.Text = lang.L("Total") + " " + money.FormatCurrency(r.Totals.Gross, r.Currency)
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
		s.qrHint.Set(lang.L("Scan to keep the receipt on your phone"), "")
	case r.PublishError != "":
		s.qrHint.Set(plain(tr(r.PublishError), lang.L("The receipt link could not be made; the paper receipt has it all.")))
	default:
		s.qrHint.Set(lang.L("Making the receipt link…"), "")
	}
	// The rules allow one copy: once it is printed, the button goes.
	show(s.reprint, (r.Printed && r.Copies == 0) || r.PrintError != "")
	show(s.showPaper, s.paper != nil && r.Printed)
	switch {
	case r.PrintError != "":
		text, detail := plain(tr(r.PrintError), lang.L("The receipt did not print. The sale is complete; check the printer and tap Try printing again."))
		s.printMsg.label.Importance = widget.WarningImportance
		s.printMsg.Set("⚠ "+text, detail)
		s.reprint.SetText(lang.L("Try printing again"))
	case r.Printed && r.Copies > 0:
		s.printMsg.label.Importance = widget.SuccessImportance
		s.printMsg.Set("✓ "+lang.L("Receipt and its one copy printed."), "")
	case r.Printed:
		s.printMsg.label.Importance = widget.SuccessImportance
		s.printMsg.Set("✓ "+lang.L("Receipt printed."), "")
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
	fmt.Fprintf(&b, "%s %s   %s\n\n", lang.L("Receipt"), r.Number, r.Time.Format("02.01.2006 15:04"))
	// The lines as the history shows them: discounts under the lines they
	// are on, the basket's after them.
	for _, hl := range saleLines(basket.Basket{Lines: r.Lines, Discount: r.Discount}, false) {
		fmt.Fprintf(&b, "%-26s %10s\n", truncate(hl.what, 26), hl.amount)
	}
	fmt.Fprintf(&b, "%s\n", strings.Repeat("─", 37))
	fmt.Fprintf(&b, "%-26s %10s\n", strings.ToUpper(lang.L("Total"))+" "+r.Currency, money.FormatAmount(r.Totals.Gross, r.Currency))
	for _, v := range r.Totals.ByVAT {
		fmt.Fprintf(&b, "%s %2s %% %s %9s %10s\n", lang.L("VAT"), v.Rate, lang.L("of"), money.FormatAmount(v.Gross, r.Currency), money.FormatAmount(v.VAT, r.Currency))
	}
	b.WriteString(receiptCashText(r))
	fmt.Fprintf(&b, "\n%s %s\n%s\n%s %s", lang.L("Paid with"), r.Method, r.Customer, lang.L("Ref."), r.Reference)
	return b.String()
}

func truncate(s string, n int) string {
	rs := []rune(s)
	if len(rs) <= n {
		return s
	}
	return string(rs[:n-1]) + "…"
}
