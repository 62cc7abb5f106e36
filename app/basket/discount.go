package basket

import (
	"fmt"
	"math/bits"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/kasse-pos/kasse/app/i18n"
)

// Off is a discount as the cashier gave it: a percentage or an amount (one of
// the two), and why. On a line it takes money off that line; on the basket it
// takes money off the whole sale and is shared over the lines (see Settled).
type Off struct {
	// Percent is a whole percentage, 1 to 100.
	Percent int `json:"percent,omitempty"`
	// Amount is minor units including VAT.
	Amount int64  `json:"amount,omitempty"`
	Reason string `json:"reason"`
	// By is who gave it (the journal record's cashier), when known.
	By string `json:"by,omitempty"`
}

// MaxReason is the longest reason a receipt line carries.
const MaxReason = 60

// Check says in a plain sentence what is wrong with a discount, or nil.
func (o Off) Check() error {
	switch {
	case strings.TrimSpace(o.Reason) == "":
		return i18n.M("give a reason for the discount")
	case utf8.RuneCountInString(o.Reason) > MaxReason:
		return i18n.M("the reason is too long (at most {{.Max}} characters)", "Max", MaxReason)
	case o.Percent != 0 && o.Amount != 0:
		return i18n.M("a discount is a percentage or an amount, not both")
	case o.Percent < 0 || o.Percent > 100:
		return i18n.M("a percentage from 1 to 100")
	case o.Amount < 0:
		return i18n.M("a discount cannot be negative")
	case o.Percent == 0 && o.Amount == 0:
		return i18n.M("type a percentage or an amount above zero")
	}
	return nil
}

// of is the money the discount takes off base: a percentage rounded half up
// to the minor unit, an amount at most the base.
func (o *Off) of(base int64) int64 {
	if o == nil || base <= 0 {
		return 0
	}
	if o.Percent > 0 {
		return (base*int64(o.Percent) + 50) / 100
	}
	return min(o.Amount, base)
}

// Label is the discount as a receipt shows it: "10 %" or the amount, and the
// reason.
func (o Off) Label(format func(int64) string) string {
	what := strconv.Itoa(o.Percent) + " %"
	if o.Percent == 0 {
		what = format(o.Amount)
	}
	return what + ": " + o.Reason
}

// Override is a price set by hand on a line: the price it had before and why.
type Override struct {
	ListPrice int64  `json:"listPrice"`
	Reason    string `json:"reason"`
	By        string `json:"by,omitempty"`
}

// Weighed reports whether the line was sold by weight: UnitPrice is then per
// kilogram and Grams the weight; Quantity stays 1.
func (l Line) Weighed() bool { return l.Grams > 0 }

// Gross is the line's price before any discount: unit price times quantity,
// or for a weighed line the price per kilogram times the weight, rounded half
// up to the minor unit (129,00/kg × 532 g = 68,628 → 68,63).
func (l Line) Gross() int64 {
	if l.Return != nil {
		return -l.Return.Amount
	}
	if l.Weighed() {
		return (l.UnitPrice*int64(l.Grams) + 500) / 1000 * int64(l.Quantity)
	}
	return l.UnitPrice * int64(l.Quantity)
}

// LineDiscount is the money the line's own discount takes off it.
func (l Line) LineDiscount() int64 { return l.Off.of(l.Gross()) }

// Discount is all the money taken off the line: its own discount and, in a
// settled basket, its share of the basket's discount.
func (l Line) Discount() int64 { return l.LineDiscount() + l.BasketOff }

// Part is what q of the line's quantity cost the customer: the line's total
// shared in proportion, rounded toward zero, and the whole total when q is
// the whole quantity. A negative q gives a negative amount (a return). Parts
// rounded down never add up to more than the line cost; a refund of the last
// of a line takes what is left of its total instead, so they add up exactly.
func (l Line) Part(q int) int64 {
	if q == l.Quantity || l.Quantity == 0 {
		return l.Total()
	}
	return l.Total() * int64(q) / int64(l.Quantity)
}

// Settled is a copy of the basket with its discount shared over the lines
// (each line's BasketOff), so every line's total, net and VAT is what the
// customer pays for it and the lines add up to the bottom line exactly.
//
// The basket discount is taken off the lines' totals after their own
// discounts and shared in proportion to them by the largest-remainder
// method: each share is rounded down and the minor units left over go to the
// largest fractions, the earlier line first on a tie. No line is taken below
// zero. Settled is deterministic and idempotent.
func (b Basket) Settled() Basket {
	s := b.Clone()
	weights := make([]int64, len(s.Lines))
	var base int64
	for i := range s.Lines {
		s.Lines[i].BasketOff = 0
		// A returned line takes no share: the discount is on what is sold.
		weights[i] = max(s.Lines[i].Total(), 0)
		base += weights[i]
	}
	shares := apportion(s.Discount.of(base), weights)
	for i := range s.Lines {
		s.Lines[i].BasketOff = shares[i]
	}
	return s
}

// BasketDiscount is the money the basket's own discount takes off the sale.
func (b Basket) BasketDiscount() int64 {
	var base int64
	for _, l := range b.Lines {
		base += max(l.Gross()-l.LineDiscount(), 0)
	}
	return b.Discount.of(base)
}

// apportion shares amount over non-negative weights by the largest remainder;
// amount must be at most the weights' sum.
func apportion(amount int64, weights []int64) []int64 {
	parts := make([]int64, len(weights))
	var total int64
	for _, w := range weights {
		total += w
	}
	if amount <= 0 || total <= 0 {
		return parts
	}
	rems := make([]uint64, len(weights))
	var given int64
	for i, w := range weights {
		// amount·w may pass int64; the quotient is at most w.
		hi, lo := bits.Mul64(uint64(amount), uint64(w))
		q, r := bits.Div64(hi, lo, uint64(total))
		parts[i], rems[i] = int64(q), r
		given += parts[i]
	}
	idx := make([]int, len(weights))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, c int) bool { return rems[idx[a]] > rems[idx[c]] })
	for k := 0; given < amount; k++ {
		parts[idx[k%len(idx)]]++
		given++
	}
	return parts
}

// SetDiscount gives the line for productID its own discount; nil removes it.
func (b *Basket) SetDiscount(productID string, o *Off) error {
	l := b.line(productID)
	if l == nil {
		return fmt.Errorf("basket: no line for product %s", productID)
	}
	if l.Return != nil && o != nil {
		return i18n.M("a returned line is credited at what was paid for it; it takes no discount")
	}
	if o != nil {
		if err := o.Check(); err != nil {
			return err
		}
		if o.Amount > l.Gross() {
			return i18n.M("the discount is more than the line costs")
		}
		c := *o
		o = &c
	}
	l.Off = o
	return nil
}

// SetBasketDiscount gives the whole basket a discount; nil removes it.
func (b *Basket) SetBasketDiscount(o *Off) error {
	if o != nil {
		if err := o.Check(); err != nil {
			return err
		}
		var base int64
		for _, l := range b.Lines {
			base += max(l.Gross()-l.LineDiscount(), 0)
		}
		if o.Amount > base {
			return i18n.M("the discount is more than the basket costs")
		}
		c := *o
		o = &c
	}
	b.Discount = o
	return nil
}

// SetPrice sets a line's unit price by hand (a manager's price override),
// keeping the price it had before the first override.
func (b *Basket) SetPrice(productID string, price int64, reason, by string) error {
	l := b.line(productID)
	switch {
	case l == nil:
		return fmt.Errorf("basket: no line for product %s", productID)
	case l.Return != nil:
		return i18n.M("a returned line is credited at what was paid for it; its price cannot change")
	case strings.TrimSpace(reason) == "":
		return i18n.M("give a reason for the new price")
	case utf8.RuneCountInString(reason) > MaxReason:
		return i18n.M("the reason is too long (at most {{.Max}} characters)", "Max", MaxReason)
	case price <= 0:
		return i18n.M("type a price above zero")
	}
	list := l.UnitPrice
	if l.Override != nil {
		list = l.Override.ListPrice
	}
	l.Override = &Override{ListPrice: list, Reason: reason, By: by}
	l.UnitPrice = price
	if l.Off != nil && l.Off.Amount > l.Gross() {
		l.Off = nil // a discount larger than the new price no longer makes sense
	}
	return nil
}

// AddLine appends a line of its own (a weighed or price-marked item, which
// never merges with another line), giving it a product id unique in the
// basket: the catalog id, then "#2", "#3"… for the next of the same product.
func (b *Basket) AddLine(l Line) Line {
	id := l.ProductID
	for n := 2; b.Has(id); n++ {
		id = l.ProductID + "#" + strconv.Itoa(n)
	}
	l.ProductID = id
	if l.Quantity == 0 {
		l.Quantity = 1
	}
	b.Lines = append(b.Lines, l)
	return l
}

// CatalogID is the line's product id in the catalog: its ProductID without
// the "#2" AddLine gives a second line of the same product.
func (l Line) CatalogID() string {
	if l.Return != nil {
		return Line{ProductID: l.Return.ProductID}.CatalogID()
	}
	id, _, _ := strings.Cut(l.ProductID, "#")
	return id
}

func (b *Basket) line(productID string) *Line {
	for i := range b.Lines {
		if b.Lines[i].ProductID == productID {
			return &b.Lines[i]
		}
	}
	return nil
}

// kg renders grams as kilograms with three decimals and a point, as the
// receipt schema's quantity wants it: 532 → "0.532".
func kg(grams int) string {
	return strconv.Itoa(grams/1000) + "." + fmt.Sprintf("%03d", grams%1000)
}
