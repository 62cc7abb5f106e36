package escpos

import (
	"strings"
	"testing"
)

func TestEncodeCashPart(t *testing.T) {
	r := Receipt{ShopName: "Butikk", Number: "000007", Currency: "NOK", Total: 12345,
		Lines: []Line{{Name: "Kaffe", Qty: 1, UnitPrice: 12345, Total: 12345}},
		CashPart: CashPart{Rounding: -45, Given: 20000, Change: 7700,
			Tenders: []Tender{{Cash: true, Amount: 12300}}},
		PaymentMethod: "Kontant"}
	data, err := Encode(r, Options{})
	if err != nil {
		t.Fatal(err)
	}
	d, err := Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	text := d.Text()
	for _, want := range []string{"Øreavrunding", "-0,45", "Kontant", "123,00", "Mottatt", "200,00", "Tilbake", "77,00"} {
		if !strings.Contains(text, want) {
			t.Errorf("receipt lacks %q:\n%s", want, text)
		}
	}
	if strings.Count(text, "Kontant") != 1 {
		t.Errorf("the method printed twice:\n%s", text)
	}
}
