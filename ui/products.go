package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/kasse-pos/kasse/app/catalog"
	"github.com/kasse-pos/kasse/app/checkout"
)

// productsScreen is the left half: a search box, the category tabs, and one
// grid of tiles that shows the chosen category or the search's matches.
type productsScreen struct {
	till   checkout.Register
	search *widget.Entry
	tabs   *container.AppTabs
	top    *fyne.Container
	// found covers the tabs while a search shows matches from every
	// category (covering them moves nothing, hiding them would).
	found *fyne.Container
	grid  *productGrid
	none  *widget.Label
	// tiles are the tiles on screen by product id (tests and scans); a
	// product scrolled out of sight has none, see tileFor.
	tiles   map[string]*productTile
	onEnter func() // Enter with nothing to search
	// all is the catalog in order, and byCat each category's products, made
	// once each: a tab's change only hands the grid another slice.
	all   []catalog.Product
	byCat map[string][]catalog.Product
}

// setLocked dims every tile while a payment holds the basket.
func (s *productsScreen) setLocked(l bool) { s.grid.setLocked(l) }

func newProductsScreen(till checkout.Register) *productsScreen {
	s := &productsScreen{till: till, byCat: map[string][]catalog.Product{}}
	s.search = &widget.Entry{PlaceHolder: lang.L("Search products or type a barcode"), OnChanged: s.onSearch, OnSubmitted: s.onSearchSubmitted}
	s.search.ExtendBaseWidget(s.search)
	cat := till.Catalog()
	s.all = cat.All()
	// The tabs choose what the one grid below shows; their own content is
	// empty, so a category costs no widgets.
	items := []*container.TabItem{container.NewTabItem(lang.L("All"), canvas.NewRectangle(nil))}
	for _, c := range cat.Categories() {
		items = append(items, container.NewTabItem(c, canvas.NewRectangle(nil)))
	}
	s.tabs = container.NewAppTabs(items...)
	s.tabs.OnSelected = func(*container.TabItem) {
		if s.search.Text != "" {
			s.search.SetText("") // a tap where the tabs were ends the search
			return
		}
		s.showCategory()
	}
	s.grid = newProductGrid(s.onTile, cat.Currency)
	warmImages(s.all) // pictures decode in the background, not on first sight
	s.tiles = s.grid.bound
	s.grid.setItems(s.all)
	// One line, cut if long: a wrapping label in a centring container is
	// laid out at its narrowest, a character a line, and its height grew the
	// window past the screen when a typed barcode matched nothing.
	s.none = &widget.Label{Alignment: fyne.TextAlignCenter, Truncation: fyne.TextTruncateEllipsis}
	s.none.ExtendBaseWidget(s.none)
	s.none.Hide()
	foundText := widget.NewLabelWithStyle(lang.L("Matches from every category"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	s.found = container.NewStack(canvas.NewRectangle(theme.Color(theme.ColorNameBackground)), foundText)
	s.found.Hide()
	s.top = container.NewVBox(container.NewPadded(s.search), container.NewStack(newQuiet(s.tabs), s.found))
	return s
}

func (s *productsScreen) content() fyne.CanvasObject {
	// The notice spans the grid's width, halfway down.
	none := container.NewVBox(layout.NewSpacer(), s.none, layout.NewSpacer())
	return container.NewBorder(s.top, nil, nil, nil, container.NewStack(s.grid, none))
}

// showCategory shows the selected tab's products, from the top.
func (s *productsScreen) showCategory() {
	i := s.tabs.SelectedIndex()
	if i <= 0 {
		s.grid.setItems(s.all)
		return
	}
	name := s.tabs.Items[i].Text
	ps, ok := s.byCat[name]
	if !ok {
		ps = s.till.Catalog().InCategory(name)
		s.byCat[name] = ps
	}
	s.grid.setItems(ps)
}

// tileFor scrolls the grid to the product and returns its tile, or nil if
// the grid does not show it now.
func (s *productsScreen) tileFor(id string) *productTile {
	if t := s.tiles[id]; t != nil {
		return t
	}
	s.grid.scrollTo(id)
	return s.tiles[id]
}

// onTile adds the product; while a payment is under way the basket is locked,
// and the cashier is told so instead of the tap doing nothing.
func (s *productsScreen) onTile(id string) {
	if s.till.AddProduct(id) == nil {
		return
	}
	switch s.till.View().Phase {
	case checkout.PhaseSending, checkout.PhaseWaiting, checkout.PhaseCancelling, checkout.PhaseCapturing:
		s.till.Notify(lang.L("Not added: a payment is under way and the basket is locked. Wait for it to end, or tap Cancel payment."))
	}
}

func (s *productsScreen) onSearch(q string) {
	searching := q != ""
	show(s.found, searching)
	if !searching {
		s.none.Hide()
		s.showCategory()
		return
	}
	found := s.till.Catalog().Search(q)
	s.grid.setItems(found)
	if len(found) == 0 {
		s.none.SetText(lang.L("No product matches") + " “" + q + "”")
	}
	show(s.none, len(found) == 0)
}

// onSearchSubmitted adds the only match, or treats the text as a typed barcode.
func (s *productsScreen) onSearchSubmitted(q string) {
	if q == "" {
		// Enter in the empty search box pays, as Enter does elsewhere.
		if s.onEnter != nil {
			s.onEnter()
		}
		return
	}
	if found := s.till.Catalog().Search(q); len(found) == 1 {
		_ = s.till.AddProduct(found[0].ID)
	} else {
		s.till.Scan(q)
	}
	s.search.SetText("")
}

// quiet holds an object that a refresh of the whole window need not redraw:
// the category tabs rebuild every tab's button and icon on a refresh, which
// was most of a tap's time when a shown or hidden part laid the window out
// again. The tabs still redraw themselves when one is chosen.
type quiet struct {
	widget.BaseWidget
	obj fyne.CanvasObject
}

func newQuiet(o fyne.CanvasObject) *quiet {
	q := &quiet{obj: o}
	q.ExtendBaseWidget(q)
	return q
}

func (q *quiet) CreateRenderer() fyne.WidgetRenderer { return &quietRenderer{q.obj} }

type quietRenderer struct{ obj fyne.CanvasObject }

func (r *quietRenderer) Layout(size fyne.Size)        { r.obj.Resize(size) }
func (r *quietRenderer) MinSize() fyne.Size           { return r.obj.MinSize() }
func (r *quietRenderer) Refresh()                     {}
func (r *quietRenderer) Objects() []fyne.CanvasObject { return []fyne.CanvasObject{r.obj} }
func (r *quietRenderer) Destroy()                     {}
