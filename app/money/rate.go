package money

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
)

// Rate is a VAT rate in hundredths of a percent (basis points): 2500 is 25 %,
// 2550 is Finland's 25.5 %. It is an integer so that no float comes near money.
//
// In JSON a Rate is the percent as a number with at most two decimals
// ("vat": 25, "vat": 25.5), so catalogs and journals written while rates were
// whole percents read unchanged, and a whole rate is written byte for byte as
// before (the journal's hash chain covers those bytes).
type Rate int

// MaxRate is 100 %.
const MaxRate Rate = 10000

// Percent is a whole-percent rate: Percent(25) == 2500.
func Percent(p int) Rate { return Rate(p * 100) }

// Whole is the rate as a whole percent, and whether it is one (25.5 % is not).
func (r Rate) Whole() (int, bool) { return int(r / 100), r%100 == 0 }

// Valid reports whether the rate is between 0 and 100 %.
func (r Rate) Valid() bool { return r >= 0 && r <= MaxRate }

// String is the percent without a sign and with a decimal point only when
// needed: "25", "25.5", "13.5", "0".
func (r Rate) String() string {
	neg := r < 0
	if neg {
		r = -r
	}
	s := strconv.Itoa(int(r / 100))
	if f := r % 100; f != 0 {
		s += "." + strings.TrimRight(fmt.Sprintf("%02d", int(f)), "0")
	}
	if neg {
		s = "-" + s
	}
	return s
}

// Format is the rate as a person reads it, with the given decimal separator
// and a no-break space before the sign: "25,5 %".
func (r Rate) Format(decimal string) string {
	return strings.Replace(r.String(), ".", decimal, 1) + "\u00a0%"
}

// MarshalJSON writes the percent as a JSON number: 25 or 25.5.
func (r Rate) MarshalJSON() ([]byte, error) { return []byte(r.String()), nil }

// UnmarshalJSON reads a percent with at most two decimals (25, 25.5, 13.50),
// as written by MarshalJSON or by hand in a catalog.
func (r *Rate) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if string(b) == "null" {
		return nil
	}
	v, err := ParseRate(string(b))
	if err != nil {
		return err
	}
	*r = v
	return nil
}

// ParseRate reads a VAT percent a person or a file gives ("25", "25.5",
// "25,5", "14 %") without floats; it refuses more than two decimals.
func ParseRate(s string) (Rate, error) {
	t := strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s), "%"))
	t = strings.Replace(t, ",", ".", 1)
	whole, frac, dot := strings.Cut(t, ".")
	if whole == "" || (dot && frac == "") || len(frac) > 2 {
		return 0, fmt.Errorf("money: %q is not a VAT rate with at most two decimals", s)
	}
	for len(frac) < 2 {
		frac += "0"
	}
	w, err := strconv.Atoi(whole)
	if err != nil || w < 0 || w > 100 || strings.HasPrefix(whole, "+") {
		return 0, fmt.Errorf("money: %q is not a VAT rate", s)
	}
	f, err := strconv.Atoi(frac)
	if err != nil || f < 0 || strings.ContainsAny(frac, "+-") {
		return 0, fmt.Errorf("money: %q is not a VAT rate", s)
	}
	r := Rate(w*100 + f)
	if !r.Valid() {
		return 0, fmt.Errorf("money: %q is more than 100 %%", s)
	}
	return r, nil
}
