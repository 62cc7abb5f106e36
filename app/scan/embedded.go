package scan

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/kasse-pos/kasse/app/msisdn"
)

// Rule is one of the shop's in-store barcode prefixes. EAN-13 codes that
// start with 2 are free for a shop's own use; scales and price labellers print
// them in the common Nordic layout
//
//	PP IIIII VVVVV C
//
// a 2-digit prefix, a 5-digit item code (the catalog's PLU), a 5-digit value
// and the check digit. The value is the price in minor units (øre, cents) or,
// for a weight prefix, the weight in grams.
type Rule struct {
	Prefix string `json:"prefix"`           // two digits, "20" to "29"
	Weight bool   `json:"weight,omitempty"` // the value is grams, not a price
}

// Rules are a shop's in-store prefixes; the zero value has none, and every
// code is then an ordinary product barcode.
type Rules []Rule

// Check says what is wrong with the rules, or nil.
func (rs Rules) Check() error {
	seen := map[string]bool{}
	for _, r := range rs {
		if len(r.Prefix) != 2 || r.Prefix[0] != '2' || !allDigits(r.Prefix) {
			return fmt.Errorf("in-store barcode prefix %q: two digits from 20 to 29", r.Prefix)
		}
		if seen[r.Prefix] {
			return fmt.Errorf("in-store barcode prefix %s is given twice", r.Prefix)
		}
		seen[r.Prefix] = true
	}
	return nil
}

// Embedded is what an in-store code says: which item, and its price or weight.
type Embedded struct {
	Item   string // the item code (PLU), 5 digits as printed
	Weight bool   // Value is grams; otherwise minor units
	Value  int64
}

// Classify is Classify with the shop's in-store prefixes: a valid EAN-13 with
// one of them is InStore, with Embedded set, instead of Product.
func (rs Rules) Classify(raw string, market msisdn.Market) Result {
	r := Classify(raw, market)
	if e, ok := rs.Parse(r.Code); ok && r.Kind == Product {
		r.Kind, r.Embedded = InStore, &e
		what := "price " + strconv.FormatInt(e.Value, 10)
		if e.Weight {
			what = strconv.FormatInt(e.Value, 10) + " g"
		}
		r.Message = "Item " + e.Item + ", " + what
	}
	return r
}

// Parse reads an EAN-13 (check digit already checked) by the rules.
func (rs Rules) Parse(code string) (Embedded, bool) {
	if len(code) != 13 || !allDigits(code) {
		return Embedded{}, false
	}
	for _, r := range rs {
		if !strings.HasPrefix(code, r.Prefix) {
			continue
		}
		v, _ := strconv.ParseInt(code[7:12], 10, 64)
		return Embedded{Item: code[2:7], Weight: r.Weight, Value: v}, true
	}
	return Embedded{}, false
}
