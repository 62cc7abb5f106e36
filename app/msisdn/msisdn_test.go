package msisdn_test

import (
	"errors"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/kasse-pos/kasse/app/msisdn"
)

var apiShape = regexp.MustCompile(`^\d{10,15}$`)

var parseCases = []struct {
	in     string
	def    msisdn.Market
	msisdn string // "" = error
	market msisdn.Market
	str    string
	masked string
}{
	{"91234567", msisdn.Norway, "4791234567", msisdn.Norway, "+47 912 34 567", "+47 ••• •• 567"},
	{"912 34 567", msisdn.Norway, "4791234567", msisdn.Norway, "+47 912 34 567", "+47 ••• •• 567"},
	{"+47 912 34 567", msisdn.Norway, "4791234567", msisdn.Norway, "+47 912 34 567", "+47 ••• •• 567"},
	{"004791234567", msisdn.Norway, "4791234567", msisdn.Norway, "+47 912 34 567", "+47 ••• •• 567"},
	{"4791234567", msisdn.Norway, "4791234567", msisdn.Norway, "+47 912 34 567", "+47 ••• •• 567"},
	{" 41-23-45-67 ", msisdn.Norway, "4741234567", msisdn.Norway, "+47 412 34 567", "+47 ••• •• 567"},
	{"+4791234567", msisdn.Denmark, "4791234567", msisdn.Norway, "+47 912 34 567", "+47 ••• •• 567"},
	{"4791234567", msisdn.Denmark, "4791234567", msisdn.Norway, "+47 912 34 567", "+47 ••• •• 567"},
	{"32145678", msisdn.Denmark, "4532145678", msisdn.Denmark, "+45 32 14 56 78", "+45 •• •• •6 78"},
	{"+45 20 12 34 56", msisdn.Norway, "4520123456", msisdn.Denmark, "+45 20 12 34 56", "+45 •• •• •4 56"},
	{"45 20123456", msisdn.Denmark, "4520123456", msisdn.Denmark, "+45 20 12 34 56", "+45 •• •• •4 56"},
	{"040 123 4567", msisdn.Finland, "358401234567", msisdn.Finland, "+358 40 123 4567", "+358 •• ••• •567"},
	{"0501234567", msisdn.Finland, "358501234567", msisdn.Finland, "+358 50 123 4567", "+358 •• ••• •567"},
	{"+358 40 123 4567", msisdn.Norway, "358401234567", msisdn.Finland, "+358 40 123 4567", "+358 •• ••• •567"},
	{"00358451234567", msisdn.Denmark, "358451234567", msisdn.Finland, "+358 45 123 4567", "+358 •• ••• •567"},
	{"358401234567", msisdn.Finland, "358401234567", msisdn.Finland, "+358 40 123 4567", "+358 •• ••• •567"},
	{"041 12345", msisdn.Finland, "3584112345", msisdn.Finland, "+358 41 123 45", "+358 •• ••3 45"},
	// Refused.
	{"", msisdn.Norway, "", "", "", ""},
	{"   ", msisdn.Norway, "", "", "", ""},
	{"+", msisdn.Norway, "", "", "", ""},
	{"21234567", msisdn.Norway, "", "", "", ""},     // landline
	{"9123456", msisdn.Norway, "", "", "", ""},      // 7 digits
	{"912345678", msisdn.Norway, "", "", "", ""},    // 9 digits
	{"+4721234567", msisdn.Norway, "", "", "", ""},  // landline
	{"+46701234567", msisdn.Norway, "", "", "", ""}, // Sweden
	{"02345678", msisdn.Denmark, "", "", "", ""},
	{"0201234567", msisdn.Finland, "", "", "", ""}, // not a mobile prefix
	{"04012", msisdn.Finland, "", "", "", ""},
	{"9123 4567x", msisdn.Norway, "", "", "", ""},
	{"+47 912 34 567 ext", msisdn.Norway, "", "", "", ""},
	{"91234567", "", "", "", "", ""},            // no market, no country code
	{"٩١٢٣٤٥٦٧", msisdn.Norway, "", "", "", ""}, // Arabic-Indic digits are not digits here
	{strings.Repeat("9", 200), msisdn.Norway, "", "", "", ""},
}

func TestParse(t *testing.T) {
	for _, c := range parseCases {
		n, err := msisdn.Parse(c.in, c.def)
		if c.msisdn == "" {
			if err == nil {
				t.Errorf("Parse(%q, %s) = %q, want error", c.in, c.def, n.MSISDN())
				continue
			}
			if !errors.Is(err, msisdn.ErrInvalid) {
				t.Errorf("Parse(%q): error %v is not ErrInvalid", c.in, err)
			}
			var e *msisdn.Error
			if !errors.As(err, &e) || e.Input != c.in || e.Reason == "" {
				t.Errorf("Parse(%q): error %#v", c.in, err)
			}
			if !n.IsZero() {
				t.Errorf("Parse(%q): failed but returned %v", c.in, n)
			}
			continue
		}
		if err != nil {
			t.Errorf("Parse(%q, %s): %v", c.in, c.def, err)
			continue
		}
		if n.MSISDN() != c.msisdn || n.Market() != c.market || n.String() != c.str || n.Masked() != c.masked {
			t.Errorf("Parse(%q, %s) = %s %s %q %q, want %s %s %q %q", c.in, c.def,
				n.MSISDN(), n.Market(), n, n.Masked(), c.msisdn, c.market, c.str, c.masked)
		}
		if n.E164() != "+"+c.msisdn {
			t.Errorf("E164 = %q", n.E164())
		}
	}
}

func TestParseReasons(t *testing.T) {
	for _, c := range []struct {
		in   string
		def  msisdn.Market
		want string
	}{
		{"21234567", msisdn.Norway, "A Norwegian mobile number has 8 digits starting with 4 or 9."},
		{"0123", msisdn.Denmark, "A Danish number has 8 digits and does not start with 0 or 1."},
		{"020 123", msisdn.Finland, "A Finnish mobile number starts with 04 or 050 and has 8 to 11 digits with the 0."},
		{"+46 70 123 45 67", msisdn.Norway, "Only Norwegian (+47), Danish (+45) and Finnish (+358) numbers can pay here."},
		{"", msisdn.Norway, "Type the customer's mobile number."},
		{"91a", msisdn.Norway, "A phone number holds only digits, spaces and a leading +."},
	} {
		_, err := msisdn.Parse(c.in, c.def)
		if err == nil || err.Error() != c.want {
			t.Errorf("Parse(%q, %s) error = %v, want %q", c.in, c.def, err, c.want)
		}
	}
}

func TestFromMSISDN(t *testing.T) {
	for _, c := range []struct {
		in     string
		market msisdn.Market
		masked string
		ok     bool
	}{
		{"4791234567", msisdn.Norway, "+47 ••• •• 567", true},
		{"4712345678", msisdn.Norway, "+47 ••• •• 678", true}, // the API docs' example: shape only
		{"4512345678", msisdn.Denmark, "+45 •• •• •6 78", true},
		{"358401234567", msisdn.Finland, "+358 •• ••• •567", true},
		{"46701234567", "", "+••••••••567", true},
		{"479123456", "", "", false},   // 9 digits
		{"47912345678", "", "", false}, // Norway with 9
		{"+4791234567", "", "", false},
		{"1234567890123456", "", "", false},
		{"", "", "", false},
	} {
		n, err := msisdn.FromMSISDN(c.in)
		if !c.ok {
			if err == nil || !errors.Is(err, msisdn.ErrInvalid) {
				t.Errorf("FromMSISDN(%q) = %v, %v; want ErrInvalid", c.in, n, err)
			}
			continue
		}
		if err != nil || n.MSISDN() != c.in || n.Market() != c.market || n.Masked() != c.masked {
			t.Errorf("FromMSISDN(%q) = %s %q %q, %v", c.in, n.MSISDN(), n.Market(), n.Masked(), err)
		}
	}
}

func TestZero(t *testing.T) {
	var n msisdn.Number
	if !n.IsZero() || n.String() != "" || n.Masked() != "" || n.E164() != "" || n.MSISDN() != "" {
		t.Errorf("zero Number renders as %q %q %q", n, n.Masked(), n.E164())
	}
}

// FuzzParse checks the promises Parse makes for any input: no panic, an
// API-shaped MSISDN on success, a round trip through its own formats, and
// masks that hide all but three digits.
func FuzzParse(f *testing.F) {
	for _, c := range parseCases {
		f.Add(c.in, string(c.def))
	}
	f.Fuzz(func(t *testing.T, in, def string) {
		n, err := msisdn.Parse(in, msisdn.Market(def))
		if err != nil {
			if !errors.Is(err, msisdn.ErrInvalid) || !n.IsZero() || err.Error() == "" {
				t.Fatalf("Parse(%q): bad failure %v", in, err)
			}
			return
		}
		if !apiShape.MatchString(n.MSISDN()) || !n.Market().Valid() {
			t.Fatalf("Parse(%q) = %q (%q)", in, n.MSISDN(), n.Market())
		}
		for _, again := range []string{n.String(), n.E164(), n.MSISDN()} {
			m, err := msisdn.Parse(again, msisdn.Market(def))
			if err != nil || m != n {
				t.Fatalf("Parse(%q) = %v, %v; want %v", again, m, err, n)
			}
		}
		if m, err := msisdn.FromMSISDN(n.MSISDN()); err != nil || m != n {
			t.Fatalf("FromMSISDN(%q) = %v, %v", n.MSISDN(), m, err)
		}
		masked := n.Masked()
		shown := 0
		for _, r := range masked[len(n.Market().CountryCode())+1:] {
			if r >= '0' && r <= '9' {
				shown++
			}
		}
		if shown != 3 || !utf8.ValidString(masked) {
			t.Fatalf("Masked() = %q shows %d digits", masked, shown)
		}
	})
}
