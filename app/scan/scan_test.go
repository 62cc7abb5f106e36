package scan_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/kasse-pos/kasse/app/msisdn"
	"github.com/kasse-pos/kasse/app/scan"
)

var cases = []struct {
	name   string
	raw    string
	kind   scan.Kind
	code   string
	msisdn string
	msg    string // substring of Message
}{
	{"ean13", "7038010009457", scan.Product, "7038010009457", "", "Product 7038010009457"},
	{"ean13 catalog", "7038010001079", scan.Product, "7038010001079", "", ""},
	{"ean13 with CRLF and spaces", "  7038010009457\r\n", scan.Product, "7038010009457", "", ""},
	{"ean13 AIM prefix", "]E07038010009457", scan.Product, "7038010009457", "", ""},
	{"ean8", "96385074", scan.Product, "0000096385074", "", ""},
	{"upc-a", "036000291452", scan.Product, "0036000291452", "", ""},
	{"gtin-14 consumer unit", "07038010009457", scan.Product, "7038010009457", "", ""},
	{"ean13 bad check", "7038010009458", scan.Misread, "7038010009458", "", "Scan it again"},
	{"ean8 bad check", "96385075", scan.Misread, "0000096385075", "", "Scan it again"},
	{"upc-a bad check", "036000291453", scan.Misread, "0036000291453", "", ""},
	{"gtin-14 case", "17038010009454", scan.Unrecognised, "", "", "Not recognised"},
	{"digits wrong length", "123456789", scan.Unrecognised, "", "", `"123456789"`},
	{"vipps clear text", "https://qr.vipps.no/28/2/01/031/4791234567?v=1", scan.CustomerPhone, "", "4791234567", "Customer +47 ••• •• 567"},
	{"vipps clear text api example", "https://qr.vipps.no/28/2/01/031/4712345678?v=1", scan.CustomerPhone, "", "4712345678", "+47 ••• •• 678"},
	{"vipps clear text danish", "https://qr.vipps.no/28/2/01/031/4520123456?v=1", scan.CustomerPhone, "", "4520123456", "(Danish number)"},
	{"vipps clear text upper host", "HTTPS://QR.VIPPS.NO/28/2/01/031/4791234567?v=1", scan.CustomerPhone, "", "4791234567", ""},
	{"vipps clear text odd number", "https://qr.vipps.no/28/2/01/031/47123?v=1", scan.CustomerToken, "", "", "Looking up"},
	{"vipps clear text foreign", "https://qr.vipps.no/28/2/01/031/46701234567?v=1", scan.CustomerToken, "", "", ""},
	{"tokenised", "https://qr.vipps.no/p/qwjhewqhueheuqwhuqwhe", scan.CustomerToken, "", "", "Looking up"},
	{"tokenised empty", "https://qr.vipps.no/p/", scan.Unrecognised, "", "", "not a customer's personal QR"},
	{"tokenised odd chars", "https://qr.vipps.no/p/abc%20def", scan.Unrecognised, "", "", "not a customer's personal QR"},
	{"other vipps qr", "https://qr.vipps.no/28/2/05/031/123456", scan.Unrecognised, "", "", "not a customer's personal QR"},
	{"http not https", "http://qr.vipps.no/p/abc", scan.Unrecognised, "", "", "keyboard layout"},
	{"look-alike host", "https://qr.vipps.no.evil.example/p/abc", scan.Unrecognised, "", "", ""},
	{"userinfo", "https://x@qr.vipps.no/p/abc", scan.Unrecognised, "", "", ""},
	{"wrong keyboard layout", "httpsÆ--qr.vipps.no-p-qwjhewq", scan.Unrecognised, "", "", "keyboard layout"},
	{"empty", "", scan.Unrecognised, "", "", "empty"},
	{"only CRLF", "\r\n", scan.Unrecognised, "", "", "empty"},
	{"text", "hello", scan.Unrecognised, "", "", `Not recognised: "hello"`},
	{"control bytes", "\x00\x1b[2Jab\x07c\xff", scan.Unrecognised, "", "", `"[2Jab?c"`},
	{"serial garbage", "\xff\xfe\x1b[31m", scan.Unrecognised, "", "", "Not recognised"},
	{"bidi override", "abc\u202edef", scan.Unrecognised, "", "", `"abc?def"`},
	{"long", strings.Repeat("A", 5000), scan.Unrecognised, "", "", strings.Repeat("A", 32) + "…"},
}

func TestClassify(t *testing.T) {
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := scan.Classify(c.raw, msisdn.Norway)
			if r.Kind != c.kind || r.Code != c.code || r.Phone.MSISDN() != c.msisdn {
				t.Fatalf("Classify(%q) = %v %q %q, want %v %q %q", c.raw, r.Kind, r.Code, r.Phone.MSISDN(), c.kind, c.code, c.msisdn)
			}
			if !strings.Contains(r.Message, c.msg) || r.Message == "" {
				t.Errorf("Message = %q, want it to contain %q", r.Message, c.msg)
			}
			if r.IsCustomer() != (r.QR != "") {
				t.Errorf("QR = %q for kind %v", r.QR, r.Kind)
			}
			if r.IsCustomer() && r.QR != strings.TrimSpace(c.raw) {
				t.Errorf("QR = %q, want the whole scanned text", r.QR)
			}
			if r.NeedsExchange() != (c.kind == scan.CustomerToken) {
				t.Errorf("NeedsExchange = %v", r.NeedsExchange())
			}
		})
	}
}

func TestValidCheckDigit(t *testing.T) {
	for s, want := range map[string]bool{
		"7038010009457": true, "4006381333931": true, "96385074": true, "036000291452": true,
		"0": false, "": false, "12": false, "70380100094a7": false,
	} {
		if got := scan.ValidCheckDigit(s); got != want {
			t.Errorf("ValidCheckDigit(%q) = %v", s, got)
		}
	}
}

func TestMessages(t *testing.T) {
	if got := scan.UnknownProduct("7038010009457"); got != "Unknown product 7038010009457. Check the catalog or add the item by hand." {
		t.Errorf("UnknownProduct = %q", got)
	}
	n, _ := msisdn.Parse("91234567", msisdn.Norway)
	if got := scan.CustomerFound(n); got != "Customer +47 ••• •• 567" {
		t.Errorf("CustomerFound = %q", got)
	}
	if scan.Kind(99).String() != "unrecognised" || scan.CustomerToken.String() != "customer-token" {
		t.Error("Kind.String")
	}
}

// FuzzClassify feeds the classifier anything a scanner could send and checks
// its promises: no panic, a message always, products are valid GTIN-13s,
// customers carry their QR, and an excerpt is printable and short.
func FuzzClassify(f *testing.F) {
	for _, c := range cases {
		f.Add(c.raw)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		r := scan.Classify(raw, msisdn.Norway)
		if r.Message == "" {
			t.Fatalf("Classify(%q): no message", raw)
		}
		switch r.Kind {
		case scan.Product:
			if len(r.Code) != 13 || !scan.ValidCheckDigit(r.Code) {
				t.Fatalf("Classify(%q): product %q", raw, r.Code)
			}
		case scan.Misread:
			if len(r.Code) != 13 || scan.ValidCheckDigit(r.Code) {
				t.Fatalf("Classify(%q): misread %q", raw, r.Code)
			}
		case scan.CustomerPhone:
			if r.Phone.IsZero() || r.QR == "" || !r.Phone.Market().Valid() {
				t.Fatalf("Classify(%q): customer %v %q", raw, r.Phone, r.QR)
			}
		case scan.CustomerToken:
			if r.QR == "" || len(r.QR) > 255 || !r.Phone.IsZero() {
				t.Fatalf("Classify(%q): token %q", raw, r.QR)
			}
		case scan.Unrecognised:
			if r.Code != "" || r.QR != "" || !r.Phone.IsZero() {
				t.Fatalf("Classify(%q): unrecognised carries data %+v", raw, r)
			}
		default:
			t.Fatalf("Classify(%q): kind %d", raw, r.Kind)
		}
		ex := scan.Excerpt(raw)
		if !utf8.ValidString(ex) || utf8.RuneCountInString(ex) > scan.MaxExcerpt+1 {
			t.Fatalf("Excerpt(%q) = %q", raw, ex)
		}
		for _, r := range ex {
			if r < ' ' || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == '\u202e' {
				t.Fatalf("Excerpt(%q) = %q holds %U", raw, ex, r)
			}
		}
	})
}
