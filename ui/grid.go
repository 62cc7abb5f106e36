package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/kasse-pos/kasse/app/catalog"
)

// productGrid is a scrolling grid of product tiles that has tiles only for
// the rows in sight: scrolling or a new list of products binds the same few
// tiles to other products, so a catalog of 10,000 costs what one screen does.
type productGrid struct {
	widget.BaseWidget
	items  []catalog.Product
	onTap  func(id string)
	locked bool
	// currency is the catalog's, for the tiles' prices.
	currency string
	// bound is the tiles in use by product id.
	bound  map[string]*productTile
	pool   []*productTile
	layout *tileGrid
	body   *fyne.Container // the scroll's content; its objects are the tiles in use
	scroll *container.Scroll
}

func newProductGrid(onTap func(id string), currency string) *productGrid {
	g := &productGrid{onTap: onTap, bound: map[string]*productTile{}, currency: currency}
	g.layout = &tileGrid{grid: g}
	g.body = container.New(g.layout)
	g.scroll = container.NewVScroll(g.body)
	g.scroll.OnScrolled = func(fyne.Position) { g.place() }
	g.ExtendBaseWidget(g)
	return g
}

func (g *productGrid) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(g.scroll)
}

// Resize also binds the tiles of rows that a taller grid brings into sight.
func (g *productGrid) Resize(size fyne.Size) {
	w := g.layout.width
	g.BaseWidget.Resize(size)
	if g.layout.width != w {
		g.scroll.Refresh() // the rows' height follows the width just laid out
	}
	g.place()
}

// setItems shows ps, from the top.
func (g *productGrid) setItems(ps []catalog.Product) {
	g.items = ps
	g.scroll.ScrollToTop()
	g.scroll.Refresh() // the content's height follows the number of rows
	g.place()
}

// scrollTo brings the product's row into sight.
func (g *productGrid) scrollTo(id string) {
	for i, p := range g.items {
		if p.ID == id {
			c := g.layout.cols(g.layout.width)
			y := float32(i/c) * (g.layout.tile(g.layout.width).Height + tileGap)
			g.scroll.ScrollToOffset(fyne.NewPos(0, y))
			g.place()
			return
		}
	}
}

func (g *productGrid) setLocked(l bool) {
	if g.locked == l {
		return
	}
	g.locked = l
	for _, t := range g.body.Objects {
		t.(*productTile).SetLocked(l)
	}
}

// place binds tiles to the products in sight and lays them out.
func (g *productGrid) place() {
	w := g.layout.width
	if w <= 0 {
		return
	}
	c, ts := g.layout.cols(w), g.layout.tile(w)
	rowH := ts.Height + tileGap
	top, view := g.scroll.Offset.Y, g.scroll.Size().Height
	first := max(0, int(top/rowH))
	last := int((top+view)/rowH) + 1 // the partly shown row below
	from, to := min(first*c, len(g.items)), min((last+1)*c, len(g.items))
	for len(g.pool) < to-from {
		t := newProductTile(catalog.Product{}, nil)
		t.Currency = g.currency
		t.OnTapped = func() { g.onTap(t.Product.ID) }
		g.pool = append(g.pool, t)
	}
	objs := make([]fyne.CanvasObject, 0, to-from)
	for k, i := 0, from; i < to; k, i = k+1, i+1 {
		t := g.pool[k]
		if p := g.items[i]; t.Product != p {
			if g.bound[t.Product.ID] == t {
				delete(g.bound, t.Product.ID)
			}
			t.Product = p
			t.Locked = g.locked
			t.Refresh()
		} else if t.Locked != g.locked {
			t.SetLocked(g.locked)
		}
		g.bound[t.Product.ID] = t
		t.Move(fyne.NewPos(float32((i-from)%c)*(ts.Width+tileGap), float32(i/c)*rowH))
		t.Resize(ts)
		objs = append(objs, t)
	}
	for _, t := range g.pool[to-from:] {
		if g.bound[t.Product.ID] == t {
			delete(g.bound, t.Product.ID)
		}
	}
	g.body.Objects = objs
	canvas.Refresh(g.body)
}

// tileGrid lays tiles in as many columns as fit at least minTile wide, and
// stretches them to fill the width; their height follows their width. Its
// size is that of all the grid's rows; place puts the tiles of the rows in
// sight.
type tileGrid struct {
	grid  *productGrid
	width float32
}

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

func (g *tileGrid) MinSize([]fyne.CanvasObject) fyne.Size {
	w := max(g.width, minTile)
	c := g.cols(w)
	rows := (len(g.grid.items) + c - 1) / c
	return fyne.NewSize(minTile, float32(rows)*(g.tile(w).Height+tileGap))
}

func (g *tileGrid) Layout(_ []fyne.CanvasObject, size fyne.Size) {
	g.width = size.Width
	g.grid.place()
}
