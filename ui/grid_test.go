package ui

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/kasse-pos/kasse/app/basket"
	"github.com/kasse-pos/kasse/app/catalog"
	"github.com/kasse-pos/kasse/app/checkout"
)

// newLargeFake is a window on a fake till with a generated catalog of n
// products.
func newLargeFake(tb testing.TB, n int) (*UI, *fakeRegister) {
	tb.Helper()
	cat, err := catalog.Parse(catalog.Generate(n))
	if err != nil {
		tb.Fatal(err)
	}
	f := &fakeRegister{cat: cat, view: checkout.View{Phase: checkout.PhaseBasket, Currency: "NOK"}}
	a := test.NewTempApp(tb)
	w := test.NewTempWindow(tb, nil)
	w.Resize(fyne.NewSize(1280, 800))
	u := Create(a, w, f, Options{Title: "Stor Butikk"})
	tb.Cleanup(u.Close) // its ticker stops with the test
	w.Resize(fyne.NewSize(1280, 800))
	return u, f
}

// With 10,000 products the grid has tiles only for the rows in sight, and
// scrolling, a category and a search show other products on the same tiles.
func TestGridHasTilesOnlyInSight(t *testing.T) {
	u, f := newLargeFake(t, 10000)
	g := u.products.grid
	inSight := len(g.body.Objects)
	if inSight == 0 || inSight > 60 || len(g.pool) > 60 {
		t.Fatalf("%d tiles on screen and %d made for 10,000 products; want a screenful", inSight, len(g.pool))
	}
	if len(u.products.tiles) != inSight {
		t.Errorf("%d tiles by id for %d on screen", len(u.products.tiles), inSight)
	}
	first := g.body.Objects[0].(*productTile)
	if first.Product.ID != "G00001" || first.Position() != (fyne.Position{}) {
		t.Errorf("the first tile shows %s at %v", first.Product.ID, first.Position())
	}

	// Far down, the same tiles show products of those rows.
	tile := u.products.tileFor("G09000")
	if tile == nil {
		t.Fatal("no tile for G09000 after scrolling to it")
	}
	if top := tile.Position().Y - g.scroll.Offset.Y; top < 0 || top > g.scroll.Size().Height {
		t.Errorf("G09000's tile is %v px from the top of a %v px view", top, g.scroll.Size().Height)
	}
	if len(g.pool) > 60 {
		t.Errorf("scrolling made %d tiles", len(g.pool))
	}
	test.Tap(tile)
	if calls := strings.Join(f.calls, ","); calls != "add G09000" {
		t.Errorf("a tap on the reused tile sent %q", calls)
	}

	// A category shows only its products, from the top.
	u.products.tabs.SelectIndex(3)
	want := u.products.tabs.Items[3].Text
	if g.scroll.Offset.Y != 0 {
		t.Errorf("a category opens scrolled to %v", g.scroll.Offset.Y)
	}
	for _, o := range g.body.Objects {
		if p := o.(*productTile).Product; p.Category != want {
			t.Fatalf("category %s shows %s of %s", want, p.Name, p.Category)
		}
	}

	// A search shows its matches in the same grid; nothing found says so.
	test.Type(u.products.search, "kaffe mild")
	if len(g.items) == 0 || len(g.items) == 10000 {
		t.Fatalf("the search shows %d products", len(g.items))
	}
	for _, o := range g.body.Objects {
		if n := strings.ToLower(o.(*productTile).Product.Name); !strings.Contains(n, "kaffe") || !strings.Contains(n, "mild") {
			t.Fatalf("the search for “kaffe mild” shows %q", n)
		}
	}
	u.products.search.SetText("zzz")
	if len(g.body.Objects) != 0 || !u.products.none.Visible() {
		t.Errorf("no match shows %d tiles and the notice %v", len(g.body.Objects), u.products.none.Visible())
	}
	u.products.search.SetText("")
	if len(g.items) != len(f.cat.InCategory(want)) || u.products.none.Visible() || u.products.found.Visible() {
		t.Errorf("an emptied search shows %d products (the tabs covered %v)", len(g.items), u.products.found.Visible())
	}
}

// A change to one basket line updates that row; the others keep their
// widgets.
func TestBasketUpdatesOnlyTheChangedRow(t *testing.T) {
	u, f := newLargeFake(t, 100)
	a := basket.Line{ProductID: "G00001", Name: "Kaffe", UnitPrice: 3200, VATRate: 1500, Quantity: 1}
	b := basket.Line{ProductID: "G00002", Name: "Bolle", UnitPrice: 2500, VATRate: 1500, Quantity: 1}
	view := func(ls ...basket.Line) checkout.View {
		bs := basket.Basket{Lines: ls}
		return checkout.View{Phase: checkout.PhaseBasket, Lines: ls, Totals: bs.Totals(), Currency: "NOK"}
	}
	f.set(view(a, b))
	rowA, rowB := u.basket.lineRows["G00001"], u.basket.lineRows["G00002"]
	titleB := rowB.title
	a.Quantity = 3
	f.set(view(a, b))
	var qty, each string
	var same bool
	u.inspect(func() {
		qty, each = u.basket.lineRows["G00001"].qty.Text, u.basket.lineRows["G00001"].each.Text
		same = u.basket.lineRows["G00001"] == rowA && u.basket.lineRows["G00002"] == rowB && rowB.title == titleB &&
			u.basket.lines.Objects[0] == rowA.row && u.basket.lines.Objects[1] == rowB.row
	})
	if !same {
		t.Error("a quantity change made new rows")
	}
	if qty != "3" || !strings.HasPrefix(each, "3 ×") {
		t.Errorf("the changed row shows %q and %q", qty, each)
	}
	f.set(view(b))
	if len(u.basket.lineRows) != 1 || len(u.basket.lines.Objects) != 1 || u.basket.lines.Objects[0] != rowB.row {
		t.Errorf("after removing a line: %d rows, %d shown", len(u.basket.lineRows), len(u.basket.lines.Objects))
	}
}
