package ui

import (
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/kasse-pos/kasse/app/checkout"
	"github.com/kasse-pos/kasse/app/money"
)

// basketScreen is the right half while selling: customer, lines, totals, Pay.
type basketScreen struct {
	till      checkout.Register
	phone     *widget.Entry
	who       *canvas.Text
	lines     *fyne.Container
	empty     *widget.Label
	total     *canvas.Text
	vat       *widget.Label
	pay       *widget.Button
	clear     *widget.Button
	lineRows  map[string]*lineRow
	lastLines string
}

type lineRow struct {
	minus, plus, remove *widget.Button
	qty                 *widget.Label
}

func newBasketScreen(till checkout.Register) *basketScreen {
	s := &basketScreen{till: till, lineRows: map[string]*lineRow{}}
	s.phone = &widget.Entry{PlaceHolder: "Customer's phone number (or scan the QR)", OnChanged: s.onPhone, OnSubmitted: s.onPhoneSubmitted}
	s.phone.ExtendBaseWidget(s.phone)
	s.who = canvas.NewText("", theme.Color(theme.ColorNameForeground))
	s.who.TextSize = 17
	s.lines = container.NewVBox()
	s.empty = widget.NewLabel("Tap a product or scan a barcode.")
	s.total = canvas.NewText("", theme.Color(theme.ColorNameForeground))
	s.total.TextSize = 36
	s.total.TextStyle.Bold = true
	s.total.Alignment = fyne.TextAlignTrailing
	s.vat = widget.NewLabel("")
	s.vat.Alignment = fyne.TextAlignTrailing
	s.pay = &widget.Button{Text: "Pay", Importance: widget.HighImportance, Icon: theme.ConfirmIcon(), OnTapped: s.onPay}
	s.pay.ExtendBaseWidget(s.pay)
	s.clear = &widget.Button{Text: "Clear", Icon: theme.ContentClearIcon(), OnTapped: s.onClear}
	s.clear.ExtendBaseWidget(s.clear)
	return s
}

func (s *basketScreen) content() fyne.CanvasObject {
	customer := container.NewVBox(heading("Customer"), s.phone, s.who)
	totals := container.NewVBox(s.total, s.vat)
	buttons := container.NewBorder(nil, nil, sized(s.clear, 140, 72), nil, sized(s.pay, 200, 72))
	bottom := container.NewVBox(widget.NewSeparator(), totals, buttons)
	middle := container.NewBorder(heading("Basket"), nil, nil, nil, container.NewVScroll(container.NewStack(s.empty, s.lines)))
	return container.NewBorder(customer, bottom, nil, nil, middle)
}

func (s *basketScreen) onPhone(text string) { _ = s.till.SetCustomer(text) }

// onPhoneSubmitted handles Enter in the phone field: a wedge scanner typing a
// barcode or a personal QR into it is taken as a scan, not as a number.
func (s *basketScreen) onPhoneSubmitted(text string) {
	if s.till.View().CustomerError == "" {
		return
	}
	s.phone.SetText("")
	s.till.Scan(text)
}

func (s *basketScreen) onPay() {
	if err := s.till.Pay(); err != nil {
		s.till.Notify(err.Error())
	}
}

func (s *basketScreen) onClear() { _ = s.till.Clear() }

func (s *basketScreen) refresh(v checkout.View) {
	if s.phone.Text != v.CustomerInput {
		s.phone.SetText(v.CustomerInput)
	}
	switch {
	case v.CustomerError != "":
		s.who.Text = "✗ " + v.CustomerError
		s.who.Color = theme.Color(theme.ColorNameError)
	case v.Customer != "":
		s.who.Text = "✓ Identified: " + v.Customer
		s.who.Color = theme.Color(theme.ColorNameSuccess)
	default:
		s.who.Text = "Scan the customer's Vipps or MobilePay QR, or type the number."
		s.who.Color = theme.Color(theme.ColorNamePlaceHolder)
	}
	s.who.Refresh()

	key := fmt.Sprint(v.Lines)
	if key != s.lastLines {
		s.lastLines = key
		s.lines.Objects = nil
		s.lineRows = map[string]*lineRow{}
		for _, l := range v.Lines {
			s.lines.Add(s.row(l.ProductID, l.Name, l.Quantity, l.UnitPrice, l.Total(), v.Currency))
		}
		s.lines.Refresh()
	}
	s.empty.Hidden = len(v.Lines) > 0
	s.empty.Refresh()

	s.total.Text = "Total " + money.FormatCurrency(v.Totals.Gross, v.Currency)
	s.total.Refresh()
	vat := ""
	for i, r := range v.Totals.ByVAT {
		if i > 0 {
			vat += "\n"
		}
		vat += fmt.Sprintf("VAT %d %%: %s of %s", r.Percent, money.Format(r.VAT), money.Format(r.Gross))
	}
	s.vat.SetText(vat)
	if v.Totals.Gross > 0 {
		s.pay.SetText("Pay " + money.FormatCurrency(v.Totals.Gross, v.Currency))
	} else {
		s.pay.SetText("Pay")
	}
	if v.CanPay {
		s.pay.Enable()
	} else {
		s.pay.Disable()
	}
	if len(v.Lines) == 0 {
		s.clear.Disable()
	} else {
		s.clear.Enable()
	}
}

func (s *basketScreen) row(id, name string, qty int, unit, total int64, cur string) fyne.CanvasObject {
	r := &lineRow{qty: widget.NewLabelWithStyle(fmt.Sprint(qty), fyne.TextAlignCenter, fyne.TextStyle{Bold: true})}
	r.minus = widget.NewButtonWithIcon("", theme.ContentRemoveIcon(), func() { _ = s.till.SetQuantity(id, qty-1) })
	r.plus = widget.NewButtonWithIcon("", theme.ContentAddIcon(), func() { _ = s.till.SetQuantity(id, qty+1) })
	r.remove = widget.NewButtonWithIcon("", theme.DeleteIcon(), func() { _ = s.till.Remove(id) })
	r.remove.Importance = widget.LowImportance
	s.lineRows[id] = r
	title := widget.NewLabelWithStyle(name, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	title.Truncation = fyne.TextTruncateEllipsis
	each := canvas.NewText(fmt.Sprintf("%d × %s", qty, money.Format(unit)), theme.Color(theme.ColorNamePlaceHolder))
	each.TextSize = 15
	sum := widget.NewLabelWithStyle(money.FormatCurrency(total, cur), fyne.TextAlignTrailing, fyne.TextStyle{Bold: true})
	controls := container.NewHBox(sized(r.minus, touch, touch), sized(r.qty, 40, touch), sized(r.plus, touch, touch), sized(r.remove, touch, touch))
	// The name gets the whole width; the controls sit below it.
	top := container.NewBorder(nil, nil, nil, sum, title)
	return container.NewVBox(top, container.NewBorder(nil, nil, container.NewPadded(each), controls))
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
