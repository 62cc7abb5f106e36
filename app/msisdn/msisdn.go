// Package msisdn parses and formats the phone numbers that identify a Vipps
// MobilePay customer in the three markets Kasse serves: Norway, Denmark and
// Finland.
//
// Two doors lead in. Parse is for what a person typed and is strict: it checks
// the number against the market's mobile plan and says in plain words what is
// wrong. FromMSISDN is for numbers that come from the API or from a personal QR,
// which Vipps MobilePay has already validated, so it only checks their shape.
package msisdn

import (
	"errors"
	"strings"
)

// Market is a country where Vipps MobilePay runs, as its ISO 3166 code.
type Market string

// The markets Kasse knows. The zero Market means "none / other country".
const (
	Norway  Market = "NO"
	Denmark Market = "DK"
	Finland Market = "FI"
)

// CountryCode is the market's international dialling code, without + or 00.
func (m Market) CountryCode() string {
	switch m {
	case Norway:
		return "47"
	case Denmark:
		return "45"
	case Finland:
		return "358"
	}
	return ""
}

// Valid reports whether m is one of the markets Kasse knows.
func (m Market) Valid() bool { return m.CountryCode() != "" }

// ErrInvalid is matched (errors.Is) by every error Parse and FromMSISDN return.
var ErrInvalid = errors.New("invalid phone number")

// Error says why a phone number was refused. Its text is a plain sentence a
// cashier can read out, without package prefix.
type Error struct {
	Input  string // what was given, as given
	Reason string // plain sentence: "A Norwegian mobile number has 8 digits starting with 4 or 9."
}

func (e *Error) Error() string { return e.Reason }

// Is makes errors.Is(err, ErrInvalid) true.
func (e *Error) Is(target error) bool { return target == ErrInvalid }

// Plain reasons, one per rule, so that the till and tests can compare them.
const (
	reasonEmpty   = "Type the customer's mobile number."
	reasonChars   = "A phone number holds only digits, spaces and a leading +."
	reasonCountry = "Only Norwegian (+47), Danish (+45) and Finnish (+358) numbers can pay here."
	reasonNO      = "A Norwegian mobile number has 8 digits starting with 4 or 9."
	reasonDK      = "A Danish number has 8 digits and does not start with 0 or 1."
	reasonFI      = "A Finnish mobile number starts with 04 or 050 and has 8 to 11 digits with the 0."
	reasonShape   = "A phone number from Vipps MobilePay has 10 to 15 digits with the country code."
)

// maxInput bounds the work done on pasted or scanned junk.
const maxInput = 64

// Number is a validated phone number. The zero Number is "no number".
type Number struct {
	market Market
	cc     string // country code, digits; "" for another country's number
	nsn    string // national significant number: digits after cc (all digits if cc is "")
}

// IsZero reports whether n is the zero Number.
func (n Number) IsZero() bool { return n.nsn == "" }

// Market is the number's market, or "" for a number from another country
// (possible only through FromMSISDN).
func (n Number) Market() Market { return n.market }

// MSISDN is the number as the API wants it: country code and number, digits
// only, no + and no 00 ("4791234567", matching ^\d{10,15}$).
func (n Number) MSISDN() string { return n.cc + n.nsn }

// E164 is the number with a leading +: "+4791234567".
func (n Number) E164() string {
	if n.IsZero() {
		return ""
	}
	return "+" + n.MSISDN()
}

// String is the whole number grouped as people write it: "+47 912 34 567".
func (n Number) String() string { return n.format(false) }

// Masked is the number with all but its last three digits hidden, grouped the
// same way, for showing on a screen the customer and others can see:
// "+47 ••• •• 567".
func (n Number) Masked() string { return n.format(true) }

func (n Number) format(mask bool) string {
	if n.IsZero() {
		return ""
	}
	digits := n.nsn
	if mask {
		keep := 3
		if len(digits) < keep {
			keep = len(digits)
		}
		digits = strings.Repeat("•", len(digits)-keep) + digits[len(digits)-keep:]
	}
	runes := []rune(digits)
	var groups []int
	switch n.market {
	case Norway:
		groups = []int{3, 2, 3} // 912 34 567
	case Denmark:
		groups = []int{2, 2, 2, 2} // 12 34 56 78
	case Finland:
		groups = []int{2, 3} // 40 123 4567, 50 123 45
	}
	var b strings.Builder
	b.WriteString("+" + n.cc)
	i := 0
	for _, g := range groups {
		if i >= len(runes) {
			break
		}
		end := min(i+g, len(runes))
		b.WriteString(" " + string(runes[i:end]))
		i = end
	}
	if i < len(runes) {
		if n.cc != "" {
			b.WriteByte(' ')
		}
		b.WriteString(string(runes[i:]))
	}
	return b.String()
}

// Parse reads a phone number a person typed, for market def when the number has
// no country code. It accepts the usual ways of writing one:
//
//	91234567, 912 34 567, +47 912 34 567, 0047 91234567, 4791234567 (Norway)
//	12345678, +45 12 34 56 78, 4512345678                         (Denmark)
//	040 123 4567, +358 40 123 4567, 358401234567                   (Finland)
//
// A number with a country code may belong to another of the three markets than
// def; the Number says which. The error is an *Error with a plain reason.
func Parse(input string, def Market) (Number, error) {
	fail := func(reason string) (Number, error) {
		return Number{}, &Error{Input: input, Reason: reason}
	}
	if len(input) > maxInput {
		return fail(reasonChars)
	}
	s := strings.TrimSpace(input)
	if s == "" {
		return fail(reasonEmpty)
	}
	intl := false
	if rest, ok := strings.CutPrefix(s, "+"); ok {
		intl, s = true, rest
	}
	var d strings.Builder
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			d.WriteRune(r)
		case r == ' ' || r == '\u00a0' || r == '-' || r == '.' || r == '(' || r == ')' || r == '/':
			// Separators people type; "(0)" in "+47 (0)…" is not a thing in these markets.
		default:
			return fail(reasonChars)
		}
	}
	digits := d.String()
	if digits == "" {
		return fail(reasonEmpty)
	}
	if !intl {
		if rest, ok := strings.CutPrefix(digits, "00"); ok {
			intl, digits = true, rest
		}
	}
	if intl {
		m, nsn := splitCountry(digits)
		if m == "" {
			return fail(reasonCountry)
		}
		if err := checkNational(m, nsn); err != "" {
			return fail(err)
		}
		return Number{market: m, cc: m.CountryCode(), nsn: nsn}, nil
	}

	// No + or 00: the default market's own way of writing first, then the
	// same digits read as country code and number ("4791234567").
	if def.Valid() {
		if nsn, ok := national(def, digits); ok && checkNational(def, nsn) == "" {
			return Number{market: def, cc: def.CountryCode(), nsn: nsn}, nil
		}
	}
	if m, nsn := splitCountry(digits); m != "" && checkNational(m, nsn) == "" {
		return Number{market: m, cc: m.CountryCode(), nsn: nsn}, nil
	}
	switch def {
	case Norway:
		return fail(reasonNO)
	case Denmark:
		return fail(reasonDK)
	case Finland:
		return fail(reasonFI)
	}
	return fail(reasonCountry)
}

// national turns digits written the market's national way into the national
// significant number.
func national(m Market, digits string) (string, bool) {
	if m == Finland {
		// Finnish numbers are written with a trunk 0: 040 123 4567.
		return strings.CutPrefix(digits, "0")
	}
	return digits, true
}

// splitCountry finds a known country code at the start of digits.
func splitCountry(digits string) (Market, string) {
	for _, m := range []Market{Norway, Denmark, Finland} {
		if rest, ok := strings.CutPrefix(digits, m.CountryCode()); ok {
			return m, rest
		}
	}
	return "", ""
}

// checkNational applies the market's mobile plan to a national significant
// number and returns the plain reason it fails, or "".
func checkNational(m Market, nsn string) string {
	switch m {
	case Norway:
		if len(nsn) == 8 && (nsn[0] == '4' || nsn[0] == '9') {
			return ""
		}
		return reasonNO
	case Denmark:
		if len(nsn) == 8 && nsn[0] >= '2' {
			return ""
		}
		return reasonDK
	case Finland:
		// Mobile numbers are 04x… and 050…, 7 to 10 digits after the trunk 0.
		if len(nsn) >= 7 && len(nsn) <= 10 && (nsn[0] == '4' || strings.HasPrefix(nsn, "50")) {
			return ""
		}
		return reasonFI
	}
	return reasonCountry
}

// FromMSISDN reads a number that Vipps MobilePay produced: the msisdn of a QR
// exchange answer or the number inside a personal QR. It checks the shape only
// (^\d{10,15}$, and the right length for a known country code), not the
// mobile plan, because the API is the authority on its own numbers. A number
// from another country is accepted with an empty Market.
func FromMSISDN(s string) (Number, error) {
	fail := func() (Number, error) { return Number{}, &Error{Input: s, Reason: reasonShape} }
	if len(s) < 10 || len(s) > 15 {
		return fail()
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return fail()
		}
	}
	m, nsn := splitCountry(s)
	switch {
	case m == Norway || m == Denmark:
		if len(nsn) != 8 {
			return fail()
		}
	case m == Finland:
		if len(nsn) < 7 || len(nsn) > 10 {
			return fail()
		}
	default:
		// Unknown country: where its code ends is unknown here, so the digits
		// stay whole and String shows them ungrouped after the +.
		return Number{nsn: s}, nil
	}
	return Number{market: m, cc: m.CountryCode(), nsn: nsn}, nil
}
