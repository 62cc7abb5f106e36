package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"github.com/kasse-pos/kasse/app/catalog"
	"github.com/kasse-pos/kasse/app/checkout"
)

// productsScreen is the left half: a search box over category tabs of tiles.
type productsScreen struct {
	till    checkout.Register
	search  *widget.Entry
	tabs    *container.AppTabs
	results *fyne.Container
	body    *fyne.Container
	tiles   map[string]*productTile // by product id, for tests and scans
	onEnter func()                  // Enter with nothing to search
	all     []*productTile          // every tile of every grid
	locked  bool
}

// setLocked dims every tile while a payment holds the basket.
func (s *productsScreen) setLocked(l bool) {
	if s.locked == l {
		return
	}
	s.locked = l
	for _, t := range s.all {
		t.SetLocked(l)
	}
}

func newProductsScreen(till checkout.Register) *productsScreen {
	s := &productsScreen{till: till, tiles: map[string]*productTile{}}
	s.search = &widget.Entry{PlaceHolder: lang.L("Search products or type a barcode"), OnChanged: s.onSearch, OnSubmitted: s.onSearchSubmitted}
	s.search.ExtendBaseWidget(s.search)
	cat := till.Catalog()
	items := []*container.TabItem{container.NewTabItem(lang.L("All"), s.grid(cat.All(), true))}
	for _, c := range cat.Categories() {
		items = append(items, container.NewTabItem(c, s.grid(cat.InCategory(c), false)))
	}
	s.tabs = container.NewAppTabs(items...)
	// A category opens at its top, not where the last one was scrolled to.
	s.tabs.OnSelected = func(ti *container.TabItem) {
		if sc, ok := ti.Content.(*container.Scroll); ok {
			sc.ScrollToTop()
		}
	}
	s.results = container.NewStack()
	s.body = container.NewStack(s.tabs)
	return s
}

func (s *productsScreen) content() fyne.CanvasObject {
	return container.NewBorder(container.NewPadded(s.search), nil, nil, nil, s.body)
}

func (s *productsScreen) grid(ps []catalog.Product, index bool) fyne.CanvasObject {
	objs := make([]fyne.CanvasObject, 0, len(ps))
	for _, p := range ps {
		id := p.ID
		tile := newProductTile(p, func() { s.onTile(id) })
		tile.Currency = s.till.Catalog().Currency
		tile.Locked = s.locked
		if s.tabs == nil { // the tabs' grids, made once; not search results
			s.all = append(s.all, tile)
		}
		if index {
			s.tiles[id] = tile
		}
		objs = append(objs, tile)
	}
	return container.NewVScroll(container.New(&tileGrid{}, objs...))
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

// tileGrid lays tiles in as many columns as fit at least minTile wide, and
// stretches them to fill the width; their height follows their width.
type tileGrid struct{ width float32 }

const minTile, tileGap = 160, 6

// cols is how many columns fit in w: tiles grow with the window, at least
// minTile and about a sixth of the grid wide.
func (g *tileGrid) cols(w float32) int {
	least := max(minTile, w/6)
	return max(1, int((w+tileGap)/(least+tileGap)))
}

func (g *tileGrid) tile(w float32) fyne.Size {
	n := float32(g.cols(w))
	tw := (w - tileGap*(n-1)) / n
	return fyne.NewSize(tw, min(max(tw*0.62, 104), 150))
}

func (g *tileGrid) MinSize(objs []fyne.CanvasObject) fyne.Size {
	w := max(g.width, minTile)
	n := 0
	for _, o := range objs {
		if o.Visible() {
			n++
		}
	}
	c := g.cols(w)
	rows := (n + c - 1) / c
	ts := g.tile(w)
	return fyne.NewSize(minTile, float32(rows)*(ts.Height+tileGap))
}

func (g *tileGrid) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	g.width = size.Width
	ts, c := g.tile(size.Width), g.cols(size.Width)
	i := 0
	for _, o := range objs {
		if !o.Visible() {
			continue
		}
		x, y := float32(i%c)*(ts.Width+tileGap), float32(i/c)*(ts.Height+tileGap)
		o.Move(fyne.NewPos(x, y))
		o.Resize(ts)
		i++
	}
}

func (s *productsScreen) onSearch(q string) {
	if q == "" {
		s.body.Objects = []fyne.CanvasObject{s.tabs}
		s.body.Refresh()
		return
	}
	found := s.till.Catalog().Search(q)
	if len(found) == 0 {
		s.body.Objects = []fyne.CanvasObject{container.NewCenter(widget.NewLabel(lang.L("No product matches “{{.Query}}”", map[string]any{"Query": q})))}
	} else {
		s.body.Objects = []fyne.CanvasObject{s.grid(found, false)}
	}
	s.body.Refresh()
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
