package ui

import (
	"fmt"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/kasse-pos/kasse/app/basket"
	"github.com/kasse-pos/kasse/app/checkout"
	"github.com/kasse-pos/kasse/app/money"
)

// discountDialog gives a line or the whole basket a discount, by percent or
// by amount, or (a line only) a new unit price: always with a reason, which
// the journal and the receipt keep.
type discountDialog struct {
	till checkout.Register
	win  fyne.Window
	// line is the basket line, or nil for the whole basket.
	line   *basket.Line
	dlg    *dialog.CustomDialog
	mode   *widget.RadioGroup
	value  *widget.Entry
	reason *widget.Entry
	err    *widget.Label
	apply  *widget.Button
	remove *widget.Button
	// The modes as the radio group shows them, in the cashier's language.
	modePercent, modeAmount, modePrice string
}

// newDiscountDialog makes the dialog for line, or for the basket when line
// is nil; had is the discount it has now, if any.
func newDiscountDialog(till checkout.Register, win fyne.Window, line *basket.Line, had *basket.Off) *discountDialog {
	d := &discountDialog{till: till, win: win, line: line,
		modePercent: lang.L("Percent off"), modeAmount: lang.L("Amount off"), modePrice: lang.L("New price")}
	modes := []string{d.modePercent, d.modeAmount}
	title := lang.L("Discount on the whole basket")
	if line != nil {
		modes = append(modes, d.modePrice)
		title = fmt.Sprintf("%s: %s", lang.L("Discount or price"), line.Name)
	}
	d.mode = widget.NewRadioGroup(modes, d.onMode)
	d.mode.Horizontal = true
	d.value = &widget.Entry{}
	d.value.ExtendBaseWidget(d.value)
	d.reason = &widget.Entry{PlaceHolder: lang.L("Why? (kept in the journal and shown on the receipt)")}
	d.reason.ExtendBaseWidget(d.reason)
	d.reason.OnSubmitted = func(string) { d.onApply() }
	d.err = &widget.Label{Wrapping: fyne.TextWrapWord, Importance: widget.DangerImportance}
	d.err.ExtendBaseWidget(d.err)
	d.apply = &widget.Button{Text: lang.L("Apply"), Icon: theme.ConfirmIcon(), Importance: widget.HighImportance, OnTapped: d.onApply}
	d.apply.ExtendBaseWidget(d.apply)
	d.remove = &widget.Button{Text: lang.L("Take the discount away"), Icon: theme.ContentClearIcon(), OnTapped: d.onRemove}
	d.remove.ExtendBaseWidget(d.remove)
	if had == nil {
		d.remove.Hide()
	}
	cancel := &widget.Button{Text: lang.L("Cancel"), OnTapped: func() { d.dlg.Hide() }}
	d.mode.SetSelected(d.modePercent)
	if had != nil {
		d.reason.SetText(had.Reason)
		if had.Percent == 0 {
			d.mode.SetSelected(d.modeAmount)
			d.value.SetText(money.Format(had.Amount))
		} else {
			d.value.SetText(strconv.Itoa(had.Percent))
		}
	}
	form := container.NewVBox(
		sized(d.mode, 0, touch),
		widget.NewLabel(lang.L("Percent, amount or price")), sized(d.value, 420, touch),
		widget.NewLabel(lang.L("Reason")), sized(d.reason, 0, touch),
		d.err,
		sized(d.remove, 0, touch),
		container.NewGridWithColumns(2, sized(cancel, 0, touch), sized(d.apply, 0, touch)),
	)
	d.dlg = dialog.NewCustomWithoutButtons(title, form, win)
	return d
}

func (d *discountDialog) show() {
	d.dlg.Show()
	d.win.Canvas().Focus(d.value)
}

func (d *discountDialog) onMode(mode string) {
	switch mode {
	case d.modePercent:
		d.value.SetPlaceHolder(lang.L("e.g. 10 (percent)"))
	case d.modeAmount:
		d.value.SetPlaceHolder(lang.L("e.g. 20,00 off, VAT included"))
	case d.modePrice:
		d.value.SetPlaceHolder(lang.L("the new unit price incl. VAT, e.g. 149,00"))
	}
	d.err.SetText("")
}

func (d *discountDialog) onApply() {
	reason := strings.TrimSpace(d.reason.Text)
	if reason == "" {
		d.err.SetText(lang.L("Give a reason: the journal and the receipt keep it."))
		return
	}
	var err error
	switch d.mode.Selected {
	case d.modePercent:
		p, perr := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(d.value.Text), "%")))
		if perr != nil || p < 1 || p > 100 {
			d.err.SetText(lang.L("Type a whole percentage from 1 to 100."))
			return
		}
		err = d.discount(&basket.Off{Percent: p, Reason: reason})
	case d.modeAmount, d.modePrice:
		amount, perr := money.Parse(d.value.Text)
		if perr != nil || amount <= 0 {
			d.err.SetText(lang.L("Type the amount as kroner and øre, e.g. 20,00."))
			return
		}
		if d.mode.Selected == d.modePrice {
			err = d.till.SetPrice(d.line.ProductID, amount, reason)
		} else {
			err = d.discount(&basket.Off{Amount: amount, Reason: reason})
		}
	default:
		d.err.SetText(lang.L("Choose percent, amount or a new price."))
		return
	}
	if err != nil {
		d.err.SetText(cashierError(err, lang.L("The discount could not be given.")))
		return
	}
	d.dlg.Hide()
}

func (d *discountDialog) onRemove() {
	if err := d.discount(nil); err != nil {
		d.err.SetText(cashierError(err, lang.L("The discount could not be taken away.")))
		return
	}
	d.dlg.Hide()
}

func (d *discountDialog) discount(off *basket.Off) error {
	if d.line != nil {
		return d.till.DiscountLine(d.line.ProductID, off)
	}
	return d.till.DiscountBasket(off)
}

// tapArea makes content tappable, for a basket line that opens its
// discount dialog.
type tapArea struct {
	widget.BaseWidget
	content  fyne.CanvasObject
	OnTapped func()
}

func newTapArea(content fyne.CanvasObject, tapped func()) *tapArea {
	t := &tapArea{content: content, OnTapped: tapped}
	t.ExtendBaseWidget(t)
	return t
}

// CreateRenderer draws the content as it is.
func (t *tapArea) CreateRenderer() fyne.WidgetRenderer { return widget.NewSimpleRenderer(t.content) }

// Tapped runs OnTapped.
func (t *tapArea) Tapped(*fyne.PointEvent) {
	if t.OnTapped != nil {
		t.OnTapped()
	}
}

// lineDetail is the small text under a basket line's name: how its price
// was made, and its discount or new price.
func lineDetail(l basket.Line, cur string) string {
	s := fmt.Sprintf("%d × %s", l.Quantity, money.Format(l.UnitPrice))
	if l.Weighed() {
		s = fmt.Sprintf("%s kg × %s/kg", strings.Replace(l.QuantityString(), ".", ",", 1), money.Format(l.UnitPrice))
	}
	if l.Override != nil {
		s += fmt.Sprintf("  (%s %s: %s)", lang.L("was"), money.Format(l.Override.ListPrice), l.Override.Reason)
	}
	if d := l.LineDiscount(); d > 0 {
		s += fmt.Sprintf("  −%s (%s)", money.Format(d), l.Off.Label(money.Format))
	}
	return s
}

// basketDiscountText is the line under the lines that says what the basket's
// discount takes off.
func basketDiscountText(v checkout.View) string {
	if v.Discount == nil {
		return ""
	}
	b := basket.Basket{Lines: v.Lines, Discount: v.Discount}
	return fmt.Sprintf("%s %s  −%s", lang.L("Discount"), v.Discount.Label(money.Format), money.Format(b.BasketDiscount()))
}

// historyLine is one line of a sale in the history: what, and the amount.
type historyLine struct{ what, amount string }

// saleLines are a sale's lines as the history (detail) or the receipt on
// screen shows them: each line with its price and own discount or new
// price, then the basket's discount, so that the amounts add up to the sale's
// total. A refund's lines carry their discount as BasketOff, shown per line.
func saleLines(b basket.Basket, detail bool) []historyLine {
	var out []historyLine
	for _, l := range b.Lines {
		what := l.Name
		switch {
		case l.Weighed():
			what = fmt.Sprintf("%s  %s", l.Name, lineDetail(basket.Line{Quantity: 1, Grams: l.Grams, UnitPrice: l.UnitPrice}, ""))
		case detail:
			what = fmt.Sprintf("%d × %s  (%s each)", l.Quantity, l.Name, money.Format(l.UnitPrice))
		case l.Quantity > 1:
			what = fmt.Sprintf("%d × %s", l.Quantity, l.Name)
		}
		if detail {
			what += fmt.Sprintf("  (%s %s)", lang.L("VAT"), l.VATRate.Format(","))
		}
		out = append(out, historyLine{what, money.Format(l.Gross())})
		if l.Override != nil && detail {
			out = append(out, historyLine{fmt.Sprintf("    %s %s → %s: %s", lang.L("Price changed from"), money.Format(l.Override.ListPrice), money.Format(l.UnitPrice), byWho(l.Override.Reason, l.Override.By)), ""})
		}
		if d := l.LineDiscount(); d > 0 {
			out = append(out, historyLine{"    " + lang.L("Discount") + " " + byWho(l.Off.Label(money.Format), l.Off.By), "−" + money.Format(d)})
		}
		if b.Discount == nil && l.BasketOff > 0 {
			out = append(out, historyLine{"    " + lang.L("Discount"), "−" + money.Format(l.BasketOff)})
		}
	}
	if b.Discount != nil {
		out = append(out, historyLine{lang.L("Discount on the basket") + " " + byWho(b.Discount.Label(money.Format), b.Discount.By), "−" + money.Format(b.BasketDiscount())})
	}
	return out
}

func byWho(what, by string) string {
	if by == "" {
		return what
	}
	return what + " (" + by + ")"
}
