package checkout

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/kasse-pos/kasse/app/basket"
	"github.com/kasse-pos/kasse/app/i18n"
	"github.com/kasse-pos/kasse/app/money"
)

// OpenItem is a line typed by hand: an unknown barcode, a service, anything
// not in the catalog.
type OpenItem struct {
	Description string
	// Price is the unit price including VAT, in minor units.
	Price    int64
	VATRate  money.Rate
	Quantity int // 0 means 1
	// EAN is the barcode that was not found, if the item was scanned.
	EAN string
}

// maxOpenPrice bounds a typed price (100 000,00), so a slip of the finger
// (an extra zero or three) is caught before the customer is asked to pay.
const maxOpenPrice = 100_000_00

// AddOpenItem puts a hand-typed line in the basket, journaled like any other.
// Each open item is a line of its own, even with the same description.
func (t *Till) AddOpenItem(it OpenItem) error {
	desc := strings.TrimSpace(it.Description)
	if it.Quantity == 0 {
		it.Quantity = 1
	}
	switch {
	case desc == "":
		return errors.New("describe the item: the receipt must say what was sold")
	case utf8.RuneCountInString(desc) > 60:
		return errors.New("the description is too long for the receipt (at most 60 characters)")
	case it.Price <= 0:
		return errors.New("type a price above zero")
	case it.Price > maxOpenPrice:
		return errors.New("that price is more than 100 000,00; check it")
	case !t.vatAllowed(it.VATRate):
		return i18n.M("{{.Rate}} is not a VAT rate of this shop's products", "Rate", it.VATRate.Format(","))
	case it.Quantity < 0 || it.Quantity > basket.MaxQuantity:
		return i18n.M("a quantity from 1 to {{.Max}}", "Max", basket.MaxQuantity)
	}
	return t.edit(func(b *basket.Basket) error {
		n := 1
		for _, l := range b.Lines {
			if strings.HasPrefix(l.ProductID, "open-") {
				n++
			}
		}
		id := fmt.Sprintf("open-%d", n)
		for b.Has(id) {
			n++
			id = fmt.Sprintf("open-%d", n)
		}
		b.Lines = append(b.Lines, basket.Line{ProductID: id, Name: desc, EAN: it.EAN, UnitPrice: it.Price, VATRate: it.VATRate, Quantity: it.Quantity})
		return nil
	})
}

// vatAllowed reports whether rate is one the catalog's products carry, or 0.
func (t *Till) vatAllowed(rate money.Rate) bool {
	if rate == 0 {
		return true
	}
	for _, r := range t.VATRates() {
		if r == rate {
			return true
		}
	}
	return false
}

// VATRates are the VAT rates of the catalog's products and the market's, for
// an open item's picker, highest first.
func (t *Till) VATRates() []money.Rate {
	seen := map[money.Rate]bool{}
	var rates []money.Rate
	add := func(r money.Rate) {
		if !seen[r] {
			seen[r] = true
			rates = append(rates, r)
		}
	}
	for _, p := range t.cfg.Catalog.All() {
		add(p.VATRate)
	}
	for _, r := range t.cfg.VATRates {
		add(r)
	}
	slices.SortFunc(rates, func(a, b money.Rate) int { return int(b - a) })
	return rates
}
