package ui

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/kasse-pos/kasse/app/catalog"
	"github.com/kasse-pos/kasse/app/journal"
	"github.com/kasse-pos/kasse/app/market"
	"github.com/kasse-pos/kasse/app/station"
)

const shopCSV = "name;price;vat;ean;category\nKaffe, liten;32,00;15;7038010001079;Kaffe\nTermokopp;199,00;25;7038010009457;Butikk\n"

// openProducts opens the settings with Anna's PIN and returns their
// Products tab, editing catalogFile (empty: none set up yet).
func openProducts(t *testing.T, dir, catalogFile string) (*Settings, *catalogEditor, *journal.Journal) {
	t.Helper()
	d, j := staff(t)
	test.NewTempApp(t).Settings().SetTheme(newTheme())
	w := test.NewTempWindow(t, nil)
	w.Resize(fyne.NewSize(1280, 800))
	saved := station.Config{POSID: "1", Market: "NO", CatalogFile: catalogFile}
	s := NewSettings(w, SettingsOptions{
		Config: func() station.Config { return saved }, Path: filepath.Join(dir, "kasse.json"), Cashiers: d,
		Apply:   func(c station.Config) bool { saved = c; return true },
		Catalog: &CatalogOptions{Market: market.Norway, Journal: j},
	})
	s.Open()
	test.Type(s.pin, "4711")
	s.onPIN()
	if s.Window() == nil || s.products == nil {
		t.Fatalf("no Products tab: %q", s.pinMsg.Text)
	}
	t.Cleanup(func() {
		if s.Window() != nil {
			s.Window().Close()
		}
	})
	return s, s.products, j
}

// catalogChanges are the journal's settings changes that name the catalog.
func catalogChanges(t *testing.T, j *journal.Journal) []journal.Record {
	t.Helper()
	var out []journal.Record
	if err := j.EachStationRecord(1, func(r journal.Record) bool {
		if r.Kind == journal.KindSettings && strings.Contains(r.Station.Text, "catalog = ") {
			out = append(out, r)
		}
		return true
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestCatalogEditorChangesAPriceAndSaves(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "products.csv")
	if err := os.WriteFile(path, []byte(shopCSV), 0o644); err != nil {
		t.Fatal(err)
	}
	s, e, j := openProducts(t, dir, path)
	for _, o := range s.win.Content().(*fyne.Container).Objects {
		if tabs, ok := o.(*container.AppTabs); ok {
			tabs.SelectIndex(len(tabs.Items) - 1) // Products
		}
	}
	test.Type(e.search, "kopp")
	if len(e.shown) != 1 || e.list.Length() != 1 || !strings.Contains(e.count.Text, "1 of 2") {
		t.Fatalf("search for kopp shows %d rows (%q)", e.list.Length(), e.count.Text)
	}
	e.list.Select(0)
	if e.eDlg == nil || e.eName.Text != "Termokopp" || e.ePrice.Text != "199,00" || e.eVAT.Selected != "25\u00a0%" {
		t.Fatalf("the product dialog shows %q %q %q", e.eName.Text, e.ePrice.Text, e.eVAT.Selected)
	}
	// Every control of the tab and the product dialog is a touch target.
	s.Window().Resize(fyne.NewSize(1280, 800))
	s.products.list.Refresh()
	checked := 0
	for _, o := range append([]fyne.CanvasObject{s.Window().Content()}, s.Window().Canvas().Overlays().List()...) {
		touchables(o, func(c fyne.CanvasObject) {
			checked++
			if sz := c.Size(); sz.Height < 48 || sz.Width < 48 {
				t.Errorf("a %T on the Products tab is %v, smaller than 48 px: %s", c, sz, describe(c))
			}
		})
	}
	if checked < 10 {
		t.Errorf("only %d controls checked", checked)
	}
	e.ePrice.SetText("")
	test.Type(e.ePrice, "219,50")
	e.onDone()
	if e.eMsg.Text != "" {
		t.Fatalf("the new price was refused: %q", e.eMsg.Text)
	}
	if len(catalogChanges(t, j)) != 0 {
		t.Fatal("journaled before Save")
	}
	// Closing with the change not saved asks first.
	s.closeChecked()
	if s.Window() == nil || !strings.Contains(labelsIn(s.Window().Canvas().Overlays().Top()), "not saved") {
		t.Fatal("the settings closed with a change not saved, without asking")
	}
	s.Window().Canvas().Overlays().Top().Hide()
	test.Tap(e.saveB)
	if !strings.Contains(e.msg.Text, "Saved") || !strings.Contains(e.msg.Text, "after Kasse is restarted") {
		t.Fatalf("after Save: %q", e.msg.Text)
	}
	b, _ := os.ReadFile(path)
	c, err := catalog.Load(path, b, "NOK")
	if err != nil {
		t.Fatalf("the saved file does not load: %v\n%s", err, b)
	}
	if p, _ := c.ByEAN("7038010009457"); p.Price != 21950 || len(c.All()) != 2 {
		t.Errorf("saved %+v", c.All())
	}
	ch := catalogChanges(t, j)
	if len(ch) != 1 || ch[0].Cashier != "Anna" || !strings.Contains(ch[0].Station.Text, "products.csv: 2 products, 1 changes") {
		t.Errorf("journal: %+v", ch)
	}
}

func TestCatalogEditorRefusesABadEAN(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "products.csv")
	if err := os.WriteFile(path, []byte(shopCSV), 0o644); err != nil {
		t.Fatal(err)
	}
	_, e, _ := openProducts(t, dir, path)
	e.openProduct(-1)
	test.Type(e.eName, "Kanelbolle")
	test.Type(e.ePrice, "42")
	test.Type(e.eEAN, "7038010009458") // the check digit is 7
	e.eCat.SetText("Bakst")
	e.onDone()
	if !strings.Contains(e.eMsg.Text, "13 digits") || !strings.Contains(e.eMsg.Text, "check digit") || len(e.products) != 2 {
		t.Fatalf("a bad EAN: %q, %d products", e.eMsg.Text, len(e.products))
	}
	e.eEAN.SetText("7038010001079") // the small coffee's
	e.onDone()
	if !strings.Contains(e.eMsg.Text, "Kaffe, liten") || len(e.products) != 2 {
		t.Fatalf("a taken EAN: %q", e.eMsg.Text)
	}
	e.eEAN.SetText("7038010000010")
	e.onDone()
	if e.eMsg.Text != "" || len(e.products) != 3 || e.products[2].VATRate != 2500 || e.products[2].ID == "" {
		t.Fatalf("a good product: %q, %+v", e.eMsg.Text, e.products)
	}
}

func TestCatalogEditorImportsNothingFromABadFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "products.csv")
	if err := os.WriteFile(path, []byte(shopCSV), 0o644); err != nil {
		t.Fatal(err)
	}
	_, e, _ := openProducts(t, dir, path)
	before := append([]catalog.Product(nil), e.products...)
	bad := filepath.Join(dir, "new.csv")
	if err := os.WriteFile(bad, []byte("name;price;vat;ean;category\nBolle;20;15;7038010000010;Bakst\nBrød;abc;15;7038010000027;Bakst\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	e.importFile(bad)
	if !reflect.DeepEqual(e.products, before) || !strings.Contains(e.msg.Text, "Nothing was imported") {
		t.Fatalf("after a bad import: %q, %+v", e.msg.Text, e.products)
	}
	overlay := e.win.Canvas().Overlays().Top()
	if overlay == nil || !strings.Contains(labelsIn(overlay), `Row 3: price "abc" is not an amount`) {
		t.Fatalf("the report of bad rows: %v", overlay)
	}
}

// labelsIn joins the text of every label under o.
func labelsIn(o fyne.CanvasObject) string {
	var b strings.Builder
	var walk func(fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		switch x := o.(type) {
		case *widget.Label:
			b.WriteString(x.Text + "\n")
		case *fyne.Container:
			for _, c := range x.Objects {
				walk(c)
			}
		case fyne.Widget:
			for _, c := range test.WidgetRenderer(x).Objects() {
				walk(c)
			}
		}
	}
	walk(o)
	return b.String()
}

func TestCatalogEditorExportImportRoundTrips(t *testing.T) {
	dir := t.TempDir()
	// No catalog file yet: the tab starts empty and saves beside the configuration.
	s, e, _ := openProducts(t, dir, "")
	if len(e.products) != 0 {
		t.Fatalf("a till without a catalog file edits %d products", len(e.products))
	}
	in := filepath.Join(dir, "in.csv")
	if err := os.WriteFile(in, []byte(shopCSV), 0o644); err != nil {
		t.Fatal(err)
	}
	e.importFile(in)
	imported := append([]catalog.Product(nil), e.products...)
	if len(imported) != 2 || !strings.Contains(e.msg.Text, "Imported 2 products") {
		t.Fatalf("import: %q", e.msg.Text)
	}
	out := filepath.Join(t.TempDir(), "export")
	e.exportFile(out)
	if !strings.Contains(e.msg.Text, "Exported 2 products") {
		t.Fatalf("export: %q", e.msg.Text)
	}
	e.importFile(out + ".csv")
	if !reflect.DeepEqual(e.products, imported) {
		t.Errorf("export then import:\n%+v\n%+v", e.products, imported)
	}
	e.onSave()
	want := filepath.Join(dir, "catalog.csv")
	cfg, err := station.Load(filepath.Join(dir, "kasse.json"))
	if err != nil || cfg.CatalogFile != want || s.form.catalog.Text != want {
		t.Fatalf("the configuration names %q (%v); %q", cfg.CatalogFile, err, e.msg.Text)
	}
}

func TestProductImage(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bolle.png")
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewNRGBA(image.Rect(0, 0, 600, 300))); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if productImage(catalog.Product{}) != nil || productImage(catalog.Product{Image: path + ".missing"}) != nil {
		t.Error("a product without a readable picture has one")
	}
	res := productImage(catalog.Product{Image: path})
	if res == nil {
		t.Fatal("no picture")
	}
	img, err := png.DecodeConfig(bytes.NewReader(res.Content()))
	if err != nil || img.Width != tileImagePx || img.Height != tileImagePx/2 {
		t.Errorf("the tile's picture is %dx%d (%v)", img.Width, img.Height, err)
	}
	if again := productImage(catalog.Product{Image: path}); again != res {
		t.Error("the picture was decoded again")
	}
}

// BenchmarkCatalogEditorSearch types a search into a list of 10,000
// products: each keystroke filters the whole list.
func BenchmarkCatalogEditorSearch(b *testing.B) {
	test.NewTempApp(b)
	w := test.NewTempWindow(b, nil)
	var products []catalog.Product
	for i := range 10000 {
		ean := fmt.Sprintf("70380%07d", i)
		products = append(products, catalog.Product{ID: fmt.Sprint(i), Name: fmt.Sprintf("Vare nummer %d", i), Category: "Alt", Price: 1000, VATRate: 2500, EAN: ean + checkDigit(ean)})
	}
	c, err := catalog.New("NOK", nil, products)
	if err != nil {
		b.Fatal(err)
	}
	e := newCatalogEditor(w, CatalogOptions{Market: market.Norway, Current: func() *catalog.Catalog { return c }}, filepath.Join(b.TempDir(), "none.csv"), nil, nil)
	w.SetContent(e.content())
	w.Resize(fyne.NewSize(1000, 700))
	q := []string{"nummer 9999", "nummer 999"}
	n := 0
	for b.Loop() {
		n++
		e.search.SetText(q[n%2])
	}
	e.search.SetText("nummer 9999")
	if len(e.shown) != 1 {
		b.Errorf("%d found", len(e.shown))
	}
}

// checkDigit is the EAN-13 check digit of 12 digits.
func checkDigit(s string) string {
	sum := 0
	for i, r := range s {
		d := int(r - '0')
		if i%2 == 1 {
			d *= 3
		}
		sum += d
	}
	return fmt.Sprint((10 - sum%10) % 10)
}

// A product with a picture shows it on its tile, beside the price and
// inside the tile; a tile rebound to a product without one shows none.
func TestTileShowsTheProductsPicture(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bolle.png")
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewNRGBA(image.Rect(0, 0, 300, 300))); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	test.NewTempApp(t)
	tile := newProductTile(catalog.Product{ID: "P1", Name: "Kanelbolle", Price: 3900, Image: path}, nil)
	w := test.NewTempWindow(t, tile)
	w.Resize(fyne.NewSize(200, 130))
	tile.Resize(fyne.NewSize(200, 130))
	r := test.TempWidgetRenderer(t, tile).(*tileRenderer)
	r.Layout(tile.Size())
	if r.img.Resource == nil || !r.img.Visible() {
		t.Fatal("the tile shows no picture")
	}
	pos, size := r.img.Position(), r.img.Size()
	if size.Width < 24 || pos.X+size.Width > tile.Size().Width || pos.Y+size.Height > tile.Size().Height {
		t.Errorf("the picture is %v at %v in a tile of %v", size, pos, tile.Size())
	}
	if price := r.price.Position().X + r.price.MinSize().Width; price > pos.X {
		t.Errorf("the picture (x %v) covers the price (to x %v)", pos.X, price)
	}
	tile.Product = catalog.Product{ID: "P2", Name: "Te", Price: 2900}
	tile.Refresh()
	if r.img.Visible() {
		t.Error("a product without a picture shows the last one's")
	}
}
