// Package money does the till's arithmetic: amounts in minor units (øre, cents),
// VAT split out of prices that include it, and display formatting. There are no
// floats here: every amount is an int64 count of minor units.
package money

import (
	"fmt"
	"strconv"
	"strings"
)

// Split divides a VAT-inclusive amount into its net part and its VAT at rate,
// rounding the net half away from zero and giving the VAT the remainder, so that
// net + vat == gross exactly, for every line of every receipt. The arithmetic is
// in integers: net = gross × 10000 / (10000 + rate).
func Split(gross int64, rate Rate) (net, vat int64) {
	if rate <= 0 {
		return gross, 0
	}
	d := int64(MaxRate + rate)
	n := gross * int64(MaxRate)
	if n >= 0 {
		net = (2*n + d) / (2 * d)
	} else {
		net = -((-2*n + d) / (2 * d))
	}
	return net, gross - net
}

// Format renders minor units as a Norwegian-style amount with two decimals and a
// no-break space between thousands: 123450 → "1 234,50".
func Format(minor int64) string { return group(minor, '\u00a0') }

// FormatAmount is Format as the currency's country writes it: Danish kroner
// group thousands with a point ("1.234,50"), Norwegian kroner and the euro in
// Finland with a space ("1 234,50").
func FormatAmount(minor int64, currency string) string {
	if currency == "DKK" {
		return group(minor, '.')
	}
	return Format(minor)
}

func group(minor int64, sep rune) string {
	neg := minor < 0
	if neg {
		minor = -minor
	}
	whole := strconv.FormatInt(minor/100, 10)
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, r := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteRune(sep)
		}
		b.WriteRune(r)
	}
	fmt.Fprintf(&b, ",%02d", minor%100)
	return b.String()
}

// FormatCurrency is the amount with its currency as a shop in the currency's
// country prints it: "kr 49,00" in Norway, "49,00 kr" in Denmark, "49,00 €" in
// Finland (a no-break space between, so a price never breaks over two lines).
func FormatCurrency(minor int64, currency string) string {
	switch currency {
	case "NOK":
		return "kr\u00a0" + Format(minor)
	case "DKK":
		return FormatAmount(minor, currency) + "\u00a0kr"
	case "EUR":
		return Format(minor) + "\u00a0€"
	}
	return Format(minor) + "\u00a0" + currency
}

// Parse reads an amount a person typed ("199", "199,5", "1 234,50", "12.30") into
// minor units. It refuses more than two decimals rather than round money.
func Parse(s string) (int64, error) {
	s = strings.NewReplacer(" ", "", "\u00a0", "", "kr", "", "NOK", "", "DKK", "", "EUR", "", "€", "").Replace(strings.TrimSpace(s))
	s = strings.ReplaceAll(s, ",", ".")
	if s == "" {
		return 0, fmt.Errorf("money: empty amount")
	}
	whole, frac, _ := strings.Cut(s, ".")
	if len(frac) > 2 {
		return 0, fmt.Errorf("money: %q has more than two decimals", s)
	}
	for len(frac) < 2 {
		frac += "0"
	}
	w, err := strconv.ParseInt(whole, 10, 64)
	if err != nil || w < 0 || w > 1e12 {
		return 0, fmt.Errorf("money: %q is not an amount", s)
	}
	f, err := strconv.ParseInt(frac, 10, 64)
	if err != nil || f < 0 {
		return 0, fmt.Errorf("money: %q is not an amount", s)
	}
	return w*100 + f, nil
}
