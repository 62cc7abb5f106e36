package ui

import (
	"errors"
	"fmt"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/kasse-pos/kasse/app/basket"
	"github.com/kasse-pos/kasse/app/checkout"
	"github.com/kasse-pos/kasse/app/money"
)

// basketScreen is the right half while selling: customer, lines, totals, Pay.
type basketScreen struct {
	till      checkout.Register
	win       fyne.Window
	phone     *widget.Entry
	who       *message
	lines     *fyne.Container
	scroll    *container.Scroll
	empty     *widget.Label
	undoText  *widget.Label
	undo      *widget.Button
	undoBar   *fyne.Container
	undoTimer *time.Timer
	total     *canvas.Text
	vat       *widget.Label
	pay       *widget.Button
	showQR    *widget.Button
	cash      *cashControls     // cash.go
	exch      *exchangeControls // exchange.go
	clear     *widget.Button
	// discount opens the basket's discount dialog; discountText says what
	// the basket's discount takes off; discountDlg is the dialog open last.
	discount     *widget.Button
	discountText *widget.Label
	discountDlg  *discountDialog
	lineRows     map[string]*lineRow
	lastLines    string
	shown        []basket.Line
	// undoFor is the basket the undo bar was offered for; any other change
	// takes it away.
	undoFor  string
	relayout func()
	// extra, if set, are buttons that share the Discount… row above the
	// totals (Park, Parked): one row, so the basket keeps its height. more
	// are the rarer actions behind that row's More… (Return…, Drawer…).
	extra []fyne.CanvasObject
	more  []*widget.Button
}

// lineRow is one basket line's widgets; a change to the line updates them
// in place, and the other rows are left alone.
type lineRow struct {
	minus, plus, remove *widget.Button
	qty                 *widget.Label
	title, each, sum    *widget.Label
	row                 fyne.CanvasObject
	line                basket.Line // what the row shows
	cur                 string
}

func newBasketScreen(till checkout.Register) *basketScreen {
	s := &basketScreen{till: till, lineRows: map[string]*lineRow{}}
	s.phone = &widget.Entry{PlaceHolder: lang.L("Customer's phone number (or scan the QR)"), OnChanged: s.onPhone, OnSubmitted: s.onPhoneSubmitted}
	s.phone.ExtendBaseWidget(s.phone)
	// No padding between rows, whatever theme lays the box out: the rows
	// are laid out here when they change and by the compact theme's
	// override when the window is.
	s.lines = container.New(layout.NewCustomPaddedVBoxLayout(0))
	s.empty = widget.NewLabel(lang.L("Tap a product or scan a barcode."))
	s.undoText = &widget.Label{Truncation: fyne.TextTruncateEllipsis}
	s.undoText.ExtendBaseWidget(s.undoText)
	s.undo = &widget.Button{Text: lang.L("Undo"), Icon: theme.ContentUndoIcon(), Importance: widget.HighImportance, OnTapped: s.onUndo}
	s.undo.ExtendBaseWidget(s.undo)
	s.total = canvas.NewText("", theme.Color(theme.ColorNameForeground))
	s.total.TextSize = 32
	s.total.TextStyle.Bold = true
	s.total.Alignment = fyne.TextAlignTrailing
	s.vat = &widget.Label{Alignment: fyne.TextAlignTrailing, Truncation: fyne.TextTruncateEllipsis, SizeName: theme.SizeNameCaptionText}
	s.vat.ExtendBaseWidget(s.vat)
	s.pay = &widget.Button{Text: lang.L("Pay"), Importance: widget.HighImportance, Icon: theme.ConfirmIcon(), OnTapped: s.onPay}
	s.pay.ExtendBaseWidget(s.pay)
	// The Pay row and the tool row are text only: at 1024 px a pane of four
	// buttons has no room for icons beside their words.
	s.clear = &widget.Button{Text: lang.L("Clear"), OnTapped: s.onClear}
	s.clear.ExtendBaseWidget(s.clear)
	// For a customer who would rather scan than give a number.
	s.showQR = &widget.Button{Text: lang.L("Show QR"), OnTapped: s.onShowQR}
	s.showQR.ExtendBaseWidget(s.showQR)
	s.discount = &widget.Button{Text: lang.L("Discount…"), OnTapped: s.onBasketDiscount}
	s.discount.ExtendBaseWidget(s.discount)
	s.discountText = &widget.Label{Truncation: fyne.TextTruncateEllipsis}
	s.discountText.ExtendBaseWidget(s.discountText)
	s.cash = newCashControls(s)
	s.exch = newExchangeControls(s)
	return s
}

// onBasketDiscount opens the discount dialog for the whole basket.
func (s *basketScreen) onBasketDiscount() {
	s.discountDlg = newDiscountDialog(s.till, s.win, nil, s.till.View().Discount)
	s.discountDlg.show()
}

// onLine opens the discount and price dialog of a basket line.
func (s *basketScreen) onLine(l basket.Line) {
	if s.discount.Disabled() {
		return // not while a payment is on its way
	}
	s.discountDlg = newDiscountDialog(s.till, s.win, &l, l.Off)
	s.discountDlg.show()
}

func (s *basketScreen) onShowQR() {
	if s.till.View().PushOff {
		s.onSendToPhone()
		return
	}
	if err := s.till.ShowQR(); err != nil {
		s.till.Notify(cashierError(err, lang.L("The QR code could not be made. Try again; if it keeps failing, check the network.")))
	}
}

// setup makes what needs the window.
func (s *basketScreen) setup() {
	s.who = newMessage(s.win, lang.L("Customer"), 1, widget.MediumImportance)
}

func (s *basketScreen) content() fyne.CanvasObject {
	if s.who == nil {
		s.setup()
	}
	customer := container.NewVBox(sized(s.phone, 0, touch), compact(s.who))
	tools := []fyne.CanvasObject{sized(s.discount, 0, touch)}
	tools = append(tools, s.extra...)
	if len(s.more) > 0 {
		tools = append(tools, sized(s.moreButton(), 0, touch))
	}
	toolRow := container.NewGridWithColumns(len(tools), tools...)
	// The basket's discount is said only when there is one, so an
	// undiscounted basket shows a line more.
	totals := container.NewVBox(s.discountText, s.total, compact(s.vat))
	// One row of tenders: Pay, the widest, at the right hand's place.
	left := container.NewGridWithColumns(3, sized(s.clear, 0, 60), sized(s.showQR, 0, 60), sized(s.cash.cash, 0, 60))
	buttons := container.NewBorder(nil, nil, nil, sized(s.pay, 170, 60), left)
	undoBG := canvas.NewRectangle(withAlpha(theme.Color(theme.ColorNamePrimary), 0x22))
	s.undoBar = container.NewStack(undoBG, container.NewBorder(nil, nil, nil, sized(s.undo, 120, touch), s.undoText))
	s.undoBar.Hide()
	// The tools sit above the totals: Pay stays at the pane's foot, where a
	// hand and the screenshot script find it.
	bottom := container.NewVBox(s.undoBar, toolRow, totals, s.cash.content(), s.exch.content(), buttons)
	s.scroll = container.NewVScroll(container.NewStack(s.empty, compact(s.lines)))
	return container.NewBorder(customer, bottom, nil, nil, s.scroll)
}

func (s *basketScreen) onPhone(text string) { _ = s.till.SetCustomer(text) }

// onPhoneSubmitted handles Enter in the phone field: with a valid number it
// pays (when Pay is on); a wedge scanner typing a barcode or a personal QR
// into it is taken as a scan, not as a number.
func (s *basketScreen) onPhoneSubmitted(text string) {
	v := s.till.View()
	if v.CustomerError == "" {
		if v.CanPay {
			s.onPay()
		}
		return
	}
	s.phone.SetText("")
	s.till.Scan(text)
}

func (s *basketScreen) onPay() {
	if err := s.till.Pay(); err != nil {
		s.till.Notify(cashierError(err, lang.L("The payment could not be sent. Try again; if it keeps failing, check the network.")))
	}
}

func (s *basketScreen) onClear() {
	n := len(s.shown)
	if s.till.Clear() == nil && n > 0 {
		s.offerUndo(plural(n, lang.L("Basket cleared (1 line)."), lang.L("Basket cleared ({{.N}} lines).", map[string]any{"N": n})))
	}
}

func (s *basketScreen) onRemove(id, name string) {
	if s.till.Remove(id) == nil {
		s.offerUndo(lang.L("Removed {{.Name}}.", map[string]any{"Name": name}))
	}
}

// offerUndo shows the undo bar for as long as the till takes an undo.
func (s *basketScreen) offerUndo(what string) {
	s.undoText.SetText(what)
	s.undoFor = s.lastLines
	s.setUndo(true)
	if s.undoTimer != nil {
		s.undoTimer.Stop()
	}
	s.undoTimer = time.AfterFunc(checkout.UndoWindow, func() { fyne.Do(func() { s.setUndo(false) }) })
}

func (s *basketScreen) setUndo(on bool) {
	show(s.undoBar, on)
	if s.relayout != nil {
		s.relayout()
	}
}

func (s *basketScreen) onUndo() {
	s.setUndo(false)
	if err := s.till.Undo(); err != nil {
		msg := lang.L("It is too late to undo that; add the products again.")
		if !errors.Is(err, checkout.ErrNothingToUndo) {
			msg = cashierError(err, msg)
		}
		s.till.Notify(msg)
	}
}

func (s *basketScreen) refresh(v checkout.View) {
	if s.phone.Text != v.CustomerInput {
		s.phone.SetText(v.CustomerInput)
	}
	imp := s.who.label.Importance
	switch {
	case v.CustomerError != "":
		s.who.label.Importance = widget.DangerImportance
		s.who.Set("✗ "+v.CustomerError, "")
	case v.Customer != "":
		s.who.label.Importance = widget.SuccessImportance
		s.who.Set("✓ "+lang.L("Identified: {{.Customer}}", map[string]any{"Customer": v.Customer}), "")
	default:
		s.who.label.Importance = widget.LowImportance
		s.who.Set(lang.L("Scan the customer's {{.Brand}} QR, or type the number.", map[string]any{"Brand": brand(v)}), "")
	}
	// Each redraw of a label shapes its text again: only what changed.
	if s.who.label.Importance != imp {
		s.who.label.Refresh()
	}

	key := fmt.Sprint(v.Lines)
	if key != s.lastLines {
		s.lastLines = key
		newest := changedLine(s.shown, v.Lines)
		s.shown = append([]basket.Line(nil), v.Lines...)
		s.syncRows(v.Lines, v.Currency)
		if newest >= 0 {
			s.scrollTo(newest)
		}
	}
	show(s.empty, len(v.Lines) == 0)
	if s.undoFor != s.lastLines {
		show(s.undoBar, false)
	}

	if total := lang.L("Total") + " " + money.FormatCurrency(v.Totals.Gross, v.Currency); total != s.total.Text {
		s.total.Text = total
		s.total.Refresh()
	}
	vat := ""
	for i, r := range v.Totals.ByVAT {
		if i > 0 {
			vat += "   "
		}
		vat += lang.L("VAT {{.Rate}}: {{.VAT}} of {{.Gross}}", map[string]any{"Rate": r.Rate.Format(","), "VAT": money.FormatAmount(r.VAT, v.Currency), "Gross": money.FormatAmount(r.Gross, v.Currency)})
	}
	setText(s.vat, vat)
	pay := lang.L("Pay")
	if v.PushOff {
		pay = lang.L("Pay by QR") // this shop cannot send requests to phones
	}
	if due := payDue(v); due > 0 {
		pay += " " + money.FormatCurrency(due, v.Currency)
	}
	if s.pay.Text != pay {
		s.pay.SetText(pay)
	}
	switch {
	case s.drawPushOff(v): // paying by QR: the button offers the phone again (park.go)
	case v.CanShowQR:
		s.showQR.Enable()
	default:
		s.showQR.Disable()
	}
	if v.CanPay {
		s.pay.Enable()
	} else {
		s.pay.Disable()
	}
	s.cash.refresh(v)
	s.exch.refresh(v)
	if len(v.Lines) == 0 {
		s.clear.Disable()
	} else {
		s.clear.Enable()
	}
	if text := basketDiscountText(v); text != "" {
		s.discountText.SetText(text)
		s.discountText.Show()
	} else {
		s.discountText.Hide()
	}
	if len(v.Lines) > 0 && (v.Phase == checkout.PhaseBasket || v.Phase == checkout.PhaseEnded) {
		s.discount.Enable()
	} else {
		s.discount.Disable()
	}
}

// changedLine is the index in after of the line that is new or grew, or -1.
func changedLine(before, after []basket.Line) int {
	old := map[string]int{}
	for _, l := range before {
		old[l.ProductID] = l.Quantity
	}
	for i, l := range after {
		if q, had := old[l.ProductID]; !had || l.Quantity > q {
			return i
		}
	}
	return -1
}

// scrollTo scrolls the basket so that line i is in sight.
func (s *basketScreen) scrollTo(i int) {
	if i >= len(s.lines.Objects) {
		return
	}
	c := s.scroll.Content
	c.Resize(c.MinSize().Max(s.scroll.Size()))
	row := s.lines.Objects[i]
	top, h := row.Position().Y, row.Size().Height
	view := s.scroll.Size().Height
	off := s.scroll.Offset.Y
	switch {
	case top < off:
		off = top
	case top+h > off+view:
		off = top + h - view
	}
	s.scroll.ScrollToOffset(fyne.NewPos(0, off))
}

// syncRows makes the rows show lines: a changed line's row is updated, a new
// line gets a row, and the box is laid out again only when rows come, go or
// move.
func (s *basketScreen) syncRows(lines []basket.Line, cur string) {
	objs := make([]fyne.CanvasObject, 0, len(lines))
	keep := make(map[string]bool, len(lines))
	same := len(lines) == len(s.lines.Objects)
	for i, l := range lines {
		r := s.lineRows[l.ProductID]
		if r == nil {
			r = s.newRow(l.ProductID)
		}
		r.set(l, cur)
		keep[l.ProductID] = true
		objs = append(objs, r.row)
		if same && s.lines.Objects[i] != r.row {
			same = false
		}
	}
	for id := range s.lineRows {
		if !keep[id] {
			delete(s.lineRows, id)
		}
	}
	if !same {
		// Lay the rows out again without redrawing each: a container's
		// Refresh redraws every row's labels.
		setRows(s.lines, objs)
		refit(s.scroll)
	}
}

func (s *basketScreen) newRow(id string) *lineRow {
	r := &lineRow{qty: widget.NewLabelWithStyle("", fyne.TextAlignCenter, fyne.TextStyle{Bold: true})}
	// − at 1 removes the line, with the same undo as the bin.
	r.minus = widget.NewButtonWithIcon("", theme.ContentRemoveIcon(), func() {
		if r.line.Quantity <= 1 {
			s.onRemove(id, r.line.Name)
			return
		}
		_ = s.till.SetQuantity(id, r.line.Quantity-1)
	})
	r.plus = widget.NewButtonWithIcon("", theme.ContentAddIcon(), func() { _ = s.till.SetQuantity(id, r.line.Quantity+1) })
	r.remove = widget.NewButtonWithIcon("", theme.DeleteIcon(), func() { s.onRemove(id, r.line.Name) })
	r.remove.Importance = widget.LowImportance
	r.title = &widget.Label{TextStyle: fyne.TextStyle{Bold: true}, Truncation: fyne.TextTruncateEllipsis}
	r.each = &widget.Label{SizeName: theme.SizeNameCaptionText, Truncation: fyne.TextTruncateEllipsis}
	r.sum = &widget.Label{TextStyle: fyne.TextStyle{Bold: true}, Alignment: fyne.TextAlignTrailing}
	// The row's spacing is fixed, not the theme's: a row is laid out both
	// inside the compact theme's override and outside it, and must look
	// the same either way. It carries the compact theme itself, which a
	// row added later would not get from the override around the box.
	info := container.New(layout.NewCustomPaddedVBoxLayout(rowGap), container.New(besideLayout{}, r.title, r.sum), r.each)
	// Tapping the line's name opens its discount and price dialog.
	tap := newTapArea(info, func() { s.onLine(r.line) })
	controls := container.New(layout.NewCustomPaddedHBoxLayout(rowGap), sized(r.minus, 52, touch), sized(r.qty, 36, touch), sized(r.plus, 52, touch), sized(r.remove, 52, touch))
	r.row = compact(container.New(besideLayout{}, tap, controls))
	s.lineRows[id] = r
	return r
}

// setRows puts objs in box and lays it out, leaving each row be: Add and
// RemoveAll lay a box out, where its Refresh would redraw every row.
func setRows(box *fyne.Container, objs []fyne.CanvasObject) {
	if len(objs) == 0 {
		box.RemoveAll()
		return
	}
	box.Objects = objs[:len(objs)-1]
	box.Add(objs[len(objs)-1])
}

// refit makes a scroll's content and bars follow the content's new height
// without Scroll.Refresh, which redraws all of the content.
func refit(sc *container.Scroll) {
	c := sc.Content
	c.Resize(c.MinSize().Max(sc.Size()))
	off := sc.Offset
	sc.Offset.Y++ // ScrollToOffset does nothing for the offset it has
	sc.ScrollToOffset(off)
}

// rowGap is the space between the parts of a basket row.
const rowGap = 4

// besideLayout gives its second object its width at the right, and the
// first the rest, both the full height (a Border with only a right side).
type besideLayout struct{}

func (besideLayout) MinSize(objs []fyne.CanvasObject) fyne.Size {
	a, b := objs[0].MinSize(), objs[1].MinSize()
	return fyne.NewSize(a.Width+rowGap+b.Width, max(a.Height, b.Height))
}

func (besideLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	bw := objs[1].MinSize().Width
	objs[0].Move(fyne.NewPos(0, 0))
	objs[0].Resize(fyne.NewSize(max(0, size.Width-bw-rowGap), size.Height))
	objs[1].Move(fyne.NewPos(size.Width-bw, 0))
	objs[1].Resize(fyne.NewSize(bw, size.Height))
}

// set shows l, touching only the labels whose text changed.
func (r *lineRow) set(l basket.Line, cur string) {
	if r.line == l && r.cur == cur {
		return
	}
	r.line, r.cur = l, cur
	setText(r.qty, fmt.Sprint(l.Quantity))
	setText(r.title, l.Name)
	setText(r.each, lineDetail(l, cur))
	// The line after its own discount; the basket's shows under the lines.
	setText(r.sum, money.FormatCurrency(l.Gross()-l.LineDiscount(), cur))
}

func setText(l *widget.Label, text string) {
	if l.Text != text {
		l.SetText(text)
	}
}

// sized gives o at least w×h, for touch targets; hidden, o takes no room.
func sized(o fyne.CanvasObject, w, h float32) fyne.CanvasObject {
	return container.New(minLayout{w, h}, o)
}

type minLayout struct{ w, h float32 }

func (l minLayout) MinSize(objs []fyne.CanvasObject) fyne.Size {
	o := objs[0]
	if !o.Visible() {
		return fyne.Size{}
	}
	m := o.MinSize()
	return fyne.NewSize(max(m.Width, l.w), max(m.Height, l.h))
}

func (l minLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	objs[0].Move(fyne.NewPos(0, 0))
	objs[0].Resize(size)
}

func heading(s string) fyne.CanvasObject {
	t := canvas.NewText(s, theme.Color(theme.ColorNameForeground))
	t.TextSize = 22
	t.TextStyle.Bold = true
	return t
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// moreButton opens a small menu of the rarer actions (s.more), each a full
// touch target: Fyne's own pop-up menu rows are under 48 px.
func (s *basketScreen) moreButton() *widget.Button {
	b := &widget.Button{Text: lang.L("More…")}
	b.ExtendBaseWidget(b)
	b.OnTapped = func() {
		items := container.NewVBox()
		var pop *widget.PopUp
		for _, m := range s.more {
			m := m
			item := &widget.Button{Text: m.Text, Icon: m.Icon, Alignment: widget.ButtonAlignLeading, OnTapped: func() {
				pop.Hide()
				m.OnTapped()
			}}
			item.ExtendBaseWidget(item)
			if m.Disabled() {
				item.Disable()
			}
			items.Add(sized(item, 220, touch))
		}
		pop = widget.NewPopUp(items, s.win.Canvas())
		at := fyne.CurrentApp().Driver().AbsolutePositionForObject(b)
		size := pop.MinSize()
		pop.ShowAtPosition(fyne.NewPos(at.X+b.Size().Width-size.Width, at.Y-size.Height))
	}
	return b
}
