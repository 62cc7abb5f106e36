// Package basket is what the customer is buying: lines with quantities, and the
// totals, VAT per line and VAT per rate that the receipt carries. Every figure is
// derived from the lines, so the bottom line is their exact sum.
package basket

import (
	"fmt"
	"sort"
	"strconv"

	"github.com/kasse-pos/kasse/app/catalog"
	"github.com/kasse-pos/kasse/app/money"
)

// MaxQuantity bounds one line, so a stuck key or scanner cannot run a sale past
// what the API accepts.
const MaxQuantity = 999

// Line is one product and how many of it.
type Line struct {
	ProductID string `json:"productId"`
	Name      string `json:"name"`
	EAN       string `json:"ean,omitempty"`
	UnitPrice int64  `json:"unitPrice"` // incl. VAT, minor units
	VAT       int    `json:"vat"`       // percent
	Quantity  int    `json:"quantity"`
}

// Total is the line's price including VAT.
func (l Line) Total() int64 { return l.UnitPrice * int64(l.Quantity) }

// Split is the line's net amount and VAT, computed on the line total so that
// they add up to it exactly.
func (l Line) Split() (net, vat int64) { return money.Split(l.Total(), l.VAT) }

// Basket is an ordered list of lines; the zero value is an empty basket.
type Basket struct {
	Lines []Line `json:"lines"`
}

// Add puts one more of p in the basket: a new line, or quantity +1 on its line.
func (b *Basket) Add(p catalog.Product) error {
	for i := range b.Lines {
		if b.Lines[i].ProductID == p.ID {
			return b.SetQuantity(p.ID, b.Lines[i].Quantity+1)
		}
	}
	b.Lines = append(b.Lines, Line{ProductID: p.ID, Name: p.Name, EAN: p.EAN, UnitPrice: p.Price, VAT: p.VAT, Quantity: 1})
	return nil
}

// SetQuantity changes a line's quantity; zero or less removes the line.
func (b *Basket) SetQuantity(productID string, q int) error {
	for i := range b.Lines {
		if b.Lines[i].ProductID != productID {
			continue
		}
		switch {
		case q <= 0:
			b.Lines = append(b.Lines[:i], b.Lines[i+1:]...)
		case q > MaxQuantity:
			return fmt.Errorf("at most %d of one product per sale", MaxQuantity)
		default:
			b.Lines[i].Quantity = q
		}
		return nil
	}
	return fmt.Errorf("basket: no line for product %s", productID)
}

// Remove drops a product's line.
func (b *Basket) Remove(productID string) { _ = b.SetQuantity(productID, 0) }

// Clear empties the basket.
func (b *Basket) Clear() { b.Lines = nil }

// Empty reports whether there is nothing to pay for.
func (b *Basket) Empty() bool { return len(b.Lines) == 0 }

// Count is the number of items (sum of quantities).
func (b *Basket) Count() int {
	n := 0
	for _, l := range b.Lines {
		n += l.Quantity
	}
	return n
}

// Clone returns a deep copy, so a sale in flight never shares lines with the
// basket the cashier keeps editing.
func (b Basket) Clone() Basket {
	return Basket{Lines: append([]Line(nil), b.Lines...)}
}

// VATLine sums the lines of one VAT rate.
type VATLine struct {
	Percent int   `json:"percent"`
	Net     int64 `json:"net"`
	VAT     int64 `json:"vat"`
	Gross   int64 `json:"gross"`
}

// Totals is the bottom line of a basket.
type Totals struct {
	Gross int64     `json:"gross"`
	Net   int64     `json:"net"`
	VAT   int64     `json:"vat"`
	ByVAT []VATLine `json:"byVat"` // highest rate first
}

// Totals sums the lines, each split on its own, so the totals and the VAT per
// rate are exactly the sums of what each receipt line shows.
func (b *Basket) Totals() Totals {
	rates := map[int]*VATLine{}
	var t Totals
	for _, l := range b.Lines {
		net, vat := l.Split()
		r := rates[l.VAT]
		if r == nil {
			r = &VATLine{Percent: l.VAT}
			rates[l.VAT] = r
		}
		r.Net += net
		r.VAT += vat
		r.Gross += l.Total()
		t.Gross += l.Total()
		t.Net += net
		t.VAT += vat
	}
	for _, r := range rates {
		t.ByVAT = append(t.ByVAT, *r)
	}
	sort.Slice(t.ByVAT, func(i, j int) bool { return t.ByVAT[i].Percent > t.ByVAT[j].Percent })
	return t
}

// QuantityString is the quantity as the receipt schema wants it.
func (l Line) QuantityString() string { return strconv.Itoa(l.Quantity) }

// Has reports whether the basket has a line for productID.
func (b *Basket) Has(productID string) bool {
	for _, l := range b.Lines {
		if l.ProductID == productID {
			return true
		}
	}
	return false
}
