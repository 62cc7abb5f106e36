package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
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
}

func newProductsScreen(till checkout.Register) *productsScreen {
	s := &productsScreen{till: till, tiles: map[string]*productTile{}}
	s.search = &widget.Entry{PlaceHolder: "Search products or type a barcode", OnChanged: s.onSearch, OnSubmitted: s.onSearchSubmitted}
	s.search.ExtendBaseWidget(s.search)
	cat := till.Catalog()
	items := []*container.TabItem{container.NewTabItem("All", s.grid(cat.All(), true))}
	for _, c := range cat.Categories() {
		items = append(items, container.NewTabItem(c, s.grid(cat.InCategory(c), false)))
	}
	s.tabs = container.NewAppTabs(items...)
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
		if index {
			s.tiles[id] = tile
		}
		objs = append(objs, tile)
	}
	return container.NewVScroll(container.NewGridWrap(fyne.NewSize(168, 112), objs...))
}

func (s *productsScreen) onTile(id string) { _ = s.till.AddProduct(id) }

func (s *productsScreen) onSearch(q string) {
	if q == "" {
		s.body.Objects = []fyne.CanvasObject{s.tabs}
		s.body.Refresh()
		return
	}
	found := s.till.Catalog().Search(q)
	if len(found) == 0 {
		s.body.Objects = []fyne.CanvasObject{container.NewCenter(widget.NewLabel("No product matches “" + q + "”"))}
	} else {
		s.body.Objects = []fyne.CanvasObject{s.grid(found, false)}
	}
	s.body.Refresh()
}

// onSearchSubmitted adds the only match, or treats the text as a typed barcode.
func (s *productsScreen) onSearchSubmitted(q string) {
	if found := s.till.Catalog().Search(q); len(found) == 1 {
		_ = s.till.AddProduct(found[0].ID)
	} else {
		s.till.Scan(q)
	}
	s.search.SetText("")
}
