package ui

import (
	"fmt"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	"github.com/skip2/go-qrcode"

	"github.com/kasse-pos/kasse/app/basket"
	"github.com/kasse-pos/kasse/app/checkout"
	"github.com/kasse-pos/kasse/app/i18n"
	"github.com/kasse-pos/kasse/app/journal"
	"github.com/kasse-pos/kasse/app/money"
)

// CustomerDisplay is a second window turned to the customer: the basket, the
// total, how the payment goes, the QR codes to scan, in large type; between
// sales it shows the shop's name. It draws the same checkout.View as the
// cashier's screen and takes no input but F11 (full screen).
type CustomerDisplay struct {
	till checkout.Register
	win  fyne.Window
	shop string
	// tr speaks the customer's language (the receipts'), which may not be
	// the cashier's.
	tr *i18n.Localizer

	header  *fyne.Container
	stepBox *fyne.Container
	welcome *fyne.Container // between sales
	sale    *fyne.Container // while there is a basket or a payment
	lines   *fyne.Container
	scroll  *container.Scroll
	rows    []*customerRow
	shown   []basket.Line
	total   *canvas.Text
	title   *canvas.Text
	text    *widget.Label
	steps   [4]*widget.Label
	left    *canvas.Text
	qr      *canvas.Image
	qrFor   string
	view    checkout.View
	stop    chan struct{}

	unlisten  func()
	closeOnce sync.Once
}

// Close stops the display following the till; the window stays (a display
// rebuilt in another language closes the old one first).
func (d *CustomerDisplay) Close() {
	d.closeOnce.Do(func() { d.unlisten(); close(d.stop) })
}

// customerRow is one basket line as the customer reads it.
type customerRow struct {
	name, sum *widget.Label
	row       fyne.CanvasObject
	line      basket.Line
}

var customerSteps = [4]string{i18n.Key("Sent"), i18n.Key("Your approval"), i18n.Key("Approved"), i18n.Key("Paid")}

// NewCustomerDisplay fills w with the customer's screen and keeps it in step
// with till; shop is the name shown between sales, tr the customer's
// language (the receipts': i18n.For(receipt language)).
func NewCustomerDisplay(w fyne.Window, till checkout.Register, shop string, tr *i18n.Localizer) *CustomerDisplay {
	d := &CustomerDisplay{till: till, win: w, shop: shop, tr: tr, stop: make(chan struct{})}
	fg := theme.Color(theme.ColorNameForeground)
	name := canvas.NewText(shop, fg)
	name.TextSize, name.TextStyle.Bold, name.Alignment = 72, true, fyne.TextAlignCenter
	hello := canvas.NewText(d.tr.T("Welcome"), theme.Color(theme.ColorNamePlaceHolder))
	hello.TextSize, hello.Alignment = 40, fyne.TextAlignCenter
	bar := canvas.NewRectangle(theme.Color(theme.ColorNamePrimary))
	bar.SetMinSize(fyne.NewSize(240, 8))
	d.welcome = container.NewCenter(container.NewVBox(noWiden(name), container.NewCenter(bar), noWiden(hello)))

	d.lines = container.NewVBox()
	d.scroll = container.NewVScroll(d.lines)
	d.total = canvas.NewText("", fg)
	d.total.TextSize, d.total.TextStyle.Bold, d.total.Alignment = 64, true, fyne.TextAlignTrailing
	totalLabel := canvas.NewText(d.tr.T("Total"), fg)
	totalLabel.TextSize = 32
	d.title = canvas.NewText("", fg)
	d.title.TextSize, d.title.TextStyle.Bold = 40, true
	d.text = &widget.Label{Wrapping: fyne.TextWrapWord, SizeName: theme.SizeNameHeadingText}
	d.text.ExtendBaseWidget(d.text)
	steps := container.NewGridWithColumns(2)
	for i := range d.steps {
		d.steps[i] = &widget.Label{Truncation: fyne.TextTruncateEllipsis, SizeName: theme.SizeNameHeadingText}
		d.steps[i].ExtendBaseWidget(d.steps[i])
		steps.Add(d.steps[i])
	}
	d.left = canvas.NewText("", fg)
	d.left.TextSize = 30
	d.qr = &canvas.Image{FillMode: canvas.ImageFillContain, ScaleMode: canvas.ImageScalePixels}
	d.qr.SetMinSize(fyne.NewSize(320, 320))
	d.qr.Hide()

	shopBar := canvas.NewText(shop, fg)
	shopBar.TextSize, shopBar.TextStyle.Bold = 30, true
	line := canvas.NewRectangle(theme.Color(theme.ColorNamePrimary))
	line.SetMinSize(fyne.NewSize(0, 6))
	d.header = container.NewVBox(container.NewPadded(noWiden(shopBar)), line)
	payBG := canvas.NewRectangle(theme.Color(theme.ColorNameInputBackground))
	d.stepBox = steps
	pay := container.NewStack(payBG, container.NewVScroll(container.NewPadded(container.NewVBox(
		container.NewBorder(nil, nil, totalLabel, nil, noWiden(d.total)),
		widget.NewSeparator(),
		noWiden(d.title), d.text, d.left, container.NewCenter(d.qr), steps))))
	d.sale = container.New(customerSplit{}, container.NewPadded(d.scroll), pay)
	d.sale.Hide()
	w.SetContent(container.NewBorder(d.header, nil, nil, nil, container.NewStack(d.welcome, d.sale)))
	w.Canvas().SetOnTypedKey(func(ev *fyne.KeyEvent) {
		if ev.Name == fyne.KeyF11 {
			w.SetFullScreen(!w.FullScreen())
		}
	})
	d.unlisten = till.OnChange(func() { fyne.Do(d.refresh) })
	w.SetOnClosed(d.Close)
	d.refresh()
	go d.ticker()
	return d
}

func (d *CustomerDisplay) refresh() {
	v := d.till.View()
	d.view = v
	lines := v.Lines
	if v.Receipt != nil && v.Phase == checkout.PhaseDone {
		lines = v.Receipt.Lines
	}
	between := v.Phase == checkout.PhaseBasket && len(lines) == 0
	show(d.welcome, between)
	show(d.sale, !between)
	if between == d.header.Visible() {
		show(d.header, !between) // the shop's name is already large
		d.win.Content().Refresh()
	}
	if between {
		d.shown = nil
		return
	}
	d.showLines(lines, v.Currency)
	gross := v.Totals.Gross
	if v.Receipt != nil && v.Phase == checkout.PhaseDone {
		gross = v.Receipt.Totals.Gross
	}
	d.total.Text = money.FormatCurrency(gross, v.Currency)
	d.total.Refresh()

	title, text := customerWords(d.tr, v)
	d.title.Text = title
	d.title.Color = theme.Color(theme.ColorNameForeground)
	switch v.Phase {
	case checkout.PhaseEnded:
		d.title.Color = theme.Color(theme.ColorNameError)
	case checkout.PhaseDone, checkout.PhaseCapturing:
		d.title.Color = theme.Color(theme.ColorNameSuccess)
	}
	d.title.Refresh()
	d.text.SetText(text)
	show(d.text, text != "")

	qr := ""
	switch {
	case v.Phase == checkout.PhaseWaiting && v.QR != "":
		qr = v.QR
	case v.Phase == checkout.PhaseDone && v.Receipt != nil:
		qr = v.Receipt.URL
	}
	d.showQR(qr)

	// The steps, unless a code to scan needs the room.
	show(d.stepBox, v.Phase != checkout.PhaseBasket && !d.qr.Visible())
	for i, st := range stepMarks(v) {
		name := customerSteps[i]
		if i == 0 && v.QR != "" {
			name = i18n.Key("Code shown")
		}
		d.steps[i].SetText(string([]rune(st.text)[0]) + "  " + d.tr.T(name))
		d.steps[i].Importance = st.imp
		d.steps[i].Refresh()
	}
	d.tick(time.Now())
}

// customerWords are the title and sentence the customer reads for v.
func customerWords(tr *i18n.Localizer, v checkout.View) (string, string) {
	switch v.Phase {
	case checkout.PhaseSending:
		return tr.T("Sending to your phone…"), ""
	case checkout.PhaseWaiting:
		if v.QR != "" {
			return tr.T("Scan to pay"), tr.T("Scan the code with the Vipps or MobilePay app on your phone.")
		}
		return tr.T("Approve in the app"), tr.T("Open Vipps or MobilePay on your phone and approve the payment.")
	case checkout.PhaseCancelling:
		return tr.T("Cancelling…"), ""
	case checkout.PhaseCapturing:
		return tr.T("Approved ✓"), tr.T("One moment…")
	case checkout.PhaseEnded:
		switch {
		case v.CanRetry:
			return tr.T("One moment…"), tr.T("The cashier is checking the payment with Vipps MobilePay.")
		case v.Outcome == journal.StateAborted:
			return tr.T("Payment declined"), tr.T("Nothing was charged. The cashier will help you.")
		case v.Outcome == journal.StateExpired:
			return tr.T("Time ran out"), tr.T("Nothing was charged. The cashier can send the payment again.")
		case v.Outcome == journal.StateCancelled, v.Outcome == journal.StateTerminated:
			return tr.T("Payment cancelled"), tr.T("Nothing was charged.")
		}
		return tr.T("The payment did not go through"), tr.T("The cashier will help you.")
	case checkout.PhaseDone:
		if v.Receipt != nil && v.Receipt.URL != "" {
			return tr.T("Paid ✓ Thank you!"), tr.T("Scan to keep the receipt on your phone.")
		}
		return tr.T("Paid ✓ Thank you!"), ""
	}
	if v.CanPay || v.CanShowQR {
		return tr.T("Pay with Vipps or MobilePay"), ""
	}
	return "", ""
}

// showLines shows the basket, updating only the rows whose line changed,
// with the line just added or raised in sight.
func (d *CustomerDisplay) showLines(lines []basket.Line, cur string) {
	newest := changedLine(d.shown, lines)
	d.shown = append(d.shown[:0], lines...)
	for len(d.rows) < len(lines) {
		r := &customerRow{
			name: &widget.Label{Truncation: fyne.TextTruncateEllipsis, SizeName: theme.SizeNameHeadingText},
			sum:  &widget.Label{Alignment: fyne.TextAlignTrailing, TextStyle: fyne.TextStyle{Bold: true}, SizeName: theme.SizeNameHeadingText},
		}
		r.name.ExtendBaseWidget(r.name)
		r.sum.ExtendBaseWidget(r.sum)
		r.row = container.NewBorder(nil, nil, nil, r.sum, r.name)
		d.rows = append(d.rows, r)
	}
	for i, l := range lines {
		r := d.rows[i]
		if r.line == l {
			continue
		}
		r.line = l
		name := l.Name
		if l.Quantity != 1 {
			name = fmt.Sprintf("%d × %s", l.Quantity, l.Name)
		}
		setText(r.name, name)
		setText(r.sum, money.FormatCurrency(l.Total(), cur))
	}
	if len(d.lines.Objects) != len(lines) {
		objs := make([]fyne.CanvasObject, len(lines))
		for i := range lines {
			objs[i] = d.rows[i].row
		}
		for _, r := range d.rows[len(lines):] {
			r.line = basket.Line{}
		}
		setRows(d.lines, objs)
		refit(d.scroll)
	}
	if newest >= 0 {
		row := d.lines.Objects[newest]
		d.scroll.Content.Resize(d.scroll.Content.MinSize().Max(d.scroll.Size()))
		top, h, view := row.Position().Y, row.Size().Height, d.scroll.Size().Height
		if off := d.scroll.Offset.Y; top < off || top+h > off+view {
			d.scroll.ScrollToOffset(fyne.NewPos(0, max(0, top+h-view)))
		}
	}
}

func (d *CustomerDisplay) showQR(url string) {
	if url != d.qrFor {
		d.qrFor = url
		d.qr.Resource = nil
		if url != "" {
			if png, err := qrcode.Encode(url, qrcode.Medium, 680); err == nil {
				d.qr.Resource = fyne.NewStaticResource("customer-qr.png", png)
			}
		}
		d.qr.Refresh()
	}
	show(d.qr, d.qr.Resource != nil)
}

// tick shows the time left to approve.
func (d *CustomerDisplay) tick(now time.Time) {
	v := d.view
	text := ""
	if v.Phase == checkout.PhaseWaiting && !v.Deadline.IsZero() {
		left := max(v.Deadline.Sub(now), 0)
		text = fmt.Sprintf("%d:%02d ", int(left.Minutes()), int(left.Seconds())%60) + d.tr.T("left to approve")
	}
	if d.left.Text != text {
		d.left.Text = text
		d.left.Refresh()
	}
	show(d.left, text != "")
}

func (d *CustomerDisplay) ticker() {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-d.stop:
			return
		case now := <-t.C:
			fyne.Do(func() { d.tick(now) })
		}
	}
}

// customerSplit gives the basket the left 55 % and the payment the rest,
// whatever their contents ask for.
type customerSplit struct{}

// MinSize is nothing: the customer's window is the size of its screen, and
// what does not fit scrolls rather than grows it.
func (customerSplit) MinSize([]fyne.CanvasObject) fyne.Size { return fyne.Size{} }

func (customerSplit) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	lw := size.Width * 0.55
	objs[0].Move(fyne.NewPos(0, 0))
	objs[0].Resize(fyne.NewSize(lw, size.Height))
	objs[1].Move(fyne.NewPos(lw, 0))
	objs[1].Resize(fyne.NewSize(size.Width-lw, size.Height))
}

// noWiden lets a long text be cut at the window's edge rather than widen it.
func noWiden(o fyne.CanvasObject) fyne.CanvasObject { return container.New(noWidenLayout{}, o) }

type noWidenLayout struct{}

func (noWidenLayout) MinSize(objs []fyne.CanvasObject) fyne.Size {
	return fyne.NewSize(0, objs[0].MinSize().Height)
}

func (noWidenLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	objs[0].Move(fyne.NewPos(0, 0))
	objs[0].Resize(size)
}
