// Package scan says what a scanned code means at the till: a product's barcode,
// a barcode that was misread, a customer's personal Vipps MobilePay QR, or
// something the till does not know. It is pure logic with no I/O, so the
// serial scanner, the keyboard wedge and a code typed by hand all go through the
// same Classify.
package scan

import (
	"net/url"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/kasse-pos/kasse/app/i18n"
	"github.com/kasse-pos/kasse/app/msisdn"
)

// Kind is what a scan turned out to be.
type Kind int

// Kinds of scan. The zero Kind is Unrecognised, so a zero Result is never
// taken for a product or a customer.
const (
	Unrecognised  Kind = iota // anything else; Message quotes a safe excerpt
	Product                   // EAN-13, EAN-8, UPC-A or GTIN-14 with a correct check digit; Code is the GTIN-13
	Misread                   // a product barcode with a wrong check digit: scan again
	CustomerPhone             // a personal QR that carries the phone number; Phone is set
	CustomerToken             // a tokenised personal QR: only the QR exchange call knows the number
	InStore                   // a shop's own EAN-13 with a price or weight in it (Rules.Classify); Embedded is set
	ReceiptLink               // a receipt's QR (the relay's /r/{id} page): Receipt is the id
)

func (k Kind) String() string {
	switch k {
	case Product:
		return "product"
	case Misread:
		return "misread"
	case CustomerPhone:
		return "customer-phone"
	case CustomerToken:
		return "customer-token"
	case InStore:
		return "in-store"
	case ReceiptLink:
		return "receipt"
	}
	return "unrecognised"
}

// Result is the meaning of one scan.
type Result struct {
	Kind Kind
	// Code is the product's GTIN as 13 digits (EAN-8 and UPC-A padded with
	// leading zeros, which keeps the check digit valid), ready for a catalog
	// lookup by EAN-13. Set for Product and, as read, for Misread.
	Code string
	// Phone is the customer's number, for CustomerPhone.
	Phone msisdn.Number
	// QR is the personal QR's complete text, for CustomerPhone and
	// CustomerToken: the QR exchange and createPayment's customer.personalQr
	// both want it whole and unchanged.
	QR string
	// Receipt is the receipt page's id, for ReceiptLink: the till finds the
	// sale whose published receipt URL ends in it.
	Receipt string
	// Message is a plain sentence for the cashier, in English; Msg is the
	// same sentence to translate (app/i18n).
	Message string
	Msg     i18n.Msg
	// Embedded is what an InStore code carries.
	Embedded *Embedded
}

// NeedsExchange reports whether the till must call the QR exchange endpoint to
// learn the customer's phone number.
func (r Result) NeedsExchange() bool { return r.Kind == CustomerToken }

// IsCustomer reports whether the scan identified a customer.
func (r Result) IsCustomer() bool { return r.Kind == CustomerPhone || r.Kind == CustomerToken }

// Plain messages for the cashier, for the till to show as they are.
const (
	MsgMisread       = "The barcode did not read correctly. Scan it again."
	MsgNeedsExchange = "Customer QR scanned. Looking up the phone number…"
	MsgBusyPaying    = "A payment is waiting for the customer. Finish or cancel it before scanning another customer."
	MsgExchangeError = "Vipps MobilePay could not read the customer's QR. Ask the customer to show it again, or type the phone number."
	MsgOtherQR       = "This Vipps MobilePay QR is not a customer's personal QR. Ask for the QR in the app under 'My QR'."
	MsgLayout        = "This looks like a Vipps MobilePay QR garbled by the scanner's keyboard layout. Set the scanner to the same keyboard country as the computer."
)

// UnknownProduct is the message for a valid barcode that is not in the catalog.
func UnknownProduct(code string) string { return UnknownProductMsg(code).String() }

// UnknownProductMsg is UnknownProduct to translate.
func UnknownProductMsg(code string) i18n.Msg {
	return i18n.M("Unknown product {{.Code}}. Check the catalog or add the item by hand.", "Code", Excerpt(code))
}

// CustomerFound is the message for a customer identified by phone number. The
// number is masked: the screen faces the queue.
func CustomerFound(n msisdn.Number) string { return CustomerFoundMsg(n, n.Market()).String() }

// CustomerFoundMsg is CustomerFound to translate; a number from another of
// the markets than the till's says which country it is from.
func CustomerFoundMsg(n msisdn.Number, till msisdn.Market) i18n.Msg {
	if n.Market() == till || !n.Market().Valid() {
		return i18n.M("Customer {{.Customer}}", "Customer", n.Masked())
	}
	switch n.Market() {
	case msisdn.Norway:
		return i18n.M("Customer {{.Customer}} (Norwegian number)", "Customer", n.Masked())
	case msisdn.Denmark:
		return i18n.M("Customer {{.Customer}} (Danish number)", "Customer", n.Masked())
	}
	return i18n.M("Customer {{.Customer}} (Finnish number)", "Customer", n.Masked())
}

// NotRecognised is the message for a scan Kasse cannot use.
func NotRecognised(raw string) string { return NotRecognisedMsg(raw).String() }

// NotRecognisedMsg is NotRecognised to translate.
func NotRecognisedMsg(raw string) i18n.Msg {
	ex := Excerpt(raw)
	if ex == "" {
		return i18n.M("The scan was empty. Scan again.")
	}
	return i18n.M("Not recognised: \"{{.Scan}}\". Scan a product barcode or the customer's personal QR.", "Scan", ex)
}

// result is r with its message in both forms.
func result(r Result, m i18n.Msg) Result {
	r.Message, r.Msg = m.String(), m
	return r
}

// maxQR is the longest personal QR the API takes (customer.personalQr, 5-255).
const maxQR = 255

// vippsQRHost serves every personal QR, Vipps' and MobilePay's.
const vippsQRHost = "qr.vipps.no"

// clearTextPrefix is the path of the Vipps personal QR that carries the
// MSISDN as its last segment: https://qr.vipps.no/28/2/01/031/4712345678?v=1.
const clearTextPrefix = "/28/2/01/031/"

// Classify says what a scanned code means. market is the till's market; a
// customer from another of the three markets is accepted (the Number says
// which) and the message points it out. Classify never fails and never panics,
// whatever bytes it is given, and its work is bounded by the input's length.
func Classify(raw string, market msisdn.Market) Result {
	s := strings.TrimFunc(raw, func(r rune) bool {
		return unicode.IsSpace(r) || unicode.IsControl(r) || r == utf8.RuneError || r == '\ufeff'
	})
	s = stripAIM(s)
	if s == "" {
		return result(Result{Kind: Unrecognised}, NotRecognisedMsg(s))
	}
	if allDigits(s) {
		if r, ok := classifyGTIN(s); ok {
			return r
		}
		return result(Result{Kind: Unrecognised}, NotRecognisedMsg(s))
	}
	if r, ok := classifyQR(s, market); ok {
		return r
	}
	if id, ok := ReceiptID(s); ok {
		return Result{Kind: ReceiptLink, Receipt: id, Message: "Receipt scanned"}
	}
	if len(s) <= maxQR && strings.Contains(strings.ToLower(s), vippsQRHost) {
		// A keyboard-wedge scanner set to another keyboard layout than the
		// computer's turns "https://" into "https;--" or "httpsÆ--".
		return result(Result{Kind: Unrecognised}, i18n.M(MsgLayout))
	}
	return result(Result{Kind: Unrecognised}, NotRecognisedMsg(s))
}

// stripAIM removes an AIM symbology identifier ("]E0", "]Q1"…), which some
// scanners are set up to send before every code.
func stripAIM(s string) string {
	if len(s) > 3 && s[0] == ']' && s[1] >= 'A' && s[1] <= 'Z' && s[2] >= '0' && s[2] <= '9' {
		return s[3:]
	}
	return s
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// classifyGTIN handles the numeric barcodes a shop sells by.
func classifyGTIN(s string) (Result, bool) {
	var gtin13 string
	switch len(s) {
	case 8, 12, 13: // EAN-8, UPC-A, EAN-13
		gtin13 = strings.Repeat("0", 13-len(s)) + s
	case 14: // GTIN-14 (ITF-14, GS1 DataBar): only a consumer unit maps to an EAN-13
		if s[0] != '0' {
			return Result{}, false
		}
		gtin13 = s[1:]
	default:
		return Result{}, false
	}
	if !ValidCheckDigit(s) {
		return result(Result{Kind: Misread, Code: gtin13}, i18n.M(MsgMisread)), true
	}
	return result(Result{Kind: Product, Code: gtin13}, i18n.M("Product {{.Code}}", "Code", gtin13)), true
}

// ValidCheckDigit reports whether the last digit of a GS1 code (EAN-8, UPC-A,
// EAN-13, GTIN-14) is the check digit of the others: weights 3 and 1
// alternating from the right, sum to a multiple of ten.
func ValidCheckDigit(s string) bool {
	if len(s) < 2 || !allDigits(s) {
		return false
	}
	sum := 0
	for i := len(s) - 2; i >= 0; i-- {
		d := int(s[i] - '0')
		if (len(s)-2-i)%2 == 0 {
			d *= 3
		}
		sum += d
	}
	return (10-sum%10)%10 == int(s[len(s)-1]-'0')
}

// classifyQR recognises the two forms of personal QR (API-NOTES §8).
func classifyQR(s string, market msisdn.Market) (Result, bool) {
	if len(s) > maxQR || !hasPrefixFold(s, "https://") {
		return Result{}, false
	}
	u, err := url.Parse(s)
	if err != nil || !strings.EqualFold(u.Host, vippsQRHost) || u.User != nil {
		return Result{}, false
	}
	if token, ok := strings.CutPrefix(u.Path, "/p/"); ok {
		if !validToken(token) {
			return result(Result{Kind: Unrecognised}, i18n.M(MsgOtherQR)), true
		}
		return result(Result{Kind: CustomerToken, QR: s}, i18n.M(MsgNeedsExchange)), true
	}
	if digits, ok := strings.CutPrefix(u.Path, clearTextPrefix); ok {
		n, err := msisdn.FromMSISDN(digits)
		if err != nil || !n.Market().Valid() {
			// The QR looks like Vipps' own but its number does not: let the
			// exchange, which knows, decide.
			return result(Result{Kind: CustomerToken, QR: s}, i18n.M(MsgNeedsExchange)), true
		}
		return result(Result{Kind: CustomerPhone, Phone: n, QR: s}, CustomerFoundMsg(n, market)), true
	}
	return result(Result{Kind: Unrecognised}, i18n.M(MsgOtherQR)), true
}

// ReceiptID is the id of a receipt page URL (https://relay.example/r/{id}, as
// the till prints it in the receipt's QR), if u is one.
func ReceiptID(u string) (string, bool) {
	if len(u) > maxQR || !(hasPrefixFold(u, "https://") || hasPrefixFold(u, "http://")) {
		return "", false
	}
	p, err := url.Parse(u)
	if err != nil || p.Host == "" || p.User != nil || p.RawQuery != "" {
		return "", false
	}
	path := strings.TrimSuffix(p.Path, "/")
	i := strings.LastIndex(path, "/r/") // a relay may sit under a path
	if i < 0 {
		return "", false
	}
	id := path[i+len("/r/"):]
	if strings.Contains(id, "/") || len(id) < 16 || len(id) > 64 || !validToken(id) {
		return "", false
	}
	return id, true
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// validToken accepts the URL-safe characters a token is made of, and nothing
// that would need escaping.
func validToken(t string) bool {
	if t == "" {
		return false
	}
	for i := 0; i < len(t); i++ {
		c := t[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~') {
			return false
		}
	}
	return true
}

// MaxExcerpt is the most runes Excerpt keeps, before its ellipsis.
const MaxExcerpt = 32

// Excerpt is a short, safe rendering of any scanned text for a message:
// printable runes only (anything else, bad UTF-8 included, becomes '?'),
// white space collapsed, at most MaxExcerpt runes and then "…".
func Excerpt(raw string) string {
	var b strings.Builder
	n := 0
	space := false
	for _, r := range strings.TrimSpace(raw) {
		if n == MaxExcerpt {
			b.WriteString("…")
			break
		}
		switch {
		case unicode.IsSpace(r):
			space = true
			continue
		case r == utf8.RuneError || !strconv.IsPrint(r):
			r = '?'
		}
		if space && n > 0 {
			b.WriteByte(' ')
			n++
			if n == MaxExcerpt {
				b.WriteString("…")
				break
			}
		}
		space = false
		b.WriteRune(r)
		n++
	}
	return b.String()
}
