package scan_test

import (
	"testing"

	"github.com/kasse-pos/kasse/app/msisdn"
	"github.com/kasse-pos/kasse/app/scan"
)

// A receipt's QR (the relay's receipt page) is a receipt, with its id; other
// links are not.
func TestReceiptLinks(t *testing.T) {
	for _, c := range []struct {
		raw  string
		kind scan.Kind
		id   string
	}{
		{"https://relay.example.no/r/AbCdEfGhIjKlMnOpQrStUv", scan.ReceiptLink, "AbCdEfGhIjKlMnOpQrStUv"},
		{"http://127.0.0.1:8080/r/AbCdEfGhIjKlMnOpQrStUv\r\n", scan.ReceiptLink, "AbCdEfGhIjKlMnOpQrStUv"},
		{"https://example.no/kasse/r/AbCdEfGhIjKl-_pQrStUv/", scan.ReceiptLink, "AbCdEfGhIjKl-_pQrStUv"},
		{"https://relay.example.no/r/short", scan.Unrecognised, ""},
		{"https://relay.example.no/r/AbCdEfGhIjKlMnOpQrStUv/x", scan.Unrecognised, ""},
		{"https://relay.example.no/r/AbCdEfGhIjKlMnOpQrStUv?x=1", scan.Unrecognised, ""},
		{"https://relay.example.no/s/AbCdEfGhIjKlMnOpQrStUv", scan.Unrecognised, ""},
		{"ftp://relay.example.no/r/AbCdEfGhIjKlMnOpQrStUv", scan.Unrecognised, ""},
		{"https://qr.vipps.no/r/AbCdEfGhIjKlMnOpQrStUv", scan.Unrecognised, ""}, // Vipps' own host is never a receipt
	} {
		r := scan.Classify(c.raw, msisdn.Norway)
		if r.Kind != c.kind || r.Receipt != c.id {
			t.Errorf("%q: %s %q, want %s %q", c.raw, r.Kind, r.Receipt, c.kind, c.id)
		}
	}
}
