package ui

import (
	"errors"
	"fmt"
	"image/color"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/kasse-pos/kasse/app/catalog"
	"github.com/kasse-pos/kasse/app/events"
	"github.com/kasse-pos/kasse/app/journal"
	"github.com/kasse-pos/kasse/app/market"
	"github.com/kasse-pos/kasse/app/money"
	"github.com/kasse-pos/kasse/app/station"
)

// CatalogOptions are what the settings' Products tab needs.
type CatalogOptions struct {
	// Current is the till's catalog, edited when there is no catalog file.
	Current func() *catalog.Catalog
	// Market gives the currency and the VAT rates offered.
	Market market.Market
	// Journal records each saved change as a settings change.
	Journal *journal.Journal
}

// catalogEditor is the Products tab: the manager's list of products, to
// search, add, change, delete, import and export. Changes are kept in the
// tab until Save, which writes the catalog file whole.
type catalogEditor struct {
	opts       CatalogOptions
	win        fyne.Window
	path       string // the catalog file
	currency   string
	categories []string
	products   []catalog.Product
	shown      []int // indexes into products that match the search
	changed    int   // products added, changed or removed since the last save
	// cashier names who saves, for the journal.
	cashier func() string
	// saved is told the file was saved, so the configuration names it.
	saved func(path string) error

	search *widget.Entry
	list   *widget.List
	count  *widget.Label
	msg    *widget.Label
	saveB  *widget.Button

	// The product dialog while it is open.
	editing             int // index into products; -1 for a new product
	eName, ePrice, eEAN *widget.Entry
	eImage              *widget.Entry
	eCat                *widget.SelectEntry
	eVAT                *widget.Select
	eMsg                *widget.Label
	eDlg                *dialog.CustomDialog
	rates               []money.Rate
}

// newCatalogEditor edits the catalog file at path in win.
func newCatalogEditor(win fyne.Window, opts CatalogOptions, path string, cashier func() string, saved func(string) error) *catalogEditor {
	e := &catalogEditor{opts: opts, win: win, path: path, currency: opts.Market.Currency, cashier: cashier, saved: saved}
	e.msg = &widget.Label{Wrapping: fyne.TextWrapWord}
	e.load()
	return e
}

// load reads the catalog file, or takes the till's catalog when there is
// none yet.
func (e *catalogEditor) load() {
	var c *catalog.Catalog
	b, err := os.ReadFile(e.path)
	switch {
	case err == nil:
		c, err = catalog.Load(e.path, b, e.currency)
		if err != nil {
			e.say(widget.DangerImportance, lang.L("The catalog file cannot be read; saving replaces it:")+" "+err.Error())
		}
	case errors.Is(err, os.ErrNotExist) && e.opts.Current != nil:
		c = e.opts.Current()
	}
	if c == nil {
		return
	}
	if c.Currency != "" {
		e.currency = c.Currency
	}
	e.categories, e.products = c.Categories(), c.All()
	warmImages(e.products)
}

func (e *catalogEditor) say(imp widget.Importance, text string) {
	e.msg.Importance = imp
	e.msg.SetText(text)
}

// content is the tab's page.
func (e *catalogEditor) content() fyne.CanvasObject {
	e.search = &widget.Entry{PlaceHolder: lang.L("Search by name or EAN"), OnChanged: func(string) { e.filter() }}
	e.search.ExtendBaseWidget(e.search)
	e.count = widget.NewLabel("")
	e.list = &widget.List{Length: func() int { return len(e.shown) }, CreateItem: e.newRow, UpdateItem: e.updateRow, OnSelected: e.onSelected}
	e.list.ExtendBaseWidget(e.list)
	add := &widget.Button{Text: lang.L("Add a product"), Icon: theme.ContentAddIcon(), OnTapped: func() { e.openProduct(-1) }}
	imp := &widget.Button{Text: lang.L("Import CSV…"), Icon: theme.FolderOpenIcon(), OnTapped: e.onImport}
	exp := &widget.Button{Text: lang.L("Export CSV…"), Icon: theme.DocumentSaveIcon(), OnTapped: e.onExport}
	e.saveB = &widget.Button{Text: lang.L("Save products"), Icon: theme.DocumentSaveIcon(), Importance: widget.HighImportance, OnTapped: e.onSave}
	e.filter()
	top := container.NewVBox(
		&widget.Label{Text: lang.L("The products on the till's tiles. Changes are kept when you tap Save products; the till sells the saved products after Kasse is restarted."), Wrapping: fyne.TextWrapWord},
		e.search, container.NewHBox(add, imp, exp))
	bottom := container.NewBorder(nil, nil, e.count, e.saveB, e.msg)
	return container.NewPadded(container.NewBorder(top, bottom, nil, nil, e.list))
}

// filter shows the products whose name holds every word of the search, or
// whose EAN starts with it.
func (e *catalogEditor) filter() {
	words := strings.Fields(strings.ToLower(e.search.Text))
	e.shown = e.shown[:0]
	for i, p := range e.products {
		name := strings.ToLower(p.Name)
		ok := true
		for _, w := range words {
			if !strings.Contains(name, w) {
				ok = false
				break
			}
		}
		if ok || (len(words) == 1 && strings.HasPrefix(p.EAN, words[0])) {
			e.shown = append(e.shown, i)
		}
	}
	e.count.SetText(fmt.Sprintf(lang.L("%d of %d products"), len(e.shown), len(e.products)))
	e.list.UnselectAll()
	e.list.Refresh()
}

func (e *catalogEditor) newRow() fyne.CanvasObject {
	tall := canvas.NewRectangle(color.Transparent)
	tall.SetMinSize(fyne.NewSize(0, touch))
	name := widget.NewLabel("")
	name.Truncation = fyne.TextTruncateEllipsis
	price := widget.NewLabel("")
	return container.NewStack(tall, container.NewBorder(nil, nil, nil, price, name))
}

func (e *catalogEditor) updateRow(id widget.ListItemID, o fyne.CanvasObject) {
	if id >= len(e.shown) {
		return
	}
	p := e.products[e.shown[id]]
	row := o.(*fyne.Container).Objects[1].(*fyne.Container)
	row.Objects[0].(*widget.Label).SetText(p.Name + " · " + p.Category + " · " + p.EAN)
	row.Objects[1].(*widget.Label).SetText(money.FormatCurrency(p.Price, e.currency) + " · " + lang.L("VAT") + " " + p.VATRate.Format(","))
	row.Refresh() // lays the row out again for the price's new width
}

func (e *catalogEditor) onSelected(id widget.ListItemID) {
	e.list.UnselectAll()
	if id < len(e.shown) {
		e.openProduct(e.shown[id])
	}
}

// openProduct opens the product dialog for products[i], or for a new
// product when i is -1.
func (e *catalogEditor) openProduct(i int) {
	e.editing = i
	p := catalog.Product{VATRate: e.defaultRate()}
	if i >= 0 {
		p = e.products[i]
	}
	e.rates = slices.Clone(e.opts.Market.VATRates)
	if !slices.Contains(e.rates, p.VATRate) {
		e.rates = append(e.rates, p.VATRate)
	}
	var names []string
	for _, r := range e.rates {
		names = append(names, r.Format(","))
	}
	e.eVAT = widget.NewSelect(names, nil)
	e.eVAT.SetSelectedIndex(slices.Index(e.rates, p.VATRate))
	price := ""
	if p.Price > 0 {
		// No thousands separator: money.Parse reads "1.299,50" (Danish) wrongly.
		price = fmt.Sprintf("%d,%02d", p.Price/100, p.Price%100)
	}
	mk := func(text, hint string) *widget.Entry {
		en := &widget.Entry{Text: text, PlaceHolder: hint}
		en.ExtendBaseWidget(en)
		return en
	}
	e.eName = mk(p.Name, "")
	e.ePrice = mk(price, "49,00")
	e.eEAN = mk(p.EAN, lang.L("13 digits"))
	e.eImage = mk(p.Image, lang.L("None"))
	e.eCat = widget.NewSelectEntry(e.categories)
	e.eCat.SetText(p.Category)
	e.eMsg = &widget.Label{Wrapping: fyne.TextWrapWord, Importance: widget.DangerImportance}
	choose := &widget.Button{Text: lang.L("Choose…"), OnTapped: e.onChooseImage}
	form := widget.NewForm(
		widget.NewFormItem(lang.L("Name"), e.eName),
		widget.NewFormItem(lang.L("Price including VAT"), e.ePrice),
		widget.NewFormItem(lang.L("VAT rate"), e.eVAT),
		widget.NewFormItem(lang.L("EAN"), e.eEAN),
		widget.NewFormItem(lang.L("Category"), e.eCat),
		widget.NewFormItem(lang.L("Picture"), container.NewBorder(nil, nil, nil, choose, e.eImage)))
	title := lang.L("New product")
	if i >= 0 {
		title = lang.L("Change the product")
	}
	e.eDlg = dialog.NewCustomWithoutButtons(title, container.NewVBox(form, e.eMsg), e.win)
	buttons := []fyne.CanvasObject{&widget.Button{Text: lang.L("Cancel"), OnTapped: e.eDlg.Hide}}
	if i >= 0 {
		buttons = append(buttons, &widget.Button{Text: lang.L("Delete"), Icon: theme.DeleteIcon(), Importance: widget.DangerImportance, OnTapped: e.onDelete})
	}
	buttons = append(buttons, &widget.Button{Text: lang.L("Done"), Importance: widget.HighImportance, OnTapped: e.onDone})
	e.eDlg.SetButtons(buttons)
	e.eDlg.Resize(fyne.NewSize(560, 0))
	e.eDlg.Show()
	e.win.Canvas().Focus(e.eName)
}

// defaultRate is the rate a new product starts with: the market's
// standard rate.
func (e *catalogEditor) defaultRate() money.Rate {
	if len(e.opts.Market.VATRates) > 0 {
		return e.opts.Market.VATRates[0]
	}
	return 2500
}

func (e *catalogEditor) onChooseImage() {
	d := dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
		if err != nil || r == nil {
			return
		}
		r.Close()
		e.eImage.SetText(r.URI().Path())
	}, e.win)
	d.SetFilter(storage.NewExtensionFileFilter([]string{".png", ".jpg", ".jpeg", ".PNG", ".JPG", ".JPEG"}))
	d.Show()
}

// onDone checks the product dialog and keeps the product, or says in a
// sentence what is wrong and keeps the dialog open.
func (e *catalogEditor) onDone() {
	p := catalog.Product{}
	if e.editing >= 0 {
		p = e.products[e.editing]
	}
	p.Name = strings.TrimSpace(e.eName.Text)
	p.EAN = strings.TrimSpace(e.eEAN.Text)
	p.Category = strings.TrimSpace(e.eCat.Text)
	p.Image = strings.TrimSpace(e.eImage.Text)
	price, perr := money.Parse(e.ePrice.Text)
	p.Price = price
	p.VATRate = e.rates[max(e.eVAT.SelectedIndex(), 0)]
	fail := func(s string) { e.eMsg.SetText(s) }
	fail("")
	switch {
	case p.Name == "":
		fail(lang.L("A product needs a name."))
		return
	case perr != nil || price <= 0:
		fail(lang.L("The price is not an amount. Write it as 49,00."))
		return
	case !catalog.ValidEAN13(p.EAN):
		fail(lang.L("The EAN must be 13 digits, the last one the check digit of the others. Copy it from the barcode."))
		return
	case p.Category == "":
		fail(lang.L("A product needs a category."))
		return
	}
	for j, o := range e.products {
		if j != e.editing && o.EAN == p.EAN {
			fail(lang.L("Another product has this EAN:") + " " + o.Name)
			return
		}
	}
	if p.Image != "" {
		abs, err := filepath.Abs(p.Image)
		if err == nil {
			p.Image = abs
			err = catalog.CheckImage(abs)
		}
		if err != nil {
			fail(lang.L("This picture cannot be used:") + " " + err.Error())
			return
		}
		forgetImage(abs)
	}
	if e.editing < 0 {
		p.ID = e.newID()
		e.products = append(e.products, p)
	} else {
		e.products[e.editing] = p
	}
	if !slices.Contains(e.categories, p.Category) {
		e.categories = append(e.categories, p.Category)
	}
	e.changed++
	e.eDlg.Hide()
	e.filter()
	e.say(widget.MediumImportance, lang.L("Not saved yet: tap Save products to keep the changes."))
}

// newID is an id no product has: ids stay with a product for good, since
// the journal's sales name products by id.
func (e *catalogEditor) newID() string {
	used := map[string]bool{}
	for _, p := range e.products {
		used[p.ID] = true
	}
	for n := len(e.products) + 1; ; n++ {
		if id := fmt.Sprintf("P%04d", n); !used[id] {
			return id
		}
	}
}

func (e *catalogEditor) onDelete() {
	e.products = slices.Delete(e.products, e.editing, e.editing+1)
	e.changed++
	e.eDlg.Hide()
	e.filter()
	e.say(widget.MediumImportance, lang.L("Not saved yet: tap Save products to keep the changes."))
}

// onSave writes the catalog file whole and journals the change.
func (e *catalogEditor) onSave() {
	c, err := catalog.New(e.currency, e.usedCategories(), e.products)
	if err != nil {
		e.say(widget.DangerImportance, lang.L("Could not save the products:")+" "+err.Error())
		return
	}
	change := fmt.Sprintf("%s: %d products, %d changes", filepath.Base(e.path), len(e.products), e.changed)
	commit := func() error {
		if e.opts.Journal == nil {
			return nil
		}
		who := ""
		if e.cashier != nil {
			who = e.cashier()
		}
		return events.SettingsChanged(e.opts.Journal, who, events.Setting{Name: "catalog", Value: change})
	}
	if err := catalog.Save(e.path, c, commit); err != nil {
		e.say(widget.DangerImportance, lang.L("Could not save the products:")+" "+err.Error())
		return
	}
	if e.saved != nil {
		if err := e.saved(e.path); err != nil {
			e.say(widget.DangerImportance, lang.L("The products are saved, but the settings could not name the file:")+" "+err.Error())
			return
		}
	}
	e.changed = 0
	e.say(widget.SuccessImportance, lang.L("Saved. The till sells the new products after Kasse is restarted.")+" ("+e.path+")")
}

// usedCategories are the categories in their order, without those no
// product is in any more.
func (e *catalogEditor) usedCategories() []string {
	used := map[string]bool{}
	for _, p := range e.products {
		used[p.Category] = true
	}
	return slices.DeleteFunc(slices.Clone(e.categories), func(c string) bool { return !used[c] })
}

func (e *catalogEditor) onImport() {
	d := dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
		if err != nil || r == nil {
			return
		}
		r.Close()
		e.importFile(r.URI().Path())
	}, e.win)
	d.SetFilter(storage.NewExtensionFileFilter([]string{".csv", ".CSV"}))
	d.Show()
}

// importFile replaces the products with those of a CSV file, or, when any
// row is bad, imports nothing and lists the bad rows.
func (e *catalogEditor) importFile(path string) {
	b, err := os.ReadFile(path)
	if err == nil {
		var c *catalog.Catalog
		if c, err = catalog.ParseCSVIn(b, e.currency, filepath.Dir(path)); err == nil {
			e.categories, e.products = c.Categories(), c.All()
			e.changed += len(e.products)
			e.search.SetText("")
			e.filter()
			warmImages(e.products)
			e.say(widget.MediumImportance, fmt.Sprintf(lang.L("Imported %d products from %s. Not saved yet: tap Save products to keep them."), len(e.products), filepath.Base(path)))
			return
		}
	}
	e.say(widget.DangerImportance, lang.L("Nothing was imported: the file has bad rows. Correct them in the file and import it again."))
	var ce *catalog.CSVError
	report := err.Error()
	if errors.As(err, &ce) {
		var lines []string
		for _, r := range ce.Rows {
			lines = append(lines, fmt.Sprintf(lang.L("Row %d: %s"), r.Row, r.Msg))
		}
		report = strings.Join(lines, "\n")
	}
	text := &widget.Label{Text: report, Wrapping: fyne.TextWrapWord}
	scroll := container.NewVScroll(text)
	scroll.SetMinSize(fyne.NewSize(560, 300))
	dialog.ShowCustom(lang.L("Nothing was imported"), lang.L("Close"), container.NewBorder(widget.NewLabel(filepath.Base(path)), nil, nil, nil, scroll), e.win)
}

func (e *catalogEditor) onExport() {
	d := dialog.NewFileSave(func(w fyne.URIWriteCloser, err error) {
		if err != nil || w == nil {
			return
		}
		w.Close()
		e.exportFile(w.URI().Path())
	}, e.win)
	d.SetFileName("products.csv")
	d.Show()
}

// exportFile writes the products, saved or not, to a CSV file.
func (e *catalogEditor) exportFile(path string) {
	if !strings.HasSuffix(strings.ToLower(path), ".csv") {
		os.Remove(path) // the empty file the save dialog made
		path += ".csv"
	}
	c, err := catalog.New(e.currency, e.usedCategories(), e.products)
	if err == nil {
		err = catalog.Save(path, c, nil)
	}
	if err != nil {
		e.say(widget.DangerImportance, lang.L("Could not export the products:")+" "+err.Error())
		return
	}
	e.say(widget.SuccessImportance, fmt.Sprintf(lang.L("Exported %d products to %s."), len(e.products), path))
}

// newProducts makes the settings' Products tab. It edits the configured
// catalog file, or, with none, a new catalog.csv beside the configuration,
// which the configuration then names.
func (s *Settings) newProducts() *catalogEditor {
	path := s.cfg.CatalogFile
	if path == "" {
		path = filepath.Join(filepath.Dir(s.opts.Path), "catalog.csv")
	}
	who := func() string {
		if s.manager != "" || s.opts.Cashiers == nil {
			return s.manager
		}
		a, _ := s.opts.Cashiers.Current()
		return a.Name
	}
	return newCatalogEditor(s.win, *s.opts.Catalog, path, who, s.catalogSaved)
}

// catalogSaved makes the saved configuration name the catalog file the
// Products tab saved, when it names none yet.
func (s *Settings) catalogSaved(path string) error {
	if s.cfg.CatalogFile == path || s.opts.Path == "" {
		return nil
	}
	saved := s.opts.Config()
	saved.CatalogFile = path
	if err := station.Save(s.opts.Path, saved); err != nil {
		return err
	}
	if s.opts.Apply != nil {
		s.opts.Apply(saved)
	}
	s.cfg.CatalogFile = path
	s.form.catalog.SetText(path)
	return nil
}

// closeChecked closes the settings, first asking when the product list has
// changes not saved, so that they are not lost by a slip.
func (s *Settings) closeChecked() {
	if s.products == nil || s.products.changed == 0 {
		s.win.Close()
		return
	}
	dialog.ShowConfirm(lang.L("Changes not saved"), lang.L("The product list has changes that are not saved. Close and lose them?"), func(ok bool) {
		if ok && s.win != nil {
			s.win.Close()
		}
	}, s.win)
}
