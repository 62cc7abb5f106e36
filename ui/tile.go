package ui

import (
	"image/color"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/kasse-pos/kasse/app/catalog"
	"github.com/kasse-pos/kasse/app/money"
)

// productTile is a coloured, tappable square with a product's name and price.
type productTile struct {
	widget.BaseWidget
	Product  catalog.Product
	Currency string // the price's, as the catalog says
	OnTapped func()
	// Locked dims the tile while a payment holds the basket; a tap still
	// reaches OnTapped, which says why nothing was added.
	Locked bool
}

// SetLocked dims or restores the tile.
func (t *productTile) SetLocked(l bool) {
	if t.Locked != l {
		t.Locked = l
		t.Refresh()
	}
}

func (t *productTile) fill() color.Color {
	c := parseHex(t.Product.Color)
	if t.Locked {
		return withAlpha(c, 0x60)
	}
	return c
}

func newProductTile(p catalog.Product, onTap func()) *productTile {
	t := &productTile{Product: p, OnTapped: onTap}
	t.ExtendBaseWidget(t)
	return t
}

// Tapped adds the product.
func (t *productTile) Tapped(*fyne.PointEvent) {
	if t.OnTapped != nil {
		t.OnTapped()
	}
}

func (t *productTile) CreateRenderer() fyne.WidgetRenderer {
	t.ExtendBaseWidget(t)
	bg := canvas.NewRectangle(t.fill())
	bg.CornerRadius = theme.InputRadiusSize() * 2
	r := &tileRenderer{tile: t, bg: bg}
	for range 2 {
		txt := canvas.NewText("", color.White)
		txt.TextStyle.Bold = true
		txt.TextSize = 17
		r.name = append(r.name, txt)
	}
	r.price = canvas.NewText(money.FormatCurrency(t.Product.Price, t.Currency), color.White)
	r.price.TextSize = 20
	r.price.TextStyle.Bold = true
	// The product's picture, when the catalog gives one, in the tile's
	// lower right corner beside the price.
	r.img = &canvas.Image{FillMode: canvas.ImageFillContain}
	r.setImage()
	return r
}

// setImage shows the picture of the product the tile is bound to (a grid
// rebinds tiles as it scrolls).
func (r *tileRenderer) setImage() {
	if r.imageSet && r.tile.Product.Image == r.shownImage {
		return
	}
	r.imageSet, r.shownImage = true, r.tile.Product.Image
	res := productImage(r.tile.Product)
	r.img.Resource = res
	if res == nil {
		r.img.Hide()
	} else {
		r.img.Show()
	}
	r.img.Refresh()
}

type tileRenderer struct {
	tile       *productTile
	shown      fyne.Size // the size the text was set for
	shownName  string    // and the name it was set to: a grid reuses tiles
	bg         *canvas.Rectangle
	name       []*canvas.Text
	price      *canvas.Text
	img        *canvas.Image
	shownImage string // the picture's path img shows
	imageSet   bool
}

func (r *tileRenderer) Layout(size fyne.Size) {
	r.bg.Resize(size)
	pad := float32(10)
	if size != r.shown || r.tile.Product.Name != r.shownName {
		// The text grows with the tile, and the name wraps to its width.
		r.shown, r.shownName = size, r.tile.Product.Name
		ts := min(max(size.Width/11, 17), 24)
		per := max(8, int((size.Width-2*pad)/(ts*0.56)))
		lines := wrap(r.tile.Product.Name, per, 2)
		for i, n := range r.name {
			n.TextSize, n.Text = ts, ""
			if i < len(lines) {
				n.Text = lines[i]
			}
			n.Refresh()
		}
		r.price.TextSize = ts + 3
		r.price.Refresh()
	}
	y := pad
	for _, n := range r.name {
		n.Move(fyne.NewPos(pad, y))
		y += n.MinSize().Height
	}
	ps := r.price.MinSize()
	r.price.Move(fyne.NewPos(pad, size.Height-ps.Height-pad))
	// The picture fills the corner under the name and right of the price.
	side := max(0, min(size.Height-y-pad, size.Width-ps.Width-3*pad))
	r.img.Move(fyne.NewPos(size.Width-side-pad, size.Height-side-pad))
	r.img.Resize(fyne.NewSize(side, side))
}

func (r *tileRenderer) MinSize() fyne.Size { return fyne.NewSize(160, 112) }

func (r *tileRenderer) Refresh() {
	r.bg.FillColor = r.tile.fill()
	r.bg.Refresh()
	if price := money.FormatCurrency(r.tile.Product.Price, r.tile.Currency); price != r.price.Text {
		r.price.Text = price
		r.price.Refresh()
	}
	r.setImage()
	if r.tile.Product.Name != r.shownName {
		r.Layout(r.tile.Size())
	}
}

func (r *tileRenderer) Objects() []fyne.CanvasObject {
	objs := []fyne.CanvasObject{r.bg}
	for _, n := range r.name {
		objs = append(objs, n)
	}
	return append(objs, r.price, r.img)
}

func (r *tileRenderer) Destroy() {}

// wrap breaks s into at most max lines of about width runes, at spaces.
func wrap(s string, width, max int) []string {
	var lines []string
	cur := ""
	for _, w := range keepUnits(strings.Fields(s)) {
		if cur != "" && len([]rune(cur))+1+len([]rune(w)) > width {
			lines = append(lines, cur)
			cur = w
			continue
		}
		if cur != "" {
			cur += " "
		}
		cur += w
	}
	if cur != "" {
		lines = append(lines, cur)
	}
	if len(lines) > max {
		lines = lines[:max]
		lines[max-1] += "…"
	}
	return lines
}

func parseHex(s string) color.Color {
	var c color.NRGBA
	c.A = 0xff
	if len(s) == 7 && s[0] == '#' {
		v := func(i int) uint8 {
			var n uint8
			for _, ch := range s[i : i+2] {
				n <<= 4
				switch {
				case ch >= '0' && ch <= '9':
					n |= uint8(ch - '0')
				case ch >= 'a' && ch <= 'f':
					n |= uint8(ch-'a') + 10
				case ch >= 'A' && ch <= 'F':
					n |= uint8(ch-'A') + 10
				}
			}
			return n
		}
		c.R, c.G, c.B = v(1), v(3), v(5)
		return c
	}
	return color.NRGBA{R: 0x45, G: 0x5a, B: 0x64, A: 0xff}
}

// units are the words that stay on the line of the number before them.
var units = map[string]bool{"l": true, "dl": true, "cl": true, "ml": true, "g": true, "kg": true, "stk": true, "cm": true, "m": true, "%": true}

// keepUnits joins a number and its unit ("0,5", "l") into one word with a
// no-break space, so "Vann 0,5 l" never breaks before the "l".
func keepUnits(words []string) []string {
	out := make([]string, 0, len(words))
	for i := 0; i < len(words); i++ {
		w := words[i]
		if i+1 < len(words) && w != "" && w[0] >= '0' && w[0] <= '9' && units[strings.ToLower(words[i+1])] {
			w += "\u00a0" + words[i+1]
			i++
		}
		out = append(out, w)
	}
	return out
}
