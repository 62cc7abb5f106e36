// Package catalog is the shop's product list: lookup by id and barcode, search,
// and the categories the product grid shows as tabs.
package catalog

import (
	"encoding/json"
	"fmt"
	"strings"
	"unicode"

	"github.com/kasse-pos/kasse/app/money"
)

// Product is one thing the shop sells. Price includes VAT, in minor units.
type Product struct {
	ID       string     `json:"id"`
	Name     string     `json:"name"`
	Category string     `json:"category"`
	Price    int64      `json:"price"`
	VATRate  money.Rate `json:"vat"` // JSON: percent, e.g. 25 or 25.5
	EAN      string     `json:"ean"` // GTIN-13
	Color    string     `json:"color"`
	// PLU is the item code the shop's scales and price labels print in
	// in-store barcodes (5 digits), if the product is sold that way.
	PLU string `json:"plu,omitempty"`
	// PerKg says Price is per kilogram: the product is weighed, and sold from
	// a scale's barcode.
	PerKg bool `json:"perKg,omitempty"`
	// Image is the product's picture for its tile (PNG or JPEG), if any. Load
	// makes a relative path absolute from the catalog file's folder.
	Image string `json:"image,omitempty"`
}

// Catalog is an immutable, indexed product list.
type Catalog struct {
	Currency   string
	categories []string
	products   []Product
	byID       map[string]int
	byEAN      map[string]int
	byPLU      map[string]int
	// The search index, made once: lowercase names and each category's
	// products, so a search or a category is a scan of ready strings.
	lower []string
	byCat map[string][]int
}

type file struct {
	Currency   string    `json:"currency"`
	Categories []string  `json:"categories"`
	Products   []Product `json:"products"`
}

// Parse reads a catalog file (JSON) and checks every product: a name, a positive
// price, a VAT rate the receipt can carry, a valid EAN-13, unique ids and codes.
func Parse(data []byte) (*Catalog, error) {
	var f file
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("catalog: %w", err)
	}
	return build(f)
}

// New makes a catalog of products in currency, checked as Parse checks a
// file. Categories keeps its order; a product's category missing from it is
// added at the end.
func New(currency string, categories []string, products []Product) (*Catalog, error) {
	f := file{Currency: currency, Categories: append([]string(nil), categories...), Products: append([]Product(nil), products...)}
	known := map[string]bool{}
	for _, c := range f.Categories {
		known[c] = true
	}
	for _, p := range f.Products {
		if !known[p.Category] {
			known[p.Category] = true
			f.Categories = append(f.Categories, p.Category)
		}
	}
	return build(f)
}

func build(f file) (*Catalog, error) {
	if f.Currency == "" {
		return nil, fmt.Errorf("catalog: no currency")
	}
	c := &Catalog{Currency: f.Currency, categories: f.Categories, products: f.Products,
		byID: map[string]int{}, byEAN: map[string]int{}, byPLU: map[string]int{}}
	known := map[string]bool{}
	for _, cat := range f.Categories {
		known[cat] = true
	}
	for i, p := range f.Products {
		switch {
		case p.ID == "" || strings.TrimSpace(p.Name) == "":
			return nil, fmt.Errorf("catalog: product %d has no id or name", i+1)
		case p.Price <= 0:
			return nil, fmt.Errorf("catalog: %s has no price", p.ID)
		case !p.VATRate.Valid():
			return nil, fmt.Errorf("catalog: %s has VAT %s %%", p.ID, p.VATRate)
		case !ValidEAN13(p.EAN):
			return nil, fmt.Errorf("catalog: %s has an invalid EAN-13 %q", p.ID, p.EAN)
		case !known[p.Category]:
			return nil, fmt.Errorf("catalog: %s is in unknown category %q", p.ID, p.Category)
		}
		if _, dup := c.byID[p.ID]; dup {
			return nil, fmt.Errorf("catalog: duplicate id %s", p.ID)
		}
		if _, dup := c.byEAN[p.EAN]; dup {
			return nil, fmt.Errorf("catalog: duplicate EAN %s", p.EAN)
		}
		c.byID[p.ID] = i
		c.byEAN[p.EAN] = i
		if p.PLU == "" {
			continue
		}
		if len(p.PLU) != 5 || strings.Trim(p.PLU, "0123456789") != "" {
			return nil, fmt.Errorf("catalog: %s has PLU %q; an item code is 5 digits", p.ID, p.PLU)
		}
		if _, dup := c.byPLU[p.PLU]; dup {
			return nil, fmt.Errorf("catalog: duplicate PLU %s", p.PLU)
		}
		c.byPLU[p.PLU] = i
	}
	c.lower = make([]string, len(c.products))
	c.byCat = map[string][]int{}
	for i, p := range c.products {
		c.lower[i] = strings.ToLower(p.Name)
		c.byCat[p.Category] = append(c.byCat[p.Category], i)
	}
	return c, nil
}

// ValidEAN13 reports whether s is 13 digits with a correct check digit.
func ValidEAN13(s string) bool {
	if len(s) != 13 {
		return false
	}
	sum := 0
	for i, r := range s {
		if r < '0' || r > '9' {
			return false
		}
		d := int(r - '0')
		if i == 12 {
			return (10-sum%10)%10 == d
		}
		if i%2 == 1 {
			d *= 3
		}
		sum += d
	}
	return false
}

// Categories lists the category names in display order.
func (c *Catalog) Categories() []string { return append([]string(nil), c.categories...) }

// All returns every product in catalog order.
func (c *Catalog) All() []Product { return append([]Product(nil), c.products...) }

// InCategory returns the products of one category in catalog order.
func (c *Catalog) InCategory(cat string) []Product {
	idx := c.byCat[cat]
	out := make([]Product, len(idx))
	for i, j := range idx {
		out[i] = c.products[j]
	}
	return out
}

// ByID finds a product by its id.
func (c *Catalog) ByID(id string) (Product, bool) {
	i, ok := c.byID[id]
	if !ok {
		return Product{}, false
	}
	return c.products[i], true
}

// ByEAN finds a product by its GTIN-13 (EAN-8 and UPC-A are zero-padded to 13 by
// the scanner's classifier before they get here).
func (c *Catalog) ByEAN(code string) (Product, bool) {
	i, ok := c.byEAN[code]
	if !ok {
		return Product{}, false
	}
	return c.products[i], true
}

// ByPLU finds a product by the item code of an in-store barcode.
func (c *Catalog) ByPLU(code string) (Product, bool) {
	i, ok := c.byPLU[code]
	if !ok {
		return Product{}, false
	}
	return c.products[i], true
}

// Search returns the products whose name contains every word of q, ignoring case,
// or whose barcode starts with q. An empty query returns nothing.
func (c *Catalog) Search(q string) []Product {
	words := strings.FieldsFunc(strings.ToLower(q), func(r rune) bool { return unicode.IsSpace(r) || r == ',' })
	if len(words) == 0 {
		return nil
	}
	var out []Product
	for i, name := range c.lower {
		match := true
		for _, w := range words {
			if !strings.Contains(name, w) {
				match = false
				break
			}
		}
		if match || (len(words) == 1 && strings.HasPrefix(c.products[i].EAN, words[0])) {
			out = append(out, c.products[i])
		}
	}
	return out
}
