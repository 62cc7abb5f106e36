package ui

import (
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
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

// vatChoice is the shop's VAT rates as one row of choices, the first chosen:
// an open item and a return without receipt ask the same.
func vatChoice(rates []money.Rate) *widget.RadioGroup {
	var opts []string
	for _, r := range rates {
		opts = append(opts, r.Format(","))
	}
	g := widget.NewRadioGroup(opts, nil)
	g.Horizontal = true
	if len(opts) > 0 {
		g.SetSelected(opts[0])
	}
	return g
}

func newOpenItemDialog(till checkout.Register, win fyne.Window, code string) *openItemDialog {
	d := &openItemDialog{till: till, win: win, code: code}
	d.desc = &widget.Entry{PlaceHolder: lang.L("What is it? (shown on the receipt)")}
	d.desc.ExtendBaseWidget(d.desc)
	d.price = &widget.Entry{PlaceHolder: lang.L("Price incl. VAT, e.g. 39,90")}
	d.price.ExtendBaseWidget(d.price)
	d.qty = &widget.Entry{Text: "1"}
	d.qty.ExtendBaseWidget(d.qty)
	d.vat = vatChoice(till.VATRates())
	d.err = &widget.Label{Wrapping: fyne.TextWrapWord, Importance: widget.DangerImportance}
	d.err.ExtendBaseWidget(d.err)
	d.add = &widget.Button{Text: lang.L("Add to the basket"), Icon: theme.ContentAddIcon(), Importance: widget.HighImportance, OnTapped: d.onAdd}
	d.add.ExtendBaseWidget(d.add)
	d.price.OnSubmitted = func(string) { d.onAdd() }
	cancel := &widget.Button{Text: lang.L("Cancel"), OnTapped: func() { d.dlg.Hide() }}
	title := lang.L("Add an item by hand")
	if code != "" {
		title = lang.L("Add an item by hand (barcode {{.Code}})", map[string]any{"Code": code})
	}
	form := container.NewVBox(
		widget.NewLabel(lang.L("Item description")), sized(d.desc, 420, touch),
		widget.NewLabel(lang.L("Price")), sized(d.price, 0, touch),
		widget.NewLabel(lang.L("VAT")), sized(d.vat, 0, touch),
		widget.NewLabel(lang.L("Quantity")), sized(d.qty, 120, touch),
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
		d.err.SetText(lang.L("Type the price with two decimals, e.g. 39,90."))
		return
	}
	var qty int
	vat, err := money.ParseRate(d.vat.Selected)
	if err != nil {
		d.err.SetText(lang.L("Choose the VAT rate."))
		return
	}
	if _, err := fmt.Sscanf(strings.TrimSpace(d.qty.Text), "%d", &qty); err != nil {
		d.err.SetText(lang.L("Type how many, e.g. 1."))
		return
	}
	err = d.till.AddOpenItem(checkout.OpenItem{Description: d.desc.Text, Price: price, VATRate: vat, Quantity: qty, EAN: d.code})
	if err != nil {
		d.err.SetText(cashierError(err, lang.L("The item could not be added.")))
		return
	}
	d.dlg.Hide()
}
