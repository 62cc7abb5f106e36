package ui

import (
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/kasse-pos/kasse/app/catalog"
	"github.com/kasse-pos/kasse/app/checkout"
)

// maxPriceHits bounds the products a search in the price check lists.
const maxPriceHits = 6

// priceCheck is the price check (prisforespørsel): a scan or a search shows a
// product's price without selling it; the till journals each look-up (SAF-T
// event 13022), as the cash register rules count them.
type priceCheck struct {
	till   checkout.Register
	dlg    *dialog.CustomDialog
	query  *widget.Entry
	hits   *fyne.Container
	name   *widget.Label
	price  *canvas.Text
	result *widget.Label
}

func newPriceCheck(till checkout.Register, win fyne.Window) *priceCheck {
	p := &priceCheck{till: till, hits: container.NewVBox()}
	p.query = &widget.Entry{PlaceHolder: lang.L("Scan a barcode or search a product"), OnChanged: p.onSearch, OnSubmitted: p.onSubmit}
	p.query.ExtendBaseWidget(p.query)
	p.name = &widget.Label{TextStyle: fyne.TextStyle{Bold: true}, Truncation: fyne.TextTruncateEllipsis}
	p.name.ExtendBaseWidget(p.name)
	p.price = canvas.NewText("", theme.Color(theme.ColorNameForeground))
	p.price.TextSize = 32
	p.price.TextStyle.Bold = true
	p.result = &widget.Label{Wrapping: fyne.TextWrapWord}
	p.result.ExtendBaseWidget(p.result)
	closeBtn := &widget.Button{Text: lang.L("Close"), OnTapped: func() { p.dlg.Hide() }}
	closeBtn.ExtendBaseWidget(closeBtn)
	form := container.NewVBox(sized(p.query, 420, touch), p.hits, p.name, p.price, p.result, sized(closeBtn, 0, touch))
	p.dlg = dialog.NewCustomWithoutButtons(lang.L("Price check"), form, win)
	return p
}

// button is the price check's entry in the basket's More… menu.
func (p *priceCheck) button() *widget.Button {
	b := &widget.Button{Text: lang.L("Price check…"), Icon: theme.SearchIcon(), OnTapped: p.show}
	b.ExtendBaseWidget(b)
	return b
}

func (p *priceCheck) show() {
	p.query.SetText("")
	p.name.SetText("")
	p.price.Text = ""
	p.price.Refresh()
	p.result.SetText("")
	p.dlg.Show()
	if c := fyne.CurrentApp().Driver().CanvasForObject(p.query); c != nil {
		c.Focus(p.query)
	}
}

// onSearch lists the products whose name matches what is typed.
func (p *priceCheck) onSearch(q string) {
	p.hits.RemoveAll()
	found := p.till.Catalog().Search(q)
	for i, pr := range found {
		if i == maxPriceHits {
			break
		}
		pr := pr
		b := &widget.Button{Text: pr.Name, Alignment: widget.ButtonAlignLeading, OnTapped: func() { p.lookUp(pr) }}
		b.ExtendBaseWidget(b)
		p.hits.Add(sized(b, 0, touch))
	}
	p.hits.Refresh()
}

// onSubmit takes a scanned barcode (or typed product number), or the only
// product a search found.
func (p *priceCheck) onSubmit(q string) {
	q = strings.TrimSpace(q)
	cat := p.till.Catalog()
	for _, by := range []func(string) (catalog.Product, bool){cat.ByEAN, cat.ByPLU, cat.ByID} {
		if pr, ok := by(q); ok {
			p.lookUp(pr)
			return
		}
	}
	if found := cat.Search(q); len(found) == 1 {
		p.lookUp(found[0])
		return
	}
	p.result.Importance = widget.WarningImportance
	p.result.SetText(lang.L("No product has that barcode. Tap one of the products found, or search again."))
}

func (p *priceCheck) lookUp(pr catalog.Product) {
	got, err := p.till.LookUpPrice(pr.ID)
	if err != nil {
		p.result.Importance = widget.DangerImportance
		p.result.SetText(cashierError(err, lang.L("The price check could not be recorded. Try again.")))
		return
	}
	p.name.SetText(got.Name)
	p.price.Text = totalText(got.Price, p.till.View().Currency)
	p.price.Refresh()
	p.result.Importance = widget.MediumImportance
	p.result.SetText(lang.L("Not added to the basket."))
	p.query.SetText("")
}
