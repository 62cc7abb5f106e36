package ui

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/kasse-pos/kasse/app/catalog"
	"github.com/kasse-pos/kasse/app/checkout"
	"github.com/kasse-pos/kasse/app/demo/demotest"
	"github.com/kasse-pos/kasse/app/journal"
)

func (f *fakeRegister) LookUpPrice(id string) (catalog.Product, error) {
	if err := f.call("price " + id); err != nil {
		return catalog.Product{}, err
	}
	p, _ := f.cat.ByID(id)
	return p, nil
}

// buttonIn finds a visible button by its text in o.
func buttonIn(o fyne.CanvasObject, text string) *widget.Button {
	var found *widget.Button
	touchables(o, func(c fyne.CanvasObject) {
		if b, ok := c.(*widget.Button); ok && b.Text == text {
			found = b
		}
	})
	return found
}

// onTop finds a button by its text in the window's pop-ups and dialogs.
func onTop(t *testing.T, w fyne.Window, text string) *widget.Button {
	t.Helper()
	for _, o := range w.Canvas().Overlays().List() {
		if b := buttonIn(o, text); b != nil {
			return b
		}
	}
	t.Fatalf("no %q in a dialog", text)
	return nil
}

// The price check in the basket's More… menu: a search and a scan show the
// price, each look-up is journaled (price.lookup, SAF-T 13022), and nothing
// goes into the basket.
func TestPriceCheck(t *testing.T) {
	r := demotest.Start(t, demotest.Options{})
	a := test.NewTempApp(t)
	w := test.NewTempWindow(t, nil)
	w.Resize(fyne.NewSize(1280, 800))
	Create(a, w, r.Till, Options{Title: "Test Kafé"})
	more := buttonIn(w.Content(), "More…")
	if more == nil {
		t.Fatal("no More… button")
	}
	test.Tap(more)
	test.Tap(onTop(t, w, "Price check…"))
	var pc *priceCheck
	var query *widget.Entry
	for _, o := range w.Canvas().Overlays().List() {
		touchables(o, func(c fyne.CanvasObject) {
			if e, ok := c.(*widget.Entry); ok && e.PlaceHolder == "Scan a barcode or search a product" {
				query = e
			}
		})
	}
	if query == nil {
		t.Fatal("the price check did not open")
	}
	pc = &priceCheck{query: query}
	test.Type(pc.query, "termo")
	test.Tap(onTop(t, w, "Termokopp"))
	if !priceShown(w, "199,00") {
		t.Error("the price of Termokopp is not shown")
	}
	p, _ := r.Till.Catalog().ByID("P026")
	if p.EAN == "" {
		t.Fatal("the demo's P026 has no barcode")
	}
	test.Type(pc.query, p.EAN) // a keyboard-wedge scanner types the code and Enter
	pc.query.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	if !priceShown(w, "299,00") {
		t.Error("the price of the scanned Powerbank is not shown")
	}
	var lookups []string
	_ = r.Station.Journal.EachStationRecord(1, func(rec journal.Record) bool {
		if rec.Kind == journal.KindPriceLookup {
			lookups = append(lookups, rec.Station.ProductID)
		}
		return true
	})
	if len(lookups) != 2 || lookups[0] != "P025" || lookups[1] != "P026" {
		t.Errorf("journaled look-ups %v, want P025 and P026", lookups)
	}
	if v := r.Till.View(); len(v.Lines) != 0 {
		t.Errorf("the price check put %d lines in the basket", len(v.Lines))
	}
}

// priceShown says whether a dialog shows a text containing amount.
func priceShown(w fyne.Window, amount string) bool {
	found := false
	var walk func(o fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		switch x := o.(type) {
		case *canvas.Text:
			found = found || (x.Visible() && len(x.Text) > 0 && strings.Contains(x.Text, amount))
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
	for _, o := range w.Canvas().Overlays().List() {
		walk(o)
	}
	return found
}

// The amber training bar shows while training mode is on, and only then.
func TestTrainingBar(t *testing.T) {
	r := demotest.Start(t, demotest.Options{})
	a := test.NewTempApp(t)
	w := test.NewTempWindow(t, nil)
	w.Resize(fyne.NewSize(1280, 800))
	u := Create(a, w, r.Till, Options{Title: "Test Kafé"})
	t.Cleanup(u.Close) // its ticker stops with the test
	visible := func() bool {
		var on bool
		u.inspect(func() { on = u.training.Visible() })
		return on
	}
	if visible() {
		t.Fatal("the training bar shows outside training")
	}
	if err := r.Till.SetTraining(true); err != nil {
		t.Fatal(err)
	}
	r.Await("training on", func(v checkout.View) bool { return v.Training })
	u.refresh()
	if !visible() {
		t.Fatal("no training bar in training mode")
	}
	if err := r.Till.SetTraining(false); err != nil {
		t.Fatal(err)
	}
	r.Await("training off", func(v checkout.View) bool { return !v.Training })
	u.refresh()
	if visible() {
		t.Error("the training bar stays after training")
	}
}
