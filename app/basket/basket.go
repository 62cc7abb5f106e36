// Package basket is what the customer is buying: lines with quantities, and the
// totals, VAT per line and VAT per rate that the receipt carries. Every figure is
// derived from the lines, so the bottom line is their exact sum.
package basket

import (
	"fmt"
	"sort"
	"strconv"

	"github.com/kasse-pos/kasse/app/catalog"
	"github.com/kasse-pos/kasse/app/i18n"
	"github.com/kasse-pos/kasse/app/money"
)

// MaxQuantity bounds one line, so a stuck key or scanner cannot run a sale past
// what the API accepts.
const MaxQuantity = 999

// Line is one product and how many of it.
type Line struct {
	ProductID string     `json:"productId"`
	Name      string     `json:"name"`
	EAN       string     `json:"ean,omitempty"`
	UnitPrice int64      `json:"unitPrice"` // incl. VAT, minor units
	VATRate   money.Rate `json:"vat"`       // JSON: percent, e.g. 25 or 25.5
	Quantity  int        `json:"quantity"`
	// Grams is the weight of a weighed line (UnitPrice is then per kg and
	// Quantity 1); 0 for a line sold by the piece.
	Grams int `json:"grams,omitempty"`
	// Off is the line's own discount, if any.
	Off *Off `json:"off,omitempty"`
	// BasketOff is the line's share of the basket's discount; only a settled
	// basket (Basket.Settled) has it.
	BasketOff int64 `json:"basketOff,omitempty"`
	// Override says the unit price was set by hand, from what and why.
	Override *Override `json:"override,omitempty"`
	// Return makes the line goods brought back from an earlier sale in an
	// exchange (exchange.go): its Quantity is negative and its total is
	// minus what the customer paid for them then.
	Return *Returned `json:"return,omitempty"`
}

// Total is what the customer pays for the line, including VAT: its gross
// less its discounts.
func (l Line) Total() int64 { return l.Gross() - l.Discount() }

// Split is the line's net amount and VAT, computed on the line total so that
// they add up to it exactly.
func (l Line) Split() (net, vat int64) { return money.Split(l.Total(), l.VATRate) }

// Basket is an ordered list of lines; the zero value is an empty basket.
type Basket struct {
	Lines []Line `json:"lines"`
	// Discount is taken off the whole basket, shared over the lines.
	Discount *Off `json:"discount,omitempty"`
}

// Add puts one more of p in the basket: a new line, or quantity +1 on its line.
func (b *Basket) Add(p catalog.Product) error {
	for i := range b.Lines {
		if b.Lines[i].ProductID == p.ID {
			return b.SetQuantity(p.ID, b.Lines[i].Quantity+1)
		}
	}
	b.Lines = append(b.Lines, Line{ProductID: p.ID, Name: p.Name, EAN: p.EAN, UnitPrice: p.Price, VATRate: p.VATRate, Quantity: 1})
	return nil
}

// SetQuantity changes a line's quantity; zero or less removes the line.
func (b *Basket) SetQuantity(productID string, q int) error {
	for i := range b.Lines {
		if b.Lines[i].ProductID != productID {
			continue
		}
		switch {
		case q == 0 || q < 0 && b.Lines[i].Return == nil:
			b.Lines = append(b.Lines[:i], b.Lines[i+1:]...)
			if len(b.Lines) == 0 {
				b.Discount = nil // a discount belongs to the basket it was given on
			}
		case b.Lines[i].Return != nil:
			return fmt.Errorf("%s is a returned line: remove it and choose again what comes back", b.Lines[i].Name)
		case b.Lines[i].Weighed() && q > 1:
			return i18n.M("{{.Name}} was weighed: weigh and scan each one", "Name", b.Lines[i].Name)
		case q > MaxQuantity:
			return i18n.M("at most {{.Max}} of one product per sale", "Max", MaxQuantity)
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
func (b *Basket) Clear() { b.Lines, b.Discount = nil, nil }

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
	c := Basket{Lines: append([]Line(nil), b.Lines...)}
	if b.Discount != nil {
		d := *b.Discount
		c.Discount = &d
	}
	return c
}

// VATLine sums the lines of one VAT rate.
type VATLine struct {
	Rate  money.Rate `json:"percent"` // JSON: percent, e.g. 25 or 25.5
	Net   int64      `json:"net"`
	VAT   int64      `json:"vat"`
	Gross int64      `json:"gross"`
}

// Totals is the bottom line of a basket.
type Totals struct {
	Gross int64     `json:"gross"`
	Net   int64     `json:"net"`
	VAT   int64     `json:"vat"`
	ByVAT []VATLine `json:"byVat"` // highest rate first
	// Discount is all the money taken off (lines' and basket's): the lines'
	// gross less Discount is Gross.
	Discount int64 `json:"discount,omitempty"`
}

// Totals sums the lines of the settled basket, each split on its own after
// its discounts, so the totals and the VAT per rate are exactly the sums of
// what each receipt line shows.
func (b *Basket) Totals() Totals {
	rates := map[money.Rate]*VATLine{}
	var t Totals
	for _, l := range b.Settled().Lines {
		t.Discount += l.Discount()
		net, vat := l.Split()
		r := rates[l.VATRate]
		if r == nil {
			r = &VATLine{Rate: l.VATRate}
			rates[l.VATRate] = r
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
	sort.Slice(t.ByVAT, func(i, j int) bool { return t.ByVAT[i].Rate > t.ByVAT[j].Rate })
	return t
}

// QuantityString is the quantity as the receipt schema wants it.
// A weighed line's is its weight in kilograms ("0.532").
func (l Line) QuantityString() string {
	if l.Weighed() {
		return kg(l.Grams)
	}
	return strconv.Itoa(l.Quantity)
}

// QuantityUnit is the receipt schema's unit of QuantityString: KG or PCS.
func (l Line) QuantityUnit() string {
	if l.Weighed() {
		return "KG"
	}
	return "PCS"
}

// Has reports whether the basket has a line for productID.
func (b *Basket) Has(productID string) bool {
	for _, l := range b.Lines {
		if l.ProductID == productID {
			return true
		}
	}
	return false
}
