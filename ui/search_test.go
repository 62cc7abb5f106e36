package ui

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
)

// A barcode typed into the search box that matches no product, then Enter:
// the window's content must still fit the smallest till screen. The "no
// product matches" notice once wrapped a character a line and made the
// window 1,094 px tall on an 800 px screen.
func TestSearchWithoutMatchKeepsTheWindowOnScreen(t *testing.T) {
	u, _, w := newTill(t)
	fits := func(when string) {
		t.Helper()
		if m := w.Content().MinSize(); m.Width > 1024 || m.Height > 768 {
			t.Errorf("%s: the window needs %v, more than a 1024×768 screen", when, m)
		}
	}
	for _, q := range []string{"7038010009457", strings.Repeat("x", 300)} {
		test.Type(u.products.search, q)
		fits("typed " + q[:13])
		if !u.products.none.Visible() || !strings.Contains(u.products.none.Text, q[:13]) {
			t.Errorf("typed %s: the grid does not say nothing matches (%q)", q[:13], u.products.none.Text)
		}
		u.products.search.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
		fits("submitted " + q[:13])
	}
}
