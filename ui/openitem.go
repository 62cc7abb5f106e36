package ui

import (
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/kasse-pos/kasse/app/checkout"
	"github.com/kasse-pos/kasse/app/money"
)

// openItemDialog types an item the catalog lacks into the basket: from the
// "unknown product" notice in one tap, with the scanned barcode kept.
type openItemDialog struct {
	till  checkout.Register
	win   fyne.Window
	code  string
	dlg   *dialog.CustomDialog
	desc  *widget.Entry
	price *widget.Entry
	vat   *widget.RadioGroup
	qty   *widget.Entry
	err   *widget.Label
	add   *widget.Button
}

func newOpenItemDialog(till checkout.Register, win fyne.Window, code string) *openItemDialog {
	d := &openItemDialog{till: till, win: win, code: code}
	d.desc = &widget.Entry{PlaceHolder: "What is it? (shown on the receipt)"}
	d.desc.ExtendBaseWidget(d.desc)
	d.price = &widget.Entry{PlaceHolder: "Price incl. VAT, e.g. 39,90"}
	d.price.ExtendBaseWidget(d.price)
	d.qty = &widget.Entry{Text: "1"}
	d.qty.ExtendBaseWidget(d.qty)
	var rates []string
	for _, r := range till.VATRates() {
		rates = append(rates, fmt.Sprintf("%d %%", r))
	}
	d.vat = widget.NewRadioGroup(rates, nil)
	d.vat.Horizontal = true
	if len(rates) > 0 {
		d.vat.SetSelected(rates[0])
	}
	d.err = &widget.Label{Wrapping: fyne.TextWrapWord, Importance: widget.DangerImportance}
	d.err.ExtendBaseWidget(d.err)
	d.add = &widget.Button{Text: "Add to the basket", Icon: theme.ContentAddIcon(), Importance: widget.HighImportance, OnTapped: d.onAdd}
	d.add.ExtendBaseWidget(d.add)
	d.price.OnSubmitted = func(string) { d.onAdd() }
	cancel := &widget.Button{Text: "Cancel", OnTapped: func() { d.dlg.Hide() }}
	title := "Add an item by hand"
	if code != "" {
		title += " (barcode " + code + ")"
	}
	form := container.NewVBox(
		widget.NewLabel("Description"), sized(d.desc, 420, touch),
		widget.NewLabel("Price"), sized(d.price, 0, touch),
		widget.NewLabel("VAT"), sized(d.vat, 0, touch),
		widget.NewLabel("Quantity"), sized(d.qty, 120, touch),
		d.err,
		container.NewGridWithColumns(2, sized(cancel, 0, touch), sized(d.add, 0, touch)),
	)
	d.dlg = dialog.NewCustomWithoutButtons(title, form, win)
	return d
}

func (d *openItemDialog) show() {
	d.dlg.Show()
	d.win.Canvas().Focus(d.desc)
}

func (d *openItemDialog) onAdd() {
	price, err := money.Parse(d.price.Text)
	if err != nil {
		d.err.SetText("Type the price as kroner and øre, e.g. 39,90.")
		return
	}
	var vat, qty int
	if _, err := fmt.Sscanf(strings.TrimSuffix(d.vat.Selected, " %"), "%d", &vat); err != nil {
		d.err.SetText("Choose the VAT rate.")
		return
	}
	if _, err := fmt.Sscanf(strings.TrimSpace(d.qty.Text), "%d", &qty); err != nil {
		d.err.SetText("Type how many, e.g. 1.")
		return
	}
	err = d.till.AddOpenItem(checkout.OpenItem{Description: d.desc.Text, Price: price, VAT: vat, Quantity: qty, EAN: d.code})
	if err != nil {
		d.err.SetText(cashierError(err, "The item could not be added."))
		return
	}
	d.dlg.Hide()
}
